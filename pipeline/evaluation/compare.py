"""Base vs fine-tuned on the held-out split: the settings and the one call the `model_eval` asset
and `trajforge evaluate` share."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Literal

from pydantic import Field

from pipeline.common.settings import Count, Text, settings
from pipeline.evaluation.evaluate import EvalReport, evaluate
from pipeline.evaluation.stw import load_generator
from pipeline.finetune.train import torch_threads
from sandbox.verify import Executor
from schemas import Problem, read_parquet

Log = Callable[[str], None]


@settings
class EvalSettings:
    budgets: tuple[Count, ...] = Field(
        default=(32, 96), min_length=1, description="Thinking budgets (pass-1 max tokens), a small Table-6 curve."
    )
    answer_tokens: Count = Field(
        default=4096,
        description="Pass 2's tokens, after 'I overthought it, ...': Z1 gives pass 2 the full generation budget "
        "again (a CPU recipe may choose less; the report prints it).",
    )
    problem_limit: Count | None = Field(default=6, description="Held-out problems evaluated (first N by id).")
    batch_size: Count = Field(default=8, description="Generations per forward batch.")
    generator: Literal["local", "vllm"] = Field(
        default="local",
        description="local: transformers in this process, continued from the exact tokens; vllm: a managed vLLM "
        "server per model (a LoRA adapter merged into a folder first), pass 2 through /v1/completions.",
    )
    server_args: tuple[Text, ...] = Field(
        default=(), description="vllm: extra server arguments (the CPU recipe: --dtype bfloat16 ...)."
    )
    cpu_threads: Count | None = Field(
        default=1,
        description="CPU only: torch threads while generating (null: one per core). On a small machine shared with a "
        "teacher server or the sandbox, one thread is several times faster than two.",
    )


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
    with ExitStack() as servers, torch_threads(settings.cpu_threads):
        if settings.generator == "vllm":
            models = {"base": served_generator(base_model_dir, None, settings, servers, log)}
            if finetuned is not None:
                models["finetuned"] = served_generator(*finetuned, settings, servers, log)
        else:
            models = {"base": load_generator(base_model_dir, batch_size=settings.batch_size, log=log)}
            if finetuned is not None:
                model_dir, adapter_dir = finetuned
                models["finetuned"] = load_generator(model_dir, adapter_dir, batch_size=settings.batch_size, log=log)
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


def served_generator(model_dir: str, adapter_dir: str | None, settings: EvalSettings, servers: ExitStack, log: Log):
    """A `ServerGenerator` on a managed vLLM server of the model (kept up until `servers` closes)."""
    from pipeline.evaluation.stw_server import ServerGenerator
    from pipeline.finetune.merge import merged_folder
    from pipeline.teacher.server import ManagedServer, serving

    folder = merged_folder(model_dir, adapter_dir, log=log) if adapter_dir else str(model_dir)
    server = servers.enter_context(serving(ManagedServer.vllm(folder, extra_args=settings.server_args)))
    log(f"vLLM serving {folder} at {server.base_url} (up in {server.started_in_s:.1f}s)")
    return ServerGenerator(server.base_url, server.model_name, "completions", tokenizer=folder,
                           concurrency=settings.batch_size, log=log)  # fmt: skip
