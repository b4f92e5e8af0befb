"""ManagedServer: a real `transformers serve` of the embedded model, and start failures."""

import os
import signal
import sys
import textwrap
import time
from pathlib import Path

import httpx
import pytest

from pipeline.teacher.server import (
    VLLM_PYTHON_ENV,
    ManagedServer,
    ServerStartError,
    _has_cuda,
    group_alive,
    vllm_python,
)

# A stand-in server for the lifecycle tests: answers /health on the --port it is given.
HEALTHY = textwrap.dedent("""
    import sys
    from http.server import BaseHTTPRequestHandler, HTTPServer
    class H(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200 if self.path == "/health" else 404); self.end_headers()
        def log_message(self, *a): pass
    HTTPServer(("127.0.0.1", int(sys.argv[sys.argv.index("--port") + 1])), H).serve_forever()
""")


def python_server(code: str, tmp_path: Path, **kwargs) -> ManagedServer:
    return ManagedServer([sys.executable, "-c", code], model_name="m", log_path=tmp_path / "server.log", **kwargs)


def assert_gone(pid: int | None) -> None:
    assert pid is not None and not group_alive(pid)


def test_vllm_command_line(tmp_path):
    server = ManagedServer.vllm(
        "Qwen/Qwen3-8B", port=8123, extra_args=("--served-model-name", "teacher"), python="/opt/py/bin/python"
    )
    assert server.command[:5] == [
        "/opt/py/bin/python",
        "-m",
        "vllm.entrypoints.openai.api_server",
        "--model",
        "Qwen/Qwen3-8B",
    ]
    line = " ".join(server.command)
    assert "--port 8123" in line and "--host 127.0.0.1" in line
    assert server.model_name == "teacher" and server.base_url == "http://127.0.0.1:8123/v1"
    assert ManagedServer.vllm("some/model", python="p").model_name == "some/model"
    # a Hub id may need the Hub; a local folder never does
    assert "HF_HUB_OFFLINE" not in server.env and server.env["VLLM_USE_AOT_COMPILE"] == "0"
    if not _has_cuda():  # a seeded request prefilled in chunks crashes the CPU engine
        assert server.command[-5] == "--no-enable-chunked-prefill"
    assert ManagedServer.vllm(str(tmp_path), python="p").env["HF_HUB_OFFLINE"] == "1"


def test_vllm_python_is_chosen_by_the_variable_or_explained(tmp_path, monkeypatch):
    monkeypatch.setenv(VLLM_PYTHON_ENV, str(tmp_path / "nope"))
    with pytest.raises(ServerStartError, match="no such interpreter"):
        vllm_python()
    monkeypatch.setenv(VLLM_PYTHON_ENV, sys.executable)
    assert vllm_python() == sys.executable


def test_transformers_command_line(tmp_path):
    server = ManagedServer.transformers(tmp_path / "model", port=8124, continuous_batching=False)
    assert server.command[1:] == [
        "serve",
        "--model-timeout",
        "-1",
        "--no-continuous-batching",
        "--host",
        "127.0.0.1",
        "--port",
        "8124",
    ]
    batched = " ".join(ManagedServer.transformers(tmp_path / "model", cb_memory_fraction=0.05).command)
    assert "--continuous-batching --cb-max-memory-percent 0.05" in batched
    assert server.model_name == str(tmp_path / "model")  # requests name the folder by its path


def test_exit_at_once_raises_with_log_tail(tmp_path):
    server = python_server("print('boom: no such model'); raise SystemExit(3)", tmp_path)
    started = time.monotonic()
    with pytest.raises(ServerStartError) as err:
        server.start(timeout_s=30)
    assert time.monotonic() - started < 10
    message = str(err.value)
    assert "exited with code 3" in message and "boom: no such model" in message and sys.executable in message
    assert_gone(server.pid)


def test_never_healthy_times_out_and_kills_the_group(tmp_path):
    code = (
        "import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)']);"
        "print('still loading', flush=True); time.sleep(600)"
    )
    server = python_server(code, tmp_path)
    started = time.monotonic()
    with pytest.raises(ServerStartError, match="(?s)health check.*still loading"):
        server.start(timeout_s=2)
    assert time.monotonic() - started < 10
    assert_gone(server.pid)  # the grandchild too: the whole group went


def test_restart_keeps_the_port(tmp_path):
    with python_server(HEALTHY, tmp_path, start_timeout_s=20) as server:
        assert httpx.get(server.base_url.removesuffix("/v1") + "/health").status_code == 200
        first, url = server.pid, server.base_url
        server.restart(timeout_s=20)
        assert server.pid != first and server.base_url == url and server.running
        assert httpx.get(url.removesuffix("/v1") + "/health").status_code == 200
        assert_gone(first)
    assert_gone(server.pid)


def test_stop_kills_a_server_that_ignores_sigterm(tmp_path):
    server = python_server("import signal; signal.signal(signal.SIGTERM, signal.SIG_IGN)\n" + HEALTHY, tmp_path).start(
        timeout_s=20
    )
    started = time.monotonic()
    server.stop(grace_s=1)
    assert time.monotonic() - started < 5
    assert_gone(server.pid)


