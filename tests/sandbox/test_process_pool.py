"""The UNSAFE development backend speaks the same protocol and gives the same verdicts."""

from sandbox.process_pool import ProcessPool
from sandbox.verify import Solution, verify_one
from schemas import Verdict
from tests.factories import DOUBLE, DOUBLE_SOLUTION


def test_process_backend_judges_like_the_docker_one():
    with ProcessPool(size=1) as pool:
        assert verify_one(DOUBLE, Solution(DOUBLE.id, "a", DOUBLE_SOLUTION), pool).verdict is Verdict.ACCEPTED
        assert verify_one(DOUBLE, Solution(DOUBLE.id, "b", "print(1)"), pool).verdict is Verdict.WRONG_ANSWER
        assert verify_one(DOUBLE, Solution(DOUBLE.id, "c", "1/0"), pool).verdict is Verdict.RUNTIME_ERROR
        assert verify_one(DOUBLE, Solution(DOUBLE.id, "d", "while True: pass"), pool).verdict is Verdict.TIME_LIMIT


def test_process_backend_never_drops_privileges_or_kills_other_users_processes(monkeypatch):
    import sandbox.runner as runner

    assert runner.ISOLATED is False  # TF_SANDBOX_ISOLATED is only set inside the container
