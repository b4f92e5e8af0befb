"""`trajforge finetune` and `trajforge evaluate`: the fine-tuning stage without Dagster."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

from pipeline.common.layout import DataLayout
from pipeline.common.settings import RecipeError, parse
from pipeline.evaluation.compare import EvalSettings


def comma_ints(text: str, flag: str) -> list[int]:
    """`"32,96"` -> [32, 96]; anything else is a RecipeError naming the flag (exit code 2)."""
    try:
        return [int(part) for part in text.split(",")]
    except ValueError:
        raise RecipeError(f"{flag}: expected comma-separated integers, got {text!r}") from None


def positive_int(text: str) -> int:
    """An argparse type: an integer >= 1 (`--workers -1` or `0` is a usage error, not a hang)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {value}")
    return value


def progress(message: str) -> None:
    print(f"[trajforge] {message}", file=sys.stderr, flush=True)


def _finetune(args: argparse.Namespace) -> int:
    from pipeline.finetune.config import finetune_recipe
    from pipeline.finetune.train import train

    overrides = {
        k: v
        for k, v in (
            ("dataset", args.dataset),
            ("config", args.config),
            ("mode", args.mode),
            ("max_steps", args.max_steps),
        )
        if v is not None
    }
    result = train(finetune_recipe(args.recipe, **overrides), args.out, log=progress, force=args.force)
    (Path(args.out) / "latest.json").write_text(json.dumps(asdict(result), indent=2))
    losses = result.loss_history
    print(
        json.dumps(
            {
                "output": result.adapter_or_model_dir,
                "mode": result.mode,
                "steps": result.steps,
                "first_loss": losses[0][1] if losses else None,
                "final_loss": losses[-1][1] if losses else None,
                "tokens_per_s": round(result.tokens_per_s, 1),
                "loss_curve": result.loss_curve_png,
            }
        )
    )
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from pipeline.evaluation.compare import evaluate_base_and_finetuned, finetuned_location, held_out_problems
    from pipeline.finetune.train import TrainResult, resolve_base_model
    from sandbox.executors import SandboxUnavailable, open_executor

    settings = parse(
        EvalSettings,
        {
            "budgets": comma_ints(args.budgets, "--budgets"),
            "answer_tokens": args.answer_tokens,
            "problem_limit": args.limit,
            "batch_size": args.batch_size,
        },
        "trajforge evaluate",
    )
    finetuned, base = None, args.base
    if args.finetuned:
        trained = TrainResult.from_dict(json.loads((Path(args.finetuned) / "latest.json").read_text()))
        base = base or trained.base_model
        finetuned = finetuned_location(
            resolve_base_model(base, log=progress), trained.adapter_or_model_dir, trained.lora
        )
    base_dir = resolve_base_model(base or "embedded", log=progress)
    problems = held_out_problems(args.problems, settings.problem_limit)
    try:
        with open_executor("docker", args.workers, log=progress) as executor:
            report = evaluate_base_and_finetuned(
                base_dir, finetuned, problems, settings, executor, args.out, log=progress
            )
    except SandboxUnavailable as err:
        print(f"trajforge: {err}", file=sys.stderr)
        return 3
    print(report.table())
    return 0


def add_train_commands(sub: argparse._SubParsersAction) -> None:
    from pipeline.finetune.config import CPU_RECIPE

    finetune = sub.add_parser("finetune", help="fine-tune on published shards (LoRA SFT or length-harmonizing)")
    finetune.add_argument("--recipe", default=str(CPU_RECIPE), help="fine-tuning recipe YAML (finetune: section)")
    finetune.add_argument("--dataset", help="Hub-layout folder or Hub repo id (default: the recipe's)")
    finetune.add_argument("--config", help="dataset config (default: the recipe's)")
    finetune.add_argument("--mode", choices=["sft", "length_harmonized"], help="default: the recipe's")
    finetune.add_argument("--max-steps", type=positive_int, help="optimizer steps (default: the recipe's)")
    finetune.add_argument(
        "--out", default=str(DataLayout().finetune_dir("cli")), help="output folder (adapter, loss curve)"
    )
    finetune.add_argument("--force", action="store_true", help="train again even if this run is finished")
    finetune.set_defaults(handler=_finetune)

    evaluate = sub.add_parser("evaluate", help="base vs fine-tuned with a thinking budget on held-out problems")
    evaluate.add_argument(
        "--problems", default=str(DataLayout().problems_file("eval")), help="held-out problems parquet"
    )
    evaluate.add_argument("--finetuned", help="a `trajforge finetune --out` folder (omit: base model only)")
    evaluate.add_argument("--base", help="base model: embedded, a Hub id or a folder (default: the training's)")
    evaluate.add_argument("--budgets", default=",".join(map(str, EvalSettings.budgets)), help="thinking budgets")
    evaluate.add_argument("--answer-tokens", type=positive_int, default=EvalSettings.answer_tokens)
    evaluate.add_argument(
        "--limit", type=positive_int, default=EvalSettings.problem_limit, help="first N problems by id"
    )
    evaluate.add_argument("--batch-size", type=positive_int, default=EvalSettings.batch_size)
    evaluate.add_argument("--workers", type=positive_int, default=2, help="sandbox runners")
    evaluate.add_argument(
        "--out", default=str(DataLayout().evaluation_dir() / "cli"), help="report.md, curve.png, samples.parquet"
    )
    evaluate.set_defaults(handler=_evaluate)
