"""The dataset stage's settings, declared once (recipe `dataset:` section, Dagster launchpad, CLI)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StrictInt, field_validator

from pipeline.common.settings import DEFAULT_RECIPE, Count, Flag, Probability, Real, Text, settings
from pipeline.dataset.assemble import AssemblySettings
from pipeline.dataset.filters import FilterSettings
from pipeline.dataset.perturb import Perturbation
from pipeline.dataset.pruner import PrunerSettings
from pipeline.dataset.rewrite import REWRITE_PROMPT
from pipeline.dataset.variants import parse_variant


@settings
class DatasetSettings:
    selection: Literal["shortest", "all"] = Field(
        default="shortest", description="'shortest' accepted trajectory per profile (Z1), or 'all'."
    )
    token_budget: Count = Field(default=8192, description="Trajectories over this many tokens are dropped (Z1).")
    max_repetition: Probability = Field(
        default=0.5, description="Drop reasoning whose share of repeated 4-grams is above this."
    )
    harmonizing_lambda: Annotated[Real, Field(ge=0)] = Field(default=2.0, description="O1-Pruner lambda.")
    harmonize_from: Literal["reference", "teachers"] = Field(
        default="reference",
        description="length_harmonized computed on the reference model's own samples (O1-Pruner, the "
        "`reference:` section) or, as a named option, on the teachers' verified samples.",
    )
    keep_per_problem: Count = Field(default=2, description="O1-Pruner m: samples per problem in length_harmonized.")
    shard_mb: Annotated[StrictInt, Field(ge=1, le=4096)] = Field(default=256, description="Target shard size in MB.")
    variants: tuple[str, ...] = Field(
        default=(),
        description="Sky-T1 variants, each its own config: KIND:RATE with KIND in digits, reflection, shuffle, "
        "delete, insert (e.g. shuffle:0.33).",
    )
    variant_seed: StrictInt = Field(default=0, description="Seed of every variant (reproducible).")
    reflection_rewrite: Probability | None = Field(
        default=None,
        description="Sky-T1 reflection removal as its released tool did it: the fraction of default rows an LLM "
        "(the teacher of `teacher_recipe`) rewrites without reflection; config `reflection-llm-PERCENT`. null: off.",
    )
    rewrite_prompt: Text = Field(
        default=REWRITE_PROMPT, description="The rewrite's instruction (recorded on the card)."
    )
    rewrite_max_tokens: Count = Field(default=1024, description="Tokens of one rewrite.")
    teacher_recipe: Text = Field(
        default=str(DEFAULT_RECIPE), description="Recipe whose `teacher:` section serves the LLM rewrite."
    )
    wrong_answers: Flag = Field(
        default=False,
        description="Sky-T1's wrong-answer control: a `wrong-answers` config the size of `default`, same problems "
        "and profiles, filled with complete responses the sandbox judged wrong (seeded by variant_seed).",
    )

    @field_validator("variants")
    @classmethod
    def _parsable(cls, variants: tuple[str, ...]) -> tuple[str, ...]:
        for spec in variants:
            parse_variant(spec)  # raises ValueError naming the spec
        return variants

    def assembly(self) -> AssemblySettings:
        filters = FilterSettings(token_budget=self.token_budget, max_repetition=self.max_repetition)
        return AssemblySettings(self.selection, filters)

    def pruner(self) -> PrunerSettings:
        return PrunerSettings(lam=self.harmonizing_lambda, keep_per_problem=self.keep_per_problem)

    def perturbations(self) -> list[Perturbation]:
        return [parse_variant(v, self.variant_seed) for v in self.variants]
