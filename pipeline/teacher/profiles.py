"""Sampling profiles (short / long) and the prompts they render for a problem."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field

from schemas import Problem, TestStyle

STDIN_TEMPLATE = (
    "Solve the following programming problem in Python 3. The program reads from standard input "
    "and writes to standard output.\n\n{statement}\n\n{instructions}"
)
FUNCTION_TEMPLATE = (
    "Solve the following programming problem in Python 3 by completing the function `{fn_name}`."
    "\n\n{statement}\n\nStart from this code:\n```python\n{starter_code}\n```\n\n{instructions}"
)


@dataclass(frozen=True)
class SamplingProfile:
    name: str  # "short" or "long": becomes Trajectory.profile
    model: str  # served model name (what the server calls it)
    system_prompt: str
    instructions: str  # appended to the problem prompt: how to answer
    temperature: float = 0.7
    top_p: float = 0.95
    max_tokens: int = 1024
    n: int = 1  # samples per problem
    seed: int = 0
    stdin_template: str = STDIN_TEMPLATE
    function_template: str = FUNCTION_TEMPLATE
    extra: dict = field(default_factory=dict)  # vLLM extras: top_k, min_p, repetition_penalty, ...

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
