"""Fixtures for the embedded teacher: the converted SmolLM2 folder, shared by the whole session.

The folder lives in the default cache (`$TRAJFORGE_CACHE`, else `~/.cache/trajforge`), not in a
pytest tmp dir: conversion takes ~35-60 s on CPU, and re-runs (and the pipeline itself) reuse it.
"""

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def embedded_folder() -> Path:
    from pipeline.teacher.embedded import ensure_hf_folder

    return ensure_hf_folder(log=lambda _: None)
