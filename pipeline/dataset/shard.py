"""Hub layout: `{config}/train-0000i-of-0000n.parquet`, shards near a target size.

A table with no rows writes no shard at all (and removes the old ones): `datasets` cannot load
an empty parquet file, so an empty config is simply absent from the folder and its card.

Shard count comes from the table's in-memory size (parquet compresses, so files come out smaller
than the target, never larger than the Hub's comfortable ~500 MB). Writing a config first removes
its previous shards, so a re-run with fewer shards leaves no stale file behind.
"""

from __future__ import annotations

import math
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from schemas.atomic import atomic_path

DEFAULT_TARGET_BYTES = 256 * 1024 * 1024


def shard_paths(out_dir: Path, config: str, count: int, split: str = "train") -> list[Path]:
    return [out_dir / config / f"{split}-{i:05d}-of-{count:05d}.parquet" for i in range(count)]


def write_shards(
    table: pa.Table, out_dir: str | Path, config: str, target_bytes: int = DEFAULT_TARGET_BYTES, split: str = "train"
) -> list[Path]:
    if target_bytes <= 0:
        raise ValueError(f"target_bytes must be positive, got {target_bytes}")
    out_dir = Path(out_dir)
    folder = out_dir / config
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob(f"{split}-*.parquet"):
        stale.unlink()
    if table.num_rows == 0:
        folder.rmdir() if not any(folder.iterdir()) else None
        return []
    count = min(max(1, math.ceil(table.nbytes / target_bytes)), table.num_rows)
    per_shard = math.ceil(table.num_rows / count)
    paths = shard_paths(out_dir, config, count, split)
    for i, path in enumerate(paths):
        with atomic_path(path) as tmp:
            pq.write_table(table.slice(i * per_shard, per_shard), tmp, compression="zstd")
    return paths
