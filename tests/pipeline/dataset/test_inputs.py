"""The build's readers: column types as declared, unique ids, no verdict that claims more than it ran."""

from dataclasses import replace

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.common.layout import DataLayout, ManifestError
from pipeline.dataset.build import build_dataset
from schemas import SCHEMAS, SchemaError, Trajectory, to_table
from tests.factories import PROBLEMS, TRAJECTORIES, VERIFICATIONS, write_stage_files


def stage(tmp_path, trajectories=TRAJECTORIES, verifications=VERIFICATIONS) -> DataLayout:
    return write_stage_files(DataLayout(tmp_path), PROBLEMS.values(), (), {"shard-000": trajectories},
                             {"shard-000": verifications})  # fmt: skip


def test_a_column_of_another_type_is_refused_naming_the_file_and_column(tmp_path):
    layout = stage(tmp_path)
    path = layout.trajectories_file("shard-000")
    table = to_table(TRAJECTORIES, Trajectory)
    index = table.schema.get_field_index("completion_tokens")
    as_text = table.set_column(index, "completion_tokens", pa.array([str(t.completion_tokens) for t in TRAJECTORIES]))
    pq.write_table(as_text, path)
    layout.write_manifest("trajectories", [(path, len(TRAJECTORIES))], "shard-000")
    with pytest.raises(SchemaError, match=r"trajectories/shard-000.*field 'completion_tokens': column type string"):
        build_dataset(layout, ["shard-000"], harmonize_from="teachers")


def test_an_accepted_verdict_with_a_failed_test_never_reaches_the_dataset(tmp_path):
    claimed = replace(VERIFICATIONS[0], passed=VERIFICATIONS[0].total - 1)  # "accepted", one test failed
    layout = stage(tmp_path, verifications=[claimed, *VERIFICATIONS[1:]])
    with pytest.raises(SchemaError, match=rf"'{claimed.solution_id}', field 'verdict': accepted needs every test"):
        build_dataset(layout, ["shard-000"], harmonize_from="teachers")
    assert not layout.hub_dir().exists()


@pytest.mark.parametrize(("field", "value", "message"), [
    ("profile", "medium", "must be one of"), ("completion_tokens", -1, "must not be negative"),
    ("teacher_model", " ", "must not be empty"),
])  # fmt: skip
def test_bad_trajectory_values_name_the_record_and_field(tmp_path, field, value, message):
    bad = to_table(TRAJECTORIES, Trajectory).to_pylist()
    bad[1][field] = value
    layout = stage(tmp_path)
    path = layout.trajectories_file("shard-000")
    pq.write_table(pa.Table.from_pylist(bad, SCHEMAS[Trajectory]), path)
    layout.write_manifest("trajectories", [(path, len(bad))], "shard-000")
    with pytest.raises(SchemaError, match=rf"'{bad[1]['id']}', field '{field}': {message}"):
        build_dataset(layout, ["shard-000"], harmonize_from="teachers")


def test_duplicated_trajectories_stop_the_build(tmp_path):
    layout = stage(tmp_path, trajectories=[*TRAJECTORIES, TRAJECTORIES[0]])
    with pytest.raises(ManifestError, match="1 duplicated id"):
        build_dataset(layout, ["shard-000"], harmonize_from="teachers")
