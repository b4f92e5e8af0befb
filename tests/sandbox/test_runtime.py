"""The sandbox runtime setting: runc or gVisor's runsc, refused with a clear message when the engine
does not have it registered."""

import pytest

from pipeline.common.settings import RecipeError
from pipeline.verification.settings import sandbox_recipe
from sandbox.docker_pool import require_runtime
from sandbox.errors import SandboxUnavailable


class EngineInfo:  # the engine's `docker info` answer, the only call require_runtime makes
    def __init__(self, runtimes):
        self.runtimes = runtimes

    def info(self):
        return {"Runtimes": {name: {"path": name} for name in self.runtimes}}


def test_a_registered_runtime_is_used_and_runc_needs_no_check():
    assert require_runtime(EngineInfo(["runc", "runsc"]), "runsc") == "runsc"
    assert require_runtime(object(), "runc") == "runc"  # Docker's default: not even asked


def test_an_unregistered_runtime_is_a_clear_error():
    with pytest.raises(SandboxUnavailable, match=r"no 'runsc' runtime \(registered: runc\).*TRAJFORGE_RUNSC=1"):
        require_runtime(EngineInfo(["runc"]), "runsc")
    with pytest.raises(ValueError, match="runtime must be one of"):
        require_runtime(EngineInfo(["runc"]), "kata")


def test_the_recipe_names_the_runtime(tmp_path):
    recipe = tmp_path / "r.yaml"
    recipe.write_text("sandbox: {runtime: runsc}\n")
    assert sandbox_recipe(recipe).runtime == "runsc"
    recipe.write_text("sandbox: {runtime: docker}\n")
    with pytest.raises(RecipeError, match="sandbox.runtime: must be one of"):
        sandbox_recipe(recipe)
    recipe.write_text("problems: {}\n")
    assert sandbox_recipe(recipe).runtime == "runc"
