"""Sky-T1 variant configs: the `default` rows with their reasoning perturbed, one config each.

Each variant runs in its own process (`main`, fed by `variant_feed.VariantFeed`), bucket by bucket.

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
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from pipeline.dataset.perturb import Perturbation, perturb_response, perturbable


def parse_variant(spec: str, seed: int = 0) -> Perturbation:
    """`"digits:0.2"` -> Perturbation(kind="digits", rate=0.2, seed)."""
    kind, _, rate = spec.partition(":")
    try:
        return Perturbation(kind.strip(), float(rate), seed)
    except ValueError as err:
        raise ValueError(f"variant {spec!r}: {err} (expected KIND:RATE, e.g. shuffle:0.33)") from None


def variant_name(perturbation: Perturbation) -> str:
    return f"{perturbation.kind}-{round(perturbation.rate * 100)}"


def perturb_rows(
    perturbation: Perturbation, ids: Sequence[str], responses: Sequence[str], next_donor: str | None
) -> tuple[list[bool], list[str], int]:
    """(which rows the perturbation can act on, their perturbed responses in order, how many
    changed). A row's donor is the next perturbable row's response; the last one's is `next_donor`
    (the first perturbable row after these, wrapping around to the first of all)."""
    acts = [perturbable(perturbation.kind, r) for r in responses]
    ordered = [i for i, act in enumerate(acts) if act]
    perturbed, changed = [], 0
    for j, i in enumerate(ordered):
        donor = responses[ordered[j + 1]] if j + 1 < len(ordered) else next_donor
        response = perturb_response(perturbation, responses[i], donor, ids[i]) or responses[i]
        changed += response != responses[i]
        perturbed.append(response)
    return acts, perturbed, changed


def first_perturbable(perturbation: Perturbation, responses: Sequence[str]) -> str | None:
    return next((r for r in responses if perturbable(perturbation.kind, r)), None)


def variant_table(rows: pa.Table, acts: Sequence[bool], perturbed: Sequence[str], perturbation: Perturbation):
    """`default`'s rows the perturbation acted on, response replaced, plus `perturbation` and `rate`."""
    kept = rows.filter(pa.array(acts, pa.bool_()))
    index = kept.schema.get_field_index("response")
    table = kept.set_column(index, kept.schema.field(index), pa.array(perturbed, kept.schema.field(index).type))
    table = table.append_column("perturbation", pa.array([perturbation.kind] * table.num_rows, pa.string()))
    return table.append_column("rate", pa.array([perturbation.rate] * table.num_rows, pa.float64()))


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


def _mode(perturbation: Perturbation) -> str:
    if perturbation.kind == "reflection":
        return "phrase deletion (perturb.REFLECTION_PHRASES removed by pattern)"
    return ""


def run_variant(perturbation: Perturbation, out_dir: Path, target_bytes: int, messages) -> VariantOutcome:
    """One variant: `default`'s rows arrive bucket by bucket as (table, next donor); the shards are
    kept only if MIN_CHANGED of the rows the perturbation acted on changed."""
    from pipeline.dataset.shard import ShardWriter

    name = variant_name(perturbation)
    writer, rows, acted, changed = ShardWriter(out_dir, name, target_bytes), 0, 0, 0
    try:
        for table, next_donor in messages:
            ids, responses = table.column("id").to_pylist(), table.column("response").to_pylist()
            acts, perturbed, count = perturb_rows(perturbation, ids, responses, next_donor)
            rows, acted, changed = rows + len(ids), acted + len(perturbed), changed + count
            if perturbed:
                writer.write(variant_table(table, acts, perturbed, perturbation))
    except BaseException:
        writer.abort()
        raise
    if not acted or changed < MIN_CHANGED * acted:
        writer.abort()
        note = f"only {changed} of {acted} rows changed (< {MIN_CHANGED:.0%}): not published as a perturbation"
        return VariantOutcome(name, acted, changed, rows - acted, note=note, mode=_mode(perturbation))
    return VariantOutcome(name, acted, changed, rows - acted, tuple(writer.close()), mode=_mode(perturbation))


def _received(stream, acknowledge):
    """(table, next donor) from the build's messages (an Arrow IPC file and the donor), until None;
    each one acknowledged once its rows are written (the build deletes the file then)."""
    import pickle

    while (message := pickle.load(stream)) is not None:
        path, donor = message
        with pa.memory_map(path) as source:
            table = pa.ipc.open_file(source).read_all()
        yield table, donor
        del table
        acknowledge()


def main(argv: Sequence[str] | None = None) -> None:
    """A variant's own process (`python -m pipeline.dataset.variants KIND RATE SEED OUT_DIR TARGET_BYTES`):
    messages on stdin, the outcome as JSON on stdout."""
    import json
    import sys

    kind, rate, seed, out_dir, target_bytes = argv or sys.argv[1:]

    def acknowledge() -> None:
        sys.stdout.write("ack\n")
        sys.stdout.flush()

    outcome = run_variant(Perturbation(kind, float(rate), int(seed)), Path(out_dir), int(target_bytes),
                          _received(sys.stdin.buffer, acknowledge))  # fmt: skip
    report = {**outcome.__dict__, "files": [str(p) for p in outcome.files]}
    sys.stdout.write(json.dumps(report))


if __name__ == "__main__":
    main()
