"""Sample trajectories for problems x profiles, storing each one as it arrives.

`plan` finds what is missing from the store (so a re-run after a kill only samples the rest);
`sample` runs the plan through any backend whose `stream(requests)` yields each request's
completions as soon as they exist (the HTTP client for `vllm serve` / `transformers serve`, or
the in-process vLLM engine in chunks), and stores them as validated `Trajectory` records at once.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from pipeline.teacher.client import Completion, TeacherClient, TeacherError, split_reasoning
from pipeline.teacher.profiles import SamplingProfile, params_hash, render_messages
from pipeline.teacher.store import TrajectoryStore
from sandbox.extract import extract_code
from schemas import Problem, Profile, Trajectory
from schemas.records import TRUNCATED_REASONS

Log = Callable[[str], None]


@dataclass(frozen=True)
class ChatRequest:
    problem: Problem
    profile: SamplingProfile
    indices: tuple[int, ...]  # sample indices still missing for this (problem, profile)

    @property
    def seed(self) -> int:
        return self.profile.seed + self.indices[0]


Result = tuple[ChatRequest, "list[Completion] | Exception"]


class Backend(Protocol):
    def stream(self, requests: Sequence[ChatRequest]) -> AsyncIterator[Result]: ...


class TokenCounter(Protocol):
    def count_many(self, texts: Sequence[str]) -> list[int]: ...  # one batch call for many texts


@dataclass
class SamplingReport:
    requested: int = 0  # samples that were missing at the start
    stored: int = 0
    truncated: int = 0
    completion_tokens: int = 0  # of the samples stored in this run
    failed: list[str] = field(default_factory=list)  # "problem/profile: reason"; re-run retries them


class HttpBackend:
    """OpenAI-compatible servers through `TeacherClient`; requests run concurrently (bounded by it)."""

    def __init__(self, client: TeacherClient):
        self.client = client

    async def _one(self, request: ChatRequest) -> Result:
        profile = request.profile
        params = {k: v for k, v in profile.sampling_params().items() if k not in ("model", "seed")}
        try:
            return request, await self.client.chat(
                profile.model,
                render_messages(profile, request.problem),
                params,
                n=len(request.indices),
                seed=request.seed,
            )
        except Exception as err:  # noqa: BLE001 - reported per request, the others go on
            return request, err

    async def stream(self, requests: Sequence[ChatRequest]) -> AsyncIterator[Result]:
        for finished in asyncio.as_completed([self._one(r) for r in requests]):
            yield await finished


def sample_key(problem: Problem, profile: SamplingProfile, index: int) -> tuple[str, str, str, str, int]:
    return (problem.id, profile.name, profile.model, params_hash(profile), index)


def plan(problems: Sequence[Problem], profiles: Sequence[SamplingProfile], store: TrajectoryStore) -> list[ChatRequest]:
    requests = []
    for problem in problems:
        for profile in profiles:
            missing = tuple(i for i in range(profile.n) if sample_key(problem, profile, i) not in store)
            if missing:
                requests.append(ChatRequest(problem, profile, missing))
    return requests


def trajectory_id(key: tuple) -> str:
    return hashlib.sha256(repr(key).encode()).hexdigest()[:20]


def _counted(counter: TokenCounter | None, texts: list[str]) -> list[int]:
    return counter.count_many(texts) if counter is not None and texts else [0] * len(texts)


def build_trajectories(
    problem: Problem, profile: SamplingProfile, indices: Sequence[int], completions: Sequence[Completion],
    counter: TokenCounter | None,
) -> list[Trajectory]:  # fmt: skip
    """A request's completions as trajectories. Token counts the server did not report (and every
    reasoning count) come from the teacher's tokenizer, all texts of the request in one batch."""
    splits = [split_reasoning(c) for c in completions]
    missing = [i for i, c in enumerate(completions) if not c.completion_tokens]
    prompt = [m["content"] for m in render_messages(profile, problem)] if any(
        not c.prompt_tokens for c in completions) else []  # fmt: skip
    texts = [r for r, _ in splits if r] + [completions[i].reasoning + completions[i].content for i in missing] + prompt
    counts = iter(_counted(counter, texts))
    reasoning_tokens = [next(counts) if r else 0 for r, _ in splits]
    completion_tokens = [c.completion_tokens for c in completions]
    for i in missing:
        completion_tokens[i] = next(counts)
    prompt_tokens = sum(counts)
    return [
        Trajectory(
            id=trajectory_id(sample_key(problem, profile, index)),
            problem_id=problem.id,
            profile=Profile(profile.name),
            teacher_model=profile.model,
            params_hash=params_hash(profile),
            sample_index=index,
            reasoning=reasoning,
            answer=answer,
            code=extract_code(answer or reasoning),
            prompt_tokens=completion.prompt_tokens or prompt_tokens,
            completion_tokens=tokens,
            reasoning_tokens=reasoned,
            finish_reason=completion.finish_reason,
            truncated=completion.finish_reason in TRUNCATED_REASONS,
            latency_s=completion.latency_s,
            server_url=completion.server_url,
        )
        for index, completion, (reasoning, answer), tokens, reasoned in zip(
            indices, completions, splits, completion_tokens, reasoning_tokens
        )
    ]


async def sample(
    requests: Sequence[ChatRequest],
    backend: Backend,
    store: TrajectoryStore,
    counter: TokenCounter | None = None,
    log: Log = print,
) -> SamplingReport:
    """Run `requests`; every completion is stored the moment it arrives."""
    report = SamplingReport(requested=sum(len(r.indices) for r in requests))
    step = max(1, len(requests) // 20)
    async for done, (request, result) in _enumerate(backend.stream(requests)):
        if isinstance(result, Exception):
            reason = str(result) if isinstance(result, TeacherError) else f"{type(result).__name__}: {result}"
            report.failed.append(f"{request.problem.id}/{request.profile.name}: {reason}")
        else:
            for trajectory in build_trajectories(request.problem, request.profile, request.indices, result, counter):
                if store.add(trajectory):
                    report.stored += 1
                    report.truncated += trajectory.truncated
                    report.completion_tokens += trajectory.completion_tokens
        if done % step == 0 or done == len(requests):
            log(
                f"sampled {report.stored}/{report.requested} trajectories ({done}/{len(requests)} requests)"
                + (f", {len(report.failed)} failed" if report.failed else "")
            )
    return report


async def _enumerate(items: AsyncIterator, start: int = 1):
    index = start
    async for item in items:
        yield index, item
        index += 1
