"""The trajforge side of the dedup/decontamination benchmark: a fresh subprocess, so data generation
and the baseline do not pollute its peak RSS."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import gc
import json
import os
import pickle
import subprocess
import tempfile
import time
from collections import Counter

from bench.dedup_config import NGRAM
from bench.harness import max_rss as _max_rss
from bench.harness import reset_hwm as _reset_hwm
from bench.harness import rss_now as _rss_now
from bench.harness import vm_hwm as _vm_hwm


def _maxrss() -> int:
    return _max_rss()


def worker(data_path: str, out_path: str) -> None:
    import pipeline.problems.dedup as dedup_mod
    from pipeline.problems.decontam import DEFAULT_COMMON_LIMIT, DEFAULT_MIN_HITS, BenchmarkIndex, decontaminate
    from pipeline.problems.dedup import DedupSettings, deduplicate

    with open(data_path, "rb") as f:
        data = pickle.load(f)
    ids, texts = data["ids"], data["texts"]
    bench_ids, bench_texts = data["bench_ids"], data["bench_texts"]
    opts = data["options"]
    del data
    gc.collect()
    rss_loaded = _rss_now()
    maxrss_loaded = _maxrss()

    # Sub-phase timings: wrap module-level functions that deduplicate() looks up by name.
    breakdown: dict[str, float] = Counter()

    def timed(name, fn):
        def wrapper(*a, **kw):
            t = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                breakdown[name] += time.perf_counter() - t

        return wrapper

    originals = {
        name: getattr(dedup_mod, name)
        for name in ("exact_duplicates", "near_duplicates", "minhash_signatures", "candidate_pairs", "_cluster_roots")
    }
    for name, fn in originals.items():
        setattr(dedup_mod, name, timed(name, fn))

    profiler = None
    if opts["profile"]:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()

    settings = DedupSettings()
    c0, t0 = time.process_time(), time.perf_counter()
    dedup_removals = deduplicate(ids, texts, settings)
    t1, c1 = time.perf_counter(), time.process_time()
    maxrss_dedup = _maxrss()

    removed = {r.problem_id for r in dedup_removals}
    train = [(i, t) for i, t in zip(ids, texts) if i not in removed]
    train_ids, train_texts = [i for i, _ in train], [t for _, t in train]
    del train
    decontam_total_rows = len(train_ids)
    if opts["decontam_rows"] is not None and opts["decontam_rows"] < len(train_ids):
        train_ids, train_texts = train_ids[: opts["decontam_rows"]], train_texts[: opts["decontam_rows"]]
    hwm_reset = _reset_hwm()
    rss_before_decontam = _rss_now()

    c2, t2 = time.process_time(), time.perf_counter()
    index = BenchmarkIndex(
        bench_ids,
        bench_texts,
        NGRAM,
        common_limit=opts.get("common_limit", DEFAULT_COMMON_LIMIT),
        min_hits=opts.get("min_hits", DEFAULT_MIN_HITS),
    )
    t3, c3 = time.perf_counter(), time.process_time()
    decontam_removals = decontaminate(train_ids, train_texts, index)
    t4, c4 = time.perf_counter(), time.process_time()
    maxrss_end = _maxrss()
    decontam_hwm = _vm_hwm() if hwm_reset else None

    profile_text = None
    if profiler is not None:
        import io
        import pstats

        profiler.disable()
        buf = io.StringIO()
        pstats.Stats(profiler, stream=buf).sort_stats("cumulative").print_stats(30)
        profile_text = buf.getvalue()

    result = {
        "times": {
            "dedup": t1 - t0,
            "decontam_index": t3 - t2,
            "decontam_scan": t4 - t3,
            "decontam": t4 - t2,
            "total": (t1 - t0) + (t4 - t2),
        },
        "cpu": {"dedup": c1 - c0, "decontam_index": c3 - c2, "decontam_scan": c4 - c3},
        "dedup_breakdown": dict(breakdown),
        "memory": {
            "rss_after_load": rss_loaded,
            "maxrss_after_load": maxrss_loaded,
            "maxrss_after_dedup": maxrss_dedup,
            "maxrss_end": maxrss_end,
            "rss_before_decontam": rss_before_decontam,
            "decontam_hwm": decontam_hwm,
            # clear_refs (the VmHWM reset before decontamination) also resets ru_maxrss, so the
            # run's peak is the larger of the two readings.
            "peak": max(maxrss_dedup, maxrss_end),
            "peak_increase": max(maxrss_dedup, maxrss_end) - rss_loaded,
        },
        "rows": len(ids),
        "decontam_rows": decontam_total_rows,
        "decontam_rows_scanned": len(train_ids),
        "benchmark_ngrams": len(index.owner),
        "dedup_removals": [
            [r.problem_id, getattr(r.stage, "value", r.stage), r.matched_id, r.similarity] for r in dedup_removals
        ],
        "decontam_removals": [[r.problem_id, r.matched_id, r.similarity, r.evidence] for r in decontam_removals],
        "profile": profile_text,
    }
    with open(out_path, "w") as f:
        json.dump(result, f)


def run_trajforge(data: dict, options: dict) -> dict:
    with tempfile.TemporaryDirectory(prefix="trajforge-bench-") as tmp:
        data_path, out_path = os.path.join(tmp, "data.pkl"), os.path.join(tmp, "out.json")
        with open(data_path, "wb") as f:
            payload = {k: data[k] for k in ("ids", "texts", "bench_ids", "bench_texts")}
            payload["options"] = options
            pickle.dump(payload, f, protocol=pickle.HIGHEST_PROTOCOL)
        cmd = [sys.executable, str(Path(__file__).resolve()), "--_worker", data_path, out_path]
        subprocess.run(cmd, check=True)
        with open(out_path) as f:
            return json.load(f)


if __name__ == "__main__":  # run_trajforge starts this file: python dedup_worker.py --_worker DATA OUT
    worker(sys.argv[2], sys.argv[3])
