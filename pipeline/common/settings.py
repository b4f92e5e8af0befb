"""Recipes: YAML files that say which sources, settings and variants a run uses.

Parsing is strict: an unknown key or a wrong type is an error that names the key, because a
typo in a recipe should not silently fall back to a default.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

import yaml

from pipeline.problems.dedup import DedupSettings

RECIPES_DIR = Path(__file__).resolve().parents[2] / "recipes"
DEFAULT_RECIPE = RECIPES_DIR / "default.yaml"


class RecipeError(ValueError):
    pass


@dataclass(frozen=True)
class SourceEntry:
    name: str
    split: str | None = None  # None: the source's default split
    limit: int | None = None  # first N rows only
    data_files: str | None = None  # a local file instead of the Hub (JSONL, JSON or parquet)
    offline: bool = False  # use the copy a package ships (HumanEval, the embedded stdin set)


@dataclass(frozen=True)
class HeldOutSettings:
    fraction: float = 0.1  # share of each source's verifiable problems held out for evaluation
    seed: int = 20250401


@dataclass(frozen=True)
class DecontamSettings:
    ngram: int = 8
    # an n-gram in more than this many benchmark or training statements is boilerplate, not a leak
    # (null: any shared n-gram removes the problem, open-r1's rule); see pipeline/decontam.py
    common_limit: int | None = 20
    min_hits: int = 2  # shared non-boilerplate n-grams that make a leak (1 + common_limit null: open-r1's rule)
    benchmarks: tuple[SourceEntry, ...] = ()  # external benchmark sets
    held_out: HeldOutSettings | None = None  # or a held-out split of the sources themselves


@dataclass(frozen=True)
class ProblemsRecipe:
    sources: tuple[SourceEntry, ...]
    dedup: DedupSettings = DedupSettings()
    decontamination: DecontamSettings = DecontamSettings()


def build_section(cls, data, where: str):
    if not isinstance(data, dict):
        raise RecipeError(f"{where}: expected a mapping, got {type(data).__name__}")
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise RecipeError(f"{where}: unknown key(s) {unknown}; allowed: {sorted(known)}")
    try:
        return cls(**data)
    except TypeError as err:
        raise RecipeError(f"{where}: {err}") from None


def checked_scalar(value, kind: str, where: str):
    """One scalar checked against its kind (bool, int, float, str); bools are never ints (YAML
    `yes` is a bool), and float accepts PyYAML's string `1e-5`."""
    if kind == "bool":
        if isinstance(value, bool):
            return value
    elif kind == "int":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif kind == "float":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):  # PyYAML: `1e-5` is a string
            try:
                return float(value)
            except ValueError:
                pass
    elif kind == "str":
        if isinstance(value, str) and value:
            return value
    raise RecipeError(f"{where}: expected {kind}, got {value!r}")


def string_list(value, where: str, what: str = "strings") -> tuple[str, ...]:
    """A non-empty list of non-empty strings."""
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise RecipeError(f"{where}: expected a non-empty list of {what}, got {value!r}")
    return tuple(value)


def _count(value, where: str) -> int:
    if checked_scalar(value, "int", where) < 1:
        raise RecipeError(f"{where}: must be >= 1, got {value}")
    return value


def _entries(items, where: str) -> tuple[SourceEntry, ...]:
    if not isinstance(items, list):
        raise RecipeError(f"{where}: expected a list of sources")
    return tuple(build_section(SourceEntry, item, f"{where}[{i}]") for i, item in enumerate(items))


def parse_problems_recipe(data: dict, where: str = "problems") -> ProblemsRecipe:
    data = dict(data or {})
    sources = _entries(data.pop("sources", None), f"{where}.sources")
    if not sources:
        raise RecipeError(f"{where}.sources: at least one source is needed")
    dedup = build_section(DedupSettings, data.pop("dedup", {}) or {}, f"{where}.dedup")
    if not 0 < dedup.near_threshold <= 1:
        raise RecipeError(f"{where}.dedup.near_threshold: must be in (0, 1], got {dedup.near_threshold}")
    decontam = dict(data.pop("decontamination", {}) or {})
    benchmarks = _entries(decontam.pop("benchmarks", []) or [], f"{where}.decontamination.benchmarks")
    held_out = decontam.pop("held_out", None)
    held_out = (
        None if held_out is None else build_section(HeldOutSettings, held_out, f"{where}.decontamination.held_out")
    )
    settings = build_section(
        DecontamSettings, {**decontam, "benchmarks": benchmarks, "held_out": held_out}, f"{where}.decontamination"
    )
    if settings.common_limit is not None:  # null: open-r1's plain rule
        _count(settings.common_limit, f"{where}.decontamination.common_limit")
    _count(settings.min_hits, f"{where}.decontamination.min_hits")
    recipe = build_section(
        ProblemsRecipe, {**data, "sources": sources, "dedup": dedup, "decontamination": settings}, where
    )
    _check_not_self_contaminating(recipe, where)
    return recipe


def _check_not_self_contaminating(recipe: ProblemsRecipe, where: str) -> None:
    training = {s.name for s in recipe.sources}
    for bench in recipe.decontamination.benchmarks:
        if bench.name in training:
            raise RecipeError(
                f"{where}.decontamination.benchmarks: {bench.name!r} is also a training source; a set is "
                "never decontaminated against itself — use decontamination.held_out instead"
            )
    held_out = recipe.decontamination.held_out
    if held_out is not None and not 0 < held_out.fraction < 1:
        raise RecipeError(f"{where}.decontamination.held_out.fraction: must be in (0, 1), got {held_out.fraction}")


def load_recipe(path: str | Path = DEFAULT_RECIPE) -> dict:
    path = Path(path)
    if not path.is_file():
        raise RecipeError(f"recipe {path} does not exist")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise RecipeError(f"recipe {path} is not valid YAML: {err}") from None
    if not isinstance(data, dict):
        raise RecipeError(f"recipe {path}: top level must be a mapping")
    return data


def problems_recipe(path: str | Path = DEFAULT_RECIPE) -> ProblemsRecipe:
    return parse_problems_recipe(load_recipe(path).get("problems"), f"{Path(path).name}: problems")
