import math

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.dataset.pruner import PrunerSettings, SampleOutcome, harmonize
from pipeline.finetune.config import HarmonizeSettings, parse_finetune_recipe
from pipeline.finetune.data import (
    DataError,
    dataset_fingerprint,
    load_config,
    recomputed_weights,
    resolve_source,
    to_example,
    to_examples,
    training_examples,
)
from schemas import DatasetRow, to_table
from tests.pipeline.finetune.conftest import dataset_rows, write_hub_folder


def test_a_row_becomes_one_user_turn_and_one_assistant_turn():
    example = to_example({"id": "a", "question": "Q?", "response": "R.", "weight": 0.5})
    assert example == {
        "prompt": [{"role": "user", "content": "Q?"}],
        "completion": [{"role": "assistant", "content": "R."}],
    }
    assert to_example({"id": "a", "question": "Q?", "response": "R.", "weight": 2}, with_weight=True)["weight"] == 2.0


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"id": "r1", "question": None, "response": "R"}, "row 'r1': column 'question' is missing or empty"),
        ({"id": "r2", "question": "Q", "response": "  "}, "row 'r2': column 'response' is missing or empty"),
        ({"id": "r3", "question": "Q"}, "row 'r3': column 'response'"),
    ],
)
def test_rows_with_a_missing_value_name_the_row_and_column(row, message):
    with pytest.raises(DataError) as info:
        to_example(row)
    assert message in str(info.value)


@pytest.mark.parametrize("weight", [None, math.nan, math.inf, "1"])
def test_harmonized_rows_need_a_finite_weight(weight):
    with pytest.raises(DataError, match="row 'w': column 'weight'"):
        to_example({"id": "w", "question": "Q", "response": "R", "weight": weight}, with_weight=True)


def test_load_a_config_of_a_hub_folder(hub_folder):
    default = load_config(str(hub_folder), "default")
    assert len(default) == 8 and default[0]["id"] == "row-0-0"
    assert len(load_config(str(hub_folder), "length_harmonized", limit=3)) == 3


def test_missing_config_lists_the_configs_present(hub_folder):
    with pytest.raises(DataError) as info:
        load_config(str(hub_folder), "failed")
    assert "config 'failed' not found" in str(info.value)
    assert "['default', 'length_harmonized']" in str(info.value)


def test_empty_config_is_an_error(tmp_path):
    folder = write_hub_folder(tmp_path / "hub", dataset_rows())
    pq.write_table(to_table([], DatasetRow), folder / "default" / "train-00000-of-00001.parquet")
    with pytest.raises(DataError, match="config 'default' is empty"):
        load_config(str(folder), "default")


def test_folder_without_readme_configs_reads_the_shards(tmp_path):
    folder = write_hub_folder(tmp_path / "hub", dataset_rows())
    (folder / "README.md").write_text("# no yaml\n")
    assert len(load_config(str(folder), "length_harmonized")) == 4


def test_sources_are_folders_or_hub_ids(tmp_path):
    assert resolve_source("owner/name") == "owner/name"
    assert resolve_source(str(tmp_path)) == str(tmp_path.resolve())
    with pytest.raises(DataError, match="no such folder"):
        resolve_source(str(tmp_path / "missing"))


def test_sft_examples_drop_everything_but_the_conversation(hub_folder):
    examples = to_examples(load_config(str(hub_folder), "length_harmonized"), "sft")
    assert examples.column_names == ["prompt", "completion"]


def test_harmonized_examples_keep_the_weight(hub_folder):
    examples = to_examples(load_config(str(hub_folder), "length_harmonized"), "length_harmonized")
    assert sorted(examples.column_names) == ["completion", "prompt", "weight"]
    assert examples["weight"] == [1.0, 1.0, 1.0, -1.0] * 2


def test_harmonized_mode_on_a_config_without_weights_says_where_they_are(hub_folder):
    with pytest.raises(DataError, match="length_harmonized config"):
        to_examples(load_config(str(hub_folder), "default"), "length_harmonized")


def test_a_missing_column_is_named(hub_folder):
    dataset = load_config(str(hub_folder), "default").remove_columns(["response"])
    with pytest.raises(DataError, match=r"column\(s\) \['response'\] missing"):
        to_examples(dataset, "sft")


def test_a_null_in_the_parquet_names_the_row(tmp_path):
    folder = tmp_path / "hub"
    (folder / "default").mkdir(parents=True)
    table = pa.table({"id": ["ok", "bad"], "question": ["Q1", "Q2"], "response": ["R1", None]})
    pq.write_table(table, folder / "default" / "train-00000-of-00001.parquet")
    with pytest.raises(DataError, match="row 'bad': column 'response'"):
        to_examples(load_config(str(folder), "default"), "sft")


def test_recomputed_weights_are_the_pruner_weights_over_every_row():
    rows = [
        {"id": r.id, "problem_id": r.problem_id, "token_num": r.token_num, "verdict": r.verdict.value}
        for r in dataset_rows(repeat=2)
    ]
    settings = HarmonizeSettings(weights="recompute", lam=1.0, weight_clip=(-1.0, 2.0))
    weights = recomputed_weights(rows, settings)
    expected = harmonize(
        [SampleOutcome(r["id"], r["problem_id"], r["token_num"], r["verdict"] == "accepted") for r in rows],
        PrunerSettings(lam=1.0, clip_low=-1.0, clip_high=2.0, keep_per_problem=None),
    )
    assert weights == {h.sample_id: h.weight for h in expected} and len(weights) == len(rows)
    with pytest.raises(DataError, match="row 'x': column 'token_num'"):
        recomputed_weights([{"id": "x", "problem_id": "p", "verdict": "accepted"}], settings)


def test_recipe_with_recomputed_weights_loads_the_default_config(hub_folder):
    recipe = parse_finetune_recipe(
        {
            "dataset": str(hub_folder),
            "mode": "length_harmonized",
            "config": "default",
            "harmonize": {"weights": "recompute"},
        }
    )
    examples = training_examples(recipe)
    assert len(examples) == 8 and abs(sum(examples["weight"])) < 1e-9  # z-normalised


def test_fingerprint_follows_the_shards(tmp_path):
    folder = write_hub_folder(tmp_path / "hub", dataset_rows())
    before = dataset_fingerprint(str(folder), "default")
    assert before == dataset_fingerprint(str(folder), "default")
    write_hub_folder(folder, dataset_rows(repeat=2))
    assert dataset_fingerprint(str(folder), "default") != before
    assert dataset_fingerprint("owner/name", "default") is None


def test_a_rebuilt_folder_is_never_read_from_a_stale_cache(tmp_path):
    folder = write_hub_folder(tmp_path / "hub", dataset_rows())
    assert len(load_config(str(folder), "default")) == 4
    write_hub_folder(folder, dataset_rows(repeat=3))  # same README, new shards
    assert len(load_config(str(folder), "default")) == 12
