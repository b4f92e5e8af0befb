"""Z1 filters and the Shifted-Thinking-Window response format.

- Token budget: Z1 capped trajectories at 8,192 tokens. A trajectory over the budget is dropped
  rather than cut, because a cut one loses its final answer; the drops are counted.
- Repetition: reasoning that loops ("wait, let me check again..." ad infinitum) is measured by
  the share of repeated word 4-grams: 1 - distinct / total. Text shorter than 50 4-grams is never
  flagged. Default threshold 0.5: half of all 4-grams are repeats of earlier ones.
  `repetition_ratios` measures a whole batch at once in polars (words and n-grams hashed to 64 bits;
  the same ratios as `repetition_ratio` barring a hash collision, ~1e-13 per text).
- STW format: `response` = reasoning, a blank line, the final answer; no think tags anywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl

from pipeline.problems.text import WORD_PATTERN, words

THINK_TAG = re.compile(r"</?think>")
MIN_NGRAMS = 50


@dataclass(frozen=True)
class FilterSettings:
    token_budget: int = 8192
    repetition_ngram: int = 4
    max_repetition: float = 0.5


def repetition_ratio(text: str, n: int = 4) -> float:
    """Share of word n-grams that repeat an earlier one (0 = no repeats, near 1 = a loop)."""
    tokens = words(text)
    total = len(tokens) - n + 1
    if total < MIN_NGRAMS:
        return 0.0
    return 1.0 - len(set(zip(*(tokens[i:] for i in range(n))))) / total


_MIX = 0x9E3779B97F4A7C15  # odd: n word hashes -> one n-gram hash, a polynomial mod 2**64


def repetition_ratios(texts: pl.Series, n: int = 4) -> pl.Series:
    """`repetition_ratio` of every text, vectorized: one exploded column of hashed words per batch."""
    rows = pl.DataFrame({"text": texts.cast(pl.String)}).with_row_index("row")
    hashed = (
        rows.select("row", pl.col("text").str.to_lowercase().str.extract_all(WORD_PATTERN).alias("word"))
        .explode("word")
        .drop_nulls("word")
        .select("row", pl.col("word").hash().alias("word"))
    )
    gram = pl.col("word")
    for k in range(1, n):
        gram = gram * _MIX + pl.col("word").shift(-k)  # wraps around mod 2**64
    in_one_text = pl.col("row").shift(-(n - 1)) == pl.col("row")  # the n words belong to the same text
    grams = hashed.select("row", gram.alias("gram"), in_one_text.alias("whole")).filter("whole")
    counts = grams.group_by("row").agg(total=pl.len(), distinct=pl.col("gram").n_unique())
    ratio = pl.when(pl.col("total") < MIN_NGRAMS).then(0.0).otherwise(1.0 - pl.col("distinct") / pl.col("total"))
    measured = rows.select("row").join(counts.select("row", ratio.alias("ratio")), on="row", how="left")
    return measured.sort("row")["ratio"].fill_null(0.0)


def rejection_reason(
    reasoning: str, token_num: int, settings: FilterSettings = FilterSettings()
) -> tuple[str, str] | None:
    """Why a trajectory is filtered out, as (reason slug, detail); None: it stays."""
    if token_num > settings.token_budget:
        return "over_token_budget", f"{token_num} > {settings.token_budget} tokens"
    ratio = repetition_ratio(reasoning, settings.repetition_ngram)
    if ratio > settings.max_repetition:
        return "repetitive", f"{ratio:.2f} of {settings.repetition_ngram}-grams repeated"
    return None


def stw_response(reasoning: str, answer: str) -> str:
    """Reasoning then answer as one string, think tags removed (Z1's Shifted Thinking Window format)."""
    parts = [THINK_TAG.sub("", part).strip() for part in (reasoning, answer)]
    return "\n\n".join(part for part in parts if part)
