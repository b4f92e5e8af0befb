"""Dataset assembly at Z1 scale: 107,000 synthetic verified trajectories -> Hub folder.

    .venv/bin/python bench/assembly.py [--rows 107000] [--seed 0] [--json PATH]

Synthetic trajectories follow Z1-Code-Reasoning-107K's length profile (lognormal, mean ~1,160
tokens, capped near 8,200; ~1 % over the 8,192 budget, ~3 % looping reasoning), over 53,500
problems with a short and a long sample each, ~80 % accepted. Timed: `build_dataset` (pairing,
filters, STW format, O1-Pruner weights, every Sky-T1 variant, sharding) and the card. Peak memory
is the process's max RSS. Baseline for a ratio: the same rows written as ONE parquet file with
pyarrow (the least any assembly must do), in the same process.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import machine_line, max_rss, save_json  # noqa: E402
from pipeline.common.layout import DataLayout  # noqa: E402
from pipeline.dataset.build import build_dataset  # noqa: E402
from pipeline.dataset.card import write_card  # noqa: E402
from pipeline.dataset.variants import parse_variant  # noqa: E402
from schemas import (  # noqa: E402
    Problem,
    Profile,
    TestCase,
    TestStyle,
    Trajectory,
    Verdict,
    Verification,
    to_table,
    write_parquet,
)

VARIANTS = ["digits:0.2", "reflection:0.5", "shuffle:0.33", "delete:0.33", "insert:0.33"]
WORDS = (
    "we need the sum of values so first read n then loop over the array and keep a running total "
    "wait let me check the edge case where n is 1 and the answer is 42 or 17"
).split()


def reasoning_text(rng: np.random.Generator, tokens: int, loop: bool) -> str:
    words = max(5, int(tokens * 0.75))
    if loop:
        return ("Wait, let me check the sum again. " * (words // 7 + 1)).strip()
    picked = rng.choice(WORDS, size=words)
    paragraphs = [" ".join(picked[i : i + 60]) + "." for i in range(0, words, 60)]
    return "\n\n".join(paragraphs)


SHARD = "shard-000"


def generate(rows: int, seed: int, data: Path) -> None:
    rng = np.random.default_rng(seed)
    problems = rows // 2
    lengths = np.minimum(rng.lognormal(mean=6.7, sigma=0.75, size=rows).astype(int) + 25, 8_300)
    loops = rng.random(rows) < 0.03
    accepted = rng.random(rows) < 0.8
    write_parquet(
        [
            Problem(
                id=f"bench/{i}",
                source="bench",
                source_id=str(i),
                statement=f"Problem {i}: sum n numbers.",
                test_style=TestStyle.STDIN,
                tests=(TestCase("1\n", "1\n"),),
            )
            for i in range(problems)
        ],
        Problem,
        DataLayout(data).problems_file("train"),
    )
    write_parquet([], Problem, DataLayout(data).problems_file("eval"))
    trajectories, verifications = [], []
    for i in range(rows):
        pid, profile = f"bench/{i // 2}", Profile.SHORT if i % 2 == 0 else Profile.LONG
        trajectories.append(
            Trajectory(
                id=f"t{i}",
                problem_id=pid,
                profile=profile,
                teacher_model="QwQ-32B",
                params_hash="h",
                sample_index=0,
                reasoning=reasoning_text(rng, int(lengths[i]), bool(loops[i])),
                answer="```python\nprint(sum(map(int, open(0).read().split()[1:])))\n```",
                code="print(1)",
                prompt_tokens=50,
                completion_tokens=int(lengths[i]),
                reasoning_tokens=int(lengths[i]) - 20,
                finish_reason="stop",
                truncated=False,
                latency_s=1.0,
                server_url="bench",
            )
        )
        ok = bool(accepted[i])
        verifications.append(
            Verification(pid, f"t{i}", Verdict.ACCEPTED if ok else Verdict.WRONG_ANSWER, 1 if ok else 0, 1, 0.01)
        )
    layout = DataLayout(data)
    layout.write_manifest("problems", [(layout.problems_file("train"), problems), (layout.problems_file("eval"), 0)])
    for stage, rows_, record, path in (
        ("trajectories", trajectories, Trajectory, layout.trajectories_file(SHARD)),
        ("verification", verifications, Verification, layout.verification_file(SHARD)),
    ):
        layout.write_manifest(stage, [(write_parquet(rows_, record, path), len(rows_))], SHARD)


def _tree_pss_kib(root: int) -> int:
    """Proportional set size of `root` and its descendants: shared pages are split between the
    processes sharing them, so the sum is the memory the tree really holds."""
    total, pending = 0, [root]
    while pending:
        pid = pending.pop()
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
            for task in Path(f"/proc/{pid}/task").iterdir():
                pending += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue  # a worker that just exited
    return total


class PssSampler(threading.Thread):
    """Peak of `_tree_pss_kib(this process)`, sampled every `interval_s` while running."""

    def __init__(self, interval_s: float):
        super().__init__(daemon=True)
        self.interval_s, self.peak_kib, self._stop_event = interval_s, 0, threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(self.interval_s):
            self.peak_kib = max(self.peak_kib, _tree_pss_kib(os.getpid()))

    def stop(self) -> int:
        self._stop_event.set()
        self.join()
        return self.peak_kib


def main() -> None:
    print(machine_line(), file=sys.stderr)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=107_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path)
    # Reading smaps_rollup walks each process's page tables under its mmap lock: sampling often
    # slows the run it measures: measured +30 % run time at 0.1 s, +6 % at 1 s (same peak).
    parser.add_argument("--pss-interval", type=float, default=1.0, help="seconds between PSS samples")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="trajforge-assembly-") as tmp:
        data = Path(tmp) / "data"
        out = DataLayout(data).hub_dir()
        started = time.perf_counter()
        generate(args.rows, args.seed, data)
        generated = time.perf_counter() - started
        rss_before = max_rss() // 1024

        sampler = PssSampler(args.pss_interval)
        sampler.start()
        started = time.perf_counter()
        built = build_dataset(
            DataLayout(data),
            [SHARD],
            variants=[parse_variant(v, args.seed) for v in VARIANTS],
            harmonize_from="teachers",  # synthetic data: no reference model sampled
        )
        write_card(out, "bench", built.configs, built.removed)
        assembly = time.perf_counter() - started
        tree_pss_kib = sampler.stop()
        peak = max_rss() // 1024
        child_peak = max_rss(children=True) // 1024  # forked variant writers

        started = time.perf_counter()
        pq.write_table(
            to_table(built.configs["default"], type(built.configs["default"][0])),
            Path(tmp) / "one.parquet",
            compression="zstd",
        )
        baseline = time.perf_counter() - started
        sizes = {name: sum(p.stat().st_size for p in paths) for name, paths in built.files.items()}
    result = {
        "rows": args.rows,
        "generation_s": round(generated, 1),
        "assembly_s": round(assembly, 1),
        "baseline_single_write_s": round(baseline, 1),
        "ratio_to_baseline": round(assembly / baseline, 1),
        "peak_rss_gib": round(peak / 2**20, 2),
        "rss_before_gib": round(rss_before / 2**20, 2),
        "worker_peak_rss_gib": round(child_peak / 2**20, 2),
        # upper bound: the parent's peak plus each forked worker's peak (shared pages counted twice)
        "peak_total_upper_bound_gib": round((peak + 2 * child_peak) / 2**20, 2),
        "peak_tree_pss_gib": round(tree_pss_kib / 2**20, 2),
        "pss_interval_s": args.pss_interval,
        "configs": {k: len(v) for k, v in built.configs.items()},
        "removed": dict(built.removed),
        "bytes": sizes,
    }
    print(json.dumps(result, indent=2))
    total = result["peak_tree_pss_gib"]
    verdict = "PASS" if assembly < 120 and total < 6 else "FAIL"
    print(
        f"assembly + {len(VARIANTS)} variants + sharding of {args.rows:,} trajectories: {assembly:.1f} s, "
        f"peak RSS {peak / 2**20:.2f} GiB parent, {child_peak / 2**20:.2f} GiB per worker, "
        f"{total:.2f} GiB proportional set size of the process tree (targets 120 s, 6 GiB): {verdict}"
    )
    save_json(args.json, result)


if __name__ == "__main__":
    main()
