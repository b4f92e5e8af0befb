"""Issue #19: limits that do not depend on load. With every core busy burning CPU, the reference
solutions of the project's own suites (HumanEval, the embedded stdin set) get no time-out: CPU time,
not wall time, decides the limit, and a time-out is judged once more before it is final."""

import os
import subprocess
import sys

import pytest

from pipeline.problems.sources import humaneval, stdio_builtin
from pipeline.verification.files import verify_references
from schemas import Verdict

pytestmark = [pytest.mark.slow, pytest.mark.docker]


def test_references_get_no_false_time_outs_with_every_core_busy(docker_pool):
    problems = [stdio_builtin.normalize(row) for row in stdio_builtin.package_rows()]
    problems += [humaneval.normalize(row) for row in humaneval.package_rows()]
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(os.cpu_count() or 2)]
    try:
        results = verify_references(problems, docker_pool, docker_pool.size, log=lambda _: None)
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()
    timed_out = [r.problem_id for r in results if r.verdict is Verdict.TIME_LIMIT]
    assert len(results) == len(problems) and timed_out == []
    assert {r.verdict for r in results} == {Verdict.ACCEPTED}


def test_each_test_records_its_cpu_seconds_beside_its_wall_seconds(docker_pool):
    from sandbox.verify import Solution, verify_one
    from tests.factories import DOUBLE

    sleeper = "import time\ntime.sleep(0.6)\nprint(int(input()) * 2)"
    cpp_sleeper = "```cpp\n#include <cstdio>\n#include <unistd.h>\nint main(){ long long n; scanf(\"%lld\", &n);" \
        " usleep(600000); printf(\"%lld\", 2 * n); }\n```"  # fmt: skip
    burner = "x = 0\nfor i in range(2_000_000):\n    x += i\nprint(int(input()) * 2)"
    for code in (sleeper, cpp_sleeper):
        result = verify_one(DOUBLE, Solution(DOUBLE.id, "s", code), docker_pool)
        assert result.verdict is Verdict.ACCEPTED, result
        assert all(t.time_s >= 0.6 and t.cpu_s is not None and t.cpu_s < 0.3 for t in result.tests), result.tests
    result = verify_one(DOUBLE, Solution(DOUBLE.id, "s", burner), docker_pool)
    assert all(t.cpu_s >= 0.05 for t in result.tests), result.tests
