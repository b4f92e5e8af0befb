"""UNSAFE development backend: runners as plain local processes, no container.

It applies the same rlimits and judging as the Docker backend but shares this machine's
user, filesystem, network and environment with the code it runs: a hostile program can read
your files, reach the network and kill your processes. Never use it on model output you do
not trust; it is off by default and exists for quick local iteration without a Docker engine.
"""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
from pathlib import Path

from sandbox.errors import SandboxFault

RUNNER = Path(__file__).with_name("runner.py")


class _LocalRunner:
    def __init__(self):
        self.process = subprocess.Popen(
            [sys.executable, "-u", str(RUNNER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
        )

    def request(self, payload: dict, timeout_s: float) -> dict:
        reply: list[str] = []
        reader = threading.Thread(target=lambda: reply.append(self.process.stdout.readline()), daemon=True)
        try:
            self.process.stdin.write(json.dumps(payload) + "\n")
            self.process.stdin.flush()
        except OSError as err:
            raise SandboxFault(f"local runner: {err}") from None
        reader.start()
        reader.join(timeout_s)
        if not reply or not reply[0]:
            raise SandboxFault("local runner did not answer in time or exited")
        response = json.loads(reply[0])
        if response.get("runner_error"):
            raise SandboxFault(f"runner error: {response['runner_error']}")
        return response

    def close(self) -> None:
        self.process.kill()
        self.process.wait()


class ProcessPool:
    """Same interface as `DockerPool`: `run(payload, timeout_s)`. UNSAFE, see the module docstring."""

    def __init__(self, size: int):
        self.size = size
        self._idle: queue.Queue[_LocalRunner | None] = queue.Queue()
        for _ in range(size):
            self._idle.put(None)
        self._all: list[_LocalRunner] = []
        self._lock = threading.Lock()

    def run(self, payload: dict, timeout_s: float) -> dict:
        runner = self._idle.get() or self._start()
        try:
            response = runner.request(payload, timeout_s)
        except SandboxFault:
            runner.close()
            self._idle.put(None)
            raise
        self._idle.put(runner)
        return response

    def _start(self) -> _LocalRunner:
        runner = _LocalRunner()
        with self._lock:
            self._all.append(runner)
        return runner

    def close(self) -> None:
        with self._lock:
            for runner in self._all:
                runner.close()
            self._all.clear()

    def __enter__(self) -> ProcessPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
