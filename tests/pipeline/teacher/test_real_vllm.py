"""The embedded teacher on REAL vLLM (the CPU build in `.venv-vllm`, made by scripts/setup.sh):
the managed server's life cycle, and what sampling relies on: `n` distinct samples in one
request, seeds that reproduce, token counts and finish reasons in the stored rows."""

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx
import pytest

from pipeline.teacher.client import ClientSettings, TeacherClient
from pipeline.teacher.profiles import SamplingProfile
from pipeline.teacher.sample_run import HFTokenCounter
from pipeline.teacher.sampling import HttpBackend, plan, sample
from pipeline.teacher.server import ManagedServer, group_alive
from pipeline.teacher.store import TrajectoryStore
from tests.factories import CALL, DOUBLE

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[3]
CPU_ARGS = ("--dtype", "bfloat16", "--max-model-len", "2048")  # as recipes/default.yaml
PROMPT = [{"role": "user", "content": "Write a Python function that returns the n-th Fibonacci number."}]


@pytest.fixture(scope="module")
def vllm_server(embedded_folder: Path, tmp_path_factory):
    log = tmp_path_factory.mktemp("vllm") / "server.log"
    with ManagedServer.vllm(str(embedded_folder), extra_args=CPU_ARGS, log_path=log, start_timeout_s=600) as server:
        yield server


def chat(server: ManagedServer, n: int, seed: int | None, max_tokens: int = 40):
    async def go():
        settings = ClientSettings(base_urls=(server.base_url,), concurrency=4, timeout_s=120, max_retries=0)
        async with TeacherClient(settings) as client:
            params = {"temperature": 1.0, "top_p": 0.95, "max_tokens": max_tokens}
            return await client.chat(server.model_name, PROMPT, params, n=n, seed=seed)

    return asyncio.run(go())


def test_the_server_is_healthy_and_serves_the_embedded_folder(vllm_server: ManagedServer):
    root = vllm_server.base_url.removesuffix("/v1")
    assert httpx.get(f"{root}/health", timeout=10).status_code == 200
    models = httpx.get(f"{vllm_server.base_url}/models", timeout=10).json()
    assert [m["id"] for m in models["data"]] == [vllm_server.model_name]
    assert "vllm.entrypoints.openai.api_server" in vllm_server.command


def test_n_samples_come_back_distinct_in_one_request(vllm_server: ManagedServer):
    completions = chat(vllm_server, n=4, seed=7)
    assert len(completions) == 4
    assert len({c.content for c in completions}) == 4, [c.content for c in completions]


def test_a_fixed_seed_reproduces_and_another_seed_differs(vllm_server: ManagedServer):
    # vLLM's online server only reproduces a seed when the batch the request runs in is the same:
    # the n children of one request can land in different engine steps from call to call, and a
    # prefix-cache hit takes another kernel path (https://docs.vllm.ai/en/latest/usage/reproducibility/).
    # So: one sample per request, nothing else in flight, and a warm-up that fills the prefix cache.
    chat(vllm_server, 1, 5)
    first, again = chat(vllm_server, 1, 11), chat(vllm_server, 1, 11)
    others = [chat(vllm_server, 1, seed) for seed in (12, 13)]
    assert first[0].content == again[0].content
    assert any(other[0].content != first[0].content for other in others)


def test_stored_rows_carry_token_counts_and_finish_reasons(vllm_server: ManagedServer, embedded_folder, tmp_path):
    profile = SamplingProfile(
        name="short",
        model=vllm_server.model_name,
        system_prompt="You write Python.",
        instructions="Answer with code only.",
        temperature=0.7,
        max_tokens=12,  # short enough that some samples are cut
        n=3,
        seed=1,
    )
    store = TrajectoryStore(tmp_path / "t.jsonl")
    client = TeacherClient(ClientSettings(base_urls=(vllm_server.base_url,), concurrency=4, timeout_s=120))

    async def go():
        async with client:
            return await sample(
                plan([DOUBLE, CALL], [profile], store), HttpBackend(client), store, HFTokenCounter(str(embedded_folder))
            )

    report = asyncio.run(go())
    rows = store.trajectories()
    assert report.stored == 6 and not report.failed and len(rows) == 6
    assert {t.sample_index for t in rows} == {0, 1, 2}
    for t in rows:
        assert 0 < t.completion_tokens <= 12 and t.prompt_tokens > 0
        assert t.finish_reason in ("stop", "length") and t.truncated == (t.finish_reason == "length")
        assert t.server_url == vllm_server.base_url
    assert any(t.finish_reason == "length" for t in rows)


def test_a_killed_parent_takes_the_vllm_server_with_it(embedded_folder: Path, tmp_path):
    parent = textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(REPO)!r})
        from pipeline.teacher.server import ManagedServer
        server = ManagedServer.vllm({str(embedded_folder)!r}, extra_args={CPU_ARGS!r},
                                    log_path={str(tmp_path / "server.log")!r}, start_timeout_s=600)
        server.start()
        print(server.pid, flush=True)
        time.sleep(900)
    """)
    process = subprocess.Popen([sys.executable, "-c", parent], stdout=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    assert line.strip(), (tmp_path / "server.log").read_text()[-3000:]
    server_pid = int(line)
    assert group_alive(server_pid)
    os.kill(process.pid, signal.SIGKILL)  # like a SIGKILLed `trajforge run`: no cleanup runs
    process.wait()
    deadline = time.monotonic() + 60
    while group_alive(server_pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not group_alive(server_pid), "the API server or its engine outlived the parent"


def test_shifted_thinking_window_continues_through_vllms_completions_endpoint(vllm_server: ManagedServer):
    from pipeline.evaluation.stw import CONTINUATION_PHRASE
    from pipeline.evaluation.stw_server import ServerGenerator

    generator = ServerGenerator(vllm_server.base_url, vllm_server.model_name, "completions", concurrency=2)
    question = "Write a Python function `add(a, b)` that returns a + b. Explain it in detail first."
    [hit] = generator.generate([question], budget=8, answer_tokens=24)
    assert hit.budget_hit and hit.thinking_tokens == 8 and 0 < hit.answer_tokens <= 24
    assert CONTINUATION_PHRASE in hit.text and hit.text.endswith(hit.answer_text) and hit.answer_text.strip()
    [again] = generator.generate([question], budget=8, answer_tokens=24)
    assert again == hit  # greedy: the same text twice


def test_sky_t1_reflection_rewrite_through_the_real_server(vllm_server: ManagedServer):
    from pipeline.dataset.rewrite import rewrite_reflection
    from tests.pipeline.dataset.test_rewrite import CODE, ROWS

    async def go():
        settings = ClientSettings(base_urls=(vllm_server.base_url,), concurrency=4, timeout_s=120, max_retries=0)
        async with TeacherClient(settings) as client:
            return await rewrite_reflection(ROWS[:3], 1.0, 0, client, vllm_server.model_name, max_tokens=48)

    outcome = asyncio.run(go())
    assert outcome.chosen == 3 and len(outcome.rows) == 3
    for row in outcome.rows:
        assert row.response.endswith(CODE)  # whatever the 135M model wrote, the final answer is the original
    # every drawn row was either rewritten or its rewrite reported as not used (cut at 48 tokens)
    assert outcome.changed + len(outcome.rejected) >= 3
