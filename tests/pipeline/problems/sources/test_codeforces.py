"""open-r1/codeforces read in its published layout (config `verifiable`, parquet, card features)
through the real `datasets` path; its generated checkers judged in the Docker sandbox in open-r1's
own calling convention (`checker.py input correct_output solution_output`, prints 1 or 0)."""

import json
from dataclasses import replace

import pytest

from pipeline.problems.sources import codeforces
from pipeline.problems.sources.base import normalize_rows
from sandbox.verify import Solution, verify_one
from schemas import TestCase, TestStyle, Verdict
from tests.factories import by_id
from tests.pipeline.problems.sources.hub_layout import rows as fixture_rows

PERMUTATION = "codeforces/1000/B"


@pytest.fixture
def result(normalize_fixture):
    return normalize_fixture(codeforces.SPEC)


def test_the_verifiable_config_is_read_and_only_the_columns_used(load_fixture):
    rows = load_fixture(codeforces.SPEC)
    assert [row["id"] for row in rows] == ["1000/A", "1000/B", "1000/C", "1000/D", "1000/E", "1000/F"]
    assert set(rows[0]) == set(codeforces.COLUMNS) and "editorial" not in rows[0]
    assert [row["id"] for row in load_fixture(codeforces.SPEC, split="test")] == ["1000/A"]


def test_good_rows_come_through_and_bad_rows_are_quarantined_with_the_field(result):
    assert [p.id for p in result.problems] == ["codeforces/1000/A", PERMUTATION]
    assert [(q.record_id, q.field, q.reason.split(" (")[0]) for q in result.quarantine] == [
        ("1000/C", "interactor", "an interactive problem needs its interactor: it cannot be judged as a stdin problem"),
        ("1000/D", "input_mode", "file I/O problems are not supported"),
        ("1000/E", "official_tests", "no official tests"),
        ("1000/F", "generated_checker", "not valid Python"),
    ]


def test_a_plain_problem(result):
    p = by_id(result)["codeforces/1000/A"]
    assert (p.source, p.source_id, p.license, p.dataset) == ("codeforces", "1000/A", "cc-by-4.0", "open-r1/codeforces")
    assert p.test_style is TestStyle.STDIN and p.checker is None and not p.interactive
    assert p.tests == (TestCase("1 2", "3"), TestCase("-1000000000 -1000000000", "-2000000000"), TestCase("7 -7", "0"))
    assert (p.time_limit_s, p.memory_limit_mb, p.difficulty) == (2.0, 256, "800")
    # Codeforces' layout; the editorial (the answer) stays out of the statement
    assert p.statement.startswith(
        "# Sum of Two\n\nTime limit per test: 2 seconds. Memory limit per test: 256 megabytes."
    )
    headings = [line for line in p.statement.splitlines() if line.startswith("## ")]
    assert headings == ["## Input", "## Output", "## Examples", "## Note"]
    assert "```input\n1 2\n```\n```output\n3\n```" in p.statement and "Just add them" not in p.statement
    meta = json.loads(p.metadata_json)
    assert meta["tags"] == ["math", "implementation"] and meta["generated_tests"] == 12
    assert meta["official_tests_complete"] is True and meta["has_generated_checker"] is False


def test_the_generated_checker_is_kept_verbatim_inside_its_adapter(result):
    p = by_id(result)[PERMUTATION]
    (raw,) = [row for row in fixture_rows("codeforces.jsonl") if row["id"] == "1000/B"]
    assert p.checker == codeforces.checker_adapter(raw["generated_checker"])
    assert repr(raw["generated_checker"]) in p.checker
    meta = json.loads(p.metadata_json)
    assert meta["official_tests_complete"] is False and meta["has_generated_checker"] is True
    assert p.memory_limit_mb == 512


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [("time_limit", -1.0, "must be a positive finite number"), ("memory_limit", "256", "must be a positive"),
     ("memory_limit", float("inf"), "finite"),
     ("official_tests", [{"input": 4, "output": "1"}], "must be a string"),
     ("generated_checker", 7, "must be Python text"),
     ("title", None, "missing or empty")],
)  # fmt: skip
def test_malformed_columns_are_quarantined_by_name(column, value, reason):
    row = dict(fixture_rows("codeforces.jsonl")[0], **{column: value})
    (quarantined,) = normalize_rows(codeforces.SPEC, [row]).quarantine
    assert quarantined.field == column and reason in quarantined.reason, quarantined


# ------------------------------------------------------------------------ judged in the sandbox

DESCENDING = "n = int(input())\nprint(*range(n, 0, -1))"
EVENS_FIRST = "n = int(input())\nprint(*range(2, n + 1, 2), *range(1, n + 1, 2))"
ASCENDING = (
    "n = int(input())\nprint(*range(1, n + 1))"  # swapped arguments would accept it: it is checked against the jury's
)


@pytest.fixture
def permutation(result):
    return by_id(result)[PERMUTATION]


def _verdict(pool, problem, code):
    return verify_one(problem, Solution(problem.id, "s", code), pool)


@pytest.mark.slow
@pytest.mark.docker
def test_the_generated_checker_accepts_two_different_answers_and_rejects_a_wrong_one(permutation, docker_pool):
    assert _verdict(docker_pool, permutation, DESCENDING).verdict is Verdict.ACCEPTED
    assert _verdict(docker_pool, permutation, EVENS_FIRST).verdict is Verdict.ACCEPTED
    assert permutation.tests[0].output != "4 3 2 1"  # the accepted answers are not the jury's
    wrong = _verdict(docker_pool, permutation, ASCENDING)
    assert wrong.verdict is Verdict.WRONG_ANSWER and wrong.tests[0].verdict is Verdict.WRONG_ANSWER
    cpp = '```cpp\n#include <cstdio>\nint main(){int n; scanf("%d",&n); for(int i=n;i>0;i--) printf("%d ",i);}\n```'
    assert _verdict(docker_pool, permutation, cpp).verdict is Verdict.ACCEPTED


@pytest.mark.slow
@pytest.mark.docker
@pytest.mark.parametrize(
    "generated",
    ["import sys\nprint('maybe')\n",  # neither 1 nor 0
     "import sys\nprint(1)\nsys.exit(2)\n",  # says 1, then fails
     "import sys\nraise RuntimeError('checker bug')\n",  # crashes
     "import sys\nprint(1 / 0)\n"],
)  # fmt: skip
def test_a_generated_checker_that_does_not_decide_never_accepts(permutation, docker_pool, generated):
    broken = replace(permutation, checker=codeforces.checker_adapter(generated))
    result = _verdict(docker_pool, broken, DESCENDING)
    assert result.verdict is Verdict.SANDBOX_ERROR, result
    assert "checker failed" in result.tests[0].detail and result.attempts == 1  # not retried: it would fail again


@pytest.mark.slow
@pytest.mark.docker
def test_a_generated_checker_may_open_the_graders_file_names_instead_of_its_arguments(permutation, docker_pool):
    by_name = ("got = open('solution_output.txt').read().split()\n"
               "n = int(open('input.txt').read())\n"
               "jury = open('correct_output.txt').read().split()\n"
               "print(1 if sorted(map(int, got)) == list(range(1, n + 1)) and got != jury else 0)\n")  # fmt: skip
    judged = replace(permutation, checker=codeforces.checker_adapter(by_name))
    assert _verdict(docker_pool, judged, DESCENDING).verdict is Verdict.ACCEPTED
    assert _verdict(docker_pool, judged, "print(*[2, 4, 1, 3][: int(input())])").verdict is Verdict.WRONG_ANSWER
