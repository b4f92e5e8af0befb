import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from schemas import DatasetRow, Problem, QuarantineRow, RemovalRow, Trajectory, Verification, read_parquet
from schemas.arrow import SCHEMAS, to_table, write_parquet
from tests.factories import ASSERT, CALL, QUARANTINE, REMOVAL, ROW, STDIN, TRAJECTORY, VERIFICATION

CASES = [
    (Problem, [STDIN, CALL, ASSERT]),
    (Trajectory, [TRAJECTORY]),
    (Verification, [VERIFICATION]),
    (DatasetRow, [ROW]),
    (QuarantineRow, [QUARANTINE]),
    (RemovalRow, [REMOVAL]),
]


@pytest.mark.parametrize(("record_type", "records"), CASES)
def test_parquet_round_trip_keeps_records_and_schema(tmp_path, record_type, records):
    path = write_parquet(records, record_type, tmp_path / "x.parquet")
    assert read_parquet(path, record_type) == records
    schema = pq.read_schema(path)
    assert schema.equals(SCHEMAS[record_type], check_metadata=False)
    assert schema.metadata[b"trajforge.record"] == record_type.__name__.encode()


def test_reading_only_some_ids(tmp_path):
    path = write_parquet([STDIN, CALL, ASSERT], Problem, tmp_path / "p.parquet")
    assert read_parquet(path, Problem, ids={CALL.id, "absent"}) == [CALL]
    assert read_parquet(path, Problem, ids=[ASSERT.id, STDIN.id]) == [STDIN, ASSERT]  # file order
    assert read_parquet(path, Problem, ids=()) == []


def test_write_is_atomic_and_leaves_no_temp_file(tmp_path):
    write_parquet([STDIN], Problem, tmp_path / "p.parquet")
    assert [p.name for p in tmp_path.iterdir()] == ["p.parquet"]


def test_wrong_value_type_fails_to_convert():
    from dataclasses import replace

    with pytest.raises((TypeError, ValueError, pa.ArrowException)):
        to_table([replace(STDIN, time_limit_s="fast")], Problem)
