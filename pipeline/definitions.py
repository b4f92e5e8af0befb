"""The Dagster code location: `dagster dev` (from the repo root) loads `defs` from here."""

import dagster as dg

from assets.problems import problems
from assets.trajectories import trajectories
from assets.verification import reference_solutions_pass, reference_verification, verification
from pipeline.checks import PROBLEM_CHECKS
from pipeline.resources import SandboxResource, TeacherResource, TrajforgeStorage

# Dagster runs one partitions definition per job, so the unpartitioned problem stage and the
# per-shard stages are two jobs; `trajforge run` runs the first, then every shard of the second.
build_problems = dg.define_asset_job(
    "build_problems",
    selection=dg.AssetSelection.assets(problems, reference_verification),
    description="Problems from every recipe source, and their reference solutions verified in the sandbox.",
)
sample_trajectories = dg.define_asset_job(
    "sample_trajectories",
    selection=dg.AssetSelection.assets(trajectories, verification),  # partitioned by problem shard
    description="Teacher trajectories for one problem shard, verified in the sandbox (backfill: all shards).",
)

defs = dg.Definitions(
    assets=[problems, reference_verification, trajectories, verification],
    asset_checks=[*PROBLEM_CHECKS, reference_solutions_pass],
    jobs=[build_problems, sample_trajectories],
    resources={"storage": TrajforgeStorage(), "sandbox": SandboxResource(), "teacher": TeacherResource()},
)
