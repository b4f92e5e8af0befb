"""pyarrow schemas for the records, and lossless conversion both ways.

Every parquet file the pipeline writes goes through `write_parquet`, so it carries one of
these schemas plus `trajforge.record` / `trajforge.schema_version` metadata.
"""

from __future__ import annotations

import typing
from dataclasses import fields
from enum import Enum
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from schemas.atomic import atomic_path
from schemas.records import (
    DatasetRow,
    Dropped,
    Problem,
    QuarantineRow,
    RemovalRow,
    TestCase,
    TestResult,
    Trajectory,
    Verification,
)

SCHEMA_VERSION = "1"

_TEST_CASE = pa.struct([("input", pa.large_string()), ("output", pa.large_string())])
_TEST_RESULT = pa.struct(
    [("index", pa.int32()), ("verdict", pa.string()), ("time_s", pa.float64()), ("detail", pa.string())]
)


def _schema(record_type: type, columns: list[tuple[str, pa.DataType, bool]]) -> pa.Schema:
    names = [f.name for f in fields(record_type)]
    assert names == [c[0] for c in columns], f"{record_type.__name__}: arrow columns drift from record"
    return pa.schema(
        [pa.field(name, dtype, nullable=nullable) for name, dtype, nullable in columns],
        metadata={"trajforge.record": record_type.__name__, "trajforge.schema_version": SCHEMA_VERSION},
    )


PROBLEM_SCHEMA = _schema(
    Problem,
    [
        ("id", pa.string(), False),
        ("source", pa.string(), False),
        ("source_id", pa.string(), False),
        ("statement", pa.large_string(), False),
        ("test_style", pa.string(), False),
        ("tests", pa.large_list(_TEST_CASE), False),
        ("starter_code", pa.large_string(), False),
        ("fn_name", pa.string(), True),
        ("time_limit_s", pa.float64(), False),
        ("memory_limit_mb", pa.int32(), False),
        ("difficulty", pa.string(), True),
        ("verifiable", pa.bool_(), False),
        ("reference_solution", pa.large_string(), True),
        ("license", pa.string(), False),
        ("dataset", pa.string(), False),
        ("split", pa.string(), False),
        ("metadata_json", pa.large_string(), False),
    ],
)

TRAJECTORY_SCHEMA = _schema(
    Trajectory,
    [
        ("id", pa.string(), False),
        ("problem_id", pa.string(), False),
        ("profile", pa.string(), False),
        ("teacher_model", pa.string(), False),
        ("params_hash", pa.string(), False),
        ("sample_index", pa.int32(), False),
        ("reasoning", pa.large_string(), False),
        ("answer", pa.large_string(), False),
        ("code", pa.large_string(), False),
        ("prompt_tokens", pa.int32(), False),
        ("completion_tokens", pa.int32(), False),
        ("reasoning_tokens", pa.int32(), False),
        ("finish_reason", pa.string(), False),
        ("truncated", pa.bool_(), False),
        ("latency_s", pa.float64(), False),
        ("server_url", pa.string(), False),
    ],
)

VERIFICATION_SCHEMA = _schema(
    Verification,
    [
        ("problem_id", pa.string(), False),
        ("solution_id", pa.string(), False),
        ("verdict", pa.string(), False),
        ("passed", pa.int32(), False),
        ("total", pa.int32(), False),
        ("time_s", pa.float64(), False),
        ("tests", pa.list_(_TEST_RESULT), False),
        ("attempts", pa.int32(), False),
    ],
)

DATASET_ROW_SCHEMA = _schema(
    DatasetRow,
    [
        ("id", pa.string(), False),
        ("question", pa.large_string(), False),
        ("response", pa.large_string(), False),
        ("token_num", pa.int32(), False),
        ("problem_id", pa.string(), False),
        ("source", pa.string(), False),
        ("teacher_model", pa.string(), False),
        ("profile", pa.string(), False),
        ("verdict", pa.string(), False),
        ("passed", pa.int32(), False),
        ("total", pa.int32(), False),
        ("difficulty", pa.string(), False),
        ("params_hash", pa.string(), False),
        ("trajectory_id", pa.string(), False),
    ],
)

