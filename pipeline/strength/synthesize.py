"""Tests for problems that have none (Code Evol-Instruct...), written by the teacher, KodCode-style.

The teacher answers one recorded prompt (`SYNTHESIS_PROMPT`) with a solution and assert tests,
`samples` times, independently. The first sample that parses is the draft:

1. its solution must pass every one of its own tests in the sandbox;
2. a second, independent sample's solution must pass the same tests.

Only then does the problem become verifiable, with the draft's tests as assert-style tests (MBPP's
format: one `assert` per test) and its solution as the reference. Anything else leaves the problem
unverifiable, with the reason: no parsable draft, the draft failing its own test k (and how), or no
second sample passing them. Tests that agree with one sample only are what the teacher believes, not
what the task asks; two independent samples agreeing is the KodCode / CodeT acceptance rule.
"""

from __future__ import annotations

import ast
import asyncio
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from pipeline.strength.amplify import with_note
from sandbox.verify import Executor, Solution, VerifySettings, verify_all
from schemas import Problem, TestCase, TestStyle, Verdict

SYNTHESIS_PROMPT = """Solve the programming task below in Python, and write unit tests for your solution.

Reply with exactly two fenced ```python blocks:
1. the solution: one top-level function (imports above it are fine), no input() and no printing;
2. the tests: one `assert` per line, each calling your function with literal arguments and comparing
   its result with the value the task requires, for example `assert add(2, 3) == 5`.
Cover ordinary cases and edge cases (empty input, zero, one element, large values).

Task:
{statement}
"""
PROMPT_SHA = hashlib.sha256(SYNTHESIS_PROMPT.encode()).hexdigest()[:16]
BATCH = 64
_FENCE = re.compile(r"```[ \t]*(?:python3?|py)?[ \t]*\n(.*?)```", re.S)


@dataclass(frozen=True)
class SynthesisSettings:
    samples: int = 2
    min_tests: int = 3
    max_tests: int = 20
    temperature: float = 0.7
    max_tokens: int = 2048
    seed: int = 0

    def __post_init__(self) -> None:
        if not 2 <= self.samples <= 16:
            raise ValueError(f"samples must be in [2, 16] (a second sample must agree), got {self.samples}")
        if not 1 <= self.min_tests <= self.max_tests <= 200:
            raise ValueError(f"need 1 <= min_tests <= max_tests <= 200, got {self.min_tests}, {self.max_tests}")
        if not 0 <= self.temperature <= 2:
            raise ValueError(f"temperature must be in [0, 2], got {self.temperature}")
        if self.max_tokens < 1:
            raise ValueError(f"max_tokens must be at least 1, got {self.max_tokens}")


@dataclass(frozen=True)
class Draft:
    solution: str
    fn_name: str
    tests: tuple[str, ...]  # one assert statement each


@dataclass(frozen=True)
class Synthesis:
    problem: Problem  # verifiable with the draft's tests when kept, else unchanged but for metadata
    kept: bool
    reason: str  # why it stays unverifiable ("" when kept)


def prompt_messages(problem: Problem) -> list[dict]:
    return [{"role": "user", "content": SYNTHESIS_PROMPT.format(statement=problem.statement.strip())}]


def parse_draft(text: str, settings: SynthesisSettings = SynthesisSettings()) -> Draft | str:
    """The solution and its tests from one answer, or why there are none."""
    blocks = [b for b in _FENCE.findall(text) if b.strip()]
    if len(blocks) < 2:
        return f"expected a solution block and a tests block, found {len(blocks)} fenced python block(s)"
    solution, tests_block = blocks[0], "\n".join(blocks[1:])
    try:
        defined = [n.name for n in ast.parse(solution).body if isinstance(n, ast.FunctionDef)]
        statements = ast.parse(tests_block).body
    except SyntaxError as err:
        return f"a block does not parse as Python (line {err.lineno}: {err.msg})"
    if not defined:
        return "the solution block defines no top-level function"
    asserts = [s for s in statements if isinstance(s, ast.Assert)]
    called = {
        n.func.id for s in asserts for n in ast.walk(s) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
    }
    fn_name = next((name for name in defined if name in called), None)
    if fn_name is None:
        return f"no assert calls the solution's function ({', '.join(defined)})"
    tests = tuple(dict.fromkeys(ast.unparse(s) for s in asserts if fn_name in _called(s)))
    if len(tests) < settings.min_tests:
        return f"{len(tests)} assert(s) call {fn_name}; at least {settings.min_tests} needed"
    return Draft(solution.strip() + "\n", fn_name, tests[: settings.max_tests])


