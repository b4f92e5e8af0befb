"""Hub layout: `{config}/train-0000i-of-0000n.parquet`, shards near a target size, written as a stream.

`ShardWriter` takes a config's rows batch by batch, in order, and closes a shard before the row
that would take it past `target_bytes` (the rows' in-memory Arrow size: parquet compresses, so
files come out smaller than the target, never larger than the Hub's comfortable ~500 MB). Where a
shard ends depends only on the rows, never on how they were batched. The shard count is known at
the end, so shards are written under temporary names and renamed to `-of-{n}` by `close()`.

A config with no rows writes no shard at all (and removes the old ones): `datasets` cannot load
an empty parquet file, so an empty config is simply absent from the folder and its card. Writing
a config first removes its previous shards, so a re-run with fewer shards leaves nothing stale.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

DEFAULT_TARGET_BYTES = 256 * 1024 * 1024
ROW_GROUP_ROWS = 10_000
# long free text compresses badly as a dictionary; the writer would build one per page and drop it
DICTIONARY_COLUMNS = ("problem_id", "source", "teacher_model", "profile", "verdict", "difficulty", "params_hash")


def shard_paths(out_dir: Path, config: str, count: int, split: str = "train") -> list[Path]:
    return [out_dir / config / f"{split}-{i:05d}-of-{count:05d}.parquet" for i in range(count)]


def row_bytes(table: pa.Table) -> np.ndarray:
    """Each row's in-memory Arrow size (values plus offsets), summed over columns."""
    sizes = np.zeros(table.num_rows, dtype=np.int64)
    for column in table.columns:
        dtype = column.type
        if pa.types.is_string(dtype) or pa.types.is_large_string(dtype) or pa.types.is_binary(dtype):
            offset = 8 if pa.types.is_large_string(dtype) else 4
            sizes += pc.fill_null(pc.binary_length(column), 0).to_numpy(zero_copy_only=False) + offset
        elif dtype.bit_width >= 8:
            sizes += dtype.bit_width // 8
        else:
            sizes += 1
    return sizes


class ShardWriter:
    """Rows in -> `{out_dir}/{config}/{split}-*.parquet`, one shard per `target_bytes` of rows."""

    def __init__(self, out_dir: str | Path, config: str, target_bytes: int = DEFAULT_TARGET_BYTES, split="train"):
        if target_bytes <= 0:
            raise ValueError(f"target_bytes must be positive, got {target_bytes}")
        self.out_dir, self.config, self.target_bytes, self.split = Path(out_dir), config, target_bytes, split
        self.folder = self.out_dir / config
        self.rows = 0
        self._written: list[Path] = []  # finished shards under temporary names
        self._writer: pq.ParquetWriter | None = None
        self._shard_bytes = 0

    def _open(self, schema: pa.Schema) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f".{self.split}-{len(self._written):05d}.{os.getpid()}.tmp"
        dictionary = [name for name in schema.names if name in DICTIONARY_COLUMNS]
        self._writer = pq.ParquetWriter(path, schema, compression="zstd", use_dictionary=dictionary)
        self._written.append(path)
        self._shard_bytes = 0

    def write(self, table: pa.Table) -> None:
        sizes = row_bytes(table)
        start = 0
        while start < table.num_rows:
            if self._writer is None:
                self._open(table.schema)
            room = self.target_bytes - self._shard_bytes
            fits = int(np.searchsorted(np.cumsum(sizes[start:]), room, side="right"))
            take = max(fits, 1) if self._shard_bytes == 0 else fits  # a row bigger than the target: alone
            if take:
                self._writer.write_table(table.slice(start, take), row_group_size=ROW_GROUP_ROWS)
                self._shard_bytes += int(sizes[start : start + take].sum())
                start += take
                self.rows += take
            if start < table.num_rows:
                self._writer.close()
                self._writer = None

    def close(self) -> list[Path]:
        """Finish the last shard and give every shard its final `-of-{n}` name; old shards go."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        final = shard_paths(self.out_dir, self.config, len(self._written), self.split)
        if self.folder.is_dir():
            for stale in self.folder.glob(f"{self.split}-*.parquet"):
                stale.unlink()
        for tmp, path in zip(self._written, final):
            os.replace(tmp, path)
        if self.folder.is_dir() and not any(self.folder.iterdir()):
            self.folder.rmdir()
        return final

    def abort(self) -> None:
        """Drop what was written (a config that will not be published); old shards are left alone."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        for tmp in self._written:
            tmp.unlink(missing_ok=True)
        self._written = []


def write_shards(
    table: pa.Table, out_dir: str | Path, config: str, target_bytes: int = DEFAULT_TARGET_BYTES, split: str = "train"
) -> list[Path]:
    writer = ShardWriter(out_dir, config, target_bytes, split)
    if table.num_rows:
        writer.write(table)
    return writer.close()
