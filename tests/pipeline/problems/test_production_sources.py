"""`recipes/production.yaml` pointed at local copies laid out like the Hub repos: `limit: 5` on each
source reads about 5 rows, and only the requested split's files are opened (the others are
replaced by garbage here, so opening one would fail the run)."""

import shutil

import yaml

from pipeline.common.layout import DataLayout
from pipeline.common.settings import RECIPES_DIR
from pipeline.problems.build import build_problems
from pipeline.problems.report import summarize
from pipeline.problems.settings import parse_problems_recipe
from pipeline.problems.sources.registry import source_spec
from tests.pipeline.problems.sources.conftest import repo_of
from tests.pipeline.problems.sources.hub_layout import build

NOT_REQUESTED = [  # files of other splits than the production recipe asks for
    "codeparrot/apps/test.jsonl",
    "BAAI/TACO/test/data-00000-of-00001.arrow",
    "deepmind/code_contests/data/valid-00000-of-00001.parquet",
    "deepmind/code_contests/data/test-00000-of-00001.parquet",
    "google-research-datasets/mbpp/full/train-00000-of-00001.parquet",
    "google-research-datasets/mbpp/full/validation-00000-of-00001.parquet",
    "google-research-datasets/mbpp/sanitized/test-00000-of-00001.parquet",
    "open-r1/codeforces/verifiable/test-00000-of-00001.parquet",
    "open-r1/codeforces/default/train-00000-of-00001.parquet",  # another config
]


def _local_recipe(hub) -> dict:
    section = yaml.safe_load((RECIPES_DIR / "production.yaml").read_text())["problems"]
    for entry in [*section["sources"], *section["decontamination"]["benchmarks"]]:
        entry.update(path=str(hub / repo_of(source_spec(entry["name"]))), limit=5)
    return section


def test_production_sources_read_five_rows_of_the_requested_split_only(tmp_path):
    hub = build(tmp_path / "hub")
    for name in NOT_REQUESTED:
        (hub / name).write_bytes(b"not a data file")
    # a second training shard after the first's rows: with limit 5 it is never reached
    contests = hub / "deepmind/code_contests/data"
    shutil.move(contests / "train-00000-of-00001.parquet", contests / "train-00000-of-00002.parquet")
    (contests / "train-00001-of-00002.parquet").write_bytes(b"never read")
    recipe = parse_problems_recipe(_local_recipe(hub))
    log: list[str] = []
    result = build_problems(recipe, DataLayout(tmp_path / "data"), log=log.append)
    per_source = summarize(result)["per_source"]
    assert {name: counts["read"] for name, counts in per_source.items()} == {
        "taco": 5, "apps": 5, "code_contests": 5, "open_r1": 4, "codeforces": 5,
        "evol_instruct": 3,
    }  # fmt: skip
    assert any(line.startswith("benchmark livecodebench: 5 statements") for line in log)
    assert result.train_rows > 0
