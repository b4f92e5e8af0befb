"""Exact and near-duplicate removal over problem statements.

Exact: xxh3 hash of the normalized token sequence (tokens = words and punctuation symbols,
see `pipeline.problems.text.tokens`). Near: MinHash signatures (rensa, Rust) over token shingles,
LSH banding in numpy to find candidate pairs, candidates confirmed by their estimated
Jaccard similarity, then union-find clusters. In every group the problem that comes first
(recipe source order, then row order) is kept.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from typing import Annotated

import numpy as np
import xxhash
from pydantic import Field, StrictInt
from rensa import RMinHash

from pipeline.common.settings import Real, settings
from pipeline.problems.text import tokens
from schemas import RemovalRow, RemovalStage

MINHASH_SEED = 1729
STAR_GROUP_SIZE = 64  # LSH buckets larger than this are checked against their first member only


@settings
class DedupSettings:
    near_threshold: Annotated[Real, Field(gt=0, le=1)] = Field(
        default=0.8, description="Estimated Jaccard at or above which two statements are duplicates."
    )
    num_perm: Annotated[StrictInt, Field(ge=16, le=1024)] = Field(default=128, description="MinHash permutations.")
    shingle_size: Annotated[StrictInt, Field(ge=2, le=32)] = Field(
        default=5, description="Tokens per shingle (1 would call every pair of same-vocabulary statements a duplicate)."
    )


CHUNK_ROWS = 10_000  # rows tokenized and signed at a time: bounds memory at any input size
_SHINGLE_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)


class _TokenHashes(dict):
    """token -> stable 64-bit hash, computed once per distinct token."""

    def __missing__(self, token: str) -> int:
        value = self[token] = xxhash.xxh3_64_intdigest(token.encode())
        return value


def _exact_key(token_list: list[str]) -> int:
    return xxhash.xxh3_64_intdigest(" ".join(token_list).encode())


def exact_duplicates(ids: Sequence[str], texts: Sequence[str]) -> list[RemovalRow]:
    first: dict[int, str] = {}
    removed = []
    for problem_id, text in zip(ids, texts):
        key = _exact_key(tokens(text))
        kept = first.setdefault(key, problem_id)
        if kept != problem_id:
            removed.append(RemovalRow(problem_id, RemovalStage.EXACT_DEDUP, kept, 1.0, f"xxh3:{key:016x}"))
    return removed


def minhash_signatures(
    token_lists: Sequence[list[str]], settings: DedupSettings, token_hashes: dict | None = None
) -> np.ndarray:
    """One MinHash row per (non-empty) token list, over hashed `shingle_size`-token windows.

    Shingles are hashed as integers in numpy (a polynomial over the token hashes) and handed to
    rensa's flat-buffer API, so no per-shingle Python string is ever built. A text shorter than
    the shingle size is one shingle of all its tokens.
    """
    hashes = token_hashes if token_hashes is not None else _TokenHashes()
    n = settings.shingle_size
    lengths = np.fromiter(map(len, token_lists), dtype=np.int64, count=len(token_lists))
    flat = np.fromiter(
        map(hashes.__getitem__, itertools.chain.from_iterable(token_lists)), dtype=np.uint64, count=int(lengths.sum())
    )
    windows = np.maximum(lengths - n + 1, 1)
    row_start = np.repeat(np.concatenate([[0], np.cumsum(lengths)[:-1]]), windows)
    window_in_row = np.arange(int(windows.sum())) - np.repeat(np.concatenate([[0], np.cumsum(windows)[:-1]]), windows)
    position = row_start + window_in_row
    padded = np.concatenate([flat, np.zeros(n, dtype=np.uint64)])
    width = np.repeat(np.minimum(lengths, n), windows)
    shingle = np.zeros(len(position), dtype=np.uint64)
    for k in range(n):
        shingle = np.where(k < width, shingle * _SHINGLE_MULTIPLIER + padded[position + k], shingle)
    offsets = np.concatenate([[0], np.cumsum(windows)]).astype(np.uint64)
    matrix = RMinHash.digest_matrix_from_flat_token_hashes(shingle, offsets, settings.num_perm, MINHASH_SEED)
    return np.array(matrix.to_rows(), dtype=np.uint32).reshape(len(token_lists), settings.num_perm)


def lsh_bands(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows) with bands*rows <= num_perm whose S-curve midpoint sits at 0.9 x threshold.

    Below the threshold on purpose: candidates are confirmed by their estimated Jaccard anyway,
    so extra candidates cost a little time while a midpoint at the threshold would miss about a
    third of the pairs right at it (measured: recall at >= 0.8 from 92.6 % to 96.5 %).
    """
    target = 0.9 * threshold
    options = [(b, num_perm // b) for b in range(1, num_perm + 1)]
    return min(options, key=lambda br: abs((1 / br[0]) ** (1 / br[1]) - target))


def candidate_pairs(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """Index pairs (i < j) that share at least one LSH band."""
    pairs = []
    for band in range(bands):
        chunk = np.ascontiguousarray(signatures[:, band * rows : (band + 1) * rows])
        keys = chunk.view(np.dtype((np.void, chunk.dtype.itemsize * rows))).ravel()
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        starts = np.flatnonzero(np.concatenate(([True], sorted_keys[1:] != sorted_keys[:-1])))
        sizes = np.diff(np.append(starts, len(keys)))
        # only buckets holding two or more rows make pairs: no array per bucket (a million per band)
        for start, size in zip(starts[sizes > 1].tolist(), sizes[sizes > 1].tolist()):
            pairs.append(_group_pairs(np.sort(order[start : start + size])))
    if not pairs:
        return np.empty((0, 2), dtype=np.int64)
    return np.unique(np.concatenate(pairs), axis=0)


def _group_pairs(group: np.ndarray) -> np.ndarray:
    if len(group) > STAR_GROUP_SIZE:
        return np.stack([np.full(len(group) - 1, group[0]), group[1:]], axis=1)
    i, j = np.triu_indices(len(group), k=1)
    return np.stack([group[i], group[j]], axis=1)


def near_duplicates(ids: Sequence[str], texts: Sequence[str], settings: DedupSettings) -> list[RemovalRow]:
    # A statement with no tokens has no shingles to compare; exact dedup already covers it.
    token_lists = [tokens(t) for t in texts]
    keep = [i for i, token_list in enumerate(token_lists) if token_list]
    if len(keep) < 2:
        return []
    signatures = minhash_signatures([token_lists[i] for i in keep], settings)
    return _near_from_signatures([ids[i] for i in keep], signatures, settings)


def _near_from_signatures(ids: Sequence[str], signatures: np.ndarray, settings: DedupSettings) -> list[RemovalRow]:
    bands, rows = lsh_bands(settings.near_threshold, settings.num_perm)
    pairs = candidate_pairs(signatures, bands, rows)
    if len(pairs) == 0:
        return []
    similarity = (signatures[pairs[:, 0]] == signatures[pairs[:, 1]]).mean(axis=1)
    root = _cluster_roots(len(ids), pairs[similarity >= settings.near_threshold])
    removed = []
    for index in np.flatnonzero(root != np.arange(len(ids))):
        kept = root[index]
        estimate = float((signatures[index] == signatures[kept]).mean())
        removed.append(
            RemovalRow(
                ids[index],
                RemovalStage.NEAR_DEDUP,
                ids[kept],
                estimate,
                f"minhash {settings.num_perm} perms, {bands}x{rows} bands",
            )
        )
    return removed


def _cluster_roots(size: int, pairs: np.ndarray) -> np.ndarray:
    """Union-find over numpy parents (no Python object per row); every cluster's root is its
    smallest index (the one kept)."""
    parent = np.arange(size)

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = int(parent[x])
        return x

    for a, b in pairs.tolist():
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    while True:  # pointer jumping until every row points at its root
        grand = parent[parent]
        if np.array_equal(grand, parent):
            return parent
        parent = grand


class _Subset(Sequence):
    """ids[rows[i]] without building a list of them (an id list is the biggest part of the index)."""

    def __init__(self, ids: Sequence[str], rows: np.ndarray):
        self.ids, self.rows = ids, rows

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i):
        return self.ids[int(self.rows[i])]


def _exact_firsts(keys: np.ndarray) -> np.ndarray:
    """For each row, the first row with the same key (itself when it is the first)."""
    n = len(keys)
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    starts = np.concatenate(([True], sorted_keys[1:] != sorted_keys[:-1]))
    group_first = order[np.maximum.accumulate(np.where(starts, np.arange(n), 0))]
    firsts = np.empty(n, dtype=np.int64)
    firsts[order] = group_first
    return firsts


def _compact(signatures: np.ndarray, rows: np.ndarray, block: int = CHUNK_ROWS) -> np.ndarray:
    """signatures[rows] moved to the front in place (rows ascending), a block at a time: no copy of
    the whole index (rows[j] >= j, so a block never overwrites a row a later block still reads)."""
    for start in range(0, len(rows), block):
        part = rows[start : start + block]
        signatures[start : start + len(part)] = signatures[part]
    return signatures[: len(rows)]


def deduplicate(ids: Sequence[str], texts: Iterable[str], settings: DedupSettings) -> list[RemovalRow]:
    """Exact duplicates, then near duplicates among what is left: one tokenizing pass per row,
    in chunks of CHUNK_ROWS, keeping only the index between chunks (not the tokens, nor the texts:
    `texts` may stream from files). The index is numpy arrays: an xxh3 key per row and a MinHash
    signature per row with tokens, preallocated, so memory is the index and nothing per row in Python."""
    keys = np.zeros(len(ids), dtype=np.uint64)
    signed = np.zeros(len(ids), dtype=bool)
    signatures = np.empty((len(ids), settings.num_perm), dtype=np.uint32)
    filled = 0
    token_hashes = _TokenHashes()
    stream = iter(texts)
    for start in itertools.count(0, CHUNK_ROWS):
        chunk = list(itertools.islice(stream, CHUNK_ROWS))
        if not chunk:
            break
        kept_tokens = []
        for row, token_list in enumerate((tokens(t) for t in chunk), start=start):
            keys[row] = _exact_key(token_list)
            if token_list:
                signed[row] = True
                kept_tokens.append(token_list)
        if kept_tokens:
            signatures[filled : filled + len(kept_tokens)] = minhash_signatures(kept_tokens, settings, token_hashes)
            filled += len(kept_tokens)
    firsts = _exact_firsts(keys)
    duplicate = firsts != np.arange(len(ids))
    removed = [RemovalRow(ids[row], RemovalStage.EXACT_DEDUP, ids[firsts[row]], 1.0, f"xxh3:{int(keys[row]):016x}")
               for row in np.flatnonzero(duplicate).tolist()]  # fmt: skip
    survivors = np.flatnonzero(signed & ~duplicate)
    if len(survivors) < 2:
        return removed
    signature_row = np.cumsum(signed) - 1  # a signed row's place in `signatures`
    index = _compact(signatures, signature_row[survivors])
    return removed + _near_from_signatures(_Subset(ids, survivors), index, settings)
