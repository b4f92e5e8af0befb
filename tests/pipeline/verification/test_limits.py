"""Time limits calibrated from the reference's time on this host: hand-computed values."""

from dataclasses import replace

from pipeline.verification.limits import calibrate, calibrated_limit, reference_times
from schemas import TestResult, Verdict, Verification
from tests.factories import DOUBLE


def _verification(pid, verdict, *times, solution_id="reference"):
    tests = tuple(TestResult(i, Verdict.ACCEPTED, t, "") for i, t in enumerate(times))
    return Verification(pid, solution_id, verdict, len(times), len(times), sum(times), tests, 1)


def test_the_limit_is_raised_to_three_times_the_slowest_reference_test_plus_half_a_second():
    assert calibrated_limit(1.0, 0.2) == 1.1  # 3 x 0.2 + 0.5 = 1.1 > 1.0
    assert calibrated_limit(2.0, 0.2) == 2.0  # the source's limit is never lowered
    assert calibrated_limit(1.0, None) == 1.0  # no reference timed here: the source's
    assert calibrated_limit(2.0, 30.0) == 60.0  # never past the schema's maximum


def test_only_accepted_references_are_timed_and_only_raised_limits_reported():
    times = reference_times([_verification("t/a", Verdict.ACCEPTED, 0.1, 0.4),
                             _verification("t/b", Verdict.WRONG_ANSWER, 5.0)])  # fmt: skip
    assert times == {"t/a": 0.4}
    fast, slow = replace(DOUBLE, id="t/a", time_limit_s=1.0), replace(DOUBLE, id="t/b", time_limit_s=1.0)
    problems, raised = calibrate({"t/a": fast, "t/b": slow}, times)
    assert problems["t/a"].time_limit_s == 1.7 and problems["t/b"] is slow  # 3 x 0.4 + 0.5
    assert raised == [{"problem_id": "t/a", "source_limit_s": 1.0, "reference_s": 0.4, "time_limit_s": 1.7}]


def test_only_the_reference_times_the_limit_not_the_other_correct_programs():
    times = reference_times([_verification("t/a", Verdict.ACCEPTED, 0.3),
                             _verification("t/a", Verdict.ACCEPTED, 0.01, solution_id="correct-1"),  # C++: faster
                             _verification("t/c", Verdict.ACCEPTED, 9.0, solution_id="correct-1")])  # fmt: skip
    assert times == {"t/a": 0.3}


def test_cpu_seconds_time_the_limit_where_they_were_measured():
    loaded = _verification("t/a", Verdict.ACCEPTED, 2.0)  # 2 s of wall time on a busy host ...
    loaded = replace(loaded, tests=(replace(loaded.tests[0], cpu_s=0.2),))  # ... for 0.2 s of CPU
    assert reference_times([loaded]) == {"t/a": 0.2}
    assert reference_times([_verification("t/b", Verdict.ACCEPTED, 0.7)]) == {"t/b": 0.7}  # no CPU time: the wall's
