"""`train(recipe, out_dir)`: fine-tune a student on the published dataset; `load_finetuned` reloads it.

TRL's SFTTrainer on conversational prompt-completion examples (loss on the response only, the
model's own chat template), LoRA through peft or full fine-tuning, gradient checkpointing, bf16
where the accelerator supports it. Mode `length_harmonized` swaps in the O1-Pruner loss.

The output folder holds `adapter/` (LoRA) or `model/` (full), with the tokenizer,
`loss_curve.png`, and `trajforge_finetune.json` (recipe, result, dataset fingerprint), written
last. A finished folder whose recipe and dataset match is returned as is unless `force=True`;
with `save_steps`, an interrupted run resumes from its last checkpoint (`checkpoints/`).
"""

from __future__ import annotations

import contextlib
import copy
import json
import shutil
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from pipeline.finetune.config import EMBEDDED, FinetuneRecipe, gradient_accumulation_for
from pipeline.finetune.data import dataset_fingerprint, training_examples
from pipeline.finetune.student_card import student_base, write_student_card

Log = Callable[[str], None]
MARKER = "trajforge_finetune.json"
LOSS_CURVE = "loss_curve.png"
CHECKPOINTS = "checkpoints"


@dataclass(frozen=True)
class TrainResult:
    adapter_or_model_dir: str  # adapter/ (LoRA) or model/ (full fine-tuning), absolute
    mode: str
    steps: int
    loss_history: list[tuple[int, float]]  # (optimizer step, training loss)
    train_tokens: int  # prompt + response tokens the model processed (padding excluded)
    tokens_per_s: float
    seconds: float  # training only (loading and saving excluded)
    loss_curve_png: str | None
    base_model: str  # as the recipe names it ("embedded", a Hub id or a folder)
    lora: bool
    examples: int

    @classmethod
    def from_dict(cls, data: dict) -> TrainResult:
        return cls(**{**data, "loss_history": [(int(s), float(v)) for s, v in data["loss_history"]]})


def resolve_base_model(name: str, log: Log = print) -> str:
    """ "embedded" -> the converted SmolLM2 folder; anything else (Hub id or folder) as is."""
    if name == EMBEDDED:
        from pipeline.teacher.embedded import ensure_hf_folder

        return str(ensure_hf_folder(log=log))
    return name


def bf16_enabled(setting: bool | str) -> bool:
    """ "auto": only on a CUDA device that supports bf16 (never on CPU)."""
    if setting != "auto":
        return bool(setting)
    import torch

    return torch.cuda.is_available() and torch.cuda.is_bf16_supported()


def load_dtype(recipe: FinetuneRecipe, bf16: bool):
    import torch

    if recipe.model_dtype != "auto":
        return getattr(torch, recipe.model_dtype)
    # LoRA: the frozen base in bf16 halves its memory; full FT keeps fp32 master weights (autocast).
    return torch.bfloat16 if bf16 and recipe.lora.enabled else torch.float32


def lora_config(recipe: FinetuneRecipe):
    if not recipe.lora.enabled:
        return None
    from peft import LoraConfig

    lora = recipe.lora
    return LoraConfig(
        r=lora.r,
        lora_alpha=lora.alpha,
        lora_dropout=lora.dropout,
        target_modules=list(lora.target_modules),
        task_type="CAUSAL_LM",
    )


def sft_config(recipe: FinetuneRecipe, out_dir: Path, bf16: bool, processes: int):
    import torch
    from trl import SFTConfig

    cuda = torch.cuda.is_available()
    return SFTConfig(
        output_dir=str(out_dir / CHECKPOINTS),
        learning_rate=recipe.learning_rate,
        weight_decay=recipe.weight_decay,
        warmup_steps=recipe.warmup_steps,
        lr_scheduler_type=recipe.lr_scheduler,
        num_train_epochs=recipe.epochs,
        max_steps=recipe.max_steps or -1,
        per_device_train_batch_size=recipe.per_device_batch,
        gradient_accumulation_steps=gradient_accumulation_for(recipe, processes),
        max_length=recipe.max_length,
        packing=recipe.packing,
        completion_only_loss=True,
        train_sampling_strategy="group_by_length" if recipe.group_by_length else "random",
        activation_checkpointing=recipe.gradient_checkpointing,
        bf16=bf16,
        fp16=False,
        seed=recipe.seed,
        data_seed=recipe.seed,
        logging_steps=recipe.logging_steps,
        save_strategy="steps" if recipe.save_steps else "no",
        save_steps=recipe.save_steps or 500,
        report_to="none",
        disable_tqdm=True,
        dataloader_num_workers=0,
        dataloader_pin_memory=cuda,
    )


