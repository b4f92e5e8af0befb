"""MBPP (google-research-datasets/mbpp): ~1,000 crowd-sourced entry-level Python problems.

Both configs are normalized by the same function:
  "full":      task_id, text, code, test_list, test_setup_code, challenge_test_list
  "sanitized": source_file, task_id, prompt, code, test_imports, test_list
The spec loads "full"; pass `name="sanitized"` to `load_hub_rows` for the hand-checked subset
(same task ids, so the same problem ids).

Assert-style tests: one `TestCase` per `test_list` line, each prefixed by the setup code
(full) or the import lines (sanitized) so it runs on its own. `challenge_test_list` is not run
by MBPP's evaluation and is kept in metadata only. As in MBPP's own prompt, the statement ends
with the first test as an example of the expected signature. `fn_name` is the function the
tests call, found with `ast` among the reference code's top-level defs (the first def when the
test calls none of them).
"""

from __future__ import annotations

import ast

from pipeline.problems.sources.base import MalformedRow, SourceSpec, require_text
from pipeline.problems.sources.tests_format import metadata_json
from schemas import Problem, TestCase, TestStyle

HUB_PATH = "google-research-datasets/mbpp"
LICENSE = "CC-BY-4.0"


def is_sanitized(row: dict) -> bool:
    return row.get("prompt") is not None


def task_id(row: dict) -> str:
    value = row.get("task_id")
    if value is None or str(value).strip() == "":
        raise MalformedRow("task_id", "missing")
    return str(value)


def assert_lines(row: dict) -> list[str]:
    lines = row.get("test_list")
    if not isinstance(lines, list) or not lines:
        raise MalformedRow("test_list", "missing or empty")
    if not all(isinstance(line, str) and line.strip() for line in lines):
        raise MalformedRow("test_list", "every test must be a non-empty line of code")
    return lines


def setup_code(row: dict) -> str:
    if is_sanitized(row):
        return "\n".join(row.get("test_imports") or [])
    return row.get("test_setup_code") or ""


def assert_test(setup: str, line: str) -> TestCase:
    code = f"{setup.strip()}\n{line.strip()}\n" if setup.strip() else f"{line.strip()}\n"
    return TestCase(input=code, output="")


def defined_functions(code: str) -> list[str]:
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError) as err:
        raise MalformedRow("code", f"reference code does not parse ({err})") from None
    names = [node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]
    if not names:
        raise MalformedRow("code", "reference code defines no function")
    return names


def called_names(line: str) -> set[str]:
    try:
        tree = ast.parse(line.strip())
    except (SyntaxError, ValueError):
        return set()
    return {node.func.id for node in ast.walk(tree) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}


def function_under_test(code: str, first_test: str) -> str:
    names = defined_functions(code)
    called = called_names(first_test)
    return next((name for name in names if name in called), names[0])


def statement(text: str, first_test: str) -> str:
    return f"{text.strip()}\nYour code should pass this test:\n{first_test.strip()}\n"


def normalize(row: dict) -> Problem:
    source_id = task_id(row)
    text = require_text(row, "prompt" if is_sanitized(row) else "text")
    code = require_text(row, "code")
    lines = assert_lines(row)
    setup = setup_code(row)
    tests = (TestStyle.ASSERT, tuple(assert_test(setup, line) for line in lines), function_under_test(code, lines[0]))
    config = "sanitized" if is_sanitized(row) else "full"
    extras = {key: row.get(key) or None for key in ("source_file", "challenge_test_list")}
    return SPEC.problem(
        source_id,
        statement(text, lines[0]),
        tests,
        reference_solution=code,
        metadata_json=metadata_json(config=config, **extras),
    )


SPEC = SourceSpec("mbpp", HUB_PATH, normalize, LICENSE, hub_kwargs={"name": "full"}, id_column="task_id")
