"""Sampling through a real `transformers serve` of the embedded model, with the same client
code that talks to vLLM; and the faults a long run meets (server killed, server never up)."""

import asyncio
import json
import os
import signal
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from pipeline.teacher.client import ClientSettings, TeacherClient
from pipeline.teacher.profiles import SamplingProfile
from pipeline.teacher.sampling import HttpBackend, plan, sample
from pipeline.teacher.server import ManagedServer
from pipeline.teacher.store import TrajectoryStore
from schemas import Profile
from tests.factories import CALL, DOUBLE, run_cli

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[3]


def profiles(model: str, max_tokens: int):
    short = SamplingProfile(
        name="short",
        model=model,
        system_prompt="You write Python.",
        instructions="Answer with code only.",
        temperature=0.7,
        max_tokens=max_tokens,
        seed=1,
    )
    long = replace(short, name="long", instructions="Think step by step, then give the code.")
    return [short, long]


def run_sampling(base_url, problems, profile_list, store, retries=6):
    client = TeacherClient(
        ClientSettings(base_urls=(base_url,), concurrency=2, timeout_s=120, max_retries=retries, backoff_s=1.0)
    )

    async def go():
        try:
            return await sample(plan(problems, profile_list, store), HttpBackend(client), store, log=lambda _: None)
        finally:
            await client.close()

    return asyncio.run(go()), client


def test_short_and_long_trajectories_from_the_real_server(embedded_folder, tmp_path):
    store = TrajectoryStore(tmp_path / "t.jsonl")
    with ManagedServer.transformers(embedded_folder) as server:
        report, _ = run_sampling(server.base_url, [DOUBLE, CALL], profiles(str(embedded_folder), 24), store)
    assert report.stored == 4 and not report.failed
    rows = store.trajectories()
    assert {(t.problem_id, t.profile) for t in rows} == {
        (p.id, prof) for p in (DOUBLE, CALL) for prof in (Profile.SHORT, Profile.LONG)
    }
    for t in rows:
        assert t.answer.strip() and 0 < t.completion_tokens <= 24 and t.prompt_tokens > 0
        assert t.finish_reason in ("stop", "length") and t.truncated == (t.finish_reason == "length")
        assert t.server_url == server.base_url and t.latency_s > 0


def test_server_killed_mid_run_then_restarted_loses_and_duplicates_nothing(embedded_folder, tmp_path):
    store = TrajectoryStore(tmp_path / "t.jsonl")
    problems = [DOUBLE, CALL, replace(DOUBLE, id="t/triple", source_id="triple")]
    profile_list = profiles(str(embedded_folder), 48)
    server = ManagedServer.transformers(embedded_folder).start()
    try:

        def kill_then_restart():
            while len(store) < 1:
                time.sleep(0.2)
            os.killpg(server.process.pid, signal.SIGKILL)  # mid-run: other requests are in flight
            server.process.wait()
            time.sleep(2)
            server.start()

        chaos = threading.Thread(target=kill_then_restart)
        chaos.start()
        report, client = run_sampling(server.base_url, problems, profile_list, store, retries=12)
        chaos.join()
    finally:
        server.stop()
    assert client.retries > 0, "the kill should have forced retries"
    assert report.stored == 6 and not report.failed
    lines = (tmp_path / "t.jsonl").read_text().splitlines()
    ids = [json.loads(line)["id"] for line in lines]
    assert len(ids) == len(set(ids)) == 6


def test_run_killed_then_resumed_samples_only_the_rest(embedded_folder, tmp_path):
    store_path = tmp_path / "t.jsonl"
    with ManagedServer.transformers(embedded_folder) as server:
        first, _ = run_sampling(
            server.base_url, [DOUBLE], profiles(str(embedded_folder), 16), TrajectoryStore(store_path)
        )
        with open(store_path, "a") as handle:
            handle.write('{"id": "half a line from a kill')
        store = TrajectoryStore(store_path)
        requests = plan([DOUBLE, CALL], profiles(str(embedded_folder), 16), store)
        assert sorted((r.problem.id, r.profile.name) for r in requests) == [(CALL.id, "long"), (CALL.id, "short")]
        second, _ = run_sampling(server.base_url, [DOUBLE, CALL], profiles(str(embedded_folder), 16), store)
    assert first.stored == 2 and second.stored == 2 and len(TrajectoryStore(store_path)) == 4


def test_sample_command_with_a_dead_server_fails_clearly(tmp_path):
    recipe = tmp_path / "r.yaml"
    recipe.write_text(
        "teacher:\n  backend: openai\n  base_urls: [http://127.0.0.1:9/v1]\n  model: m\n  max_retries: 1\n"
        "  profiles:\n    short: {system_prompt: '', instructions: 'Code.', max_tokens: 8}\n"
    )
    problems = tmp_path / "p.jsonl"
    problems.write_text(
        json.dumps(
            {"problem_id": "1", "question": "q", "input_output": json.dumps({"inputs": ["1\n"], "outputs": ["1\n"]})}
        )
        + "\n"
    )
    done = run_cli("sample", "--problems", problems, "--recipe", recipe, "--out", tmp_path / "t.jsonl", timeout=120)
    assert done.returncode == 3  # probed before sampling: no request retries against a dead server
    assert "no teacher server answers at http://127.0.0.1:9/v1" in done.stderr
