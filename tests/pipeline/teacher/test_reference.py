"""The `reference:` section: O1-Pruner's pre-sampling settings and the recipe they make."""

import pytest

from pipeline.common.settings import RecipeError, parse
from pipeline.teacher.config import parse_teacher_recipe
from pipeline.teacher.reference import ReferenceSettings, reference_recipe, sampled_with

TEACHER = {
    "backend": "managed_vllm",
    "server_args": ["--dtype", "bfloat16"],
    "concurrency": 16,
    "profiles": {"short": {"system_prompt": "s", "instructions": "i", "n": 4}},
}


def test_defaults_are_the_papers_and_the_recipe_samples_the_tuned_model():
    settings = parse(ReferenceSettings, {"model": "Qwen/Qwen2.5-Coder-7B-Instruct"}, "reference")
    assert (settings.k, settings.temperature, settings.top_p, settings.max_tokens) == (16, 0.5, 0.8, 8192)
    recipe = reference_recipe(parse_teacher_recipe(TEACHER), settings)
    (profile,) = recipe.profiles
    assert profile.name == "reference" and profile.model == recipe.model == "Qwen/Qwen2.5-Coder-7B-Instruct"
    assert (profile.n, profile.temperature, profile.top_p, profile.max_tokens) == (16, 0.5, 0.8, 8192)
    # the teacher's way of serving: same managed backend, server arguments and concurrency
    assert recipe.backend == "managed_vllm" and recipe.server_args == ("--dtype", "bfloat16")
    assert recipe.concurrency == 16
    assert sampled_with(settings, recipe.model)["reference_k"] == 16


def test_servers_you_started_need_the_reference_models_own_urls():
    teacher = parse_teacher_recipe({**TEACHER, "backend": "openai", "base_urls": ["http://gpu-1:8000/v1"]})
    settings = parse(ReferenceSettings, {"model": "m"}, "reference")
    with pytest.raises(ValueError, match="reference.base_urls"):
        reference_recipe(teacher, settings)
    routed = reference_recipe(teacher, parse(ReferenceSettings, {"model": "m", "base_urls": ["http://g:9/v1"]}, "r"))
    assert routed.backend == "openai" and routed.base_urls == ("http://g:9/v1",)


@pytest.mark.parametrize(
    "section, message",
    [
        ({"k": 1}, "reference.k: must be >= 2"),
        ({"top_p": 0}, "reference.top_p"),
        ({"temperature": "hot"}, "reference.temperature"),
        ({"enabled": "yes"}, "reference.enabled"),
        ({"kk": 4}, "reference.kk"),
    ],
)
def test_bad_settings_name_the_key(section, message):
    with pytest.raises(RecipeError, match=message):
        parse(ReferenceSettings, section, "reference")


def test_the_embedded_default_publishes_no_local_path(tmp_path):
    folder = tmp_path / "smollm2-135m-instruct"
    folder.mkdir()
    name = sampled_with(parse(ReferenceSettings, {}, "reference"), str(folder))["reference_model"]
    assert name.startswith("HuggingFaceTB/SmolLM2-135M-Instruct") and str(tmp_path) not in name
