"""O1-Pruner's pre-sampling (arXiv 2501.12570): K responses per problem from the model being
tuned (the frozen reference), on which L_ref, A_ref and every reward of `length_harmonized` are
computed. The paper: K = 16 (7B) or 12 (32B), temperature 0.5, top_p 0.8, max_tokens 8192.

The samples go through the teacher machinery (same client, store, resume and backends) with one
profile named `reference`; only the model, and the server when the recipe names one, differ.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from pydantic import Field, StrictInt, StrictStr

from pipeline.common.settings import Count, Flag, Real, Text, load_recipe, parse, settings
from pipeline.teacher.config import EMBEDDED, TeacherRecipe, Url
from pipeline.teacher.profiles import SamplingProfile


@settings
class ReferenceSettings:
    enabled: Flag = Field(default=True, description="Sample the reference model (length_harmonized needs it).")
    model: Text = Field(
        default=EMBEDDED, description="The model being tuned (its base): embedded, a Hub id or a folder."
    )
    base_urls: tuple[Url, ...] = Field(
        default=(), description="Servers of that model; empty: a managed server, as the teacher's backend."
    )
    k: Annotated[StrictInt, Field(ge=2, le=1024)] = Field(default=16, description="Samples per problem (K).")
    temperature: Annotated[Real, Field(ge=0, le=5)] = Field(default=0.5, description="O1-Pruner: 0.5.")
    top_p: Annotated[Real, Field(gt=0, le=1)] = Field(default=0.8, description="O1-Pruner: 0.8.")
    max_tokens: Count = Field(default=8192, description="Completion tokens per sample (O1-Pruner: 8192).")
    seed: StrictInt = Field(default=0, description="Sampling seed.")
    system_prompt: StrictStr = Field(default="", description="System message (none by default).")
    instructions: StrictStr = Field(
        default="Give the complete Python program in one ```python code block.",
        description="Appended to the problem prompt.",
    )

    def profile(self, model: str) -> SamplingProfile:
        return SamplingProfile(
            name="reference",
            model=model,
            system_prompt=self.system_prompt,
            instructions=self.instructions,
            temperature=self.temperature,
            top_p=self.top_p,
            max_tokens=self.max_tokens,
            n=self.k,
            seed=self.seed,
        )


def reference_settings(path) -> ReferenceSettings:
    return parse(ReferenceSettings, load_recipe(path).get("reference") or {}, "reference")


def reference_recipe(teacher: TeacherRecipe, reference: ReferenceSettings) -> TeacherRecipe:
    """The teacher recipe re-aimed at the reference model: one `reference` profile; the teacher's
    backend, server arguments, concurrency and retries, unless `base_urls` names its servers."""
    recipe = replace(
        teacher,
        model=reference.model,
        tokenizer=None if reference.model != teacher.model else teacher.tokenizer,
        model_urls={},
        profiles=(reference.profile(reference.model),),
    )
    if reference.base_urls:
        recipe = replace(recipe, backend="openai", base_urls=reference.base_urls)
    elif teacher.backend == "openai":
        raise ValueError(
            "reference.base_urls: the teacher runs on servers you started (backend openai), so the "
            f"reference model {reference.model!r} needs its own server URLs (or reference.enabled: false, and "
            "dataset.harmonize_from: teachers)"
        )
    return recipe


def sampled_with(reference: ReferenceSettings, model: str) -> dict:
    """The columns every `length_harmonized` row carries: what drew the samples it is computed on."""
    from pipeline.dataset.assemble import public_model_name

    return {
        "reference_model": public_model_name(model),
        "reference_k": reference.k,
        "reference_temperature": reference.temperature,
        "reference_top_p": reference.top_p,
        "reference_max_tokens": reference.max_tokens,
    }
