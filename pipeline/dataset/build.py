"""Build the Hub-ready folder from the pipeline's files: problems, trajectories, verifications.

Configs written: `default` (accepted, shortest per profile by default), `failed` (trajectories
that did not pass, with their verdict), `length_harmonized` (O1-Pruner weights per sample for
the fine-tuning job's length-harmonizing loss) and one config per requested Sky-T1 variant.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.common.layout import DataLayout, require_unique
from pipeline.dataset.assemble import AssemblySettings, filter_verified, select
from pipeline.dataset.filters import FilterSettings
from pipeline.dataset.perturb import Perturbation
from pipeline.dataset.pruner import PrunerSettings, SampleOutcome, harmonize
from pipeline.dataset.rewrite import Rewriter, write_rewritten
from pipeline.dataset.shard import DEFAULT_TARGET_BYTES, write_shards
from pipeline.dataset.variants import VariantOutcome, write_variants
from pipeline.dataset.wrong_answers import write_wrong_answers
from schemas import (
    DatasetRow,
    Dropped,
    Problem,
    Trajectory,
    Verification,
    read_parquet,
    to_table,
    write_parquet,
)
from schemas.atomic import atomic_write_text

STAGE = "dataset"
REFERENCE_STAGE = "reference_samples"
NO_FILTER = FilterSettings(token_budget=sys.maxsize, max_repetition=1.0)  # a share of repeats is never > 1


@dataclass
class BuiltDataset:
    configs: dict[str, list[DatasetRow]]
    dropped: list[Dropped]
    files: dict[str, list[Path]]
    variants: list[VariantOutcome] = field(default_factory=list)

    @property
    def removed(self) -> Counter:
        return Counter(d.reason for d in self.dropped)


def read_stage_files(
    layout: DataLayout, shards: Sequence[str]
) -> tuple[dict[str, Problem], list[Trajectory], list[Verification]]:
    """The training problems and exactly the listed shards' trajectories and verdicts, through the
    manifests (never a glob: a shard left by an earlier run with another shard count is not read)."""
    problems = read_parquet(layout.handed_off("problems", layout.problems_file("train")), Problem)
    trajectories = [t for path in layout.manifest_paths("trajectories", shards) for t in read_parquet(path, Trajectory)]
    verifications = [
        v for path in layout.manifest_paths("verification", shards) for v in read_parquet(path, Verification)
    ]
    require_unique((p.id for p in problems), "problems (train)")
    require_unique((t.id for t in trajectories), f"trajectories of shards {list(shards)}")
    require_unique((v.solution_id for v in verifications), f"verifications of shards {list(shards)}")
    return {p.id: p for p in problems}, trajectories, verifications


def length_harmonized_table(
    accepted: list[DatasetRow], failed: list[DatasetRow], settings: PrunerSettings, sampled: dict | None = None
) -> tuple[pa.Table, list[DatasetRow]]:
    """The kept verified rows with their O1-Pruner reward and weight columns, plus what sampled
    them (`sampled`: reference_model, reference_k, reference_temperature, reference_top_p).
    Correctness is the assembly's (a response cut at max_tokens is failed even when its draft
    code passed)."""
    rows = accepted + failed
    outcomes = [SampleOutcome(r.id, r.problem_id, r.token_num, i < len(accepted)) for i, r in enumerate(rows)]
    harmonized = {h.sample_id: h for h in harmonize(outcomes, settings)}  # by problem, then sample id
    row_of = {r.id: r for r in rows}
    kept = [row_of[sample_id] for sample_id in harmonized]
    table = to_table(kept, DatasetRow)
    for name in ("reward", "clipped", "weight"):
        table = table.append_column(name, pa.array([getattr(harmonized[r.id], name) for r in kept], pa.float64()))
    for name, value in {**(sampled or {}), "harmonizing_lambda": settings.lam}.items():
        table = table.append_column(name, pa.array([value] * len(kept)))
    return table, kept


def reference_rows(
    layout: DataLayout, problems: dict[str, Problem], assembly: AssemblySettings
) -> tuple[list[DatasetRow], list[DatasetRow], dict] | None:
    """O1-Pruner's samples from the model being tuned, as (accepted, failed, how they were sampled);
    None when the reference stage was disabled. All K samples count (no Z1 filter: L_ref and A_ref
    are over every sample); only those the sandbox could not judge are left out."""
    paths = layout.manifest_paths(REFERENCE_STAGE)
    if not paths:
        return None
    samples = read_parquet(layout.reference_samples_file(), Trajectory)
    verdicts = read_parquet(layout.reference_verdicts_file(), Verification)
    require_unique((t.id for t in samples), "reference samples")
    require_unique((v.solution_id for v in verdicts), "reference verdicts")
    sampled = json.loads(layout.reference_settings_file().read_text(encoding="utf-8"))
    unfiltered = replace(assembly, selection="all", filters=NO_FILTER)
    kept, _ = filter_verified(problems, samples, verdicts, unfiltered)
    assembled = select(problems, kept, [], unfiltered)
    return assembled.accepted, assembled.failed, sampled


def build_dataset(
    layout: DataLayout,
    shards: Sequence[str],
    assembly: AssemblySettings = AssemblySettings(),
    pruner: PrunerSettings = PrunerSettings(),
    target_bytes: int = DEFAULT_TARGET_BYTES,
    variants: Sequence[Perturbation] = (),
    harmonize_from: str = "reference",
    wrong_answers: bool = False,
    seed: int = 0,
    rewriter: Rewriter | None = None,
) -> BuiltDataset:
    problems, trajectories, verifications = read_stage_files(layout, shards)
    out_dir = layout.hub_dir()
    kept, dropped = filter_verified(problems, trajectories, verifications, assembly)
    assembled = select(problems, kept, dropped, assembly)
    every_verified = select(problems, kept, [], replace(assembly, selection="all"))
    configs = {"default": assembled.accepted, "failed": assembled.failed}
    files = {
        name: write_shards(to_table(rows, DatasetRow), out_dir, name, target_bytes) for name, rows in configs.items()
    }
    if harmonize_from == "teachers":
        source = (every_verified.accepted, every_verified.failed, {})
    elif harmonize_from == "reference":
        source = reference_rows(layout, problems, assembly)
    else:
        raise ValueError(f"harmonize_from must be 'reference' or 'teachers', got {harmonize_from!r}")
    if source is not None:
        harmonized, kept_rows = length_harmonized_table(*source[:2], pruner, source[2])
        files["length_harmonized"] = write_shards(harmonized, out_dir, "length_harmonized", target_bytes)
        configs["length_harmonized"] = kept_rows
    outcomes = write_variants(assembled.accepted, variants, out_dir, target_bytes) if variants else []
    if rewriter is not None:
        outcomes.append(write_rewritten(assembled.accepted, rewriter, out_dir, target_bytes))
    if wrong_answers:
        cut = {d.record_id for d in assembled.dropped if d.reason == "truncated"}
        outcomes.append(write_wrong_answers(assembled.accepted, assembled.failed, cut, seed, out_dir, target_bytes))
    report = [{"config": o.name, "rows": o.rows, "changed": o.changed, "excluded": o.excluded,
               "published": o.published, "note": o.note, "mode": o.mode} for o in outcomes]  # fmt: skip
    atomic_write_text(layout.report("variants.json"), json.dumps(report, indent=2))
    for outcome in outcomes:
        if outcome.published:
            rows = list(outcome.rows_written) or assembled.accepted  # a perturbation: default's rows, perturbed
            files[outcome.name], configs[outcome.name] = list(outcome.files), rows
    for config in layout.hub_configs():  # a config of an earlier build (another variant) must not linger
        if not files.get(config):
            shutil.rmtree(layout.hub_config_dir(config))
    write_parquet(assembled.dropped, Dropped, layout.dropped_file(STAGE))
    layout.write_manifest(STAGE, [(p, pq.read_metadata(p).num_rows) for paths in files.values() for p in paths])
    return BuiltDataset(configs, assembled.dropped, files, outcomes)
