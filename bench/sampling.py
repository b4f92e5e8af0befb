"""Teacher sampling benchmark: vLLM (the CPU build, `.venv-vllm`) against `transformers serve
--continuous-batching`, the same embedded model and prompts, one server at a time, in one run.

    .venv/bin/python bench/sampling.py [--tokens 256] [--levels 1 16 32] [--json PATH]

1. Throughput: at each level of requests in flight, 2 x level requests (4 at level 1) of up to
   `--tokens` completion tokens through `TeacherClient`; completion tokens/s per server, and
   vLLM's ratio to `transformers serve` at each level: temperature 0.7, a seed per request, a
   prompt that runs to max_tokens on both servers (so every request generates `--tokens`). Then
   16 in flight with top_p 0.95 (the recipes' nucleus sampling, which vLLM's CPU sampler pays
   for), and the sampling stage's shape: 4 requests of `--n` samples each (top_p 0.95).
2. Client overhead (on vLLM): the same 1-token chat request sent sequentially with raw `httpx` and
   with `TeacherClient.chat` (retries, semaphore, parsing): the client's own cost per request.
Each server's start time is reported too (vLLM: compile cache warm or cold, as found).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import machine_line, rate, save_json  # noqa: E402
from pipeline.teacher.client import ClientSettings, TeacherClient  # noqa: E402
from pipeline.teacher.embedded import ensure_hf_folder  # noqa: E402
from pipeline.teacher.sample_run import HFTokenCounter  # noqa: E402
from pipeline.teacher.server import ManagedServer  # noqa: E402

PROMPT = [{"role": "user", "content": "Write a Python function that returns the sum of a list."}]
# A prompt the model keeps answering past --tokens (every request on both servers ran to max_tokens
# in the 2026-12-07 runs; the table counts it): each request generates exactly --tokens tokens on
# both servers, as in the measurement. `transformers serve` rejects `ignore_eos` and
# `min_tokens`, so the prompt is what fixes the length.
LONG_PROMPT = [
    {"role": "user", "content": "Write a very long story about a dragon who learns to code. Use at least 2000 words."}
]
CPU_VLLM_ARGS = ("--dtype", "bfloat16", "--max-model-len", "2048")  # as recipes/default.yaml


async def overhead(base_url: str, model: str, rounds: int) -> dict:
    body = {"model": model, "messages": PROMPT, "max_tokens": 1, "temperature": 0.0}
    raw, ours = [], []
    async with (
        httpx.AsyncClient(timeout=120) as http,
        TeacherClient(ClientSettings(base_urls=(base_url,), concurrency=1)) as client,
    ):
        for _ in range(3):  # warm both paths
            await http.post(f"{base_url}/chat/completions", json=body)
            await client.chat(model, PROMPT, {"max_tokens": 1, "temperature": 0.0})
        for _ in range(rounds):  # interleaved so drift hits both alike
            started = time.perf_counter()
            response = await http.post(f"{base_url}/chat/completions", json=body)
            response.raise_for_status()
            raw.append(time.perf_counter() - started)
            started = time.perf_counter()
            await client.chat(model, PROMPT, {"max_tokens": 1, "temperature": 0.0})
            ours.append(time.perf_counter() - started)
    return {
        "raw_httpx_ms": round(statistics.mean(raw) * 1000, 2),
        "teacher_client_ms": round(statistics.mean(ours) * 1000, 2),
        "overhead_ms": round((statistics.mean(ours) - statistics.mean(raw)) * 1000, 2),
        "ratio": round(statistics.mean(ours) / statistics.mean(raw), 3),
    }


async def throughput(
    base_url: str, model: str, requests: int, tokens: int, concurrency: int, top_p: float | None = None
) -> dict:
    settings = ClientSettings(base_urls=(base_url,), concurrency=concurrency, timeout_s=600)
    params = {"max_tokens": tokens, "temperature": 0.7, **({"top_p": top_p} if top_p is not None else {})}
    async with TeacherClient(settings) as client:
        started = time.perf_counter()
        results = await asyncio.gather(*(client.chat(model, LONG_PROMPT, params, seed=i) for i in range(requests)))
        elapsed = time.perf_counter() - started
    generated = sum(c.completion_tokens for r in results for c in r)
    cut = sum(c.finish_reason == "length" for r in results for c in r)
    return rate(generated, elapsed, "tokens_per_s", concurrency=concurrency, requests=requests,
                completion_tokens=generated, ran_to_max_tokens=cut, top_p=top_p)  # fmt: skip


TASKS = [f"Write a Python function that returns the {k} of a list of integers, in one ```python code block."
         for k in ("sum", "maximum", "median", "product")]  # fmt: skip


async def sample_workload(base_url: str, model: str, tokens: int, n: int, counter) -> dict:
    """The sampling stage's shape: one request per problem with `n` samples (vLLM answers with n
    choices sharing the prompt's KV; a server that ignores `n` gets the rest one by one)."""
    settings = ClientSettings(base_urls=(base_url,), concurrency=len(TASKS), timeout_s=600)
    params = {"max_tokens": tokens, "temperature": 0.7, "top_p": 0.95}
    async with TeacherClient(settings) as client:
        started = time.perf_counter()
        results = await asyncio.gather(
            *(client.chat(model, [{"role": "user", "content": t}], params, n=n, seed=i) for i, t in enumerate(TASKS))
        )
        elapsed = time.perf_counter() - started
    generated = sum(counter.count_many([c.content for r in results for c in r]))
    return rate(generated, elapsed, "tokens_per_s", requests=len(TASKS), n=n, samples=sum(map(len, results)),
                completion_tokens=generated)  # fmt: skip


