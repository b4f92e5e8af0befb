"""Benchmark decontamination by word n-gram overlap (open-r1's method, default 8-grams).

A training problem is contaminated when any of its statement's word n-grams appears in a
benchmark problem's statement. Only the benchmark n-grams are held in memory, so the cost
is one pass over the training set.
"""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.text import ngrams, words
from schemas import RemovalRow, RemovalStage

DEFAULT_NGRAM = 8


class BenchmarkIndex:
    def __init__(self, ids: Sequence[str], texts: Sequence[str], n: int = DEFAULT_NGRAM):
        if n < 1:
            raise ValueError(f"decontamination n-gram size must be >= 1, got {n}")
        self.n = n
        self.owner: dict[tuple[str, ...], str] = {}
        for benchmark_id, text in zip(ids, texts):
            for gram in ngrams(words(text), n):
                self.owner.setdefault(gram, benchmark_id)

    def match(self, text: str) -> RemovalRow | None:
        """The first overlap found, as a removal row without the problem id filled in."""
        grams = ngrams(words(text), self.n)
        if self.owner.keys().isdisjoint(grams):  # iterates `grams`, not the whole benchmark index
            return None
        hits = sorted(g for g in grams if g in self.owner)
        return RemovalRow("", RemovalStage.DECONTAMINATION, self.owner[hits[0]],
                          len(hits) / len(grams), " ".join(hits[0]))


def decontaminate(ids: Sequence[str], texts: Sequence[str], index: BenchmarkIndex) -> list[RemovalRow]:
    removed = []
    for problem_id, text in zip(ids, texts):
        hit = index.match(text)
        if hit is not None:
            removed.append(RemovalRow(problem_id, hit.stage, hit.matched_id, hit.similarity, hit.evidence))
    return removed
