"""O1-Pruner's length-harmonizing loss (arXiv 2501.12570), and the trainer that uses it.

Off-policy and PPO-style: the samples were drawn once from the reference (the teacher's
trajectories), the reference is frozen, nothing is sampled during training. Per sample:

    r    = exp(mean_t log p_theta(y_t) - mean_t log p_ref(y_t))      (completion tokens only)
    loss = mean over samples of max(-R * r, -R * clip(r, 1 - eps, 1 + eps)),  eps = 0.2

with R the sample's weight (short and correct > 0, long or wrong < 0). The max is the
pessimistic branch: once r has moved past the clip range in R's favour the clipped, constant
branch is chosen and the sample stops pulling; moves against R keep their gradient.

The loss functions are pure torch. `HarmonizedTrainer` (a TRL `SFTTrainer` subclass, built on
first access so that importing this module does not import trl) computes the per-token log
probabilities with TRL's fused LM head and the reference's under `no_grad`: with LoRA the same
model with its adapter disabled (exactly the frozen base, at no memory cost), with full
fine-tuning a frozen copy passed as `ref_model`.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import torch

DEFAULT_EPS = 0.2


@dataclass(frozen=True)
class HarmonizedLoss:
    loss: torch.Tensor  # scalar, differentiable w.r.t. the policy log probabilities
    ratio: torch.Tensor  # per-sample r, detached
    clipped: torch.Tensor  # per-sample bool: the clipped (constant, no-gradient) branch was chosen


def sequence_mean_logp(token_logps: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Per-sample mean of the token log probabilities where `mask` is set; 0 for an empty mask."""
    if token_logps.shape != mask.shape:
        raise ValueError(f"token log probs {tuple(token_logps.shape)} and mask {tuple(mask.shape)} differ in shape")
    weights = mask.to(torch.float32)
    return (token_logps.to(torch.float32) * weights).sum(-1) / weights.sum(-1).clamp(min=1.0)


