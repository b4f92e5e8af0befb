from dataclasses import replace

import datasets
import polars as pl
import yaml

from pipeline.dataset.card import SUMMARY_COLUMNS, config_summaries, write_card
from pipeline.dataset.shard import write_shards
from schemas import DatasetRow, Profile, Verdict, to_table
from tests.factories import ROW


def summary(rows):
    return pl.from_arrow(to_table(rows, DatasetRow)).select(SUMMARY_COLUMNS)


def test_every_config_of_the_folder_loads_by_name(tmp_path):
    default = [
        replace(ROW, id=f"d{i}", profile=Profile.LONG if i % 2 else Profile.SHORT, token_num=10 + i) for i in range(20)
    ]
    failed = [replace(ROW, id=f"f{i}", verdict=Verdict.WRONG_ANSWER, passed=0) for i in range(5)]
    files = {
        name: write_shards(to_table(rows, DatasetRow), tmp_path, name, target_bytes=2000)
        for name, rows in (("default", default), ("failed", failed))
    }
    card = write_card(
        tmp_path,
        "trajforge test set",
        config_summaries(files),
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
        write_card(hub, "t", {"default": summary(rows)}, {})
        loaded = datasets.load_dataset(str(hub), name="default", split="train", cache_dir=str(cache))
        assert sorted(loaded["id"]) == sorted(r.id for r in rows)


def test_sources_section_shows_reference_pass_rates_per_source(tmp_path):
    from collections import Counter

    from pipeline.dataset.card import source_rows

    counts = {"read": 10, "normalized": 8, "quarantined": 2, "duplicates": 1, "contaminated": 0, "with_reference": 8,
              "without_tests": 0, "train": 6, "eval": 1, "quarantine_reasons": {"input_output": 2}}  # fmt: skip
    per_source = {"per_source": {"apps": counts, "taco": {**counts, "read": 4, "quarantined": 0}}}
    rows = source_rows(per_source, {"apps": Counter(accepted=5, wrong_answer=3), "taco": Counter(accepted=8)})
    assert [(r["source"], r["read"], r["references_run"], r["references_accepted"]) for r in rows] == [
        ("apps", 10, 8, 5), ("taco", 4, 8, 8), ("total", 14, 16, 13),
    ]  # fmt: skip
    card = write_card(tmp_path, "t", {"default": summary([ROW])}, {}, rows).read_text()
    section = card.split("## Sources")[1].split("##")[0]
    cells = [[c.strip() for c in line.strip("|").split("|")] for line in section.splitlines() if line.startswith("|")]
    assert cells[0][-2:] == ["references_run", "references_accepted"] and cells[2][:2] == ["apps", "10"]
    assert cells[-1][0] == "total" and cells[-1][-2:] == ["16", "13"]


def test_the_card_shows_tpr_tnr_and_mutation_score_per_source(tmp_path):
    from pipeline.strength.report import frame
    from tests.pipeline.strength.test_report import row

    strength = frame([row("humaneval/1", "humaneval", True, 10, 8, 10, 4, 1, 4, amplified_tests=60),
                      row("stdio_builtin/1", "stdio_builtin", True, 5, 5, None, 0, 0, None)])  # fmt: skip
    card = write_card(tmp_path, "t", {"default": summary([ROW])}, {}, strength=strength).read_text()
    section = card.split("## Test strength")[1].split("\n## ")[0]
    cells = [[c.strip() for c in line.strip("|").split("|")] for line in section.splitlines() if line.startswith("|")]
    header, rows = cells[0], {r[0]: dict(zip(cells[0], r)) for r in cells[2:]}
    assert {"tpr", "tnr", "mutation_score", "tnr_amplified", "mutation_score_amplified"} <= set(header)
    assert (rows["humaneval"]["tpr"], rows["humaneval"]["tnr"], rows["humaneval"]["mutation_score"]) == (
        "1.0", "0.25", "0.8")  # fmt: skip
    assert rows["humaneval"]["mutation_score_amplified"] == "1.0" and rows["stdio_builtin"]["tnr"] == ""
    assert rows["total"]["mutation_score"] == "0.8667"  # (8 + 5) / 15
    assert "## Test strength" not in write_card(tmp_path, "t", {"default": summary([ROW])}, {}).read_text()
