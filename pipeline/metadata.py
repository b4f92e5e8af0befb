"""Turn stage results into Dagster metadata people can read at a glance."""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg
import pyarrow as pa

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
    def cell(value) -> str:
        text = " ".join(str(value).split())
        text = text if len(text) <= max_cell else text[: max_cell - 1] + "…"
        return text.replace("|", "\\|")

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(row.get(c, "")) for c in columns) + " |" for row in rows[:MAX_TABLE_ROWS]]
    return dg.MetadataValue.md("\n".join(lines))
