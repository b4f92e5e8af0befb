"""Verifiable coding problems in the PrimeIntellect / open-r1 `verification_info` format.

Default: open-r1/verifiable-coding-problems-python (the Python subset of
PrimeIntellect/verifiable-coding-problems). The two publish the same rows differently, and both
load with this spec (`path:` or `hub_path` the parent repo):
  open-r1:        source, task_type, in_source_id, problem_statement, gold_standard_solution,
                  problem_id, metadata (struct), verification_info (struct)
  PrimeIntellect: ... prompt ... verification_info and metadata as *text*: JSON, or in some rows a
                  Python literal (single quotes, None, True); JSON is tried first, then
                  `ast.literal_eval`, and a row failing both is quarantined saying what each found.
`verification_info` = {"language": "python", "test_cases": [{"type": "stdin_stdout", "input": str,
"output": str}, ...]}, or for call-based problems test cases `{"type": "function_call", "fn_name":
"f", "input": [args...], "output": value}`. In the struct form every field is a string, so a
function_call input/output is JSON text (`"[[1, 2]]"`, `"[3]"`); when `input` is a string it is
decoded as JSON, and `output` is then decoded too. Outputs keep the APPS `[value]` wrapping the
sandbox judge understands. Any language other than python is quarantined.

`normalize` is also the reader of such rows in `trajforge verify --problems` (one reader per format).
"""

from __future__ import annotations

import re

from pipeline.problems.sources.base import (
    MalformedRow,
    SourceSpec,
    TestSet,
    decode_structured_text,
    require_text,
)
from pipeline.problems.sources.tests_format import (
    call_args,
    decode_json_text,
    json_text,
    metadata_json,
    stdin_text,
)
from schemas import Problem, TestCase, TestStyle

HUB_PATH = "open-r1/verifiable-coding-problems-python"
LICENSE = "apache-2.0"
INFO = "verification_info"
CASES = f"{INFO}.test_cases"
_FENCED = re.compile(r"^\s*```[\w+-]*[ \t]*\n(.*?)\n?```\s*$", re.DOTALL)


def decode_info(info) -> dict:
    if isinstance(info, str):
        info = decode_structured_text(info, INFO)
    if not isinstance(info, dict):
        raise MalformedRow(INFO, f"must be an object, got {type(info).__name__}")
    return info


def check_language(info: dict) -> None:
    language = info.get("language")
    if not isinstance(language, str) or language.strip().lower() != "python":
        raise MalformedRow(f"{INFO}.language", f"only python problems are supported, got {language!r}")


def info_test_cases(info: dict) -> list[dict]:
    cases = info.get("test_cases")
    if not isinstance(cases, list) or not cases:
        raise MalformedRow(CASES, "missing or empty")
    if not all(isinstance(case, dict) for case in cases):
        raise MalformedRow(CASES, "every test case must be an object")
    return cases


def stdin_case(case: dict) -> TestCase:
    return TestCase(stdin_text(case.get("input"), CASES), stdin_text(case.get("output"), CASES))


def call_case(case: dict) -> TestCase:
    given, expected = case.get("input"), case.get("output")
    if isinstance(given, str):  # struct form: both sides are JSON text
        given, expected = decode_json_text(given, CASES), decode_json_text(expected, CASES)
    return TestCase(call_args(given), json_text(expected))


def call_fn_name(cases: list[dict]) -> str:
    names = sorted({repr(case.get("fn_name")) for case in cases})
    name = cases[0].get("fn_name")
    if len(names) != 1 or not isinstance(name, str) or not name.isidentifier():
        raise MalformedRow(CASES, f"function_call tests need one fn_name, got {', '.join(names)}")
    return name


def tests_from_verification_info(info: dict | str) -> TestSet:
    """(style, tests, fn_name) from a `verification_info` object or its JSON text."""
    decoded = decode_info(info)
    check_language(decoded)
    cases = info_test_cases(decoded)
    kinds = {case.get("type") for case in cases}
    if kinds == {"stdin_stdout"}:
        return TestStyle.STDIN, tuple(map(stdin_case, cases)), None
    if kinds == {"function_call"}:
        return TestStyle.CALL, tuple(map(call_case, cases)), call_fn_name(cases)
    raise MalformedRow(CASES, f"unsupported or mixed test types {sorted(map(str, kinds))}")


def strip_code_fence(text) -> str | None:
    """The code of a solution given as one fenced Markdown block; other text verbatim."""
    if not isinstance(text, str) or not text.strip():
        return None
    match = _FENCED.match(text)
    return match.group(1) if match and "```" not in match.group(1) else text


def _row_metadata(row: dict):
    raw = row.get("metadata")
    if raw is None or raw == "":
        return None
    return decode_structured_text(raw, "metadata") if isinstance(raw, str) else raw


def statement_of(row: dict) -> str:
    """open-r1's Python subset calls the statement `problem_statement`, PrimeIntellect's set `prompt`."""
    column = "problem_statement" if row.get("problem_statement") is not None else "prompt"
    if row.get(column) is None:
        raise MalformedRow("problem_statement", "missing (neither problem_statement nor prompt is set)")
    return require_text(row, column)


def normalize(row: dict) -> Problem:
    problem_id = require_text(row, "problem_id")
    statement = statement_of(row)
    if row.get(INFO) is None:
        raise MalformedRow(INFO, "missing")
    about = {key: row.get(key) or None for key in ("source", "task_type", "in_source_id")}
    return SPEC.problem(
        problem_id,
        statement,
        tests_from_verification_info(row[INFO]),
        reference_solution=strip_code_fence(row.get("gold_standard_solution")),
        metadata_json=metadata_json(**about, metadata=_row_metadata(row)),
    )


SPEC = SourceSpec("open_r1", HUB_PATH, normalize, LICENSE, id_column="problem_id")
