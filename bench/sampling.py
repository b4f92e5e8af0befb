"""Teacher client benchmark against a real `transformers serve` of the embedded model.

    .venv/bin/python bench/sampling.py [--requests 24] [--tokens 48] [--concurrency 4] [--json PATH]

1. Client overhead: the same 1-token chat request sent sequentially with raw `httpx` and with
   `TeacherClient.chat` (retries, semaphore, parsing); reports mean latency of each and the
   difference per request (the client's own cost).
2. Throughput: `--requests` requests of `--tokens` tokens through `TeacherClient`, at
   concurrency 1 and at `--concurrency` (the server runs with continuous batching);
   reports completion tokens/s and the ratio.
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
from pipeline.teacher.server import ManagedServer  # noqa: E402

PROMPT = [{"role": "user", "content": "Write a Python function that returns the sum of a list."}]


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


async def throughput(base_url: str, model: str, requests: int, tokens: int, concurrency: int) -> dict:
    settings = ClientSettings(base_urls=(base_url,), concurrency=concurrency, timeout_s=600)
    params = {"max_tokens": tokens, "temperature": 0.7, "top_p": 0.95}
    async with TeacherClient(settings) as client:
        started = time.perf_counter()
        results = await asyncio.gather(*(client.chat(model, PROMPT, params, seed=i) for i in range(requests)))
        elapsed = time.perf_counter() - started
    generated = sum(c.completion_tokens for r in results for c in r)
    return rate(
        generated, elapsed, "tokens_per_s", concurrency=concurrency, requests=requests, completion_tokens=generated
    )


def main() -> None:
    print(machine_line(), file=sys.stderr)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=24)
    parser.add_argument("--tokens", type=int, default=48)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--overhead-rounds", type=int, default=30)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    model = str(ensure_hf_folder(log=lambda m: print(m, file=sys.stderr)))
    with ManagedServer.transformers(model) as server:
        server.start(timeout_s=600)
        cost = asyncio.run(overhead(server.base_url, model, args.overhead_rounds))
        serial = asyncio.run(throughput(server.base_url, model, args.requests, args.tokens, 1))
        parallel = asyncio.run(throughput(server.base_url, model, args.requests, args.tokens, args.concurrency))
    result = {
        "overhead": cost,
        "serial": serial,
        "concurrent": parallel,
        "concurrency_speedup": round(parallel["tokens_per_s"] / serial["tokens_per_s"], 2),
    }
    print(
        f"client overhead: raw httpx {cost['raw_httpx_ms']} ms, TeacherClient {cost['teacher_client_ms']} ms "
        f"per 1-token request -> {cost['overhead_ms']} ms ({cost['ratio']}x)"
    )
    for row in (serial, parallel):
        print(
            f"concurrency {row['concurrency']}: {row['requests']} requests x {args.tokens} tokens -> "
            f"{row['tokens_per_s']} tokens/s ({row['seconds']} s)"
        )
    print(f"concurrency {args.concurrency} vs 1: {result['concurrency_speedup']}x tokens/s")
    save_json(args.json, result)


if __name__ == "__main__":
    main()
