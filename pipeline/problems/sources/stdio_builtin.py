"""trajforge's own stdin/stdout problems: 40 original problems shipped inside the package.

Each row of `data/stdio_problems.jsonl` holds: id ("stdio-001"), title, statement (description,
Input, Output, Constraints and one Example section), difficulty ("easy" | "medium" | "hard"),
time_limit_s, tests (a list of `{"input": str, "output": str}`; every expected output was
produced by running the reference solution) and reference_solution (Python 3, reads stdin).

The statements are worded independently of one another (no 8-word sequence is shared between
two of them), so holding some out for evaluation never decontaminates the rest.

Offline, `package_rows()` reads the file next to this module; the spec loads the same file
through `datasets.load_dataset("json", data_files=...)`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pipeline.common.jsonl import iter_jsonl
from pipeline.problems.sources.base import MalformedRow, SourceSpec, require_text
from pipeline.problems.sources.tests_format import metadata_json
from schemas import Problem, TestCase, TestStyle

DATA_PATH = Path(__file__).resolve().parent / "data" / "stdio_problems.jsonl"
DATASET = "trajforge/stdio_builtin (embedded)"
LICENSE = "Apache-2.0"
DIFFICULTIES = ("easy", "medium", "hard")


def stdin_tests(row: dict) -> tuple[TestCase, ...]:
    tests = row.get("tests")
    if not isinstance(tests, list) or not tests:
        raise MalformedRow("tests", "must be a non-empty list of {input, output} objects")
    cases = []
    for i, test in enumerate(tests):
        if not isinstance(test, dict):
            raise MalformedRow("tests", f"tests[{i}] must be an object, got {type(test).__name__}")
        for key in ("input", "output"):
            if not isinstance(test.get(key), str):
                raise MalformedRow("tests", f"tests[{i}].{key} is missing or not a string")
        cases.append(TestCase(input=test["input"], output=test["output"]))
    return tuple(cases)


def difficulty(row: dict) -> str:
    label = require_text(row, "difficulty").strip().lower()
    if label not in DIFFICULTIES:
        raise MalformedRow("difficulty", f"must be one of {', '.join(DIFFICULTIES)}, got {label!r}")
    return label


def time_limit(row: dict) -> float:
    value = row.get("time_limit_s")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise MalformedRow("time_limit_s", f"must be a positive number of seconds, got {value!r}")
    return float(value)


def normalize(row: dict) -> Problem:
    source_id = require_text(row, "id")
    title = require_text(row, "title")
    statement = require_text(row, "statement")
    tests = stdin_tests(row)
    solution = require_text(row, "reference_solution")
    extras = {
        "time_limit_s": time_limit(row),
        "difficulty": difficulty(row),
        "metadata_json": metadata_json(title=title),
    }
    return SPEC.problem(source_id, statement, (TestStyle.STDIN, tests, None), reference_solution=solution, **extras)


def package_rows() -> Iterable[dict]:
    """The embedded rows; a line that is not valid JSON comes back as a `JsonlLineError`."""
    return list(iter_jsonl(DATA_PATH))


SPEC = SourceSpec(
    "stdio_builtin",
    "json",
    normalize,
    LICENSE,
    hub_kwargs={"data_files": str(DATA_PATH)},
    id_column="id",
    package_rows=package_rows,
    package_files=lambda: ("trajforge", [DATA_PATH], DATA_PATH.parents[4]),
    dataset=DATASET,
)
