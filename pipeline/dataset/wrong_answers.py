"""Sky-T1's wrong-answer control (arXiv 2502.07374: trained on samples whose final answer is
wrong, 63.1 vs 66.3 for correct ones): a config the size of `default`, built from the same
problems, so the two can be compared as the paper did.

Each `default` row is a slot (problem, profile); it is filled with a complete response of the same
problem and profile that the sandbox judged wrong (cut responses are incomplete, not wrong, and
are never used), drawn with a seeded RNG without repeats. A slot with no such response left stays
empty and is counted; like a perturbation, the config is published only when at least 90 % of
the slots are filled (`variants.MIN_CHANGED`), else the card says why.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from pathlib import Path

from pipeline.dataset.perturb import sample_rng
from pipeline.dataset.shard import write_shards
from pipeline.dataset.variants import MIN_CHANGED, VariantOutcome
from schemas import DatasetRow, Verdict, to_table

NAME = "wrong-answers"


def wrong_answer_rows(
    default: Sequence[DatasetRow], failed: Sequence[DatasetRow], cut_ids: Collection[str], seed: int = 0
) -> tuple[list[DatasetRow], int]:
    """(wrong responses filling `default`'s slots, in slot order; how many slots stayed empty)."""
    pools: dict[tuple[str, str], list[DatasetRow]] = defaultdict(list)
    for row in sorted(failed, key=lambda r: r.id):
        if row.verdict is not Verdict.ACCEPTED and row.id not in cut_ids:
            pools[(row.problem_id, row.profile.value)].append(row)
    slots: dict[tuple[str, str], int] = defaultdict(int)
    for row in default:
        slots[(row.problem_id, row.profile.value)] += 1
    chosen: list[DatasetRow] = []
    for key in sorted(slots):
        pool = pools.get(key, [])
        take = min(slots[key], len(pool))
        chosen += sample_rng(seed, "\x00".join(key)).sample(pool, take)
    return chosen, len(default) - len(chosen)


def write_wrong_answers(
    default: list[DatasetRow], failed: list[DatasetRow], cut: set[str], seed: int, out_dir: Path, target_bytes: int
) -> VariantOutcome:
    """Sky-T1's wrong-answer control, reported like a variant: `changed` = slots filled."""
    rows, empty = wrong_answer_rows(default, failed, cut, seed)
    if not default or len(rows) < MIN_CHANGED * len(default):
        note = f"only {len(rows)} of {len(default)} default slots have a wrong response (< {MIN_CHANGED:.0%})"
        return VariantOutcome(NAME, len(default), len(rows), empty, note=note)
    files = write_shards(to_table(rows, DatasetRow), out_dir, NAME, target_bytes)
    return VariantOutcome(NAME, len(default), len(rows), empty, tuple(files), rows_written=tuple(rows))
