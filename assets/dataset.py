"""`dataset`, `dataset_card` and `hub_push`: the Hub-ready folder under <data>/hub."""

import collections
import json
import statistics
from pathlib import Path

import dagster as dg
import polars as pl
import pyarrow.parquet as pq
from pydantic import Field

from pipeline.common.settings import DEFAULT_RECIPE
from pipeline.dataset.build import build_dataset
from pipeline.dataset.card import HISTOGRAM, config_summaries, source_rows, write_card
from pipeline.dataset.publish import PublishSettings, publish
from pipeline.dataset.reproduce import gather_provenance, write_reproducibility
from pipeline.dataset.rewrite import Rewriter, rewrite_with_teacher
from pipeline.dataset.settings import DatasetSettings
from pipeline.orchestration import metadata as md
from pipeline.orchestration.config import launchpad_config, validated
from pipeline.orchestration.partitions import problem_shards
from pipeline.orchestration.resources import TeacherResource, TrajforgeStorage
from pipeline.strength.report import read_strength
from pipeline.teacher.config import teacher_recipe
from schemas import DatasetRow, Problem, Verification, from_table, read_parquet
from schemas.validate import THINK_TAGS

CONFIGS = ("default", "failed", "length_harmonized")
MAX_SHARD_BYTES = 500 * 1024 * 1024


DatasetConfig = launchpad_config(
    DatasetSettings, "DatasetConfig", "The dataset stage's settings (pipeline/dataset/settings.py)."
)


def _config_files(storage: TrajforgeStorage) -> dict[str, list[Path]]:
    """The files of each config the last `dataset` build wrote (its manifest), per config."""
    files: dict[str, list[Path]] = {}
    for path in storage.layout.manifest_paths("dataset"):
        files.setdefault(path.parent.name, []).append(path)
    return files


def _preview(files: list[Path], rows: int = 10) -> list[DatasetRow]:
    """The first rows of a config (one row group read, not the config)."""
    if not files:
        return []
    return from_table(pq.ParquetFile(files[0]).read_row_group(0).slice(0, rows), DatasetRow)


@dg.asset(group_name="dataset", deps=["verification", "reference_samples"], kinds={"parquet"})
def dataset(
    context: dg.AssetExecutionContext, config: DatasetConfig, storage: TrajforgeStorage, teacher: TeacherResource
) -> dg.MaterializeResult:
    """Verified trajectories paired Z1-style (default), failed ones (failed), and O1-Pruner weights
    (length_harmonized), as Hub-layout parquet shards."""
    settings = validated(DatasetSettings, config, "dataset config")
    built = build_dataset(
        storage.layout,
        problem_shards.get_partition_keys(),
        settings.assembly(),
        settings.pruner(),
        target_bytes=settings.shard_mb * 1024 * 1024,
        variants=settings.perturbations(),
        harmonize_from=settings.harmonize_from,
        wrong_answers=settings.wrong_answers,
        seed=settings.variant_seed,
        rewriter=_rewriter(settings, teacher, context.log.info),
    )
    default = config_summaries({"default": built.files.get("default", [])})["default"]
    by_profile = collections.Counter(default["profile"].to_list())
    by_difficulty = collections.Counter(default["difficulty"].to_list())
    tokens = {p: default.filter(pl.col("profile") == p)["token_num"].to_list() for p in ("short", "long")}
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": default.height,
            **{f"{name}_rows": rows for name, rows in built.rows.items()},
            "short_rows": by_profile["short"],
            "long_rows": by_profile["long"],
            **{f"{p}_mean_tokens": round(statistics.fmean(tokens[p]), 1) for p in tokens if tokens[p]},
            "token_lengths": md.histogram(tokens),
            "per_difficulty": md.table(
                [{"difficulty": d, "rows": n} for d, n in sorted(by_difficulty.items())], ["difficulty", "rows"]
            ),
            "dropped": md.table(
                [{"reason": k, "count": v} for k, v in sorted(built.removed.items())], ["reason", "count"]
            ),
            "preview": md.markdown_table(
                [
                    {
                        "id": r.id,
                        "profile": r.profile.value,
                        "tokens": r.token_num,
                        "difficulty": r.difficulty,
                        "response": r.response,
                    }
                    for r in _preview(built.files.get("default", []))
                ],
                ["id", "profile", "tokens", "difficulty", "response"],
            ),
            "folder": dg.MetadataValue.path(str(storage.layout.hub_dir())),
        }
    )


