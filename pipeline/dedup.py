"""Exact and near-duplicate removal over problem statements.

Exact: xxh3 hash of the normalized token sequence (tokens = words and punctuation symbols,
see `pipeline.text.tokens`). Near: MinHash signatures (rensa, Rust) over token shingles,
LSH banding in numpy to find candidate pairs, candidates confirmed by their estimated
Jaccard similarity, then union-find clusters. In every group the problem that comes first
(recipe source order, then row order) is kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import xxhash
from rensa import RMinHash

from pipeline.text import tokens, ngrams
from schemas import RemovalRow, RemovalStage

MINHASH_SEED = 1729
STAR_GROUP_SIZE = 64  # LSH buckets larger than this are checked against their first member only


@dataclass(frozen=True)
class DedupSettings:
    near_threshold: float = 0.8  # estimated Jaccard at or above which two statements are duplicates
    num_perm: int = 128
    shingle_size: int = 5


def exact_duplicates(ids: Sequence[str], texts: Sequence[str]) -> list[RemovalRow]:
    first_by_hash: dict[str, str] = {}
    removed = []
    for problem_id, text in zip(ids, texts):
        digest = xxhash.xxh3_64_hexdigest(" ".join(tokens(text)).encode())
        kept = first_by_hash.setdefault(digest, problem_id)
        if kept != problem_id:
            removed.append(RemovalRow(problem_id, RemovalStage.EXACT_DEDUP, kept, 1.0, f"xxh3:{digest}"))
    return removed


def minhash_signatures(texts: Sequence[str], settings: DedupSettings) -> np.ndarray:
    """One MinHash signature row per text; texts must have at least one word."""
    shingles = [[" ".join(g) for g in ngrams(tokens(t), settings.shingle_size)] for t in texts]
    matrix = RMinHash.digest_matrix_from_token_sets(shingles, settings.num_perm, MINHASH_SEED)
    return np.array(matrix.to_rows(), dtype=np.uint32).reshape(len(texts), settings.num_perm)


def lsh_bands(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows) with bands*rows <= num_perm whose S-curve midpoint is nearest the threshold."""
    options = [(b, num_perm // b) for b in range(1, num_perm + 1) if num_perm // b >= 1]
    return min(options, key=lambda br: abs((1 / br[0]) ** (1 / br[1]) - threshold))


def candidate_pairs(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """Index pairs (i < j) that share at least one LSH band."""
    pairs = []
    for band in range(bands):
        chunk = np.ascontiguousarray(signatures[:, band * rows:(band + 1) * rows])
        keys = chunk.view(np.dtype((np.void, chunk.dtype.itemsize * rows))).ravel()
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        boundaries = np.flatnonzero(sorted_keys[1:] != sorted_keys[:-1]) + 1
        for group in np.split(order, boundaries):
            if len(group) > 1:
                pairs.append(_group_pairs(np.sort(group)))
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
    keep = [i for i, text in enumerate(texts) if tokens(text)]
    if len(keep) < 2:
        return []
    ids = [ids[i] for i in keep]
    signatures = minhash_signatures([texts[i] for i in keep], settings)
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
        removed.append(RemovalRow(ids[index], RemovalStage.NEAR_DEDUP, ids[kept], estimate,
                                  f"minhash {settings.num_perm} perms, {bands}x{rows} bands"))
    return removed


def _cluster_roots(size: int, pairs: np.ndarray) -> np.ndarray:
    """Union-find; every cluster's root is its smallest index (the one kept)."""
    parent = list(range(size))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs.tolist():
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return np.array([find(x) for x in range(size)])


def deduplicate(ids: Sequence[str], texts: Sequence[str], settings: DedupSettings) -> list[RemovalRow]:
    """Exact duplicates first, then near duplicates among what is left."""
    exact = exact_duplicates(ids, texts)
    gone = {r.problem_id for r in exact}
    keep = [i for i, problem_id in enumerate(ids) if problem_id not in gone]
    near = near_duplicates([ids[i] for i in keep], [texts[i] for i in keep], settings)
    return exact + near
