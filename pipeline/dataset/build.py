"""Build the Hub-ready folder from the pipeline's files: problems, trajectories, verifications.

Configs written: `default` (accepted, shortest per profile by default), `failed` (trajectories
that did not pass, with their verdict), `length_harmonized` (O1-Pruner weights per sample for
the fine-tuning job's length-harmonizing loss) and one config per requested Sky-T1 variant.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pyarrow as pa

from pipeline.dataset.assemble import AssemblySettings, filter_verified, select
from pipeline.dataset.perturb import Perturbation
from pipeline.dataset.pruner import PrunerSettings, SampleOutcome, harmonize
from pipeline.dataset.shard import DEFAULT_TARGET_BYTES, write_shards
from pipeline.dataset.variants import write_variants
from schemas import DatasetRow, Problem, Trajectory, Verdict, Verification, read_parquet, to_table


@dataclass
class BuiltDataset:
    configs: dict[str, list[DatasetRow]]
    removed: Counter
    files: dict[str, list[Path]]


def read_stage_files(data: Path) -> tuple[dict[str, Problem], list[Trajectory], list[Verification]]:
    problems = {p.id: p for p in read_parquet(data / "problems" / "train.parquet", Problem)}
    trajectories = [t for path in sorted((data / "trajectories").glob("shard-*.parquet"))
                    for t in read_parquet(path, Trajectory)]
    verifications = [v for path in sorted((data / "verification").glob("shard-*.parquet"))
                     for v in read_parquet(path, Verification)]
    return problems, trajectories, verifications


def length_harmonized_table(rows: list[DatasetRow], settings: PrunerSettings) -> tuple[pa.Table, list[DatasetRow]]:
    """The kept verified rows (accepted and failed) with their O1-Pruner reward and weight columns."""
    outcomes = [SampleOutcome(r.id, r.problem_id, r.token_num, r.verdict is Verdict.ACCEPTED) for r in rows]
    harmonized = {h.sample_id: h for h in harmonize(outcomes, settings)}
    kept = [r for r in rows if r.id in harmonized]
    table = to_table(kept, DatasetRow)
    for name in ("reward", "clipped", "weight"):
        table = table.append_column(name, pa.array([getattr(harmonized[r.id], name) for r in kept], pa.float64()))
    return table, kept


def build_dataset(data: str | Path, out_dir: str | Path, assembly: AssemblySettings = AssemblySettings(),
                  pruner: PrunerSettings = PrunerSettings(), target_bytes: int = DEFAULT_TARGET_BYTES,
                  variants: Sequence[Perturbation] = ()) -> BuiltDataset:
    data = Path(data)
    problems, trajectories, verifications = read_stage_files(data)
    kept, removed_by_filters = filter_verified(problems, trajectories, verifications, assembly)
    assembled = select(problems, kept, removed_by_filters, assembly)
    every_verified = select(problems, kept, Counter(), replace(assembly, selection="all"))
    configs = {"default": assembled.accepted, "failed": assembled.failed}
    files = {name: write_shards(to_table(rows, DatasetRow), out_dir, name, target_bytes)
             for name, rows in configs.items()}
    harmonized, kept = length_harmonized_table(every_verified.accepted + every_verified.failed, pruner)
    files["length_harmonized"] = write_shards(harmonized, out_dir, "length_harmonized", target_bytes)
    configs["length_harmonized"] = kept
    if variants:
        by_id = {t.id: t for t in trajectories}
        for name, paths in write_variants(assembled.accepted, by_id, variants, out_dir, target_bytes).items():
            files[name], configs[name] = paths, assembled.accepted
    removed = Counter(assembled.removed)
    summary = data / "reports" / "problems_summary.json"
    if summary.exists():  # what the problems stage removed belongs on the card too
        for counts in json.loads(summary.read_text())["per_source"].values():
            for stage in ("quarantined", "duplicates", "contaminated"):
                removed[f"problems: {stage}"] += counts[stage]
    (data / "reports").mkdir(parents=True, exist_ok=True)
    (data / "reports" / "dataset_removed.json").write_text(json.dumps(dict(removed), indent=2, sort_keys=True))
    return BuiltDataset(configs, removed, files)
