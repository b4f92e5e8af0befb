"""How strong are the shipped tests? Mutation score of HumanEval's and the embedded stdin set's tests.

    .venv/bin/python bench/test_strength.py [--mutants 40] [--workers N] [--json PATH]

Each problem's reference (HumanEval's canonical solution, the stdin set's reference) is mutated
(`pipeline/strength/mutants.py`: up to --mutants per problem, seeded) and every mutant runs against
the problem's original tests in the Docker sandbox (1 s limit per mutant test). Reported per source:
mutants killed / run (the mutation score, a lower bound: surviving mutants include equivalent ones),
the mean per-problem score, problems whose tests kill every mutant, and the weakest problems with a
surviving mutant each. Then, for call-style problems (HumanEval's `candidate(...)` calls): --amplify
new inputs per problem (`pipeline/strength/amplify.py`, outputs from the reference), the same mutants
against the amplified tests, and both scores over the mutants that are not likely equivalent.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import machine_line, results_table, save_json  # noqa: E402
from pipeline.problems.sources import humaneval, stdio_builtin  # noqa: E402
from pipeline.strength.amplify import amplified_problem  # noqa: E402
from pipeline.strength.generate import amplify_stdin  # noqa: E402
from pipeline.strength.generate import prompt_messages as generator_messages  # noqa: E402
from pipeline.strength.score import StrengthSettings, by_source, compare, measure  # noqa: E402
from pipeline.teacher.client import ClientSettings, TeacherClient  # noqa: E402
from sandbox.docker_pool import DockerPool  # noqa: E402
from sandbox.image import ensure_image  # noqa: E402
from schemas import TestStyle  # noqa: E402

COLUMNS = ["source", "problems", "references_rejected", "mutants", "killed", "mutation_score",
           "mean_problem_score", "problems_all_killed"]  # fmt: skip


def main() -> None:
    print(machine_line(), file=sys.stderr)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mutants", type=int, default=40, help="mutants per problem at most")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--amplify", type=int, default=50, help="new inputs per call-style problem (0: none)")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--per-problem", type=Path, help="write the per-problem comparison here (markdown)")
    parser.add_argument(
        "--stdin-teacher",
        default="",
        help="'embedded' (managed vLLM) or an OpenAI-compatible base "
        "URL: it writes input generators for the stdin set (empty: stdin problems not amplified)",
    )
    parser.add_argument("--stdin-model", default="", help="model name at --stdin-teacher URL")
    parser.add_argument("--generated-inputs", type=int, default=30, help="generator runs per stdin problem")
    parser.add_argument("--sources", default="humaneval,stdio_builtin", help="comma-separated source names")
    args = parser.parse_args()
    chosen = args.sources.split(",")
    problems = [humaneval.normalize(r) for r in humaneval.package_rows()] if "humaneval" in chosen else []
    problems += [stdio_builtin.normalize(r) for r in stdio_builtin.package_rows()] if "stdio_builtin" in chosen else []
    started = time.perf_counter()
    settings = StrengthSettings(mutants_per_problem=args.mutants)
    with DockerPool(ensure_image(log=lambda _: None), size=args.workers) as pool:
        rows = measure(problems, pool, args.workers, settings)
        elapsed = time.perf_counter() - started
        amplified = amplify_all(problems, pool, args.workers, args.amplify) if args.amplify else []
        stdin_reasons: Counter = Counter()
        if args.stdin_teacher:
            made, stdin_reasons = amplify_stdin_all(problems, pool, args)
            amplified += made
        compared = compare_all(rows, measure(amplified, pool, args.workers, settings)) if amplified else []
    table = by_source(rows)
    weakest = sorted((r for r in rows if r.score is not None), key=lambda r: (r.score, r.problem_id))[:10]
    print(results_table(table, COLUMNS, numeric=COLUMNS[1:]))
    print("\nweakest tests (lowest mutation score), one surviving mutant each:")
    for row in weakest:
        print(f"  {row.problem_id}: {row.killed}/{row.mutants} killed; e.g. {row.survivors[0]}")
    runs = sum(r.mutants for r in rows) + len(rows)
    print(f"\n{runs:,} programs run in {elapsed:.1f} s ({runs / elapsed:.1f}/s), {args.workers} workers")
    source_of = {p.id: p.source for p in problems}
    summaries = [amplification_summary(source, [a for a in amplified if a.source == source],
                                       [c for c in compared if source_of[c.problem_id] == source])
                 for source in sorted({p.source for p in amplified})]  # fmt: skip
    summary = summaries[0] if summaries else {}
    if compared:
        print("\noriginal vs amplified tests, over the same non-equivalent mutants:")
        print(results_table(summaries, list(summary), numeric=list(summary)[1:]))
    if stdin_reasons:
        print("\nstdin problems, teacher-written generators (" + args.stdin_teacher + "):")
        print(results_table([{"outcome": k, "problems": n} for k, n in stdin_reasons.most_common()],
                            ["outcome", "problems"], numeric=["problems"]))  # fmt: skip
    if compared and args.per_problem:
        args.per_problem.write_text(per_problem_markdown(compared, amplified), encoding="utf-8")
    per_problem = [{**r.__dict__, "survivors": list(r.survivors), "score": r.score} for r in rows]
    save_json(args.json, {"by_source": table, "elapsed_s": round(elapsed, 1), "programs": runs, "problems": per_problem,
                          "amplified": summaries, "compared": [c.__dict__ for c in compared],
                          "stdin_generators": dict(stdin_reasons)})  # fmt: skip


def amplify_all(problems: list, pool: DockerPool, workers: int, count: int) -> list:
    with ThreadPoolExecutor(workers) as threads:
        made = threads.map(lambda p: amplified_problem(p, pool, count), problems)
        return [p for p in made if p is not None]


def compare_all(original: list, amplified: list) -> list:
    by_id = {r.problem_id: r for r in original}
    return [compare(by_id[r.problem_id], r) for r in amplified if by_id[r.problem_id].reference_accepted]


def per_problem_markdown(compared: list, amplified: list) -> str:
    """One row per amplified problem: its tests, the non-equivalent mutants, each set's kills and score."""
    sizes = {p.id: len(p.tests) for p in amplified}
    rows = [{"problem": c.problem_id, "amplified tests": sizes.get(c.problem_id), "non-equivalent mutants":
             c.non_equivalent, "original killed": c.killed_original, "amplified killed": c.killed_amplified,
             "original score": _score(c, c.killed_original), "amplified score": _score(c, c.killed_amplified),
             "reference passes amplified": c.amplified_reference_accepted} for c in compared]  # fmt: skip
    head = "# Test strength per HumanEval problem: original vs amplified tests (`bench/test_strength.py`)\n\n"
    return head + results_table(rows, list(rows[0]), numeric=list(rows[0])[1:-1]) + "\n"


