import json

import pytest

from pipeline.problems.sources import apps, taco
from pipeline.problems.sources.base import MalformedRow, normalize_rows
from schemas import TestCase, TestStyle
from tests.factories import by_id


@pytest.fixture
def result(normalize_fixture):
    return normalize_fixture(apps.SPEC)


def test_taco_shares_the_input_output_parser():
    assert taco.tests_from_input_output is apps.tests_from_input_output
    assert taco.first_solution is apps.first_solution


def test_good_rows_come_through_and_bad_rows_are_quarantined(result):
    assert [p.id for p in result.problems] == ["apps/0", "apps/2500", "apps/3100"]
    assert [(q.row_index, q.record_id, q.field) for q in result.quarantine] == [
        (3, "4001", "input_output"),
        (4, "4002", "input_output"),
        (5, "4003", "input_output"),
    ]
    reasons = [q.reason for q in result.quarantine]
    assert reasons[0] == "empty: the problem has no tests"
    assert reasons[1].startswith("not valid JSON")
    assert reasons[2] == "2 inputs but 1 outputs"


def test_stdin_problem(result):
    p = by_id(result)["apps/0"]
    assert (p.source, p.source_id) == ("apps", "0")
    assert p.statement.startswith("Given n and n integers, print their sum.")
    assert p.test_style is TestStyle.STDIN
    assert p.tests == (TestCase("3\n1 2 3\n", "6\n"), TestCase("1\n5\n", "5\n"))
    assert p.fn_name is None
    assert p.difficulty == "interview"
    assert p.reference_solution == "n = int(input())\nprint(sum(map(int, input().split())))\n"
    assert (p.time_limit_s, p.memory_limit_mb) == (6.0, 512)
    assert p.license == "MIT" and p.dataset == "codeparrot/apps"
    assert json.loads(p.metadata_json) == {"url": "https://codeforces.com/problemset/problem/1/Y"}


def test_call_problem(result):
    p = by_id(result)["apps/2500"]
    assert p.test_style is TestStyle.CALL
    assert p.fn_name == "digitize"
    assert p.starter_code == "def digitize(n):\n\t"
    assert p.tests == (TestCase("[35231]", "[[1, 3, 2, 5, 3]]"), TestCase("[0]", "[[0]]"))
    assert p.difficulty == "introductory"


def test_lists_of_lines_are_joined(result):
    p = by_id(result)["apps/3100"]
    assert p.tests == (TestCase("2\n1 2\n", "3\n2\n"),)
    assert p.reference_solution is None
    assert p.difficulty == "competition"


def test_call_inputs_that_are_not_lists_are_one_argument():
    style, tests, fn_name = apps.tests_from_input_output(
        {"fn_name": "f", "inputs": [[1, 2], "abc"], "outputs": [[3], "cba"]}
    )
    assert (style, fn_name) == (TestStyle.CALL, "f")
    assert tests == (TestCase("[1, 2]", "[3]"), TestCase('["abc"]', '"cba"'))


@pytest.mark.parametrize(
    "spec, reason",
    [
        ({"inputs": ["1"]}, "inputs and outputs must be lists"),
        ({"inputs": [], "outputs": []}, "no tests"),
        ({"inputs": [{"a": 1}], "outputs": ["1"]}, "string or a list of lines"),
    ],  # fmt: skip
)
def test_input_output_errors(spec, reason):
    with pytest.raises(MalformedRow) as err:
        apps.tests_from_input_output(spec)
    assert err.value.field == "input_output" and reason in err.value.reason


def test_missing_columns_are_quarantined():
    good = {"problem_id": 7, "question": "q", "input_output": json.dumps({"inputs": ["1"], "outputs": ["1"]})}
    rows = [good, {**good, "problem_id": None}, {**good, "question": ""}, {**good, "solutions": '{"a": 1}'}]
    out = normalize_rows(apps.SPEC, rows)
    assert [p.id for p in out.problems] == ["apps/7"]
    assert [(q.row_index, q.field) for q in out.quarantine] == [(1, "problem_id"), (2, "question"), (3, "solutions")]
