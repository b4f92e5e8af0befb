"""`length_harmonized` is computed on the model being tuned's own samples (O1-Pruner), not the
teachers'; every expected value below is worked out by hand from the paper's formula."""

import datasets
import pyarrow.parquet as pq
import pytest

from pipeline.common.layout import DataLayout
from pipeline.dataset.build import build_dataset
from pipeline.dataset.pruner import PrunerSettings
from pipeline.orchestration.partitions import problem_shards
from schemas import Profile
from tests.factories import CALL, DOUBLE, PROBLEMS, TRAJECTORIES, VERIFICATIONS, traj, verdict, write_stage_files

SAMPLED = {
    "reference_model": "HuggingFaceTB/SmolLM2-135M-Instruct",
    "reference_k": 2,
    "reference_temperature": 0.5,
    "reference_top_p": 0.8,
    "reference_max_tokens": 256,
}
# DOUBLE: lengths 100 (passes) and 300 (fails) -> L_ref = 200, A_ref = 0.5
# CALL: lengths 50 and 150, both pass -> L_ref = 100, A_ref = 1
REFERENCE = [
    traj("r-d1", DOUBLE, Profile.REFERENCE, 100),
    traj("r-d2", DOUBLE, Profile.REFERENCE, 300),
    traj("r-c1", CALL, Profile.REFERENCE, 50),
    traj("r-c2", CALL, Profile.REFERENCE, 150),
]
REFERENCE_VERDICTS = [
    verdict("r-d1", DOUBLE),
    verdict("r-d2", DOUBLE, ok=False),
    verdict("r-c1", CALL),
    verdict("r-c2", CALL),
]
# R = L_ref / L - 1 + 2 (A - A_ref), lambda = 2
EXPECTED_REWARD = {
    "r-d1": 200 / 100 - 1 + 2 * (1 - 0.5),  # 2.0
    "r-d2": 200 / 300 - 1 + 2 * (0 - 0.5),  # -1.333...
    "r-c1": 100 / 50 - 1 + 2 * (1 - 1),  # 1.0
    "r-c2": 100 / 150 - 1 + 2 * (1 - 1),  # -0.333...
}


def stage_files(tmp_path, reference=(REFERENCE, REFERENCE_VERDICTS, SAMPLED)) -> DataLayout:
    shards = problem_shards.get_partition_keys()
    return write_stage_files(
        DataLayout(tmp_path / "data"),
        PROBLEMS.values(),
        trajectories={shards[0]: TRAJECTORIES, **{s: [] for s in shards[1:]}},
        verifications={shards[0]: VERIFICATIONS, **{s: [] for s in shards[1:]}},
        reference=reference,
    )


def test_length_harmonized_rewards_come_from_the_reference_samples(tmp_path):
    layout = stage_files(tmp_path)
    built = build_dataset(layout, problem_shards.get_partition_keys(), pruner=PrunerSettings(keep_per_problem=None))
    table = pq.read_table(built.files["length_harmonized"][0]).to_pylist()
    assert {r["id"]: pytest.approx(r["reward"]) for r in table} == EXPECTED_REWARD  # no teacher row in it
    assert all(r["profile"] == "reference" for r in table)
    for row in table:
        assert {k: row[k] for k in SAMPLED} == SAMPLED
    # the weight is the clipped reward z-normalised over the rows: mean 0, population sd 1
    weights = [r["weight"] for r in table]
    assert sum(weights) == pytest.approx(0.0, abs=1e-9)
    assert sum(w * w for w in weights) / len(weights) == pytest.approx(1.0)
    loaded = datasets.load_dataset("parquet", data_files=[str(p) for p in built.files["length_harmonized"]])["train"]
    assert set(loaded["reference_k"]) == {2} and set(loaded["reference_top_p"]) == {0.8}


def test_a_cut_reference_sample_counts_as_wrong_and_no_z1_filter_drops_samples(tmp_path):
    from dataclasses import replace

    cut = replace(traj("r-c2", CALL, Profile.REFERENCE, 150), truncated=True, finish_reason="length")
    looping = traj("r-c1", CALL, Profile.REFERENCE, 50, reasoning="wait let me check again " * 80)
    layout = stage_files(tmp_path, ([*REFERENCE[:2], looping, cut], REFERENCE_VERDICTS, SAMPLED))
    built = build_dataset(layout, problem_shards.get_partition_keys(), pruner=PrunerSettings(keep_per_problem=None))
    reward = {r["id"]: r["reward"] for r in pq.read_table(built.files["length_harmonized"][0]).to_pylist()}
    # CALL: A_ref = 0.5 now (the cut one is wrong though its draft passed); the looping one stays in
    assert reward["r-c1"] == pytest.approx(100 / 50 - 1 + 2 * (1 - 0.5))
    assert reward["r-c2"] == pytest.approx(100 / 150 - 1 + 2 * (0 - 0.5))


def test_teacher_samples_are_an_explicitly_named_option(tmp_path):
    layout = stage_files(tmp_path)
    shards = problem_shards.get_partition_keys()
    built = build_dataset(layout, shards, pruner=PrunerSettings(keep_per_problem=None), harmonize_from="teachers")
    ids = {r["id"] for r in pq.read_table(built.files["length_harmonized"][0]).to_pylist()}
    assert ids and not ids & set(EXPECTED_REWARD) and ids <= {t.id for t in TRAJECTORIES}
    with pytest.raises(ValueError, match="harmonize_from"):
        build_dataset(layout, shards, harmonize_from="students")


def test_without_reference_samples_length_harmonized_is_not_written(tmp_path):
    layout = stage_files(tmp_path, reference=None)
    layout.write_manifest("reference_samples", [])  # the stage ran with reference.enabled: false
    built = build_dataset(layout, problem_shards.get_partition_keys())
    assert "length_harmonized" not in built.files and built.rows["default"]
    assert not (layout.hub_dir() / "length_harmonized").exists()