def _rewriter(settings: DatasetSettings, teacher: TeacherResource, log) -> Rewriter | None:
    """Sky-T1's LLM reflection rewrite through the run's teacher, when the recipe asks for it."""
    if settings.reflection_rewrite is None:
        return None
    recipe = teacher.configure(teacher_recipe(settings.teacher_recipe))
    rate, seed, prompt, tokens = (settings.reflection_rewrite, settings.variant_seed, settings.rewrite_prompt,
                                  settings.rewrite_max_tokens)  # fmt: skip
    return Rewriter(
        f"reflection-llm-{round(rate * 100)}",
        lambda rows: rewrite_with_teacher(rows, rate, seed, recipe, prompt, tokens, log),
        prompt,
    )


@dg.asset_check(asset=dataset)
def dataset_is_publishable(storage: TrajforgeStorage) -> dg.AssetCheckResult:
    """Rows valid, responses non-empty with no think tags, no evaluation problem in the training data, shards
    within the size bound."""
    layout = storage.layout
    problems_eval = {p.id for p in read_parquet(layout.handed_off("problems", layout.problems_file("eval")), Problem)}
    errors = []
    unusable = pl.col("response").str.strip_chars() == ""
    for tag in THINK_TAGS:
        unusable = unusable | pl.col("response").str.contains(tag, literal=True)
    for config, files in _config_files(storage).items():
        for path in files:  # one shard's columns at a time
            rows = pl.read_parquet(path, columns=["id", "response", "teacher_model", "problem_id"])
            errors += [f"{config}/{i}: empty response or think tags" for i in rows.filter(unusable)["id"]]
            local = rows.filter(
                pl.col("teacher_model").str.starts_with("/") | pl.col("teacher_model").str.starts_with("~")
            )
            errors += [
                f"{config}/{i}: teacher_model is a local path ({m})"
                for i, m in local.select("id", "teacher_model").iter_rows()
            ]
            leaked = rows.filter(pl.col("problem_id").is_in(sorted(problems_eval)))
            errors += [
                f"{config}/{i}: problem {p} is in the evaluation split"
                for i, p in leaked.select("id", "problem_id").iter_rows()
            ]
        errors += [f"{p.name}: {p.stat().st_size} bytes" for p in files if p.stat().st_size > MAX_SHARD_BYTES]
    return dg.AssetCheckResult(passed=not errors, metadata={"errors": "\n".join(errors[:20]) or "none"})


class DatasetCardConfig(dg.Config):
    recipe: str = Field(
        default=str(DEFAULT_RECIPE),
        description="The recipe the run used: copied next to the card (local paths replaced) and read for the "
        "teachers' models and sampling parameters.",
    )


