"""One validation entry point for every record: `validate(record)`.

It raises `SchemaError` naming the record kind, the record id and the offending field
(`tests[2].input`), so a bad row in a 100K-row run can be found at once.
"""

from __future__ import annotations

import json
import keyword
import math
import re
import types
import typing
from dataclasses import fields
from enum import Enum
from functools import cache

from schemas.records import (
    DatasetRow,
    Dropped,
    Problem,
    QuarantineRow,
    RemovalRow,
    TestStyle,
    Trajectory,
    Verdict,
    Verification,
)

# Bounds of per-problem limits: beyond them a value is a typo (1e9 s would hang a run), not a limit.
MAX_TIME_LIMIT_S = 60.0
MAX_MEMORY_LIMIT_MB = 16_384
LANGUAGES = ("python", "pypy", "cpp", "java")  # what the sandbox compiles and runs (sandbox/runner_extra.py)

THINK_TAGS = ("<think>", "</think>")


class SchemaError(ValueError):
    def __init__(self, kind: str, record_id: str, field: str, message: str):
        self.kind, self.record_id, self.field, self.message = kind, record_id, field, message
        super().__init__(f"{kind} {record_id!r}, field {field!r}: {message}")


def validate(record):
    """Check `record` against its schema; return it unchanged or raise `SchemaError`."""
    kind = type(record).__name__
    rules = _RECORD_RULES.get(type(record))
    if rules is None:
        raise TypeError(f"validate() does not know record type {kind}")
    record_id = _record_id(record)
    try:
        _check_types(record)
        rules(record)
    except _FieldError as err:
        raise SchemaError(kind, record_id, err.field, err.message) from None
    return record


class _FieldError(Exception):
    def __init__(self, field: str, message: str):
        self.field, self.message = field, message


def _record_id(record) -> str:
    for name in ("id", "solution_id", "record_id", "problem_id"):
        value = getattr(record, name, None)
        if isinstance(value, str) and value:
            return value
    return "<no id>"


@cache
def _hints(cls) -> dict[str, object]:
    return typing.get_type_hints(cls)


def _check_types(record) -> None:
    hints = _hints(type(record))
    for f in fields(record):
        _check_value(f.name, getattr(record, f.name), hints[f.name])


def _check_value(path: str, value, hint) -> None:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return
        (inner,) = [a for a in args if a is not type(None)]
        return _check_value(path, value, inner)
    if origin is tuple:
        if not isinstance(value, (tuple, list)):
            raise _FieldError(path, f"must be a sequence, got {type(value).__name__}") from None
        for i, item in enumerate(value):
            _check_value(f"{path}[{i}]", item, args[0])
        return
    if isinstance(hint, type) and issubclass(hint, Enum):
        allowed = [m.value for m in hint]
        if value not in allowed:
            raise _FieldError(path, f"must be one of {allowed}, got {value!r}") from None
        return
    if hint is str:
        if not isinstance(value, str):
            raise _FieldError(path, f"must be a string, got {type(value).__name__}") from None
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as err:
            raise _FieldError(path, f"is not valid UTF-8 text ({err.reason} at {err.start})") from None
        return
    if hint is bool:
        if not isinstance(value, bool):
            raise _FieldError(path, f"must be a bool, got {type(value).__name__}") from None
        return
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _FieldError(path, f"must be an integer, got {type(value).__name__}") from None
        return
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise _FieldError(path, f"must be a finite number, got {value!r}") from None
        return
    if hasattr(hint, "__dataclass_fields__"):
        if not isinstance(value, hint):
            raise _FieldError(path, f"must be a {hint.__name__}, got {type(value).__name__}") from None
        for f in fields(value):
            _check_value(f"{path}.{f.name}", getattr(value, f.name), _hints(hint)[f.name])
        return
    raise TypeError(f"no type rule for {hint!r} at {path}")  # a schema bug, not a data bug


def _require_text(record, *names: str) -> None:
    for name in names:
        if not getattr(record, name).strip():
            raise _FieldError(name, "must not be empty") from None


def _require(condition: bool, field: str, message: str) -> None:
    if not condition:
        raise _FieldError(field, message) from None


