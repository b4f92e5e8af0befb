"""The card's provenance: licenses, size buckets, sources read from the problems files, recipes
without local paths."""

from dataclasses import replace

import pytest
from huggingface_hub import DatasetCard

from pipeline.dataset.provenance import (
    CardProvenance,
    SourceProvenance,
    card_data,
    license_fields,
    provenance_sections,
    read_sources,
    size_category,
    unknown_licenses,
)
from pipeline.dataset.reproduce import without_local_paths
from schemas import Problem, write_parquet
from tests.factories import CALL, DOUBLE

APACHE = SourceProvenance("taco", "BAAI/TACO", "Apache-2.0", 10)
MIT = SourceProvenance("apps", "codeparrot/apps", "MIT", 5)
UNKNOWN = SourceProvenance("mine", "my/set", "unknown", 1)


def test_one_license_is_named_mixed_ones_are_other_with_each_listed():
    assert license_fields([APACHE, replace(APACHE, source="x")]) == {"license": "apache-2.0"}
    mixed = license_fields([APACHE, MIT])
    assert mixed["license"] == "other" and mixed["license_name"] == "mixed (taco: Apache-2.0, apps: MIT)"
    assert license_fields([UNKNOWN])["license"] == "other" and unknown_licenses([APACHE, UNKNOWN]) == ["mine"]
    assert unknown_licenses([replace(APACHE, license="Apache-2.0, unknown")]) == ["taco"]  # one problem is enough


@pytest.mark.parametrize(("rows", "bucket"), [(0, "n<1K"), (999, "n<1K"), (1_000, "1K<n<10K"),
                                              (107_000, "100K<n<1M"), (2_000_000, "1M<n<10M")])  # fmt: skip
def test_size_categories_are_the_hubs_buckets(rows, bucket):
    assert size_category(rows) == bucket


def test_sources_come_from_the_problems_files(tmp_path):
    rows = [
        replace(DOUBLE, license="Apache-2.0", dataset="org/double"),
        replace(CALL, license="MIT", dataset="BAAI/TACO"),
    ]
    train = write_parquet(rows, Problem, tmp_path / "train.parquet")
    held = write_parquet([replace(CALL, id="taco/q-2", license="MIT", dataset="BAAI/TACO")], Problem,
                         tmp_path / "eval.parquet")  # fmt: skip
    assert read_sources([train, held]) == [SourceProvenance("t", "org/double", "Apache-2.0", 1),
                                           SourceProvenance("taco", "BAAI/TACO", "MIT", 2)]  # fmt: skip


def test_the_metadata_parses_with_huggingface_hub(tmp_path):
    configs = [{"config_name": "default", "data_files": [{"split": "train", "path": "default/train-*.parquet"}]}]
    data = card_data(configs, [], [APACHE, SourceProvenance("stdio", "trajforge/stdio (embedded)", "MIT", 3)], 12,
                     "t")  # fmt: skip
    provenance = CardProvenance(sources=(APACHE,), teachers=({"profile": "short", "model": "Qwen/QwQ-32B"},))
    (tmp_path / "README.md").write_text(f"---\n{data.to_yaml()}\n---\n" + provenance_sections(provenance))
    card = DatasetCard.load(tmp_path / "README.md")
    assert card.data.source_datasets == ["BAAI/TACO"]  # a package, not a Hub id, is left out
    assert card.data.configs == configs and "Qwen/QwQ-32B" in card.text and "@misc{li2023taco" in card.text


def test_recipes_are_published_without_local_paths():
    recipe = {"problems": {"sources": [{"name": "apps", "data_files": "/home/me/apps.jsonl"},
                                       {"name": "taco", "path": "./mirror/taco"}]},
              "teacher": {"model": "~/models/qwen", "base_urls": ["http://gpu:8000/v1"]}}  # fmt: skip
    clean = without_local_paths(recipe)
    assert clean["problems"]["sources"][0]["data_files"] == "<local>/apps.jsonl"
    assert clean["problems"]["sources"][1]["path"] == "<local>/taco"
    assert clean["teacher"]["model"] == "<local>/qwen" and clean["teacher"]["base_urls"] == ["http://gpu:8000/v1"]


def test_every_source_the_production_recipe_reads_is_cited_in_the_card():
    import yaml

    from pipeline.common.settings import RECIPES_DIR
    from pipeline.dataset.provenance import SOURCE_CITATIONS, citations_markdown

    sources = yaml.safe_load((RECIPES_DIR / "production.yaml").read_text())["problems"]["sources"]
    names = [entry["name"] for entry in sources]
    assert "codeforces" in names and not [name for name in names if name not in SOURCE_CITATIONS]
    cited = citations_markdown([SourceProvenance(name, "hub/repo", "MIT", 1) for name in names])
    assert cited.count("@misc{") == 3 + len(names)  # Z1, O1-Pruner, Sky-T1, then one per source
    assert "penedo2025codeforces" in cited and "url{https://huggingface.co/datasets/open-r1/codeforces}" in cited
