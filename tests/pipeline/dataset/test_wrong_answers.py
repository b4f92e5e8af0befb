"""Sky-T1's wrong-answer control: `default`'s slots filled with complete, verified-wrong responses."""

from dataclasses import replace

import pyarrow.parquet as pq

from pipeline.common.layout import DataLayout
from pipeline.dataset.build import build_dataset
from pipeline.dataset.wrong_answers import wrong_answer_rows
from schemas import DatasetRow, Profile, Verdict
from tests.factories import CALL, DOUBLE

ROW = DatasetRow(
    id="x", question="q", response="r", token_num=10, problem_id=DOUBLE.id, source="t", teacher_model="m",
    profile=Profile.SHORT, verdict=Verdict.ACCEPTED, passed=3, total=3, difficulty="simple", params_hash="h",
    trajectory_id="x",
)  # fmt: skip


def row(rid, problem=DOUBLE, profile=Profile.SHORT, verdict=Verdict.ACCEPTED):
    return replace(ROW, id=rid, trajectory_id=rid, problem_id=problem.id, profile=profile, verdict=verdict)


DEFAULT = [row("d1"), row("d2"), row("d3", profile=Profile.LONG), row("d4", problem=CALL)]
FAILED = [
    row("w1", verdict=Verdict.WRONG_ANSWER),
    row("w2", verdict=Verdict.RUNTIME_ERROR),
    row("w3", verdict=Verdict.SYNTAX_ERROR),
    row("cut-wrong", verdict=Verdict.WRONG_ANSWER),  # cut at max_tokens: incomplete, not "wrong"
    row("cut-passed"),  # its draft passed: in failed only because it was cut
    row("w-long", profile=Profile.LONG, verdict=Verdict.WRONG_ANSWER),
    row("w-other", problem=CALL, profile=Profile.LONG, verdict=Verdict.WRONG_ANSWER),  # not CALL's short slot
]
CUT = {"cut-wrong", "cut-passed"}


def test_each_slot_gets_a_wrong_response_of_its_problem_and_profile():
    rows, empty = wrong_answer_rows(DEFAULT, FAILED, CUT, seed=0)
    # DOUBLE short: 2 slots from {w1, w2, w3}; DOUBLE long: w-long; CALL short: nothing -> empty
    assert empty == 1 and len(rows) == 3
    short = {r.id for r in rows if r.profile is Profile.SHORT}
    assert len(short) == 2 and short <= {"w1", "w2", "w3"}
    assert "w-long" in {r.id for r in rows} and not {r.id for r in rows} & (CUT | {"w-other"})
    assert wrong_answer_rows(DEFAULT, FAILED, CUT, seed=0) == (rows, empty)  # seeded: reproducible
    draws = {frozenset(r.id for r in wrong_answer_rows(DEFAULT, FAILED, CUT, seed=s)[0]) for s in range(20)}
    assert len(draws) > 1  # the seed decides which 2 of the 3


def test_published_only_when_90_percent_of_the_slots_are_filled(tmp_path):
    from pipeline.dataset.build import write_wrong_answers

    outcome = write_wrong_answers(DEFAULT, FAILED, CUT, 0, tmp_path, 1 << 20)
    assert not outcome.published and outcome.changed == 3 and outcome.excluded == 1
    assert "only 3 of 4 default slots" in outcome.note
    full = [*FAILED, row("w-call", problem=CALL, verdict=Verdict.WRONG_ANSWER)]
    outcome = write_wrong_answers(DEFAULT, full, CUT, 0, tmp_path, 1 << 20)
    assert outcome.published and outcome.changed == 4
    (shard,) = outcome.files
    written = pq.read_table(shard).to_pylist()
    assert {r["id"] for r in written} == {r.id for r in outcome.rows_written} and len(written) == 4
    assert all(r["verdict"] != "accepted" for r in written)


def test_the_build_writes_it_beside_default_and_reports_it(tmp_path):
    from tests.factories import PROBLEMS, TRAJECTORIES, VERIFICATIONS, write_stage_files

    layout = write_stage_files(
        DataLayout(tmp_path), PROBLEMS.values(), (), {"shard-000": TRAJECTORIES}, {"shard-000": VERIFICATIONS}
    )
    built = build_dataset(layout, ["shard-000"], harmonize_from="teachers", wrong_answers=True)
    (outcome,) = built.variants
    # default: 2 rows (test_dataset counts them); wrong and complete: only DOUBLE long's "bad"
    assert (outcome.name, outcome.rows, outcome.changed, outcome.published) == ("wrong-answers", 2, 1, False)
    assert "wrong-answers" not in built.files and not (layout.hub_dir() / "wrong-answers").exists()
