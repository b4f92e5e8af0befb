"""`reference_samples` asset: O1-Pruner's K samples per problem from the model being tuned,
verified in the sandbox; `length_harmonized` is computed on them."""

import collections
import json
import time

import dagster as dg
import pyarrow.parquet as pq
from pydantic import Field

from pipeline.common.layout import require_unique
from pipeline.common.settings import DEFAULT_RECIPE
from pipeline.orchestration.partitions import ProblemRef
from pipeline.orchestration.resources import SandboxResource, TeacherResource, TrajforgeStorage
from pipeline.teacher.config import teacher_recipe
from pipeline.teacher.reference import reference_recipe, reference_settings, sampled_with
from pipeline.teacher.sample_run import resolve_models, sample_into_store, select_problems
from pipeline.teacher.store import TrajectoryStore
from pipeline.verification.files import verify_trajectories
from schemas import Problem, Trajectory, Verification, read_parquet, write_parquet
from schemas.atomic import atomic_write_text

STAGE = "reference_samples"


class ReferenceConfig(dg.Config):
    recipe: str = Field(
        default=str(DEFAULT_RECIPE),
        description="Recipe YAML: its `reference:` section (model, K, temperature, top_p, max_tokens) and the "
        "teacher's backend and problem subset.",
    )


@dg.asset(group_name="trajectories", deps=["problems"], pool="teacher", kinds={"python", "docker", "parquet"})
def reference_samples(
    context: dg.AssetExecutionContext,
    config: ReferenceConfig,
    storage: TrajforgeStorage,
    teacher: TeacherResource,
    sandbox: SandboxResource,
) -> dg.MaterializeResult:
    """K samples per sampled training problem from the model being tuned (O1-Pruner's frozen reference), each
    verified in the sandbox. Stored as they arrive; a re-run samples only what is missing."""
    layout = storage.layout
    settings = reference_settings(config.recipe)
    if not settings.enabled:
        layout.write_manifest(STAGE, [])
        return dg.MaterializeResult(metadata={"enabled": False})
    teachers = teacher.configure(teacher_recipe(config.recipe))
    recipe = resolve_models(reference_recipe(teachers, settings), context.log.info)
    train = layout.handed_off("problems", layout.problems_file("train"))
    refs = [ProblemRef(**row) for row in pq.read_table(train, columns=["id", "source"]).to_pylist()]
    chosen = {
        r.id for r in select_problems(refs, teachers.problem_limit, teachers.prefer_problems, log=context.log.info)
    }
    problems = read_parquet(train, Problem, ids=chosen)
    store = TrajectoryStore(layout.reference_store())
    started = time.monotonic()
    report = sample_into_store(problems, recipe, store, log=context.log.info)
    if report.failed and not report.stored:
        raise dg.Failure(f"every reference request failed ({len(report.failed)}); first: {report.failed[0]}")
    rows = sorted((t for t in store.trajectories() if t.problem_id in chosen), key=lambda t: t.id)
    require_unique((t.id for t in rows), STAGE)
    with sandbox.executor(log=context.log.info) as executor:
        verdicts = verify_trajectories(
            {p.id: (p,) for p in problems}, rows, executor, executor.size, log=context.log.info
        )
    samples_path = write_parquet(rows, Trajectory, layout.reference_samples_file())
    verdicts_path = write_parquet(verdicts, Verification, layout.reference_verdicts_file())
    sampled = layout.reference_settings_file()
    atomic_write_text(sampled, json.dumps(sampled_with(settings, recipe.model)))
    layout.write_manifest(STAGE, [(samples_path, len(rows)), (verdicts_path, len(verdicts)), (sampled, 1)])
    counts = collections.Counter(v.verdict.value for v in verdicts)
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(rows),
            "model": recipe.model,
            "k": settings.k,
            "problems": len(problems),
            "sampled_now": report.stored,
            "truncated": sum(t.truncated for t in rows),
            "accepted": counts["accepted"],
            "seconds": round(time.monotonic() - started, 1),
        }
    )