@dg.asset(group_name="dataset", deps=[dataset, "test_strength"], kinds={"markdown"})
def dataset_card(config: DatasetCardConfig, storage: TrajforgeStorage) -> dg.MaterializeResult:
    """README.md dataset card (metadata through huggingface_hub's DatasetCardData): configs, statistics, the
    short-vs-long token histogram, provenance (sources and licenses, teachers, verification, removals by stage),
    citations; recipe.yaml and manifest.json (input hashes) next to it."""
    layout, written = storage.layout, _config_files(storage)
    shards = problem_shards.get_partition_keys()
    configs = config_summaries(
        {name: written.get(name, []) for name in (*CONFIGS, *[c for c in written if c not in CONFIGS])}
    )
    removed = layout.dropped_counts(("problems", "dataset"))
    summary_file, references = layout.report("problems_summary.json"), collections.defaultdict(collections.Counter)
    summary = json.loads(summary_file.read_text()) if summary_file.exists() else None
    if layout.reference_verification_file().exists():
        for v in read_parquet(layout.reference_verification_file(), Verification):
            references[v.problem_id.split("/", 1)[0]][v.verdict.value] += 1
    variants_file = layout.report("variants.json")
    variants = json.loads(variants_file.read_text()) if variants_file.exists() else []
    provenance = gather_provenance(layout, config.recipe, shards, removed)
    card = write_card(layout.hub_dir(), provenance.pretty_name, configs, removed,
                      source_rows(summary, references), variants, _harmonized_settings(written),
                      read_strength(layout, shards), provenance)  # fmt: skip
    write_reproducibility(layout, config.recipe, shards, provenance.sources)
    image = card.parent / HISTOGRAM
    return dg.MaterializeResult(
        metadata={
            "card": dg.MetadataValue.md(card.read_text()[:20000]),
            "histogram": dg.MetadataValue.path(str(image)),  # the UI cannot show a local image; the card links it
            "path": dg.MetadataValue.path(str(card)),
        }
    )


def _harmonized_settings(written: dict[str, list[Path]]) -> dict | None:
    """lambda and how the samples were drawn, from the first `length_harmonized` row (every row has them)."""
    files = written.get("length_harmonized")
    if not files:
        return None
    first = pq.read_table(files[0]).slice(0, 1).to_pylist()
    keep = ("harmonizing_lambda", "reference_model", "reference_k", "reference_temperature", "reference_top_p",
            "reference_max_tokens")  # fmt: skip
    return {k: v for k, v in first[0].items() if k in keep} if first else None


@dg.asset_check(asset=dataset_card)
def card_names_no_local_path(storage: TrajforgeStorage) -> dg.AssetCheckResult:
    """No file next to the card (README.md, LICENSE.md, recipe.yaml, manifest.json) names the builder's data
    folder, home or temporary folder: they name nothing anyone else can find."""
    import tempfile

    hub = storage.layout.hub_dir()
    markers = {str(storage.layout.root.resolve()), str(Path.home()), tempfile.gettempdir() + "/"}
    found = [f"{path.name}: {m}" for path in sorted(hub.glob("*")) if path.suffix in (".md", ".yaml", ".json")
             for m in sorted(markers) if m in path.read_text(encoding="utf-8")]  # fmt: skip
    return dg.AssetCheckResult(passed=not found, metadata={"found": "\n".join(found[:20]) or "none"})


class HubPushConfig(dg.Config):
    repo_id: str = Field(default="trajforge/code-reasoning", description="Hub dataset repo, owner/name.")
    private: bool = Field(default=True, description="Create the repo private.")
    dry_run: bool = Field(default=True, description="List what would be uploaded; set false (and HF_TOKEN) to push.")
    allow_unknown_licenses: bool = Field(
        default=False, description="Push even when a source's license is unknown (manifest.json lists them)."
    )


@dg.asset(group_name="publish", deps=[dataset_card], kinds={"huggingface"})
def hub_push(
    context: dg.AssetExecutionContext, config: HubPushConfig, storage: TrajforgeStorage
) -> dg.MaterializeResult:
    """The folder pushed to the Hugging Face Hub (dry run unless configured)."""
    report = publish(
        storage.layout.hub_dir(),
        PublishSettings(
            config.repo_id, config.private, config.dry_run, allow_unknown_licenses=config.allow_unknown_licenses
        ),
        log=context.log.info,
    )
    return dg.MaterializeResult(
        metadata={
            "repo_id": report.repo_id,
            "dry_run": report.dry_run,
            "files": len(report.files),
            "bytes": report.bytes,
            "blocked": report.blocked or "no",
        }
    )
