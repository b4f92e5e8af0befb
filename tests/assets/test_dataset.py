"""dataset -> dataset_card -> hub_push (dry run) on constructed stage files, in-process."""

from dataclasses import replace

import dagster as dg
import datasets

from assets.dataset import dataset, dataset_card, dataset_is_publishable, hub_push
from pipeline.resources import TrajforgeStorage
from schemas import Problem, Split, Trajectory, Verification, write_parquet
from tests.pipeline.dataset.test_assemble import PROBLEMS, TRAJECTORIES, VERIFICATIONS
from tests.sandbox.conftest import DOUBLE


def test_hub_folder_with_card_loads_every_config(tmp_path):
    data = tmp_path / "data"
    write_parquet(list(PROBLEMS.values()), Problem, data / "problems" / "train.parquet")
    write_parquet([replace(DOUBLE, id="t/held", source_id="held", split=Split.EVAL)], Problem,
                  data / "problems" / "eval.parquet")
    write_parquet(TRAJECTORIES, Trajectory, data / "trajectories" / "shard-000.parquet")
    write_parquet(VERIFICATIONS, Verification, data / "verification" / "shard-000.parquet")
    result = dg.materialize([dataset, dataset_card, hub_push, dataset_is_publishable],
                            resources={"storage": TrajforgeStorage(root=str(data))})
    assert result.success
    (check,) = result.get_asset_check_evaluations()
    assert check.passed, check.metadata
    meta = result.asset_materializations_for_node("dataset")[0].metadata
    assert meta["default_rows"].value == 2 and meta["failed_rows"].value == 3
    push = result.asset_materializations_for_node("hub_push")[0].metadata
    assert push["dry_run"].value is True and push["files"].value >= 4
    hub = data / "hub"
    assert (hub / "README.md").exists() and (hub / "token_lengths.png").exists()
    for name, rows in (("default", 2), ("failed", 3)):
        assert len(datasets.load_dataset(str(hub), name=name, split="train")) == rows
    harmonized = datasets.load_dataset(str(hub), name="length_harmonized", split="train")
    assert {"reward", "weight"} <= set(harmonized.column_names)
