"""Sky-T1 variant configs: the `default` rows with their reasoning perturbed, one config each.

A variant is named `{kind}-{percent}` (e.g. `digits-20`, `shuffle-67`); its rows are the default
rows with the whole response perturbed as published (`perturb.perturb_response`: digits anywhere,
code included; reflection and structure on the thinking before the final code block), plus
`perturbation` and `rate` columns. Step insertion takes its extra steps from the next row's
response (in `default`'s order, wrapping around). Every variant reports how many rows it changed; one
that changed fewer than 90 % is not published (the card says why). Sky-T1's wrong-answer control is
`wrong_answers.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import pyarrow as pa

from pipeline.dataset.perturb import Perturbation, perturb_response, perturbable
from schemas import DatasetRow, to_table


def parse_variant(spec: str, seed: int = 0) -> Perturbation:
    """`"digits:0.2"` -> Perturbation(kind="digits", rate=0.2, seed)."""
    kind, _, rate = spec.partition(":")
    try:
        return Perturbation(kind.strip(), float(rate), seed)
    except ValueError as err:
        raise ValueError(f"variant {spec!r}: {err} (expected KIND:RATE, e.g. shuffle:0.33)") from None


def variant_name(perturbation: Perturbation) -> str:
    return f"{perturbation.kind}-{round(perturbation.rate * 100)}"


def variant_rows(rows: Sequence[DatasetRow], perturbation: Perturbation) -> tuple[list[DatasetRow], int]:
    """(the rows with their whole response perturbed, how many of them actually changed). Rows the
    perturbation cannot act on (no number, one thinking step, ...) are left out of the variant."""
    ordered = [r for r in rows if perturbable(perturbation.kind, r.response)]
    perturbed, changed = [], 0
    for index, row in enumerate(ordered):
        donor = ordered[(index + 1) % len(ordered)].response
        response = perturb_response(perturbation, row.response, donor, row.id) or row.response
        changed += response != row.response
        perturbed.append(replace(row, response=response))
    return perturbed, changed


def variant_table(perturbed: Sequence[DatasetRow], perturbation: Perturbation) -> pa.Table:
    table = to_table(perturbed, DatasetRow)
    table = table.append_column("perturbation", pa.array([perturbation.kind] * len(perturbed), pa.string()))
    return table.append_column("rate", pa.array([perturbation.rate] * len(perturbed), pa.float64()))


MIN_CHANGED = 0.9  # a variant whose rows are mostly unchanged would be published as if perturbed


@dataclass(frozen=True)
class VariantOutcome:
    name: str
    rows: int  # default rows the perturbation can act on (the variant's rows)
    changed: int
    excluded: int = 0  # default rows with nothing to perturb (left out of the variant)
    files: tuple = ()  # the shards written; none when not published
    note: str = ""  # why it was not published
    mode: str = ""  # how it was made where the kind alone does not say (an LLM rewrite: model, prompt)
    rows_written: tuple = ()  # the published rows, where they are not `default`'s (wrong-answers)

    @property
    def published(self) -> bool:
        return bool(self.files)


_FORKED: dict = {}  # inputs handed to forked workers by inheritance, not by pickling 100K rows


def _write_one(perturbation: Perturbation) -> VariantOutcome:
    from pipeline.dataset.shard import write_shards

    rows, out_dir, target_bytes = _FORKED["inputs"]
    name = variant_name(perturbation)
    perturbed, changed = variant_rows(rows, perturbation)
    excluded = len(rows) - len(perturbed)
    mode = (
        "phrase deletion (perturb.REFLECTION_PHRASES removed by pattern)" if perturbation.kind == "reflection" else ""
    )
    if not perturbed or changed < MIN_CHANGED * len(perturbed):
        note = f"only {changed} of {len(perturbed)} rows changed (< {MIN_CHANGED:.0%}): not published as a perturbation"
        return VariantOutcome(name, len(perturbed), changed, excluded, note=note, mode=mode)
    files = write_shards(variant_table(perturbed, perturbation), out_dir, name, target_bytes)
    return VariantOutcome(name, len(perturbed), changed, excluded, tuple(files), mode=mode)


def write_variants(
    rows: Sequence[DatasetRow], variants: Sequence[Perturbation], out_dir, target_bytes: int, workers: int | None = None
) -> list[VariantOutcome]:
    """Every variant (one per core: forked workers share the inputs), with how many rows changed;
    a variant below MIN_CHANGED is reported, not written."""
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor

    _FORKED["inputs"] = (rows, out_dir, target_bytes)
    try:
        workers = min(len(variants), workers or os.cpu_count() or 1)
        if workers <= 1:
            return list(map(_write_one, variants))
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            return list(pool.map(_write_one, variants))
    finally:
        _FORKED.clear()
