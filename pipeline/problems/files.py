"""Problems from files users hand us: APPS/TACO JSONL, open-r1 `verification_info` JSONL, or
trajforge's own problems (JSONL or parquet). Used by `trajforge verify` and `trajforge sample`.

Every problem is keyed by the id the file itself uses (`problem_id`, or `id` for our schema),
because that is what the matching solutions file refers to.
"""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from pathlib import Path

from pipeline.common.jsonl import JsonlLineError, iter_jsonl
from pipeline.problems.sources.apps import load_input_output, tests_from_input_output
from pipeline.problems.sources.base import MalformedRow, SourceSpec
from pipeline.problems.sources.open_r1 import tests_from_verification_info
from schemas import Problem, QuarantineRow, SchemaError, Split, TestCase, TestStyle, read_parquet, validate

FILE_SOURCE = "file"
# A user's problem file is a source too; its rows go through `problem_from_row`.
FILE_SPEC = SourceSpec(FILE_SOURCE, "", lambda row: problem_from_row(row)[1], "unknown")


def problem_from_row(row: dict) -> tuple[str, Problem]:
    """(the file's own id, Problem) for one row in any supported format."""
    if "test_style" in row and "tests" in row:
        return str(row.get("id", "")), _from_trajforge(row)
    key = row.get("problem_id")
    if key is None or str(key).strip() == "":
        raise MalformedRow("problem_id", "missing")
    key = str(key)
    statement = str(row.get("question") or row.get("prompt") or row.get("statement") or "(statement not given)")
    if "verification_info" in row:
        tests = tests_from_verification_info(row["verification_info"])
    elif "input_output" in row:
        style, cases, fn_name = tests_from_input_output(load_input_output(row))
        tests = (style, cases, row.get("fn_name") or fn_name)
    else:
        raise MalformedRow(
            "<row>",
            "unknown problem format: expected `input_output` (APPS/TACO), "
            "`verification_info` (open-r1) or trajforge's `test_style` + `tests`",
        )
    problem = FILE_SPEC.problem(key, statement, tests, starter_code=row.get("starter_code") or "")
    return key, _with_limits(problem, row)


def _with_limits(problem: Problem, row: dict) -> Problem:
    limit = row.get("time_limit_s", row.get("time_limit"))
    if limit is None:
        return problem
    try:
        return replace(problem, time_limit_s=float(limit))
    except (TypeError, ValueError):
        raise MalformedRow("time_limit_s", f"must be a number of seconds, got {limit!r}") from None


def _test_case(test: dict, index: int, style: TestStyle) -> TestCase:
    """Test fields are strings, never coerced: `str(None)` as an expected output accepts `print(None)`."""
    values = {}
    for key in ("input", "output"):
        if key not in test and key == "output" and style is TestStyle.ASSERT:
            values[key] = ""  # an assert test carries its own check
        elif key not in test:
            raise MalformedRow(f"tests[{index}].{key}", "missing")
        elif not isinstance(test[key], str):
            raise MalformedRow(f"tests[{index}].{key}", f"must be a string, got {type(test[key]).__name__}")
        else:
            values[key] = test[key]
    return TestCase(values["input"], values["output"])


def _from_trajforge(row: dict) -> Problem:
    fields = {k: v for k, v in row.items() if k in Problem.__dataclass_fields__}
    tests = row["tests"]
    if not isinstance(tests, list) or not all(isinstance(t, dict) for t in tests):
        raise MalformedRow("tests", "must be a list of {input, output} objects")
    try:
        fields["test_style"] = TestStyle(row["test_style"])
        fields["split"] = Split(row.get("split", "train"))
    except ValueError as err:
        raise MalformedRow("test_style/split", str(err)) from None
    fields["tests"] = tuple(_test_case(t, i, fields["test_style"]) for i, t in enumerate(tests))
    try:
        return Problem(**fields)
    except TypeError as err:
        raise MalformedRow("<row>", str(err)) from None


def read_problem_file(path: str | Path) -> tuple[dict[str, Problem], list[QuarantineRow]]:
    """Problems by the file's own id, and quarantine rows for the ones that could not be read."""
    path = Path(path)
    if path.suffix == ".parquet":
        return {p.id: validate(p) for p in read_parquet(path, Problem)}, []
    problems, quarantine, first_row = {}, [], {}
    for index, row in enumerate(iter_jsonl(path)):
        if isinstance(row, JsonlLineError):
            quarantine.append(QuarantineRow(str(path), index, "", row.field, str(row)))
            continue
        raw_id = row.get("problem_id", row.get("id", ""))
        raw_id = raw_id if isinstance(raw_id, str) else json.dumps(raw_id, default=repr)
        try:
            key, problem = problem_from_row(row)
            problem = validate(problem)
        except MalformedRow as err:
            quarantine.append(QuarantineRow(str(path), index, raw_id, err.field, err.reason))
            continue
        except SchemaError as err:
            quarantine.append(QuarantineRow(str(path), index, raw_id, err.field, err.message))
            continue
        if key in first_row:  # neither copy is trusted: a later row would silently win
            quarantine.append(
                QuarantineRow(
                    str(path), index, raw_id, "problem_id", f"duplicate id {key!r} (also row {first_row[key]})"
                )
            )
            if key in problems:
                del problems[key]
                quarantine.append(
                    QuarantineRow(
                        str(path), first_row[key], key, "problem_id", f"duplicate id {key!r} (also row {index})"
                    )
                )
            continue
        first_row[key] = index
        problems[key] = problem
    return problems, quarantine


def dump_problem(problem: Problem) -> str:
    """One JSONL line in trajforge's own format (readable by `read_problem_file`)."""
    return json.dumps(asdict(problem), ensure_ascii=False)  # enums are str subclasses: dumped as values
