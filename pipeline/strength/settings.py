"""The `tests:` section of a recipe: which tests verification runs, and how they are made stronger.

tests:
  use: both            # original | amplified | both (a solution must pass every set used)
  amplify: {enabled: true, inputs: 100, max_tests: 200, seed: 0}
  synthesize: {enabled: true, profile: short, samples: 2}
  strength: {enabled: true, mutants_per_problem: 20, time_limit_s: 1.0}
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from pipeline.common.settings import (
    DEFAULT_RECIPE,
    Count,
    Flag,
    Natural,
    PositiveReal,
    Real,
    Text,
    load_recipe,
    parse,
    settings,
)
from pipeline.strength.score import StrengthSettings
from pipeline.strength.synthesize import SynthesisSettings


@settings
class AmplifyRecipe:
    enabled: Flag = Field(default=True, description="Amplify call/assert-style problems that have a reference.")
    inputs: Count = Field(default=100, le=2000, description="New inputs mutated from each problem's own test inputs.")
    max_tests: Count = Field(default=200, le=5000, description="Size cap: amplified tests kept per problem at most.")
    seed: Natural = Field(default=0, description="Seed of the input mutation (per problem).")
    stdin: Flag = Field(default=True, description="Amplify stdin problems too: the teacher writes an input generator.")
    generator_profile: Text = Field(default="short", description="The teacher profile that writes input generators.")
    generated_inputs: Count = Field(default=30, le=1000, description="Generator runs per stdin problem.")
    generator_max_tokens: Count = Field(default=1024, description="Completion tokens for a generator answer.")


@settings
class SynthesizeRecipe:
    enabled: Flag = Field(default=True, description="Write tests for problems that have none (KodCode-style).")
    profile: Text = Field(default="short", description="The teacher profile whose model writes solution and tests.")
    samples: Count = Field(default=2, ge=2, le=16, description="Independent answers; a second must pass the first's.")
    min_tests: Count = Field(default=3, le=200, description="A draft with fewer asserts is not kept.")
    max_tests: Count = Field(default=20, le=200, description="Asserts kept per problem at most.")
    temperature: Real = Field(default=0.7, ge=0, le=2, description="Sampling temperature of the synthesis prompt.")
    max_tokens: Count = Field(default=2048, description="Completion tokens per answer.")
    seed: Natural = Field(default=0, description="Sampling seed.")

    @model_validator(mode="after")
    def _ordered(self):
        if self.min_tests > self.max_tests:
            raise ValueError(f"min_tests: must be <= max_tests ({self.max_tests}), got {self.min_tests}")
        return self

    def synthesis_settings(self) -> SynthesisSettings:
        return SynthesisSettings(self.samples, self.min_tests, self.max_tests, self.temperature, self.max_tokens,
                                 self.seed)  # fmt: skip


@settings
class StrengthRecipe:
    enabled: Flag = Field(default=True, description="Measure test strength (mutation score, TPR, TNR) per problem.")
    mutants_per_problem: Count = Field(default=20, le=500, description="Reference mutants run per problem at most.")
    time_limit_s: PositiveReal = Field(default=1.0, le=60, description="Time limit per mutant test (seconds).")
    seed: Natural = Field(default=0, description="Seed of the mutant sample.")

    def strength_settings(self) -> StrengthSettings:
        return StrengthSettings(self.mutants_per_problem, self.seed, self.time_limit_s)


@settings
class TestsRecipe:
    __test__ = False  # not a pytest class

    use: Literal["original", "amplified", "both"] = Field(
        default="both", description="Tests verification runs: a problem's own, the amplified ones, or both."
    )
    amplify: AmplifyRecipe = Field(default_factory=AmplifyRecipe)
    synthesize: SynthesizeRecipe = Field(default_factory=SynthesizeRecipe)
    strength: StrengthRecipe = Field(default_factory=StrengthRecipe)


def tests_recipe(path: str | Path = DEFAULT_RECIPE) -> TestsRecipe:
    return parse(TestsRecipe, load_recipe(path).get("tests"), f"{Path(path).name}: tests")
