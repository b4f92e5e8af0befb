"""Shared pieces of the fault tests: HumanEval problem/solution files, the `trajforge` command
run as a killable process, and clean-up of the sandbox containers a killed process leaves."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def embedded_folder() -> Path:
    """The converted SmolLM2 teacher (cached under ~/.cache/trajforge; ~1 minute the first time)."""
    from pipeline.teacher.embedded import ensure_hf_folder

    return ensure_hf_folder(log=lambda _: None)


def humaneval_problems():
    from pipeline.problems.sources import humaneval

    return [humaneval.normalize(row) for row in humaneval.package_rows()]


def write_problems(path: Path, problems) -> Path:
    from pipeline.problems.files import dump_problem

    path.write_text("".join(dump_problem(p) + "\n" for p in problems), encoding="utf-8")
    return path


def write_jsonl(path: Path, rows) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def complete_lines(path: Path) -> list[bytes]:
    """The whole JSON lines of a file being appended to (a torn last line from a kill is left out)."""
    if not path.exists():
        return []
    lines = []
    for line in path.read_bytes().splitlines(keepends=True):
        if not line.endswith(b"\n"):
            break
        try:
            json.loads(line)
        except ValueError:
            break
        lines.append(line)
    return lines


def verify_args(problems: Path, solutions: Path, out: Path, workers: int = 2) -> list[str]:
    """The `trajforge verify` arguments the fault tests run (and kill, and run again)."""
    return ["verify", "--problems", str(problems), "--solutions", str(solutions), "--out", str(out),
            "--workers", str(workers)]  # fmt: skip


def start_trajforge(args: list[str], log: Path) -> subprocess.Popen:
    """`trajforge ARGS` in its own process group (so a kill takes nothing else with it)."""
    with open(log, "wb") as out:  # the child keeps its own descriptor
        return subprocess.Popen(
            [sys.executable, "-m", "pipeline.cli", *args],
            cwd=REPO,
            env=dict(os.environ),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def run_trajforge(args: list[str], log: Path, timeout_s: float = 600) -> tuple[int, dict]:
    """Run to the end; (exit code, the JSON summary it prints last)."""
    process = start_trajforge(args, log)
    try:
        code = process.wait(timeout=timeout_s)
    finally:
        kill_group(process)
    lines = [line for line in log.read_text(errors="replace").splitlines() if line.startswith("{")]
    return code, (json.loads(lines[-1]) if lines else {})


def kill_when(process: subprocess.Popen, ready: Callable[[], bool], timeout_s: float, log: Path) -> None:
    """SIGKILL `process` (and its group) as soon as `ready()`; fail if it ended or never got there."""
    deadline = time.monotonic() + timeout_s
    while not ready():
        assert process.poll() is None, f"exited ({process.returncode}) before the kill:\n{log.read_text()[-3000:]}"
        assert time.monotonic() < deadline, f"not ready after {timeout_s}s:\n{log.read_text()[-3000:]}"
        time.sleep(0.05)
    kill_group(process)


def kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def remove_sandbox_containers_of(pid: int) -> int:
    """Remove the sandbox containers a (killed) process started; they carry its host:pid label."""
    import docker

    from sandbox.docker_pool import OWNER_LABEL

    owner = f"{socket.gethostname()}:{pid}"
    client = docker.from_env()
    containers = client.containers.list(all=True, filters={"label": f"{OWNER_LABEL}={owner}"})
    for container in containers:
        container.remove(force=True)
    return len(containers)
