"""Synthetic competitive-programming statements with planted duplicates and leaks (see dedup_decontam.py)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import re

import numpy as np

from bench.dedup_config import CONTAM_RATE, EXACT_RATE, NEAR_RATE, SHINGLE
from bench.dedup_vocabulary import make_vocabulary, math_snippet, zipf_probabilities
from pipeline.problems.text import ngrams, tokens  # noqa: E402


class StatementGenerator:
    def __init__(self, rng: np.random.Generator, vocab_size: int = 5000, latex_constraints: bool = False):
        self.rng = rng
        self.latex_constraints = latex_constraints
        self.vocab = make_vocabulary(rng, vocab_size)
        self.cdf = np.cumsum(zipf_probabilities(vocab_size))

    def sample_words(self, count: int) -> list[str]:
        idx = np.searchsorted(self.cdf, self.rng.random(count) * self.cdf[-1])
        vocab = self.vocab
        return [vocab[i] for i in idx.tolist()]

    def word_counts(self, count: int) -> np.ndarray:
        raw = self.rng.lognormal(mean=np.log(180), sigma=0.55, size=count)
        return np.clip(np.rint(raw), 30, 900).astype(int)

    def statement(self, n_words: int) -> str:
        rng = self.rng
        pool = self.sample_words(n_words + 8)
        sentences: list[str] = []
        used = 0
        while used < n_words:
            length = min(int(rng.integers(6, 24)), max(n_words - used, 3))
            chunk = pool[used : used + length]
            used += length
            if rng.random() < 0.3:
                for pos in rng.integers(0, len(chunk), size=int(rng.integers(1, 3))).tolist():
                    chunk[pos] = chunk[pos] + ","
            if rng.random() < 0.35:
                chunk.insert(int(rng.integers(0, len(chunk) + 1)), math_snippet(rng, self.latex_constraints))
                used += 2
            chunk[0] = chunk[0].capitalize()
            sentences.append(" ".join(chunk) + ("." if rng.random() < 0.9 else ":"))
        paragraphs: list[str] = []
        i = 0
        while i < len(sentences):
            step = int(rng.integers(2, 6))
            paragraphs.append(" ".join(sentences[i : i + step]))
            i += step
        if len(paragraphs) >= 3:
            paragraphs[-2] = "Input\n" + paragraphs[-2]
            paragraphs[-1] = "Output\n" + paragraphs[-1]
        return "\n\n".join(paragraphs)


def exact_variant(text: str, rng: np.random.Generator) -> str:
    """Same token sequence, different case and whitespace."""
    choice = int(rng.integers(5))
    if choice == 0:
        text = text.upper()
    elif choice == 1:
        text = text.lower()
    elif choice == 2:
        text = text.title()
    elif choice == 3:
        text = text.swapcase()
    if rng.random() < 0.5:
        text = text.replace("\n\n", "\n")
    if rng.random() < 0.3:
        text = text.replace("\n", "\r\n")
    if rng.random() < 0.5:
        text = re.sub(r" (?=[A-Za-z])", lambda m: "  " if rng.random() < 0.1 else " ", text)
    if rng.random() < 0.5:
        text = "  " + text + " \n"
    return text


def near_variant(text: str, gen: StatementGenerator) -> tuple[str, float, str]:
    """Edit a few % of the words: scattered substitutions/insertions/deletions, or one span."""
    rng = gen.rng
    pieces = text.split(" ")
    rate = float(rng.uniform(0.01, 0.04))
    edits = max(1, int(round(rate * len(pieces))))
    mode = "span" if rng.random() < 0.5 else "scattered"
    fresh = gen.sample_words(edits + 1)
    if mode == "span":
        start = int(rng.integers(0, max(1, len(pieces) - edits)))
        for k in range(edits):
            if start + k < len(pieces):
                pieces[start + k] = fresh[k]
    else:
        positions = sorted(rng.choice(len(pieces), size=min(edits, len(pieces)), replace=False).tolist(), reverse=True)
        for k, pos in enumerate(positions):
            op = int(rng.integers(3))
            if op == 0:
                pieces[pos] = fresh[k]
            elif op == 1:
                pieces.insert(pos, fresh[k])
            elif len(pieces) > 1:
                del pieces[pos]
    return " ".join(pieces), edits / len(text.split(" ")), mode


def shingle_set(text: str) -> set[str]:
    return {" ".join(g) for g in ngrams(tokens(text), SHINGLE)}


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if (a or b) else 1.0


def copy_passage(text: str, rng: np.random.Generator) -> tuple[str, int]:
    """A raw substring of `text` spanning 10-20 consecutive words (formatting kept)."""
    spans = [m.span() for m in re.finditer(r"[a-z0-9]+", text.lower())]
    length = int(rng.integers(10, 21))
    length = min(length, len(spans))
    start = int(rng.integers(0, len(spans) - length + 1))
    return text[spans[start][0] : spans[start + length - 1][1]], length


def insert_passage(text: str, passage: str, rng: np.random.Generator) -> str:
    boundaries = [m.end() for m in re.finditer(r"[.:] ", text)]
    at = boundaries[int(rng.integers(len(boundaries)))] if boundaries else len(text)
    return text[:at] + passage + ". " + text[at:]


def generate(rows: int, benchmark_rows: int, seed: int, latex_constraints: bool = False) -> dict:
    rng = np.random.default_rng(seed)
    gen = StatementGenerator(rng, latex_constraints=latex_constraints)
    n_exact = int(round(EXACT_RATE * rows))
    n_near = int(round(NEAR_RATE * rows))
    n_contam = int(round(CONTAM_RATE * rows))
    n_orig = rows - n_exact - n_near

    counts = gen.word_counts(n_orig + benchmark_rows)
    originals = [gen.statement(int(c)) for c in counts[:n_orig]]
    benchmark = [gen.statement(int(c)) for c in counts[n_orig:]]

    # Disjoint roles among originals: exact source, near source, contaminated, plain.
    roles = rng.permutation(n_orig)
    exact_src = roles[:n_exact].tolist()
    near_src = roles[n_exact : n_exact + n_near].tolist()
    contam_rows = roles[n_exact + n_near : n_exact + n_near + n_contam].tolist()

    contam_truth: dict[int, tuple[int, int]] = {}  # original index -> (benchmark index, passage words)
    for r in contam_rows:
        b = int(rng.integers(benchmark_rows))
        passage, length = copy_passage(benchmark[b], rng)
        originals[r] = insert_passage(originals[r], passage, rng)
        contam_truth[r] = (b, length)

    texts = list(originals)
    pairs: list[dict] = []
    for s in exact_src:
        texts.append(exact_variant(originals[s], rng))
        pairs.append({"kind": "exact", "a": s, "b": len(texts) - 1})
    for s in near_src:
        variant, rate, mode = near_variant(originals[s], gen)
        texts.append(variant)
        pairs.append(
            {
                "kind": "near",
                "a": s,
                "b": len(texts) - 1,
                "edit_rate": rate,
                "mode": mode,
                "jaccard": jaccard(shingle_set(originals[s]), shingle_set(variant)),
            }
        )

    order = rng.permutation(len(texts))  # shuffle; ids follow the final row order
    position = np.empty_like(order)
    position[order] = np.arange(len(order))
    ids = [f"p{i:06d}" for i in range(len(texts))]
    out_texts = [texts[i] for i in order.tolist()]
    for p in pairs:
        p["a"], p["b"] = ids[position[p["a"]]], ids[position[p["b"]]]
    bench_ids = [f"bench{i:05d}" for i in range(benchmark_rows)]
    contamination = {
        ids[position[r]]: {"benchmark_id": bench_ids[b], "passage_words": n} for r, (b, n) in contam_truth.items()
    }
    return {
        "ids": ids,
        "texts": out_texts,
        "bench_ids": bench_ids,
        "bench_texts": benchmark,
        "pairs": pairs,
        "contamination": contamination,
    }