QUARANTINE_SCHEMA = _schema(
    QuarantineRow,
    [
        ("source", pa.string(), False),
        ("row_index", pa.int64(), False),
        ("record_id", pa.string(), False),
        ("field", pa.string(), False),
        ("reason", pa.string(), False),
        ("raw_preview", pa.string(), False),
    ],
)

REMOVAL_SCHEMA = _schema(
    RemovalRow,
    [
        ("problem_id", pa.string(), False),
        ("stage", pa.string(), False),
        ("matched_id", pa.string(), False),
        ("similarity", pa.float64(), False),
        ("evidence", pa.string(), False),
    ],
)

DROPPED_SCHEMA = _schema(
    Dropped,
    [
        ("stage", pa.string(), False),
        ("record_id", pa.string(), False),
        ("reason", pa.string(), False),
        ("detail", pa.large_string(), False),
        ("source", pa.string(), False),
    ],
)

SCHEMAS: dict[type, pa.Schema] = {
    Problem: PROBLEM_SCHEMA,
    Trajectory: TRAJECTORY_SCHEMA,
    Verification: VERIFICATION_SCHEMA,
    DatasetRow: DATASET_ROW_SCHEMA,
    QuarantineRow: QUARANTINE_SCHEMA,
    RemovalRow: REMOVAL_SCHEMA,
    Dropped: DROPPED_SCHEMA,
}
_NESTED = {"tests": {Problem: TestCase, Verification: TestResult}}


def _plain(value):
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    return value


def to_table(records: typing.Sequence, record_type: type) -> pa.Table:
    """Records -> an Arrow table with the record type's schema (column-wise, no pandas)."""
    schema = SCHEMAS[record_type]
    columns = {name: [] for name in schema.names}
    for record in records:
        for name in schema.names:
            columns[name].append(_plain(getattr(record, name)))
    return pa.Table.from_pydict(columns, schema=schema)


def from_table(table: pa.Table, record_type: type) -> list:
    """An Arrow table with (at least) the record type's columns -> records."""
    hints = typing.get_type_hints(record_type)
    enum_columns = {name: hint for name, hint in hints.items() if isinstance(hint, type) and issubclass(hint, Enum)}
    nested = {name: by_type[record_type] for name, by_type in _NESTED.items() if record_type in by_type}
    records = []
    for row in table.select(SCHEMAS[record_type].names).to_pylist():
        for name, enum_type in enum_columns.items():
            row[name] = enum_type(row[name])
        for name, item_type in nested.items():
            row[name] = tuple(_nested_item(item_type, item) for item in row[name])
        records.append(record_type(**row))
    return records


def _nested_item(item_type: type, item: dict):
    hints = typing.get_type_hints(item_type)
    return item_type(
        **{
            k: (hints[k](v) if isinstance(hints[k], type) and issubclass(hints[k], Enum) else v)
            for k, v in item.items()
        }
    )


def write_parquet(records: typing.Sequence, record_type: type, path: str | Path) -> Path:
    """Write records atomically (tmp file + rename) so a killed run never leaves half a file."""
    path = Path(path)
    with atomic_path(path) as tmp:
        pq.write_table(to_table(records, record_type), tmp, compression="zstd")
    return path


def read_parquet(path: str | Path, record_type: type, ids: typing.Collection[str] | None = None) -> list:
    """All records, or only those whose `id` is in `ids` (filtered while reading, row group by row
    group, so a shard's few problems never hold the whole file in memory)."""
    if ids is None:
        return from_table(pq.read_table(path), record_type)
    if not ids:
        return []
    return from_table(pq.read_table(path, filters=[("id", "in", sorted(ids))]), record_type)
