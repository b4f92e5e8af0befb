"""Settings declared once: every recipe section is a pydantic dataclass with types, ranges and a
description per field. The YAML recipe, the Dagster launchpad (`pipeline.orchestration.config`)
and the CLI flags all validate through these classes, and a bad value is a `RecipeError` that
names its key path (`teacher.profiles.short.max_tokens: ...`).

Numbers are strict: a YAML `yes` is not a count, `"5"` is not an int, a string is never split into
a list. Floats accept ints and PyYAML's string form of `1e-5` (YAML 1.1 reads it as text).
"""

from __future__ import annotations

import math
import typing
from pathlib import Path
from typing import Annotated, Any

import pydantic
import yaml
from pydantic import BeforeValidator, ConfigDict, Field, StrictBool, StrictInt, StrictStr

RECIPES_DIR = Path(__file__).resolve().parents[2] / "recipes"
DEFAULT_RECIPE = RECIPES_DIR / "default.yaml"
RECIPE_SECTIONS = ("problems", "tests", "teacher", "reference", "dataset", "evaluation", "finetune", "sandbox")


class RecipeError(ValueError):
    pass


def _real(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError("expected a number")
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise ValueError("expected a number") from None
    if not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError("expected a finite number")
    return float(value)


Real = Annotated[float, BeforeValidator(_real)]
Count = Annotated[StrictInt, Field(ge=1)]
Natural = Annotated[StrictInt, Field(ge=0)]
PositiveReal = Annotated[Real, Field(gt=0)]
Probability = Annotated[Real, Field(ge=0, le=1)]
Text = Annotated[StrictStr, Field(min_length=1)]
Flag = StrictBool

SETTINGS_CONFIG = ConfigDict(extra="forbid")


def settings(cls):
    """Make `cls` a frozen, validating settings dataclass (unknown keys are errors)."""
    return pydantic.dataclasses.dataclass(frozen=True, config=SETTINGS_CONFIG)(cls)


def _where(prefix: str, loc: tuple) -> str:
    path = prefix
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _section_class(annotation):
    """The settings class inside an annotation such as `tuple[SourceEntry, ...]` or `X | None`."""
    if hasattr(annotation, "__pydantic_fields__"):
        return annotation
    for arg in typing.get_args(annotation):
        found = _section_class(arg)
        if found is not None:
            return found
    return None


def _allowed(cls, loc: tuple) -> list[str]:
    """The keys the section at `loc` (a key path into `cls`) accepts, for an 'unknown key' error."""
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        fields = getattr(cls, "__pydantic_fields__", {})
        if part not in fields:
            return []
        cls = _section_class(fields[part].annotation)
    return sorted(getattr(cls, "__pydantic_fields__", {}))


_MESSAGES = {
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "int_type": "expected an integer",
    "int_parsing": "expected an integer",
    "string_type": "expected text",
    "tuple_type": "expected a list",
    "list_type": "expected a list",
    "dict_type": "expected a mapping",
    "dataclass_type": "expected a mapping",
    "dataclass_args_type": "expected a mapping",
    "string_too_short": "must not be empty",
    "missing": "is required",
    "string_pattern_mismatch": "expected an http(s) URL",
}
_BOUNDS = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<", "less_than_equal": "<="}


def _message(e: dict) -> str:
    kind, ctx = e["type"], e.get("ctx", {})
    if kind in _MESSAGES:
        return _MESSAGES[kind]
    if kind in _BOUNDS:
        return f"must be {_BOUNDS[kind]} {next(iter(ctx.values()))}"
    if kind == "too_short":
        return f"needs at least {ctx.get('min_length')} item(s)"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')}"
    return e["msg"].removeprefix("Value error, ")


def recipe_error(err: pydantic.ValidationError, where: str, cls=None) -> RecipeError:
    """One line per problem, each naming its key path and the value given."""
    lines = []
    errors = err.errors()
    for e in errors:
        loc = tuple(p for p in e["loc"] if p not in ("function-after", "function-before"))
        if e["type"] == "too_short" and any(
            len(o["loc"]) > len(e["loc"]) and o["loc"][: len(loc)] == loc for o in errors
        ):
            continue  # a list whose items failed is "too short" only as a consequence
        message = _message(e)
        if e["type"] == "unexpected_keyword_argument":
            lines.append(f"{_where(where, loc)}: unknown key; allowed: {_allowed(cls, loc)}")
        elif not loc:  # a check across keys: its message starts with the key it blames
            key, _, rest = message.partition(": ")
            lines.append(
                f"{where}.{key}: {rest}" if rest and key.replace(".", "").isidentifier() else f"{where}: {message}"
            )
        else:
            given = "" if e["type"] == "missing" else f", got {e.get('input')!r}"
            lines.append(f"{_where(where, loc)}: {message}{given}")
    return RecipeError("; ".join(lines))


def parse(cls, data, where: str):
    """`cls(**data)`, with every validation problem turned into a RecipeError naming its key."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise RecipeError(f"{where}: expected a mapping, got {type(data).__name__}")
    try:
        return cls(**data)
    except pydantic.ValidationError as err:
        raise recipe_error(err, where, cls) from None


def load_recipe(path: str | Path = DEFAULT_RECIPE) -> dict:
    """The recipe file as a mapping, its top-level sections checked by name."""
    path = Path(path)
    if not path.is_file():
        raise RecipeError(f"recipe {path} does not exist")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise RecipeError(f"recipe {path} is not valid YAML: {err}") from None
    except UnicodeDecodeError as err:
        raise RecipeError(f"recipe {path} is not UTF-8 text ({err.reason} at byte {err.start})") from None
    if not isinstance(data, dict):
        raise RecipeError(f"recipe {path}: top level must be a mapping")
    unknown = sorted(str(k) for k in data if k not in RECIPE_SECTIONS)
    if unknown:
        raise RecipeError(f"recipe {path}: unknown section(s) {unknown}; allowed: {list(RECIPE_SECTIONS)}")
    return data
