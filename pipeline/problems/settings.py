"""The `problems:` section of a recipe: sources, dedup, decontamination and the held-out split."""

from __future__ import annotations

import datetime
from pathlib import Path

from pydantic import Field, field_validator, model_validator

from pipeline.common.settings import (
    DEFAULT_RECIPE,
    Count,
    Flag,
    Probability,
    RecipeError,
    Text,
    load_recipe,
    parse,
    settings,
)
from pipeline.problems.dedup import DedupSettings
from pipeline.problems.sources.registry import all_source_names


@settings
class SourceEntry:
    name: Text = Field(description="A source of pipeline/problems/sources (registry name).")
    split: Text | None = Field(default=None, description="Split to read; null: the source's default.")
    limit: Count | None = Field(default=None, description="Read only the first N rows; null: all.")
    data_files: Text | None = Field(default=None, description="A local JSONL, JSON or parquet file instead of the Hub.")
    path: Text | None = Field(
        default=None, description="A local folder laid out like the Hub repo (its files are read instead)."
    )
    offline: Flag = Field(default=False, description="Use the copy a package ships (HumanEval, the stdin set).")
    revision: Text | None = Field(
        default=None,
        description="Hub revision to read (commit sha, tag or branch); null: the default branch, resolved to its "
        "commit before reading and recorded on the card.",
    )
    version_tag: Text | None = Field(
        default=None, description="A release of the source (LiveCodeBench: release_v1 ... release_latest, v1 ... v6)."
    )
    date_from: datetime.date | None = Field(default=None, description="Only rows dated on or after (ISO date).")
    date_to: datetime.date | None = Field(default=None, description="Only rows dated on or before (ISO date).")

    @field_validator("name")
    @classmethod
    def _known(cls, name: str) -> str:
        if name not in all_source_names():
            raise ValueError(f"unknown problem source {name!r}; known: {', '.join(all_source_names())}")
        return name


@settings
class HeldOutSettings:
    fraction: Probability = Field(default=0.1, description="Share of each source's verifiable problems held out.")
    seed: int = Field(default=20250401, strict=True, description="Seed of the held-out choice.")

    @field_validator("fraction")
    @classmethod
    def _proper(cls, fraction: float) -> float:
        if not 0 < fraction < 1:
            raise ValueError(f"must be in (0, 1), got {fraction}")
        return fraction


@settings
class DecontamSettings:
    ngram: Count = Field(default=8, description="Word n-gram size shared with a benchmark statement.")
    common_limit: Count | None = Field(
        default=20,
        description="An n-gram in more than this many benchmark or training statements is boilerplate, "
        "not a leak; null: any shared n-gram counts (open-r1's rule).",
    )
    min_hits: Count = Field(default=2, description="Shared non-boilerplate n-grams that make a leak.")
    benchmarks: tuple[SourceEntry, ...] = Field(default=(), description="External benchmark sets.")
    held_out: HeldOutSettings | None = Field(default=None, description="A held-out split of the sources.")


@settings
class ProblemsRecipe:
    sources: tuple[SourceEntry, ...] = Field(min_length=1, description="Training sources, in priority order.")
    dedup: DedupSettings = Field(default_factory=DedupSettings, description="Exact and near-duplicate removal.")
    decontamination: DecontamSettings = Field(default_factory=DecontamSettings, description="Benchmark overlap.")

    @model_validator(mode="after")
    def _not_self_contaminating(self):
        training = {s.name for s in self.sources}
        for bench in self.decontamination.benchmarks:
            if bench.name in training:
                raise ValueError(
                    f"decontamination.benchmarks: {bench.name!r} is also a training source; a set is never "
                    "decontaminated against itself — use decontamination.held_out instead"
                )
        return self


def parse_problems_recipe(data, where: str = "problems") -> ProblemsRecipe:
    if data is None:
        raise RecipeError(f"{where}: the recipe has no problems: section")
    return parse(ProblemsRecipe, data, where)


def problems_recipe(path: str | Path = DEFAULT_RECIPE) -> ProblemsRecipe:
    return parse_problems_recipe(load_recipe(path).get("problems"), f"{Path(path).name}: problems")
