"""The `sandbox:` section of a recipe: how untrusted code is run.

sandbox:
  runtime: runsc   # runc (default) or runsc (gVisor; register it with TRAJFORGE_RUNSC=1 scripts/docker.sh)
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from pipeline.common.settings import DEFAULT_RECIPE, load_recipe, parse, settings


@settings
class SandboxRecipe:
    runtime: Literal["runc", "runsc"] = Field(
        default="runc",
        description="Container runtime: runc, or runsc (gVisor: a user-space kernel between the code and the host's).",
    )


def sandbox_recipe(path: str | Path = DEFAULT_RECIPE) -> SandboxRecipe:
    return parse(SandboxRecipe, load_recipe(path).get("sandbox"), f"{Path(path).name}: sandbox")
