"""Which test sets verification runs, and one verdict from several."""

from dataclasses import replace

import pytest

from pipeline.strength.testsets import combined, sets_to_run, verify_with_sets
from schemas import TestCase, TestResult, TestStyle, Verdict, Verification
from tests.factories import ADD_AMPLIFIED, ADD_OWN, traj

TESTLESS = replace(ADD_OWN, id="evol_instruct/q-1", tests=(), verifiable=False)
SYNTHESIZED = replace(TESTLESS, tests=(TestCase("assert add(1, 1) == 2", ""),), verifiable=True)


@pytest.mark.parametrize(
    ("problem", "amplified", "synthesized", "use", "expected"),
    [
        (ADD_OWN, ADD_AMPLIFIED, None, "original", (ADD_OWN,)),
        (ADD_OWN, ADD_AMPLIFIED, None, "amplified", (ADD_AMPLIFIED,)),
        (ADD_OWN, ADD_AMPLIFIED, None, "both", (ADD_OWN, ADD_AMPLIFIED)),
        (ADD_OWN, None, None, "both", (ADD_OWN,)),  # nothing amplified: its own tests
        (ADD_OWN, None, None, "amplified", (ADD_OWN,)),
        (TESTLESS, None, None, "both", ()),  # unverifiable: no set at all, never an empty one
        (TESTLESS, None, SYNTHESIZED, "original", (SYNTHESIZED,)),
    ],
)
def test_the_sets_a_solution_must_pass(problem, amplified, synthesized, use, expected):
    assert sets_to_run(problem, amplified, synthesized, use) == expected


def test_an_unknown_use_is_an_error():
    with pytest.raises(ValueError, match="tests.use"):
        sets_to_run(ADD_OWN, None, None, "all")


def test_combined_is_accepted_only_when_every_set_accepted_and_counts_add_up():
    own = Verification("p", "s", Verdict.ACCEPTED, 2, 2, 0.1, (TestResult(0, Verdict.ACCEPTED, 0.05),) * 2)
    results = (TestResult(0, Verdict.ACCEPTED, 0.1), TestResult(1, Verdict.WRONG_ANSWER, 0.1))
    amplified = Verification("p", "s", Verdict.WRONG_ANSWER, 1, 3, 0.2, results)
    both = combined([own, amplified])
    assert (both.verdict, both.passed, both.total, both.time_s) == (Verdict.WRONG_ANSWER, 3, 5, 0.3)
    assert [t.index for t in both.tests] == [0, 0, 2, 3]  # the second set's tests continue after the first's
    assert combined([own]) == own
    with pytest.raises(ValueError):
        combined([])


@pytest.mark.docker
def test_a_sample_the_own_tests_accept_is_rejected_by_the_amplified_ones(docker_pool):
    right = replace(traj("right", ADD_OWN, "short", 10), code="def add(a, b):\n    return a + b\n")
    lucky = replace(traj("lucky", ADD_OWN, "short", 10), code="def add(a, b):\n    return 3\n")  # add(1, 2) only
    broken = replace(traj("broken", ADD_OWN, "short", 10), code="def add(a, b):\n    return a - b\n")
    sets = {ADD_OWN.id: (ADD_OWN, ADD_AMPLIFIED)}
    verdicts = {v.solution_id: v for v in verify_with_sets(sets, [right, lucky, broken], docker_pool, 2)}
    assert verdicts["right"].verdict is Verdict.ACCEPTED and verdicts["right"].total == 1 + len(ADD_AMPLIFIED.tests)
    assert verdicts["lucky"].verdict is Verdict.WRONG_ANSWER and verdicts["lucky"].passed >= 1
    # rejected by its own tests: the amplified set never ran for it
    assert verdicts["broken"].verdict is not Verdict.ACCEPTED and verdicts["broken"].total == 1
    only_own = verify_with_sets({ADD_OWN.id: (ADD_OWN,)}, [lucky], docker_pool, 1)
    assert only_own[0].verdict is Verdict.ACCEPTED  # what "verified" meant before amplification
    assert ADD_AMPLIFIED.test_style is TestStyle.CALL
