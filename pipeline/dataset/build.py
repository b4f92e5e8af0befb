"""Build the Hub-ready folder from the pipeline's files: problems, trajectories, verifications.

Configs written: `default` (accepted, shortest per profile by default), `failed` (trajectories
that did not pass, with their verdict), `length_harmonized` (O1-Pruner weights per sample for
the fine-tuning job's length-harmonizing loss), the wrong-answer control and one config per
requested Sky-T1 variant.

Memory stays bounded at any size: the decisions are polars queries over narrow columns
(`plan.py`, `pruner.harmonize_frame`, `wrong_answers.py`); the text is read once and spread into
buckets of whole problems (`textpass.py`); then, bucket by bucket in problem order, each config's
rows get their text and are appended to its shards. Each variant perturbs and writes in its own
process, fed the `default` rows of each bucket.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.common.layout import DataLayout
from pipeline.dataset.assemble import AssemblySettings
from pipeline.dataset.filters import FilterSettings
from pipeline.dataset.inputs import read_problem_sources, read_trajectories, read_verifications
from pipeline.dataset.perturb import Perturbation
from pipeline.dataset.plan import DROPPED_COLUMNS, select, verified
from pipeline.dataset.pruner import PrunerSettings, harmonize_frame
from pipeline.dataset.rewrite import Rewriter, write_rewritten
from pipeline.dataset.shard import DEFAULT_TARGET_BYTES, ShardWriter
from pipeline.dataset.textpass import Buckets, assign_buckets, spread_questions, spread_responses
from pipeline.dataset.variant_feed import BucketFile, VariantFeed
from pipeline.dataset.variants import VariantOutcome
from pipeline.dataset.wrong_answers import NAME as WRONG_ANSWERS
from pipeline.dataset.wrong_answers import unpublished_note, wrong_answer_picks
from schemas import SCHEMAS, DatasetRow, Dropped, SchemaError, read_parquet
from schemas.atomic import atomic_path, atomic_write_text
from schemas.validate import THINK_TAGS

STAGE = "dataset"
REFERENCE_STAGE = "reference_samples"
ROWS_PER_BUCKET = 10_000  # ~35 MB of Z1-length text per bucket
NO_FILTER = FilterSettings(token_budget=sys.maxsize, max_repetition=1.0)  # a share of repeats is never > 1
DATASET_ROW_SCHEMA = SCHEMAS[DatasetRow]


@dataclass
class BuiltDataset:
    rows: dict[str, int]  # rows written per config (0: empty, not written)
    dropped: pl.DataFrame  # `Dropped` columns
    files: dict[str, list[Path]]
    variants: list[VariantOutcome] = field(default_factory=list)

    @property
    def removed(self) -> Counter:
        return Counter(self.dropped["reason"].to_list())

    def read(self, config: str) -> list[DatasetRow]:
        """A config's rows as records (for previews and tests: the whole config in memory)."""
        return [row for path in self.files.get(config, []) for row in read_parquet(path, DatasetRow)]


@dataclass
class ConfigPlan:
    """A config's rows without their text, in publishing order, and how to finish them."""

    rows: pl.DataFrame  # ROW_COLUMNS + bucket (+ extra columns)
    text: str  # which responses: "teachers" or "reference"
    extra: dict = field(default_factory=dict)  # constant columns appended (name -> value)


def read_stage_frames(layout: DataLayout, shards: Sequence[str]) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The narrow columns of the training problems and of exactly the listed shards' trajectories and
    verdicts, through the manifests (never a glob: a shard left by an earlier run with another shard
    count is not read), checked (see `inputs.py`)."""
    problems = read_problem_sources(layout.handed_off("problems", layout.problems_file("train")))
    trajectories = read_trajectories(
        layout.manifest_paths("trajectories", shards), f"trajectories of shards {list(shards)}"
    )
    verdicts = read_verifications(
        layout.manifest_paths("verification", shards), f"verifications of shards {list(shards)}"
    )
    return problems, trajectories, verdicts


def _reference_inputs(layout: DataLayout):
    """O1-Pruner's samples from the model being tuned, or None when the stage was disabled."""
    if not layout.manifest_paths(REFERENCE_STAGE):
        return None
    samples = read_trajectories([layout.reference_samples_file()], "reference samples")
    verdicts = read_verifications([layout.reference_verdicts_file()], "reference verdicts")
    sampled = json.loads(layout.reference_settings_file().read_text(encoding="utf-8"))
    return samples, verdicts, sampled


def _harmonized(accepted: pl.DataFrame, failed: pl.DataFrame, pruner: PrunerSettings) -> pl.DataFrame:
    """Every verified sample's row with its O1-Pruner reward, clipped reward and weight; the kept
    ones in harmonize's order. Correctness is the assembly's (a cut response is failed)."""
    rows = pl.concat([accepted, failed])
    outcomes = rows.select(
        pl.col("id").alias("sample_id"),
        "problem_id",
        pl.col("token_num").alias("length"),
        pl.col("accepted").alias("correct"),
    )
    weights = harmonize_frame(outcomes, pruner).select(pl.col("sample_id").alias("id"), "reward", "clipped", "weight")
    return weights.join(rows, on="id", how="left", maintain_order="left")


