"""DockerPool when the Docker engine goes away (a restart): faults, never crashes; container starts
are retried with backoff instead of using up the solution's attempts; idle containers that died
with the engine are replaced before use. No engine needed: the client and the containers are
stand-ins (tests/faults/test_docker_restart.py does it for real)."""

import time
import types

import docker.errors
import pytest
import requests

import sandbox.docker_pool as docker_pool
from sandbox.docker_pool import DockerPool
from sandbox.errors import SandboxFault
from sandbox.verify import Solution, verify_one
from schemas import Verdict
from tests.factories import DOUBLE, DOUBLE_SOLUTION

GONE = requests.exceptions.ConnectionError(("Connection aborted.", FileNotFoundError(2, "No such file")))


class Engine:
    """Stands in for the docker client: the next `failing_starts` container starts fail like a
    restarting engine (requests' ConnectionError, an OSError); `error` replaces that error."""

    def __init__(self, failing_starts: int = 0, error: Exception = GONE):
        self.failing_starts, self.error, self.started = failing_starts, error, []
        self.containers = types.SimpleNamespace(list=lambda **_: [])  # no orphans to reap


class Container:
    """A started container whose runner answers every request as all tests passing, until it dies."""

    def __init__(self, client: Engine, image, slot, limits, runtime="runc"):
        if client.failing_starts:
            client.failing_starts -= 1
            raise client.error
        self.slot, self.requests, self.alive, self.checks = slot, 0, True, 0
        self.checked = time.monotonic()
        client.started.append(self)

    def request(self, payload, timeout_s):
        self.requests += 1
        if not self.alive:
            raise SandboxFault("container closed its stream")
        return {
            "tests": [
                {"index": i, "status": "ok", "stdout": str(int(t["input"]) * 2) + "\n", "time_s": 0.0}
                for i, t in enumerate(payload["tests"])
            ],
            "clean": True,
        }

    def running(self):
        self.checks += 1
        self.checked = time.monotonic()
        return self.alive

    def close(self):
        self.alive = False


@pytest.fixture(autouse=True)
def fake_containers(monkeypatch):
    monkeypatch.setattr(docker_pool, "WarmContainer", Container)


def verify(pool, solution_id="s"):
    return verify_one(DOUBLE, Solution(DOUBLE.id, solution_id, DOUBLE_SOLUTION), pool)


def test_starts_are_retried_with_backoff_while_the_engine_restarts():
    engine = Engine(failing_starts=3)
    pool = DockerPool("img", size=1, client=engine, engine_wait_s=30)
    started = time.monotonic()
    result = verify(pool)
    assert result.verdict is Verdict.ACCEPTED and result.attempts == 1  # the outage cost no attempt
    assert len(engine.started) == 1 and time.monotonic() - started >= 0.25 + 0.5 + 1.0  # backoff doubles


def test_an_engine_that_stays_down_is_a_sandbox_error_and_later_starts_fail_fast():
    engine = Engine(failing_starts=10**6)
    pool = DockerPool("img", size=2, client=engine, engine_wait_s=0.5)
    with pytest.raises(SandboxFault, match="no container started"):  # not requests' exception escaping
        pool.run({"tests": []}, timeout_s=1)
    started = time.monotonic()
    result = verify(pool)
    assert result.verdict is Verdict.SANDBOX_ERROR and result.attempts == 3
    assert "ConnectionError" in result.tests[0].detail
    assert time.monotonic() - started < 0.5  # the outage is the pool's: no new wait per attempt
    assert pool._idle.qsize() == 2  # every slot is back for when the engine returns
    engine.failing_starts = 0
    assert verify(pool).verdict is Verdict.ACCEPTED  # a start that succeeds ends the outage


def test_a_missing_image_fails_at_once():
    engine = Engine(failing_starts=10**6, error=docker.errors.ImageNotFound("no such image"))
    pool = DockerPool("img", size=1, client=engine, engine_wait_s=30)
    started = time.monotonic()
    assert verify(pool).verdict is Verdict.SANDBOX_ERROR
    assert time.monotonic() - started < 1


def test_idle_containers_that_died_with_the_engine_are_replaced_without_using_an_attempt():
    engine = Engine()
    pool = DockerPool("img", size=3, client=engine, engine_wait_s=30)
    warm = [pool._start(slot) for slot in range(3)]
    while not pool._idle.empty():
        pool._idle.get()
    for container in warm:
        pool._idle.put(container)  # three warm, idle containers
    time.sleep(0.01)
    for container in warm:
        container.alive = False  # the engine restarted: all three are gone
    result = verify(pool)
    # attempt 1 meets the first dead container (nothing had failed yet, so it is not checked);
    # attempt 2 finds the next one dead on its check and starts a fresh container instead.
    assert result.verdict is Verdict.ACCEPTED and result.attempts == 2
    assert warm[1].checks == 1 and warm[1].requests == 0 and len(engine.started) == 4
    assert verify(pool, "t").attempts == 1  # the third dead one is replaced too, before any request


def test_healthy_idle_containers_are_checked_once_per_fault():
    engine = Engine()
    pool = DockerPool("img", size=1, client=engine, engine_wait_s=30)
    verify(pool)
    (container,) = engine.started
    pool._last_fault = time.monotonic()  # some request failed somewhere
    verify(pool)
    verify(pool)
    assert container.checks == 1 and container.requests == 3
