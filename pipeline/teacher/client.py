"""Async client for OpenAI-compatible chat servers (`vllm serve`, `transformers serve`, ...).

Bounded concurrency, a per-request timeout, retries with exponential backoff on connection
errors, timeouts, 429 and 5xx (moving to the next replica on each retry), `n` samples per
prompt (falling back to one request per sample where a server ignores `n`), and vLLM's
sampling extras passed through in the request body.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from dataclasses import dataclass, field

import httpx

RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}


class TeacherError(RuntimeError):
    """A request failed for good: retries exhausted, or the server rejected it (4xx)."""


@dataclass(frozen=True)
class ClientSettings:
    base_urls: tuple[str, ...]  # each ending in /v1; several = replicas, requests spread over them
    api_key: str = "EMPTY"
    concurrency: int = 4  # requests in flight at once, over all replicas
    timeout_s: float = 600.0
    max_retries: int = 6
    backoff_s: float = 0.5  # first retry delay; doubles each time (with jitter), capped at 30 s
    # models served elsewhere than base_urls (one vLLM server serves one model): model -> its replicas
    model_urls: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Completion:
    content: str
    reasoning: str  # the server's `reasoning_content` / `reasoning` field, "" when absent
    finish_reason: str
    prompt_tokens: int  # from the server's usage block (0 when not reported)
    completion_tokens: int  # per choice when the request had one choice, else 0 (count locally)
    latency_s: float
    server_url: str


class TeacherClient:
    def __init__(self, settings: ClientSettings, log=None):
        if not settings.base_urls:
            raise ValueError("TeacherClient needs at least one base URL")
        self.settings = settings
        self._urls = itertools.cycle([u.rstrip("/") for u in settings.base_urls])
        self._model_urls = {
            model: itertools.cycle([u.rstrip("/") for u in urls]) for model, urls in settings.model_urls.items() if urls
        }
        self._gate = asyncio.Semaphore(settings.concurrency)
        self._http = httpx.AsyncClient(
            timeout=httpx.Timeout(settings.timeout_s, connect=10.0),
            headers={"Authorization": f"Bearer {settings.api_key}"},
            limits=httpx.Limits(max_connections=settings.concurrency * 2),
        )
        self._log = log or (lambda _: None)
        self.retries = 0

    async def close(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> TeacherClient:
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    async def chat(
        self, model: str, messages: list[dict], params: dict, n: int = 1, seed: int | None = None
    ) -> list[Completion]:
        """`n` completions for one prompt. With several samples and a server that returns fewer
        choices than asked, the missing ones are requested one by one (seeds seed+1, seed+2...)."""
        body = {"model": model, "messages": messages, "n": n, **params}
        if seed is not None:
            body["seed"] = seed
        completions = await self._post(body)
        for extra in range(len(completions), n):
            one = {**body, "n": 1, "seed": None if seed is None else seed + extra}
            completions += await self._post(one)
        return completions[:n]

    async def _post(self, body: dict) -> list[Completion]:
        payload, latency_s, url = await self.post_json("/chat/completions", body)
        return parse_choices(payload, latency_s, url)

    async def post_json(self, path: str, body: dict) -> tuple[dict, float, str]:
        """POST `body` to `path` of the model's server (e.g. "/completions"), retrying as above;
        (the JSON answer, seconds it took, the server URL)."""
        async with self._gate:
            delay = self.settings.backoff_s
            for attempt in range(self.settings.max_retries + 1):
                url = next(self._model_urls.get(body.get("model"), self._urls))
                started = time.monotonic()
                try:
                    response = await self._http.post(f"{url}{path}", json=body)
                except (httpx.TransportError, httpx.TimeoutException) as err:
                    problem = f"{type(err).__name__}: {err}"
                else:
                    if response.status_code == 200:
                        return response.json(), time.monotonic() - started, url
                    problem = f"HTTP {response.status_code}: {response.text[:300]}"
                    if response.status_code not in RETRY_STATUS:
                        raise TeacherError(f"{url} rejected the request: {problem}")
                if attempt == self.settings.max_retries:
                    raise TeacherError(f"giving up after {attempt + 1} attempts; last: {url}: {problem}")
                self.retries += 1
                self._log(f"teacher request failed ({problem}); retry {attempt + 1} in {delay:.1f}s")
                await asyncio.sleep(delay * (0.5 + random.random()))
                delay = min(delay * 2, 30.0)
        raise AssertionError("unreachable")


class TeacherUnreachable(TeacherError):
    """No replica answered the probe: sampling would only retry for hours."""


def probe(urls: tuple[str, ...], timeout_s: float = 10.0) -> list[str]:
    """The replicas that answer `GET {url}/models` now (any HTTP answer counts: it is a server)."""
    alive = []
    for url in urls:
        try:
            httpx.get(f"{url.rstrip('/')}/models", timeout=timeout_s)
        except httpx.HTTPError:
            continue
        alive.append(url)
    return alive


def _text(content) -> str:
    """A message's text: a string, or OpenAI's list of parts (`[{"type": "text", "text": ...}]`)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text") or "" for p in content if isinstance(p, dict) and isinstance(p.get("text"), str))
    return ""


def parse_choices(payload: dict, latency_s: float, url: str) -> list[Completion]:
    usage = payload.get("usage") or {}
    choices = payload.get("choices") if isinstance(payload, dict) else None
    if not isinstance(choices, list) or not choices or not all(isinstance(c, dict) for c in choices):
        raise TeacherError(f"{url} answered without choices: {str(payload)[:200]}")
    single = len(choices) == 1
    completions = []
    for choice in sorted(choices, key=lambda c: c.get("index", 0)):
        message = choice.get("message") or {}
        reasoning = _text(message.get("reasoning_content") or message.get("reasoning"))
        completions.append(
            Completion(
                content=_text(message.get("content")),
                reasoning=reasoning,
                finish_reason=choice.get("finish_reason") or "unknown",
                prompt_tokens=int(usage.get("prompt_tokens") or 0),
                completion_tokens=int(usage.get("completion_tokens") or 0) if single else 0,
                latency_s=round(latency_s, 4),
                server_url=url,
            )
        )
    return completions


def split_reasoning(completion: Completion) -> tuple[str, str]:
    """(reasoning, answer): the server's reasoning field, else an inline <think>...</think> block.

    An unclosed <think> (the budget ran out mid-thought) is all reasoning and no answer.
    """
    if completion.reasoning:
        return completion.reasoning.strip(), completion.content.strip()
    text = completion.content
    start = text.find("<think>")
    if start == -1:
        return "", text.strip()
    end = text.find("</think>", start)
    if end == -1:
        return text[start + len("<think>") :].strip(), ""
    return text[start + len("<think>") : end].strip(), (text[:start] + text[end + len("</think>") :]).strip()
