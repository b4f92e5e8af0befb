"""Verification assets: reference solutions against their own tests (a check on the test sets),
and teacher trajectories against their problem's tests (per problem shard)."""

import collections
import time

import dagster as dg

from pipeline import metadata as md
from pipeline.partitions import problem_shards
from pipeline.resources import SandboxResource, TrajforgeStorage
from pipeline.verification import verify_references, verify_trajectories
from schemas import Problem, Trajectory, Verdict, Verification, read_parquet, write_parquet

REFERENCE_FILE = ("verification", "reference.parquet")


@dg.asset(
    group_name="verification",
    deps=["problems"],
    pool="sandbox",
    kinds={"docker", "parquet"},
    description="Reference solutions verified in the Docker sandbox: a problem whose own reference fails "
                "its tests has a broken test set (or a wrong reference) and is flagged here.",
)
def reference_verification(context: dg.AssetExecutionContext, storage: TrajforgeStorage,
                           sandbox: SandboxResource) -> dg.MaterializeResult:
    problems = [p for name in ("train", "eval")
                for p in read_parquet(storage.path("problems", f"{name}.parquet"), Problem)]
    started = time.monotonic()
    with sandbox.executor(log=context.log.info) as executor:
        results = verify_references(problems, executor, sandbox.workers, log=context.log.info)
    elapsed = time.monotonic() - started
    path = write_parquet(results, Verification, storage.path(*REFERENCE_FILE))
    return dg.MaterializeResult(metadata=_metadata(problems, results, elapsed, path))


def _metadata(problems: list[Problem], results: list[Verification], elapsed: float, path) -> dict:
    source_of = {p.id: p.source for p in problems}
    by_source: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for r in results:
        by_source[source_of[r.problem_id]][r.verdict.value] += 1
    rows = [{"source": s, "verified": sum(c.values()), "accepted": c["accepted"],
             "pass_rate": round(c["accepted"] / max(1, sum(c.values())), 4)} for s, c in sorted(by_source.items())]
    failing = [{"problem_id": r.problem_id, "verdict": r.verdict.value, "passed": r.passed, "total": r.total,
                "detail": next((t.detail for t in r.tests if t.verdict is not Verdict.ACCEPTED), "")}
               for r in results if r.verdict is not Verdict.ACCEPTED]
    verdicts = collections.Counter(r.verdict.value for r in results)
    return {
        "dagster/row_count": len(results),
        "accepted": verdicts["accepted"],
        "pass_rate": round(verdicts["accepted"] / max(1, len(results)), 4),
        "sandbox_errors": verdicts["sandbox_error"],
        "solutions_per_second": round(len(results) / max(elapsed, 1e-9), 2),
        "without_reference": len(problems) - len(results),
        "verdicts": md.table([{"verdict": v, "count": n} for v, n in verdicts.most_common()], ["verdict", "count"]),
        "per_source": md.table(rows, ["source", "verified", "accepted", "pass_rate"]),
        "failing_references": md.table(failing, ["problem_id", "verdict", "passed", "total", "detail"]),
        "path": dg.MetadataValue.path(str(path)),
    }


@dg.asset_check(asset=reference_verification, description="Every reference solution passes its own tests.",
                blocking=False)
def reference_solutions_pass(storage: TrajforgeStorage) -> dg.AssetCheckResult:
    results = read_parquet(storage.path(*REFERENCE_FILE), Verification)
    failing = [r.problem_id for r in results if r.verdict is not Verdict.ACCEPTED]
    return dg.AssetCheckResult(passed=not failing, severity=dg.AssetCheckSeverity.WARN,
                               metadata={"failing": len(failing), "examples": ", ".join(failing[:20]) or "none"})


@dg.asset(
    group_name="verification",
    deps=["trajectories"],
    partitions_def=problem_shards,
    pool="sandbox",
    kinds={"docker", "parquet"},
    description="Every trajectory's final code run against its problem's tests in the Docker sandbox.",
)
def verification(context: dg.AssetExecutionContext, storage: TrajforgeStorage,
                 sandbox: SandboxResource) -> dg.MaterializeResult:
    problems = {p.id: p for p in read_parquet(storage.path("problems", "train.parquet"), Problem)}
    rows = read_parquet(storage.path("trajectories", f"{context.partition_key}.parquet"), Trajectory)
    started = time.monotonic()
    with sandbox.executor(log=context.log.info) as executor:
        results = verify_trajectories(problems, rows, executor, sandbox.workers, log=context.log.info)
    elapsed = time.monotonic() - started
    path = write_parquet(results, Verification, storage.path("verification", f"{context.partition_key}.parquet"))
    profile_of = {t.id: t.profile.value for t in rows}
    by_profile: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for r in results:
        by_profile[profile_of[r.solution_id]][r.verdict.value] += 1
    table = [{"profile": p, "verified": sum(c.values()), "accepted": c["accepted"],
              "pass_rate": round(c["accepted"] / max(1, sum(c.values())), 4)} for p, c in sorted(by_profile.items())]
    verdicts = collections.Counter(r.verdict.value for r in results)
    return dg.MaterializeResult(metadata={
        "dagster/row_count": len(results),
        "accepted": verdicts["accepted"],
        "pass_rate": round(verdicts["accepted"] / max(1, len(results)), 4),
        "sandbox_errors": verdicts["sandbox_error"],
        "solutions_per_second": round(len(results) / max(elapsed, 1e-9), 2),
        "per_profile": md.table(table, ["profile", "verified", "accepted", "pass_rate"]),
        "verdicts": md.table([{"verdict": v, "count": n} for v, n in verdicts.most_common()], ["verdict", "count"]),
        "path": dg.MetadataValue.path(str(path)),
    })
