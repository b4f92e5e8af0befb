"""What the problems stage reports: per-source counts, the summary file and the Dropped records."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq

from pipeline.problems.settings import HeldOutSettings
from pipeline.problems.staging import BatchWriter, SourceCounts
from schemas import Dropped, RemovalRow, RemovalStage

STAGE = "problems"
_REMOVAL_REASON = {
    RemovalStage.EXACT_DEDUP: "exact_duplicate",
    RemovalStage.NEAR_DEDUP: "near_duplicate",
    RemovalStage.DECONTAMINATION: "contaminated",
}


@dataclass(frozen=True)
class ProblemsFiles:
    train: Path
    eval: Path
    quarantine: Path
    dedup: Path
    decontamination: Path
    summary: Path


@dataclass
class ProblemsBuild:
    """The outcome of one run of the stage (the problems themselves are in `files`)."""

    per_source: dict[str, SourceCounts]
    dedup_removals: list[RemovalRow]
    decontam_removals: list[RemovalRow]
    held_out: HeldOutSettings | None
    files: ProblemsFiles
    train_rows: int
    eval_rows: int
    quarantined: int
    eval_ids: list[str]
    origins: list[dict]  # per recipe entry: Hub revision or file hashes (pipeline.problems.origin)


def summarize(build: ProblemsBuild) -> dict:
    """Per-source counts from reading to the final splits, plus the held-out settings."""
    held_out = build.held_out
    return {
        "per_source": {name: counts.as_dict() for name, counts in build.per_source.items()},
        "held_out": None if held_out is None else {"fraction": held_out.fraction, "seed": held_out.seed},
        "eval_ids": build.eval_ids,
        "origins": build.origins,
    }


SOURCE_COLUMNS = ("source", "read", "normalized", "quarantined", "duplicates", "contaminated", "with_reference",
                  "without_tests", "train", "eval")  # fmt: skip


def source_table(summary: dict) -> list[dict]:
    """One row per source (and a total) of a `problems_summary.json`, in SOURCE_COLUMNS."""
    rows = [{"source": name, **counts} for name, counts in summary["per_source"].items()]
    total = {"source": "total", **{c: sum(r[c] for r in rows) for c in SOURCE_COLUMNS[1:]}}
    return [*rows, total]


def quarantine_reasons(summary: dict) -> list[dict]:
    """(source, reason, rows) for every quarantine reason, most frequent first per source."""
    return [{"source": name, "reason": reason, "rows": n} for name, counts in summary["per_source"].items()
            for reason, n in counts["quarantine_reasons"].items()]  # fmt: skip


def write_dropped(build: ProblemsBuild, path: Path) -> int:
    """Every problem (or source row) the stage removed as `Dropped` records, streamed from the
    quarantine report (which can be as long as a source)."""
    writer = BatchWriter(path, Dropped)
    try:
        for batch in pq.ParquetFile(build.files.quarantine).iter_batches():
            writer.write([Dropped(STAGE, q["record_id"] or f"{q['source']}#row{q['row_index']}", "quarantined",
                                  f"{q['field']}: {q['reason']}", q["source"]) for q in batch.to_pylist()])  # fmt: skip
        writer.write([Dropped(STAGE, r.problem_id, _REMOVAL_REASON[RemovalStage(r.stage)],
                              f"matches {r.matched_id} (similarity {r.similarity:.3f})", r.problem_id.split("/", 1)[0])
                      for r in (*build.dedup_removals, *build.decontam_removals)])  # fmt: skip
    finally:
        writer.close()
    return writer.rows
