"""CodeContests (deepmind/code_contests): ~13K Codeforces/AtCoder/CodeChef/... problems (AlphaCode).

Columns: name, description, public_tests / private_tests / generated_tests (each a struct
`{"input": [str], "output": [str]}`), source (int enum), difficulty (int enum), solutions and
incorrect_solutions (`{"language": [int], "solution": [str]}`), cf_contest_id, cf_index,
cf_points, cf_rating, cf_tags, is_description_translated, untranslated_description,
time_limit (`{"seconds", "nanos"}` or null), memory_limit_bytes, input_file, output_file.

All problems are stdin/stdout. Tests are public + private + generated, in that order;
`metadata_json["test_counts"]` records how many of each so a recipe can slice them.
`source_id` is `{site}/{name}` ("codeforces/1548_A. Web of Lies"): names repeat across sites. The
reference solution is the first PYTHON3 solution. Up to PROGRAMS_PER_LANGUAGE correct and incorrect
programs of each runnable language (Python 3, C++, Java) are kept as `correct_solutions` (they
validate the tests: TPR) and `incorrect_solutions` (known-wrong: a test set that accepts one is
weak); a C++ or Java program is stored as a fenced block with its language tag. Problems that read or
write named files (`input_file`/`output_file`) are quarantined: the sandbox only speaks
stdin/stdout. Difficulty 0 (UNKNOWN_DIFFICULTY) -> None. A statement with an "Interaction" section
is an interactive problem: CodeContests ships no interactor, so it is marked `interactive` and
quarantined by validation (its tests are not stdin tests, and judging them as such would be a guess).
"""

from __future__ import annotations

import re

from pipeline.problems.sources.base import MalformedRow, SourceSpec, require_text
from pipeline.problems.sources.tests_format import metadata_json, paired, problem_default, stdin_text
from schemas import Problem, TestCase, TestStyle

HUB_PATH = "deepmind/code_contests"
LICENSE = "CC-BY-4.0"
TEST_COLUMNS = ("public_tests", "private_tests", "generated_tests")
PYTHON3 = 3
INTERACTION = re.compile(r"^\s*Interaction\s*$", re.M)  # Codeforces' section heading of interactive problems
RUNNABLE = {3: "python", 2: "cpp", 4: "java"}  # Python 2 (1) cannot run in the sandbox
PROGRAMS_PER_LANGUAGE = 3
LANGUAGES = {0: "unknown_language", 1: "python", 2: "cpp", 3: "python3", 4: "java"}
SOURCES = {0: "unknown_source", 1: "codechef", 2: "codeforces", 3: "hackerearth", 4: "codejam", 5: "atcoder", 6: "aizu"}
DIFFICULTIES = {
    0: None,
    1: "easy",
    2: "medium",
    3: "hard",
    4: "harder",
    5: "hardest",
    6: "external",
    **{7 + i: letter.lower() for i, letter in enumerate("ABCDEFGHIJKLMNOPQRSTUV")},
}
BYTES_PER_MB = 1_000_000  # CodeContests stores "256 megabytes" as 256000000


def column_tests(row: dict, column: str) -> tuple[TestCase, ...]:
    """The stdin tests of one `{"input": [...], "output": [...]}` column; null means none."""
    block = row.get(column)
    if block is None:
        return ()
    if not isinstance(block, dict):
        raise MalformedRow(column, f"must be a struct with input/output lists, got {type(block).__name__}")
    inputs, outputs = block.get("input") or [], block.get("output") or []
    if not inputs and not outputs:
        return ()
    return tuple(TestCase(stdin_text(i, column), stdin_text(o, column)) for i, o in paired(inputs, outputs, column))


def difficulty_name(value) -> str | None:
    if value is None:
        return None
    if value not in DIFFICULTIES:
        raise MalformedRow("difficulty", f"unknown difficulty enum value {value!r}")
    return DIFFICULTIES[value]


def time_limit_seconds(value) -> float:
    """`{"seconds": 2, "nanos": 500000000}` -> 2.5; null or zero -> the default."""
    if not isinstance(value, dict):
        return problem_default("time_limit_s")
    seconds = (value.get("seconds") or 0) + (value.get("nanos") or 0) / 1e9
    return seconds if seconds > 0 else problem_default("time_limit_s")


def memory_limit_megabytes(value) -> int:
    megabytes = round(value / BYTES_PER_MB) if isinstance(value, int) and value > 0 else 0
    return megabytes if megabytes > 0 else problem_default("memory_limit_mb")


