"""DataLayout hand-offs: manifests, not globs; hashes checked; duplicated ids refused."""

from dataclasses import replace

import pytest

from pipeline.common.layout import DataLayout, ManifestError, require_unique
from pipeline.dataset.build import build_dataset, read_stage_frames
from schemas import Trajectory, Verification, write_parquet
from tests.factories import PROBLEMS, TRAJECTORIES, VERIFICATIONS, write_stage_files


def test_a_stale_shard_of_an_earlier_run_with_more_shards_is_not_read(tmp_path):
    layout = write_stage_files(
        DataLayout(tmp_path),
        PROBLEMS.values(),
        (),
        {"shard-000": TRAJECTORIES, "shard-001": TRAJECTORIES[:3]},
        {"shard-000": VERIFICATIONS, "shard-001": VERIFICATIONS[:3]},
    )
    # the earlier run had 2 shards; this one has 1, so shard-001 (files and manifest) is stale
    _, trajectories, verifications = read_stage_frames(layout, ["shard-000"])
    assert sorted(trajectories["id"]) == sorted(t.id for t in TRAJECTORIES)
    assert verifications.height == len(VERIFICATIONS)
    built = build_dataset(layout, ["shard-000"], harmonize_from="teachers")
    assert built.rows["default"] == 2 and built.rows["failed"] == 3


def test_a_stray_shard_file_without_a_manifest_is_never_read(tmp_path):
    layout = write_stage_files(
        DataLayout(tmp_path), PROBLEMS.values(), (), {"shard-000": TRAJECTORIES}, {"shard-000": VERIFICATIONS}
    )
    write_parquet(TRAJECTORIES, Trajectory, layout.trajectories_file("shard-009"))
    _, trajectories, _ = read_stage_frames(layout, ["shard-000"])
    assert trajectories.height == len(TRAJECTORIES)


def test_a_duplicated_trajectory_id_across_shards_stops_the_hand_off(tmp_path):
    layout = write_stage_files(
        DataLayout(tmp_path),
        PROBLEMS.values(),
        (),
        {"shard-000": TRAJECTORIES, "shard-001": TRAJECTORIES[:1]},
        {"shard-000": VERIFICATIONS, "shard-001": []},
    )
    with pytest.raises(ManifestError, match=r"trajectories of shards.*1 duplicated id.*'s1'"):
        read_stage_frames(layout, ["shard-000", "shard-001"])


def test_a_duplicated_verdict_stops_the_hand_off(tmp_path):
    layout = write_stage_files(
        DataLayout(tmp_path),
        PROBLEMS.values(),
        (),
        {"shard-000": TRAJECTORIES},
        {"shard-000": [*VERIFICATIONS, replace(VERIFICATIONS[0], passed=0)]},
    )
    with pytest.raises(ManifestError, match="verifications"):
        read_stage_frames(layout, ["shard-000"])


def test_a_missing_shard_is_an_error_naming_it(tmp_path):
    layout = write_stage_files(
        DataLayout(tmp_path), PROBLEMS.values(), (), {"shard-000": TRAJECTORIES}, {"shard-000": VERIFICATIONS}
    )
    with pytest.raises(ManifestError, match=r"trajectories \[shard-001\] has not been produced"):
        read_stage_frames(layout, ["shard-000", "shard-001"])


def test_a_file_changed_after_its_manifest_was_written_is_refused(tmp_path):
    layout = write_stage_files(
        DataLayout(tmp_path), PROBLEMS.values(), (), {"shard-000": TRAJECTORIES}, {"shard-000": VERIFICATIONS}
    )
    write_parquet(VERIFICATIONS[:1], Verification, layout.verification_file("shard-000"))
    with pytest.raises(ManifestError, match="changed after verification wrote it"):
        read_stage_frames(layout, ["shard-000"])


def test_manifest_records_rows_and_relative_paths(tmp_path):
    layout = write_stage_files(DataLayout(tmp_path), PROBLEMS.values(), ())
    manifest = layout.read_manifest("problems")
    assert [(f.path, f.rows) for f in manifest.files] == [("problems/train.parquet", 2), ("problems/eval.parquet", 0)]


def test_require_unique_names_the_duplicates():
    require_unique(["a", "b"], "things")
    with pytest.raises(ManifestError, match=r"things: 2 duplicated id\(s\), e.g. \['a', 'a'\]"):
        require_unique(["a", "b", "a", "a"], "things")
