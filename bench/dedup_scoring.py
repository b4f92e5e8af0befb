"""Baselines (datasketch MinHash LSH, naive n-gram sets) and scoring against the planted ground truth."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import time
from collections import Counter

from bench.dedup_config import NGRAM, NUM_PERM, SHINGLE, THRESHOLD
from bench.dedup_data import jaccard, shingle_set
from pipeline.problems.text import ngrams, tokens, words  # noqa: E402


def baseline_dedup(ids: list[str], texts: list[str]) -> tuple[float, list[list]]:
    from datasketch import MinHash, MinHashLSH

    t0 = time.perf_counter()
    template = MinHash(num_perm=NUM_PERM, seed=1)
    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    kept_sigs: dict[str, MinHash] = {}
    seen: dict[str, str] = {}
    removals: list[list] = []
    for problem_id, text in zip(ids, texts):
        toks = tokens(text)
        key = " ".join(toks)
        if key in seen:
            removals.append([problem_id, "exact_dedup", seen[key], 1.0])
            continue
        seen[key] = problem_id
        if not toks:
            continue
        m = MinHash(num_perm=NUM_PERM, seed=1, permutations=template.permutations, scheme=template.scheme)
        m.update_batch([" ".join(g).encode() for g in ngrams(toks, SHINGLE)])
        best, best_j = None, 0.0
        for cand in lsh.query(m):
            j = m.jaccard(kept_sigs[cand])
            if j >= THRESHOLD and (j > best_j or (j == best_j and cand < best)):
                best, best_j = cand, j
        if best is not None:
            removals.append([problem_id, "near_dedup", best, best_j])
            continue
        lsh.insert(problem_id, m)
        kept_sigs[problem_id] = m
    return time.perf_counter() - t0, removals


def baseline_decontam(train_ids, train_texts, bench_texts) -> tuple[float, float, list[list]]:
    t0 = time.perf_counter()
    bench_grams: set[str] = set()
    for text in bench_texts:
        w = words(text)
        if len(w) < NGRAM:
            bench_grams.add(" ".join(w))
        for i in range(len(w) - NGRAM + 1):
            bench_grams.add(" ".join(w[i : i + NGRAM]))
    t1 = time.perf_counter()
    removals = []
    for problem_id, text in zip(train_ids, train_texts):
        w = words(text)
        grams = (
            (" ".join(w[i : i + NGRAM]) for i in range(len(w) - NGRAM + 1)) if len(w) >= NGRAM else iter([" ".join(w)])
        )
        for gram in grams:
            if gram in bench_grams:
                removals.append([problem_id, None, None, gram])
                break
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1, removals


JACCARD_BUCKETS = [
    (0.9, 1.01, ">=0.90"),
    (0.85, 0.9, "0.85-0.90"),
    (0.8, 0.85, "0.80-0.85"),
    (0.7, 0.8, "0.70-0.80"),
    (0.0, 0.7, "<0.70"),
]


def score_dedup(data: dict, removals: list[list], scope: set[str] | None = None) -> dict:
    text_of = dict(zip(data["ids"], data["texts"]))
    planted = {
        frozenset((p["a"], p["b"])): p for p in data["pairs"] if scope is None or (p["a"] in scope and p["b"] in scope)
    }
    found: dict[frozenset, str] = {}
    unplanted = []
    for problem_id, stage, matched, _sim in removals:
        key = frozenset((problem_id, matched))
        if key in planted:
            found[key] = stage
        else:
            unplanted.append((problem_id, stage, matched))
    out: dict = {}
    for kind in ("exact", "near"):
        keys = [k for k, p in planted.items() if p["kind"] == kind]
        hits = [k for k in keys if k in found]
        out[kind] = {
            "planted": len(keys),
            "found": len(hits),
            "recall": len(hits) / len(keys) if keys else None,
            "found_by_stage": dict(Counter(found[k] for k in hits)),
        }
    near_keys = [k for k, p in planted.items() if p["kind"] == "near"]
    buckets = {}
    for lo, hi, label in JACCARD_BUCKETS:
        keys = [k for k in near_keys if lo <= planted[k]["jaccard"] < hi]
        hits = sum(1 for k in keys if k in found)
        buckets[label] = {"planted": len(keys), "found": hits, "recall": hits / len(keys) if keys else None}
    out["near_by_true_jaccard"] = buckets
    target = [k for k in near_keys if planted[k]["jaccard"] >= THRESHOLD]
    out["near_at_or_above_threshold"] = {
        "planted": len(target),
        "found": sum(1 for k in target if k in found),
        "recall": (sum(1 for k in target if k in found) / len(target)) if target else None,
    }
    # Unplanted removals: is the pair genuinely similar (true shingle Jaccard), or a false positive?
    genuine = 0
    for problem_id, stage, matched in unplanted:
        a, b = text_of[problem_id], text_of[matched]
        if stage == "exact_dedup":
            genuine += tokens(a) == tokens(b)
        else:
            genuine += jaccard(shingle_set(a), shingle_set(b)) >= THRESHOLD
    total = len(removals)
    out["removals"] = total
    out["unplanted"] = len(unplanted)
    out["unplanted_genuine"] = genuine
    out["precision_vs_planted"] = (total - len(unplanted)) / total if total else None
    out["precision_true_similarity"] = (total - len(unplanted) + genuine) / total if total else None
    return out


def score_decontam(data: dict, input_ids: list[str], removals: list[list], check_owner: bool) -> dict:
    scope = set(input_ids)
    text_of = dict(zip(data["ids"], data["texts"]))
    bench_of = dict(zip(data["bench_ids"], data["bench_texts"]))
    planted = {pid: c for pid, c in data["contamination"].items() if pid in scope}
    lost_to_dedup = len(data["contamination"]) - len(planted)
    removed = {r[0]: r for r in removals}
    hits = [pid for pid in planted if pid in removed]
    right_owner = sum(1 for pid in hits if removed[pid][1] == planted[pid]["benchmark_id"])
    unplanted = [r for r in removals if r[0] not in planted]
    bench_grams = None
    genuine = 0
    for pid, owner, _sim, evidence in unplanted:
        gram = tuple(evidence.split(" "))
        in_train = gram in ngrams(words(text_of[pid]), NGRAM)
        if owner is not None:
            in_bench = gram in ngrams(words(bench_of[owner]), NGRAM)
        else:
            if bench_grams is None:
                bench_grams = set()
                for t in data["bench_texts"]:
                    bench_grams |= ngrams(words(t), NGRAM)
            in_bench = gram in bench_grams
        genuine += in_train and in_bench
    total = len(removals)
    out = {
        "planted": len(planted),
        "planted_removed_by_dedup": lost_to_dedup,
        "found": len(hits),
        "recall": len(hits) / len(planted) if planted else None,
        "removals": total,
        "unplanted": len(unplanted),
        "unplanted_genuine_overlap": genuine,
        "precision_vs_planted": len(hits) / total if total else None,
    }
    if check_owner:
        out["found_with_planted_benchmark_id"] = right_owner
    return out
