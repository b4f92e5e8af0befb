"""The Dagster code location: `dagster dev` (from the repo root) loads `defs` from here."""

import os

import dagster as dg

from assets.dataset import card_names_no_local_path, dataset, dataset_card, dataset_is_publishable, hub_push
from assets.finetune import finetuned_model, model_eval
from assets.problems import problems
from assets.reference import reference_samples
from assets.strength import amplified_tests, synthesized_tests, test_strength
from assets.trajectories import trajectories
from assets.verification import reference_solutions_pass, reference_verification, verification
from pipeline.orchestration.checks import PROBLEM_CHECKS
from pipeline.orchestration.resources import SandboxResource, TeacherResource, TrajforgeStorage

# Dagster runs one partitions definition per job, so the unpartitioned problem stage and the
# per-shard stages are separate jobs; `trajforge run` runs build_problems, every shard of
# sample_trajectories, build_dataset, then train_and_evaluate.
build_problems = dg.define_asset_job(
    "build_problems",
    selection=dg.AssetSelection.assets(problems, reference_verification),
    description="Problems from every recipe source, and their reference solutions verified in the sandbox.",
)
sample_trajectories = dg.define_asset_job(
    "sample_trajectories",
    # partitioned by problem shard
    selection=dg.AssetSelection.assets(amplified_tests, synthesized_tests, trajectories, verification, test_strength),
    description="One problem shard: amplified and synthesized tests, teacher trajectories verified in the sandbox, "
    "and the measured strength of the tests (backfill: all shards).",
)

build_dataset = dg.define_asset_job(
    "build_dataset",
    selection=dg.AssetSelection.assets(reference_samples, dataset, dataset_card, hub_push),
    description="O1-Pruner's reference samples, then verified trajectories of every shard -> Hub-ready folder, "
    "card, and the (dry-run) push.",
)

train_and_evaluate = dg.define_asset_job(
    "train_and_evaluate",
    selection=dg.AssetSelection.assets(finetuned_model, model_eval),
    description="Fine-tune on the published shards, then base vs fine-tuned with a thinking budget on the "
    "held-out split.",
)


def run_executor() -> dg.ExecutorDefinition:
    """Dagster's multiprocess executor (steps as processes on this machine), or with
    TRAJFORGE_EXECUTOR=k8s every step as its own Kubernetes Job (`pip install .[k8s]`,
    deploy/k8s/run_config.yaml, docs/scaling.md)."""
    choice = os.environ.get("TRAJFORGE_EXECUTOR", "multiprocess")
    if choice == "k8s":
        from dagster_k8s import k8s_job_executor

        return k8s_job_executor
    if choice != "multiprocess":
        raise ValueError(f"TRAJFORGE_EXECUTOR={choice!r}: use multiprocess or k8s")
    return dg.multiprocess_executor


defs = dg.Definitions(
    assets=[
        problems,
        reference_verification,
        amplified_tests,
        synthesized_tests,
        trajectories,
        verification,
        test_strength,
        reference_samples,
        dataset,
        dataset_card,
        hub_push,
        finetuned_model,
        model_eval,
    ],
    asset_checks=[*PROBLEM_CHECKS, reference_solutions_pass, dataset_is_publishable, card_names_no_local_path],
    jobs=[build_problems, sample_trajectories, build_dataset, train_and_evaluate],
    resources={"storage": TrajforgeStorage(), "sandbox": SandboxResource(), "teacher": TeacherResource()},
    executor=run_executor(),
)
