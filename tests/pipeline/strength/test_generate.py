"""Stdin amplification from a teacher-written input generator, in the real sandbox; the teacher is
the scripted loopback server of tests/pipeline/teacher/fakes.py (a named fake at the HTTP boundary)."""

import json
from dataclasses import replace

import pytest

from pipeline.strength.generate import PROMPT_SHA, amplify_stdin, parse_answer
from pipeline.strength.runs import DecisionStore, amplify_stdin_shard, stdin_amplification_key
from pipeline.strength.settings import AmplifyRecipe
from pipeline.teacher.client import ClientSettings, TeacherClient
from tests.factories import DOUBLE, DOUBLE_SOLUTION
from tests.pipeline.teacher.fakes import ScriptedOpenAIServer, completion

PROBLEM = replace(DOUBLE, reference_solution=DOUBLE_SOLUTION)
GENERATOR = '```python\nimport random\n\ndef generate(rng):\n    return f"{rng.randint(-50, 50)}\\n"\n```\n'
SOLUTION = "```python\nn = int(input())\nprint(n + n)\n```\n"
ABS_SOLUTION = "```python\nprint(abs(int(input())) * 2)\n```\n"  # right on the own tests (no negatives)


def test_an_answer_needs_a_generator_and_a_solution():
    parsed = parse_answer(GENERATOR + SOLUTION)
    assert "def generate" in parsed.generator and "print(n + n)" in parsed.solution
    assert "found 1 fenced python block" in parse_answer(SOLUTION)


@pytest.mark.docker
def test_inputs_both_solutions_agree_on_become_tests_with_the_reference_output(docker_pool):
    made = amplify_stdin(PROBLEM, GENERATOR + SOLUTION, docker_pool, count=20, seed=3)
    assert made.reason == "" and made.problem.tests[:3] == PROBLEM.tests  # the own tests first
    new = made.problem.tests[3:]
    assert len(new) >= 10 and all(int(t.output) == 2 * int(t.input) for t in new)
    note = json.loads(made.problem.metadata_json)["tests"]
    assert note["tests_from"] == "amplified" and note["prompt_sha"] == PROMPT_SHA and note["agreed"] == len(new)


@pytest.mark.docker
def test_inputs_the_solutions_disagree_on_are_dropped(docker_pool):
    made = amplify_stdin(PROBLEM, GENERATOR + ABS_SOLUTION, docker_pool, count=20, seed=3)
    new = made.problem.tests[3:]
    assert new and all(int(t.input) >= 0 for t in new)  # a negative input: 2n vs 2|n|, not kept
    assert json.loads(made.problem.metadata_json)["tests"]["generated_inputs"] > len(new)


@pytest.mark.docker
@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (GENERATOR + "```python\nprint(int(input()) * 3)\n```", "the teacher's solution fails the problem's tests"),
        ("```python\ndef generate(rng):\n    return 5\n```\n" + SOLUTION, "the generator made no usable input"),
        ("```python\ndef generate(rng):\n    while True:\n        pass\n```\n" + SOLUTION, "made no usable input"),
        ("no code", "expected a generate(rng) block and a solution block"),
    ],
)
def test_a_useless_answer_leaves_the_problem_unamplified_with_the_reason(docker_pool, answer, reason):
    quick = replace(PROBLEM, time_limit_s=1.0)
    made = amplify_stdin(quick, answer, docker_pool, count=3)
    assert made.problem is None and reason in made.reason


@pytest.mark.docker
def test_the_shard_step_asks_the_teacher_once_per_problem_and_keeps_its_decisions(docker_pool, tmp_path):
    recipe = AmplifyRecipe(generated_inputs=10)
    with ScriptedOpenAIServer([(200, completion(GENERATOR + SOLUTION))]) as server:

        def run():
            client = TeacherClient(ClientSettings(base_urls=(server.base_url,), timeout_s=30, max_retries=0))
            store = DecisionStore(tmp_path / "stdin.jsonl", stdin_amplification_key(recipe, "teacher"))
            return amplify_stdin_shard([PROBLEM], client, "teacher", docker_pool, recipe, store, log=lambda _: None)

        made, reasons = run()
        again, _ = run()
    assert len(server.requests) == 1 and "reads its input from standard input" in str(server.requests[0]["messages"])
    assert [p.id for p in made] == [PROBLEM.id] and reasons == {} and again == made
