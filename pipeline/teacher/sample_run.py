"""Wire a teacher recipe to a backend and sample a set of problems into a store.

Used by `trajforge sample` and the `trajectories` asset alike.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from itertools import zip_longest
from pathlib import Path
from typing import Protocol, TypeVar

from pipeline.teacher.client import ClientSettings, TeacherClient, TeacherUnreachable, probe
from pipeline.teacher.config import EMBEDDED, TeacherRecipe
from pipeline.teacher.sampling import HttpBackend, SamplingReport, plan, sample
from pipeline.teacher.store import TrajectoryStore
from schemas import Problem

Log = Callable[[str], None]


def problem_shard(problem_id: str, shards: int) -> int:
    """Stable shard of a problem (not Python's salted hash): same problem, same shard, every run."""
    return int(hashlib.sha256(problem_id.encode()).hexdigest(), 16) % shards


def resolve_models(recipe: TeacherRecipe, log: Log) -> TeacherRecipe:
    """Replace the `embedded` model name by the converted local folder the server loads."""
    if not any(p.model == EMBEDDED for p in recipe.profiles) and recipe.model != EMBEDDED:
        return recipe
    from pipeline.teacher.embedded import ensure_hf_folder

    folder = str(ensure_hf_folder(log=log))
    profiles = tuple(replace(p, model=folder) if p.model == EMBEDDED else p for p in recipe.profiles)
    model = folder if recipe.model == EMBEDDED else recipe.model
    return replace(recipe, model=model, profiles=profiles, tokenizer=recipe.tokenizer or folder)


class HFTokenCounter:
    """Token counts with the teacher's own tokenizer: a batch per call (a fast tokenizer encodes it
    in Rust), never one call per text."""

    def __init__(self, name_or_path: str):
        from transformers import AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(name_or_path)

    def count_many(self, texts: Sequence[str]) -> list[int]:
        if not texts:
            return []
        encoded = self.tokenizer(list(texts), add_special_tokens=False, return_attention_mask=False)
        return [len(ids) for ids in encoded["input_ids"]]


def token_counter(recipe: TeacherRecipe, log: Log):
    name = recipe.tokenizer or (recipe.model if Path(recipe.model).is_dir() else None)
    if name is None:
        log("no local tokenizer configured: token counts come from the server's usage block")
        return None
    return HFTokenCounter(name)


@contextmanager
def open_backend(recipe: TeacherRecipe, log: Log) -> Iterator[object]:
    """A backend for a recipe whose models are resolved; a managed server lives as long as the context."""
    if recipe.backend == "vllm_engine":
        from pipeline.teacher.vllm_engine import VLLMEngineBackend

        yield VLLMEngineBackend(recipe.model)
        return
    if recipe.backend == "openai":
        urls = tuple(dict.fromkeys([*recipe.base_urls, *(u for us in recipe.model_urls.values() for u in us)]))
        alive = probe(urls)
        if not alive:
            raise TeacherUnreachable(f"no teacher server answers at {', '.join(urls)}: start them, or fix base_urls")
        for url in urls:
            if url not in alive:
                log(f"WARNING: teacher replica {url} does not answer; requests go to the others")
        yield _http_backend(recipe, recipe.base_urls, log)
        return
    from pipeline.teacher.server import ManagedServer, serving

    timeout = recipe.start_timeout_s
    server = (
        ManagedServer.transformers(recipe.model, start_timeout_s=timeout, extra_args=recipe.server_args)
        if recipe.backend == "managed_transformers"
        else ManagedServer.vllm(recipe.model, start_timeout_s=timeout, extra_args=recipe.server_args)
    )
    log(f"teacher server: {recipe.backend} {recipe.model}")
    with serving(server) as server:
        log(f"teacher server up at {server.base_url} (started in {server.started_in_s:.1f}s)")
        yield _http_backend(recipe, (server.base_url,), log)


def _http_backend(recipe: TeacherRecipe, urls: Sequence[str], log: Log) -> HttpBackend:
    settings = ClientSettings(
        base_urls=tuple(urls),
        concurrency=recipe.concurrency,
        timeout_s=recipe.timeout_s,
        max_retries=recipe.max_retries,
        model_urls=recipe.model_urls,
    )
    return HttpBackend(TeacherClient(settings, log=log))


def sample_into_store(
    problems: Sequence[Problem], recipe: TeacherRecipe, store: TrajectoryStore, log: Log = print
) -> SamplingReport:
    """Sample what the store is missing for `problems` x the recipe's profiles (no server is
    started when nothing is missing)."""
    recipe = resolve_models(recipe, log)
    requests = plan(problems, recipe.profiles, store)
    log(
        f"{len(problems)} problems x {len(recipe.profiles)} profiles: {len(store)} samples stored, "
        f"{sum(len(r.indices) for r in requests)} to sample"
    )
    if not requests:
        return SamplingReport()
    counter = token_counter(recipe, log)
    with open_backend(recipe, log) as backend:
        return asyncio.run(_sample_and_close(requests, backend, store, counter, log))


async def _sample_and_close(requests, backend, store, counter, log) -> SamplingReport:
    try:
        return await sample(requests, backend, store, counter, log=log)
    finally:
        client = getattr(backend, "client", None)
        if client is not None:
            await client.close()


class _Choosable(Protocol):
    id: str
    source: str


Choosable = TypeVar("Choosable", bound=_Choosable)  # a Problem, or just its id and source


def select_problems(
    problems: Sequence[Choosable], limit: int | None, prefer: Sequence[str] = (), log: Log = print
) -> list[Choosable]:
    """Up to `limit` problems: the `prefer`red ids first (in their order), then round-robin over
    sources (so a small run still mixes test styles), each source in id order: the same subset
    every run. Preferred ids absent from `problems` are reported through `log`, not an error: a
    recipe's preferences must not stop it from running on another problem file."""
    by_id = {p.id: p for p in problems}
    missing = [i for i in prefer if i not in by_id]
    if missing:
        log(f"preferred problems not in this problem set (skipped): {', '.join(missing)}")
    first = list(dict.fromkeys(by_id[i] for i in prefer if i in by_id))
    chosen = {p.id for p in first}
    by_source: dict[str, list[Choosable]] = {}
    for problem in sorted(problems, key=lambda p: p.id):
        if problem.id not in chosen:
            by_source.setdefault(problem.source, []).append(problem)
    columns = [by_source[s] for s in sorted(by_source)]
    ordered = first + [p for row in zip_longest(*columns) for p in row if p is not None]
    return ordered if limit is None else ordered[:limit]
