"""Benchmark: the problems stage at scale, on synthetic rows in the published formats.

    .venv/bin/python bench/problems_scale.py [--rows 500000] [--double] [--seed 0] [--json PATH]

Writes --rows rows split evenly over TACO (Arrow stream shards, `train/*.arrow`), APPS
(`train.jsonl`), CodeContests (`data/train-*.parquet`, struct columns) and open-r1
(`data/train-*.parquet`, struct columns), laid out like the Hub repos in a temporary folder
(statements from bench/dedup_data.py's generator, 2 % exact duplicates), then runs
`trajforge problems` on a recipe that points every source at its local copy (dedup, and
decontamination against HumanEval as production decontaminates against fixed benchmark sets: a
benchmark index grows with the benchmark, not with the training data). Reported: rows/s and the peak RSS of that one
process (`wait4` rusage, so generation in this process does not count). With --double the same
is done at 2 x --rows and both peaks are printed with their ratio: memory must be bounded by the
dedup index, not by the data (target: peak < 3 GiB at 500K, doubling within +25 %).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.dedup_data import StatementGenerator  # noqa: E402
from bench.harness import gib, machine_line, save_json  # noqa: E402
from tests.pipeline.problems.sources.hub_layout import published_features  # noqa: E402

CHUNK = 10_000
SHARD_ROWS = 50_000
DUPLICATE_RATE = 0.02
SOURCES = ("taco", "apps", "code_contests", "open_r1")
REPOS = {"taco": "BAAI/TACO", "apps": "codeparrot/apps", "code_contests": "deepmind/code_contests",
         "open_r1": "open-r1/verifiable-coding-problems-python"}  # fmt: skip
TESTS = {"inputs": ["3\n", "10\n"], "outputs": ["6\n", "20\n"]}
SOLUTION = "print(2 * int(input()))\n"


def taco_row(i: int, text: str) -> dict:
    return {"question": text, "solutions": json.dumps([SOLUTION]), "starter_code": "",
            "input_output": json.dumps(TESTS), "difficulty": "EASY", "raw_tags": "['math']", "name": f"p{i}",
            "source": "codeforces", "tags": "[]",
            "skill_types": "[]", "url": "", "Expected Auxiliary Space": None, "time_limit": "1 second", "date": None,
            "picture_num": "0", "memory_limit": "256 megabytes", "Expected Time Complexity": None}  # fmt: skip


def apps_row(i: int, text: str) -> dict:
    return {"problem_id": i, "question": text, "solutions": json.dumps([SOLUTION]), "input_output": json.dumps(TESTS),
            "difficulty": "interview", "url": "", "starter_code": ""}  # fmt: skip


def code_contests_row(i: int, text: str) -> dict:
    tests = {"input": TESTS["inputs"], "output": TESTS["outputs"]}
    empty = {"input": [], "output": []}
    return {"name": f"{i}_A. Problem {i}", "description": text, "public_tests": tests, "private_tests": empty,
            "generated_tests": empty, "source": 2, "difficulty": 7,
            "solutions": {"language": [3], "solution": [SOLUTION]},
            "incorrect_solutions": {"language": [3], "solution": ["print(1)\n"]}, "cf_contest_id": i, "cf_index": "A",
            "cf_points": 0.0, "cf_rating": 800, "cf_tags": [], "is_description_translated": False,
            "untranslated_description": "", "time_limit": {"seconds": 1, "nanos": 0}, "memory_limit_bytes": 256000000,
            "input_file": "", "output_file": ""}  # fmt: skip


def open_r1_row(i: int, text: str) -> dict:
    cases = [{"fn_name": None, "input": a, "output": b, "type": "stdin_stdout"} for a, b in zip(*TESTS.values())]
    return {"source": "codeforces", "task_type": "verifiable_code", "in_source_id": str(i), "problem_statement": text,
            "gold_standard_solution": f"```python\n{SOLUTION}```", "problem_id": f"vfc_{i}",
            "metadata": {"difficulty": "easy", "memory_limit": None, "memory_limit_bytes": None, "problem_url": None,
                         "time_limit": "1 second"},
            "verification_info": {"language": "python", "test_cases": cases}}  # fmt: skip


class Writers:
    """One rotating writer per source, in its published file format."""

    def __init__(self, root: Path, total: int):
        features = published_features()
        self.schemas = {"code_contests": features[0].arrow_schema, "open_r1": features[1].arrow_schema,
                        "taco": pa.schema([(n, pa.string()) for n in taco_row(0, "")])}  # fmt: skip
        self.root, self.shards = root, max(1, -(-total // len(SOURCES) // SHARD_ROWS))
        self.open: dict[str, object] = {}
        self.count = dict.fromkeys(SOURCES, 0)
        (root / REPOS["apps"]).mkdir(parents=True)
        self.apps = open(root / REPOS["apps"] / "train.jsonl", "w", encoding="utf-8")

    def _writer(self, source: str):
        shard = self.count[source] // SHARD_ROWS
        key = (source, shard)
        if key not in self.open:
            for old in [k for k in self.open if k[0] == source]:
                self.open.pop(old).close()
            if source == "taco":
                path = self.root / REPOS[source] / "train" / f"data-{shard:05d}-of-{self.shards:05d}.arrow"
                path.parent.mkdir(parents=True, exist_ok=True)
                self.open[key] = pa.ipc.new_stream(str(path), self.schemas[source])
            else:
                path = self.root / REPOS[source] / "data" / f"train-{shard:05d}-of-{self.shards:05d}.parquet"
                path.parent.mkdir(parents=True, exist_ok=True)
                self.open[key] = pq.ParquetWriter(path, self.schemas[source])
        return self.open[key]

    def write(self, source: str, rows: list[dict]) -> None:
        if source == "apps":
            self.apps.writelines(json.dumps(r) + "\n" for r in rows)
        else:
            self._writer(source).write_table(pa.Table.from_pylist(rows, schema=self.schemas[source]))
        self.count[source] += len(rows)

    def close(self) -> None:
        self.apps.close()
        for writer in self.open.values():
            writer.close()


def generate(root: Path, rows: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    gen = StatementGenerator(rng)
    makers = {"taco": taco_row, "apps": apps_row, "code_contests": code_contests_row, "open_r1": open_r1_row}
    writers, recent = Writers(root, rows), []
    for start in range(0, rows, CHUNK):
        count = min(CHUNK, rows - start)
        texts = [gen.statement(int(n)) for n in gen.word_counts(count)]
        for k in np.flatnonzero(rng.random(count) < DUPLICATE_RATE).tolist():
            if recent:
                texts[k] = recent[int(rng.integers(len(recent)))]
        recent = texts[:200]
        for offset, source in enumerate(SOURCES):
            ids = range(start + offset, start + count, len(SOURCES))
            writers.write(source, [makers[source](i, texts[i - start]) for i in ids])
    writers.close()


def run_stage(root: Path, out: Path) -> dict:
    recipe = {"problems": {"sources": [{"name": s, "path": str(root / REPOS[s]), "split": "train"} for s in SOURCES],
                           "decontamination": {"benchmarks": [{"name": "humaneval", "offline": True}]}}}  # fmt: skip
    recipe_path = out.parent / "recipe.yaml"
    recipe_path.parent.mkdir(parents=True, exist_ok=True)
    recipe_path.write_text(yaml.safe_dump(recipe))
    command = [sys.executable, "-m", "pipeline.cli", "problems", "--recipe", str(recipe_path), "--out", str(out)]
    env = {**os.environ, "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1"}
    started = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"trajforge problems failed:\n{output[-3000:]}")
    summary = json.loads((out / "reports" / "problems_summary.json").read_text())
    read = sum(c["read"] for c in summary["per_source"].values())
    return {"rows": read, "seconds": round(seconds, 1), "rows_per_s": round(read / seconds),
            "peak_rss_bytes": usage.ru_maxrss * 1024, "per_source": summary["per_source"]}  # fmt: skip


def measure(rows: int, seed: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="trajforge-problems-scale-") as tmp:
        started = time.perf_counter()
        generate(Path(tmp) / "hub", rows, seed)
        generated = time.perf_counter() - started
        result = run_stage(Path(tmp) / "hub", Path(tmp) / "out" / "data")
    result["generate_seconds"] = round(generated, 1)
    print(f"{rows:,} rows: {result['seconds']} s ({result['rows_per_s']:,} rows/s), peak RSS "
          f"{gib(result['peak_rss_bytes'])} (generation {generated:.0f} s, not counted)")  # fmt: skip
    return result


def main() -> None:
    print(machine_line(), file=sys.stderr)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--double", action="store_true", help="also run at 2 x --rows and compare the peaks")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    results = [measure(args.rows, args.seed)]
    if args.double:
        results.append(measure(2 * args.rows, args.seed))
        growth = results[1]["peak_rss_bytes"] / results[0]["peak_rss_bytes"] - 1
        print(f"peak RSS {gib(results[0]['peak_rss_bytes'])} -> {gib(results[1]['peak_rss_bytes'])} "
              f"when the rows double: {100 * growth:+.1f} % (target: within +25 %)")  # fmt: skip
    save_json(args.json, results)


if __name__ == "__main__":
    main()
