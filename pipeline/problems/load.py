"""Rows of a recipe source entry, streamed: the packaged offline copy, a local file, a local
folder laid out like the Hub repo, or the Hub itself. Nothing here holds more than one row."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator

from pipeline.common.jsonl import iter_jsonl
from pipeline.problems.settings import SourceEntry
from pipeline.problems.sources.base import MalformedRow, load_hub_rows
from pipeline.problems.sources.registry import source_spec


def source_rows(entry: SourceEntry) -> Iterator[dict | BaseException]:
    """The entry's raw rows (or the errors of unreadable ones), filtered by date and limited."""
    spec = source_spec(entry.name)
    if entry.offline:
        if spec.package_rows is None:
            raise ValueError(f"source {entry.name!r} has no offline copy; drop `offline: true`")
        rows: Iterable = spec.package_rows()
    elif entry.data_files and entry.data_files.endswith(".jsonl"):
        rows = iter_jsonl(entry.data_files)  # tolerant: a bad line is quarantined, not fatal
    elif entry.data_files:
        builder = "parquet" if entry.data_files.endswith(".parquet") else "json"
        rows = load_hub_rows(
            spec, split=entry.split or "train", hub_path=builder, data_files=entry.data_files, version=entry.version_tag
        )
    else:
        rows = load_hub_rows(
            spec, split=entry.split, root=entry.path, version=entry.version_tag, revision=entry.revision
        )
    if entry.date_from or entry.date_to:
        rows = (row for row in rows if isinstance(row, BaseException) or _in_window(row, spec.date_column, entry))
    if entry.limit is not None:
        rows = (row for _, row in zip(range(entry.limit), rows))
    yield from rows


def _in_window(row: dict, column: str, entry: SourceEntry) -> bool:
    if not column:
        raise ValueError(f"source {entry.name!r} has no date column; drop date_from / date_to")
    value = row.get(column)
    try:
        day = datetime.date.fromisoformat(str(value)[:10])
    except ValueError:
        return False  # an undated row is outside every window
    return (entry.date_from is None or day >= entry.date_from) and (entry.date_to is None or day <= entry.date_to)


def statement_rows(entry: SourceEntry) -> Iterator[tuple[str, str]]:
    """(problem id, statement) of a benchmark source, for decontamination: where the source
    declares its statement columns nothing else of a row is decoded (no tests)."""
    spec = source_spec(entry.name)
    for row in source_rows(entry):
        if isinstance(row, BaseException):
            continue
        if spec.statement_fields is None:
            try:
                problem = spec.normalize(row)
            except (MalformedRow, ValueError, TypeError, KeyError):
                continue  # a benchmark row we cannot read cannot be matched either
            yield problem.id, problem.statement
            continue
        id_column, text_column = spec.statement_fields
        if row.get(id_column) is not None and isinstance(row.get(text_column), str):
            yield f"{spec.name}/{row[id_column]}", row[text_column]
