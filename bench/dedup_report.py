"""The summary the dedup/decontamination benchmark prints."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.dedup_config import THRESHOLD
from bench.harness import gib as _gib
from bench.harness import mib as _mib
from bench.harness import pct as _pct


def print_summary(r: dict) -> None:
    tf, sc = r["trajforge"], r["scores"]
    t, mem, cpu = tf["times"], tf["memory"], tf["cpu"]
    base = r.get("baseline")
    m = r["machine"]
    print()
    print(f"machine: {m['nproc']} cpus ({m['cpu_model']}), python {m['python']}")
    print(
        f"{r['params']['rows']:,} rows, {r['params']['benchmark_rows']:,} benchmark problems, "
        f"{tf['decontam_rows']:,} rows reach decontamination, {tf['benchmark_ngrams']:,} benchmark 8-grams"
    )
    if tf["repeats"] > 1:
        print(
            f"trajforge: best of {tf['repeats']} fresh-subprocess runs (totals: "
            + ", ".join(f"{x['times']['dedup'] + x['times']['decontam']:.1f}s" for x in tf["all_runs"])
            + f" measured); removals identical across runs: {tf['removals_identical_across_repeats']}"
        )
    if tf["decontam_scan_scaled"]:
        print(
            f"NOTE: trajforge decontaminate() scanned the first {tf['decontam_rows_scanned']:,} of "
            f"{tf['decontam_rows']:,} rows ({tf['measured_times']['decontam_scan']:.1f}s measured); its scan "
            f"time is scaled linearly (x{tf['decontam_scan_scale']:.2f}) to full size"
        )
    if base and base["scaled"]:
        print(
            f"NOTE: baseline ran on the first {base['rows']:,} rows; its times are scaled linearly "
            f"(x{base['scale_factor']:.2f}) to full size"
        )
    head = f"{'phase':<22}{'trajforge':>11}{'rows/s':>10}{'cpu s':>8}"
    if base:
        head += f"{'baseline':>11}{'speedup':>9}"
    print(head)
    print("-" * len(head))
    n = r["params"]["rows"]
    rows_for = {
        "dedup": n,
        "decontam_index": None,
        "decontam_scan": tf["decontam_rows"],
        "decontam": tf["decontam_rows"],
        "total": n,
    }
    for ph in ("dedup", "decontam_index", "decontam_scan", "decontam", "total"):
        rs = f"{rows_for[ph] / t[ph]:,.0f}" if rows_for[ph] else "-"
        c = f"{cpu[ph]:.1f}"
        line = f"{ph:<22}{t[ph]:>10.2f}s{rs:>10}{c:>8}"
        if base:
            line += f"{base['times_full_size'][ph]:>10.2f}s{base['speedup'][ph]:>8.1f}x"
        print(line)
    bd = tf["dedup_breakdown"]
    print("dedup breakdown: " + ", ".join(f"{k} {v:.2f}s" for k, v in bd.items()))
    print(
        f"peak RSS (ru_maxrss): {_gib(mem['peak'])} absolute, {_mib(mem['peak_increase'])} over the "
        f"post-load RSS of {_mib(mem['rss_after_load'])} (input texts + imports); dedup phase peak "
        f"{_gib(mem['maxrss_after_dedup'])}"
        + (
            f"; decontamination phase peak (VmHWM reset before it) {_mib(mem['decontam_hwm'])}"
            if mem["decontam_hwm"]
            else ""
        )
    )
    tg = r["targets"]
    print(
        f"targets: total {t['total']:.1f}s < {tg['seconds']:.0f}s: {'PASS' if tg['time_ok'] else 'FAIL'}; "
        f"peak {_gib(mem['peak'])} < 4 GiB: {'PASS' if tg['memory_ok'] else 'FAIL'}"
    )
    print()
    d, c = sc["dedup"], sc["decontam"]

    def dedup_lines(d: dict, label: str) -> None:
        print(
            f"[{label}] exact pairs: {d['exact']['found']}/{d['exact']['planted']} "
            f"(recall {_pct(d['exact']['recall'])}); near pairs: {d['near']['found']}/{d['near']['planted']} "
            f"(recall {_pct(d['near']['recall'])}), with true Jaccard >= {THRESHOLD}: "
            f"{d['near_at_or_above_threshold']['found']}/{d['near_at_or_above_threshold']['planted']} "
            f"({_pct(d['near_at_or_above_threshold']['recall'])})"
        )
        print(
            f"[{label}]   near recall by true shingle Jaccard: "
            + ", ".join(f"{k} {v['found']}/{v['planted']}" for k, v in d["near_by_true_jaccard"].items())
        )
        print(
            f"[{label}]   removals {d['removals']}, unplanted {d['unplanted']} "
            f"({d['unplanted_genuine']} genuinely similar), precision vs planted "
            f"{_pct(d['precision_vs_planted'])}"
        )

    def decontam_lines(c: dict, label: str) -> None:
        extra = (
            f", {c['found_with_planted_benchmark_id']} attributed to the planted benchmark problem"
            if "found_with_planted_benchmark_id" in c
            else ""
        )
        print(
            f"[{label}] contamination: {c['found']}/{c['planted']} found (recall {_pct(c['recall'])}){extra}; "
            f"removals {c['removals']}, unplanted {c['unplanted']} ({c['unplanted_genuine_overlap']} verified "
            f"genuine 8-gram overlaps), precision vs planted {_pct(c['precision_vs_planted'])}"
        )

    print(
        f"load average at end: {' '.join(f'{x:.1f}' for x in r['load_average_at_end'])} "
        f"(wall > cpu time means other processes competed for the {m['nproc']} cpus)"
    )
    print()
    dedup_lines(d, "trajforge")
    decontam_lines(c, "trajforge")
    if base:
        if base["scaled"]:
            print(f"[baseline] (scored on the planted pairs / contaminated rows inside its {base['rows']:,} rows)")
        dedup_lines(base["scores"]["dedup"], "baseline")
        decontam_lines(base["scores"]["decontam"], "baseline")
    if r.get("profile"):
        print("\ncProfile of the trajforge run (cumulative):")
        print(r["profile"])
