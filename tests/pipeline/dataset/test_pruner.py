import math

import pytest

from pipeline.dataset.pruner import PrunerSettings, SampleOutcome, harmonize, problem_stats, reward

ALL = PrunerSettings(keep_per_problem=None)


def test_hand_computed_rewards_and_weights():
    # L_ref = 200, A_ref = 0.5: short+correct R = 200/100 - 1 + 2*(1 - 0.5) = 2;
    # long+wrong R = 200/300 - 1 + 2*(0 - 0.5) = -4/3. z over [2, -4/3]: mean 1/3, std 5/3 -> [1, -1].
    samples = [SampleOutcome("a", "p", 100, True), SampleOutcome("b", "p", 300, False)]
    a, b = harmonize(samples, ALL)
    assert math.isclose(a.reward, 2.0) and math.isclose(b.reward, -4 / 3)
    assert math.isclose(a.weight, 1.0) and math.isclose(b.weight, -1.0)


def test_sign_follows_length_and_correctness():
    samples = [
        SampleOutcome("short-right", "p", 50, True),
        SampleOutcome("long-right", "p", 400, True),
        SampleOutcome("short-wrong", "p", 50, False),
        SampleOutcome("long-wrong", "p", 400, False),
    ]
    rewards = {h.sample_id: h.reward for h in harmonize(samples, ALL)}
    assert rewards["short-right"] > rewards["long-right"] > rewards["long-wrong"]
    assert rewards["short-right"] > rewards["short-wrong"] > rewards["long-wrong"]
    assert rewards["short-right"] > 0 > rewards["long-wrong"]


def test_clipping_bounds_the_reward():
    samples = [SampleOutcome("tiny", "p", 10, True), SampleOutcome("huge", "p", 10_000, False)]
    by_id = {h.sample_id: h for h in harmonize(samples, ALL)}
    tiny, huge = by_id["tiny"], by_id["huge"]
    assert tiny.reward > 4 and tiny.clipped == 4.0
    assert huge.reward == pytest.approx(5005 / 10_000 - 1 - 1) and huge.clipped == pytest.approx(huge.reward)
    wrong = harmonize(
        [SampleOutcome("w", "q", 10_000, False), SampleOutcome("r", "q", 10, True)],
        PrunerSettings(lam=5.0, keep_per_problem=None),
    )
    assert min(h.clipped for h in wrong) == -2.0


def test_lambda_zero_only_rewards_length():
    samples = [SampleOutcome("a", "p", 100, False), SampleOutcome("b", "p", 100, True)]
    assert all(h.reward == 0 for h in harmonize(samples, PrunerSettings(lam=0.0, keep_per_problem=None)))


def test_m_samples_kept_per_problem_reproducibly_with_stats_from_all():
    samples = [SampleOutcome(f"s{i}", "p", 100 + 10 * i, i % 2 == 0) for i in range(16)]
    kept = harmonize(samples, PrunerSettings(keep_per_problem=2, seed=3))
    assert len(kept) == 2 and kept == harmonize(samples, PrunerSettings(keep_per_problem=2, seed=3))
    stats = problem_stats(samples)["p"]
    assert stats.samples == 16 and stats.accuracy == 0.5
    for h in kept:  # the reward uses the statistics of all 16 samples, not of the 2 kept
        outcome = next(s for s in samples if s.sample_id == h.sample_id)
        assert h.reward == pytest.approx(reward(outcome, stats, 2.0))


def test_equal_rewards_give_zero_weights_and_bad_lengths_are_named():
    same = [SampleOutcome("a", "p", 100, True), SampleOutcome("b", "p", 100, True)]
    assert [h.weight for h in harmonize(same, ALL)] == [0.0, 0.0]
    with pytest.raises(ValueError, match="sample 'z', field 'length'"):
        harmonize([SampleOutcome("z", "p", 0, True)], ALL)
