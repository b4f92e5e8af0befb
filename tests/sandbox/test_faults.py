"""Infrastructure faults are retried on a fresh container and never fail a solution."""

import threading
import time

import pytest

from sandbox.errors import SandboxFault
from sandbox.verify import Solution, VerifySettings, verify_one
from schemas import Verdict
from tests.factories import DOUBLE, DOUBLE_SOLUTION, stdin_problem


class FlakyExecutor:
    """Fails the first `failures` requests like a dying sandbox would, then answers for real."""

    def __init__(self, real, failures):
        self.real, self.failures, self.calls = real, failures, 0

    def run(self, payload, timeout_s):
        self.calls += 1
        if self.calls <= self.failures:
            raise SandboxFault("container vanished (simulated)")
        return self.real.run(payload, timeout_s)


@pytest.mark.slow
@pytest.mark.docker
def test_fault_is_retried_and_the_verdict_is_the_solutions(docker_pool):
    flaky = FlakyExecutor(docker_pool, failures=2)
    result = verify_one(DOUBLE, Solution(DOUBLE.id, "s", DOUBLE_SOLUTION), flaky)
    assert result.verdict is Verdict.ACCEPTED and result.attempts == 3


@pytest.mark.slow
@pytest.mark.docker
def test_persistent_fault_is_sandbox_error_not_a_failure(docker_pool):
    flaky = FlakyExecutor(docker_pool, failures=10)
    result = verify_one(DOUBLE, Solution(DOUBLE.id, "s", DOUBLE_SOLUTION), flaky, VerifySettings(max_attempts=3))
    assert result.verdict is Verdict.SANDBOX_ERROR and result.attempts == 3 and flaky.calls == 3
    assert "simulated" in result.tests[0].detail


@pytest.mark.slow
@pytest.mark.docker
def test_container_killed_mid_request_is_replaced_and_the_request_retried():
    from sandbox.docker_pool import DockerPool
    from sandbox.image import ensure_image

    slow = stdin_problem(("21\n", "42\n"), time_limit_s=5.0)
    code = "import time\ntime.sleep(1.5)\nprint(int(input()) * 2)"
    with DockerPool(ensure_image(log=lambda _: None), size=1) as pool:
        verify_one(DOUBLE, Solution(DOUBLE.id, "warm-up", DOUBLE_SOLUTION), pool)
        (container,) = pool._live.values()
        killer = threading.Thread(target=lambda: (time.sleep(0.5), container.container.kill()))
        killer.start()
        result = verify_one(slow, Solution(slow.id, "s", code), pool)
        killer.join()
        assert result.verdict is Verdict.ACCEPTED and result.attempts == 2
        assert pool.recycled == 1
