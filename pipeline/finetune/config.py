"""The `finetune:` section of a recipe: base model, dataset config, mode, LoRA and the optimizer.

Strict like the other recipe sections: an unknown key, a wrong type or an out-of-range value is
a `RecipeError` naming the key (`finetune.lora.r: ...`). Two recipes ship in recipes/finetune/:
`cpu.yaml` (the embedded SmolLM2-135M with LoRA, a minute on two CPU cores) and `z1-gpu.yaml`
(Z1's recipe: Qwen2.5-Coder-7B-Instruct, full SFT, lr 1e-5, cosine, 2 epochs, batch 256).

PyYAML reads `1e-5` (no dot) as a string; float keys accept such strings, so the paper's
notation can be written as is.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, StrictBool, StrictInt, field_validator, model_validator

from pipeline.common.layout import DataLayout
from pipeline.common.settings import (
    RECIPES_DIR,
    Count,
    Flag,
    Natural,
    Real,
    RecipeError,
    Text,
    load_recipe,
    parse,
    settings,
)

FINETUNE_RECIPES_DIR = RECIPES_DIR / "finetune"
CPU_RECIPE = FINETUNE_RECIPES_DIR / "cpu.yaml"
Z1_GPU_RECIPE = FINETUNE_RECIPES_DIR / "z1-gpu.yaml"

EMBEDDED = "embedded"  # the SmolLM2-135M-Instruct folder from pipeline.teacher.embedded.ensure_hf_folder
MODES = ("sft", "length_harmonized")
DEFAULT_CONFIG = {"sft": "default", "length_harmonized": "length_harmonized"}
# transformers' SchedulerType values that need nothing beyond warmup steps (no eval metric).
SCHEDULERS = (
    "linear",
    "cosine",
    "cosine_with_restarts",
    "polynomial",
    "constant",
    "constant_with_warmup",
    "inverse_sqrt",
    "cosine_with_min_lr",
    "cosine_warmup_with_min_lr",
    "warmup_stable_decay",
)
WEIGHT_SOURCES = ("dataset", "recompute")
MODEL_DTYPES = ("auto", "float32", "bfloat16", "float16")
DEFAULT_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


@settings
class LoraSettings:
    enabled: Flag = Field(default=True, description="False: full fine-tuning of every weight.")
    r: Count = Field(default=16, description="LoRA rank.")
    alpha: Count = Field(default=32, description="LoRA scaling numerator.")
    dropout: Annotated[Real, Field(ge=0, lt=1)] = Field(default=0.05, description="LoRA dropout.")
    target_modules: tuple[Text, ...] = Field(default=DEFAULT_TARGETS, min_length=1, description="Modules adapted.")


@settings
class HarmonizeSettings:
    """O1-Pruner (arXiv 2501.12570) settings for `mode: length_harmonized`."""

    ratio_eps: Annotated[Real, Field(gt=0, lt=1)] = Field(
        default=0.2, description="The ratio r is clipped to [1 - eps, 1 + eps] (paper: 0.8, 1.2)."
    )
    weights: Literal["dataset", "recompute"] = Field(
        default="dataset",
        description="dataset: the config's `weight` column (R clipped, z-normalised at build time); recompute: "
        "R from the config's own rows with lam and weight_clip (pipeline.dataset.pruner.harmonize).",
    )
    lam: Real = Field(default=2.0, description="Accuracy term of R; used by weights: recompute.")
    weight_clip: tuple[Real, Real] = Field(default=(-2.0, 4.0), description="[low, high] of R; weights: recompute.")

    @field_validator("weight_clip")
    @classmethod
    def _ordered(cls, bounds: tuple[float, float]) -> tuple[float, float]:
        if bounds[0] > bounds[1]:
            raise ValueError(f"low {bounds[0]} > high {bounds[1]}")
        return bounds


OptionalCount = Count | None


@settings
class FinetuneRecipe:
    base_model: Text = Field(default=EMBEDDED, description="embedded, a Hub model id, or a local folder.")
    dataset: Text = Field(
        default_factory=lambda: str(DataLayout().hub_dir()),
        description="A Hub-layout folder (relative: to the cwd, else the repo root) or a Hub repo id.",
    )
    config: Text | None = Field(default=None, description="null: default for sft, length_harmonized for that mode.")
    mode: Literal[MODES] = Field(default="sft", description="sft or length_harmonized (O1-Pruner loss).")  # type: ignore[valid-type]
    limit: OptionalCount = Field(default=None, description="The first N rows only (smoke runs).")
    lora: LoraSettings = Field(default_factory=LoraSettings, description="LoRA adapter settings.")
    learning_rate: Annotated[Real, Field(gt=0)] = Field(default=2e-4, description="Peak learning rate.")
    weight_decay: Annotated[Real, Field(ge=0)] = Field(default=0.0, description="AdamW weight decay.")
    warmup_steps: Natural = Field(default=0, description="Linear warm-up steps.")
    lr_scheduler: Literal[SCHEDULERS] = Field(default="cosine", description="transformers scheduler name.")  # type: ignore[valid-type]
    epochs: Annotated[Real, Field(gt=0)] = Field(default=1.0, description="Epochs (unless max_steps is set).")
    max_steps: OptionalCount = Field(default=None, description="Set: overrides epochs.")
    per_device_batch: Count = Field(default=1, description="Examples per device per step.")
    gradient_accumulation: Count = Field(default=1, description="Micro-batches per optimizer step.")
    effective_batch: OptionalCount = Field(
        default=None,
        description="Set: gradient_accumulation = effective_batch / (per_device_batch x processes) at launch, so the "
        "paper's batch holds on any number of GPUs. Exclusive with gradient_accumulation.",
    )
    max_length: Count = Field(default=1024, description="Prompt + response tokens; longer examples are truncated.")
    packing: Flag = Field(default=False, description="sft only: several examples per row (padding-free).")
    group_by_length: Flag = Field(default=False, description="Batches of similar lengths (less padding).")
    gradient_checkpointing: Flag = Field(default=True, description="Recompute activations to save memory.")
    bf16: StrictBool | Literal["auto"] = Field(default="auto", description="auto: where the accelerator supports it.")
    model_dtype: Literal[MODEL_DTYPES] = Field(  # type: ignore[valid-type]
        default="auto", description="Weights as loaded; auto: bfloat16 for LoRA under bf16, else float32."
    )
    seed: StrictInt = Field(default=0, description="Training seed.")
    cpu_threads: OptionalCount = Field(
        default=None, description="CPU only: torch threads (null: one per core; 1 is faster on a busy machine)."
    )
    logging_steps: Count = Field(default=1, description="Loss logged every N steps.")
    save_steps: OptionalCount = Field(default=None, description="Checkpoints every N steps (resumed from).")
    harmonize: HarmonizeSettings = Field(default_factory=HarmonizeSettings, description="O1-Pruner settings.")

    @model_validator(mode="after")
    def _consistent(self):
        if self.mode == "length_harmonized" and self.packing:
            raise ValueError(
                "packing: not with mode length_harmonized (the loss averages each sample's own tokens; "
                "packed rows mix samples)"
            )
        return self

    @property
    def dataset_config(self) -> str:
        return self.config or DEFAULT_CONFIG[self.mode]

    def to_dict(self) -> dict:
        return asdict(self)


def parse_finetune_recipe(data, where: str = "finetune") -> FinetuneRecipe:
    if isinstance(data, dict) and data.get("effective_batch") is not None and "gradient_accumulation" in data:
        raise RecipeError(f"{where}: set effective_batch or gradient_accumulation, not both")
    return parse(FinetuneRecipe, data, where)


def finetune_recipe(path: str | Path = CPU_RECIPE, **overrides) -> FinetuneRecipe:
    """The `finetune:` section of a recipe file; `overrides` replace top-level keys afterwards
    (e.g. `dataset=` the folder a pipeline run just built), checked like the file's own."""
    section = load_recipe(path).get("finetune")
    if section is None:
        raise RecipeError(f"recipe {path} has no finetune: section")
    recipe = parse_finetune_recipe(section, f"{Path(path).name}: finetune")
    return with_overrides(recipe, **overrides) if overrides else recipe


def with_overrides(recipe: FinetuneRecipe, **overrides) -> FinetuneRecipe:
    return parse(FinetuneRecipe, {**recipe.to_dict(), **overrides}, "finetune overrides")


def gradient_accumulation_for(recipe: FinetuneRecipe, processes: int) -> int:
    """Accumulation steps per optimizer step: the recipe's own, or what `effective_batch` needs."""
    if recipe.effective_batch is None:
        return recipe.gradient_accumulation
    per_step = recipe.per_device_batch * processes
    if recipe.effective_batch % per_step:
        raise RecipeError(
            f"finetune.effective_batch: {recipe.effective_batch} is not a multiple of "
            f"per_device_batch x processes = {recipe.per_device_batch} x {processes}"
        )
    return recipe.effective_batch // per_step
