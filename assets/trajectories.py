"""`trajectories` asset: short and long teacher trajectories per problem shard."""

import collections
import time

import dagster as dg
from pydantic import Field

from pipeline.common.layout import require_unique
from pipeline.common.settings import DEFAULT_RECIPE
from pipeline.orchestration import metadata as md
from pipeline.orchestration.partitions import problems_of_shard, shard_asset
from pipeline.orchestration.resources import TeacherResource, TrajforgeStorage
from pipeline.teacher.config import teacher_recipe
from pipeline.teacher.sample_run import sample_into_store
from pipeline.teacher.store import TrajectoryStore
from schemas import Trajectory, write_parquet


class TrajectoriesConfig(dg.Config):
    recipe: str = Field(
        default=str(DEFAULT_RECIPE),
        description="Recipe YAML; its `teacher:` section "
        "names the backend (managed transformers serve, vLLM servers, in-process vLLM) and "
        "the short/long sampling profiles.",
    )
    problem_limit: int | None = Field(
        default=None,
        description="Override the recipe's problem_limit "
        "(how many training problems to sample; the subset is the same every run).",
    )


@shard_asset(group_name="trajectories", deps=["problems"], pool="teacher", kinds={"python", "jsonl"})
def trajectories(
    context: dg.AssetExecutionContext, config: TrajectoriesConfig, storage: TrajforgeStorage, teacher: TeacherResource
) -> dg.MaterializeResult:
    """SHORT and LONG trajectories from the teacher for the training problems of one shard. Samples are stored as
    they arrive; a re-run samples only what is missing."""
    recipe = teacher.configure(teacher_recipe(config.recipe))
    limit = config.problem_limit if config.problem_limit is not None else recipe.problem_limit
    layout, shard = storage.layout, context.partition_key
    mine = problems_of_shard(
        layout.handed_off("problems", layout.problems_file("train")),
        shard,
        limit,
        recipe.prefer_problems,
        log=context.log.warning,
    )
    store = TrajectoryStore(layout.trajectory_store(shard))
    if store.unreadable:
        context.log.warning(f"{store.unreadable} unreadable line(s) moved to {store._store.unreadable_path}")
    started = time.monotonic()
    report = sample_into_store(mine, recipe, store, log=context.log.info)
    elapsed = time.monotonic() - started
    if report.failed and not report.stored:
        raise dg.Failure(f"every teacher request failed ({len(report.failed)}); first: {report.failed[0]}")
    ids = {p.id for p in mine}
    rows = sorted((t for t in store.trajectories() if t.problem_id in ids), key=lambda t: t.id)
    require_unique((t.id for t in rows), f"trajectories [{shard}]")
    path = write_parquet(rows, Trajectory, layout.trajectories_file(shard))
    layout.write_manifest("trajectories", [(path, len(rows))], shard)
    return dg.MaterializeResult(metadata=_metadata(rows, report, elapsed, len(mine), path))


def _metadata(rows: list[Trajectory], report, elapsed: float, problems: int, path) -> dict:
    by_profile = collections.defaultdict(list)
    for t in rows:
        by_profile[t.profile.value].append(t)
    table = [
        {
            "profile": name,
            "trajectories": len(ts),
            "mean_completion_tokens": round(sum(t.completion_tokens for t in ts) / len(ts), 1),
            "truncated": sum(t.truncated for t in ts),
            "with_code": sum(bool(t.code.strip()) for t in ts),
        }
        for name, ts in sorted(by_profile.items())
    ]
    return {
        "dagster/row_count": len(rows),
        "problems": problems,
        "sampled_now": report.stored,
        "failed_requests": len(report.failed),
        "truncated": sum(t.truncated for t in rows),
        "tokens_per_second": round(report.completion_tokens / elapsed, 2) if report.stored else 0.0,
        "per_profile": md.table(table, ["profile", "trajectories", "mean_completion_tokens", "truncated", "with_code"]),
        "preview": md.markdown_table(
            [
                {"problem": t.problem_id, "profile": t.profile.value, "tokens": t.completion_tokens, "answer": t.answer}
                for t in rows[:10]
            ],
            ["problem", "profile", "tokens", "answer"],
        ),
        "failures": "\n".join(report.failed[:10]) or "none",
        "path": dg.MetadataValue.path(str(path)),
    }
