"""Dagster launchpad configs derived from the settings classes, so a setting is declared once.

`launchpad_config(DatasetSettings, ...)` makes a `dg.Config` whose fields, defaults and
descriptions are the settings class's own (with plain types the launchpad can show); the asset
then validates the values through the settings class (`validated`), so ranges and checks are the
recipe's and a bad value fails the run with the key named.
"""

from __future__ import annotations

import types
import typing
from typing import Annotated, Any, Literal

import dagster as dg
import pydantic

from pipeline.common.settings import RecipeError, parse

_PLAIN = (bool, int, float, str)


def _plain(annotation) -> Any:
    """A launchpad type for a settings annotation: constraints dropped, tuples as lists."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is Annotated:
        return _plain(args[0])
    if origin is Literal:
        return type(args[0])
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        plain = _plain(inner[0]) if len(inner) == 1 else str
        return plain | None if type(None) in args else plain
    if origin in (tuple, list):
        return list[_plain(args[0])]
    if annotation in _PLAIN:
        return annotation
    raise TypeError(f"no launchpad type for {annotation!r}")


def launchpad_config(settings_cls, name: str, doc: str, exclude: tuple[str, ...] = ()) -> type[dg.Config]:
    fields = {}
    for field_name, info in settings_cls.__pydantic_fields__.items():
        if field_name in exclude:
            continue
        default = info.get_default(call_default_factory=True)
        default = list(default) if isinstance(default, tuple) else default
        fields[field_name] = (_plain(info.annotation), pydantic.Field(default=default, description=info.description))
    return pydantic.create_model(name, __base__=dg.Config, __doc__=doc, __module__=__name__, **fields)


def validated(settings_cls, config: dg.Config, where: str):
    """The launchpad values as a settings object; a bad value fails the run naming the key."""
    try:
        return parse(settings_cls, config.model_dump(), where)
    except RecipeError as err:
        raise dg.Failure(str(err)) from None
