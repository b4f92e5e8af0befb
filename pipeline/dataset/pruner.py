"""O1-Pruner length-harmonizing statistics (arXiv 2501.12570), for the `length_harmonized` config.

Per problem, over its K verified samples: the mean length L_ref and the mean accuracy A_ref.
Per sample y: R = L_ref / L(y) - 1 + lambda * (A(y) - A_ref), with A(y) in {0, 1} and lambda = 2
(the paper's best). As in the released code, R is clipped to [-2, 4], then z-normalised over
the whole dataset; m samples per problem are kept (m = 2), chosen by a seeded draw so a re-run
keeps the same ones. Computed as polars window queries (`harmonize_frame`), at any size.
Short and correct is rewarded; long or wrong is penalised.
"""

from __future__ import annotations

import hashlib
import random
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl


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


def _keep_mask(problem_ids: pl.Series, settings: PrunerSettings) -> pl.Series:
    """Which samples are kept, the frame sorted by (problem, sample id): m per problem by a seeded
    draw (the same problems give the same draw in any run); a Python step per problem over m."""
    keep = settings.keep_per_problem
    if keep is None:
        return pl.Series("keep", [True] * problem_ids.len(), pl.Boolean)
    mask = np.ones(problem_ids.len(), dtype=bool)
    runs = problem_ids.rle()  # sorted: one run per problem
    sizes = runs.struct.field("len").cast(pl.Int64).to_list()
    starts = [int(x) for x in np.cumsum([0, *sizes[:-1]])]
    for start, size, pid in zip(starts, sizes, runs.struct.field("value").to_list()):
        if size > keep:
            digest = hashlib.sha256(f"{settings.seed}:{pid}".encode()).digest()
            chosen = random.Random(digest).sample(range(size), keep)
            mask[start : start + size] = False
            mask[[start + i for i in chosen]] = True
    return pl.Series("keep", mask)


def harmonize_frame(outcomes: pl.DataFrame, settings: PrunerSettings = PrunerSettings()) -> pl.DataFrame:
    """Columns sample_id, problem_id, length, correct -> the kept samples, in (problem, sample id)
    order, with reward (from all K samples' problem statistics), clipped and weight (z over the kept)."""
    if settings.clip_low > settings.clip_high:
        raise ValueError(f"clip bounds reversed: {settings.clip_low} > {settings.clip_high}")
    bad = outcomes.filter(pl.col("length") <= 0)
    if bad.height:
        raise ValueError(f"sample {bad['sample_id'][0]!r}, field 'length': must be positive, got {bad['length'][0]}")
    ordered = outcomes.sort("problem_id", "sample_id")
    correct = pl.col("correct").cast(pl.Float64)
    mean_length = pl.col("length").cast(pl.Float64).mean().over("problem_id")  # L_ref
    accuracy = correct.mean().over("problem_id")  # A_ref
    rewarded = ordered.with_columns(
        (mean_length / pl.col("length") - 1.0 + settings.lam * (correct - accuracy)).alias("reward")
    ).filter(_keep_mask(ordered["problem_id"], settings))
    clipped = rewarded.with_columns(pl.col("reward").clip(settings.clip_low, settings.clip_high).alias("clipped"))
    spread = clipped["clipped"].std(ddof=0) if clipped.height > 1 else 0.0
    mean = clipped["clipped"].mean() if clipped.height else 0.0
    weight = (pl.col("clipped") - mean) / spread if spread and spread > 0 else pl.lit(0.0)
    return clipped.with_columns(weight.alias("weight"))


def harmonize(outcomes: Sequence[SampleOutcome], settings: PrunerSettings = PrunerSettings()) -> list[HarmonizedSample]:
    """`harmonize_frame` for a list of samples."""
    frame = pl.DataFrame(
        [(o.sample_id, o.problem_id, o.length, o.correct) for o in outcomes],
        schema={"sample_id": pl.String, "problem_id": pl.String, "length": pl.Int64, "correct": pl.Boolean},
        orient="row",
    )
    return [HarmonizedSample(**row) for row in harmonize_frame(frame, settings).iter_rows(named=True)]
