"""The tests stage, per problem shard: amplified tests, synthesized tests for test-less problems, and
the measured strength of every test set (`pipeline/strength`)."""

import collections

import dagster as dg
from pydantic import Field

from pipeline.common.settings import DEFAULT_RECIPE
from pipeline.orchestration import metadata as md
from pipeline.orchestration.partitions import problems_of_shard, shard_asset
from pipeline.orchestration.resources import SandboxResource, TeacherResource, TrajforgeStorage
from pipeline.strength.report import by_source
from pipeline.strength.runs import (
    DecisionStore,
    amplify_shard,
    measure_shard,
    settings_key,
    synthesis_key,
    synthesize_shard,
)
from pipeline.strength.settings import tests_recipe
from pipeline.teacher.config import teacher_recipe
from schemas import Problem, Trajectory, read_parquet, write_parquet
from schemas.atomic import atomic_path

AMPLIFIED, SYNTHESIZED = "amplified", "synthesized"


class TestsConfig(dg.Config):
    __test__ = False  # not a pytest class

    recipe: str = Field(
        default=str(DEFAULT_RECIPE),
        description="Recipe YAML: its `tests:` section (amplify, synthesize, strength, use) and `teacher:` section.",
    )


def shard_problems(layout, shard: str, recipe_path: str, log) -> list[Problem]:
    """The problems this shard samples (the teacher's subset), so tests are made for exactly them."""
    teacher = teacher_recipe(recipe_path)
    train = layout.handed_off("problems", layout.problems_file("train"))
    return problems_of_shard(train, shard, teacher.problem_limit, teacher.prefer_problems, log=log)


def read_test_sets(layout, kind: str, shard: str, log=None) -> dict[str, Problem]:
    """The shard's amplified or synthesized test sets by problem id; none when `{kind}_tests` never
    ran for the shard (verification then runs the problems' own tests, and says so)."""
    if not layout.manifest_file(f"{kind}_tests", shard).exists():
        if log is not None:
            log(f"{kind}_tests was not materialized for {shard}: no {kind} tests are used")
        return {}
    return {p.id: p for path in layout.manifest_paths(f"{kind}_tests", [shard]) for p in read_parquet(path, Problem)}


def _write(layout, kind: str, shard: str, made: list[Problem]):
    path = write_parquet(made, Problem, layout.test_set_file(kind, shard))
    layout.write_manifest(f"{kind}_tests", [(path, len(made))], shard)
    return path


def _decisions_metadata(problems: list[Problem], made: list[Problem], reasons: dict[str, str], path) -> dict:
    counts = collections.Counter(reasons.values())
    return {
        "dagster/row_count": len(made),
        "problems": len(problems),
        "with_new_tests": len(made),
        "tests_made": sum(len(p.tests) for p in made),
        "without": md.table([{"reason": r, "problems": n} for r, n in counts.most_common()], ["reason", "problems"]),
        "path": dg.MetadataValue.path(str(path)),
    }


@shard_asset(group_name="tests", deps=["problems"], pool="sandbox", kinds={"docker", "parquet"})
def amplified_tests(
    context: dg.AssetExecutionContext, config: TestsConfig, storage: TrajforgeStorage, sandbox: SandboxResource
) -> dg.MaterializeResult:
    """EvalPlus-style amplified tests: each call/assert-style problem's own inputs mutated by type, expected
    outputs from its reference in the sandbox. Stored beside the original tests; decisions are kept, so a re-run
    amplifies only what is new."""
    layout, shard, recipe = storage.layout, context.partition_key, tests_recipe(config.recipe).amplify
    problems = shard_problems(layout, shard, config.recipe, context.log.warning)
    made, reasons = [], {}
    if recipe.enabled:
        store = DecisionStore(layout.test_set_store(AMPLIFIED, shard), settings_key(recipe))
        with sandbox.executor(log=context.log.info) as executor:
            made, reasons = amplify_shard(problems, executor, executor.size, recipe, store, context.log.info)
    path = _write(layout, AMPLIFIED, shard, made)
    return dg.MaterializeResult(metadata={**_decisions_metadata(problems, made, reasons, path),
                                          "enabled": recipe.enabled})  # fmt: skip


