"""Benchmark decontamination by word n-gram overlap (open-r1's method, default 8-grams).

A training problem is contaminated when at least `min_hits` of its statement's word n-grams
appear in benchmark statements, not counting boilerplate: n-grams found in more than
`common_limit` benchmark statements or more than `common_limit` training statements
(AtCoder's "The input is given from Standard Input in the following format", constraint lines
such as `$1 \\le n \\le 2 \\cdot 10^5$`). A leaked benchmark problem shares a passage, many
n-grams of its own, and is caught by those; boilerplate alone removed ~15 % of a synthetic
training set under the plain rule (bench/RESULTS.md). `min_hits=1, common_limit=None` is
open-r1's plain rule: any shared n-gram.

Only the benchmark n-grams are held in memory, plus the hits of the rows that have any.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from pipeline.problems.text import ngrams, words
from schemas import RemovalRow, RemovalStage

DEFAULT_NGRAM = 8
DEFAULT_COMMON_LIMIT = 20
DEFAULT_MIN_HITS = 2  # two n-grams: a shared passage of n+1 words, or two separate n-grams

Gram = tuple[str, ...]


class BenchmarkIndex:
    def __init__(
        self,
        ids: Sequence[str],
        texts: Sequence[str],
        n: int = DEFAULT_NGRAM,
        common_limit: int | None = DEFAULT_COMMON_LIMIT,
        min_hits: int = DEFAULT_MIN_HITS,
    ):
        if n < 1:
            raise ValueError(f"decontamination n-gram size must be >= 1, got {n}")
        if common_limit is not None and common_limit < 1:
            raise ValueError(f"decontamination common_limit must be >= 1 or None, got {common_limit}")
        if min_hits < 1:
            raise ValueError(f"decontamination min_hits must be >= 1, got {min_hits}")
        self.n, self.common_limit, self.min_hits = n, common_limit, min_hits
        self.owner: dict[Gram, str] = {}
        spread: Counter[Gram] = Counter()
        for benchmark_id, text in zip(ids, texts):
            grams = ngrams(words(text), n)
            spread.update(grams)  # Counter's C counting loop
            for gram in grams.difference(self.owner):
                self.owner[gram] = benchmark_id
        self.common = {g for g, count in spread.items() if common_limit is not None and count > common_limit}

    def hits(self, text: str) -> tuple[set[Gram], int]:
        """The text's n-grams found in a benchmark (boilerplate of the benchmarks excluded), and
        how many n-grams the text has."""
        grams = ngrams(words(text), self.n)
        if self.owner.keys().isdisjoint(grams):  # iterates `grams`, not the whole benchmark index
            return set(), len(grams)
        return {g for g in grams if g in self.owner and g not in self.common}, len(grams)

    def removal(self, problem_id: str, hits: set[Gram], total: int) -> RemovalRow:
        """Attributed to the benchmark problem owning most of the hits (ties: lowest id)."""
        votes = Counter(self.owner[g] for g in hits)
        matched = min(votes, key=lambda owner: (-votes[owner], owner))
        evidence = min(g for g in hits if self.owner[g] == matched)
        return RemovalRow(problem_id, RemovalStage.DECONTAMINATION, matched, len(hits) / total, " ".join(evidence))


def decontaminate(ids: Iterable[str], texts: Iterable[str], index: BenchmarkIndex) -> list[RemovalRow]:
    found: dict[str, tuple[set[Gram], int]] = {}
    for problem_id, text in zip(ids, texts):
        hits, total = index.hits(text)
        if hits:
            found[problem_id] = (hits, total)
    if index.common_limit is not None:
        spread = Counter(g for hits, _ in found.values() for g in hits)
        common = {g for g, count in spread.items() if count > index.common_limit}
        found = {pid: (hits - common, total) for pid, (hits, total) in found.items()}
    # a statement shorter than n words has one n-gram, its whole text: one hit is all it can have
    return [
        index.removal(pid, hits, total)
        for pid, (hits, total) in found.items()
        if len(hits) >= min(index.min_hits, total)
    ]
