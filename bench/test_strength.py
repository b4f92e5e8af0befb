"""How strong are the shipped tests? Mutation score of HumanEval's and the embedded stdin set's tests.

    .venv/bin/python bench/test_strength.py [--mutants 40] [--workers N] [--json PATH]

Each problem's reference (HumanEval's canonical solution, the stdin set's reference) is mutated
(`pipeline/strength/mutants.py`: up to --mutants per problem, seeded) and every mutant runs against
the problem's original tests in the Docker sandbox (1 s limit per mutant test). Reported per source:
mutants killed / run (the mutation score, a lower bound: surviving mutants include equivalent ones),
the mean per-problem score, problems whose tests kill every mutant, and the weakest problems with a
surviving mutant each.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import machine_line, results_table, save_json  # noqa: E402
from pipeline.problems.sources import humaneval, stdio_builtin  # noqa: E402
from pipeline.strength.score import StrengthSettings, by_source, measure  # noqa: E402
from sandbox.docker_pool import DockerPool  # noqa: E402
from sandbox.image import ensure_image  # noqa: E402

COLUMNS = ["source", "problems", "references_rejected", "mutants", "killed", "mutation_score",
           "mean_problem_score", "problems_all_killed"]  # fmt: skip


def main() -> None:
    print(machine_line(), file=sys.stderr)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mutants", type=int, default=40, help="mutants per problem at most")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    problems = [humaneval.normalize(r) for r in humaneval.package_rows()]
    problems += [stdio_builtin.normalize(r) for r in stdio_builtin.package_rows()]
    started = time.perf_counter()
    with DockerPool(ensure_image(log=lambda _: None), size=args.workers) as pool:
        rows = measure(problems, pool, args.workers, StrengthSettings(mutants_per_problem=args.mutants))
    elapsed = time.perf_counter() - started
    table = by_source(rows)
    weakest = sorted((r for r in rows if r.score is not None), key=lambda r: (r.score, r.problem_id))[:10]
    print(results_table(table, COLUMNS, numeric=COLUMNS[1:]))
    print("\nweakest tests (lowest mutation score), one surviving mutant each:")
    for row in weakest:
        print(f"  {row.problem_id}: {row.killed}/{row.mutants} killed; e.g. {row.survivors[0]}")
    runs = sum(r.mutants for r in rows) + len(rows)
    print(f"\n{runs:,} programs run in {elapsed:.1f} s ({runs / elapsed:.1f}/s), {args.workers} workers")
    per_problem = [{**r.__dict__, "survivors": list(r.survivors), "score": r.score} for r in rows]
    save_json(
        args.json, {"by_source": table, "elapsed_s": round(elapsed, 1), "programs": runs, "problems": per_problem}
    )


if __name__ == "__main__":
    main()
