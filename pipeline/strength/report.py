"""Test strength per problem and per source: the columns `test_strength` writes and the card shows.

Per problem, for its own tests and (where made) its amplified tests:
- `reference_accepted`: the reference passes, and `correct_accepted` of the source's other correct
  programs (CodeContests `solutions`, in any language the sandbox runs) pass: the TPR's counts;
- mutation score: reference mutants rejected / mutants that are not likely equivalent (a mutant
  both sets accept is left out; without amplified tests every mutant counts, a lower bound);
- wrong programs rejected (the TNR's count). Wrong programs are the source's labelled
  `incorrect_solutions` and the teacher samples whose output differs from the reference's on some
  input, i.e. that the amplified tests (every expected output the reference's) reject.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import polars as pl

from pipeline.strength.score import KILLED, ProblemStrength, compare
from schemas import Problem, Verdict

STRENGTH_SCHEMA = {
    "problem_id": pl.String, "source": pl.String, "tests_from": pl.String, "tests": pl.Int32,
    "amplified_tests": pl.Int32, "reference_accepted": pl.Boolean, "mutants": pl.Int32,
    "mutants_non_equivalent": pl.Int32, "mutants_killed": pl.Int32, "mutants_killed_amplified": pl.Int32,
    "wrong_programs": pl.Int32, "wrong_rejected": pl.Int32, "wrong_rejected_amplified": pl.Int32,
    "correct_programs": pl.Int32, "correct_accepted": pl.Int32,
}  # fmt: skip


def problem_row(
    problem: Problem,
    amplified: Problem | None,
    mutants: ProblemStrength | None,
    amplified_mutants: ProblemStrength | None,
    wrong: Mapping[str, tuple[str, str | None]],
    right: Mapping[str, str] | None = None,
) -> dict:
    """One problem's row. `wrong`: each known-wrong program's verdict under (own tests, amplified
    tests or None); `right`: each other known-correct program's verdict under the own tests."""
    row = {"problem_id": problem.id, "source": problem.source, "tests_from": _origin(problem),
           "tests": len(problem.tests), "amplified_tests": len(amplified.tests) if amplified else None}  # fmt: skip
    row["reference_accepted"] = mutants.reference_accepted if mutants else None
    row |= _mutant_counts(mutants, amplified_mutants)
    row["wrong_programs"] = len(wrong)
    row["wrong_rejected"] = sum(own in KILLED for own, _ in wrong.values())
    row["wrong_rejected_amplified"] = sum(amp in KILLED for _, amp in wrong.values()) if amplified else None
    row["correct_programs"] = len(right or {})
    row["correct_accepted"] = sum(v == Verdict.ACCEPTED.value for v in (right or {}).values())
    return row


def _origin(problem: Problem) -> str:
    return "synthesized" if '"tests_from": "synthesized"' in problem.metadata_json else "source"


def _mutant_counts(mutants: ProblemStrength | None, amplified: ProblemStrength | None) -> dict:
    if mutants is None or not mutants.reference_accepted:
        return {"mutants": None, "mutants_non_equivalent": None, "mutants_killed": None,
                "mutants_killed_amplified": None}  # fmt: skip
    if amplified is None or not amplified.reference_accepted:
        return {"mutants": mutants.mutants, "mutants_non_equivalent": mutants.mutants,
                "mutants_killed": mutants.killed, "mutants_killed_amplified": None}  # fmt: skip
    both = compare(mutants, amplified)
    return {"mutants": mutants.mutants, "mutants_non_equivalent": both.non_equivalent,
            "mutants_killed": both.killed_original, "mutants_killed_amplified": both.killed_amplified}  # fmt: skip


def wrong_samples(
    own: Mapping[str, Verdict], amplified: Mapping[str, Verdict] | None
) -> dict[str, tuple[str, str | None]]:
    """Teacher samples known to be wrong: those the amplified tests reject (their output differs
    from the reference's); without amplified tests none is known."""
    if not amplified:
        return {}
    return {sid: (own[sid].value, verdict.value) for sid, verdict in amplified.items()
            if verdict.value in KILLED and sid in own}  # fmt: skip


def frame(rows: Sequence[dict]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=STRENGTH_SCHEMA, orient="row")


def _ratio(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    return pl.when(denominator > 0).then((numerator / denominator).round(4)).otherwise(None)


def by_source(rows: pl.DataFrame) -> pl.DataFrame:
    """Per source and in total: TPR (references accepted), TNR of the own and amplified tests
    (wrong programs rejected), mutation score of each."""
    with_total = pl.concat([rows, rows.with_columns(pl.lit("total").alias("source"))])
    sums = with_total.group_by("source", maintain_order=True).agg(
        pl.len().alias("problems"),
        (pl.col("reference_accepted").is_not_null().sum() + pl.col("correct_programs").fill_null(0).sum())
        .alias("references"),
        (pl.col("reference_accepted").sum() + pl.col("correct_accepted").fill_null(0).sum())
        .alias("references_accepted"),
        pl.col("amplified_tests").is_not_null().sum().alias("amplified"),
        *(pl.col(c).sum() for c in ("mutants_non_equivalent", "mutants_killed", "wrong_programs", "wrong_rejected")),
        pl.col("mutants_killed_amplified").sum(),
        pl.col("wrong_rejected_amplified").sum(),
        pl.col("mutants_non_equivalent").filter(pl.col("mutants_killed_amplified").is_not_null()).sum()
        .alias("amplified_non_equivalent"),
        pl.col("wrong_programs").filter(pl.col("wrong_rejected_amplified").is_not_null()).sum()
        .alias("amplified_wrong"),
    )  # fmt: skip
    return sums.select(
        "source", "problems", "amplified",
        _ratio(pl.col("references_accepted"), pl.col("references")).alias("tpr"),
        "wrong_programs",
        _ratio(pl.col("wrong_rejected"), pl.col("wrong_programs")).alias("tnr"),
        _ratio(pl.col("wrong_rejected_amplified"), pl.col("amplified_wrong")).alias("tnr_amplified"),
        "mutants_non_equivalent",
        _ratio(pl.col("mutants_killed"), pl.col("mutants_non_equivalent")).alias("mutation_score"),
        _ratio(pl.col("mutants_killed_amplified"), pl.col("amplified_non_equivalent"))
        .alias("mutation_score_amplified"),
    )  # fmt: skip


def read_strength(layout, shards: Sequence[str]) -> pl.DataFrame | None:
    """Every listed shard's rows through its `test_strength` manifest (shards where it never ran are
    left out); None when there are none."""
    keys = [key for key in shards if layout.manifest_file("test_strength", key).exists()]
    frames = [pl.read_parquet(path) for path in layout.manifest_paths("test_strength", keys)]
    return pl.concat(frames, how="diagonal_relaxed") if frames else None  # older shards lack later columns
