"""In-process vLLM engine backend, for running the pipeline on the GPU node itself.

`vllm` is an optional extra (`pip install trajforge[vllm]`, GPU hosts only). Requests are sent
in chunks through `LLM.chat` (vLLM batches each chunk with continuous batching); every chunk's
completions are yielded (and so stored) as soon as the chunk finishes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

from pipeline.teacher.client import Completion
from pipeline.teacher.profiles import render_messages
from pipeline.teacher.sampling import ChatRequest, Result

ENGINE_URL = "vllm://in-process"


def sampling_params_for(request: ChatRequest, sampling_params_cls):
    """vLLM SamplingParams for one request: n = the missing samples, seeded, extras passed through."""
    profile = request.profile
    return sampling_params_cls(
        n=len(request.indices),
        temperature=profile.temperature,
        top_p=profile.top_p,
        max_tokens=profile.max_tokens,
        seed=request.seed,
        **profile.extra,
    )


def completions_from_output(output) -> list[Completion]:
    """vLLM RequestOutput -> one Completion per sample, with exact token counts from the engine."""
    prompt_tokens = len(output.prompt_token_ids or [])
    return [
        Completion(
            content=sample.text,
            reasoning="",
            finish_reason=sample.finish_reason or "unknown",
            prompt_tokens=prompt_tokens,
            completion_tokens=len(sample.token_ids or []),
            latency_s=0.0,
            server_url=ENGINE_URL,
        )
        for sample in sorted(output.outputs, key=lambda o: o.index)
    ]


class VLLMEngineBackend:
    def __init__(self, model: str, chunk_size: int = 256, engine=None, sampling_params_cls=None, **engine_args):
        if engine is None or sampling_params_cls is None:
            from vllm import LLM, SamplingParams  # only on GPU hosts with the vllm extra

            engine = engine or LLM(model=model, **engine_args)
            sampling_params_cls = sampling_params_cls or SamplingParams
        self.engine, self.sampling_params_cls, self.chunk_size = engine, sampling_params_cls, chunk_size

    async def stream(self, requests: Sequence[ChatRequest]) -> AsyncIterator[Result]:
        for start in range(0, len(requests), self.chunk_size):
            chunk = list(requests[start : start + self.chunk_size])
            try:
                outputs = await asyncio.to_thread(self._generate, chunk)
            except Exception as err:  # noqa: BLE001 - the chunk fails as a whole, reported per request
                for request in chunk:
                    yield request, err
                continue
            for request, output in zip(chunk, outputs):
                yield request, completions_from_output(output)

    def _generate(self, chunk: list[ChatRequest]):
        conversations = [render_messages(r.profile, r.problem) for r in chunk]
        params = [sampling_params_for(r, self.sampling_params_cls) for r in chunk]
        return self.engine.chat(conversations, params, use_tqdm=False)