def _called(statement: ast.stmt) -> set[str]:
    return {n.func.id for n in ast.walk(statement) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}


def synthesize(
    problem: Problem, answers: Sequence[str], executor: Executor, settings: SynthesisSettings = SynthesisSettings()
) -> Synthesis:
    """Decide one problem from its teacher answers (in sample order), running them in the sandbox."""
    drafts = [parse_draft(a, settings) for a in answers]
    usable = [(i, d) for i, d in enumerate(drafts) if isinstance(d, Draft)]
    if not usable:
        reasons = "; ".join(f"sample {i}: {d}" for i, d in enumerate(drafts)) or "no answers"
        return _unverifiable(problem, f"no usable draft ({reasons})", len(answers))
    index, draft = usable[0]
    tested = replace(problem, test_style=TestStyle.ASSERT, tests=tuple(TestCase(t, "") for t in draft.tests),
                     fn_name=draft.fn_name, verifiable=True, reference_solution=draft.solution)  # fmt: skip
    candidates = [Solution(problem.id, f"sample-{index}", draft.solution)]
    candidates += [Solution(problem.id, f"sample-{i}", code) for i, code in _first_blocks(answers) if i != index]
    verdicts = verify_all({problem.id: tested}, candidates, executor, workers=1, settings=VerifySettings())
    by_id = {v.solution_id: v for v in verdicts}
    own = by_id[f"sample-{index}"]
    if own.verdict is not Verdict.ACCEPTED:
        return _unverifiable(problem, f"sample {index} fails its own tests ({_failure(own)})", len(answers))
    agreeing = [sid for sid, v in by_id.items() if sid != f"sample-{index}" and v.verdict is Verdict.ACCEPTED]
    if not agreeing:
        seen = ", ".join(f"{sid}: {_failure(v)}" for sid, v in by_id.items() if sid != f"sample-{index}")
        return _unverifiable(problem, f"no second sample passes sample {index}'s tests ({seen or 'none parsed'})",
                             len(answers))  # fmt: skip
    note = {"tests_from": "synthesized", "prompt_sha": PROMPT_SHA, "draft_sample": index,
            "agreeing_samples": sorted(agreeing), "samples": len(answers)}  # fmt: skip
    return Synthesis(replace(tested, metadata_json=with_note(problem, note)), True, "")


def _first_blocks(answers: Sequence[str]) -> list[tuple[int, str]]:
    """Each answer's solution (its first fenced block), for answers that have one."""
    found = [(i, _FENCE.findall(a)) for i, a in enumerate(answers)]
    return [(i, blocks[0]) for i, blocks in found if blocks and blocks[0].strip()]


def _failure(verification) -> str:
    failed = next((t for t in verification.tests if t.verdict is not Verdict.ACCEPTED), None)
    return verification.verdict.value + (f" at test {failed.index}" if failed else "")


def _unverifiable(problem: Problem, reason: str, samples: int) -> Synthesis:
    note = {"tests_from": "none", "synthesis_failed": reason, "prompt_sha": PROMPT_SHA, "samples": samples}
    return Synthesis(replace(problem, verifiable=False, metadata_json=with_note(problem, note)), False,
                     reason)  # fmt: skip


async def request_answers(client, model: str, problem: Problem, settings: SynthesisSettings) -> list[str]:
    """`settings.samples` independent answers to the synthesis prompt (`client`: a TeacherClient)."""
    params = {"temperature": settings.temperature, "max_tokens": settings.max_tokens}
    completions = await client.chat(model, prompt_messages(problem), params, n=settings.samples, seed=settings.seed)
    return [c.content for c in completions]


async def synthesize_problems(
    problems: Sequence[Problem], client, model: str, executor: Executor, settings: SynthesisSettings, log=print
) -> list[Synthesis]:
    """Every test-less problem through synthesis, in the given order (problems with tests are left out)."""
    todo = [p for p in problems if not p.tests]
    out: list[Synthesis] = []

    async def one(problem: Problem) -> Synthesis:
        answers = await request_answers(client, model, problem, settings)
        return await asyncio.to_thread(synthesize, problem, answers, executor, settings)

    for start in range(0, len(todo), BATCH):  # bounded: the client's gate limits requests in flight
        out += await asyncio.gather(*(one(p) for p in todo[start : start + BATCH]))
        kept = sum(s.kept for s in out)
        log(f"synthesis: {len(out)}/{len(todo)} problems decided, {kept} with tests")
    return out
