"""The tests stage on one shard's problems, in the real sandbox: decisions stored and not redone,
and the strength columns of a problem whose own tests let a wrong sample through."""

import json
from dataclasses import replace

import pytest

from pipeline.strength.runs import DecisionStore, amplify_shard, call_amplification_key, measure_shard
from pipeline.strength.score import StrengthSettings
from pipeline.strength.settings import AmplifyRecipe
from schemas import TestStyle
from tests.factories import ADD_AMPLIFIED, ADD_OWN, DOUBLE, DOUBLE_SOLUTION, traj

pytestmark = pytest.mark.docker


class CountingExecutor:
    def __init__(self, inner):
        self.inner, self.calls = inner, 0

    def run(self, payload, timeout):
        self.calls += 1
        return self.inner.run(payload, timeout)


def test_amplification_is_stored_with_reasons_and_not_redone(docker_pool, tmp_path):
    recipe = AmplifyRecipe(inputs=20, max_tests=15)
    no_reference = replace(ADD_OWN, id="humaneval/noref", reference_solution=None)
    stdin = replace(DOUBLE, reference_solution=DOUBLE_SOLUTION)
    problems = [ADD_OWN, stdin, no_reference]
    counting = CountingExecutor(docker_pool)
    store = DecisionStore(tmp_path / "amplified.jsonl", call_amplification_key(recipe))
    logged = []
    made, reasons = amplify_shard(problems, counting, 2, recipe, store, log=logged.append)
    assert logged[-1] == "problems amplified: 3/3"  # a running count, not "1/3" three times
    assert [p.id for p in made] == [ADD_OWN.id] and counting.calls == 1
    assert made[0].test_style is TestStyle.CALL and 1 < len(made[0].tests) <= 15
    assert json.loads(made[0].metadata_json)["tests"]["tests_from"] == "amplified"
    assert reasons == {DOUBLE.id: "not a call- or assert-style problem (stdin amplification needs an input generator)",
                       no_reference.id: "no reference solution"}  # fmt: skip
    reopened = DecisionStore(tmp_path / "amplified.jsonl", call_amplification_key(recipe))
    again, _ = amplify_shard(problems, counting, 2, recipe, reopened, log=lambda _: None)
    assert counting.calls == 1 and again == made  # nothing redone, the same tests read back
    changed = AmplifyRecipe(inputs=5, max_tests=15)  # another setting: decided again
    store = DecisionStore(tmp_path / "amplified.jsonl", call_amplification_key(changed))
    amplify_shard(problems, counting, 2, changed, store, log=lambda _: None)
    assert counting.calls == 2


def test_strength_counts_a_wrong_sample_the_own_tests_accept(docker_pool):
    labelled = replace(ADD_OWN, incorrect_solutions=("def add(a, b):\n    return a * b\n",))  # 1 * 2 != 3
    lucky = replace(traj("lucky", ADD_OWN, "short", 10), code="def add(a, b):\n    return 3\n")
    right = replace(traj("right", ADD_OWN, "short", 10), code="def add(x, y):\n    return y + x\n")
    rows = measure_shard([labelled], {ADD_OWN.id: ADD_AMPLIFIED}, [lucky, right], docker_pool, 2,
                         StrengthSettings(mutants_per_problem=10), log=lambda _: None).to_dicts()  # fmt: skip
    [row] = rows
    assert row["reference_accepted"] is True and row["amplified_tests"] == len(ADD_AMPLIFIED.tests)
    # wrong: the labelled incorrect solution (both sets reject it) and `lucky` (only the amplified set)
    assert (row["wrong_programs"], row["wrong_rejected"], row["wrong_rejected_amplified"]) == (2, 1, 2)
    assert row["mutants"] >= 3 and row["mutants_killed_amplified"] == row["mutants_non_equivalent"]
