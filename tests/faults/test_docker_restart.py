"""The Docker engine restarts in the middle of `trajforge verify`: every container dies with it.

Correct (HumanEval canonical) solutions must never be judged anything but `accepted`. The request
in flight on a container that dies is a sandbox fault, retried; idle containers are checked before
reuse; container starts wait for the engine with backoff (DockerPool), so a restart of a few
seconds costs no solution its attempts and the run finishes with every solution accepted. (Had the
attempts run out, the verdict would be `sandbox_error`, which the next run retries: never a wrong
verdict.) A re-run then finds every pair verified, once.

The engine is restarted the way scripts/docker.sh runs it: SIGTERM to dockerd (it stops its
containers and exits), then scripts/docker.sh, which starts `dockerd` again when `docker info`
fails and waits for it. Whatever happens, the fixture leaves an engine running. Other users of
this engine (tests running beside this one) lose their containers too.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.faults import conftest as faults

pytestmark = [pytest.mark.slow, pytest.mark.docker]

COPIES = 3
DOCKERD_PIDFILE = Path("/var/run/docker.pid")


def _engine_answers() -> bool:
    return subprocess.run(["docker", "info"], capture_output=True, timeout=60).returncode == 0


def _dockerd_pid() -> int:
    if DOCKERD_PIDFILE.exists():
        return int(DOCKERD_PIDFILE.read_text().strip())
    found = subprocess.run(["pgrep", "-x", "dockerd"], capture_output=True, text=True).stdout.split()
    assert found, "no dockerd process: this test restarts the engine that scripts/docker.sh starts"
    return int(found[0])


def _start_engine() -> None:
    """scripts/docker.sh: starts dockerd (detached, in its own session) when `docker info` fails."""
    done = subprocess.run(
        ["bash", "scripts/docker.sh"],
        cwd=faults.REPO,
        capture_output=True,
        text=True,
        timeout=600,
        start_new_session=True,
    )
    assert done.returncode == 0 and _engine_answers(), f"dockerd did not come back:\n{done.stdout}\n{done.stderr}"


def _stop_engine(timeout_s: float = 90) -> None:
    pid = _dockerd_pid()
    os.kill(pid, signal.SIGTERM)  # graceful: dockerd stops every container, then exits
    deadline = time.monotonic() + timeout_s
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    if Path(f"/proc/{pid}").exists():
        os.kill(pid, signal.SIGKILL)


@pytest.fixture
def engine():
    """Yields a function that restarts dockerd; the engine answers again after the test, pass or fail."""
    assert _engine_answers(), "the Docker engine is not running (scripts/docker.sh starts it)"
    try:
        yield lambda: (_stop_engine(), _start_engine())
    finally:
        if not _engine_answers():
            _start_engine()


def test_engine_restart_mid_verify_never_fails_a_correct_solution(engine, tmp_path):
    problems = faults.humaneval_problems()
    problems_file = faults.write_problems(tmp_path / "problems.jsonl", problems)
    solutions = [
        {"problem_id": p.id, "solution_id": f"canonical-{i}", "code": p.reference_solution}
        for p in problems
        for i in range(COPIES)
    ]
    solutions_file = faults.write_jsonl(tmp_path / "solutions.jsonl", solutions)
    out, log = tmp_path / "V.jsonl", tmp_path / "verify.log"
    args = faults.verify_args(problems_file, solutions_file, out)

    process = faults.start_trajforge(args, log)
    try:
        deadline = time.monotonic() + 300
        while len(faults.complete_lines(out)) < 40:
            assert process.poll() is None, f"verify ended before the restart:\n{log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.05)
        restarted_at = len(faults.complete_lines(out))
        started = time.monotonic()
        engine()
        restart_s = time.monotonic() - started
        assert process.poll() is None, "verify finished during the restart: it did not cover the fault"
        code = process.wait(timeout=600)
    finally:
        faults.kill_group(process)
        left = faults.remove_sandbox_containers_of(process.pid)
    assert code == 0, f"verify did not survive the engine restart:\n{log.read_text()[-3000:]}"
    assert left == 0, "containers the restart stopped (or never started) were left behind"

    rows = [json.loads(line) for line in faults.complete_lines(out)]
    first_pass = Counter(r["verdict"] for r in rows)
    assert len(rows) == len({(r["problem_id"], r["solution_id"]) for r in rows}) == len(solutions)
    assert set(first_pass) <= {"accepted", "sandbox_error"}, (
        first_pass,
        [r for r in rows if r["verdict"] not in ("accepted", "sandbox_error")][:3],
    )
    retried = sum(r["attempts"] > 1 for r in rows)
    assert retried, "no solution needed a retry: the restart hit nothing in flight"
    # Container starts wait for the engine, so a restart of a few seconds uses up no solution's
    # attempts (before DockerPool retried starts, 15-19 of these 492 ended as sandbox_error).
    assert not first_pass["sandbox_error"], (
        first_pass,
        [r["tests"][0]["detail"] for r in rows if r["verdict"] == "sandbox_error"][:3],
    )

    code, summary = faults.run_trajforge(args, tmp_path / "resume.log")  # re-verifies sandbox_error rows only
    assert code == 0 and summary["verified"] == 0 and summary["skipped"] == len(solutions), summary
    final = [json.loads(line) for line in faults.complete_lines(out)]
    assert len(final) == len({(r["problem_id"], r["solution_id"]) for r in final}) == len(solutions)
    assert Counter(r["verdict"] for r in final) == {"accepted": len(solutions)}
    print(
        f"\nengine restarted after {restarted_at}/{len(solutions)} verdicts (took {restart_s:.1f}s); "
        f"first pass {dict(first_pass)}, {retried} solutions retried on a fresh container"
    )
