from dataclasses import replace

import datasets
import pyarrow.parquet as pq

from pipeline.dataset.shard import write_shards
from schemas import DatasetRow, to_table
from tests.factories import ROW


def _table(n):
    return to_table([replace(ROW, id=f"r{i:04d}", response="x" * 200) for i in range(n)], DatasetRow)


def test_shards_follow_the_hub_layout_and_target_size(tmp_path):
    table = _table(1000)  # rows of equal size: a shard of nbytes / 4 holds exactly 250 of them
    paths = write_shards(table, tmp_path, "default", target_bytes=table.nbytes // 4 + 1)
    assert [p.name for p in paths] == [f"train-{i:05d}-of-00004.parquet" for i in range(4)]
    assert [pq.read_metadata(p).num_rows for p in paths] == [250] * 4
    assert all(p.stat().st_size <= table.nbytes // 4 + 1 for p in paths)
    assert pq.read_schema(paths[0]).metadata[b"trajforge.record"] == b"DatasetRow"


def test_rewrite_with_fewer_shards_leaves_no_stale_files(tmp_path):
    table = _table(100)
    write_shards(table, tmp_path, "default", target_bytes=table.nbytes // 5)
    write_shards(table, tmp_path, "default")
    assert [p.name for p in (tmp_path / "default").iterdir()] == ["train-00000-of-00001.parquet"]


def test_datasets_reads_the_shards_back(tmp_path):
    write_shards(_table(50), tmp_path, "default", target_bytes=2000)
    loaded = datasets.load_dataset("parquet", data_files=str(tmp_path / "default" / "train-*.parquet"), split="train")
    assert len(loaded) == 50 and loaded.column_names[:4] == ["id", "question", "response", "token_num"]


def test_an_empty_config_writes_nothing_and_clears_old_shards(tmp_path):
    write_shards(_table(10), tmp_path, "default")
    assert write_shards(_table(0), tmp_path, "default") == []
    assert not (tmp_path / "default").exists()


def test_where_a_shard_ends_does_not_depend_on_the_batches_written(tmp_path):
    from pipeline.dataset.shard import ShardWriter

    table = to_table([replace(ROW, id=f"r{i}", response="x" * (i % 37)) for i in range(500)], DatasetRow)
    whole = write_shards(table, tmp_path / "a", "default", target_bytes=3000)
    writer = ShardWriter(tmp_path / "b", "default", target_bytes=3000)
    for start in range(0, 500, 7):
        writer.write(table.slice(start, 7))
    batched = writer.close()
    assert len(whole) == len(batched) > 1
    assert [pq.read_table(p).to_pylist() for p in whole] == [pq.read_table(p).to_pylist() for p in batched]
    assert all(pq.read_table(p).nbytes <= 3000 for p in whole)
