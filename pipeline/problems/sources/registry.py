"""Every known source by name. Recipes refer to sources by these names."""

from __future__ import annotations

import importlib

from pipeline.problems.sources.base import SourceSpec

_MODULES = (
    "humaneval",
    "mbpp",
    "apps",
    "taco",
    "code_contests",
    "codeforces",
    "livecodebench",
    "evol_instruct",
    "open_r1",
    "stdio_builtin",
)


def source_spec(name: str) -> SourceSpec:
    if name not in _MODULES:
        raise KeyError(f"unknown problem source {name!r}; known: {', '.join(_MODULES)}")
    return importlib.import_module(f"pipeline.problems.sources.{name}").SPEC


def all_source_names() -> tuple[str, ...]:
    return _MODULES
