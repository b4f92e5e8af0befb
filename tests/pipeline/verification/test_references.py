"""Reference verification runs a problem's other known-correct programs too (CodeContests' C++ and
Java): each must pass the problem's tests, and a broken test set shows as every program failing."""

from dataclasses import replace

import pytest

from pipeline.problems.sources import code_contests
from pipeline.problems.sources.base import normalize_rows
from pipeline.verification.files import reference_programs, verify_references
from schemas import TestCase, Verdict
from tests.factories import DOUBLE
from tests.pipeline.problems.sources.hub_layout import rows as fixture_rows

TWICE = "code_contests/codeforces/4_A. Twice"


@pytest.fixture(scope="module")
def twice():
    (problem,) = [p for p in normalize_rows(code_contests.SPEC, fixture_rows("code_contests.jsonl")).problems
                  if p.id == TWICE]  # fmt: skip
    return problem


def test_the_reference_comes_first_and_is_not_run_twice(twice):
    assert twice.correct_solutions[0] == twice.reference_solution  # CodeContests' first Python 3 program
    programs = reference_programs(twice, include_correct=True)
    assert [s.solution_id for s in programs] == ["reference", "correct-1", "correct-2"]
    assert [s.code.split("\n", 1)[0] for s in programs[1:]] == ["```cpp", "```java"]
    assert [s.solution_id for s in reference_programs(twice, include_correct=False)] == ["reference"]
    without_reference = replace(DOUBLE, reference_solution=None, correct_solutions=("print(1)",))
    assert [s.solution_id for s in reference_programs(without_reference, include_correct=True)] == ["correct-1"]


@pytest.mark.slow
@pytest.mark.docker
def test_every_correct_program_passes_and_a_broken_test_fails_them_all(twice, docker_pool):
    results = verify_references([twice], docker_pool, docker_pool.size, log=lambda _: None, include_correct=True)
    assert [(r.solution_id, r.verdict) for r in results] == [
        ("reference", Verdict.ACCEPTED), ("correct-1", Verdict.ACCEPTED), ("correct-2", Verdict.ACCEPTED)]  # fmt: skip
    broken = replace(twice, tests=(*twice.tests[:-1], TestCase(twice.tests[-1].input, "wrong\n")))
    results = verify_references([broken], docker_pool, docker_pool.size, log=lambda _: None, include_correct=True)
    assert {r.verdict for r in results} == {Verdict.WRONG_ANSWER} and len(results) == 3