def _progress_callback(log: Log):
    from transformers import TrainerCallback

    class Progress(TrainerCallback):
        def on_log(self, args, state, control, logs=None, **kwargs):
            if logs and "loss" in logs:
                extra = "".join(f" {k} {logs[k]:.3f}" for k in ("ratio", "clip_fraction") if k in logs)
                log(
                    f"step {state.global_step}/{state.max_steps} loss {logs['loss']:.4f}"
                    f" lr {logs.get('learning_rate', 0.0):.2e}{extra}"
                )

    return Progress()


def loss_history(log_history: list[dict]) -> list[tuple[int, float]]:
    return [(int(e["step"]), float(e["loss"])) for e in log_history if "loss" in e and "step" in e]


def plot_loss(history: list[tuple[int, float]], path: Path, title: str) -> Path | None:
    if not history:
        return None
    from matplotlib.figure import Figure  # no pyplot: the Agg canvas, no global backend state

    figure = Figure(figsize=(6, 3.5))
    axes = figure.add_subplot()
    axes.plot([s for s, _ in history], [v for _, v in history], marker="o", markersize=3)
    axes.set(xlabel="step", ylabel="training loss", title=title)
    axes.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    return path


def finished_result(
    out_dir: Path, recipe: FinetuneRecipe, fingerprint: str | None, log: Log = print
) -> TrainResult | None:
    """The saved result when `out_dir` holds a finished run of this recipe on this dataset."""
    try:
        saved = json.loads((out_dir / MARKER).read_text())
    except (OSError, ValueError):
        return None
    if saved.get("recipe") != json.loads(json.dumps(recipe.to_dict())):
        log(f"{out_dir}: the finished run used another recipe; training again")
        return None
    if saved.get("dataset_fingerprint") != fingerprint:
        log(f"{out_dir}: the dataset changed since the finished run; training again")
        return None
    result = TrainResult.from_dict(saved["result"])
    if not Path(result.adapter_or_model_dir).is_dir():
        log(f"{out_dir}: {result.adapter_or_model_dir} is gone; training again")
        return None
    return result


def _build_trainer(recipe: FinetuneRecipe, model, tokenizer, examples, args, log: Log):
    from transformers import PrinterCallback
    from trl import SFTTrainer

    common = {
        "model": model,
        "args": args,
        "train_dataset": examples,
        "processing_class": tokenizer,
        "peft_config": lora_config(recipe),
        "callbacks": [_progress_callback(log)],
    }
    if recipe.mode == "sft":
        trainer = SFTTrainer(**common)
    else:
        from pipeline.finetune.harmonize_loss import HarmonizedTrainer

        # Full fine-tuning: the reference is a frozen copy taken before training touches the weights.
        ref_model = None if recipe.lora.enabled else copy.deepcopy(model)
        trainer = HarmonizedTrainer(**common, ratio_eps=recipe.harmonize.ratio_eps, ref_model=ref_model)
    trainer.remove_callback(PrinterCallback)  # progress goes through `log` instead of print
    return trainer


@contextlib.contextmanager
def torch_threads(threads: int | None):
    """`threads` torch CPU threads for the block (no-op when None or on a CUDA machine)."""
    import torch

    if threads is None or torch.cuda.is_available():
        yield
        return
    saved = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(saved)


def train(recipe: FinetuneRecipe, out_dir: str | Path, log: Log = print, force: bool = False) -> TrainResult:
    """Fine-tune `recipe.base_model` on the recipe's dataset config; save into `out_dir`.

    A finished `out_dir` of the same recipe and dataset is returned without training unless
    `force`; progress lines go to `log`."""
    out_dir = Path(out_dir).absolute()
    fingerprint = dataset_fingerprint(recipe.dataset, recipe.dataset_config)
    if not force and (done := finished_result(out_dir, recipe, fingerprint, log)) is not None:
        log(f"{out_dir}: finished run found ({done.steps} steps); skipping training")
        return done
    with torch_threads(recipe.cpu_threads), _quiet_v6_deprecations():
        return _train(recipe, out_dir, fingerprint, log, force)