def plan_configs(
    layout: DataLayout, shards: Sequence[str], assembly: AssemblySettings, pruner: PrunerSettings,
    harmonize_from: str, wrong_answers: bool, seed: int, bucket_folder: Path, rows_per_bucket: int,
) -> tuple[dict[str, ConfigPlan], pl.DataFrame, Buckets, str]:  # fmt: skip
    """Read and spread the inputs; decide every config's rows. Returns (plans, dropped, buckets,
    the note of an unpublished wrong-answer control)."""
    if harmonize_from not in ("reference", "teachers"):
        raise ValueError(f"harmonize_from must be 'reference' or 'teachers', got {harmonize_from!r}")
    if assembly.selection not in ("shortest", "all"):
        raise ValueError(f"selection must be 'shortest' or 'all', got {assembly.selection!r}")
    problems, trajectories, verdicts = read_stage_frames(layout, shards)
    problems_file = layout.handed_off("problems", layout.problems_file("train"))
    trajectory_files = layout.manifest_paths("trajectories", shards)
    reference = _reference_inputs(layout) if harmonize_from == "reference" else None
    problem_ids = pl.concat([trajectories["problem_id"], *([reference[0]["problem_id"]] if reference else [])])
    buckets = Buckets(bucket_folder, assign_buckets(problem_ids.filter(problem_ids.is_in(problems["id"].implode())),
                                                    rows_per_bucket))  # fmt: skip
    repetition = spread_responses(trajectory_files, buckets, "teachers", assembly.filters.repetition_ngram)
    spread_questions(problems_file, buckets)
    kept, dropped = verified(trajectories, repetition, verdicts, problems, assembly)
    accepted, failed = select(kept, assembly)
    plans = {"default": ConfigPlan(accepted, "teachers"), "failed": ConfigPlan(failed, "teachers")}
    if harmonize_from == "teachers":
        plans["length_harmonized"] = ConfigPlan(_harmonized(*select(kept, replace(assembly, selection="all")), pruner),
                                                "teachers", {"harmonizing_lambda": pruner.lam})  # fmt: skip
    elif reference is not None:
        samples, reference_verdicts, sampled = reference
        spread_responses([layout.reference_samples_file()], buckets, "reference", assembly.filters.repetition_ngram)
        unfiltered = replace(assembly, selection="all", filters=NO_FILTER)
        reference_kept, _ = verified(samples, pl.DataFrame(schema={"id": pl.String, "repetition": pl.Float64}),
                                     reference_verdicts, problems, unfiltered)  # fmt: skip
        plans["length_harmonized"] = ConfigPlan(_harmonized(*select(reference_kept, unfiltered), pruner), "reference",
                                                {**sampled, "harmonizing_lambda": pruner.lam})  # fmt: skip
    note = ""
    if wrong_answers:
        picks, _ = wrong_answer_picks(accepted, failed, seed)
        note = unpublished_note(accepted.height, picks.height)
        wrong = failed.join(picks, on="id", how="inner").sort("pick")
        plans[WRONG_ANSWERS] = ConfigPlan(wrong if not note else wrong.clear(), "teachers", {"_picked": picks.height})
    for plan in plans.values():
        plan.rows = plan.rows.drop("accepted", "cut", strict=False).join(
            buckets.of_problem, on="problem_id", how="left", maintain_order="left"
        )
    return plans, dropped, buckets, note


def _check_rows(table: pa.Table) -> None:
    """The checks `validate(DatasetRow)` makes on text, column-wise, before anything is published."""
    frame = pl.from_arrow(table.select(["id", "question", "response"]))
    for name in ("question", "response"):
        empty = frame.filter(pl.col(name).str.strip_chars() == "")
        if empty.height:
            raise SchemaError("DatasetRow", empty["id"][0], name, "must not be empty")
    for tag in THINK_TAGS:
        tagged = frame.filter(pl.col("response").str.contains(tag, literal=True))
        if tagged.height:
            message = f"contains {tag!r}; STW format has no think tags"
            raise SchemaError("DatasetRow", tagged["id"][0], "response", message)


