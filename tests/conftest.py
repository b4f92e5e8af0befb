"""Shared test set-up: nothing may reach the Hugging Face Hub from a test."""

import os

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
