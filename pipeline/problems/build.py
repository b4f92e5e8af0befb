"""The problems stage: load sources -> normalize -> dedup -> hold out -> decontaminate -> write.

Everything streams through files so memory is bounded by the dedup index (ids, hashes, MinHash
signatures), not by the number of problems: each source is normalized in batches into a
staging parquet file (`pipeline.problems.staging`), dedup and decontamination read only the
id and statement columns of those files, and the final train/eval files are written batch by
batch. Pure logic with a `log` callback; the Dagster asset and the CLI both call `build_problems`.
"""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NamedTuple

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.common.layout import DataLayout
from pipeline.common.logs import Log, info
from pipeline.problems.decontam import BenchmarkIndex, decontaminate
from pipeline.problems.dedup import deduplicate
from pipeline.problems.load import statement_rows
from pipeline.problems.origin import pinned, source_origin
from pipeline.problems.report import ProblemsBuild, ProblemsFiles, summarize, write_dropped
from pipeline.problems.settings import HeldOutSettings, ProblemsRecipe
from pipeline.problems.staging import BatchWriter, SourceCounts, StagedSource, iter_column, iter_problems, stage_source
from schemas import Problem, QuarantineRow, RemovalRow, Split, write_parquet
from schemas.atomic import atomic_write_text

STAGE = "problems"


class ProblemRef(NamedTuple):
    """What choosing the held-out split needs of a problem."""

    id: str
    source: str
    verifiable: bool


def choose_held_out(problems: Iterable[ProblemRef | Problem], settings: HeldOutSettings) -> set[str]:
    """A seeded, per-source sample of verifiable problems; stable under input order."""
    rng = random.Random(settings.seed)
    chosen: set[str] = set()
    by_source: dict[str, list[str]] = {}
    for problem in problems:
        if problem.verifiable:
            by_source.setdefault(problem.source, []).append(problem.id)
    for source in sorted(by_source):
        ids = sorted(by_source[source])
        chosen.update(rng.sample(ids, round(len(ids) * settings.fraction)))
    return chosen


@dataclass
class _Staged:
    sources: list[StagedSource]
    counts: dict[str, SourceCounts]
    origins: list[dict]  # per recipe entry: what exactly it read (pipeline.problems.origin)

    @property
    def problem_files(self) -> list[Path]:
        return [s.problems for s in self.sources]


def _stage_all(recipe: ProblemsRecipe, staging: Path, log: Log) -> _Staged:
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    seen: set[str] = set()
    counts: dict[str, SourceCounts] = {}
    sources, origins = [], []
    for index, entry in enumerate(recipe.sources):
        source_counts = counts.setdefault(entry.name, SourceCounts())
        origins.append(source_origin(entry, log=log))
        sources.append(stage_source(pinned(entry, origins[-1]), staging, index, seen, source_counts, log))
        log(f"source {entry.name}: {source_counts.normalized:,} problems, "
            f"{sum(source_counts.quarantined.values()):,} quarantined")  # fmt: skip
    return _Staged(sources, counts, origins)


class _ArrowIds(Sequence):
    """The staged ids as one Arrow string array: a third of the memory of a list of str."""

    def __init__(self, files: list[Path]):
        self.array = pa.concat_arrays([pq.read_table(f, columns=["id"]).column("id").combine_chunks() for f in files])

    def __len__(self) -> int:
        return len(self.array)

    def __getitem__(self, i: int) -> str:
        return self.array[i].as_py()


def _dedup(staged: _Staged, recipe: ProblemsRecipe, log: Log) -> list[RemovalRow]:
    ids = _ArrowIds(staged.problem_files)
    texts = (row["statement"] for row in iter_column(staged.problem_files, ["statement"]))
    removals = deduplicate(ids, texts, recipe.dedup)
    log(f"dedup: removed {len(removals):,} of {len(ids):,}")
    return removals


def _benchmark_index(staged: _Staged, recipe: ProblemsRecipe, eval_ids: set[str], log: Log) -> BenchmarkIndex:
    settings = recipe.decontamination
    pairs = [
        (r["id"], r["statement"]) for r in iter_column(staged.problem_files, ["id", "statement"]) if r["id"] in eval_ids
    ]
    for entry in settings.benchmarks:
        before = len(pairs)
        pairs += statement_rows(entry)
        log(f"benchmark {entry.name}: {len(pairs) - before:,} statements")
    return BenchmarkIndex([p[0] for p in pairs], [p[1] for p in pairs], settings.ngram, settings.common_limit,
                          settings.min_hits)  # fmt: skip