def with_text(plan: ConfigPlan, rows: pl.DataFrame, responses: pl.DataFrame, questions: pl.DataFrame) -> pa.Table:
    """A bucket's rows of one config as the published Arrow table."""
    joined = rows.join(responses, on="id", how="left", maintain_order="left").join(
        questions, on="problem_id", how="left", maintain_order="left"
    )
    missing = joined.filter(pl.col("response").is_null() | pl.col("question").is_null())
    if missing.height:
        raise SchemaError("DatasetRow", missing["id"][0], "response", "no text found for the row (bucket files)")
    joined = joined.with_columns(pl.col("id").alias("trajectory_id"))
    table = joined.select(DATASET_ROW_SCHEMA.names).to_arrow().cast(DATASET_ROW_SCHEMA)
    _check_rows(table)
    for name in ("reward", "clipped", "weight"):
        if name in rows.columns:
            table = table.append_column(name, joined[name].to_arrow().cast(pa.float64()))
    for name, value in plan.extra.items():
        if not name.startswith("_"):
            table = table.append_column(name, pa.array([value] * table.num_rows))
    return table


def _bucket_ends(bucket: pl.Series, count: int) -> list[int]:
    """Where each bucket's rows end in a config (its rows are in problem order, so in bucket order)."""
    if not bucket.is_sorted():
        raise AssertionError("a config's rows must be in problem order")  # the plan sorts them so
    return [int(x) for x in bucket.search_sorted(pl.Series(range(count), dtype=bucket.dtype), side="right")]


def write_configs(plans: dict[str, ConfigPlan], buckets: Buckets, out_dir: Path, target_bytes: int,
                  feeds: Sequence[VariantFeed]) -> tuple[dict[str, list[Path]], list[VariantOutcome]]:  # fmt: skip
    """Bucket by bucket: every config's rows with their text, appended to its shards; `default`'s
    rows also go to each variant's process."""
    writers = {name: ShardWriter(out_dir, name, target_bytes) for name in plans}
    ends = {name: _bucket_ends(plan.rows["bucket"], buckets.count) for name, plan in plans.items()}
    try:
        for bucket in range(buckets.count):
            questions = buckets.read("questions", bucket)
            text = {kind: buckets.read(kind, bucket) for kind in {plan.text for plan in plans.values()}}
            for name, plan in plans.items():
                start = ends[name][bucket - 1] if bucket else 0
                rows = plan.rows.slice(start, ends[name][bucket] - start)  # a view: rows are in bucket order
                if not rows.height:
                    continue
                table = with_text(plan, rows, text[plan.text], questions)
                writers[name].write(table)
                if name == "default" and feeds:
                    shared = BucketFile(table, buckets.file("default", bucket).with_suffix(".arrow"), len(feeds))
                    for feed in feeds:
                        feed.feed(shared)
        files = {name: writer.close() for name, writer in writers.items()}
        return files, [feed.finish() for feed in feeds]
    except BaseException:
        for writer in writers.values():
            writer.abort()
        raise


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
    rows_per_bucket: int = ROWS_PER_BUCKET,
) -> BuiltDataset:
    out_dir = layout.hub_dir()
    layout.staging_dir(STAGE).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=layout.staging_dir(STAGE), prefix="buckets-") as folder:
        feeds = [VariantFeed(p, out_dir, target_bytes, Path(folder)) for p in variants]  # started early: imports
        try:
            plans, dropped, buckets, wrong_note = plan_configs(
                layout, shards, assembly, pruner, harmonize_from, wrong_answers, seed, Path(folder), rows_per_bucket
            )
            files, outcomes = write_configs(plans, buckets, out_dir, target_bytes, feeds)
        except BaseException:
            for feed in feeds:
                feed.kill()
            raise
    if wrong_answers:
        slots, picked = plans["default"].rows.height, plans[WRONG_ANSWERS].extra["_picked"]
        outcomes.append(VariantOutcome(WRONG_ANSWERS, slots, picked, slots - picked, tuple(files.pop(WRONG_ANSWERS)),
                                       note=wrong_note))  # fmt: skip
    if rewriter is not None:
        default = [row for path in files["default"] for row in read_parquet(path, DatasetRow)]
        outcomes.append(write_rewritten(default, rewriter, out_dir, target_bytes))
    report = [{"config": o.name, "rows": o.rows, "changed": o.changed, "excluded": o.excluded,
               "published": o.published, "note": o.note, "mode": o.mode} for o in outcomes]  # fmt: skip
    atomic_write_text(layout.report("variants.json"), json.dumps(report, indent=2))
    files.update({o.name: list(o.files) for o in outcomes if o.published})
    for config in layout.hub_configs():  # a config of an earlier build (another variant) must not linger
        if not files.get(config):
            shutil.rmtree(layout.hub_config_dir(config))
    files = {name: paths for name, paths in files.items() if paths}
    with atomic_path(layout.dropped_file(STAGE)) as tmp:
        pq.write_table(dropped.select(DROPPED_COLUMNS).to_arrow().cast(SCHEMAS[Dropped]), tmp, compression="zstd")
    counts = {name: sum(pq.read_metadata(p).num_rows for p in paths) for name, paths in files.items()}
    layout.write_manifest(STAGE, [(p, pq.read_metadata(p).num_rows) for paths in files.values() for p in paths])
    return BuiltDataset({name: counts.get(name, 0) for name in (*plans, *files)}, dropped, files, outcomes)
