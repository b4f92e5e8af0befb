"""Verification assets: reference solutions against their own tests (a check on the test sets),
and teacher trajectories against their problem's tests (per problem shard)."""

import collections
import time

import dagster as dg
from pydantic import Field

from assets.strength import read_test_sets
from pipeline.common.layout import require_unique
from pipeline.common.settings import DEFAULT_RECIPE
from pipeline.orchestration import metadata as md
from pipeline.orchestration.partitions import shard_asset
from pipeline.orchestration.resources import SandboxResource, TrajforgeStorage
from pipeline.strength.settings import tests_recipe
from pipeline.strength.testsets import sets_to_run
from pipeline.verification.files import REFERENCE_ID, verify_references, verify_trajectories
from pipeline.verification.limits import calibrate, reference_times
from schemas import Problem, Trajectory, Verdict, Verification, read_parquet, write_parquet


@dg.asset(group_name="verification", deps=["problems"], pool="sandbox", kinds={"docker", "parquet"})
def reference_verification(
    context: dg.AssetExecutionContext, storage: TrajforgeStorage, sandbox: SandboxResource
) -> dg.MaterializeResult:
    """Reference solutions, and every other known-correct program of a problem (CodeContests' C++ and Java
    included), verified in the Docker sandbox: a problem whose correct program fails its tests has a broken
    test set (or a wrong program) and is flagged here."""
    layout = storage.layout
    problems = [
        p
        for split in ("train", "eval")
        for p in read_parquet(layout.handed_off("problems", layout.problems_file(split)), Problem)
    ]
    started = time.monotonic()
    with sandbox.executor(log=context.log.info) as executor:
        results = verify_references(problems, executor, executor.size, log=context.log.info, include_correct=True)
    elapsed = time.monotonic() - started
    path = write_parquet(results, Verification, layout.reference_verification_file())
    return dg.MaterializeResult(metadata=_metadata(problems, results, elapsed, path))


def _verdict_summary(results: list[Verification], elapsed: float, path) -> dict:
    """The metadata every verification asset shows: counts, pass rate, throughput, verdict table."""
    verdicts = collections.Counter(r.verdict.value for r in results)
    return {
        "dagster/row_count": len(results),
        "accepted": verdicts["accepted"],
        "pass_rate": round(verdicts["accepted"] / max(1, len(results)), 4),
        "sandbox_errors": verdicts["sandbox_error"],
        "solutions_per_second": round(len(results) / max(elapsed, 1e-9), 2),
        "verdicts": md.table([{"verdict": v, "count": n} for v, n in verdicts.most_common()], ["verdict", "count"]),
        "path": dg.MetadataValue.path(str(path)),
    }


def _pass_rates(results: list[Verification], group_of, name: str) -> dg.MetadataValue:
    """A table of pass rates per group (source, profile); `group_of(result)` names the group."""
    groups: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for r in results:
        groups[group_of(r)][r.verdict.value] += 1
    rows = [
        {
            name: g,
            "verified": sum(c.values()),
            "accepted": c["accepted"],
            "pass_rate": round(c["accepted"] / max(1, sum(c.values())), 4),
        }
        for g, c in sorted(groups.items())
    ]
    return md.table(rows, [name, "verified", "accepted", "pass_rate"])


def _metadata(problems: list[Problem], results: list[Verification], elapsed: float, path) -> dict:
    source_of = {p.id: p.source for p in problems}
    failing = [
        {
            "problem_id": r.problem_id,
            "solution_id": r.solution_id,
            "verdict": r.verdict.value,
            "passed": r.passed,
            "total": r.total,
            "detail": next((t.detail for t in r.tests if t.verdict is not Verdict.ACCEPTED), ""),
        }
        for r in results
        if r.verdict is not Verdict.ACCEPTED
    ]
    return {
        **_verdict_summary(results, elapsed, path),
        "without_reference": len(problems) - len({r.problem_id for r in results}),
        "other_correct_programs": sum(r.solution_id != REFERENCE_ID for r in results),
        "per_source": _pass_rates(results, lambda r: source_of[r.problem_id], "source"),
        "failing_references": md.table(failing, ["problem_id", "solution_id", "verdict", "passed", "total", "detail"]),
    }


