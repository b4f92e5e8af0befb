"""dataset -> dataset_card -> hub_push (dry run) on constructed stage files, in-process."""

from dataclasses import replace

import dagster as dg
import datasets

from assets.dataset import card_names_no_local_path, dataset, dataset_card, dataset_is_publishable, hub_push
from pipeline.common.layout import DataLayout
from pipeline.orchestration.partitions import problem_shards
from pipeline.orchestration.resources import TeacherResource, TrajforgeStorage
from schemas import Split
from tests.factories import DOUBLE, PROBLEMS, TRAJECTORIES, VERIFICATIONS, write_stage_files
from tests.pipeline.dataset.test_build import REFERENCE, REFERENCE_VERDICTS, SAMPLED


def test_hub_folder_with_card_loads_every_config(tmp_path):
    data = tmp_path / "data"
    held = replace(DOUBLE, id="t/held", source_id="held", split=Split.EVAL, license="Apache-2.0")
    shards = problem_shards.get_partition_keys()
    licensed = [replace(p, license="Apache-2.0" if p.source == "t" else "MIT") for p in PROBLEMS.values()]
    write_stage_files(
        DataLayout(data),
        licensed,
        [held],
        {shards[0]: TRAJECTORIES, **{s: [] for s in shards[1:]}},
        {shards[0]: VERIFICATIONS, **{s: [] for s in shards[1:]}},
        reference=(REFERENCE, REFERENCE_VERDICTS, SAMPLED),
    )
    config = {"ops": {"dataset": {"config": {"variants": ["digits:1.0", "shuffle:1.0"], "variant_seed": 3,
                                             "harmonizing_lambda": 5.0}}}}  # fmt: skip
    result = dg.materialize(
        [dataset, dataset_card, hub_push, dataset_is_publishable, card_names_no_local_path],
        run_config=config,
        resources={"storage": TrajforgeStorage(root=str(data)), "teacher": TeacherResource()},
    )
    assert result.success
    checks = result.get_asset_check_evaluations()
    assert len(checks) == 2 and all(c.passed for c in checks), [c.metadata for c in checks]
    meta = result.asset_materializations_for_node("dataset")[0].metadata
    assert meta["default_rows"].value == 2 and meta["failed_rows"].value == 3
    histogram = meta["token_lengths"].value.records
    assert sum(r.data["short"] + r.data["long"] for r in histogram) == 2
    assert sum(r.data["rows"] for r in meta["per_difficulty"].value.records) == 2
    push = result.asset_materializations_for_node("hub_push")[0].metadata
    assert push["dry_run"].value is True and push["files"].value >= 4 and push["blocked"].value == "no"
    hub = data / "hub"
    assert (hub / "README.md").exists() and (hub / "token_lengths.png").exists()
    for name, rows in (("default", 2), ("failed", 3)):
        assert len(datasets.load_dataset(str(hub), name=name, split="train")) == rows
    harmonized = datasets.load_dataset(str(hub), name="length_harmonized", split="train")
    assert {"reward", "weight", "reference_model", "reference_k"} <= set(harmonized.column_names)
    assert set(harmonized["id"]) <= {t.id for t in REFERENCE} and set(harmonized["harmonizing_lambda"]) == {5.0}
    digits = datasets.load_dataset(str(hub), name="digits-100", split="train")
    assert set(digits["perturbation"]) == {"digits"} and set(digits["rate"]) == {1.0}
    assert all("print(int(input()) * 2)" not in r for r in digits["response"])  # the code's numbers too (the paper)
    # each default response has one thinking step ("Read n, print 2n."): shuffling changes nothing,
    # so shuffle-100 is not published as if perturbed, and the card says why
    assert not (hub / "shuffle-100").exists()
    card = (hub / "README.md").read_text()
    assert "| shuffle-100 |" in card and "not published" in card and "| digits-100  |" in card
    assert "lambda = 5.0" in card and "K = 2 samples per problem from `HuggingFaceTB/SmolLM2-135M-Instruct`" in card
    assert_trustworthy_card(hub, data)


def assert_trustworthy_card(hub, data):
    """Issue #20: metadata the Hub parses, provenance, citations, reproducibility, no local paths."""
    import json

    import polars as pl
    from huggingface_hub import DatasetCard

    card = DatasetCard.load(hub / "README.md")
    meta = card.data.to_dict()
    assert meta["license"] == "other" and "t: Apache-2.0" in meta["license_name"]  # sources' licenses differ
    assert [c["config_name"] for c in meta["configs"]][:2] == ["default", "failed"]
    assert meta["size_categories"] == ["n<1K"] and "text-generation" in meta["task_categories"]
    text = card.text
    for needed in (
        "### Teachers",
        "HuggingFaceTB/SmolLM2-135M-Instruct",
        "| temperature",
        "### Removals by stage",
        "@misc{yu2025z1",
        "@misc{luo2025o1pruner",
        "@misc{li2025llms",
        "trajforge run --recipe recipe.yaml",
    ):
        assert needed in text, needed
    manifest = json.loads((hub / "manifest.json").read_text())
    assert {"problems", "trajectories", "verification"} <= {f["stage"] for f in manifest["inputs"]}
    assert all(len(f["sha256"]) == 64 and not f["path"].startswith("/") for f in manifest["inputs"])
    assert "teacher:" in (hub / "recipe.yaml").read_text() and (hub / "LICENSE.md").exists()
    local = (str(data), str(data.parent), "/root/", "/home/", "/tmp/")
    for path in hub.rglob("*"):
        if path.suffix in (".md", ".yaml", ".json"):
            assert not any(marker in path.read_text() for marker in local), path
        if path.suffix == ".parquet":
            frame = pl.read_parquet(path)
            for column in [c for c, t in frame.schema.items() if t == pl.String]:
                assert not frame[column].str.contains("|".join(local), literal=False).any(), (path, column)


def test_launchpad_config_is_the_settings_declaration_and_validates_through_it(tmp_path):
    from assets.dataset import DatasetConfig
    from pipeline.dataset.settings import DatasetSettings

    fields = DatasetSettings.__pydantic_fields__
    assert set(DatasetConfig.model_fields) == set(fields)
    assert all(DatasetConfig.model_fields[n].description == fields[n].description for n in fields)
    config = {"ops": {"dataset": {"config": {"token_budget": 0, "variants": ["digits"]}}}}
    result = dg.materialize(
        [dataset],
        run_config=config,
        raise_on_error=False,
        resources={"storage": TrajforgeStorage(root=str(tmp_path)), "teacher": TeacherResource()},
    )
    assert not result.success
    failure = result.failure_data_for_node("dataset").error.message
    assert "dataset config.token_budget: must be >= 1, got 0" in failure
    assert "dataset config.variants" in failure
