"""Codeforces problems as open-r1 publishes them (open-r1/codeforces, config `verifiable`).

Columns (card YAML): id ("2063/A"), aliases, contest_id, contest_name, contest_type, contest_start,
contest_start_year, index, time_limit (float seconds), memory_limit (float MB), title, description,
input_format, output_format, interaction_format, note, examples (list of {input, output}),
editorial, rating, tags, testset_size, official_tests (list of {input, output}),
official_tests_complete, input_mode ("stdio" or "file"), generated_checker (Python text or null),
executable, generated_tests.

- The statement is laid out as Codeforces shows it: title, limits, legend, Input, Output,
  Interaction, Examples, Note. The editorial is kept out of the statement (it is the answer).
- Tests are the official tests. The generated tests (`generated_tests` counts them) live in separate
  per-contest parquet files and are not read here.
- `generated_checker` is the source's checker for problems with many valid answers. Its calling
  convention is open-r1's, not testlib's: `checker.py input.txt correct_output.txt
  solution_output.txt`, printing `1` (accept) or `0` (reject) on stdout (cf_scoring.py sends it to its
  Piston package that way). The sandbox speaks testlib's convention (`checker input output answer`,
  exit code), so the problem's checker is a small adapter holding the generated checker verbatim: it
  runs it in open-r1's convention and turns its last token into testlib's exit code. A checker that
  crashes, prints neither token, or prints 1 but exits non-zero is a checker failure, never an accept.
- `input_mode` other than stdio reads and writes named files: quarantined (field input_mode).
- An `interaction_format` marks an interactive problem. The source ships no interactor, so the
  problem is `interactive` and validation quarantines it (field interactor).
- `official_tests_complete`, `executable`, rating, tags and contest go to `metadata_json`.
"""

from __future__ import annotations

import math

from pipeline.problems.sources.base import MalformedRow, SourceSpec, require_text
from pipeline.problems.sources.tests_format import metadata_json, problem_default, stdin_text
from schemas import Problem, TestCase, TestStyle

HUB_PATH = "open-r1/codeforces"
CONFIG = "verifiable"
LICENSE = "cc-by-4.0"
TESTS = "official_tests"
CHECKER = "generated_checker"

# testlib-convention adapter around an open-r1 checker: argv input output answer -> the checker's
# own order (input, correct output, solution output); its last stdout token -> exit 0 / 1, else 3.
_ADAPTER = """# open-r1/codeforces generated_checker, run in its own convention by this testlib-style adapter:
# `checker.py input correct_output solution_output` prints 1 to accept, 0 to reject.
import shutil
import subprocess
import sys

GENERATED_CHECKER = {source!r}

input_path, output_path, answer_path = sys.argv[1:4]
# the file names open-r1's grader gives them too, for a checker that opens them by name
for path, name in ((input_path, "input.txt"), (answer_path, "correct_output.txt"),
                   (output_path, "solution_output.txt")):
    shutil.copyfile(path, name)
with open("checker.py", "w", encoding="utf-8") as handle:
    handle.write(GENERATED_CHECKER)
run = subprocess.run([sys.executable, "checker.py", "input.txt", "correct_output.txt", "solution_output.txt"],
                     capture_output=True)
tokens = run.stdout.split()
last = tokens[-1] if tokens else b""
print(run.stdout.decode("utf-8", "replace")[-200:].strip(), run.stderr.decode("utf-8", "replace")[-300:].strip())
if last == b"0":
    sys.exit(1)  # wrong answer
if last == b"1" and run.returncode == 0:
    sys.exit(0)
print(f"generated checker failed: exit {{run.returncode}}, last token {{last[:20]!r}}")
sys.exit(3)  # testlib's "fail": the checker did not decide
"""


def checker_adapter(generated_checker: str) -> str:
    """The testlib-convention checker that runs `generated_checker` in open-r1's convention."""
    return _ADAPTER.format(source=generated_checker)


def _text(row: dict, column: str) -> str:
    value = row.get(column)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise MalformedRow(column, f"must be text, got {type(value).__name__}")
    return value.strip()