def _decontaminate(staged: _Staged, index: BenchmarkIndex, skip: set[str], log: Log) -> list[RemovalRow]:
    checked = 0

    def ids() -> Iterator[str]:  # streamed, like the texts: no list that grows with the data
        nonlocal checked
        for row in iter_column(staged.problem_files, ["id"]):
            if row["id"] not in skip:
                checked += 1
                yield row["id"]

    texts = (r["statement"] for r in iter_column(staged.problem_files, ["id", "statement"]) if r["id"] not in skip)
    removals = decontaminate(ids(), texts, index)
    log(f"decontamination: removed {len(removals):,} of {checked:,} training problems")
    return removals


def _write_splits(staged: _Staged, layout: DataLayout, removed: set[str], eval_ids: set[str]) -> tuple[int, int]:
    writers = {Split.TRAIN: BatchWriter(layout.problems_file("train"), Problem),
               Split.EVAL: BatchWriter(layout.problems_file("eval"), Problem)}  # fmt: skip
    try:
        for batch in iter_problems(staged.problem_files):
            kept = [replace(p, split=Split.EVAL) if p.id in eval_ids else p for p in batch if p.id not in removed]
            for split, writer in writers.items():
                writer.write([p for p in kept if p.split is split])
            for p in kept:
                staged.counts[p.source].count_split(p.split.value)
    finally:
        for writer in writers.values():
            writer.close()
    return writers[Split.TRAIN].rows, writers[Split.EVAL].rows


def _merge_quarantine(staged: _Staged, path: Path) -> int:
    writer = BatchWriter(path, QuarantineRow)
    try:
        for source in staged.sources:
            for batch in pq.ParquetFile(source.quarantine).iter_batches():
                writer.write_table(pa.Table.from_batches([batch]))
    finally:
        writer.close()
    return writer.rows


def build_problems(recipe: ProblemsRecipe, layout: DataLayout, log: Log = info) -> ProblemsBuild:
    """Run the stage into `layout`: problems/{train,eval}.parquet, the reports and the manifest."""
    staged = _stage_all(recipe, layout.staging_dir(STAGE), log)
    dedup = _dedup(staged, recipe, log)
    removed = {r.problem_id for r in dedup}
    held_out = recipe.decontamination.held_out
    eval_ids: set[str] = set()
    if held_out is not None:
        refs = (ProblemRef(**r) for r in iter_column(staged.problem_files, ["id", "source", "verifiable"]))
        eval_ids = choose_held_out((r for r in refs if r.id not in removed), held_out)
    index = _benchmark_index(staged, recipe, eval_ids, log)
    decontam = _decontaminate(staged, index, removed | eval_ids, log)
    removed |= {r.problem_id for r in decontam}
    for removal in dedup:
        staged.counts[removal.problem_id.split("/", 1)[0]].duplicates += 1
    for removal in decontam:
        staged.counts[removal.problem_id.split("/", 1)[0]].contaminated += 1
    train_rows, eval_rows = _write_splits(staged, layout, removed, eval_ids)
    files = ProblemsFiles(
        train=layout.problems_file("train"),
        eval=layout.problems_file("eval"),
        quarantine=layout.report("quarantine.parquet"),
        dedup=write_parquet(dedup, RemovalRow, layout.report("dedup.parquet")),
        decontamination=write_parquet(decontam, RemovalRow, layout.report("decontamination.parquet")),
        summary=layout.report("problems_summary.json"),
    )
    quarantined = _merge_quarantine(staged, files.quarantine)
    build = ProblemsBuild(staged.counts, dedup, decontam, held_out, files, train_rows, eval_rows, quarantined,
                          sorted(eval_ids), staged.origins)  # fmt: skip
    atomic_write_text(files.summary, json.dumps(summarize(build), indent=2, sort_keys=True))
    write_dropped(build, layout.dropped_file(STAGE))
    layout.write_manifest(STAGE, [(files.train, train_rows), (files.eval, eval_rows)])
    shutil.rmtree(layout.staging_dir(STAGE), ignore_errors=True)
    log(f"problems: {train_rows:,} train, {eval_rows:,} eval, {quarantined:,} quarantined")
    return build
