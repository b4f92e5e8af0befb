"""Shifted Thinking Window through an OpenAI-compatible server (`transformers serve`, `vllm serve`).

Pass 1 is a chat completion with `max_tokens = budget`, greedy (`temperature: 0`);
`finish_reason == "length"` means the budget was hit. Pass 2 must continue the assistant
message after pass 1 + `CONTINUATION_PHRASE`, which the two servers support differently:

- `continuation="completions"` (works with both): the prompt is rendered here with the model's
  chat template (`add_generation_prompt=True`), pass 1 and the phrase appended, and sent as
  text to `/v1/completions`. This is the mode for `transformers serve`: its chat endpoint
  rejects `continue_final_message` / `add_generation_prompt` (HTTP 422 "Unexpected fields")
  and always appends a new assistant header, while its `/v1/completions` tokenizes the text
  as is. Needs the tokenizer locally (a `transformers serve` model name is its folder path).
- `continuation="chat"` (vLLM): the chat endpoint with the partial assistant message and
  `continue_final_message: true, add_generation_prompt: false` (vLLM's chat extra params);
  the response holds only the continuation. Nothing to render locally. A chat template
  that trims message content may drop the phrase's trailing newlines.

Either way the server re-tokenizes pass 1 as text; a local `LocalGenerator` continues from
the exact tokens instead (the two agree on the embedded model, see the tests).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from pathlib import Path

from pipeline.evaluation.stw import (
    CONTINUATION_PHRASE,
    StwResult,
    check_budgets,
    combine,
    continuation_prompt,
    user_messages,
)
from pipeline.teacher.client import ClientSettings, Completion, TeacherClient

CONTINUATIONS = ("completions", "chat")
GREEDY = {"temperature": 0}


class ServerGenerator:
    """STW generations from a served model; `generate` is synchronous (runs its own event loop)."""

    def __init__(
        self,
        base_url: str,
        model: str,
        continuation: str = "completions",
        tokenizer: object | str | Path | None = None,
        concurrency: int = 4,
        timeout_s: float = 600.0,
        max_retries: int = 3,
        log: Callable[[str], None] | None = None,
    ):
        if continuation not in CONTINUATIONS:
            raise ValueError(f"continuation must be one of {CONTINUATIONS}, got {continuation!r}")
        self.base_url, self.model, self.continuation = base_url.rstrip("/"), model, continuation
        self.settings = ClientSettings(
            base_urls=(self.base_url,), concurrency=concurrency, timeout_s=timeout_s, max_retries=max_retries
        )
        self._log = log or (lambda _: None)
        self._tokenizer_source = tokenizer
        self._tokenizer = None if isinstance(tokenizer, (str, Path, type(None))) else tokenizer

    @property
    def tokenizer(self):
        """The chat template for `completions` mode: given, or loaded from a path (default: the
        model name, which `transformers serve` resolves as a local folder too)."""
        if self._tokenizer is None:
            from transformers import AutoTokenizer

            self._tokenizer = AutoTokenizer.from_pretrained(str(self._tokenizer_source or self.model))
        return self._tokenizer

    def render(self, question: str) -> str:
        text = self.tokenizer.apply_chat_template(user_messages(question), tokenize=False, add_generation_prompt=True)
        return strip_added_bos(text, self.tokenizer)

    def generate(self, questions: Sequence[str], budget: int, answer_tokens: int) -> list[StwResult]:
        return asyncio.run(self.agenerate(questions, budget, answer_tokens))

    async def agenerate(self, questions: Sequence[str], budget: int, answer_tokens: int) -> list[StwResult]:
        check_budgets(budget, answer_tokens)
        if self.continuation == "completions":
            _ = self.tokenizer  # fail before any request if the chat template cannot be found
        gate = asyncio.Semaphore(self.settings.concurrency)
        async with TeacherClient(self.settings, log=self._log) as client:

            async def one(question: str) -> StwResult:
                async with gate:
                    return await self._one(client, question, budget, answer_tokens)

            return list(await asyncio.gather(*(one(q) for q in questions)))

    async def _one(self, client: TeacherClient, question: str, budget: int, answer_tokens: int) -> StwResult:
        first = (await client.chat(self.model, user_messages(question), {"max_tokens": budget, **GREEDY}))[0]
        thinking = self._count(first.content, first.completion_tokens)
        if first.finish_reason != "length":
            return StwResult(first.content, thinking, budget_hit=False, answer_tokens=0)
        if self.continuation == "chat":
            second = await self._continue_chat(client, question, first.content, answer_tokens)
        else:
            second = await self._continue_completion(client, question, first.content, answer_tokens)
        return StwResult(
            combine(first.content, second.content),
            thinking,
            budget_hit=True,
            answer_tokens=self._count(second.content, second.completion_tokens),
            answer_text=second.content,
        )

    async def _continue_chat(self, client: TeacherClient, question: str, pass1: str, answer_tokens: int) -> Completion:
        messages = [*user_messages(question), {"role": "assistant", "content": pass1 + CONTINUATION_PHRASE}]
        params = {"max_tokens": answer_tokens, **GREEDY, "continue_final_message": True, "add_generation_prompt": False}
        return (await client.chat(self.model, messages, params))[0]

    async def _continue_completion(
        self, client: TeacherClient, question: str, pass1: str, answer_tokens: int
    ) -> Completion:
        prompt = continuation_prompt(self.render(question), pass1, stopped_for_length=True)
        body = {"model": self.model, "prompt": prompt, "max_tokens": answer_tokens, **GREEDY}
        payload, _, url = await client.post_json("/completions", body)
        return parse_text_completion(payload, url)

    def _count(self, text: str, reported: int) -> int:
        """The server's token count; counted with the tokenizer where the server reports none."""
        if reported or not text:
            return reported
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])


def strip_added_bos(text: str, tokenizer) -> str:
    """A rendered chat that starts with BOS loses it when the server's tokenizer adds BOS itself
    (`/v1/completions` tokenizes with special tokens), so BOS is not doubled."""
    bos = getattr(tokenizer, "bos_token", None)
    if not bos or not text.startswith(bos):
        return text
    added = tokenizer("x", add_special_tokens=True)["input_ids"]
    return text[len(bos) :] if added and added[0] == tokenizer.bos_token_id else text


def parse_text_completion(payload: dict, url: str) -> Completion:
    """A `/v1/completions` answer (choices[0].text) in the chat client's `Completion` shape."""
    choice = (payload.get("choices") or [{}])[0]
    usage = payload.get("usage") or {}
    return Completion(
        content=choice.get("text") or "",
        reasoning="",
        finish_reason=choice.get("finish_reason") or "unknown",
        prompt_tokens=int(usage.get("prompt_tokens") or 0),
        completion_tokens=int(usage.get("completion_tokens") or 0),
        latency_s=0.0,
        server_url=url,
    )
