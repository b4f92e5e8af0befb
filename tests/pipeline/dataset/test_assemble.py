from dataclasses import replace

import pytest

from pipeline.dataset.assemble import AssemblySettings, assemble, difficulty, question_text
from schemas import Profile, Verdict, Verification
from tests.sandbox.conftest import DOUBLE
from tests.schemas.test_validate import CALL, TRAJECTORY

LOOP = "wait let me check the sum again " * 40


def traj(tid, problem, profile, tokens, reasoning="Read n, print 2n."):
    return replace(TRAJECTORY, id=tid, problem_id=problem.id, profile=profile, completion_tokens=tokens,
                   reasoning=f"<think>{reasoning}</think>", answer="```python\nprint(int(input()) * 2)\n```")


def verdict(tid, problem, ok=True):
    return Verification(problem.id, tid, Verdict.ACCEPTED if ok else Verdict.WRONG_ANSWER, 3 if ok else 1, 3, 0.1)


PROBLEMS = {DOUBLE.id: DOUBLE, CALL.id: CALL}
TRAJECTORIES = [
    traj("s1", DOUBLE, Profile.SHORT, 40), traj("s2", DOUBLE, Profile.SHORT, 30), traj("l1", DOUBLE, Profile.LONG, 300),
    traj("l2", DOUBLE, Profile.LONG, 200), traj("bad", DOUBLE, Profile.LONG, 100),
    traj("c1", CALL, Profile.SHORT, 20), traj("c2", CALL, Profile.LONG, 90),
    traj("loop", CALL, Profile.LONG, 500, reasoning=LOOP), traj("big", CALL, Profile.LONG, 9000),
    traj("unverified", CALL, Profile.SHORT, 10),
]
VERIFICATIONS = [verdict(t, DOUBLE) for t in ("s1", "s2", "l1", "l2")] + [verdict("bad", DOUBLE, ok=False)] + [
    verdict("c1", CALL, ok=False), verdict("c2", CALL, ok=False), verdict("loop", CALL), verdict("big", CALL)]


def test_shortest_accepted_per_profile_failed_kept_apart_and_removals_counted():
    result = assemble(PROBLEMS, TRAJECTORIES, VERIFICATIONS)
    assert sorted(r.id for r in result.accepted) == ["l2", "s2"]
    assert sorted(r.id for r in result.failed) == ["bad", "c1", "c2"]
    assert result.removed == {"not verified": 1, "repetitive reasoning": 1, "over the token budget": 1}
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