def _check_problem(p: Problem) -> None:
    _require_text(p, "id", "source", "source_id", "statement")
    _require(p.id == f"{p.source}/{p.source_id}", "id", f"must be '{{source}}/{{source_id}}', got {p.id!r}")
    _require(
        0 < p.time_limit_s <= MAX_TIME_LIMIT_S,
        "time_limit_s",
        f"must be in (0, {MAX_TIME_LIMIT_S:g}] seconds per test, got {p.time_limit_s}",
    )
    _require(
        0 < p.memory_limit_mb <= MAX_MEMORY_LIMIT_MB,
        "memory_limit_mb",
        f"must be in (0, {MAX_MEMORY_LIMIT_MB}] MB, got {p.memory_limit_mb}",
    )
    _require(_is_json_object(p.metadata_json), "metadata_json", "must be a JSON object")
    for name in ("incorrect_solutions", "correct_solutions"):
        for i, program in enumerate(getattr(p, name)):
            _require(isinstance(program, str) and bool(program.strip()), f"{name}[{i}]", "must be code")
    _require(p.language in LANGUAGES, "language", f"must be one of {LANGUAGES}, got {p.language!r}")
    _require(not p.interactive or bool(p.interactor and p.interactor.strip()), "interactor",
             "an interactive problem needs its interactor: it cannot be judged as a stdin problem")  # fmt: skip
    tolerance = p.float_tolerance
    _require(tolerance is None or 0 <= tolerance <= 1, "float_tolerance", f"must be in [0, 1], got {tolerance}")
    for name in ("checker", "interactor"):
        program = getattr(p, name)
        _require(program is None or (bool(program.strip()) and TestStyle(p.test_style) is TestStyle.STDIN), name,
                 "must be a program, for a stdin problem")  # fmt: skip
    if not p.verifiable:
        return
    _require(len(p.tests) > 0, "tests", "a verifiable problem needs at least one test")
    style = TestStyle(p.test_style)
    if style is TestStyle.CALL:
        _require(
            bool(p.fn_name) and p.fn_name.isidentifier() and not keyword.iskeyword(p.fn_name),
            "fn_name",
            f"call-style tests need a function name, got {p.fn_name!r}",
        )
    for i, test in enumerate(p.tests):
        _check_test(style, i, test.input, test.output)


def _check_test(style: TestStyle, i: int, test_input: str, test_output: str) -> None:
    if style is TestStyle.CALL:
        try:
            args = json.loads(test_input)
        except ValueError as err:
            raise _FieldError(f"tests[{i}].input", f"call arguments are not JSON ({err})") from None
        _require(isinstance(args, list), f"tests[{i}].input", "call arguments must be a JSON array")
        try:
            json.loads(test_output)
        except ValueError as err:
            raise _FieldError(f"tests[{i}].output", f"expected value is not JSON ({err})") from None
    elif style is TestStyle.ASSERT:
        _require(bool(test_input.strip()), f"tests[{i}].input", "assert test has no code")
        try:
            compile(test_input, f"<test {i}>", "exec")
        except (SyntaxError, ValueError) as err:
            raise _FieldError(f"tests[{i}].input", f"test code does not compile ({err})") from None


def _is_json_object(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False


def _check_trajectory(t: Trajectory) -> None:
    _require_text(t, "id", "problem_id", "teacher_model", "params_hash", "finish_reason")
    for name in ("sample_index", "prompt_tokens", "completion_tokens", "reasoning_tokens"):
        _require(getattr(t, name) >= 0, name, "must not be negative")
    _require(t.latency_s >= 0, "latency_s", "must not be negative")


def _check_verification(v: Verification) -> None:
    _require_text(v, "problem_id", "solution_id")
    _require(0 <= v.passed <= v.total, "passed", f"must be within 0..total ({v.total}), got {v.passed}")
    _require(v.time_s >= 0, "time_s", "must not be negative")
    _require(v.attempts >= 1, "attempts", "must be at least 1")
    if Verdict(v.verdict) is Verdict.ACCEPTED:
        _require(
            v.total > 0 and v.passed == v.total,
            "verdict",
            f"accepted needs every test passed, got {v.passed}/{v.total}",
        )


def _check_dataset_row(r: DatasetRow) -> None:
    _require_text(r, "id", "question", "response", "problem_id", "source", "teacher_model")
    _require(r.token_num > 0, "token_num", f"must be positive, got {r.token_num}")
    _require(0 <= r.passed <= r.total, "passed", f"must be within 0..total ({r.total}), got {r.passed}")
    for tag in THINK_TAGS:
        _require(tag not in r.response, "response", f"contains {tag!r}; STW format has no think tags")


def _check_quarantine(q: QuarantineRow) -> None:
    _require_text(q, "source", "field", "reason")
    _require(q.row_index >= 0, "row_index", "must not be negative")


def _check_removal(r: RemovalRow) -> None:
    _require_text(r, "problem_id", "matched_id")
    _require(0.0 <= r.similarity <= 1.0, "similarity", f"must be within 0..1, got {r.similarity}")


_REASON_SLUG = re.compile(r"^[a-z][a-z0-9_]*$")


def _check_dropped(d: Dropped) -> None:
    _require_text(d, "stage", "reason")
    _require(bool(_REASON_SLUG.match(d.reason)), "reason", f"must be a slug (a-z, 0-9, _), got {d.reason!r}")


_RECORD_RULES = {
    Problem: _check_problem,
    Trajectory: _check_trajectory,
    Verification: _check_verification,
    DatasetRow: _check_dataset_row,
    QuarantineRow: _check_quarantine,
    RemovalRow: _check_removal,
    Dropped: _check_dropped,
}
