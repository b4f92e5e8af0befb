import pytest

from sandbox.judge import Tolerance, compare_returned, compare_stdout, values_match


@pytest.mark.parametrize(
    ("actual", "expected"),
    [
        ("3\n", "3\n"),
        ("3", "3\n"),
        ("1 2   \n3\t\n\n\n", "1 2\n3\n"),
        ("1  2\n", "1 2\n"),
        ("0.3333333\n", "0.33333333333\n"),
        ("1e3\n", "1000.0\n"),
        ("2.0000001\n", "2\n"),
        ("YES\r\nNO\r\n", "YES\nNO\n"),
        # TACO ships expected outputs that start with a blank line; surrounding blank lines never count
        ("3\n", "\n3\n"),
        ("\n\n3\n4\n", "3\n4\n\n"),
        ("  \n3 \n", "\n\n3\n"),
    ],
)
def test_equivalent_outputs_match(actual, expected):
    assert compare_stdout(actual, expected) == (True, "")


@pytest.mark.parametrize(
    ("actual", "expected", "words"),
    [
        *[(a, e, "missing output") for a, e in (("1\n", "1\n2\n"), ("", "5\n"))],
        ("1\n2\n3\n", "1\n2\n", "extra output"),
        *[
            (a, e, "line 1")
            for a, e in (
                ("1000000\n", "1000001\n"),
                ("0.31\n", "0.3\n"),
                ("1 2 3\n", "1 2\n"),
                ("yes\n", "YES\n"),
                ("nan\n", "nan2\n"),
            )
        ],  # fmt: skip
        ("1\n\n2\n", "1\n2\n", "line 2"),
        # a blank line between two lines with text is still a line (LiveCodeBench compares lines)
        ("\n1\n2\n", "1\n\n2\n", "line 2"),
        ("\n", "\n0\n", "missing output"),
    ],
)
def test_different_outputs_are_detected(actual, expected, words):
    ok, detail = compare_stdout(actual, expected)
    assert not ok and words in detail


def test_tolerance_is_configurable():
    assert not compare_stdout("1.001\n", "1.0\n")[0]
    assert compare_stdout("1.001\n", "1.0\n", Tolerance(abs_tol=1e-2, rel_tol=0))[0]
    assert compare_stdout("100.5\n", "100.0\n", Tolerance(abs_tol=0, rel_tol=1e-2))[0]


@pytest.mark.parametrize(
    ("actual", "expected_json", "ok"),
    [
        (3, "3", True),
        (3, "[3]", True),  # APPS/TACO wrap call outputs in a one-element list
        ([3], "[3]", True),
        ([1, 2], "[1, 2]", True),
        (0.30000000000000004, "0.3", True),
        ({"a": [1, 2.0]}, '{"a": [1, 2]}', True),
        (True, "1", False),
        (1, "true", False),
        (None, "null", True),
        ("3", "3", False),
        ([1, 2], "[[1, 2, 3]]", False),
        (1000000, "1000001", False),
    ],
)
def test_call_results_compare_as_values(actual, expected_json, ok):
    assert compare_returned(actual, expected_json)[0] is ok


def test_values_match_recurses():
    assert values_match([[1.0000000001, "x"]], [[1, "x"]])
    assert not values_match([[1, "x"]], [[1, "y"]])
    assert not values_match({"a": 1}, {"b": 1})
