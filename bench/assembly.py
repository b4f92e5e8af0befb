"""Dataset assembly at Z1 scale and beyond: N synthetic verified trajectories -> Hub folder.

    .venv/bin/python bench/assembly.py [--rows 107000] [--seed 0] [--json PATH]
    /usr/bin/time -v .venv/bin/python bench/assembly.py --rows 2000000   # the whole process's peak

Synthetic trajectories follow Z1-Code-Reasoning-107K's length profile (lognormal, mean ~1,160
tokens, capped near 8,200; ~1 % over the 8,192 budget, ~3 % looping reasoning), over N / 2
problems with a short and a long sample each, ~80 % accepted. The inputs are written to parquet in
chunks of 20,000 rows (paragraphs drawn from a fixed pool), by a child process, so generating 2M
rows holds one chunk and this process's peak is the build's.

Timed: `build_dataset` (filters, Z1 pairing, STW format, O1-Pruner weights, the wrong-answer
control, two Sky-T1 variants, sharding) and the card. Peak memory: this process's max RSS
(`ru_maxrss`, what `/usr/bin/time -v` reports for it) and the largest child's (each variant runs in
its own process). Baseline for a ratio: the `default` rows read back and written as ONE parquet
file with pyarrow, row group by row group (the least any assembly must do), in the same process.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import machine_line, max_rss, save_json  # noqa: E402
from pipeline.common.layout import DataLayout  # noqa: E402
from pipeline.dataset.build import build_dataset  # noqa: E402
from pipeline.dataset.card import config_summaries, write_card  # noqa: E402
from pipeline.dataset.variants import parse_variant  # noqa: E402
from schemas import SCHEMAS, Problem, Trajectory, Verification  # noqa: E402

VARIANTS = ["digits:0.2", "shuffle:0.33"]
WORDS = (
    "we need the sum of values so first read n then loop over the array and keep a running total "
    "wait let me check the edge case where n is 1 and the answer is 42 or 17"
).split()
SHARD = "shard-000"
CHUNK = 20_000
ANSWER = "```python\nprint(sum(map(int, open(0).read().split()[1:])))\n```"
LOOP = "Wait, let me check the sum again. "


def paragraph_pool(rng: np.random.Generator, size: int = 4096) -> list[str]:
    """Paragraphs of 60 random words: a row is a draw of paragraphs, so rows rarely repeat 4-grams."""
    return [" ".join(rng.choice(WORDS, size=60)) + "." for _ in range(size)]


def reasoning_texts(rng: np.random.Generator, pool: list[str], tokens: np.ndarray, loops: np.ndarray) -> list[str]:
    paragraphs = np.maximum(1, (tokens * 0.75 / 60).astype(int))
    picks = rng.integers(0, len(pool), size=int(paragraphs.sum()))
    texts, start = [], 0
    for count, loop in zip(paragraphs, loops):
        if loop:
            texts.append((LOOP * (count * 9)).strip())
        else:
            texts.append("\n\n".join(pool[i] for i in picks[start : start + count]))
        start += count
    return texts


def generate(rows: int, seed: int, data: Path) -> None:
    """The stage files `build_dataset` reads, written chunk by chunk with their manifests."""
    rng, layout = np.random.default_rng(seed), DataLayout(data)
    pool = paragraph_pool(rng)
    paths = {
        "problems": layout.problems_file("train"),
        "trajectories": layout.trajectories_file(SHARD),
        "verification": layout.verification_file(SHARD),
    }
    schemas = {"problems": SCHEMAS[Problem], "trajectories": SCHEMAS[Trajectory], "verification": SCHEMAS[Verification]}
    for path in paths.values():
        path.parent.mkdir(parents=True, exist_ok=True)
    writers = {k: pq.ParquetWriter(paths[k], schemas[k], compression="zstd") for k in paths}
    for start in range(0, rows, CHUNK):
        n = min(CHUNK, rows - start)
        index = np.arange(start, start + n)
        lengths = np.minimum(rng.lognormal(mean=6.7, sigma=0.75, size=n).astype(int) + 25, 8_300)
        loops, accepted = rng.random(n) < 0.03, rng.random(n) < 0.8
        ids, problem_ids = [f"t{i}" for i in index], [f"bench/{i // 2}" for i in index]
        constant = {"teacher_model": "QwQ-32B", "params_hash": "h", "sample_index": 0, "answer": ANSWER,
                    "code": "print(1)", "prompt_tokens": 50, "finish_reason": "stop", "truncated": False,
                    "latency_s": 1.0, "server_url": "bench"}  # fmt: skip
        trajectories = {
            **{name: [value] * n for name, value in constant.items()},
            "id": ids, "problem_id": problem_ids, "profile": ["short" if i % 2 == 0 else "long" for i in index],
            "reasoning": reasoning_texts(rng, pool, lengths, loops), "completion_tokens": lengths.tolist(),
            "reasoning_tokens": (lengths - 20).tolist(),
        }  # fmt: skip
        writers["trajectories"].write_table(pa.Table.from_pydict(trajectories, schemas["trajectories"]))
        verdicts = {
            "problem_id": problem_ids, "solution_id": ids,
            "verdict": np.where(accepted, "accepted", "wrong_answer").tolist(), "passed": accepted.astype(int).tolist(),
            "total": [1] * n, "time_s": [0.01] * n, "tests": [[]] * n, "attempts": [1] * n,
        }  # fmt: skip
        writers["verification"].write_table(pa.Table.from_pydict(verdicts, schemas["verification"]))
        problem_index = index[index % 2 == 0] // 2
        problems = [Problem(id=f"bench/{i}", source="bench", source_id=str(i), statement=f"Problem {i}: sum n numbers.",
                            test_style="stdin", tests=()) for i in problem_index]  # fmt: skip
        from schemas import to_table

        writers["problems"].write_table(to_table(problems, Problem))
    for writer in writers.values():
        writer.close()
    from schemas import write_parquet

    write_parquet([], Problem, layout.problems_file("eval"))
    layout.write_manifest("problems", [(paths["problems"], (rows + 1) // 2), (layout.problems_file("eval"), 0)])
    for stage in ("trajectories", "verification"):
        layout.write_manifest(stage, [(paths[stage], rows)], SHARD)


def main() -> None:
    print(machine_line(), file=sys.stderr)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=107_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--generate-into", type=Path, help=argparse.SUPPRESS)  # the child's job
    args = parser.parse_args()
    if args.generate_into:
        generate(args.rows, args.seed, args.generate_into)
        return
    with tempfile.TemporaryDirectory(prefix="trajforge-assembly-", dir="/var/tmp") as tmp:
        data = Path(tmp) / "data"
        out = DataLayout(data).hub_dir()
        started = time.perf_counter()
        command = [sys.executable, __file__, "--rows", str(args.rows), "--seed", str(args.seed), "--generate-into"]
        subprocess.run([*command, str(data)], check=True)
        generated = time.perf_counter() - started
        generator_peak = max_rss(children=True) // 1024
        rss_before = max_rss() // 1024

        started = time.perf_counter()
        built = build_dataset(
            DataLayout(data),
            [SHARD],
            variants=[parse_variant(v, args.seed) for v in VARIANTS],
            harmonize_from="teachers",  # synthetic data: no reference model sampled
            wrong_answers=True,
        )
        write_card(out, "bench", config_summaries(built.files), built.removed, variants=[
            {"config": o.name, "rows": o.rows, "changed": o.changed, "excluded": o.excluded,
             "published": o.published, "note": o.note} for o in built.variants])  # fmt: skip
        assembly = time.perf_counter() - started
        peak = max_rss() // 1024
        child_peak = max_rss(children=True) // 1024  # the largest child: the generator or a variant

        started = time.perf_counter()  # baseline: `default` rewritten as one file, row group by row group
        with pq.ParquetWriter(
            Path(tmp) / "one.parquet", pq.read_schema(built.files["default"][0]), compression="zstd"
        ) as one:
            for path in built.files["default"]:
                source = pq.ParquetFile(path)
                for group in range(source.num_row_groups):
                    one.write_table(source.read_row_group(group))
        baseline = time.perf_counter() - started
        sizes = {name: sum(p.stat().st_size for p in paths) for name, paths in built.files.items()}
    result = {
        "rows": args.rows,
        "generation_s": round(generated, 1),
        "assembly_s": round(assembly, 1),
        "baseline_single_write_s": round(baseline, 1),
        "ratio_to_baseline": round(assembly / baseline, 1),
        "peak_rss_gib": round(peak / 2**20, 2),
        "rss_before_build_gib": round(rss_before / 2**20, 2),
        "generator_peak_rss_gib": round(generator_peak / 2**20, 2),
        "largest_child_peak_rss_gib": round(child_peak / 2**20, 2),  # the generator or a variant
        "configs": built.rows,
        "variants": {o.name: {"rows": o.rows, "changed": o.changed, "published": o.published} for o in built.variants},
        "removed": dict(built.removed),
        "bytes": sizes,
    }
    print(json.dumps(result, indent=2))
    targets = (20, 1.5) if args.rows <= 107_000 else (None, 4.0)
    ok = (targets[0] is None or assembly < targets[0]) and peak / 2**20 < targets[1] and child_peak / 2**20 < targets[1]
    print(
        f"assembly (all configs, wrong-answer control, {len(VARIANTS)} variants, sharding, card) of {args.rows:,} "
        f"trajectories: {assembly:.1f} s, peak RSS {peak / 2**20:.2f} GiB (this process), "
        f"{child_peak / 2**20:.2f} GiB (largest child: generator {generator_peak / 2**20:.2f}); targets "
        f"{'' if targets[0] is None else f'{targets[0]} s, '}{targets[1]} GiB: {'PASS' if ok else 'FAIL'}"
    )
    save_json(args.json, result)


if __name__ == "__main__":
    main()
