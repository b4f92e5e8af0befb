"""Small pure helpers shared by the source normalizers to build `TestCase`s and metadata.

Conventions (see `schemas.records.TestStyle`):
  stdin:  input = text fed on stdin, output = expected stdout text.
  call:   input = JSON array of positional arguments, output = JSON-encoded return value.
  assert: input = Python code run after the solution, output = "".
Every helper raises `MalformedRow` naming the source column, never a bare exception.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import fields

import xxhash

from pipeline.problems.sources.base import MalformedRow
from schemas import Problem

UNKNOWN_LABELS = frozenset({"", "unknown", "unknown_difficulty", "none"})
_PROBLEM_DEFAULTS = {f.name: f.default for f in fields(Problem)}


def problem_default(name: str):
    """A `Problem` field's default (slots dataclasses hide it from the class attribute)."""
    return _PROBLEM_DEFAULTS[name]


def content_id(text: str, prefix: str = "q-") -> str:
    """A stable id for sources without one: xxh3-64 of the text (UTF-8), e.g. 'q-1f2e...'."""
    return prefix + xxhash.xxh3_64_hexdigest(text.encode("utf-8"))


def stdin_text(value, column: str) -> str:
    """Stdin/stdout text: a string verbatim, or a list of lines joined with newlines and ended by one."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(line, str) for line in value):
        return "\n".join(value) + "\n"
    raise MalformedRow(column, f"stdin test value must be a string or a list of lines, got {_kind(value)}")


def call_args(value) -> str:
    """Positional arguments as a JSON array; a lone non-list value is one argument."""
    return json_text(value if isinstance(value, list) else [value])


def json_text(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def decode_json_text(text, column: str):
    """Decode a JSON value stored as text inside a column (e.g. one LiveCodeBench test output)."""
    if not isinstance(text, str):
        raise MalformedRow(column, f"expected JSON text, got {_kind(text)}")
    try:
        return json.loads(text)
    except ValueError as err:
        raise MalformedRow(column, f"not valid JSON ({err})") from None


def paired(inputs, outputs, column: str) -> list[tuple[object, object]]:
    """Zip parallel input/output lists, insisting both are lists of equal, non-zero length."""
    if not isinstance(inputs, list) or not isinstance(outputs, list):
        raise MalformedRow(column, f"inputs and outputs must be lists, got {_kind(inputs)} and {_kind(outputs)}")
    if len(inputs) != len(outputs):
        raise MalformedRow(column, f"{len(inputs)} inputs but {len(outputs)} outputs")
    if not inputs:
        raise MalformedRow(column, "no tests (empty inputs and outputs)")
    return list(zip(inputs, outputs))


def difficulty_label(value) -> str | None:
    """The source's own difficulty label lower-cased; None when absent or explicitly unknown."""
    if value is None:
        return None
    label = str(value).strip().lower()
    return None if label in UNKNOWN_LABELS else label


def metadata_json(**extras) -> str:
    """Source extras as a JSON object string; None values are dropped, dates become ISO text."""
    kept = {key: value for key, value in extras.items() if value is not None}
    return json.dumps(kept, ensure_ascii=False, sort_keys=True, default=_json_default)


def first_text(values: Sequence) -> str | None:
    """The first non-blank string of a sequence, or None."""
    for value in values:
        if isinstance(value, str) and value.strip():
            return value
    return None


def _json_default(value):
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return str(value)


def _kind(value) -> str:
    return type(value).__name__
