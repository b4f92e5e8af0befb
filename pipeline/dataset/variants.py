"""Sky-T1 variant configs: the `default` rows with their reasoning perturbed, one config each.

A variant is named `{kind}-{percent}` (e.g. `digits-20`, `shuffle-67`); its rows are the default
rows with the reasoning perturbed (the answer and its code untouched, so the row still verifies),
plus `perturbation` and `rate` columns. Step insertion takes its extra steps from the next row's
reasoning (rows in id order, wrapping around). Wrong-answer samples are the `failed` config.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pyarrow as pa

from pipeline.dataset.filters import stw_response
from pipeline.dataset.perturb import Perturbation, apply
from schemas import DatasetRow, Trajectory, to_table


def parse_variant(spec: str, seed: int = 0) -> Perturbation:
    """`"digits:0.2"` -> Perturbation(kind="digits", rate=0.2, seed)."""
    kind, _, rate = spec.partition(":")
    try:
        return Perturbation(kind.strip(), float(rate), seed)
    except ValueError as err:
        raise ValueError(f"variant {spec!r}: {err} (expected KIND:RATE, e.g. shuffle:0.33)") from None


def variant_name(perturbation: Perturbation) -> str:
    return f"{perturbation.kind}-{round(perturbation.rate * 100)}"


def variant_table(
    rows: Sequence[DatasetRow], trajectories: dict[str, Trajectory], perturbation: Perturbation
) -> pa.Table:
    ordered = sorted(rows, key=lambda r: r.id)
    perturbed = []
    for index, row in enumerate(ordered):
        source = trajectories[row.trajectory_id]
        donor = trajectories[ordered[(index + 1) % len(ordered)].trajectory_id].reasoning if ordered else None
        reasoning, answer = apply(perturbation, source.reasoning, source.answer, donor, row.id)
        perturbed.append(replace(row, response=stw_response(reasoning, answer) or row.response))
    table = to_table(perturbed, DatasetRow)
    table = table.append_column("perturbation", pa.array([perturbation.kind] * len(perturbed), pa.string()))
    return table.append_column("rate", pa.array([perturbation.rate] * len(perturbed), pa.float64()))


_FORKED: dict = {}  # inputs handed to forked workers by inheritance, not by pickling 100K rows


def _write_one(perturbation: Perturbation) -> tuple[str, list]:
    from pipeline.dataset.shard import write_shards

    rows, trajectories, out_dir, target_bytes = _FORKED["inputs"]
    name = variant_name(perturbation)
    return name, write_shards(variant_table(rows, trajectories, perturbation), out_dir, name, target_bytes)


def write_variants(
    rows: Sequence[DatasetRow],
    trajectories: dict[str, Trajectory],
    variants: Sequence[Perturbation],
    out_dir,
    target_bytes: int,
    workers: int | None = None,
) -> dict[str, list]:
    """Every variant's shards, one variant per core (forked workers share the inputs)."""
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor

    _FORKED["inputs"] = (rows, trajectories, out_dir, target_bytes)
    try:
        workers = min(len(variants), workers or os.cpu_count() or 1)
        if workers <= 1:
            return dict(map(_write_one, variants))
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            return dict(pool.map(_write_one, variants))
    finally:
        _FORKED.clear()
