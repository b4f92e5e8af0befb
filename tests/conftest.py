"""Shared test set-up: nothing may reach the Hugging Face Hub from a test."""

import os
from contextlib import contextmanager

import pytest

os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def docker_pool():
    """Two warm containers on the real Docker engine (scripts/docker.sh installs and starts it)."""
    from sandbox.docker_pool import DockerPool
    from sandbox.image import ensure_image

    with DockerPool(ensure_image(log=lambda _: None), size=2) as pool:
        yield pool


def pytest_terminal_summary(terminalreporter):
    """The fuzz suite's size: how many properties ran and how many examples Hypothesis generated."""
    import sys

    fuzz = sys.modules.get("tests.pipeline.test_fuzz")
    if fuzz is not None and fuzz.EXAMPLES[0]:
        properties = len([name for name in vars(fuzz) if name.startswith("test_")])
        terminalreporter.write_line(f"fuzz suite: {properties} properties, {fuzz.EXAMPLES[0]} generated examples")


@contextmanager
def runsc_pool(size: int = 2):
    """Two warm containers under gVisor (runsc). Skipped where runsc is not registered with the engine,
    except when TRAJFORGE_RUNSC=1 (CI): there its absence is a failure, never a silent skip."""
    from sandbox.docker_pool import DockerPool
    from sandbox.errors import SandboxUnavailable
    from sandbox.image import ensure_image

    try:
        pool = DockerPool(ensure_image(log=lambda _: None), size=size, runtime="runsc")
    except SandboxUnavailable as err:
        if os.environ.get("TRAJFORGE_RUNSC") == "1":
            raise
        pytest.skip(f"gVisor not available: {err}")
    with pool:
        yield pool
