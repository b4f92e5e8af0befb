"""Dagster resources: where the pipeline keeps its files."""

import os
from pathlib import Path

import dagster as dg
from pydantic import Field

REPO_ROOT = Path(__file__).resolve().parent.parent


def default_data_root() -> str:
    return os.environ.get("TRAJFORGE_DATA", str(REPO_ROOT / "data"))


class TrajforgeStorage(dg.ConfigurableResource):
    """The folder every stage writes under: `problems/`, `reports/`, and later stages' folders."""

    root: str = Field(default_factory=default_data_root,
                      description="Data folder; defaults to $TRAJFORGE_DATA or <repo>/data.")

    def path(self, *parts: str) -> Path:
        return Path(self.root).joinpath(*parts)
