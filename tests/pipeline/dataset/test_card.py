from dataclasses import replace

import datasets
import yaml

from pipeline.dataset.card import write_card
from pipeline.dataset.shard import write_shards
from schemas import DatasetRow, Profile, Verdict, to_table
from tests.schemas.test_validate import ROW


def test_every_config_of_the_folder_loads_by_name(tmp_path):
    default = [replace(ROW, id=f"d{i}", profile=Profile.LONG if i % 2 else Profile.SHORT, token_num=10 + i)
               for i in range(20)]
    failed = [replace(ROW, id=f"f{i}", verdict=Verdict.WRONG_ANSWER, passed=0) for i in range(5)]
    for name, rows in (("default", default), ("failed", failed)):
        write_shards(to_table(rows, DatasetRow), tmp_path, name, target_bytes=2000)
    card = write_card(tmp_path, "trajforge test set", {"default": default, "failed": failed},
                      {"repetitive reasoning": 3, "over the token budget": 1})
    front = yaml.safe_load(card.read_text().split("---")[1])
    assert [c["config_name"] for c in front["configs"]] == ["default", "failed"]
    assert (tmp_path / "token_lengths.png").stat().st_size > 1000
    text = card.read_text()
    assert "| repetitive reasoning | 3 |" in text and "| long | 10 |" in text
    for name, rows in (("default", default), ("failed", failed)):
        loaded = datasets.load_dataset(str(tmp_path), name=name, split="train")
        assert sorted(loaded["id"]) == sorted(r.id for r in rows)