def importance_ratio(policy_logps: torch.Tensor, ref_logps: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """r = exp(mean log p_theta - mean log p_ref) per sample; the reference carries no gradient."""
    return torch.exp(sequence_mean_logp(policy_logps, mask) - sequence_mean_logp(ref_logps.detach(), mask))


def o1_pruner_loss(
    policy_logps: torch.Tensor,
    ref_logps: torch.Tensor,
    mask: torch.Tensor,
    weights: torch.Tensor,
    eps: float = DEFAULT_EPS,
) -> HarmonizedLoss:
    """The O1-Pruner loss over a batch.

    policy_logps, ref_logps: (batch, tokens) log probabilities of the sampled tokens.
    mask: (batch, tokens), true on completion tokens (prompt and padding excluded).
    weights: (batch,) the per-sample R.
    """
    if not 0 < eps < 1:
        raise ValueError(f"eps must be in (0, 1), got {eps}")
    if weights.dim() != 1 or weights.shape[0] != policy_logps.shape[0]:
        raise ValueError(f"weights {tuple(weights.shape)} must be one per sample ({policy_logps.shape[0]})")
    ratio = importance_ratio(policy_logps, ref_logps, mask)
    weights = weights.to(ratio.device, torch.float32)
    unclipped = -weights * ratio
    clipped = -weights * ratio.clamp(1.0 - eps, 1.0 + eps)
    per_sample = torch.maximum(unclipped, clipped)
    return HarmonizedLoss(per_sample.mean(), ratio.detach(), (clipped > unclipped).detach())


class WeightCollator:
    """Wraps TRL's collator: the same padded batch plus a float `weight` tensor."""

    def __init__(self, inner, column: str = "weight"):
        self.inner, self.column = inner, column

    def __call__(self, examples: list[dict]) -> dict:
        missing = [i for i, e in enumerate(examples) if self.column not in e]
        if missing:
            raise ValueError(
                f"examples {missing} of the batch have no {self.column!r}: mode length_harmonized needs one per example"
            )
        batch = self.inner([{k: v for k, v in e.items() if k != self.column} for e in examples])
        batch[self.column] = torch.tensor([float(e[self.column]) for e in examples], dtype=torch.float32)
        return batch


def _build_trainer_class():
    from accelerate.utils import is_peft_model
    from trl import SFTTrainer
    from trl.models import prepare_deepspeed, prepare_fsdp
    from trl.models.utils import disable_gradient_checkpointing
    from trl.trainer.utils import add_fused_lm_head

    class HarmonizedTrainer(SFTTrainer):
        """SFTTrainer whose loss is the O1-Pruner loss; the dataset carries a `weight` column."""

        _tag_names = ["trl", "sft", "trajforge", "o1-pruner"]
        _name = "LengthHarmonized"
        loss_is_scaled_for_ga = False  # a per-sample mean: Trainer divides by the accumulation steps

        def __init__(self, *args, ratio_eps: float = DEFAULT_EPS, ref_model=None, **kwargs):
            self.ratio_eps = ratio_eps
            super().__init__(*args, **kwargs)
            if self.padding_free:
                raise ValueError("length_harmonized needs one sample per row: no packing or padding_free")
            if ref_model is None and not is_peft_model(self.model):
                raise ValueError("full fine-tuning needs a frozen `ref_model` (LoRA uses the disabled adapter)")
            self.ref_model = None
            if ref_model is not None:
                ref_model.eval().requires_grad_(False)
                add_fused_lm_head(ref_model)
                # Sharded like the policy under DeepSpeed / FSDP (as TRL's DPOTrainer does)
                if self.is_deepspeed_enabled:
                    self.ref_model = prepare_deepspeed(ref_model, self.accelerator)
                elif self.is_fsdp_enabled:
                    self.ref_model = prepare_fsdp(ref_model, self.accelerator)
                else:
                    self.ref_model = self.accelerator.prepare_model(ref_model, evaluation_mode=True)
            self.data_collator = WeightCollator(self.data_collator)

        def _set_signature_columns_if_needed(self):
            super()._set_signature_columns_if_needed()
            if "weight" not in self._signature_columns:
                self._signature_columns = [*self._signature_columns, "weight"]

        def _reference_logps(self, model, inputs: dict) -> torch.Tensor:
            if self.ref_model is not None:
                reference, adapter = self.ref_model, contextlib.nullcontext()
            else:
                reference, adapter = model, self.accelerator.unwrap_model(model).disable_adapter()
            with (
                torch.no_grad(),
                disable_gradient_checkpointing(model, self.args.gradient_checkpointing_kwargs),
                adapter,
                self.accelerator.autocast(),
            ):
                return reference(**inputs, fused_lm_head=True).log_probs

        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            mode = "train" if self.model.training else "eval"
            weights = inputs.pop("weight")
            inputs["use_cache"] = False
            outputs = model(**inputs, fused_lm_head=True)
            ref_logps = self._reference_logps(model, inputs)
            result = o1_pruner_loss(outputs.log_probs, ref_logps, outputs.label_mask, weights, self.ratio_eps)
            metrics = self._metrics[mode]
            metrics["ratio"].append(self.accelerator.gather_for_metrics(result.ratio).mean().item())
            metrics["clip_fraction"].append(self.accelerator.gather_for_metrics(result.clipped.float()).mean().item())
            if mode == "train":
                tokens = self.accelerator.gather_for_metrics(inputs["attention_mask"].sum()).sum().item()
                self._total_train_tokens += tokens
            metrics["num_tokens"] = [self._total_train_tokens]
            return (result.loss, outputs) if return_outputs else result.loss

    return HarmonizedTrainer


_CLASSES: dict[str, type] = {}


def __getattr__(name: str):
    """`HarmonizedTrainer` on first access (PEP 562), so the pure functions import without trl."""
    if name == "HarmonizedTrainer":
        if name not in _CLASSES:
            _CLASSES[name] = _build_trainer_class()
        return _CLASSES[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
