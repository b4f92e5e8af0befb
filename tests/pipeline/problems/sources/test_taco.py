import json

import pytest

from pipeline.problems.sources import taco
from pipeline.problems.sources.base import normalize_rows
from pipeline.problems.sources.tests_format import content_id
from schemas import TestCase, TestStyle
from tests.factories import by_id


@pytest.fixture
def result(normalize_fixture):
    return normalize_fixture(taco.SPEC)


def test_good_rows_come_through_and_bad_rows_are_quarantined(result):
    statements = [p.statement.split(".")[0] for p in result.problems]
    assert statements == [
        "Vasya has n coins",
        "Given an array of integers nums and an integer target, return indices of the two numbers such that they "
        "add up to target",
        "Read two lines: a count and the numbers",
        "Given an array arr of size n, return the sum of its elements",  # GeeksforGeeks call style, row 6
        "Read n and print n squared",  # row 8: an expected output starting with a blank line
    ]
    assert [(q.row_index, q.field) for q in result.quarantine] == [
        (3, "input_output"),
        (4, "question"),
        (5, "input_output"),
        (7, "input_output"),  # call-style tests and nothing to call
    ]
    assert all(q.source == "taco" and q.reason for q in result.quarantine)
    assert "not valid JSON" in result.quarantine[0].reason
    assert "no tests" in result.quarantine[2].reason
    assert "without fn_name, and the starter code defines no function" in result.quarantine[3].reason


def test_geeksforgeeks_call_rows_take_the_name_of_the_starter_method(result):
    """TACO's GeeksforGeeks rows have function-call tests but no fn_name in input_output."""
    p = result.problems[3]
    assert p.test_style is TestStyle.CALL and p.fn_name == "arraySum"
    assert p.tests == (TestCase("[[1, 2, 3], 3]", "6"), TestCase("[[5], 1]", "5"))
    assert p.reference_solution.startswith("class Solution:")


def test_stdin_problem(result):
    p = by_id(result)["taco/q-3e4ceaa898e07cfe"]
    assert p.source == "taco" and p.source_id == content_id(p.statement)
    assert p.statement.startswith("Vasya has n coins.")
    assert p.test_style is TestStyle.STDIN
    assert p.tests == (TestCase("3\n", "6\n"), TestCase("100\n", "200\n"))
    assert p.fn_name is None and p.starter_code == ""
    assert p.time_limit_s == 1.0 and p.memory_limit_mb == 256
    assert p.difficulty == "easy"
    assert p.reference_solution == "n = int(input())\nprint(2 * n)\n"
    assert p.license == "Apache-2.0" and p.dataset == "BAAI/TACO"
    meta = json.loads(p.metadata_json)
    assert meta["source"] == "codeforces" and meta["name"] == "Double Coins"
    assert meta["raw_tags"] == ["implementation", "math"] and meta["tags"] == ["Mathematics"]
    assert meta["url"] == "https://codeforces.com/problemset/problem/1/Z"
    assert meta["time_limit"] == "1 second" and meta["memory_limit"] == "256 megabytes"


def test_leetcode_call_problem_keeps_the_wrapped_outputs(result):
    p = by_id(result)["taco/q-b860648dc3717df7"]
    assert p.test_style is TestStyle.CALL
    assert p.fn_name == "twoSum"
    assert p.tests == (TestCase("[[2, 7, 11, 15], 9]", "[[0, 1]]"), TestCase("[[3, 2, 4], 6]", "[[1, 2]]"))
    assert p.starter_code.startswith("class Solution:\n    def twoSum(self, nums: List[int]")
    assert p.reference_solution.startswith("class Solution:")
    assert p.difficulty == "medium_hard"
    assert (p.time_limit_s, p.memory_limit_mb) == (6.0, 512)  # "None" -> defaults
    meta = json.loads(p.metadata_json)
    assert meta["expected_time_complexity"] == "O(N)" and meta["skill_types"] == ["Data structures"]


def test_lists_of_lines_unknown_difficulty_and_no_solutions(result):
    p = by_id(result)["taco/q-6ce2647ce571d0c0"]
    assert p.tests == (TestCase("2\n1 2\n", "3\n2\n"),)
    assert p.difficulty is None
    assert p.reference_solution is None
    assert (p.time_limit_s, p.memory_limit_mb) == (2.5, 512)


@pytest.mark.parametrize(
    "text, seconds",
    [("2 seconds", 2.0), ("1 second", 1.0), ("0.5 seconds", 0.5), ("None", 6.0), ("", 6.0), (None, 6.0)],  # fmt: skip
)
def test_time_limit(text, seconds):
    assert taco.time_limit_seconds(text) == seconds


@pytest.mark.parametrize(
    "text, megabytes",
    [("256 megabytes", 256), ("64 MB", 64), ("None", 512), (None, 512)],  # fmt: skip
)
def test_memory_limit(text, megabytes):
    assert taco.memory_limit_megabytes(text) == megabytes


def test_in_memory_malformed_rows_name_their_field():
    good = {"question": "q", "input_output": json.dumps({"inputs": ["1"], "outputs": ["1"]})}
    rows = [
        good,
        {**good, "input_output": json.dumps({"fn_name": "not an id", "inputs": [[1]], "outputs": [[1]]})},
        {**good, "input_output": json.dumps({"inputs": [5], "outputs": ["5"]})},  # stdin value not text
        {**good, "input_output": None},
        {**good, "solutions": "[broken"},
        {**good, "input_output": "[1, 2]"},
    ]
    out = normalize_rows(taco.SPEC, rows)
    assert len(out.problems) == 1
    assert [(q.row_index, q.field) for q in out.quarantine] == [
        (1, "input_output"),
        (2, "input_output"),
        (3, "input_output"),
        (4, "solutions"),
        (5, "input_output"),
    ]
    reasons = [q.reason for q in out.quarantine]
    assert "identifier" in reasons[0] and "string or a list of lines" in reasons[1]
    assert reasons[2] == "missing" and "must be a JSON object" in reasons[4]
