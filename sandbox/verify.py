"""Verify solutions against their problem's tests: build runner requests, judge the results.

`verify_all` is what both `trajforge verify` and the Dagster verification assets call. The
executor is anything with `run(payload, timeout_s) -> response` (`DockerPool`, or the unsafe
`ProcessPool` for development). A `SandboxFault` is retried on a fresh runner; if every
attempt fails the verdict is `sandbox_error`, which callers treat as "not verified yet",
never as the solution's failure. A `JudgeFault` (the problem's own checker or interactor failed)
is `sandbox_error` at once: running it again would fail the same way.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Protocol

from sandbox.errors import JudgeFault, SandboxFault
from sandbox.extract import extract_program
from sandbox.judge import Tolerance, compare_returned, compare_stdout
from schemas import Problem, TestResult, TestStyle, Verdict, Verification

DETAIL_CHARS = 300
# A program over this size is judged without running it (a 5 MB program OOM-killed the runner
# while compiling): a verdict, not an infrastructure fault that would be retried for ever.
MAX_CODE_BYTES = 512 * 1024
_STATUS_VERDICT = {
    "time_limit": Verdict.TIME_LIMIT,
    "memory_limit": Verdict.MEMORY_LIMIT,
    "output_limit": Verdict.OUTPUT_LIMIT,
    "runtime_error": Verdict.RUNTIME_ERROR,
    "sandbox_error": Verdict.SANDBOX_ERROR,
}


class Executor(Protocol):
    size: int  # runners: how many requests it serves at once

    def run(self, payload: dict, timeout_s: float) -> dict: ...


@dataclass(frozen=True)
class Solution:
    problem_id: str
    solution_id: str
    code: str  # raw code, or a model answer with a fenced block
    language: str | None = None  # python, cpp or java; None: the fenced block's tag, else the problem's


@dataclass(frozen=True)
class VerifySettings:
    tolerance: Tolerance = field(default_factory=Tolerance)
    output_limit_bytes: int = 8 << 20
    max_attempts: int = 3
    stop_on_failure: bool = False  # True: faster, but `passed` then counts only up to the first failure
    rerun_time_limit: bool = True  # a time-out is judged again once before it is final (load is not the program's)


def build_request(problem: Problem, code: str, settings: VerifySettings, language: str = "python") -> dict:
    judged_by_program = bool(problem.checker or problem.interactor)
    return {
        "id": problem.id,
        "code": code,
        "language": language,
        "checker": problem.checker,
        "interactor": problem.interactor,
        "style": TestStyle(problem.test_style).value,
        "fn_name": problem.fn_name,
        # Expected outputs stay on the host: only inputs (and assert code) enter the sandbox, unless a
        # checker or interactor needs the answer (they run after the solution is gone, or as another uid).
        "tests": [{"input": t.input, **({"answer": t.output} if judged_by_program else {})} for t in problem.tests],
        "time_limit_s": problem.time_limit_s,
        "memory_limit_mb": problem.memory_limit_mb,
        "output_limit_bytes": settings.output_limit_bytes,
        "stop_on_failure": settings.stop_on_failure,
    }


def request_timeout(problem: Problem) -> float:
    return len(problem.tests) * (problem.time_limit_s * 2 + 1.5) + 15


def judge_test(problem: Problem, result: dict, tol: Tolerance) -> TestResult:
    index, status = result["index"], result["status"]
    expected = problem.tests[index].output
    if status != "ok":
        detail = result.get("detail") or result.get("stderr", "")[-DETAIL_CHARS:]
        verdict = _STATUS_VERDICT.get(status, Verdict.RUNTIME_ERROR)
        return TestResult(index, verdict, result["time_s"], detail[:DETAIL_CHARS], result.get("cpu_s"))
    style = TestStyle(problem.test_style)
    judged = result.get("checker")
    if judged is not None:  # a checker or interactor decided (testlib exit codes)
        verdict = Verdict.SANDBOX_ERROR if judged["failed"] else Verdict.ACCEPTED if judged["accepted"] else \
            Verdict.WRONG_ANSWER  # fmt: skip
        return TestResult(index, verdict, result["time_s"], judged["message"][:DETAIL_CHARS], result.get("cpu_s"))
    if problem.checker or problem.interactor:
        return TestResult(index, Verdict.SANDBOX_ERROR, result["time_s"], "the checker did not run")
    if style is TestStyle.STDIN:
        ok, detail = compare_stdout(result["stdout"], expected, tol)
    elif style is TestStyle.CALL:
        ok, detail = compare_returned(result["returned"], expected, tol)
    else:
        ok, detail = True, ""  # the asserts ran to the end
    verdict = Verdict.ACCEPTED if ok else Verdict.WRONG_ANSWER
    return TestResult(index, verdict, result["time_s"], detail[:DETAIL_CHARS], result.get("cpu_s"))


def judge_response(
    problem: Problem, solution_id: str, response: dict, tol: Tolerance, elapsed: float, attempts: int
) -> Verification:
    if response.get("compile_error"):
        detail = TestResult(0, Verdict.SYNTAX_ERROR, 0.0, response["compile_error"][:DETAIL_CHARS])
        return Verification(
            problem.id, solution_id, Verdict.SYNTAX_ERROR, 0, len(problem.tests), round(elapsed, 4), (detail,), attempts
        )
    if problem.float_tolerance is not None:  # the problem's own (a statement that says "within 1e-4")
        tol = Tolerance(problem.float_tolerance, problem.float_tolerance)
    tests = tuple(judge_test(problem, result, tol) for result in response["tests"])
    fault = next((t for t in tests if t.verdict is Verdict.SANDBOX_ERROR), None)
    if fault is not None:  # the sandbox, a checker or an interactor failed: no verdict on the solution
        raw = next(r for r in response["tests"] if r["index"] == fault.index)
        judge_failed = raw.get("judge_failed") or (raw.get("checker") or {}).get("failed")
        raise (JudgeFault if judge_failed else SandboxFault)(
            f"{problem.id}/{solution_id}: test {fault.index}: {fault.detail}"
        )
    passed = sum(t.verdict is Verdict.ACCEPTED for t in tests)
    failed = next((t.verdict for t in tests if t.verdict is not Verdict.ACCEPTED), None)
    verdict = Verdict.ACCEPTED if failed is None and passed == len(problem.tests) else failed
    return Verification(
        problem.id, solution_id, verdict, passed, len(problem.tests), round(elapsed, 4), tests, attempts
    )


def verify_one(
    problem: Problem, solution: Solution, executor: Executor, settings: VerifySettings = VerifySettings()
) -> Verification:
    if not problem.tests:  # zero tests all pass: any program would be "accepted"
        raise ValueError(f"problem {problem.id!r} has no tests: any verdict for {solution.solution_id!r} is a guess")
    language, code = extract_program(solution.code, solution.language, problem.language)
    size = len(code.encode("utf-8", "replace"))
    if size > MAX_CODE_BYTES:
        detail = TestResult(0, Verdict.SYNTAX_ERROR, 0.0, f"program is {size:,} bytes; the limit is {MAX_CODE_BYTES:,}")
        return Verification(
            problem.id, solution.solution_id, Verdict.SYNTAX_ERROR, 0, len(problem.tests), 0.0, (detail,)
        )
    payload = build_request(problem, code, settings, language)
    started, last_fault, faults, attempt, timed_out = time.monotonic(), "", 0, 0, None
    while faults < settings.max_attempts:
        attempt += 1
        try:
            response = executor.run(payload, request_timeout(problem))
            result = judge_response(
                problem, solution.solution_id, response, settings.tolerance, time.monotonic() - started, attempt
            )
        except JudgeFault as fault:  # deterministic: not retried
            faults, last_fault = settings.max_attempts, str(fault)
            break
        except SandboxFault as fault:
            faults, last_fault = faults + 1, str(fault)
            continue
        if result.verdict is Verdict.TIME_LIMIT and settings.rerun_time_limit and timed_out is None:
            timed_out = result  # judged once more: a busy host must not fail a program that fits its limit
            continue
        return result
    if timed_out is not None:
        return timed_out
    return Verification(
        problem.id,
        solution.solution_id,
        Verdict.SANDBOX_ERROR,
        0,
        len(problem.tests),
        round(time.monotonic() - started, 4),
        (TestResult(0, Verdict.SANDBOX_ERROR, 0.0, last_fault[:DETAIL_CHARS]),),
        attempt,
    )


def verify_all(
    problems: Mapping[str, Problem],
    solutions: Iterable[Solution],
    executor: Executor,
    workers: int,
    settings: VerifySettings = VerifySettings(),
    progress: Callable[[int], None] | None = None,
) -> Iterator[Verification]:
    """Verify every solution, `workers` at a time; every solution's problem must be in `problems`.

    Results come back in completion order; callers key them by (problem_id, solution_id). At most
    two solutions per worker are queued at a time, so an interrupt (Ctrl-C, closing the generator)
    stops within one solution's run: nothing queued runs after it, and every verdict already
    yielded is the caller's to keep.
    """
    workers = max(1, workers)
    pending_solutions = iter(solutions)
    threads = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="verify")
    in_flight: set = set()
    done = 0
    try:
        while True:
            for solution in itertools.islice(pending_solutions, 2 * workers - len(in_flight)):
                in_flight.add(threads.submit(verify_one, problems[solution.problem_id], solution, executor, settings))
            if not in_flight:
                return
            finished, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in finished:
                done += 1
                yield future.result()
                if progress is not None:
                    progress(done)
    finally:
        threads.shutdown(wait=False, cancel_futures=True)
