from dataclasses import replace

import datasets
import yaml

from pipeline.dataset.card import write_card
from pipeline.dataset.shard import write_shards
from schemas import DatasetRow, Profile, Verdict, to_table
from tests.factories import ROW


def test_every_config_of_the_folder_loads_by_name(tmp_path):
    default = [
        replace(ROW, id=f"d{i}", profile=Profile.LONG if i % 2 else Profile.SHORT, token_num=10 + i) for i in range(20)
    ]
    failed = [replace(ROW, id=f"f{i}", verdict=Verdict.WRONG_ANSWER, passed=0) for i in range(5)]
    for name, rows in (("default", default), ("failed", failed)):
        write_shards(to_table(rows, DatasetRow), tmp_path, name, target_bytes=2000)
    card = write_card(
        tmp_path,
        "trajforge test set",
        {"default": default, "failed": failed},
        {"dataset: repetitive": 3, "dataset: over_token_budget": 1},
    )
    front = yaml.safe_load(card.read_text().split("---")[1])
    assert [c["config_name"] for c in front["configs"]] == ["default", "failed"]
    assert (tmp_path / "token_lengths.png").stat().st_size > 1000
    text = card.read_text()
    cells = {tuple(c.strip() for c in line.strip("|").split("|")) for line in text.splitlines() if line.startswith("|")}
    assert ("dataset: repetitive", "3") in cells and ("long", "10", "20", "20", "29") in cells
    for name, rows in (("default", default), ("failed", failed)):
        loaded = datasets.load_dataset(str(tmp_path), name=name, split="train")
        assert sorted(loaded["id"]) == sorted(r.id for r in rows)


def test_a_rebuilt_folder_of_the_same_name_is_not_read_from_a_stale_cache(tmp_path):
    # datasets caches a local folder's named configs by the card's YAML (folder name + config),
    # not by the files: two builds in folders called "hub" must still load their own rows.
    cache = tmp_path / "cache"
    for build, count in (("first", 3), ("second", 7)):
        hub = tmp_path / build / "hub"
        rows = [replace(ROW, id=f"{build}{i}") for i in range(count)]
        write_shards(to_table(rows, DatasetRow), hub, "default", target_bytes=1 << 20)
        write_card(hub, "t", {"default": rows}, {})
        loaded = datasets.load_dataset(str(hub), name="default", split="train", cache_dir=str(cache))
        assert sorted(loaded["id"]) == sorted(r.id for r in rows)