def measure(server: ManagedServer, model: str, levels: list[int], tokens: int) -> list[dict]:
    rows = []
    for level in levels:
        requests = 4 if level == 1 else 2 * level
        row = asyncio.run(throughput(server.base_url, model, requests, tokens, level))
        print(f"  {level:>3} in flight: {row['requests']} requests -> {row['tokens_per_s']} tokens/s", file=sys.stderr)
        rows.append(row)
    return rows


def main() -> None:
    print(machine_line(), file=sys.stderr)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tokens", type=int, default=256)
    parser.add_argument("--levels", type=int, nargs="+", default=[1, 16, 32])
    parser.add_argument("--overhead-rounds", type=int, default=30)
    parser.add_argument("--n", type=int, default=8, help="samples per request in the sampling-stage workload")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    model = str(ensure_hf_folder(log=lambda m: print(m, file=sys.stderr)))
    counter = HFTokenCounter(model)
    servers = {
        "vllm": ManagedServer.vllm(model, extra_args=CPU_VLLM_ARGS),
        "transformers": ManagedServer.transformers(model),
    }
    result: dict = {"tokens": args.tokens, "servers": {}}
    for name, server in servers.items():
        with server:
            print(f"{name}: up in {server.started_in_s:.1f} s", file=sys.stderr)
            result["servers"][name] = {"start_s": round(server.started_in_s, 1)}
            result["servers"][name]["levels"] = measure(server, model, args.levels, args.tokens)
            nucleus = asyncio.run(throughput(server.base_url, model, 32, args.tokens, 16, top_p=0.95))
            print(f"  16 in flight, top_p 0.95: {nucleus['tokens_per_s']} tokens/s", file=sys.stderr)
            result["servers"][name]["top_p"] = nucleus
            workload = asyncio.run(sample_workload(server.base_url, model, args.tokens, args.n, counter))
            print(f"  {len(TASKS)} requests x n={args.n}: {workload['tokens_per_s']} tokens/s", file=sys.stderr)
            result["servers"][name]["workload"] = workload
            if name == "vllm":
                result["overhead"] = asyncio.run(overhead(server.base_url, model, args.overhead_rounds))
    vllm, hf = (result["servers"][n]["levels"] for n in ("vllm", "transformers"))
    result["ratio"] = {str(a["concurrency"]): round(a["tokens_per_s"] / b["tokens_per_s"], 2) for a, b in zip(vllm, hf)}
    print("| in flight | vLLM tokens/s | transformers serve tokens/s | vLLM / transformers |")
    print("|---:|---:|---:|---:|")
    for a, b in zip(vllm, hf):
        level = a["concurrency"]
        print(f"| {level} | {a['tokens_per_s']} | {b['tokens_per_s']} | {result['ratio'][str(level)]}x |")
    a, b = (result["servers"][n]["top_p"]["tokens_per_s"] for n in ("vllm", "transformers"))
    result["ratio"]["16_top_p"] = round(a / b, 2)
    print(f"| 16, top_p 0.95 (the recipes' nucleus sampling) | {a} | {b} | {a / b:.2f}x |")
    a, b = (result["servers"][n]["workload"]["tokens_per_s"] for n in ("vllm", "transformers"))
    result["ratio"]["workload"] = round(a / b, 2)
    print(f"| {len(TASKS)} requests x n={args.n} (the sampling stage's shape) | {a} | {b} | {a / b:.2f}x |")
    starts = {n: s["start_s"] for n, s in result["servers"].items()}
    print(f"server start: {starts}")
    cost = result["overhead"]
    print(
        f"client overhead: raw httpx {cost['raw_httpx_ms']} ms, TeacherClient {cost['teacher_client_ms']} ms "
        f"per 1-token request -> {cost['overhead_ms']} ms ({cost['ratio']}x)"
    )
    save_json(args.json, result)


if __name__ == "__main__":
    main()