@shard_asset(group_name="tests", deps=["problems"], pool="teacher", kinds={"python", "parquet"})
def synthesized_tests(
    context: dg.AssetExecutionContext,
    config: TestsConfig,
    storage: TrajforgeStorage,
    sandbox: SandboxResource,
    teacher: TeacherResource,
) -> dg.MaterializeResult:
    """KodCode-style tests for problems without any (Code Evol-Instruct): the teacher writes a solution and
    asserts; kept when the solution passes them in the sandbox and a second independent sample does too."""
    from pipeline.teacher.sample_run import open_backend, resolve_models

    layout, shard, recipe = storage.layout, context.partition_key, tests_recipe(config.recipe).synthesize
    problems = shard_problems(layout, shard, config.recipe, context.log.warning)
    testless = [p for p in problems if not p.tests]
    made, reasons = [], {}
    if recipe.enabled and testless:
        teaching = resolve_models(teacher.configure(teacher_recipe(config.recipe)), context.log.info)
        profile = next((p for p in teaching.profiles if p.name == recipe.profile), None)
        if profile is None:
            raise dg.Failure(f"tests.synthesize.profile {recipe.profile!r} is not a teacher profile")
        store = DecisionStore(layout.test_set_store(SYNTHESIZED, shard), synthesis_key(recipe, profile.model))
        todo = [p for p in testless if p.id not in store]
        with sandbox.executor(log=context.log.info) as executor:
            if todo:
                with open_backend(teaching, context.log.info) as backend:
                    synthesize_shard(todo, backend.client, profile.model, executor, recipe, store, context.log.info)
            made, reasons = store.decided([p.id for p in testless])
    path = _write(layout, SYNTHESIZED, shard, made)
    return dg.MaterializeResult(metadata={**_decisions_metadata(testless, made, reasons, path),
                                          "enabled": recipe.enabled})  # fmt: skip


@shard_asset(group_name="tests", deps=["amplified_tests", "synthesized_tests", "trajectories"], pool="sandbox",
             kinds={"docker", "parquet"})  # fmt: skip
def test_strength(
    context: dg.AssetExecutionContext, config: TestsConfig, storage: TrajforgeStorage, sandbox: SandboxResource
) -> dg.MaterializeResult:
    """How strong each problem's tests are: mutation score (reference mutants rejected), TPR (reference accepted)
    and TNR (labelled incorrect solutions and teacher samples with outputs unlike the reference's, rejected), for
    the problem's own tests and its amplified tests."""
    layout, shard, recipe = storage.layout, context.partition_key, tests_recipe(config.recipe).strength
    problems = shard_problems(layout, shard, config.recipe, context.log.warning)
    synthesized = read_test_sets(layout, SYNTHESIZED, shard)
    problems = [synthesized.get(p.id, p) for p in problems]
    amplified = read_test_sets(layout, AMPLIFIED, shard)
    samples = [t for path in layout.manifest_paths("trajectories", [shard]) for t in read_parquet(path, Trajectory)]
    path = layout.strength_file(shard)
    if recipe.enabled:
        with sandbox.executor(log=context.log.info) as executor:
            rows = measure_shard(problems, amplified, samples, executor, executor.size, recipe.strength_settings(),
                                 context.log.info)  # fmt: skip
    else:
        rows = measure_shard([], {}, [], None, 1, recipe.strength_settings(), context.log.info)
    with atomic_path(path) as tmp:
        rows.write_parquet(tmp)
    layout.write_manifest("test_strength", [(path, rows.height)], shard)
    table = by_source(rows)
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": rows.height,
            "enabled": recipe.enabled,
            "per_source": md.table(table.to_dicts(), table.columns),
            "path": dg.MetadataValue.path(str(path)),
        }
    )
