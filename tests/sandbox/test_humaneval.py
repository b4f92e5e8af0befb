"""HumanEval through the real sandbox: canonical solutions all pass, gutted ones all fail."""

import collections

import pytest

from pipeline.problems.sources import humaneval
from sandbox.verify import Solution, verify_all
from schemas import Verdict

pytestmark = [pytest.mark.slow, pytest.mark.docker]


@pytest.fixture(scope="module")
def problems():
    return {p.id: p for p in (humaneval.normalize(row) for row in humaneval.package_rows())}


def test_canonical_solutions_are_all_accepted(docker_pool, problems):
    solutions = [Solution(p.id, "canonical", p.reference_solution) for p in problems.values()]
    results = list(verify_all(problems, solutions, docker_pool, workers=2))
    verdicts = collections.Counter(r.verdict for r in results)
    assert verdicts == {Verdict.ACCEPTED: 164}, [r for r in results if r.verdict is not Verdict.ACCEPTED][:3]


def test_bodies_replaced_by_return_none_are_never_accepted(docker_pool, problems):
    solutions = [Solution(p.id, "none", p.starter_code + "    return None\n") for p in problems.values()]
    results = list(verify_all(problems, solutions, docker_pool, workers=2))
    assert len(results) == 164
    assert sum(r.verdict is Verdict.ACCEPTED for r in results) == 0
    assert not any(r.verdict is Verdict.SANDBOX_ERROR for r in results)
