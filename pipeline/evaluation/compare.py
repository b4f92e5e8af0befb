"""Base vs fine-tuned on the held-out split: the settings and the one call the `model_eval` asset
and `trajforge evaluate` share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipeline.evaluation.evaluate import EvalReport, evaluate
from pipeline.evaluation.stw import load_generator
from pipeline.finetune.train import torch_threads
from sandbox.verify import Executor
from schemas import Problem, read_parquet

Log = Callable[[str], None]


@dataclass(frozen=True)
class EvalSettings:
    budgets: tuple[int, ...] = (32, 96)  # thinking budgets (pass-1 max tokens), a small Table-6 curve
    answer_tokens: int = 64  # pass 2, after "I overthought it, ..."
    problem_limit: int | None = 6  # held-out problems evaluated (None: all); the first N by id
    batch_size: int = 8
    # CPU only: torch threads while generating (None: one per core). On a small machine shared
    # with a teacher server or the sandbox, two threads wait on each other: one is several times
    # faster there (the same setting as recipes/finetune/cpu.yaml's cpu_threads).
    cpu_threads: int | None = 1


def held_out_problems(path: str | Path, limit: int | None) -> list[Problem]:
    problems = sorted(read_parquet(path, Problem), key=lambda p: p.id)
    if not problems:
        raise ValueError(f"{path}: the held-out split is empty; nothing to evaluate")
    return problems if limit is None else problems[:limit]


def finetuned_location(base_model_dir: str, trained_dir: str, lora: bool) -> tuple[str, str | None]:
    """(model folder, adapter folder or None) of a training output: LoRA saves an adapter over
    the base model, full fine-tuning a whole model."""
    return (base_model_dir, trained_dir) if lora else (trained_dir, None)


def evaluate_base_and_finetuned(
    base_model_dir: str,
    finetuned: tuple[str, str | None] | None,
    problems: list[Problem],
    settings: EvalSettings,
    executor: Executor,
    out_dir: str | Path,
    log: Log = print,
) -> EvalReport:
    """`base` (and `finetuned`, a `finetuned_location`) at every budget, verified in the sandbox."""
    models = {"base": load_generator(base_model_dir, batch_size=settings.batch_size, log=log)}
    if finetuned is not None:
        model_dir, adapter_dir = finetuned
        models["finetuned"] = load_generator(model_dir, adapter_dir, batch_size=settings.batch_size, log=log)
    with torch_threads(settings.cpu_threads):
        return evaluate(
            models,
            problems,
            list(settings.budgets),
            executor,
            settings.answer_tokens,
            workers=executor.size,
            out_dir=out_dir,
            log=log,
        )
