"""Fixtures for the evaluation tests: the embedded SmolLM2 folder and one LocalGenerator on it,
loaded once per session (float32 on CPU, ~3 s)."""

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def embedded_folder() -> Path:
    from pipeline.teacher.embedded import ensure_hf_folder

    return ensure_hf_folder(log=lambda _: None)


@pytest.fixture(scope="session")
def local_generator(embedded_folder):
    from pipeline.evaluation.stw import load_generator

    return load_generator(embedded_folder, batch_size=4)
