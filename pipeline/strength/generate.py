"""Amplified tests for stdin problems (HardTests / CodeContests+ style): the teacher writes an input
generator and, independently of the reference, its own solution.

1. The teacher answers `GENERATOR_PROMPT` (recorded: its hash is in every amplified problem) with a
   `generate(rng)` function returning one input as the program reads it, and a solution program.
2. Its solution must pass the problem's own tests in the sandbox: an independently accepted solution.
3. The generator runs in the sandbox (it is untrusted code) once per seed; inputs that are not text,
   too large, or repeated are dropped.
4. The reference and the teacher's solution run on every input; an input is kept only when both
   finish and their outputs agree (the judge's comparison). The reference's output is the expected one.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from pipeline.strength.amplify import with_note
from sandbox.judge import Tolerance, compare_stdout
from sandbox.verify import Executor, Solution, VerifySettings, build_request, request_timeout, verify_one
from schemas import Problem, TestCase, TestStyle, Verdict

GENERATOR_PROMPT = """Below is a programming problem whose program reads its input from standard input.

Reply with exactly two fenced ```python blocks:
1. a function `generate(rng)` that uses `rng` (a `random.Random`) to build ONE valid input for the
   problem and returns it as a string, exactly as the program would read it; keep it small (sizes up
   to 20) and include edge cases (smallest values, equal values, extremes) some of the time;
2. a complete Python program that solves the problem, reading standard input and printing the answer.

Problem:
{statement}
"""
PROMPT_SHA = hashlib.sha256(GENERATOR_PROMPT.encode()).hexdigest()[:16]
MAX_INPUT_BYTES = 64 * 1024
_FENCE = re.compile(r"```[ \t]*(?:python3?|py)?[ \t]*\n(.*?)```", re.S)
_DRIVER = """
import random as _random, sys as _sys
_made = generate(_random.Random(int(input())))
if not isinstance(_made, str):
    raise TypeError(f"generate returned {type(_made).__name__}, not str")
_sys.stdout.write(_made if _made.endswith("\\n") else _made + "\\n")
"""


@dataclass(frozen=True)
class GeneratorAnswer:
    generator: str
    solution: str


@dataclass(frozen=True)
class StdinAmplification:
    problem: Problem | None  # the problem with its own tests plus the agreed ones; None when none
    reason: str  # why there is none ("" when made)


def prompt_messages(problem: Problem) -> list[dict]:
    return [{"role": "user", "content": GENERATOR_PROMPT.format(statement=problem.statement.strip())}]


def parse_answer(text: str) -> GeneratorAnswer | str:
    blocks = [b for b in _FENCE.findall(text) if b.strip()]
    generators = [b for b in blocks if re.search(r"^def generate\s*\(", b, re.M)]
    solutions = [b for b in blocks if b not in generators]
    if not generators or not solutions:
        return f"expected a generate(rng) block and a solution block, found {len(blocks)} fenced python block(s)"
    return GeneratorAnswer(generators[0], solutions[0])


def _stdin_outputs(problem: Problem, code: str, inputs: Sequence[str], executor: Executor) -> list[str | None]:
    """Each input's stdout from `code`, or None where it did not finish normally."""
    probe = replace(problem, test_style=TestStyle.STDIN, tests=tuple(TestCase(i, "") for i in inputs))
    response = executor.run(build_request(probe, code, VerifySettings()), request_timeout(probe))
    outputs: list[str | None] = [None] * len(inputs)
    for result in response.get("tests", []):
        if result.get("status") == "ok":
            outputs[result["index"]] = result.get("stdout", "")
    return outputs


def generated_inputs(problem: Problem, generator: str, count: int, seed: int, executor: Executor) -> list[str]:
    seeds = [f"{seed * 100_003 + i}\n" for i in range(count)]
    made = _stdin_outputs(problem, generator + "\n" + _DRIVER, seeds, executor)
    own = {t.input for t in problem.tests}
    unique = dict.fromkeys(m for m in made if m and m.strip() and len(m.encode()) <= MAX_INPUT_BYTES and m not in own)
    return list(unique)


def amplify_stdin(
    problem: Problem, answer_text: str, executor: Executor, count: int, seed: int = 0, max_tests: int | None = None
) -> StdinAmplification:
    if not problem.reference_solution:
        return StdinAmplification(None, "no reference solution")
    answer = parse_answer(answer_text)
    if isinstance(answer, str):
        return StdinAmplification(None, answer)
    checked = verify_one(problem, Solution(problem.id, "teacher-solution", answer.solution), executor)
    if checked.verdict is not Verdict.ACCEPTED:
        return StdinAmplification(None, f"the teacher's solution fails the problem's tests ({checked.verdict.value})")
    inputs = generated_inputs(problem, answer.generator, count, seed, executor)[:max_tests]
    if not inputs:
        return StdinAmplification(None, "the generator made no usable input")
    expected = _stdin_outputs(problem, problem.reference_solution, inputs, executor)
    second = _stdin_outputs(problem, answer.solution, inputs, executor)
    agreed = [TestCase(i, want) for i, want, got in zip(inputs, expected, second)
              if want is not None and got is not None and compare_stdout(got, want, Tolerance())[0]]  # fmt: skip
    if not agreed:
        return StdinAmplification(None, f"the two solutions agree on none of {len(inputs)} generated inputs")
    note = {"tests_from": "amplified", "prompt_sha": PROMPT_SHA, "generated_inputs": len(inputs),
            "agreed": len(agreed), "seed": seed}  # fmt: skip
    made = replace(problem, tests=problem.tests + tuple(agreed), metadata_json=with_note(problem, note))
    return StdinAmplification(made, "")
