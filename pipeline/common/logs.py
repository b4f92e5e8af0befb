"""One logger for the whole project (stdlib `logging`, configured once).

Pure functions take a `log: Log` callable so that Dagster assets can pass `context.log.info`;
outside Dagster the default is `info`, which writes `[trajforge] message` to stderr.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

Log = Callable[[str], None]

_LOGGER = logging.getLogger("trajforge")


def _configure() -> None:
    if not _LOGGER.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("[trajforge] %(message)s"))
        _LOGGER.addHandler(handler)
        _LOGGER.setLevel(logging.INFO)
        _LOGGER.propagate = False


def info(message: str) -> None:
    _configure()
    _LOGGER.info(message)


def warning(message: str) -> None:
    _configure()
    _LOGGER.warning(message)
