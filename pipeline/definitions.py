"""The Dagster code location: `dagster dev` (from the repo root) loads `defs` from here."""

from __future__ import annotations

import dagster as dg

from assets.problems import problems
from assets.verification import reference_solutions_pass, reference_verification
from pipeline.checks import PROBLEM_CHECKS
from pipeline.resources import SandboxResource, TrajforgeStorage

build_dataset = dg.define_asset_job(
    "build_dataset",
    selection=dg.AssetSelection.all(),
    description="Every stage on the embedded defaults (the README's main command runs this).",
)

defs = dg.Definitions(
    assets=[problems, reference_verification],
    asset_checks=[*PROBLEM_CHECKS, reference_solutions_pass],
    jobs=[build_dataset],
    resources={"storage": TrajforgeStorage(), "sandbox": SandboxResource()},
)