@dg.asset_check(asset=reference_verification, blocking=False)
def reference_solutions_pass(storage: TrajforgeStorage) -> dg.AssetCheckResult:
    """Every reference solution, and every other known-correct program, passes its problem's tests."""
    results = read_parquet(storage.layout.reference_verification_file(), Verification)
    failing = sorted({r.problem_id for r in results if r.verdict is not Verdict.ACCEPTED})
    return dg.AssetCheckResult(
        passed=not failing,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"failing": len(failing), "examples": ", ".join(failing[:20]) or "none"},
    )


class VerificationConfig(dg.Config):
    recipe: str = Field(
        default=str(DEFAULT_RECIPE),
        description="Recipe YAML: `tests.use` picks the tests run (original, amplified or both).",
    )


@shard_asset(group_name="verification", deps=["trajectories", "amplified_tests", "synthesized_tests"],
             pool="sandbox", kinds={"docker", "parquet"})  # fmt: skip
def verification(
    context: dg.AssetExecutionContext, config: VerificationConfig, storage: TrajforgeStorage, sandbox: SandboxResource
) -> dg.MaterializeResult:
    """Every trajectory's final code run against its problem's tests in the Docker sandbox: its own tests, the
    amplified ones or both (`tests.use`), or the synthesized ones where the source has none."""
    layout, shard, use = storage.layout, context.partition_key, tests_recipe(config.recipe).use
    rows = [t for path in layout.manifest_paths("trajectories", [shard]) for t in read_parquet(path, Trajectory)]
    problems = {
        p.id: p
        for p in read_parquet(
            layout.handed_off("problems", layout.problems_file("train")), Problem, ids={t.problem_id for t in rows}
        )
    }
    amplified = read_test_sets(layout, "amplified", shard, context.log.warning)
    synthesized = read_test_sets(layout, "synthesized", shard, context.log.warning)
    raised: list[dict] = []
    if layout.reference_verification_file().exists():  # limits calibrated on this host (reference times)
        timed = reference_times(read_parquet(layout.reference_verification_file(), Verification))
        problems, raised = calibrate(problems, timed)
        amplified, _ = calibrate(amplified, timed)
    sets = {pid: sets_to_run(p, amplified.get(pid), synthesized.get(pid), use) for pid, p in problems.items()}
    started = time.monotonic()
    with sandbox.executor(log=context.log.info) as executor:
        results = verify_trajectories(sets, rows, executor, executor.size, log=context.log.info)
    elapsed = time.monotonic() - started
    require_unique((v.solution_id for v in results), f"verification [{shard}]")
    path = write_parquet(results, Verification, layout.verification_file(shard))
    layout.write_manifest("verification", [(path, len(results))], shard)
    profile_of = {t.id: t.profile.value for t in rows}
    used = collections.Counter(_tests_used(chosen, problems[pid], amplified.get(pid)) for pid, chosen in sets.items())
    return dg.MaterializeResult(
        metadata={
            **_verdict_summary(results, elapsed, path),
            "tests_use": use,
            "problems_by_tests_run": md.table(
                [{"tests": k, "problems": n} for k, n in used.most_common()], ["tests", "problems"]
            ),  # fmt: skip
            "per_profile": _pass_rates(results, lambda r: profile_of[r.solution_id], "profile"),
            "time_limits_raised": len(raised),
            "raised_limits": md.table(raised[:50], ["problem_id", "source_limit_s", "reference_s", "time_limit_s"]),
        }
    )


def _tests_used(chosen: tuple[Problem, ...], own: Problem, amplified: Problem | None) -> str:
    labels = ["own" if p is own else "amplified" if p is amplified else "synthesized" for p in chosen]
    return " + ".join(labels) or "none (not verified)"
