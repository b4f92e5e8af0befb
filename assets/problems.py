"""`problems` asset: every configured source normalized, deduplicated and decontaminated."""

from dataclasses import replace

import dagster as dg
import pyarrow.parquet as pq
from pydantic import Field

from pipeline.common.settings import DEFAULT_RECIPE
from pipeline.orchestration import metadata as md
from pipeline.orchestration.resources import TrajforgeStorage
from pipeline.problems.build import build_problems
from pipeline.problems.report import SOURCE_COLUMNS, ProblemsBuild, quarantine_reasons, source_table, summarize
from pipeline.problems.settings import ProblemsRecipe, problems_recipe
from pipeline.problems.staging import iter_problems
from schemas import Problem
from schemas.arrow import PROBLEM_SCHEMA


class ProblemsConfig(dg.Config):
    recipe: str = Field(
        default=str(DEFAULT_RECIPE),
        description="Recipe YAML; its `problems:` section names sources, dedup and decontamination settings.",
    )
    near_threshold: float | None = Field(
        default=None, description="Override the recipe's near-duplicate threshold (estimated Jaccard, 0-1)."
    )
    ngram: int | None = Field(default=None, description="Override the recipe's decontamination word n-gram size.")


def _with_overrides(recipe: ProblemsRecipe, config: ProblemsConfig) -> ProblemsRecipe:
    if config.near_threshold is not None:
        recipe = replace(recipe, dedup=replace(recipe.dedup, near_threshold=config.near_threshold))
    if config.ngram is not None:
        recipe = replace(recipe, decontamination=replace(recipe.decontamination, ngram=config.ngram))
    return recipe


@dg.asset(group_name="problems", kinds={"python", "parquet"})
def problems(
    context: dg.AssetExecutionContext, config: ProblemsConfig, storage: TrajforgeStorage
) -> dg.MaterializeResult:
    """Coding problems from every recipe source in one schema: exact and near duplicates removed, training split
    decontaminated against the benchmarks, bad rows quarantined."""
    recipe = _with_overrides(problems_recipe(config.recipe), config)
    build = build_problems(recipe, storage.layout, log=context.log.info)
    return dg.MaterializeResult(metadata=problems_metadata(build))


def problems_metadata(build: ProblemsBuild) -> dict:
    summary, files = summarize(build), build.files
    preview = [_preview_row(p) for p in next(iter_problems([files.train], batch_rows=20), [])]
    quarantine = next(pq.ParquetFile(files.quarantine).iter_batches(batch_size=md.MAX_TABLE_ROWS), None)
    removal_columns = ["problem_id", "stage", "matched_id", "similarity", "evidence"]
    return {
        "dagster/row_count": build.train_rows + build.eval_rows,
        "dagster/column_schema": md.column_schema(PROBLEM_SCHEMA),
        "train_problems": build.train_rows,
        "eval_problems": build.eval_rows,
        "quarantined": build.quarantined,
        "duplicates_removed": len(build.dedup_removals),
        "contaminated_removed": len(build.decontam_removals),
        "per_source": md.table(source_table(summary), SOURCE_COLUMNS),
        "quarantine_reasons": md.table(quarantine_reasons(summary), ["source", "reason", "rows"]),
        "preview": md.markdown_table(preview, ["id", "split", "test_style", "tests", "statement"]),
        "dedup_report": md.table([_removal(r) for r in build.dedup_removals], removal_columns),
        "decontamination_report": md.table([_removal(r) for r in build.decontam_removals], removal_columns),
        "quarantine": md.table(
            quarantine.to_pylist() if quarantine is not None else [],
            ["source", "row_index", "record_id", "field", "reason"],
        ),  # fmt: skip
        "held_out": dg.MetadataValue.json(summary["held_out"] or {}),
        "train_path": dg.MetadataValue.path(str(files.train)),
        "eval_path": dg.MetadataValue.path(str(files.eval)),
        "reports_dir": dg.MetadataValue.path(str(files.summary.parent)),
    }


def _preview_row(p: Problem) -> dict:
    return {"id": p.id, "split": p.split.value, "test_style": p.test_style.value, "tests": len(p.tests),
            "statement": p.statement}  # fmt: skip


def _removal(r) -> dict:
    fields = {name: getattr(r, name) for name in r.__dataclass_fields__}
    return {**fields, "stage": r.stage.value, "similarity": round(r.similarity, 4)}