@contextlib.contextmanager
def _quiet_v6_deprecations():
    """trl 1.x and peft still call transformers' gradient_checkpointing_* aliases: noise."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*deprecated and will be removed in v6", category=FutureWarning)
        yield


def _train(recipe: FinetuneRecipe, out_dir: Path, fingerprint: str | None, log: Log, force: bool) -> TrainResult:
    import torch
    from accelerate import PartialState
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.trainer_utils import get_last_checkpoint

    state = PartialState()
    if state.is_main_process:
        (out_dir / MARKER).unlink(missing_ok=True)  # a crash from here on must not look finished
        if force:
            shutil.rmtree(out_dir / CHECKPOINTS, ignore_errors=True)
    out_dir.mkdir(parents=True, exist_ok=True)

    examples = training_examples(recipe)
    log(f"{len(examples)} {recipe.mode} examples from {recipe.dataset} config {recipe.dataset_config!r}")
    base = resolve_base_model(recipe.base_model, log)
    bf16 = bf16_enabled(recipe.bf16)
    tokenizer = AutoTokenizer.from_pretrained(base)
    model = AutoModelForCausalLM.from_pretrained(base, dtype=load_dtype(recipe, bf16))
    args = sft_config(recipe, out_dir, bf16, state.num_processes)
    trainer = _build_trainer(recipe, model, tokenizer, examples, args, log)
    if recipe.lora.enabled:
        trainable = sum(p.numel() for p in trainer.model.parameters() if p.requires_grad)
        log(f"LoRA r={recipe.lora.r}: {trainable:,} trainable parameters")
    checkpoint = get_last_checkpoint(args.output_dir) if Path(args.output_dir).is_dir() else None
    if checkpoint:
        log(f"resuming from {checkpoint}")
    log(
        f"training {base} ({'LoRA' if recipe.lora.enabled else 'full'}, bf16={bf16}, "
        f"device {args.device}, {args.gradient_accumulation_steps} accumulation steps)"
    )
    started = time.monotonic()
    output = trainer.train(resume_from_checkpoint=checkpoint)
    seconds = time.monotonic() - started

    final_dir = out_dir / ("adapter" if recipe.lora.enabled else "model")
    trainer.save_model(str(final_dir))
    history = loss_history(trainer.state.log_history)
    tokens = int(next((e["num_tokens"] for e in reversed(trainer.state.log_history) if "num_tokens" in e), 0))
    runtime = float(output.metrics.get("train_runtime") or seconds)
    result = TrainResult(
        str(final_dir),
        recipe.mode,
        int(trainer.state.global_step),
        history,
        tokens,
        tokens / runtime if runtime > 0 else 0.0,
        round(seconds, 2),
        None,
        recipe.base_model,
        recipe.lora.enabled,
        len(examples),
    )
    if trainer.accelerator.is_main_process:
        tokenizer.save_pretrained(final_dir)
        write_student_card(final_dir, recipe, result.steps, len(examples))  # replaces PEFT's (a local path)
        png = plot_loss(history, out_dir / LOSS_CURVE, f"{recipe.mode}: {Path(base).name}")
        result = TrainResult(**{**asdict(result), "loss_curve_png": str(png) if png else None})
        meta = {
            "status": "finished",
            "recipe": recipe.to_dict(),
            "result": asdict(result),
            "dataset_fingerprint": fingerprint,
            "base_model_path": base,
            "base_model_id": student_base(recipe.base_model)[0],
            "versions": _versions(),
        }
        (out_dir / MARKER).write_text(json.dumps(meta, indent=2))
    log(f"trained {result.steps} steps in {seconds:.1f}s, {result.tokens_per_s:.0f} tokens/s; saved {final_dir}")
    del trainer, model
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
    return result


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in ("torch", "transformers", "trl", "peft", "datasets"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            pass
    return found


def load_finetuned(path: str | Path, merge: bool = False, dtype=None, log: Log = print):
    """(model, tokenizer) from a `train` output folder, an adapter folder or a full model folder.

    An adapter is loaded onto its base (for "embedded", this machine's converted folder) with
    peft; `merge=True` folds it into the weights (faster generation). The model is in eval mode."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = Path(path)
    weights, base = path, None
    if (path / MARKER).is_file():
        meta = json.loads((path / MARKER).read_text())
        result = TrainResult.from_dict(meta["result"])
        weights = path / Path(result.adapter_or_model_dir).name  # the folder may have moved
        base = resolve_base_model(result.base_model, log) if result.lora else None
    if not weights.is_dir():
        raise FileNotFoundError(f"{weights}: no fine-tuned model or adapter there")
    tokenizer = AutoTokenizer.from_pretrained(weights)
    if not (weights / "adapter_config.json").is_file():
        return AutoModelForCausalLM.from_pretrained(weights, dtype=dtype or "auto").eval(), tokenizer
    from peft import PeftConfig, PeftModel

    base = base or PeftConfig.from_pretrained(weights).base_model_name_or_path
    with _quiet_v6_deprecations():
        model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(base, dtype=dtype or "auto"), weights)
        return (model.merge_and_unload() if merge else model).eval(), tokenizer
