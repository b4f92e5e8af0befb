"""The O1-Pruner loss on hand-computed tensors: r = exp(mean logp_theta - mean logp_ref),
loss = mean(max(-R r, -R clip(r, 0.8, 1.2)))."""

import math

import pytest
import torch

from pipeline.finetune.harmonize_loss import (
    WeightCollator,
    importance_ratio,
    o1_pruner_loss,
    sequence_mean_logp,
)


def one_sample(log_ratio: float, weight: float):
    """Two completion tokens whose mean policy logp exceeds the reference's by `log_ratio`."""
    policy = torch.tensor([[-1.0 + log_ratio, -2.0 + log_ratio]], requires_grad=True)
    ref = torch.tensor([[-1.0, -2.0]])
    mask = torch.tensor([[True, True]])
    return policy, ref, mask, torch.tensor([weight])


def test_sequence_mean_counts_only_masked_tokens():
    logps = torch.tensor([[-1.0, -2.0, -3.0], [-4.0, -5.0, -6.0]])
    mask = torch.tensor([[0, 1, 1], [0, 0, 0]])
    assert torch.allclose(sequence_mean_logp(logps, mask), torch.tensor([-2.5, 0.0]))


def test_ratio_is_exp_of_the_difference_of_means():
    policy = torch.tensor([[-1.0, -1.0, -9.0]])
    ref = torch.tensor([[-2.0, -1.0, -0.5]])
    mask = torch.tensor([[1, 1, 0]])
    # means over the first two tokens: -1.0 vs -1.5 -> r = exp(0.5)
    assert importance_ratio(policy, ref, mask).item() == pytest.approx(math.exp(0.5))


@pytest.mark.parametrize(
    ("ratio", "weight", "loss", "clipped", "has_grad"),
    [
        (1.5, +1.0, -1.2, True, False),  # R > 0, r past 1 + eps: the bonus is capped, no more pull
        (0.5, +1.0, -0.5, False, True),  # R > 0, r below 1 - eps: unclipped, still pulled up
        (0.5, -1.0, 0.8, True, False),  # R < 0, r already pushed below 1 - eps: capped
        (1.5, -1.0, 1.5, False, True),  # R < 0, r above 1 + eps: unclipped, still pushed down
        (1.1, +2.0, -2.2, False, True),  # inside the range both branches agree
        (1.1, -2.0, 2.2, False, True),
    ],
)
def test_ratio_clipping_picks_the_pessimistic_branch(ratio, weight, loss, clipped, has_grad):
    policy, ref, mask, weights = one_sample(math.log(ratio), weight)
    result = o1_pruner_loss(policy, ref, mask, weights, eps=0.2)
    assert result.loss.item() == pytest.approx(loss, rel=1e-5)
    assert result.ratio.item() == pytest.approx(ratio, rel=1e-5)
    assert result.clipped.item() is clipped
    result.loss.backward()
    assert (policy.grad.abs().sum().item() > 0) is has_grad


@pytest.mark.parametrize("weight", [+1.5, -0.7])
def test_gradient_sign_follows_the_weight(weight):
    # At r = 1 (policy == reference, as at the start of training): d loss / d logp_t = -R / n_tokens.
    policy, ref, mask, weights = one_sample(0.0, weight)
    o1_pruner_loss(policy, ref, mask, weights).loss.backward()
    assert torch.allclose(policy.grad, torch.full_like(policy, -weight / 2))
    # A gradient-descent step moves log p up for R > 0 and down for R < 0.
    step = -policy.grad
    assert (torch.sign(step) == math.copysign(1.0, weight)).all()


def test_prompt_and_padding_tokens_are_masked_out():
    policy = torch.tensor([[-7.0, -1.0, -1.0, 0.0]], requires_grad=True)  # prompt, 2 completion, pad
    ref = torch.tensor([[-0.1, -1.0, -1.0, -3.0]])
    mask = torch.tensor([[False, True, True, False]])
    result = o1_pruner_loss(policy, ref, mask, torch.tensor([1.0]))
    assert result.ratio.item() == pytest.approx(1.0)  # the prompt's -7 vs -0.1 does not count
    result.loss.backward()
    assert policy.grad[0, 0] == 0 and policy.grad[0, 3] == 0 and (policy.grad[0, 1:3] != 0).all()


def test_batch_loss_is_the_mean_over_samples():
    policy = torch.tensor([[math.log(1.5), 0.0], [math.log(0.5), 0.0]])
    ref = torch.zeros(2, 2)
    mask = torch.tensor([[1, 0], [1, 0]])
    result = o1_pruner_loss(policy, ref, mask, torch.tensor([1.0, -1.0]))
    assert result.loss.item() == pytest.approx((-1.2 + 0.8) / 2, rel=1e-5)
    assert result.clipped.tolist() == [True, True]


def test_reference_carries_no_gradient():
    policy = torch.zeros(1, 2, requires_grad=True)
    ref = torch.zeros(1, 2, requires_grad=True)
    o1_pruner_loss(policy, ref, torch.ones(1, 2), torch.tensor([1.0])).loss.backward()
    assert ref.grad is None and policy.grad is not None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"weights": torch.tensor([1.0, 2.0])}, "one per sample"),
        ({"mask": torch.ones(1, 3)}, "differ in shape"),
        ({"eps": 1.5}, "eps"),
    ],
)
def test_bad_inputs(kwargs, message):
    args = {
        "policy_logps": torch.zeros(1, 2),
        "ref_logps": torch.zeros(1, 2),
        "mask": torch.ones(1, 2),
        "weights": torch.tensor([1.0]),
        **kwargs,
    }
    with pytest.raises(ValueError, match=message):
        o1_pruner_loss(**args)


def test_weight_collator_adds_a_weight_tensor():
    def inner(examples):
        assert all("weight" not in e for e in examples)
        return {"input_ids": torch.tensor([e["input_ids"] for e in examples])}

    batch = WeightCollator(inner)([{"input_ids": [1, 2], "weight": 0.5}, {"input_ids": [3, 4], "weight": -1}])
    assert batch["weight"].tolist() == [0.5, -1.0] and batch["weight"].dtype == torch.float32
    with pytest.raises(ValueError, match=r"examples \[1\]"):
        WeightCollator(inner)([{"input_ids": [1], "weight": 1.0}, {"input_ids": [2]}])
