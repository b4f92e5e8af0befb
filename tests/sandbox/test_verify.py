"""The host side of verification: a time-out is judged once more before it is final (load on the host is
not the program's fault), an infrastructure fault is retried but a failing checker is not, and a problem's
own float tolerance.
The executor here is a scripted stand-in for the sandbox (the logic under test is the host's)."""

from sandbox.verify import Solution, VerifySettings, verify_one
from schemas import Verdict
from tests.factories import DOUBLE

TIMED_OUT = {"compile_error": None, "tests": [{"index": 0, "status": "time_limit", "time_s": 3.0, "detail": ""}]}


def _ok(problem):
    return {"compile_error": None, "tests": [{"index": i, "status": "ok", "time_s": 0.1, "stdout": t.output}
                                             for i, t in enumerate(problem.tests)]}  # fmt: skip


class Scripted:
    size = 1

    def __init__(self, *responses):
        self.responses, self.calls = list(responses), 0

    def run(self, payload, timeout_s):
        self.calls += 1
        return self.responses.pop(0)


def test_a_time_out_then_a_pass_is_accepted_after_the_second_run():
    executor = Scripted(TIMED_OUT, _ok(DOUBLE))
    result = verify_one(DOUBLE, Solution(DOUBLE.id, "s", "print(1)"), executor)
    assert result.verdict is Verdict.ACCEPTED and result.attempts == 2 and executor.calls == 2


def test_two_time_outs_are_final_and_the_rerun_can_be_turned_off():
    twice = Scripted(TIMED_OUT, TIMED_OUT)
    assert verify_one(DOUBLE, Solution(DOUBLE.id, "s", "x"), twice).verdict is Verdict.TIME_LIMIT
    assert twice.calls == 2
    once = Scripted(TIMED_OUT)
    settings = VerifySettings(rerun_time_limit=False)
    assert verify_one(DOUBLE, Solution(DOUBLE.id, "s", "x"), once, settings).verdict is Verdict.TIME_LIMIT
    assert once.calls == 1


def test_a_problems_own_float_tolerance_replaces_the_runs():
    from dataclasses import replace

    from schemas import TestCase

    pi = replace(DOUBLE, tests=(TestCase("\n", "3.14159\n"),))
    answer = {"compile_error": None, "tests": [{"index": 0, "status": "ok", "time_s": 0.1, "stdout": "3.141\n"}]}
    assert verify_one(pi, Solution(pi.id, "s", "x"), Scripted(answer)).verdict is Verdict.WRONG_ANSWER
    loose = replace(pi, float_tolerance=1e-3)
    assert verify_one(loose, Solution(pi.id, "s", "x"), Scripted(answer)).verdict is Verdict.ACCEPTED


def test_a_sandbox_fault_is_retried_but_a_failing_checker_is_not():
    from dataclasses import replace

    checked = replace(DOUBLE, checker="import sys\nsys.exit(0)")
    infrastructure = {"compile_error": None, "tests": [
        {"index": 0, "status": "sandbox_error", "time_s": 0.0, "detail": "sandbox set-up failed"}]}  # fmt: skip
    accepted = {"compile_error": None, "tests": [
        {"index": i, "status": "ok", "time_s": 0.1, "checker": {"accepted": True, "failed": False, "message": ""}}
        for i in range(len(DOUBLE.tests))]}  # fmt: skip
    retried = Scripted(infrastructure, accepted)
    result = verify_one(checked, Solution(DOUBLE.id, "s", "x"), retried)
    assert result.verdict is Verdict.ACCEPTED and retried.calls == 2
    broken = {"compile_error": None, "tests": [{"index": 0, "status": "ok", "time_s": 0.1,
              "checker": {"accepted": False, "failed": True, "message": "checker failed (exit 3): boom"}}]}  # fmt: skip
    once = Scripted(broken, accepted)
    result = verify_one(checked, Solution(DOUBLE.id, "s", "x"), once)
    assert result.verdict is Verdict.SANDBOX_ERROR and once.calls == 1 and "boom" in result.tests[0].detail
