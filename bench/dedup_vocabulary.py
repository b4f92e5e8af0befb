"""Vocabulary and math snippets of the synthetic statements (bench/dedup_data.py)."""

from __future__ import annotations

import numpy as np

_COMMON = (
    "the of a and to is in you integer be for that are given each array it number on with as "
    "an this by string if can not print output input all first line contains at from or i "
    "one which test such two your answer case there must has into so only any its than they "
    "no what we find minimum maximum possible value values elements element between n "
    "sum length cases following then after should also some other need will time query "
    "queries graph tree vertices edges vertex edge pair pairs index indices operation "
    "operations non negative positive distinct subarray subsequence modulo"
).split()
_ONSETS = [
    "b",
    "c",
    "d",
    "f",
    "g",
    "h",
    "k",
    "l",
    "m",
    "n",
    "p",
    "r",
    "s",
    "t",
    "v",
    "w",
    "z",
    "br",
    "ch",
    "cl",
    "dr",
    "fl",
    "gr",
    "pl",
    "pr",
    "sh",
    "st",
    "th",
    "tr",
]
_NUCLEI = ["a", "e", "i", "o", "u", "ai", "ea", "ou", "io"]
_CODAS = ["", "", "n", "r", "s", "t", "l", "m", "nd", "st", "ng", "x"]
_VARS = ["n", "m", "k", "q", "t", "x", "y", "l", "r", "s", "w", "h"]
_ARRAYS = ["a", "b", "c", "p", "s", "d", "h", "w", "x", "v"]
_BOUNDS = [
    "10^5",
    "2 \\cdot 10^5",
    "10^9",
    "10^{18}",
    "100",
    "1000",
    "5000",
    "3 \\cdot 10^5",
    "10^6",
    "2000",
    "50",
    "10^4",
]


def make_vocabulary(rng: np.random.Generator, size: int) -> list[str]:
    vocab = list(dict.fromkeys(_COMMON))
    seen = set(vocab)
    while len(vocab) < size:
        syllables = int(rng.integers(1, 4))
        word = "".join(
            _ONSETS[rng.integers(len(_ONSETS))]
            + _NUCLEI[rng.integers(len(_NUCLEI))]
            + _CODAS[rng.integers(len(_CODAS))]
            for _ in range(syllables)
        )
        if word not in seen:
            seen.add(word)
            vocab.append(word)
    return vocab


def zipf_probabilities(size: int, exponent: float = 1.05, shift: float = 2.7) -> np.ndarray:
    weights = 1.0 / (np.arange(1, size + 1) + shift) ** exponent
    return weights / weights.sum()


# (plain, LaTeX-constraint form or None) per snippet kind; {v} variable, {a} array, {b} bound.
_SNIPPETS = [
    ("1 <= {v} <= {b}", None),
    ("${a}_i$", None),
    ("${a}_1, \\ldots, {a}_{v}$", "${a}_1, {a}_2, \\ldots, {a}_{v}$"),
    ("(${v} \\le {b}$)", "($1 \\le {v} \\le {b}$)"),
    ("{a}_{{{v}}} + {a}_{{{v}+1}}", None),
    ("modulo 10^9+7", None),
    ("${a}_i < 2^{{30}}$", "$0 \\le {a}_i < 2^{{30}}$"),
    ("|{a}| <= {b}", None),
    ("O({v} \\log {v})", None),
]


def math_snippet(rng: np.random.Generator, latex_constraints: bool = False) -> str:
    """A formula as it appears in statements. By default every snippet is at most 5 words long
    after normalization, so it cannot form an 8-gram on its own; with latex_constraints the
    typical Codeforces forms (`$1 \\le n \\le 2 \\cdot 10^5$` = 8 words) are used too."""
    v = _VARS[rng.integers(len(_VARS))]
    a = _ARRAYS[rng.integers(len(_ARRAYS))]
    b = _BOUNDS[rng.integers(len(_BOUNDS))]
    kind = int(rng.integers(9))
    if not latex_constraints and "cdot" in b:
        b = b.split(" ")[-1]
    plain, latex = _SNIPPETS[kind]
    return (latex if latex_constraints and latex else plain).format(v=v, a=a, b=b)