def _cases(row: dict, column: str) -> tuple[TestCase, ...]:
    cases = row.get(column)
    if cases is None:
        return ()
    if not isinstance(cases, list) or not all(isinstance(case, dict) for case in cases):
        raise MalformedRow(column, "must be a list of {input, output} objects")
    return tuple(TestCase(stdin_text(c.get("input"), column), stdin_text(c.get("output"), column)) for c in cases)


def _positive(row: dict, column: str, default):
    value = row.get(column)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < math.inf:
        raise MalformedRow(column, f"must be a positive finite number, got {value!r}")
    return value


def statement(row: dict, time_limit_s: float, memory_limit_mb: int) -> str:
    """Title, limits, legend, Input, Output, Interaction, Examples and Note, as Codeforces shows them."""
    parts = [f"# {require_text(row, 'title').strip()}",
             f"Time limit per test: {time_limit_s:g} seconds. Memory limit per test: {memory_limit_mb} megabytes.",
             require_text(row, "description").strip()]  # fmt: skip
    for heading, column in (
        ("Input", "input_format"),
        ("Output", "output_format"),
        ("Interaction", "interaction_format"),
    ):
        if text := _text(row, column):
            parts.append(f"## {heading}\n\n{text}")
    examples = _cases(row, "examples")
    if examples:
        blocks = [f"```input\n{case.input.rstrip()}\n```\n```output\n{case.output.rstrip()}\n```" for case in examples]
        parts.append("## Examples\n\n" + "\n\n".join(blocks))
    if note := _text(row, "note"):
        parts.append(f"## Note\n\n{note}")
    return "\n\n".join(parts) + "\n"


def _checker(row: dict) -> str | None:
    source = row.get(CHECKER)
    if source is None or (isinstance(source, str) and not source.strip()):
        return None
    if not isinstance(source, str):
        raise MalformedRow(CHECKER, f"must be Python text, got {type(source).__name__}")
    try:
        compile(source, CHECKER, "exec")
    except (SyntaxError, ValueError) as err:
        raise MalformedRow(CHECKER, f"not valid Python ({err})") from None
    return checker_adapter(source)


def normalize(row: dict) -> Problem:
    problem_id = require_text(row, "id").strip()
    mode = row.get("input_mode") or "stdio"
    if mode != "stdio":
        raise MalformedRow("input_mode", f"file I/O problems are not supported (input_mode {mode!r})")
    tests = _cases(row, TESTS)
    if not tests:
        raise MalformedRow(TESTS, "no official tests")
    time_limit_s = float(_positive(row, "time_limit", problem_default("time_limit_s")))
    memory_limit_mb = round(_positive(row, "memory_limit", problem_default("memory_limit_mb")))
    rating, checker = row.get("rating"), _checker(row)
    return SPEC.problem(
        problem_id,
        statement(row, time_limit_s, memory_limit_mb),
        (TestStyle.STDIN, tests, None),
        time_limit_s=time_limit_s,
        memory_limit_mb=memory_limit_mb,
        difficulty=str(rating) if isinstance(rating, int) and not isinstance(rating, bool) else None,
        checker=checker,
        interactive=bool(_text(row, "interaction_format")),
        metadata_json=metadata_json(
            contest_id=row.get("contest_id"),
            contest_name=row.get("contest_name"),
            index=row.get("index"),
            rating=rating,
            tags=row.get("tags") or None,
            official_tests_complete=row.get("official_tests_complete"),
            executable=row.get("executable"),
            generated_tests=row.get("generated_tests"),
            has_generated_checker=checker is not None,
        ),
    )


# The columns normalize reads; `editorial` (the answer) and the aliases are left on the Hub.
COLUMNS = [
    "id", "contest_id", "contest_name", "index", "time_limit", "memory_limit", "title", "description",
    "input_format", "output_format", "interaction_format", "note", "examples", "rating", "tags", TESTS,
    "official_tests_complete", "input_mode", CHECKER, "executable", "generated_tests",
]  # fmt: skip
SPEC = SourceSpec(
    "codeforces",
    HUB_PATH,
    normalize,
    LICENSE,
    hub_kwargs={"name": CONFIG, "columns": COLUMNS},
    id_column="id",
    statement_fields=("id", "description"),
)
