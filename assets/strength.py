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
    amplify_stdin_shard,
    call_amplification_key,
    measure_shard,
    stdin_amplification_key,
    synthesis_key,
    synthesize_shard,
)
from pipeline.strength.settings import tests_recipe
from pipeline.teacher.config import teacher_recipe
from schemas import Problem, TestStyle, Trajectory, read_parquet, write_parquet
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
    context: dg.AssetExecutionContext,
    config: TestsConfig,
    storage: TrajforgeStorage,
    sandbox: SandboxResource,
    teacher: TeacherResource,
) -> dg.MaterializeResult:
    """Amplified tests, stored beside the original ones. Call/assert-style problems: EvalPlus-style, their own
    inputs mutated by type, expected outputs from the reference. Stdin problems: a teacher-written input
    generator, inputs kept where the reference and an independently accepted teacher solution agree. Decisions
    are kept, so a re-run amplifies only what is new."""
    layout, shard, recipe = storage.layout, context.partition_key, tests_recipe(config.recipe).amplify
    problems = shard_problems(layout, shard, config.recipe, context.log.warning)
    made, reasons = [], {}
    if recipe.enabled:
        store = DecisionStore(layout.test_set_store(AMPLIFIED, shard), call_amplification_key(recipe))
        with sandbox.executor(log=context.log.info) as executor:
            made, reasons = amplify_shard(problems, executor, executor.size, recipe, store, context.log.info)
            if recipe.stdin:
                stdin_made, stdin_reasons = _amplify_stdin(context, config, problems, executor, teacher, recipe)
                made, reasons = made + stdin_made, {**reasons, **stdin_reasons}
    path = _write(layout, AMPLIFIED, shard, made)
    return dg.MaterializeResult(metadata={**_decisions_metadata(problems, made, reasons, path),
                                          "enabled": recipe.enabled})  # fmt: skip


def _amplify_stdin(context, config, problems, executor, teacher, recipe):
    """Stdin problems through a teacher-written generator; the teacher starts only if one is undecided."""
    from pipeline.teacher.sample_run import open_backend, resolve_models

    teaching = resolve_models(teacher.configure(teacher_recipe(config.recipe)), lambda _: None)
    model = _profile_model(teaching, recipe.generator_profile, "tests.amplify.generator_profile")
    layout, shard = context.resources.storage.layout, context.partition_key
    store = DecisionStore(layout.test_set_store(f"{AMPLIFIED}-stdin", shard), stdin_amplification_key(recipe, model))
    todo = [p for p in problems if p.test_style is TestStyle.STDIN and p.tests and p.reference_solution
            and p.id not in store]  # fmt: skip
    if not todo:
        return amplify_stdin_shard(problems, None, model, executor, recipe, store, context.log.info)
    with open_backend(teaching, context.log.info) as backend:
        return amplify_stdin_shard(problems, backend.client, model, executor, recipe, store, context.log.info)


def _profile_model(teaching, name: str, key: str) -> str:
    profile = next((p for p in teaching.profiles if p.name == name), None)
    if profile is None:
        raise dg.Failure(f"{key}: {name!r} is not a teacher profile ({', '.join(p.name for p in teaching.profiles)})")
    return profile.model


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
        model = _profile_model(teaching, recipe.profile, "tests.synthesize.profile")
        store = DecisionStore(layout.test_set_store(SYNTHESIZED, shard), synthesis_key(recipe, model))
        todo = [p for p in testless if p.id not in store]
        with sandbox.executor(log=context.log.info) as executor:
            if todo:
                with open_backend(teaching, context.log.info) as backend:
                    synthesize_shard(todo, backend.client, model, executor, recipe, store, context.log.info)
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
