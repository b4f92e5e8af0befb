"""Sky-T1's wrong-answer control: `default`'s slots filled with complete, verified-wrong responses."""

from dataclasses import replace

import polars as pl
import pyarrow.parquet as pq

from pipeline.common.layout import DataLayout
from pipeline.dataset.build import build_dataset
from pipeline.dataset.wrong_answers import unpublished_note, wrong_answer_picks
from schemas import DatasetRow, Profile, Verdict, to_table
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


def wrong_answer_rows(default, failed, cut, seed):
    """The picks as rows of `failed`, in publishing order."""
    frame = pl.from_arrow(to_table(failed, DatasetRow)).with_columns(pl.col("id").is_in(sorted(cut)).alias("cut"))
    picks, empty = wrong_answer_picks(pl.from_arrow(to_table(default, DatasetRow)), frame, seed)
    by_id = {r.id: r for r in failed}
    return [by_id[i] for i in picks.sort("pick")["id"]], empty


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
    from tests.factories import PROBLEMS, TRAJECTORIES, VERIFICATIONS, traj, verdict, write_stage_files

    assert "only 3 of 4 default slots" in unpublished_note(4, 3)
    assert unpublished_note(10, 9) == "" and unpublished_note(0, 0) != ""
    # DOUBLE long's one slot (l2) gets "bad"; DOUBLE short's (s2) gets the added wrong one: 2 of 2
    extra = replace(traj("w-short", DOUBLE, Profile.SHORT, 40), reasoning="Read n, print 3n.")
    layout = write_stage_files(DataLayout(tmp_path), PROBLEMS.values(), (), {"shard-000": [*TRAJECTORIES, extra]},
                               {"shard-000": [*VERIFICATIONS, verdict("w-short", DOUBLE, ok=False)]})  # fmt: skip
    built = build_dataset(layout, ["shard-000"], harmonize_from="teachers", wrong_answers=True)
    (outcome,) = built.variants
    assert outcome.published and outcome.changed == 2
    written = [row for p in built.files["wrong-answers"] for row in pq.read_table(p).to_pylist()]
    assert sorted(r["id"] for r in written) == ["bad", "w-short"] and all(r["verdict"] != "accepted" for r in written)


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
