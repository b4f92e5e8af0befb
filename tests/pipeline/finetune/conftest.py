"""A tiny Hub-layout dataset folder (`default` and `length_harmonized` configs), as the pipeline
publishes it: `{config}/train-00000-of-00001.parquet` plus README.md with the YAML `configs`."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from schemas import DatasetRow, Profile, Verdict, to_table

QUESTIONS = [
    (
        "Write a function add(a, b) that returns the sum of a and b.",
        "We add the two numbers.\n\n```python\ndef add(a, b):\n    return a + b\n```",
    ),
    (
        "Write a function square(x) that returns x squared.",
        "Multiply x by itself.\n\n```python\ndef square(x):\n    return x * x\n```",
    ),
    (
        "Write a function is_even(n) that tells whether n is even.",
        "An even number leaves no remainder when divided by two.\n\n"
        "```python\ndef is_even(n):\n    return n % 2 == 0\n```",
    ),
    (
        "Write a function first(xs) that returns the first item of a list.",
        "Index zero is the first item.\n\n```python\ndef first(xs):\n    return xs[0]\n```",
    ),
]


def dataset_rows(repeat: int = 1) -> list[DatasetRow]:
    rows = []
    for copy in range(repeat):
        for i, (question, response) in enumerate(QUESTIONS):
            profile = Profile.SHORT if i % 2 == 0 else Profile.LONG
            rows.append(
                DatasetRow(
                    id=f"row-{copy}-{i}",
                    question=question,
                    response=response,
                    token_num=len(response.split()) * 2,
                    problem_id=f"tiny/{i}",
                    source="tiny",
                    teacher_model="embedded",
                    profile=profile,
                    verdict=Verdict.ACCEPTED if i != 3 else Verdict.WRONG_ANSWER,
                    passed=1 if i != 3 else 0,
                    total=1,
                    difficulty="easy",
                    params_hash="p",
                    trajectory_id=f"t-{copy}-{i}",
                )
            )
    return rows


README = """---
configs:
- config_name: default
  data_files:
  - split: train
    path: default/train-*.parquet
  default: true
- config_name: length_harmonized
  data_files:
  - split: train
    path: length_harmonized/train-*.parquet
---
# tiny
"""


def write_hub_folder(root: Path, rows: list[DatasetRow], weights: list[float] | None = None) -> Path:
    """`root` as a Hub-layout folder; `length_harmonized` gets reward/clipped/weight columns."""
    weights = weights if weights is not None else [1.0 if r.verdict is Verdict.ACCEPTED else -1.0 for r in rows]
    table = to_table(rows, DatasetRow)
    for config in ("default", "length_harmonized"):
        (root / config).mkdir(parents=True, exist_ok=True)
    pq.write_table(table, root / "default" / "train-00000-of-00001.parquet")
    harmonized = table
    for name in ("reward", "clipped", "weight"):
        harmonized = harmonized.append_column(name, pa.array(weights, pa.float64()))
    pq.write_table(harmonized, root / "length_harmonized" / "train-00000-of-00001.parquet")
    (root / "README.md").write_text(README)
    return root


@pytest.fixture
def hub_folder(tmp_path) -> Path:
    return write_hub_folder(tmp_path / "hub", dataset_rows(repeat=2))
