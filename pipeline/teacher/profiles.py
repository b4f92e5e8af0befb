"""Sampling profiles (short / long) and the prompts they render for a problem."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from typing import Annotated, Any, Literal

from pydantic import Field, StrictInt, StrictStr

from pipeline.common.settings import Count, Real, Text, settings
from schemas import Problem, TestStyle

STDIN_TEMPLATE = (
    "Solve the following programming problem in Python 3. The program reads from standard input "
    "and writes to standard output.\n\n{statement}\n\n{instructions}"
)
FUNCTION_TEMPLATE = (
    "Solve the following programming problem in Python 3 by completing the function `{fn_name}`."
    "\n\n{statement}\n\nStart from this code:\n```python\n{starter_code}\n```\n\n{instructions}"
)


@settings
class SamplingProfile:
    name: Literal["short", "long", "reference"] = Field(description="Becomes Trajectory.profile.")
    model: Text = Field(description="Served model name (what the server calls it).")
    system_prompt: StrictStr = Field(description="System message of every request.")
    instructions: StrictStr = Field(description="Appended to the problem prompt: how to answer.")
    temperature: Annotated[Real, Field(ge=0, le=5)] = Field(default=0.7, description="Sampling temperature.")
    top_p: Annotated[Real, Field(gt=0, le=1)] = Field(default=0.95, description="Nucleus sampling mass.")
    max_tokens: Count = Field(default=1024, description="Completion tokens per sample.")
    n: Annotated[StrictInt, Field(ge=1, le=1024)] = Field(default=1, description="Samples per problem.")
    seed: StrictInt = Field(default=0, description="Sampling seed; vLLM reproduces it only for an identical batch.")
    stdin_template: Text = Field(default=STDIN_TEMPLATE, description="Prompt of stdin problems.")
    function_template: Text = Field(default=FUNCTION_TEMPLATE, description="Prompt of call/assert problems.")
    extra: dict[str, Any] = Field(
        default_factory=dict, description="vLLM extras passed through: top_k, min_p, repetition_penalty, ..."
    )

    def sampling_params(self) -> dict:
        """What decides the samples (not the prompt wording): hashed into params_hash."""
        return {
            "model": self.model,
            "temperature": self.temperature,
            "top_p": self.top_p,
            "max_tokens": self.max_tokens,
            "seed": self.seed,
            **self.extra,
        }


def params_hash(profile: SamplingProfile) -> str:
    """Stable across runs: sampling parameters AND prompt wording, so any change means new samples."""
    payload = json.dumps(asdict(profile), sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def render_messages(profile: SamplingProfile, problem: Problem) -> list[dict]:
    if TestStyle(problem.test_style) is TestStyle.STDIN:
        user = profile.stdin_template.format(statement=problem.statement.strip(), instructions=profile.instructions)
    else:
        user = profile.function_template.format(
            statement=problem.statement.strip(),
            fn_name=problem.fn_name or "solution",
            starter_code=(problem.starter_code or f"def {problem.fn_name or 'solution'}(...):").strip(),
            instructions=profile.instructions,
        )
    messages = [{"role": "user", "content": user}]
    if profile.system_prompt:
        messages.insert(0, {"role": "system", "content": profile.system_prompt})
    return messages
