"""Mutation scores through the real sandbox, counted by hand for tiny programs."""

from dataclasses import replace

import pytest

from pipeline.strength.score import StrengthSettings, by_source, measure
from schemas import TestCase
from tests.factories import DOUBLE, DOUBLE_SOLUTION

pytestmark = [pytest.mark.docker]

# print(int(input()) * 2) has 8 mutants: * -> +, -, /, //, %; 2 -> 1, 2 -> 3; the statement dropped
STRONG = replace(DOUBLE, id="t/strong", reference_solution=DOUBLE_SOLUTION)  # tests 21, 5, 0
WEAK = replace(STRONG, id="t/weak", tests=(TestCase("0\n", "0\n"),))  # 0/2 (0.0), 0//2, 0%2, 0*1, 0*3 all "0"
BROKEN = replace(STRONG, id="t/broken", tests=(TestCase("1\n", "3\n"),))  # the reference fails it


def test_strong_tests_kill_every_mutant_weak_ones_only_the_dropped_print(docker_pool):
    rows = {r.problem_id: r for r in measure([STRONG, WEAK, BROKEN], docker_pool, 2)}
    assert (rows["t/strong"].mutants, rows["t/strong"].killed, rows["t/strong"].score) == (8, 8, 1.0)
    weak = rows["t/weak"]
    assert (weak.mutants, weak.killed, weak.score) == (8, 3, 0.375)  # 0 + 2, 0 - 2 and the dropped print
    assert sorted(weak.survivors) == ["line 1: arithmetic Mult -> Div", "line 1: arithmetic Mult -> FloorDiv",
                                      "line 1: arithmetic Mult -> Mod", "line 1: constant 2 -> 1",
                                      "line 1: constant 2 -> 3"]  # fmt: skip
    assert weak.killed_by == {"wrong_answer": 3}
    assert not rows["t/broken"].reference_accepted and rows["t/broken"].score is None
    (total,) = [row for row in by_source(rows.values()) if row["source"] == "total"]
    assert (total["mutants"], total["killed"], total["mutation_score"], total["references_rejected"]) == (
        16,
        11,
        0.6875,
        1,
    )


def test_settings_are_range_checked():
    with pytest.raises(ValueError, match="mutants_per_problem"):
        StrengthSettings(mutants_per_problem=0)
    with pytest.raises(ValueError, match="time_limit_s"):
        StrengthSettings(time_limit_s=float("nan"))
