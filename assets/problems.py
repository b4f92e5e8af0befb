"""`problems` asset: every configured source normalized, deduplicated and decontaminated."""

from dataclasses import replace

import dagster as dg
from pydantic import Field

from pipeline.common.settings import DEFAULT_RECIPE
from pipeline.orchestration import metadata as md
from pipeline.orchestration.resources import TrajforgeStorage
from pipeline.problems.build import ProblemsBuild, ProblemsFiles, build_problems, summarize, write_problems
from pipeline.problems.settings import ProblemsRecipe, problems_recipe
from schemas import Problem, Split
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
    build = build_problems(recipe, log=context.log.info)
    files = write_problems(build, storage.layout)
    return dg.MaterializeResult(metadata=problems_metadata(build, files))


def problems_metadata(build: ProblemsBuild, files: ProblemsFiles) -> dict:
    summary = summarize(build)
    per_source = [{"source": s, **counts} for s, counts in summary["per_source"].items()]
    preview = [_preview_row(p) for p in build.problems[:20]]
    removal_columns = ["problem_id", "stage", "matched_id", "similarity", "evidence"]
    return {
        "dagster/row_count": len(build.problems),
        "dagster/column_schema": md.column_schema(PROBLEM_SCHEMA),
        "train_problems": len(build.by_split(Split.TRAIN)),
        "eval_problems": len(build.by_split(Split.EVAL)),
        "quarantined": len(build.quarantine),
        "duplicates_removed": len(build.dedup_removals),
        "contaminated_removed": len(build.decontam_removals),
        "per_source": md.table(
            per_source, ["source", "loaded", "quarantined", "duplicates", "contaminated", "train", "eval"]
        ),
        "preview": md.markdown_table(preview, ["id", "split", "test_style", "tests", "statement"]),
        "dedup_report": md.table([_removal(r) for r in build.dedup_removals], removal_columns),
        "decontamination_report": md.table([_removal(r) for r in build.decontam_removals], removal_columns),
        "quarantine": md.table(
            [_fields_of(q) for q in build.quarantine], ["source", "row_index", "record_id", "field", "reason"]
        ),
        "held_out": dg.MetadataValue.json(summary["held_out"] or {}),
        "train_path": dg.MetadataValue.path(str(files.train)),
        "eval_path": dg.MetadataValue.path(str(files.eval)),
        "reports_dir": dg.MetadataValue.path(str(files.summary.parent)),
    }


def _preview_row(p: Problem) -> dict:
    return {
        "id": p.id,
        "split": p.split.value,
        "test_style": p.test_style.value,
        "tests": len(p.tests),
        "statement": p.statement,
    }


def _removal(r) -> dict:
    return {**_fields_of(r), "stage": r.stage.value, "similarity": round(r.similarity, 4)}


def _fields_of(record) -> dict:
    return {name: getattr(record, name) for name in record.__dataclass_fields__}
