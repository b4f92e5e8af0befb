"""The `finetune:` section of a recipe: base model, dataset config, mode, LoRA and the optimizer.

Strict like the other recipe sections: an unknown key, a wrong type or an out-of-range value is
a `RecipeError` naming the key (`finetune.lora.r: ...`). Two recipes ship in recipes/finetune/:
`cpu.yaml` (the embedded SmolLM2-135M with LoRA, a minute on two CPU cores) and `z1-gpu.yaml`
(Z1's recipe: Qwen2.5-Coder-7B-Instruct, full SFT, lr 1e-5, cosine, 2 epochs, batch 256).

PyYAML reads `1e-5` (no dot) as a string; float keys accept such strings, so the paper's
notation can be written as is.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

from pipeline.common.layout import DataLayout
from pipeline.common.settings import RECIPES_DIR, RecipeError, build_section, checked_scalar, load_recipe, string_list

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


@dataclass(frozen=True)
class LoraSettings:
    enabled: bool = True  # False: full fine-tuning of every weight
    r: int = 16
    alpha: int = 32
    dropout: float = 0.05
    target_modules: tuple[str, ...] = DEFAULT_TARGETS


@dataclass(frozen=True)
class HarmonizeSettings:
    """O1-Pruner (arXiv 2501.12570) settings for `mode: length_harmonized`."""

    ratio_eps: float = 0.2  # the ratio r is clipped to [1 - eps, 1 + eps] (paper: 0.8, 1.2)
    # "dataset": the config's `weight` column (R clipped, z-normalised at build time).
    # "recompute": R from the config's own rows with `lam` and `weight_clip`, every row of a
    # problem counting as one of its samples (pipeline.dataset.pruner.harmonize, all kept).
    weights: str = "dataset"
    lam: float = 2.0  # accuracy term of R; used by weights: recompute
    weight_clip: tuple[float, float] = (-2.0, 4.0)  # used by weights: recompute


@dataclass(frozen=True)
class FinetuneRecipe:
    base_model: str = EMBEDDED  # "embedded", a Hub model id, or a local folder
    # a Hub-layout folder (relative: to the cwd, else the repo root) or repo id; default: the run's hub folder
    dataset: str = field(default_factory=lambda: str(DataLayout().hub_dir()))
    config: str | None = None  # None: "default" for sft, "length_harmonized" for that mode
    mode: str = "sft"
    limit: int | None = None  # the first N rows only (smoke runs)
    lora: LoraSettings = field(default_factory=LoraSettings)
    learning_rate: float = 2e-4
    weight_decay: float = 0.0
    warmup_steps: int = 0
    lr_scheduler: str = "cosine"
    epochs: float = 1.0
    max_steps: int | None = None  # set: overrides epochs
    per_device_batch: int = 1
    gradient_accumulation: int = 1
    # Set: gradient_accumulation = effective_batch / (per_device_batch * processes), computed at
    # launch, so the paper's batch holds on any number of GPUs. Exclusive with gradient_accumulation.
    effective_batch: int | None = None
    max_length: int = 1024  # prompt + response tokens; longer examples are truncated
    packing: bool = False  # sft only: several examples per row (padding-free, best-fit decreasing)
    group_by_length: bool = False  # batches of similar lengths (less padding)
    gradient_checkpointing: bool = True
    bf16: bool | str = "auto"  # "auto": where the accelerator supports it (never on CPU)
    model_dtype: str = "auto"  # weights as loaded; auto: bfloat16 for LoRA under bf16, else float32
    seed: int = 0
    # CPU only: torch threads while training (None: torch's default, one per core). On a small
    # machine shared with other busy processes, 1 can be several times faster than 2.
    cpu_threads: int | None = None
    logging_steps: int = 1
    save_steps: int | None = None  # checkpoints every N steps (resumed from); None: only the end
    harmonize: HarmonizeSettings = field(default_factory=HarmonizeSettings)

    @property
    def dataset_config(self) -> str:
        return self.config or DEFAULT_CONFIG[self.mode]

    def to_dict(self) -> dict:
        return asdict(self)


_KINDS: dict[type, dict[str, str]] = {
    LoraSettings: {"enabled": "bool", "r": "int", "alpha": "int", "dropout": "float"},
    HarmonizeSettings: {"ratio_eps": "float", "weights": "str", "lam": "float"},
    FinetuneRecipe: {
        "base_model": "str",
        "dataset": "str",
        "config": "str?",
        "mode": "str",
        "limit": "int?",
        "learning_rate": "float",
        "weight_decay": "float",
        "warmup_steps": "int",
        "lr_scheduler": "str",
        "epochs": "float",
        "max_steps": "int?",
        "per_device_batch": "int",
        "gradient_accumulation": "int",
        "effective_batch": "int?",
        "max_length": "int",
        "packing": "bool",
        "group_by_length": "bool",
        "gradient_checkpointing": "bool",
        "model_dtype": "str",
        "seed": "int",
        "cpu_threads": "int?",
        "logging_steps": "int",
        "save_steps": "int?",
    },
}


def _typed(cls, data: dict, where: str) -> dict:
    out = dict(data)
    for name, kind in _KINDS[cls].items():
        if name not in out:
            continue
        optional = kind.endswith("?")
        if optional and out[name] is None:
            continue
        out[name] = checked_scalar(out[name], kind.rstrip("?"), f"{where}.{name}")
    return out


def _mapping(data, where: str) -> dict:
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise RecipeError(f"{where}: expected a mapping, got {type(data).__name__}")
    return dict(data)


def _lora(data, where: str) -> LoraSettings:
    data = _mapping(data, where)
    if "target_modules" in data:
        data["target_modules"] = string_list(data["target_modules"], f"{where}.target_modules", "module names")
    lora = build_section(LoraSettings, _typed(LoraSettings, data, where), where)
    if lora.r < 1 or lora.alpha < 1:
        raise RecipeError(f"{where}.r and {where}.alpha: must be >= 1, got r={lora.r}, alpha={lora.alpha}")
    if not 0 <= lora.dropout < 1:
        raise RecipeError(f"{where}.dropout: must be in [0, 1), got {lora.dropout}")
    return lora


def _harmonize(data, where: str) -> HarmonizeSettings:
    data = _mapping(data, where)
    if "weight_clip" in data:
        bounds = data["weight_clip"]
        if not isinstance(bounds, list) or len(bounds) != 2:
            raise RecipeError(f"{where}.weight_clip: expected [low, high], got {bounds!r}")
        low, high = (checked_scalar(b, "float", f"{where}.weight_clip") for b in bounds)
        if low > high:
            raise RecipeError(f"{where}.weight_clip: low {low} > high {high}")
        data["weight_clip"] = (low, high)
    settings = build_section(HarmonizeSettings, _typed(HarmonizeSettings, data, where), where)
    if not 0 < settings.ratio_eps < 1:
        raise RecipeError(f"{where}.ratio_eps: must be in (0, 1), got {settings.ratio_eps}")
    if settings.weights not in WEIGHT_SOURCES:
        raise RecipeError(f"{where}.weights: must be one of {WEIGHT_SOURCES}, got {settings.weights!r}")
    return settings


def _check_ranges(recipe: FinetuneRecipe, where: str) -> None:
    if recipe.mode not in MODES:
        raise RecipeError(f"{where}.mode: must be one of {MODES}, got {recipe.mode!r}")
    if recipe.lr_scheduler not in SCHEDULERS:
        raise RecipeError(f"{where}.lr_scheduler: must be one of {SCHEDULERS}, got {recipe.lr_scheduler!r}")
    if recipe.model_dtype not in MODEL_DTYPES:
        raise RecipeError(f"{where}.model_dtype: must be one of {MODEL_DTYPES}, got {recipe.model_dtype!r}")
    if not (isinstance(recipe.bf16, bool) or recipe.bf16 == "auto"):
        raise RecipeError(f"{where}.bf16: must be true, false or auto, got {recipe.bf16!r}")
    if not (math.isfinite(recipe.learning_rate) and recipe.learning_rate > 0):
        raise RecipeError(f"{where}.learning_rate: must be > 0, got {recipe.learning_rate}")
    if recipe.weight_decay < 0:
        raise RecipeError(f"{where}.weight_decay: must be >= 0, got {recipe.weight_decay}")
    for name in ("per_device_batch", "gradient_accumulation", "max_length", "logging_steps"):
        if getattr(recipe, name) < 1:
            raise RecipeError(f"{where}.{name}: must be >= 1, got {getattr(recipe, name)}")
    for name in ("limit", "max_steps", "effective_batch", "save_steps", "cpu_threads"):
        value = getattr(recipe, name)
        if value is not None and value < 1:
            raise RecipeError(f"{where}.{name}: must be >= 1 (or null), got {value}")
    if recipe.warmup_steps < 0:
        raise RecipeError(f"{where}.warmup_steps: must be >= 0, got {recipe.warmup_steps}")
    if recipe.max_steps is None and not recipe.epochs > 0:
        raise RecipeError(f"{where}.epochs: must be > 0 when max_steps is not set, got {recipe.epochs}")
    if recipe.mode == "length_harmonized" and recipe.packing:
        raise RecipeError(
            f"{where}.packing: not with mode length_harmonized (the loss averages each sample's "
            "own tokens; packed rows mix samples)"
        )


def parse_finetune_recipe(data: dict, where: str = "finetune") -> FinetuneRecipe:
    if not isinstance(data, dict):
        raise RecipeError(f"{where}: expected a mapping, got {type(data).__name__}")
    data = dict(data)
    lora = _lora(data.pop("lora", None), f"{where}.lora")
    harmonize = _harmonize(data.pop("harmonize", None), f"{where}.harmonize")
    if "effective_batch" in data and data.get("effective_batch") is not None and "gradient_accumulation" in data:
        raise RecipeError(f"{where}: set effective_batch or gradient_accumulation, not both")
    recipe = build_section(
        FinetuneRecipe, {**_typed(FinetuneRecipe, data, where), "lora": lora, "harmonize": harmonize}, where
    )
    _check_ranges(recipe, where)
    return recipe


def finetune_recipe(path: str | Path = CPU_RECIPE, **overrides) -> FinetuneRecipe:
    """The `finetune:` section of a recipe file; `overrides` replace top-level keys afterwards
    (e.g. `dataset=` the folder a pipeline run just built), checked like the file's own."""
    section = load_recipe(path).get("finetune")
    if section is None:
        raise RecipeError(f"recipe {path} has no finetune: section")
    recipe = parse_finetune_recipe(section, f"{Path(path).name}: finetune")
    return with_overrides(recipe, **overrides) if overrides else recipe


def with_overrides(recipe: FinetuneRecipe, **overrides) -> FinetuneRecipe:
    known = {f.name for f in fields(FinetuneRecipe)} - {"lora", "harmonize"}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise RecipeError(f"finetune overrides: unknown key(s) {unknown}; allowed: {sorted(known)}")
    merged = replace(recipe, **_typed(FinetuneRecipe, overrides, "finetune overrides"))
    _check_ranges(merged, "finetune overrides")
    return merged


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
