"""Z1 filters and the Shifted-Thinking-Window response format.

- Token budget: Z1 capped trajectories at 8,192 tokens. A trajectory over the budget is dropped
  rather than cut, because a cut one loses its final answer; the drops are counted.
- Repetition: reasoning that loops ("wait, let me check again..." ad infinitum) is measured by
  the share of repeated word 4-grams: 1 - distinct / total. Text shorter than 50 4-grams is never
  flagged. Default threshold 0.5: half of all 4-grams are repeats of earlier ones.
- STW format: `response` = reasoning, a blank line, the final answer; no think tags anywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.problems.text import words

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
