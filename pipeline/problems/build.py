"""The problems stage: load sources -> normalize -> dedup -> hold out -> decontaminate -> write.

Pure logic with a `log` callback; the Dagster asset and the CLI both call `build_problems`
and `write_problems`.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from pipeline.common.jsonl import iter_jsonl
from pipeline.common.layout import DataLayout, require_unique
from pipeline.common.logs import Log, info
from pipeline.problems.decontam import BenchmarkIndex, decontaminate
from pipeline.problems.dedup import deduplicate
from pipeline.problems.settings import HeldOutSettings, ProblemsRecipe, SourceEntry
from pipeline.problems.sources.base import NormalizedSource, load_hub_rows, normalize_rows
from pipeline.problems.sources.registry import source_spec
from schemas import Dropped, Problem, QuarantineRow, RemovalRow, RemovalStage, Split, write_parquet
from schemas.atomic import atomic_write_text

STAGE = "problems"


@dataclass
class ProblemsBuild:
    problems: list[Problem]  # train and eval together; `split` tells which
    quarantine: list[QuarantineRow]
    dedup_removals: list[RemovalRow]
    decontam_removals: list[RemovalRow]
    held_out: HeldOutSettings | None
    loaded: Counter = field(default_factory=Counter)  # rows read per source, before anything removed

    def by_split(self, split: Split) -> list[Problem]:
        return [p for p in self.problems if p.split is split]


@dataclass(frozen=True)
class ProblemsFiles:
    train: Path
    eval: Path
    quarantine: Path
    dedup: Path
    decontamination: Path
    summary: Path


def source_rows(entry: SourceEntry) -> Iterable[dict | BaseException]:
    spec = source_spec(entry.name)
    if entry.offline:
        if spec.package_rows is None:
            raise ValueError(f"source {entry.name!r} has no offline copy; drop `offline: true`")
        rows = spec.package_rows()
    elif entry.data_files and entry.data_files.endswith(".jsonl"):
        rows = iter_jsonl(entry.data_files)  # tolerant: a bad line is quarantined, not fatal
    elif entry.data_files:
        builder = "parquet" if entry.data_files.endswith(".parquet") else "json"
        rows = load_hub_rows(spec, split=entry.split or "train", hub_path=builder, data_files=entry.data_files)
    else:
        rows = load_hub_rows(spec, split=entry.split)
    if entry.limit is not None:
        rows = (row for i, row in zip(range(entry.limit), rows))
    return rows


def load_source(entry: SourceEntry) -> NormalizedSource:
    return normalize_rows(source_spec(entry.name), source_rows(entry))


def drop_repeated_ids(problems: list[Problem]) -> tuple[list[Problem], list[QuarantineRow]]:
    seen: set[str] = set()
    unique, repeated = [], []
    for index, problem in enumerate(problems):
        if problem.id in seen:
            repeated.append(
                QuarantineRow(problem.source, index, problem.id, "id", "another problem already has this id")
            )
        else:
            seen.add(problem.id)
            unique.append(problem)
    return unique, repeated


def choose_held_out(problems: list[Problem], settings: HeldOutSettings) -> set[str]:
    """A seeded, per-source sample of verifiable problems; stable under input order."""
    rng = random.Random(settings.seed)
    chosen: set[str] = set()
    by_source: dict[str, list[str]] = {}
    for problem in problems:
        if problem.verifiable:
            by_source.setdefault(problem.source, []).append(problem.id)
    for source in sorted(by_source):
        ids = sorted(by_source[source])
        count = round(len(ids) * settings.fraction)
        chosen.update(rng.sample(ids, count))
    return chosen


def build_problems(recipe: ProblemsRecipe, log: Log = info) -> ProblemsBuild:
    problems: list[Problem] = []
    quarantine: list[QuarantineRow] = []
    loaded: Counter = Counter()
    for entry in recipe.sources:
        result = load_source(entry)
        loaded[entry.name] += len(result.problems) + len(result.quarantine)
        log(f"source {entry.name}: {len(result.problems)} problems, {len(result.quarantine)} quarantined")
        problems += result.problems
        quarantine += result.quarantine
    problems, repeated = drop_repeated_ids(problems)
    quarantine += repeated

    dedup_removals = deduplicate([p.id for p in problems], [p.statement for p in problems], recipe.dedup)
    removed = {r.problem_id for r in dedup_removals}
    problems = [p for p in problems if p.id not in removed]
    log(f"dedup: removed {len(dedup_removals)} ({_count_stages(dedup_removals)}), {len(problems)} left")

    settings = recipe.decontamination
    if settings.held_out is not None:
        eval_ids = choose_held_out(problems, settings.held_out)
        problems = [replace(p, split=Split.EVAL) if p.id in eval_ids else p for p in problems]
        benchmark = [p for p in problems if p.split is Split.EVAL]
    else:
        benchmark = []
    for entry in settings.benchmarks:
        result = load_source(entry)
        log(f"benchmark {entry.name}: {len(result.problems)} problems")
        benchmark += result.problems

    index = BenchmarkIndex(
        [b.id for b in benchmark],
        [b.statement for b in benchmark],
        settings.ngram,
        settings.common_limit,
        settings.min_hits,
    )
    train = [p for p in problems if p.split is Split.TRAIN]
    decontam_removals = decontaminate([p.id for p in train], [p.statement for p in train], index)
    contaminated = {r.problem_id for r in decontam_removals}
    problems = [p for p in problems if p.id not in contaminated]
    log(
        f"decontamination ({settings.ngram}-grams vs {len(benchmark)} benchmark problems): "
        f"removed {len(decontam_removals)}, {len(problems)} left"
    )
    return ProblemsBuild(problems, quarantine, dedup_removals, decontam_removals, settings.held_out, loaded)


def _count_stages(removals: list[RemovalRow]) -> str:
    counts = Counter(RemovalStage(r.stage).value for r in removals)
    return ", ".join(f"{stage} {n}" for stage, n in sorted(counts.items())) or "none"


def summarize(build: ProblemsBuild) -> dict:
    """Per-source counts from loading to the final splits, plus the held-out settings."""

    def per_source(items, key=lambda x: x.source) -> Counter:
        return Counter(key(x) for x in items)

    removed_source = lambda r: r.problem_id.split("/", 1)[0]  # noqa: E731 - ids are "{source}/..."
    sources = sorted(set(build.loaded) | {p.source for p in build.problems})
    columns = {
        "loaded": build.loaded,
        "quarantined": per_source(build.quarantine),
        "duplicates": per_source(build.dedup_removals, removed_source),
        "contaminated": per_source(build.decontam_removals, removed_source),
        "train": per_source(build.by_split(Split.TRAIN)),
        "eval": per_source(build.by_split(Split.EVAL)),
    }
    return {
        "per_source": {s: {name: counts.get(s, 0) for name, counts in columns.items()} for s in sources},
        "held_out": None if build.held_out is None else vars(build.held_out),
        "eval_ids": sorted(p.id for p in build.by_split(Split.EVAL)),
    }


_REMOVAL_REASON = {
    RemovalStage.EXACT_DEDUP: "exact_duplicate",
    RemovalStage.NEAR_DEDUP: "near_duplicate",
    RemovalStage.DECONTAMINATION: "contaminated",
}


def dropped_problems(build: ProblemsBuild) -> list[Dropped]:
    """Every problem (or source row) this stage removed, as `Dropped` records."""
    quarantined = [
        Dropped(STAGE, q.record_id or f"{q.source}#row{q.row_index}", "quarantined", f"{q.field}: {q.reason}", q.source)
        for q in build.quarantine
    ]
    removed = [
        Dropped(
            STAGE,
            r.problem_id,
            _REMOVAL_REASON[RemovalStage(r.stage)],
            f"matches {r.matched_id} (similarity {r.similarity:.3f})",
            r.problem_id.split("/", 1)[0],
        )
        for r in (*build.dedup_removals, *build.decontam_removals)
    ]
    return quarantined + removed


def write_problems(build: ProblemsBuild, layout: DataLayout) -> ProblemsFiles:
    train, held_out = build.by_split(Split.TRAIN), build.by_split(Split.EVAL)
    require_unique((p.id for p in build.problems), "problems")
    files = ProblemsFiles(
        train=write_parquet(train, Problem, layout.problems_file("train")),
        eval=write_parquet(held_out, Problem, layout.problems_file("eval")),
        quarantine=write_parquet(build.quarantine, QuarantineRow, layout.report("quarantine.parquet")),
        dedup=write_parquet(build.dedup_removals, RemovalRow, layout.report("dedup.parquet")),
        decontamination=write_parquet(build.decontam_removals, RemovalRow, layout.report("decontamination.parquet")),
        summary=atomic_write_text(
            layout.report("problems_summary.json"), json.dumps(summarize(build), indent=2, sort_keys=True)
        ),
    )
    write_parquet(dropped_problems(build), Dropped, layout.dropped_file(STAGE))
    layout.write_manifest(STAGE, [(files.train, len(train)), (files.eval, len(held_out))])
    return files
