"""A program that prints or returns a number with tens of thousands of digits is judged, never a
crash of the judge (Python refuses int() of more than 4,300 digits). Found by mutation testing: an
off-by-one mutant of a HumanEval solution printed a 30,000-digit integer."""

import pytest

from sandbox.judge import Tolerance, compare_stdout, tokens_match
from sandbox.verify import Solution, verify_one
from schemas import TestCase, TestStyle, Verdict
from tests.factories import problem


@pytest.mark.parametrize(("actual", "expected", "same"), [
    ("9" * 30_000, "1", False), ("0" + "7" * 5_000, "7" * 5_000, True), ("-0", "0", True), ("+12", "12", True),
    ("-12", "12", False), ("١٢", "12", True), ("12", "12.0000001", True),
])  # fmt: skip
def test_integers_compare_exactly_as_text_at_any_length(actual, expected, same):
    assert tokens_match(actual, expected, Tolerance()) is same


@pytest.mark.parametrize(("actual", "expected", "same"), [
    (10**400, 1.5, False), (1.5, 10**400, False), (10**400, 1e308, False), (-(10**400), 0.0, False),
    (10**20, 1e20, True),
])  # fmt: skip
def test_a_returned_int_past_floats_range_against_a_float_is_a_difference(actual, expected, same):
    """Found by mutation testing: a mutant returned 10**400 where 0.5 was expected and the judge raised
    OverflowError (math.isclose converts to float), stopping the whole verification run."""
    from sandbox.judge import compare_returned, values_match

    assert values_match(actual, expected) is same
    assert compare_returned(actual, str(expected))[0] is same


@pytest.mark.docker
@pytest.mark.parametrize(("style", "code", "test"), [
    (TestStyle.STDIN, "print(10 ** 30000)", TestCase("\n", "1\n")),
    (TestStyle.CALL, "def big():\n    return 10 ** 30000\n", TestCase("[]", "1")),
    (TestStyle.CALL, "def big():\n    return 10 ** 400\n", TestCase("[]", "0.5")),
])  # fmt: skip
def test_a_huge_number_from_the_program_is_a_verdict(docker_pool, style, code, test):
    huge = problem("t", f"huge-{style.value}", style, (test.input, test.output), fn_name="big", time_limit_s=5.0)
    verification = verify_one(huge, Solution(huge.id, "s", code), docker_pool)
    assert verification.verdict in (Verdict.WRONG_ANSWER, Verdict.RUNTIME_ERROR)
    assert compare_stdout("1" * 40_000, "1")[0] is False
