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
    [
        ("index", pa.int32()),
        ("verdict", pa.string()),
        ("time_s", pa.float64()),
        ("detail", pa.string()),
        ("cpu_s", pa.float64()),
    ]
)


_SCALARS = {str: pa.string(), int: pa.int32(), float: pa.float64(), bool: pa.bool_()}


def _arrow_type(annotation) -> tuple[pa.DataType, bool]:
    """(arrow type, nullable) of a record field's annotation: `X | None` is nullable, enums are strings."""
    args = typing.get_args(annotation)
    if type(None) in args:
        inner = next(a for a in args if a is not type(None))
        return _arrow_type(inner)[0], True
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return pa.string(), False
    return _SCALARS[annotation], False


def _schema(record_type: type, large: tuple[str, ...] = (), types: dict[str, pa.DataType] | None = None) -> pa.Schema:
    """The arrow schema of a record, read off its fields: `large` text columns are large_string,
    `types` overrides the rest (nested lists, 64-bit counters)."""
    hints, types = typing.get_type_hints(record_type), types or {}
    columns = []
    for f in fields(record_type):
        dtype, nullable = _arrow_type(hints[f.name]) if f.name not in types else (types[f.name], False)
        columns.append(pa.field(f.name, pa.large_string() if f.name in large else dtype, nullable=nullable))
    return pa.schema(
        columns, metadata={"trajforge.record": record_type.__name__, "trajforge.schema_version": SCHEMA_VERSION}
    )


PROBLEM_SCHEMA = _schema(
    Problem,
    large=("statement", "starter_code", "reference_solution", "metadata_json", "checker", "interactor"),
    types={
        "tests": pa.large_list(_TEST_CASE),
        "incorrect_solutions": pa.large_list(pa.large_string()),
        "correct_solutions": pa.large_list(pa.large_string()),
    },  # fmt: skip
)
TRAJECTORY_SCHEMA = _schema(Trajectory, large=("reasoning", "answer", "code"))
VERIFICATION_SCHEMA = _schema(Verification, types={"tests": pa.list_(_TEST_RESULT)})
DATASET_ROW_SCHEMA = _schema(DatasetRow, large=("question", "response"))
QUARANTINE_SCHEMA = _schema(QuarantineRow, types={"row_index": pa.int64()})
REMOVAL_SCHEMA = _schema(RemovalRow)
DROPPED_SCHEMA = _schema(Dropped, large=("detail",))

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
    plain_tuples = [name for name, hint in hints.items() if typing.get_origin(hint) is tuple and name not in nested]
    records = []
    for row in table.select(SCHEMAS[record_type].names).to_pylist():
        for name, enum_type in enum_columns.items():
            row[name] = enum_type(row[name])
        for name, item_type in nested.items():
            row[name] = tuple(_nested_item(item_type, item) for item in row[name])
        for name in plain_tuples:
            row[name] = tuple(row[name])
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
