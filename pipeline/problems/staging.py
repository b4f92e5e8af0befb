"""Normalize one source's rows into parquet in bounded batches, counting what happened to each.

A source is never held in memory: rows stream in (`pipeline.problems.load`), each batch of
problems is appended to the source's staging parquet file, quarantined rows to a second file.
Later steps (dedup, decontamination, the final split files) read these files column by column.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.common.logs import Log
from pipeline.problems.load import source_rows
from pipeline.problems.settings import SourceEntry
from pipeline.problems.sources.base import normalize_rows
from pipeline.problems.sources.registry import source_spec
from schemas import SCHEMAS, Problem, QuarantineRow, from_table, to_table
from schemas.atomic import atomic_path

BATCH_ROWS = 2_000  # rows normalized and written at a time: bounds memory at any source size
LOG_EVERY = 50_000


@dataclass
class SourceCounts:
    """What happened to one source's rows, from reading to the final splits."""

    read: int = 0
    normalized: int = 0
    quarantined: Counter = field(default_factory=Counter)  # reason (the field at fault) -> rows
    with_reference: int = 0
    without_tests: int = 0  # kept but unverifiable: the source has no tests for them
    incorrect_solutions: int = 0  # known-wrong programs kept on the problems
    duplicates: int = 0
    contaminated: int = 0
    train: int = 0
    eval: int = 0

    def count_split(self, split: str) -> None:
        if split == "eval":
            self.eval += 1
        else:
            self.train += 1

    def as_dict(self) -> dict:
        return {
            "read": self.read, "normalized": self.normalized, "quarantined": sum(self.quarantined.values()),
            "quarantine_reasons": dict(self.quarantined.most_common()), "with_reference": self.with_reference,
            "without_tests": self.without_tests, "incorrect_solutions": self.incorrect_solutions,
            "duplicates": self.duplicates, "contaminated": self.contaminated, "train": self.train, "eval": self.eval,
        }  # fmt: skip


@dataclass(frozen=True)
class StagedSource:
    name: str
    problems: Path
    quarantine: Path


class BatchWriter:
    """Records appended to one parquet file a batch at a time (atomic: the file appears at close)."""

    def __init__(self, path: Path, record_type: type):
        self.record_type, self.rows = record_type, 0
        self._atomic = atomic_path(path)
        self._writer = pq.ParquetWriter(self._atomic.__enter__(), SCHEMAS[record_type], compression="zstd")

    def write(self, records: list) -> None:
        if records:
            self._writer.write_table(to_table(records, self.record_type))
            self.rows += len(records)

    def write_table(self, table: pa.Table) -> None:
        """A table already in the record type's schema (copied between files without records)."""
        self._writer.write_table(table.cast(SCHEMAS[self.record_type]))
        self.rows += table.num_rows

    def close(self) -> None:
        self._writer.close()
        self._atomic.__exit__(None, None, None)


def _batches(rows: Iterable, size: int) -> Iterator[list]:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def stage_source(
    entry: SourceEntry, out_dir: Path, index: int, seen_ids: set[str], counts: SourceCounts, log: Log
) -> StagedSource:
    """Normalize `entry`'s rows into `out_dir`; an id already seen (in any source) is quarantined."""
    spec = source_spec(entry.name)
    staged = StagedSource(entry.name, out_dir / f"{index:02d}-{entry.name}.parquet",
                          out_dir / f"{index:02d}-{entry.name}.quarantine.parquet")  # fmt: skip
    problems, quarantine = BatchWriter(staged.problems, Problem), BatchWriter(staged.quarantine, QuarantineRow)
    try:
        for batch in _batches(source_rows(entry), BATCH_ROWS):
            result = normalize_rows(spec, batch, start=counts.read)
            counts.read += len(batch)
            kept = []
            for problem, row_index in zip(result.problems, result.row_indices):
                if problem.id in seen_ids:
                    repeated = QuarantineRow(problem.source, row_index, problem.id, "id", "another problem has this id")
                    result.quarantine.append(repeated)
                    continue
                seen_ids.add(problem.id)
                kept.append(problem)
            _count(counts, kept, result.quarantine)
            problems.write(kept)
            quarantine.write(result.quarantine)
            if counts.read % LOG_EVERY < len(batch):
                log(f"source {entry.name}: {counts.read:,} rows read, {counts.normalized:,} problems")
    finally:
        problems.close()
        quarantine.close()
    return staged


def _count(counts: SourceCounts, kept: list[Problem], quarantined: list[QuarantineRow]) -> None:
    counts.normalized += len(kept)
    counts.quarantined.update(q.field for q in quarantined)
    counts.with_reference += sum(p.reference_solution is not None for p in kept)
    counts.without_tests += sum(not p.verifiable for p in kept)
    counts.incorrect_solutions += sum(len(p.incorrect_solutions) for p in kept)


def iter_column(files: Iterable[Path], columns: list[str], batch_rows: int = 10_000) -> Iterator[dict]:
    """Rows of the staging files with only `columns` read, batch by batch (never a whole file)."""
    for path in files:
        for batch in pq.ParquetFile(path).iter_batches(batch_size=batch_rows, columns=columns):
            yield from batch.to_pylist()


def iter_problems(files: Iterable[Path], batch_rows: int = BATCH_ROWS) -> Iterator[list[Problem]]:
    """The staged problems as records, one bounded batch at a time."""
    for path in files:
        for batch in pq.ParquetFile(path).iter_batches(batch_size=batch_rows):
            yield from_table(pa.Table.from_batches([batch]), Problem)  # one list per batch
