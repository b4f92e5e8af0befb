"""KodCode-style test synthesis for test-less problems: parsing, and the whole decision with a
scripted teacher (the loopback server of tests/pipeline/teacher/fakes.py, a named fake at the HTTP
boundary) and the real Docker sandbox."""

import asyncio
import json
from dataclasses import replace

import pytest

from pipeline.problems.sources import evol_instruct
from pipeline.strength.synthesize import (
    PROMPT_SHA,
    Draft,
    SynthesisSettings,
    parse_draft,
    synthesize,
    synthesize_problems,
)
from pipeline.teacher.client import ClientSettings, TeacherClient
from sandbox.verify import Solution, VerifySettings, verify_all
from schemas import TestStyle, Verdict
from tests.pipeline.teacher.fakes import ScriptedOpenAIServer, completion

# a Code Evol-Instruct row in its published columns (instruction, output): no tests
ROW = {
    "instruction": "Write a function that returns the second largest distinct number in a list, or None.",
    "output": "Here is one:\n```python\ndef second(xs):\n    return sorted(set(xs))[-2]\n```",
}
SOLUTION = """```python
def second_largest(numbers):
    distinct = sorted(set(numbers))
    return distinct[-2] if len(distinct) >= 2 else None
```"""
TESTS = """```python
assert second_largest([1, 2, 3]) == 2
assert second_largest([5, 5, 4]) == 4
assert second_largest([7]) is None
assert second_largest([]) is None
assert second_largest([-1, -2, -2]) == -2
```"""
# another sample, written differently, that agrees on every test
OTHER = """```python
def second_largest(values):
    best = second = None
    for v in set(values):
        if best is None or v > best:
            best, second = v, best
        elif second is None or v > second:
            second = v
    return second
```
```python
assert second_largest([3, 1]) == 1
assert second_largest([2, 2]) is None
assert second_largest([9, 8, 7]) == 8
```"""
# a sample that returns the largest: it disagrees with the draft's tests
WRONG = "```python\ndef second_largest(numbers):\n    return max(numbers) if numbers else None\n```"


def test_a_draft_is_the_first_block_and_the_asserts_that_call_its_function():
    draft = parse_draft(SOLUTION + "\nand the tests:\n" + TESTS + "\nassert 1 == 1 outside a block")
    assert isinstance(draft, Draft)
    assert draft.fn_name == "second_largest"
    assert draft.tests[0] == "assert second_largest([1, 2, 3]) == 2" and len(draft.tests) == 5
    assert "def second_largest" in draft.solution


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (SOLUTION, "found 1 fenced python block"),
        ("```python\nx = 1\n```\n```python\nassert x == 1\nassert x\nassert 1\n```", "defines no top-level function"),
        (SOLUTION + "\n```python\nassert other(1) == 2\n```", "no assert calls the solution's function"),
        (SOLUTION + "\n```python\nassert second_largest([1, 2]) == 1\n```", "1 assert(s) call second_largest"),
        (SOLUTION + "\n```python\nassert second_largest([1, 2) == 1\n```", "does not parse"),
    ],
)
def test_answers_without_a_usable_draft_say_why(answer, reason):
    result = parse_draft(answer)
    assert isinstance(result, str) and reason in result


def test_settings_are_range_checked():
    with pytest.raises(ValueError, match="samples"):
        SynthesisSettings(samples=1)
    with pytest.raises(ValueError, match="min_tests"):
        SynthesisSettings(min_tests=5, max_tests=2)


def run_synthesis(answers: list[str], docker_pool):
    problem = evol_instruct.normalize(ROW)
    assert not problem.tests and not problem.verifiable
    with ScriptedOpenAIServer([(200, completion(*answers))]) as server:

        async def go():
            settings = ClientSettings(base_urls=(server.base_url,), concurrency=2, timeout_s=30, max_retries=0)
            async with TeacherClient(settings) as client:
                return await synthesize_problems([problem], client, "teacher", docker_pool, SynthesisSettings(),
                                                 log=lambda _: None)  # fmt: skip

        results = asyncio.run(go())
    assert server.requests[0]["n"] == 2 and ROW["instruction"] in server.requests[0]["messages"][0]["content"]
    return problem, results


@pytest.mark.slow
def test_agreeing_samples_give_the_problem_tests_the_sandbox_runs(docker_pool):
    problem, [result] = run_synthesis([SOLUTION + "\n" + TESTS, OTHER], docker_pool)
    assert result.kept and result.reason == ""
    made = result.problem
    assert made.verifiable and made.test_style is TestStyle.ASSERT and made.fn_name == "second_largest"
    assert len(made.tests) == 5 and all(t.output == "" for t in made.tests)
    note = json.loads(made.metadata_json)["tests"]
    assert note["tests_from"] == "synthesized" and note["prompt_sha"] == PROMPT_SHA
    assert note["agreeing_samples"] == ["sample-1"]
    # the tests are real: the Evol-Instruct answer's own code (wrong on [7]) is rejected by them
    source_answer = Solution(made.id, "source", ROW["output"].split("```python\n")[1].split("```")[0])
    [verdict] = verify_all({made.id: made}, [source_answer], docker_pool, 1, VerifySettings())
    assert verdict.verdict is not Verdict.ACCEPTED and verdict.passed < verdict.total


@pytest.mark.slow
def test_samples_that_disagree_leave_the_problem_unverifiable_with_the_reason(docker_pool):
    problem, [result] = run_synthesis([SOLUTION + "\n" + TESTS, WRONG], docker_pool)
    assert not result.kept and not result.problem.verifiable and result.problem.tests == ()
    assert (
        "no second sample passes sample 0's tests" in result.reason
        and "sample-1: runtime_error at test 0" in result.reason
    )
    assert json.loads(result.problem.metadata_json)["tests"]["synthesis_failed"] == result.reason


@pytest.mark.slow
def test_a_draft_that_fails_its_own_tests_is_not_kept(docker_pool):
    broken = TESTS.replace("== 4", "== 5")
    problem, [result] = run_synthesis([SOLUTION + "\n" + broken, OTHER], docker_pool)
    assert (
        not result.kept and result.reason == "sample 0 fails its own tests (runtime_error at test 1)"
    )  # a failed assert


@pytest.mark.slow
def test_answers_without_code_leave_the_problem_unverifiable(docker_pool):
    problem = replace(evol_instruct.normalize(ROW), tests=())
    assert synthesize(problem, ["no code at all", "none either"], docker_pool).reason.startswith("no usable draft")
