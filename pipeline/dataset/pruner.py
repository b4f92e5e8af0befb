"""O1-Pruner length-harmonizing statistics (arXiv 2501.12570), for the `length_harmonized` config.

Per problem, over its K verified samples: the mean length L_ref and the mean accuracy A_ref.
Per sample y: R = L_ref / L(y) - 1 + lambda * (A(y) - A_ref), with A(y) in {0, 1} and lambda = 2
(the paper's best). As in the released code, R is clipped to [-2, 4], then z-normalised over
the whole dataset; m samples per problem are kept (m = 2), chosen by a seeded draw so a re-run
keeps the same ones. Short and correct is rewarded; long or wrong is penalised.
"""

from __future__ import annotations

import hashlib
import random
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class SampleOutcome:
    sample_id: str
    problem_id: str
    length: int  # tokens of the response (teacher tokenizer)
    correct: bool  # verified: every test passed


@dataclass(frozen=True)
class ProblemStats:
    problem_id: str
    samples: int
    mean_length: float  # L_ref
    accuracy: float  # A_ref


@dataclass(frozen=True)
class HarmonizedSample:
    sample_id: str
    problem_id: str
    length: int
    correct: bool
    reward: float  # R before clipping
    clipped: float  # R clipped to the bounds
    weight: float  # clipped R, z-normalised over the kept samples: the training weight


@dataclass(frozen=True)
class PrunerSettings:
    lam: float = 2.0
    clip_low: float = -2.0
    clip_high: float = 4.0
    keep_per_problem: int | None = 2  # m; None keeps every sample
    seed: int = 0


def problem_stats(outcomes: Sequence[SampleOutcome]) -> dict[str, ProblemStats]:
    by_problem: dict[str, list[SampleOutcome]] = defaultdict(list)
    for outcome in outcomes:
        if outcome.length <= 0:
            raise ValueError(f"sample {outcome.sample_id!r}, field 'length': must be positive, got {outcome.length}")
        by_problem[outcome.problem_id].append(outcome)
    return {
        pid: ProblemStats(
            pid,
            len(group),
            statistics.fmean(o.length for o in group),
            statistics.fmean(float(o.correct) for o in group),
        )
        for pid, group in by_problem.items()
    }


def reward(outcome: SampleOutcome, stats: ProblemStats, lam: float) -> float:
    return stats.mean_length / outcome.length - 1.0 + lam * (float(outcome.correct) - stats.accuracy)


def _kept(group: list[SampleOutcome], settings: PrunerSettings) -> list[SampleOutcome]:
    if settings.keep_per_problem is None or len(group) <= settings.keep_per_problem:
        return group
    digest = hashlib.sha256(f"{settings.seed}:{group[0].problem_id}".encode()).digest()
    chosen = random.Random(digest).sample(range(len(group)), settings.keep_per_problem)
    return [group[i] for i in sorted(chosen)]


def harmonize(outcomes: Sequence[SampleOutcome], settings: PrunerSettings = PrunerSettings()) -> list[HarmonizedSample]:
    """Rewards from every sample's problem statistics (all K samples), weights over the kept m."""
    if settings.clip_low > settings.clip_high:
        raise ValueError(f"clip bounds reversed: {settings.clip_low} > {settings.clip_high}")
    stats = problem_stats(outcomes)
    by_problem: dict[str, list[SampleOutcome]] = defaultdict(list)
    for outcome in outcomes:
        by_problem[outcome.problem_id].append(outcome)
    kept = [
        o for pid in sorted(by_problem) for o in _kept(sorted(by_problem[pid], key=lambda o: o.sample_id), settings)
    ]
    raw = [reward(o, stats[o.problem_id], settings.lam) for o in kept]
    clipped = [min(settings.clip_high, max(settings.clip_low, r)) for r in raw]
    mean = statistics.fmean(clipped) if clipped else 0.0
    spread = statistics.pstdev(clipped) if len(clipped) > 1 else 0.0
    return [
        HarmonizedSample(
            o.sample_id, o.problem_id, o.length, o.correct, r, c, (c - mean) / spread if spread > 0 else 0.0
        )
        for o, r, c in zip(kept, raw, clipped)
    ]
