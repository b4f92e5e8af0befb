"""Rejection sampling and pairing (Z1): the rules, their settings and the text of a row.

Per problem, among the trajectories that passed every test: the shortest accepted one per
profile (short and long), or all accepted ones (`selection: all`). Failed trajectories become
rows of a separate `failed` split with their verdict (peers found execution filtering can hurt;
the recipe chooses whether to publish it), as do responses cut at max_tokens: their code is a
draft, so even a passing verdict (kept as the sandbox gave it) does not make them accepted.
Z1 filters (token budget, repetitive reasoning) run before selection and every removal is
counted by reason.

Difficulty comes from the problem's pass rate over all its verified samples:
simple >= 0.75 > medium >= 0.25 > complex (thresholds in `AssemblySettings`).

The rules run as polars queries in `plan.py`, at any size, inside `build.build_dataset`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pipeline.dataset.filters import FilterSettings
from schemas import Problem, TestStyle


@dataclass(frozen=True)
class AssemblySettings:
    selection: str = "shortest"  # "shortest": one accepted trajectory per (problem, profile); "all"
    filters: FilterSettings = field(default_factory=FilterSettings)
    simple_pass_rate: float = 0.75
    medium_pass_rate: float = 0.25


def question_text(problem: Problem) -> str:
    """The problem as the dataset's `question`: statement, plus the code to complete if any."""
    if TestStyle(problem.test_style) is TestStyle.STDIN or not problem.starter_code.strip():
        return problem.statement.strip()
    if problem.starter_code.strip() in problem.statement:
        return problem.statement.strip()  # HumanEval: the prompt is the starter code
    return f"{problem.statement.strip()}\n\n```python\n{problem.starter_code.strip()}\n```"


def public_model_name(model: str) -> str:
    """A model name fit to publish, never a local path (it names nothing others can find and leaks
    the builder's file system): the embedded teacher's folder becomes its Hub id, any other local
    folder its own name."""
    from pipeline.teacher.embedded import EMBEDDED_MODEL_NAME, EMBEDDED_PUBLIC_ID

    path = Path(model).expanduser()
    if not (path.is_absolute() or model.startswith((".", "~")) or path.is_dir()):
        return model  # a Hub id such as Qwen/QwQ-32B
    return EMBEDDED_PUBLIC_ID if path.name == EMBEDDED_MODEL_NAME else path.name