@pytest.mark.slow
def test_missing_model_dir_fails_to_start(tmp_path):
    server = ManagedServer.transformers(tmp_path / "no-such-model", log_path=tmp_path / "server.log")
    with pytest.raises(ServerStartError, match="(?s)warm-up.*no-such-model"):
        server.start(timeout_s=120)
    assert_gone(server.pid)


@pytest.fixture(scope="module")
def embedded_server(embedded_folder: Path, tmp_path_factory):
    log = tmp_path_factory.mktemp("serve") / "server.log"
    with ManagedServer.transformers(embedded_folder, log_path=log, start_timeout_s=300) as server:
        yield server


@pytest.mark.slow
def test_models_endpoint_answers(embedded_server: ManagedServer):
    reply = httpx.get(f"{embedded_server.base_url}/models", timeout=30)
    assert reply.status_code == 200 and reply.json()["object"] == "list"


@pytest.mark.slow
def test_chat_completion_returns_text_and_usage(embedded_server: ManagedServer):
    body = {
        "model": embedded_server.model_name,
        "max_tokens": 16,
        "temperature": 0,
        "messages": [{"role": "user", "content": "Write a Python function that adds two numbers."}],
    }
    reply = httpx.post(f"{embedded_server.base_url}/chat/completions", json=body, timeout=120)
    assert reply.status_code == 200, reply.text
    data = reply.json()
    assert data["choices"][0]["message"]["content"].strip()
    assert 0 < data["usage"]["completion_tokens"] <= 16 and data["usage"]["prompt_tokens"] > 0


@pytest.mark.slow
def test_stop_leaves_no_process(embedded_folder: Path, tmp_path):
    server = ManagedServer.transformers(embedded_folder, log_path=tmp_path / "server.log")
    server.start(timeout_s=300)
    pid = server.pid
    assert group_alive(pid)
    server.stop()
    assert_gone(pid)
    assert not server.running
    with pytest.raises(httpx.ConnectError):
        httpx.get(server.base_url.removesuffix("/v1") + "/health", timeout=5)


def test_a_killed_parent_takes_its_server_with_it(tmp_path):
    import os
    import signal
    import subprocess

    parent = textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(Path(__file__).resolve().parents[3])!r})
        from pipeline.teacher.server import ManagedServer
        server = ManagedServer([sys.executable, "-c", {HEALTHY!r}], model_name="m",
                               log_path={str(tmp_path / "server.log")!r}, start_timeout_s=20, warmup=False)
        server.start()
        print(server.pid, flush=True)
        time.sleep(600)
    """)
    process = subprocess.Popen([sys.executable, "-c", parent], stdout=subprocess.PIPE, text=True)
    server_pid = int(process.stdout.readline())
    os.kill(process.pid, signal.SIGKILL)  # like a SIGKILLed `trajforge sample`: no cleanup runs
    process.wait()
    deadline = time.monotonic() + 10
    while group_alive(server_pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert_gone(server_pid)


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_a_zombie_left_in_the_group_does_not_count_as_alive():
    import subprocess

    child = subprocess.Popen([sys.executable, "-c", "pass"], start_new_session=True)
    stat = Path(f"/proc/{child.pid}/stat")
    deadline = time.monotonic() + 10
    while stat.read_text().rsplit(")", 1)[1].split()[0] != "Z" and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        assert not group_alive(child.pid)  # exited but not reaped: a zombie in its own group
    finally:
        child.wait()
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"], start_new_session=True)
    try:
        assert group_alive(live.pid)
    finally:
        live.kill()
        live.wait()


def test_sigterm_stops_the_server_even_when_the_starter_ignores_it(tmp_path):
    import signal

    previous = signal.signal(signal.SIGTERM, signal.SIG_IGN)  # inherited through fork and exec
    try:
        server = python_server(HEALTHY, tmp_path, start_timeout_s=20, warmup=False).start()
    finally:
        signal.signal(signal.SIGTERM, previous)
    pid = server.pid
    started = time.monotonic()
    server.stop(grace_s=8)
    assert time.monotonic() - started < 5  # SIGTERM did it; no wait for the SIGKILL after grace_s
    assert_gone(pid)


def test_shared_servers_start_one_server_per_command_and_stop_them_at_the_end(tmp_path):
    from pipeline.teacher.server import serving, shared_servers

    def healthy():
        return python_server(HEALTHY, tmp_path, start_timeout_s=20)

    with serving(healthy()) as alone:  # outside shared_servers: started and stopped as `with server:`
        pid = alone.pid
    assert_gone(pid)
    with shared_servers():
        with serving(healthy()) as first:
            pass
        assert first.running  # left up for the next stage
        with serving(healthy()) as second:
            assert second is first  # same command: the running one, no second start
        other = ManagedServer([sys.executable, "-c", HEALTHY, "other"], "m", log_path=tmp_path / "o.log")
        with serving(other) as third:
            assert third is other and third.pid != first.pid
        dead = first.pid
        os.killpg(dead, signal.SIGKILL)
        first.process.wait()
        with serving(healthy()) as again:  # it died: started again
            assert again.running and again.pid != dead
        pids = [again.pid, third.pid]
    for pid in pids:
        assert_gone(pid)
