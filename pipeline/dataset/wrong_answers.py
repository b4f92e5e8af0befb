"""Sky-T1's wrong-answer control (arXiv 2502.07374: trained on samples whose final answer is
wrong, 63.1 vs 66.3 for correct ones): a config the size of `default`, built from the same
problems, so the two can be compared as the paper did.

Each `default` row is a slot (problem, profile); it is filled with a complete response of the same
problem and profile that the sandbox judged wrong (cut responses are incomplete, not wrong, and
are never used), drawn with a seeded RNG without repeats. A slot with no such response left stays
empty and is counted; like a perturbation, the config is published only when at least 90 % of
the slots are filled (`variants.MIN_CHANGED`), else the card says why. The draws run in Python,
one per (problem, profile) over narrow columns.
"""

from __future__ import annotations

import polars as pl

from pipeline.dataset.perturb import sample_rng
from pipeline.dataset.variants import MIN_CHANGED
from schemas import Verdict

NAME = "wrong-answers"


def wrong_answer_picks(default: pl.DataFrame, failed: pl.DataFrame, seed: int = 0) -> tuple[pl.DataFrame, int]:
    """(the failed rows' ids filling `default`'s slots, with `pick`: their order, slots sorted by
    (problem, profile) then drawn; how many slots stayed empty). `failed` needs `verdict` and `cut`."""
    complete_and_wrong = (pl.col("verdict") != Verdict.ACCEPTED.value) & ~pl.col("cut")
    pools = (
        failed.filter(complete_and_wrong)
        .sort("id")
        .group_by("problem_id", "profile", maintain_order=True)
        .agg(pl.col("id").alias("pool"))
    )
    slots = default.group_by("problem_id", "profile").len("slots")
    keyed = slots.join(pools, on=["problem_id", "profile"], how="inner").sort("problem_id", "profile")
    chosen: list[str] = []
    for problem_id, profile, count, pool in keyed.iter_rows():
        chosen += sample_rng(seed, f"{problem_id}\x00{profile}").sample(pool, min(count, len(pool)))
    picks = pl.DataFrame({"id": chosen, "pick": range(len(chosen))}, schema={"id": pl.String, "pick": pl.Int64})
    return picks, default.height - len(chosen)


def unpublished_note(slots: int, filled: int) -> str:
    """Why the control is not published ("" when it is)."""
    if slots and filled >= MIN_CHANGED * slots:
        return ""
    return f"only {filled} of {slots} default slots have a wrong response (< {MIN_CHANGED:.0%})"
