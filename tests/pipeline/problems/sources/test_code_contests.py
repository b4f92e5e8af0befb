import json

import pytest

from pipeline.problems.sources import code_contests
from pipeline.problems.sources.base import normalize_rows
from schemas import TestCase, TestStyle
from tests.factories import by_id


@pytest.fixture
def result(normalize_fixture):
    return normalize_fixture(code_contests.SPEC)


def test_only_the_columns_used_are_read(load_fixture):
    (row, *_) = load_fixture(code_contests.SPEC, limit=1)
    assert set(row) == set(code_contests.COLUMNS)


def test_good_rows_come_through_and_bad_rows_are_quarantined(result):
    assert [p.id for p in result.problems] == [
        "code_contests/codeforces/1352_A. Sum of Round Numbers",
        "code_contests/codechef/CHEFSUM",
        "code_contests/aizu/CHEFSUM",  # the same name on another site is another problem
        "code_contests/codeforces/4_A. Twice",
    ]
    assert [(q.row_index, q.record_id, q.field, q.reason) for q in result.quarantine] == [
        (2, "p00001 File Reader", "input_file", "file I/O problems are not supported"),
        (3, "1000_Z. No Tests", "public_tests", "no public, private or generated tests"),
        (4, "1000_Y. Uneven", "generated_tests", "2 inputs but 1 outputs"),
    ]


def test_codeforces_problem(result):
    p = by_id(result)["code_contests/codeforces/1352_A. Sum of Round Numbers"]
    assert (p.source, p.source_id) == ("code_contests", "codeforces/1352_A. Sum of Round Numbers")
    assert p.statement.startswith("A positive integer is called round")
    assert p.test_style is TestStyle.STDIN
    assert p.tests == (
        TestCase("2\n5009\n7\n", "2\n5000 9\n1\n7\n"),  # public
        TestCase("1\n10000\n", "1\n10000\n"),  # private
        TestCase("1\n1\n", "1\n1\n"),
        TestCase("1\n20\n", "1\n20\n"),  # generated
    )
    assert p.fn_name is None
    assert p.time_limit_s == 1.0 and p.memory_limit_mb == 256
    assert p.difficulty == "a"
    assert p.reference_solution.startswith("for _ in range(int(input())):")  # first PYTHON3 (language 3)
    assert p.incorrect_solutions == ("print(1)\n",)  # PYTHON3 incorrect solutions are kept
    # correct programs: Python 3 as is (Python 2 cannot run), C++ fenced with its tag
    assert p.correct_solutions == (p.reference_solution, "print('second python3 solution')\n",
                                   "```cpp\n#include <cstdio>\nint main(){}\n```")  # fmt: skip
    assert p.license == "CC-BY-4.0" and p.dataset == "deepmind/code_contests"
    meta = json.loads(p.metadata_json)
    assert meta["test_counts"] == {"public": 1, "private": 1, "generated": 2}
    assert meta["source"] == "codeforces"
    assert (meta["cf_contest_id"], meta["cf_index"], meta["cf_rating"]) == (1352, "A", 800)
    assert meta["cf_tags"] == ["implementation", "math"]
    assert meta["is_description_translated"] is False


def test_codechef_problem_without_python3_solution(result):
    p = by_id(result)["code_contests/codechef/CHEFSUM"]
    assert p.tests == (TestCase("1\n3\n1 2 3\n", "1\n"),)
    assert p.time_limit_s == 2.5  # 2 s + 500000000 ns
    assert p.memory_limit_mb == 512  # 0 bytes -> default
    assert p.difficulty is None  # UNKNOWN_DIFFICULTY
    assert p.reference_solution is None and p.incorrect_solutions == ()
    meta = json.loads(p.metadata_json)
    assert meta["source"] == "codechef"
    assert meta["test_counts"] == {"public": 1, "private": 0, "generated": 0}


def test_incorrect_solutions_keep_every_runnable_language(result):
    p = by_id(result)["code_contests/aizu/CHEFSUM"]
    # Python 3 first, then C++ (language 2) as a fenced block the sandbox compiles
    assert p.incorrect_solutions == ("a, b = map(int, input().split())\nprint(a - b)\n", "print(5)\n",
                                     "```cpp\nint main(){}\n```")  # fmt: skip


def test_programs_are_capped_per_language():
    row = {"solutions": {"language": [2] * 5 + [3] * 5, "solution": [f"p{i}" for i in range(10)]}}
    kept = code_contests.runnable_programs(row, "solutions")
    assert kept == ("p5", "p6", "p7", "```cpp\np0\n```", "```cpp\np1\n```", "```cpp\np2\n```")


@pytest.mark.parametrize("value, name", [(1, "easy"), (5, "hardest"), (6, "external"), (7, "a"), (8, "b"), (28, "v")])
def test_difficulty_names(value, name):
    assert code_contests.difficulty_name(value) == name


def test_in_memory_malformed_rows():
    good = {"name": "X", "source": 2, "description": "d", "public_tests": {"input": ["1\n"], "output": ["1\n"]}}
    rows = [
        good,
        {**good, "difficulty": 99},
        {**good, "output_file": "out.txt"},
        {**good, "description": None},
        {**good, "private_tests": "not a struct"},
        {**good, "name": "Y", "time_limit": None, "memory_limit_bytes": None, "private_tests": None},
        {**good, "source": 99},
        {**good, "incorrect_solutions": "not a struct"},
        {**good, "description": "Guess the number.\n\nInteraction\n\nPrint ? x to ask."},
    ]
    out = normalize_rows(code_contests.SPEC, rows)
    assert len(out.problems) == 2
    assert [(q.row_index, q.field) for q in out.quarantine] == [
        (1, "difficulty"),
        (2, "output_file"),
        (3, "description"),
        (4, "private_tests"),
        (6, "source"),
        (7, "incorrect_solutions"),
        (8, "interactor"),  # an interactive problem: CodeContests ships no interactor to judge it with
    ]
    assert (out.problems[1].time_limit_s, out.problems[1].memory_limit_mb) == (6.0, 512)
