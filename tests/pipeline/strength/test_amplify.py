"""Amplified tests: seed inputs read off the tests, mutated by type, outputs from the reference."""

import json

import pytest

from pipeline.strength.amplify import amplified_problem, mutate_inputs, reference_outputs, seed_inputs
from pipeline.strength.score import ProblemStrength, compare
from schemas import TestCase, TestStyle
from tests.factories import problem

CHECK = """
def check(candidate):
    assert candidate([1, 2], 3) == 4
    assert candidate((5,), -1) == 4
    assert candidate([1, 2], 3) == 4
    assert candidate(undefined_name, 1) == 0
    assert candidate([1], k=2) == 3
    assert abs(candidate([0.5], 0) - 0.5) < 1e-6
"""


def test_seed_inputs_are_the_literal_calls_in_order_once_tuples_as_lists():
    assert seed_inputs(CHECK) == [[[1, 2], 3], [[5], -1], [[0.5], 0]]  # a name and a keyword call skipped
    assert seed_inputs("def check(:") == []


def test_mutated_inputs_are_new_unique_reproducible_and_bounded():
    seeds = [[[1, 2], 3], ["abc", True]]
    made = mutate_inputs(seeds, 30, seed=1, key="p")
    keys = [json.dumps(m) for m in made]
    assert len(made) == 30 and len(set(keys)) == 30 and not {json.dumps(s) for s in seeds} & set(keys)
    assert made == mutate_inputs(seeds, 30, seed=1, key="p") != mutate_inputs(seeds, 30, seed=2, key="p")
    assert all(len(m) == len(s) for m in made for s in seeds if type(m[0]) is type(s[0]))  # arity kept
    assert all(len(json.dumps(m)) < 2_000 for m in mutate_inputs(seeds, 200, seed=3, key="p"))
    with pytest.raises(ValueError, match="count"):
        mutate_inputs(seeds, -1, 0)


ADD = problem("t", "add", TestStyle.ASSERT, ("def check(candidate):\n    assert candidate(1, 2) == 3\n"
                                              "\ncheck(add)\n", ""), fn_name="add",
              reference_solution="def add(a, b):\n    return a + b\n")  # fmt: skip


@pytest.mark.docker
def test_expected_outputs_come_from_the_reference_and_its_failures_are_dropped(docker_pool):
    tests = reference_outputs(ADD, [[1, 2], [3, 4], ["x", 1], ["a", "b"]], docker_pool)
    assert [(json.loads(t.input), json.loads(t.output)) for t in tests] == [
        ([1, 2], 3),
        ([3, 4], 7),
        (["a", "b"], "ab"),
    ]
    amplified = amplified_problem(ADD, docker_pool, 10)
    assert amplified.test_style is TestStyle.CALL and amplified.tests[0] == TestCase("[1, 2]", "3")
    numeric = [json.loads(t.input) for t in amplified.tests if all(type(a) is int for a in json.loads(t.input))]
    assert 1 < len(amplified.tests) <= 11 and numeric
    assert all(TestCase(json.dumps(args), json.dumps(sum(args))) in amplified.tests for args in numeric)


def strength(verdicts):
    return ProblemStrength("p", "s", True, len(verdicts), 0, {}, (), tuple(verdicts))


def test_mutants_both_test_sets_accept_are_likely_equivalent_and_left_out():
    original = strength(["wrong_answer", "accepted", "accepted", "time_limit", "sandbox_error"])
    amplified = strength(["wrong_answer", "wrong_answer", "accepted", "accepted", "accepted"])
    result = compare(original, amplified)
    # by hand: mutant 2 survives both (equivalent), mutant 4 is a sandbox error: 3 non-equivalent
    assert (result.non_equivalent, result.killed_original, result.killed_amplified) == (3, 2, 2)
    assert result.score(result.killed_original) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="same mutants"):
        compare(original, strength(["accepted"]))
