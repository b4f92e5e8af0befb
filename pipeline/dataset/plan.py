"""Z1 rejection sampling and pairing as polars queries over narrow columns (no text).

`verified` joins trajectories with their verdicts and problems and applies the Z1 filters (the
repetition of each response was measured in the text pass); `select` labels difficulty from each
problem's pass rate (a window over the problem) and picks the accepted rows (the shortest per
profile, or all) and the failed ones. The rules are `assemble`'s (see its docstring); the frames
carry the `DatasetRow` columns except the text, plus the keys that order each config.
"""

from __future__ import annotations

import polars as pl

from pipeline.dataset.assemble import AssemblySettings, public_model_name
from schemas import Profile, Verdict
from schemas.records import TRUNCATED_REASONS

PROFILE_RANK = {p.value: rank for rank, p in enumerate(Profile)}
DROPPED_COLUMNS = ("stage", "record_id", "reason", "detail", "source", "profile")
# what a config's plan keeps per row: `DatasetRow` less the text (and less `trajectory_id`, the id)
ROW_COLUMNS = ("id", "token_num", "problem_id", "source", "teacher_model", "profile", "verdict", "passed", "total",
               "difficulty", "params_hash")  # fmt: skip


def _dropped(frame: pl.DataFrame, reason: str, detail: pl.Expr) -> pl.DataFrame:
    return frame.select(
        pl.lit("dataset").alias("stage"),
        pl.col("id").alias("record_id"),
        pl.lit(reason).alias("reason"),
        detail.cast(pl.String).alias("detail"),
        pl.lit("").alias("source"),
        pl.col("profile"),
        pl.col("row_index"),
    )


def verified(
    trajectories: pl.DataFrame,
    repetition: pl.DataFrame,
    verdicts: pl.DataFrame,
    problems: pl.DataFrame,
    settings: AssemblySettings,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(verified trajectories that pass the filters, with `passed` and `cut`; the removed ones,
    as `Dropped` columns in input order). A cut response stays (it is failed) and is also counted."""
    budget, most = settings.filters.token_budget, settings.filters.max_repetition
    frame = (
        trajectories.join(repetition, on="id", how="left", maintain_order="left")
        .join(problems.rename({"id": "problem_id"}), on="problem_id", how="left", maintain_order="left")
        .join(verdicts.rename({"solution_id": "id"}), on="id", how="left", maintain_order="left")
        .with_columns(cut=pl.col("truncated") | pl.col("finish_reason").is_in(sorted(TRUNCATED_REASONS)))
    )
    why_unverified = (
        pl.when(pl.col("source").is_null())
        .then(pl.lit("problem not in the training split"))
        .when(pl.col("verdict").is_null() & ~pl.col("verifiable"))
        .then(pl.lit("problem has no tests"))
        .when(pl.col("verdict").is_null())
        .then(pl.lit("no verdict"))
        .when(pl.col("verdict") == Verdict.SANDBOX_ERROR.value)
        .then(pl.lit("sandbox error"))
    )
    frame = frame.with_columns(why_unverified.alias("unverified"))
    unverified = frame.filter(pl.col("unverified").is_not_null())
    judged = frame.filter(pl.col("unverified").is_null())
    over = judged.filter(pl.col("completion_tokens") > budget)
    judged = judged.filter(pl.col("completion_tokens") <= budget)
    looping = judged.filter(pl.col("repetition").fill_null(0.0) > most)
    kept = judged.filter(pl.col("repetition").fill_null(0.0) <= most)
    cut = kept.filter("cut")
    n = settings.filters.repetition_ngram
    # `:.2f` has no polars spelling: the one detail formatted in Python (repetitive rows only)
    ratios = pl.Series([f"{r:.2f}" for r in looping["repetition"]], dtype=pl.String)
    dropped = pl.concat([
        _dropped(unverified, "not_verified", pl.col("unverified")),
        _dropped(over, "over_token_budget", pl.format("{}: {} > {} tokens", "profile", "completion_tokens",
                                                      pl.lit(budget))),
        _dropped(looping, "repetitive", pl.format("{}: {} of {}-grams repeated", "profile", pl.lit(ratios),
                                                  pl.lit(n))),
        _dropped(cut, "truncated", pl.format("{}: stopped at {} tokens; not in default, kept in failed", "profile",
                                             "completion_tokens")),
    ]).sort("row_index", maintain_order=True).drop("row_index")  # fmt: skip
    passed = (pl.col("verdict") == Verdict.ACCEPTED.value) & ~pl.col("cut")
    return kept.with_columns(passed.alias("accepted")), dropped


def _difficulty(settings: AssemblySettings) -> pl.Expr:
    rate = pl.col("accepted").cast(pl.Float64).mean().over("problem_id")
    return (
        pl.when(rate >= settings.simple_pass_rate)
        .then(pl.lit("simple"))
        .when(rate >= settings.medium_pass_rate)
        .then(pl.lit("medium"))
        .otherwise(pl.lit("complex"))
    )


def _row_columns(frame: pl.DataFrame) -> pl.DataFrame:
    names = {m: public_model_name(m) for m in frame["teacher_model"].unique().to_list()}
    return frame.with_columns(
        pl.max_horizontal(pl.lit(1), pl.col("completion_tokens")).cast(pl.Int32).alias("token_num"),
        pl.col("teacher_model").replace_strict(names, return_dtype=pl.String),
    )


def select(kept: pl.DataFrame, settings: AssemblySettings) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(accepted rows in problem, profile, length, id order; failed rows in problem, input order),
    with ROW_COLUMNS plus `accepted` and `cut`."""
    if settings.selection not in ("shortest", "all"):
        raise ValueError(f"selection must be 'shortest' or 'all', got {settings.selection!r}")
    labelled = _row_columns(kept.with_columns(_difficulty(settings).alias("difficulty")))
    keep = [*ROW_COLUMNS, "accepted", "cut"]
    failed = labelled.filter(~pl.col("accepted")).sort("problem_id", "row_index").select(keep)
    rank = pl.col("profile").replace_strict(PROFILE_RANK, return_dtype=pl.Int32)
    accepted = labelled.filter("accepted").sort("problem_id", rank, "completion_tokens", "id")
    if settings.selection == "shortest":
        accepted = accepted.filter(pl.int_range(pl.len()).over("problem_id", "profile") == 0)
    return accepted.select(keep), failed
