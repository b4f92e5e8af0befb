from dataclasses import replace

import pytest

from pipeline.dataset.assemble import AssemblySettings, assemble, difficulty, question_text
from schemas import Verdict
from tests.factories import CALL, DOUBLE, PROBLEMS, TRAJECTORIES, VERIFICATIONS


def test_shortest_accepted_per_profile_failed_kept_apart_and_removals_counted():
    result = assemble(PROBLEMS, TRAJECTORIES, VERIFICATIONS)
    assert sorted(r.id for r in result.accepted) == ["l2", "s2"]
    assert sorted(r.id for r in result.failed) == ["bad", "c1", "c2"]
    assert result.removed == {"not_verified": 1, "repetitive": 1, "over_token_budget": 1}
    row = next(r for r in result.accepted if r.id == "s2")
    assert "<think>" not in row.response and row.response.startswith("Read n, print 2n.")
    assert (row.verdict, row.passed, row.total, row.token_num, row.source) == (Verdict.ACCEPTED, 3, 3, 30, "t")


def test_all_accepted_selection_and_difficulty_labels():
    result = assemble(PROBLEMS, TRAJECTORIES, VERIFICATIONS, AssemblySettings(selection="all"))
    assert sorted(r.id for r in result.accepted) == ["l1", "l2", "s1", "s2"]
    assert {r.difficulty for r in result.accepted} == {"simple"}  # 4 of 5 verified samples passed
    assert {r.difficulty for r in result.failed if r.problem_id == CALL.id} == {"complex"}
    assert difficulty(0.5, AssemblySettings()) == "medium"
    with pytest.raises(ValueError, match="selection"):
        assemble(PROBLEMS, TRAJECTORIES, VERIFICATIONS, AssemblySettings(selection="longest"))


def test_question_includes_the_code_to_complete():
    assert question_text(DOUBLE) == DOUBLE.statement
    call = replace(CALL, starter_code="def add(a, b):")
    assert question_text(call).endswith("```python\ndef add(a, b):\n```")
