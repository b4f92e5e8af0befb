"""`finetuned_model` (LoRA SFT or length-harmonizing fine-tuning on the published shards) and
`model_eval` (base vs fine-tuned with a thinking budget, on the held-out split, in the sandbox)."""

import json
from dataclasses import asdict

import dagster as dg
from pydantic import Field

from pipeline.evaluation.compare import EvalSettings, evaluate_base_and_finetuned, finetuned_location, held_out_problems
from pipeline.finetune.config import CPU_RECIPE, finetune_recipe
from pipeline.finetune.train import TrainResult, resolve_base_model, train
from pipeline.orchestration import metadata as md
from pipeline.orchestration.config import launchpad_config, validated
from pipeline.orchestration.resources import SandboxResource, TrajforgeStorage
from schemas.atomic import atomic_write_text


class FinetunedModelConfig(dg.Config):
    recipe: str = Field(
        default=str(CPU_RECIPE),
        description="Fine-tuning recipe YAML (finetune: section); recipes/finetune/z1-gpu.yaml is Z1's GPU recipe.",
    )
    dataset: str = Field(
        default="",
        description="Shards to train on: a Hub-layout folder or a Hub repo id; "
        "default: the folder the `dataset` asset wrote.",
    )
    force: bool = Field(default=False, description="Train again even when this recipe and data were trained.")


@dg.asset(group_name="finetune", deps=["hub_push"], pool="gpu", kinds={"pytorch"})
def finetuned_model(
    context: dg.AssetExecutionContext, config: FinetunedModelConfig, storage: TrajforgeStorage
) -> dg.MaterializeResult:
    """A small fine-tuning job on the published shards: TRL SFTTrainer + LoRA, loss on the response only; or the
    O1-Pruner length-harmonizing loss on `length_harmonized`."""
    layout = storage.layout
    recipe = finetune_recipe(config.recipe, dataset=config.dataset or str(layout.hub_dir()))
    result = train(recipe, layout.finetune_dir(recipe.mode), log=context.log.info, force=config.force)
    atomic_write_text(layout.latest_training_file(), json.dumps(asdict(result), indent=2))
    losses = result.loss_history
    return dg.MaterializeResult(
        metadata={
            "mode": result.mode,
            "lora": result.lora,
            "examples": result.examples,
            "steps": result.steps,
            "train_tokens": result.train_tokens,
            "tokens_per_s": round(result.tokens_per_s, 1),
            "train_seconds": round(result.seconds, 1),
            **({"first_loss": round(losses[0][1], 4), "final_loss": round(losses[-1][1], 4)} if losses else {}),
            "loss_curve": md.table([{"step": s, "loss": round(v, 4)} for s, v in losses], ["step", "loss"]),
            "loss_curve_png": dg.MetadataValue.path(result.loss_curve_png or ""),
            "output": dg.MetadataValue.path(result.adapter_or_model_dir),
        }
    )


ModelEvalConfig = launchpad_config(
    EvalSettings, "ModelEvalConfig", "Thinking-budget evaluation settings (pipeline/evaluation/compare.py)."
)


@dg.asset(group_name="finetune", deps=["finetuned_model", "problems"], pool="gpu", kinds={"pytorch", "docker"})
def model_eval(
    context: dg.AssetExecutionContext, config: ModelEvalConfig, storage: TrajforgeStorage, sandbox: SandboxResource
) -> dg.MaterializeResult:
    """Base vs fine-tuned with Shifted-Thinking-Window generation at several thinking budgets on the held-out split
    (never trained on), every answer run in the sandbox: pass@1, average thinking tokens, how often the
    budget was hit."""
    settings = validated(EvalSettings, config, "model_eval config")
    layout = storage.layout
    problems = held_out_problems(layout.handed_off("problems", layout.problems_file("eval")), settings.problem_limit)
    trained = latest_training(storage)
    base_dir = resolve_base_model(trained.base_model, log=context.log.info)
    out_dir = layout.evaluation_dir()
    with sandbox.executor(log=context.log.info) as executor:
        report = evaluate_base_and_finetuned(
            base_dir,
            finetuned_location(base_dir, trained.adapter_or_model_dir, trained.lora),
            problems,
            settings,
            executor,
            out_dir,
            log=context.log.info,
        )
    context.log.info("\n" + report.table())
    return dg.MaterializeResult(
        metadata={
            "table": dg.MetadataValue.md(report.table()),
            **{f"pass_at_1_{r.model}_{r.budget}": r.pass_at_1 for r in report.rows},
            **{f"thinking_tokens_{r.model}_{r.budget}": r.avg_thinking_tokens for r in report.rows},
            "problems": len(problems),
            "curve": dg.MetadataValue.path(str(out_dir / "curve.png")),
            "samples": dg.MetadataValue.path(str(out_dir / "samples.parquet")),
        }
    )


def latest_training(storage: TrajforgeStorage) -> TrainResult:
    path = storage.layout.latest_training_file()
    if not path.exists():
        raise dg.Failure(f"no fine-tuned model yet ({path} is missing): materialize finetuned_model first")
    return TrainResult.from_dict(json.loads(path.read_text()))
