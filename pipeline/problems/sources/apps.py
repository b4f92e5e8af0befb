"""APPS (codeparrot/apps): 10,000 Codeforces/AtCoder/Kattis/Codewars/LeetCode problems.

Columns: problem_id (int), question, solutions (JSON text: list of Python programs),
input_output (JSON text, "" when the problem has no tests), difficulty ("introductory",
"interview", "competition"), url, starter_code.

The Hub repo keeps `train.jsonl` / `test.jsonl` next to a loading script (`apps.py`), and
`datasets` no longer runs scripts, so the spec loads the JSONL files directly with the
packaged "json" builder (`hub_path="json"`, `data_files=hf://datasets/codeparrot/apps/...`).

`input_output` format, shared with TACO (`tests_from_input_output` is imported by taco.py):
  {"inputs": [...], "outputs": [...]}                  -> stdin tests; each value is a string
                                                          or a list of lines (joined with "\\n",
                                                          ended by "\\n")
  {"inputs": [...], "outputs": [...], "fn_name": "f"}  -> call tests; inputs[i] is the list of
                                                          positional arguments; outputs[i] is
                                                          kept verbatim as JSON. By the APPS
                                                          convention it is usually `[value]`,
                                                          a one-element list wrapping the
                                                          return value; the sandbox judge
                                                          accepts either, so nothing is
                                                          unwrapped here.
"""

from __future__ import annotations

import itertools
import keyword
import re

from pipeline.problems.sources.base import MalformedRow, SourceSpec, parse_json_field, require_text
from pipeline.problems.sources.tests_format import (
    call_args,
    difficulty_label,
    first_text,
    json_text,
    metadata_json,
    paired,
    stdin_text,
)
from schemas import Problem, TestCase, TestStyle

HUB_PATH = "codeparrot/apps"
HUB_FILES = {
    "train": f"hf://datasets/{HUB_PATH}/train.jsonl",
    "test": f"hf://datasets/{HUB_PATH}/test.jsonl",
}
LICENSE = "MIT"
IO_COLUMN = "input_output"


def load_input_output(row: dict) -> dict:
    """The decoded `input_output` column; an empty string means the problem has no tests."""
    raw = row.get(IO_COLUMN)
    if isinstance(raw, str) and not raw.strip():
        raise MalformedRow(IO_COLUMN, "empty: the problem has no tests")
    spec = parse_json_field(row, IO_COLUMN)
    if not isinstance(spec, dict):
        raise MalformedRow(IO_COLUMN, f"must be a JSON object, got {type(spec).__name__}")
    return spec


_METHOD = re.compile(r"^class\s+Solution\b[^\n]*:\s*\n(?:.*\n)*?\s+def\s+([A-Za-z_]\w*)\s*\(\s*self\b", re.M)
_FUNCTION = re.compile(r"^def\s+([A-Za-z_]\w*)\s*\(", re.M)


def starter_function(starter_code: str) -> str | None:
    """The function a starter stub asks for: `class Solution: def f(self, ...)` (LeetCode,
    GeeksforGeeks) or a top-level `def f(...)`; None when it defines neither. Stubs are often not
    valid Python (a def with no body), so this reads them with patterns, not `ast`."""
    text = (starter_code or "").replace("\r\n", "\n") + "\n"
    match = _METHOD.search(text) or _FUNCTION.search(text)
    return match.group(1) if match and not keyword.iskeyword(match.group(1)) else None


def _is_call_style(inputs: list, starter: str | None) -> bool:
    """Call tests without `fn_name` (TACO's GeeksforGeeks rows): an input that is an argument list
    holding non-text values, or argument lists plus a starter function to call."""
    lists = [i for i in inputs if isinstance(i, list)]
    if any(not isinstance(arg, str) for arg in itertools.chain.from_iterable(lists)):
        return True
    return bool(lists) and len(lists) == len(inputs) and starter is not None


def tests_from_input_output(spec: dict, starter_code: str = "") -> tuple[TestStyle, tuple[TestCase, ...], str | None]:
    """(test style, tests, fn_name) from an APPS/TACO `input_output` object. Call tests without an
    `fn_name` take the name of the starter code's function; without one they are quarantined
    (judging them as stdin tests would make an unpassable problem)."""
    pairs = paired(spec.get("inputs"), spec.get("outputs"), IO_COLUMN)
    fn_name = spec.get("fn_name")
    if fn_name is None or fn_name == "":
        starter = starter_function(starter_code)
        if _is_call_style([i for i, _ in pairs], starter):
            if starter is None:
                raise MalformedRow(
                    IO_COLUMN,
                    "call-style tests (argument lists) without fn_name, and the "
                    "starter code defines no function to call",
                )
            fn_name = starter
        else:
            tests = tuple(TestCase(stdin_text(i, IO_COLUMN), stdin_text(o, IO_COLUMN)) for i, o in pairs)
            return TestStyle.STDIN, tests, None
    if not isinstance(fn_name, str) or not fn_name.isidentifier() or keyword.iskeyword(fn_name):
        raise MalformedRow(IO_COLUMN, f"fn_name must be a Python identifier, got {fn_name!r}")
    return TestStyle.CALL, tuple(TestCase(call_args(i), json_text(o)) for i, o in pairs), fn_name


def first_solution(row: dict) -> str | None:
    """The first solution of the `solutions` column (JSON text of a list of programs), if any."""
    raw = row.get("solutions")
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    solutions = parse_json_field(row, "solutions")
    if not isinstance(solutions, list):
        raise MalformedRow("solutions", f"must be a JSON list, got {type(solutions).__name__}")
    return first_text(solutions)


def normalize(row: dict) -> Problem:
    problem_id = row.get("problem_id")
    if problem_id is None or str(problem_id).strip() == "":
        raise MalformedRow("problem_id", "missing")
    tests = tests_from_input_output(load_input_output(row), row.get("starter_code") or "")
    extras = {
        "starter_code": row.get("starter_code") or "",
        "difficulty": difficulty_label(row.get("difficulty")),
        "metadata_json": metadata_json(url=row.get("url") or None),
    }
    return SPEC.problem(
        str(problem_id), require_text(row, "question"), tests, reference_solution=first_solution(row), **extras
    )


SPEC = SourceSpec(
    "apps", "json", normalize, LICENSE, hub_kwargs={"data_files": HUB_FILES}, id_column="problem_id", dataset=HUB_PATH
)
