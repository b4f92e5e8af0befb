"""Source tests read fixtures laid out like the published Hub repos (`hub_layout.py`) through the
real `datasets.load_dataset` streaming path production uses, offline."""

from __future__ import annotations

import pytest

from pipeline.problems.sources.base import SourceSpec, load_hub_rows, normalize_rows
from tests.pipeline.problems.sources.hub_layout import build


@pytest.fixture(autouse=True)
def hub_offline(monkeypatch):
    """No test may reach the Hub: the env vars for subprocesses, the parsed flags for this one."""
    import datasets.config
    import huggingface_hub.constants

    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)


@pytest.fixture(scope="session")
def hub(tmp_path_factory):
    """A local folder per published repo (`hub / "deepmind/code_contests"`, ...)."""
    return build(tmp_path_factory.mktemp("hub"))


def repo_of(spec: SourceSpec) -> str:
    return spec.dataset or spec.hub_path


@pytest.fixture
def load_fixture(hub):
    """`load_fixture(SPEC, split="train", repo=None, **overrides)` -> the raw rows production would see."""

    def load(spec: SourceSpec, split: str | None = None, repo: str | None = None, **overrides) -> list[dict]:
        return list(load_hub_rows(spec, split=split, root=str(hub / (repo or repo_of(spec))), **overrides))

    return load


@pytest.fixture
def normalize_fixture(load_fixture):
    """`normalize_fixture(SPEC, ...)` -> NormalizedSource of the fixture rows (same arguments)."""

    def run(spec: SourceSpec, *args, **kwargs):
        return normalize_rows(spec, load_fixture(spec, *args, **kwargs))

    return run
