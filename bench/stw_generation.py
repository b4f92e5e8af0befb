"""Thinking-budget (STW) generation speed on CPU: what `model_eval` spends its time on.

Greedy generation of the embedded SmolLM2-135M on held-out HumanEval/stdin prompts (budget 32,
answer 32), three ways in one process: one prompt at a time with torch's default threads (the
baseline), batches of 8 with the default threads, batches of 8 with one thread (the evaluation's
setting). Prints tokens/s and ratios against the baseline.

    .venv/bin/python bench/stw_generation.py [--problems 8] [--budget 32]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402

from bench.harness import machine_line, rate  # noqa: E402
from pipeline.dataset.assemble import question_text  # noqa: E402
from pipeline.evaluation.stw import load_generator  # noqa: E402
from pipeline.problems.sources import humaneval, stdio_builtin  # noqa: E402
from pipeline.teacher.embedded import ensure_hf_folder  # noqa: E402


def prompts(count: int) -> list[str]:
    rows = [humaneval.normalize(r) for r in humaneval.package_rows()[100 : 100 + count // 2]]
    rows += [stdio_builtin.normalize(r) for r in stdio_builtin.package_rows()[: count - len(rows)]]
    return [question_text(p) for p in rows]


def measure(generator, questions: list[str], budget: int, batch: int, threads: int) -> dict:
    generator.batch_size = batch
    saved = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        started = time.perf_counter()
        results = generator.generate(questions, budget, budget)
        seconds = time.perf_counter() - started
    finally:
        torch.set_num_threads(saved)
    tokens = sum(r.total_tokens for r in results)
    return rate(tokens, seconds, "tokens_per_s", batch=batch, threads=threads, tokens=tokens)


def main() -> None:
    print(machine_line(), file=sys.stderr)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--problems", type=int, default=8)
    parser.add_argument("--budget", type=int, default=32)
    args = parser.parse_args()
    generator = load_generator(str(ensure_hf_folder(log=lambda _: None)))
    questions = prompts(args.problems)
    cores = torch.get_num_threads()
    baseline = measure(generator, questions, args.budget, 1, cores)
    runs = [
        baseline,
        measure(generator, questions, args.budget, 8, cores),
        measure(generator, questions, args.budget, 8, 1),
    ]
    for run in runs:
        run["ratio_to_baseline"] = round(run["tokens_per_s"] / baseline["tokens_per_s"], 2)
    print(json.dumps(runs, indent=2))


if __name__ == "__main__":
    main()