def _score(comparison, killed: int):
    value = comparison.score(killed)
    return None if value is None else round(value, 4)


def amplify_stdin_all(problems: list, pool: DockerPool, args) -> tuple[list, Counter]:
    """Stdin problems amplified from generators the teacher writes (one answer each, seed 0)."""
    stdin = [p for p in problems if p.test_style is TestStyle.STDIN and p.reference_solution]
    with _teacher(args.stdin_teacher, args.stdin_model) as (url, model):
        client = TeacherClient(ClientSettings(base_urls=(url,), concurrency=8, timeout_s=900, max_retries=1))

        async def ask():
            try:
                params = {"temperature": 0.7, "max_tokens": 1024}
                return await asyncio.gather(*(client.chat(model, generator_messages(p), params, n=1, seed=0)
                                              for p in stdin))  # fmt: skip
            finally:
                await client.close()

        answers = asyncio.run(ask())
    with ThreadPoolExecutor(args.workers) as threads:
        results = list(threads.map(lambda pa: amplify_stdin(pa[0], pa[1][0].content, pool, args.generated_inputs),
                                   zip(stdin, answers)))  # fmt: skip
    return [r.problem for r in results if r.problem], Counter(r.reason or "amplified" for r in results)


@contextlib.contextmanager
def _teacher(where: str, model: str):
    if where != "embedded":
        yield where, model
        return
    from pipeline.teacher.embedded import ensure_hf_folder
    from pipeline.teacher.server import ManagedServer

    folder = str(ensure_hf_folder(log=lambda _: None))
    args = ("--dtype", "bfloat16", "--max-model-len", "2048")
    with ManagedServer.vllm(folder, extra_args=args, start_timeout_s=600) as server:
        yield server.base_url, server.model_name


def amplification_summary(source: str, amplified: list, compared: list) -> dict:
    scored = [c for c in compared if c.non_equivalent]

    def mean(values: list) -> float | None:
        return round(sum(values) / len(values), 4) if values else None

    def pooled(killed) -> float | None:  # killed / non-equivalent over all the problems' mutants
        total = sum(c.non_equivalent for c in scored)
        return round(sum(killed) / total, 4) if total else None

    return {
        "source": source,
        "problems": len(compared),
        "amplified tests (mean)": mean([len(p.tests) for p in amplified]),
        "references rejected by amplified tests": sum(not c.amplified_reference_accepted for c in compared),
        "non-equivalent mutants": sum(c.non_equivalent for c in compared),
        "original score": pooled(c.killed_original for c in scored),
        "amplified score": pooled(c.killed_amplified for c in scored),
        "original, mean per problem": mean([c.score(c.killed_original) for c in scored]),
        "amplified, mean per problem": mean([c.score(c.killed_amplified) for c in scored]),
        "problems where amplified kill more": sum(c.killed_amplified > c.killed_original for c in compared),
        "share of problems": mean([c.killed_amplified > c.killed_original for c in compared]),
    }


if __name__ == "__main__":
    main()
