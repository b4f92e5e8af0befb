"""Source tests load their JSONL fixtures through the real `datasets.load_dataset` call, offline."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.problems.sources.base import SourceSpec, load_hub_rows, normalize_rows

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def hub_offline(monkeypatch):
    """No test may reach the Hub: the env vars for subprocesses, the parsed flags for this one."""
    import datasets.config
    import huggingface_hub.constants

    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)


@pytest.fixture
def load_fixture(tmp_path):
    """`load_fixture(SPEC, "taco.jsonl", **overrides)` -> raw rows, as production would see them."""

    def load(spec: SourceSpec, fixture: str, /, **overrides) -> list[dict]:
        path = FIXTURES / fixture
        return list(
            load_hub_rows(
                spec,
                split="train",
                hub_path="json",
                data_files=str(path),
                cache_dir=str(tmp_path / "hf-cache"),
                **overrides,
            )
        )

    return load


@pytest.fixture
def normalize_fixture(load_fixture):
    """`normalize_fixture(SPEC, "taco.jsonl")` -> NormalizedSource of the fixture's rows."""

    def run(spec: SourceSpec, fixture: str, /, **overrides):
        return normalize_rows(spec, load_fixture(spec, fixture, **overrides))

    return run
