"""Each source's published-format fixture yields problems whose reference solution the Docker
sandbox accepts: the normalized tests, limits and call conventions are ones a right program passes."""

import pytest

from pipeline.problems.sources import apps, code_contests, humaneval, livecodebench, mbpp, open_r1, stdio_builtin, taco
from pipeline.verification.files import verify_references
from schemas import Verdict

pytestmark = [pytest.mark.slow, pytest.mark.docker]

SOURCES = [
    (apps.SPEC, {}),
    (taco.SPEC, {}),
    (code_contests.SPEC, {}),
    (open_r1.SPEC, {}),
    (open_r1.SPEC, {"repo": "PrimeIntellect/verifiable-coding-problems"}),
    (mbpp.SPEC, {}),
    (mbpp.SPEC, {"name": "sanitized"}),
    (humaneval.SPEC, {}),
    (livecodebench.SPEC, {}),
]


@pytest.mark.parametrize(("spec", "options"), SOURCES, ids=lambda v: getattr(v, "name", None) or str(v))
def test_fixture_references_pass_in_the_sandbox(spec, options, normalize_fixture, docker_pool):
    problems = [p for p in normalize_fixture(spec, **options).problems if p.reference_solution]
    if spec is livecodebench.SPEC:  # the benchmark ships no solutions: its rows must at least have tests
        assert problems == [] and normalize_fixture(spec).problems
        return
    assert problems, f"{spec.name}: the fixture has no problem with a reference solution"
    results = verify_references(problems, docker_pool, docker_pool.size, log=lambda _: None)
    failing = {r.problem_id: (r.verdict.value, r.tests[0].detail if r.tests else "") for r in results
               if r.verdict is not Verdict.ACCEPTED}  # fmt: skip
    assert not failing and len(results) == len(problems)


def test_taco_blank_line_expected_output_accepts_its_reference(normalize_fixture, docker_pool):
    (problem,) = [p for p in normalize_fixture(taco.SPEC).problems if p.statement.startswith("Read n and print")]
    assert problem.tests[0].output == "\n9\n"
    (result,) = verify_references([problem], docker_pool, 1, log=lambda _: None)
    assert result.verdict is Verdict.ACCEPTED


def test_the_embedded_stdin_set_references_pass(docker_pool):
    problems = [stdio_builtin.normalize(row) for row in stdio_builtin.package_rows()[:5]]
    results = verify_references(problems, docker_pool, docker_pool.size, log=lambda _: None)
    assert {r.verdict for r in results} == {Verdict.ACCEPTED}
