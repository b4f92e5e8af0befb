"""Text normalization shared by dedup and decontamination."""

from __future__ import annotations

import re

WORD_PATTERN = r"[a-z0-9]+"
_WORD = re.compile(WORD_PATTERN)
_TOKEN = re.compile(r"[a-z0-9]+|[^a-z0-9\s]")


def words(text: str) -> list[str]:
    """Lower-cased alphanumeric word tokens: punctuation, markup and spacing never matter."""
    return _WORD.findall(text.lower())


def tokens(text: str) -> list[str]:
    """Words plus single punctuation symbols: in code problems `<>` vs `()` can be the whole
    difference between two statements, so dedup keeps symbols (decontamination does not)."""
    return _TOKEN.findall(text.lower())


def ngrams(tokens: list[str], n: int) -> set[tuple[str, ...]]:
    """The set of word n-grams; a text shorter than n yields its whole token tuple (if any)."""
    if len(tokens) < n:
        return {tuple(tokens)} if tokens else set()
    return set(zip(*(tokens[i:] for i in range(n))))