def _programs(row: dict, column: str) -> list[tuple[int, str]]:
    """(language id, code) of a `{"language": [...], "solution": [...]}` column, empty code left out."""
    block = row.get(column) or {}
    if not isinstance(block, dict):
        raise MalformedRow(column, f"must be a struct with language/solution lists, got {type(block).__name__}")
    pairs = zip(block.get("language") or [], block.get("solution") or [])
    return [(language, code) for language, code in pairs if isinstance(code, str) and code.strip()]


def python3_programs(row: dict, column: str) -> list[str]:
    """The PYTHON3 programs of a column (Python 2 cannot run in the sandbox)."""
    return [code for language, code in _programs(row, column) if language == PYTHON3]


def first_python3_solution(row: dict) -> str | None:
    return next(iter(python3_programs(row, "solutions")), None)


def runnable_programs(row: dict, column: str) -> tuple[str, ...]:
    """Up to PROGRAMS_PER_LANGUAGE programs per runnable language, Python 3 as is and the others
    fenced with their language tag, so the sandbox knows what to compile."""
    kept: dict[int, list[str]] = {}
    for language, code in _programs(row, column):
        programs = kept.setdefault(language, [])
        if language in RUNNABLE and len(programs) < PROGRAMS_PER_LANGUAGE:
            programs.append(code if language == PYTHON3 else f"```{RUNNABLE[language]}\n{code.strip()}\n```")
    return tuple(code for language in RUNNABLE for code in kept.get(language, []))


def source_id(row: dict) -> str:
    """`{site}/{name}`: a name alone repeats across sites (and the Hub splits), so the site is part of it."""
    site = row.get("source")
    if site not in SOURCES:
        raise MalformedRow("source", f"unknown source enum value {site!r}")
    return f"{SOURCES[site]}/{require_text(row, 'name')}"


def _reject_file_io(row: dict) -> None:
    for column in ("input_file", "output_file"):
        if (row.get(column) or "").strip():
            raise MalformedRow(column, "file I/O problems are not supported")


def _metadata(row: dict, counts: dict[str, int]) -> str:
    return metadata_json(
        test_counts=counts,
        source=SOURCES.get(row.get("source"), row.get("source")),
        cf_contest_id=row.get("cf_contest_id") or None,
        cf_index=row.get("cf_index") or None,
        cf_points=row.get("cf_points") or None,
        cf_rating=row.get("cf_rating") or None,
        cf_tags=row.get("cf_tags") or None,
        is_description_translated=row.get("is_description_translated"),
    )


def normalize(row: dict) -> Problem:
    name = source_id(row)
    _reject_file_io(row)
    groups = {column: column_tests(row, column) for column in TEST_COLUMNS}
    tests = tuple(test for column in TEST_COLUMNS for test in groups[column])
    if not tests:
        raise MalformedRow("public_tests", "no public, private or generated tests")
    counts = {column.removesuffix("_tests"): len(groups[column]) for column in TEST_COLUMNS}
    limits = {
        "time_limit_s": time_limit_seconds(row.get("time_limit")),
        "memory_limit_mb": memory_limit_megabytes(row.get("memory_limit_bytes")),
    }
    extras = {
        "difficulty": difficulty_name(row.get("difficulty")),
        "reference_solution": first_python3_solution(row),
        "correct_solutions": runnable_programs(row, "solutions"),
        "incorrect_solutions": runnable_programs(row, "incorrect_solutions"),
        "metadata_json": _metadata(row, counts),
        "interactive": bool(INTERACTION.search(row.get("description") or "")),
    }
    return SPEC.problem(name, require_text(row, "description"), (TestStyle.STDIN, tests, None), **limits, **extras)


# Only the columns normalize reads are fetched (the solutions columns are most of the bytes).
COLUMNS = [
    "name", "description", *TEST_COLUMNS, "source", "difficulty", "solutions", "incorrect_solutions",
    "cf_contest_id", "cf_index", "cf_points", "cf_rating", "cf_tags", "is_description_translated",
    "time_limit", "memory_limit_bytes", "input_file", "output_file",
]  # fmt: skip
SPEC = SourceSpec(
    "code_contests",
    HUB_PATH,
    normalize,
    LICENSE,
    hub_kwargs={"columns": COLUMNS},
    id_column="name",
    statement_fields=("name", "description"),
)
