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
from pipeline.problems.sources import apps, open_r1
from pipeline.problems.sources.base import MalformedRow
from schemas import Problem, QuarantineRow, SchemaError, Split, TestCase, TestStyle, read_parquet, validate
from schemas.validate import MAX_TIME_LIMIT_S


def problem_from_row(row: dict) -> tuple[str, Problem]:
    """(the file's own id, Problem) for one row in any supported format. Each format has one
    reader, the problems stage's own: APPS/TACO rows go through `apps.normalize`, open-r1 and
    PrimeIntellect rows through `open_r1.normalize`, so `trajforge verify` accepts exactly what
    the problems stage accepts."""
    if "test_style" in row and "tests" in row:
        return str(row.get("id", "")), _from_trajforge(row)
    key = row.get("problem_id")
    if not isinstance(key, (str, int)) or isinstance(key, bool) or str(key).strip() == "":
        raise MalformedRow("problem_id", f"missing or not a string/integer id, got {key!r}")
    if "verification_info" in row:
        problem = open_r1.normalize(row)
    elif "input_output" in row:
        problem = apps.normalize(row)
    else:
        raise MalformedRow(
            "<row>",
            "unknown problem format: expected `input_output` (APPS/TACO), "
            "`verification_info` (open-r1) or trajforge's `test_style` + `tests`",
        )
    return str(key), _with_limits(problem, row)


def _with_limits(problem: Problem, row: dict) -> Problem:
    limit = row.get("time_limit_s")
    if limit is None:
        return problem
    if isinstance(limit, bool) or not isinstance(limit, (int, float)) or not 0 < limit <= MAX_TIME_LIMIT_S:
        raise MalformedRow("time_limit_s", f"must be a number of seconds in (0, {MAX_TIME_LIMIT_S:g}], got {limit!r}")
    return replace(problem, time_limit_s=float(limit))


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
