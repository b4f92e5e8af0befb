"""Turn stage results into Dagster metadata people can read at a glance."""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg
import pyarrow as pa

from pipeline.common import tables

MAX_TABLE_ROWS = 50


def column_schema(schema: pa.Schema) -> dg.TableSchema:
    return dg.TableSchema(columns=[dg.TableColumn(f.name, str(f.type)) for f in schema])


def table(rows: Sequence[dict], columns: Sequence[str]) -> dg.MetadataValue:
    """A metadata table of the first MAX_TABLE_ROWS rows; every value shown as text or number."""
    schema = dg.TableSchema(columns=[dg.TableColumn(name, _column_type(rows, name)) for name in columns])
    records = [dg.TableRecord({name: _cell(row.get(name)) for name in columns}) for row in rows[:MAX_TABLE_ROWS]]
    return dg.MetadataValue.table(records=records, schema=schema)


def _column_type(rows: Sequence[dict], name: str) -> str:
    values = [row.get(name) for row in rows if row.get(name) is not None]
    if values and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return "float" if any(isinstance(v, float) for v in values) else "int"
    return "string"


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return str(value)


def markdown_table(rows: Sequence[dict], columns: Sequence[str], max_cell: int = 80) -> dg.MetadataValue:
    return dg.MetadataValue.md(tables.markdown_table(rows[:MAX_TABLE_ROWS], columns, max_cell=max_cell))


def histogram(values_by_group: dict[str, Sequence[int]], bins: int = 8) -> dg.MetadataValue:
    """A table of counts per power-of-two bucket (rows) and group (columns): token lengths short
    vs long as numbers the UI shows without an image."""
    values = [v for vs in values_by_group.values() for v in vs]
    top = max(values, default=1)  # the last edge, 2 ** top.bit_length(), is above every value
    edges = [0] + [2**k for k in range(max(1, top.bit_length() - bins + 1), top.bit_length() + 1)]
    rows = []
    for low, high in zip(edges, edges[1:]):
        row = {"tokens": f"{low}-{high - 1}" if high > low + 1 else str(low)}
        row.update({g: sum(low <= v < high for v in vs) for g, vs in values_by_group.items()})
        rows.append(row)
    return table(rows, ["tokens", *values_by_group])
