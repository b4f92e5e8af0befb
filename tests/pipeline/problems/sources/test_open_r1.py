import json

import pytest

from pipeline.problems.sources import open_r1
from pipeline.problems.sources.base import MalformedRow, normalize_rows
from schemas import TestCase, TestStyle, validate


@pytest.fixture
def open_r1_rows(normalize_fixture):
    return normalize_fixture(open_r1.SPEC)


@pytest.fixture
def prime_rows(normalize_fixture):
    return normalize_fixture(open_r1.SPEC, repo="PrimeIntellect/verifiable-coding-problems")


def test_struct_form_good_and_bad_rows(open_r1_rows):
    assert [p.id for p in open_r1_rows.problems] == ["open_r1/vfc_100001", "open_r1/vfc_100002"]
    assert [(q.row_index, q.record_id, q.field) for q in open_r1_rows.quarantine] == [
        (2, "vfc_100003", "verification_info.test_cases"),
        (3, "vfc_100004", "verification_info.test_cases"),
    ]
    assert "mixed test types" in open_r1_rows.quarantine[0].reason
    assert open_r1_rows.quarantine[1].reason == "missing or empty"


def test_struct_form_stdin_problem(open_r1_rows):
    p = open_r1_rows.problems[0]
    assert (p.source, p.source_id) == ("open_r1", "vfc_100001")
    assert p.statement.startswith("Solve the following coding problem using the programming language python:")
    assert p.test_style is TestStyle.STDIN
    assert p.tests == (TestCase("1 2\n", "3\n"), TestCase("10 -3\n", "7\n"))
    assert p.fn_name is None
    assert p.reference_solution == "a, b = map(int, input().split())\nprint(a + b)"  # fence stripped
    assert p.license == "apache-2.0" and p.dataset == "open-r1/verifiable-coding-problems-python"
    # open-r1's Python subset: `problem_statement`, and `metadata` a struct (every field present)
    assert json.loads(p.metadata_json) == {
        "source": "codeforces",
        "task_type": "verifiable_code",
        "in_source_id": "1352_A",
        "metadata": {
            "difficulty": "interview",
            "memory_limit": None,
            "memory_limit_bytes": None,
            "problem_url": None,
            "time_limit": "1 second",
        },
    }


def test_struct_form_function_call_problem(open_r1_rows):
    p = open_r1_rows.problems[1]
    assert p.test_style is TestStyle.CALL
    assert p.fn_name == "digitize"
    assert p.tests == (TestCase("[35231]", "[[1, 3, 2, 5, 3]]"), TestCase("[0]", "[[0]]"))
    assert p.reference_solution == "def digitize(n):\n    return [int(d) for d in str(n)[::-1]]\n"


def test_json_text_form(prime_rows):
    """PrimeIntellect's parent set: `prompt`, and `verification_info` / `metadata` as text."""
    assert [p.id for p in prime_rows.problems] == ["open_r1/vfc_200001", "open_r1/vfc_200004"]
    p = prime_rows.problems[0]
    assert p.test_style is TestStyle.CALL
    assert p.fn_name == "majorityElement"
    assert p.tests == (TestCase("[[3, 2, 3]]", "[3]"), TestCase("[[2, 2, 1, 1, 1, 2, 2]]", "[2]"))
    assert p.reference_solution.startswith("class Solution:\n    def majorityElement")
    assert json.loads(p.metadata_json)["metadata"] == {"difficulty": "easy"}
    assert [(q.row_index, q.record_id, q.field) for q in prime_rows.quarantine] == [
        (1, "vfc_200002", "verification_info.language"),
        (2, "vfc_200003", "verification_info"),
        (4, "vfc_200005", "verification_info"),
    ]
    assert "'rust'" in prime_rows.quarantine[0].reason
    assert prime_rows.quarantine[2].reason.startswith("neither JSON (") and "nor a Python literal (" in (
        prime_rows.quarantine[2].reason
    )


def test_python_literal_text_is_decoded(prime_rows):
    """Some parent-set rows write dicts as Python literals (single quotes, None, True)."""
    p = prime_rows.problems[1]
    assert (p.test_style, p.tests) == (TestStyle.STDIN, (TestCase("4\n", "8\n"),))
    assert json.loads(p.metadata_json)["metadata"] == {"difficulty": "easy", "memory_limit": None}


def test_tests_from_verification_info_is_pure_and_valid():
    info = {"language": "python", "test_cases": [{"type": "stdin_stdout", "input": "2\n", "output": "4\n"}]}
    from_dict = open_r1.tests_from_verification_info(info)
    assert from_dict == open_r1.tests_from_verification_info(json.dumps(info))
    assert from_dict == (TestStyle.STDIN, (TestCase("2\n", "4\n"),), None)
    assert info == {"language": "python", "test_cases": [{"type": "stdin_stdout", "input": "2\n", "output": "4\n"}]}
    problem = open_r1.SPEC.problem("p2", "s", from_dict)
    assert (problem.id, problem.source, problem.source_id) == ("open_r1/p2", "open_r1", "p2")
    assert validate(problem) is problem


@pytest.mark.parametrize(
    "info, field, reason",
    [
        (
            {"language": "cpp", "test_cases": [{"type": "stdin_stdout", "input": "", "output": ""}]},
            "verification_info.language",
            "only python",
        ),
        ({"test_cases": [{"type": "stdin_stdout", "input": "", "output": ""}]}, "verification_info.language", "None"),
        (
            {"language": "python", "test_cases": [{"type": "function_call", "input": [1], "output": 1}]},
            "verification_info.test_cases",
            "one fn_name",
        ),
        (
            {
                "language": "python",
                "test_cases": [
                    {"type": "function_call", "fn_name": "f", "input": [1], "output": 1},
                    {"type": "function_call", "fn_name": "g", "input": [1], "output": 1},
                ],
            },
            "verification_info.test_cases",
            "one fn_name",
        ),
        (
            {
                "language": "python",
                "test_cases": [{"type": "function_call", "fn_name": "f", "input": "[1", "output": "1"}],
            },
            "verification_info.test_cases",
            "not valid JSON",
        ),
        (
            {"language": "python", "test_cases": [{"type": "checker", "input": "1", "output": "1"}]},
            "verification_info.test_cases",
            "unsupported",
        ),
        ([1, 2], "verification_info", "must be an object"),
    ],
)
def test_tests_from_verification_info_errors(info, field, reason):
    with pytest.raises(MalformedRow) as err:
        open_r1.tests_from_verification_info(info)
    assert err.value.field == field and reason in err.value.reason


def test_native_function_call_values_are_json_encoded():
    info = {
        "language": "Python",
        "test_cases": [
            {"type": "function_call", "fn_name": "rev", "input": ["abc"], "output": "cba"},
            {"type": "function_call", "fn_name": "rev", "input": '["xy"]', "output": '"yx"'},
        ],
    }
    _, tests, fn_name = open_r1.tests_from_verification_info(info)
    assert tests == (TestCase('["abc"]', '"cba"'), TestCase('["xy"]', '"yx"')) and fn_name == "rev"


def test_in_memory_rows_missing_columns():
    info = {"language": "python", "test_cases": [{"type": "stdin_stdout", "input": "1\n", "output": "1\n"}]}
    good = {"problem_id": "vfc_1", "problem_statement": "p", "verification_info": info, "metadata": {"k": 1}}
    rows = [
        good,
        {**good, "problem_id": ""},
        {**good, "problem_statement": None},
        {**good, "verification_info": None},
        {**good, "metadata": "{not json"},
    ]
    out = normalize_rows(open_r1.SPEC, rows)
    assert [p.id for p in out.problems] == ["open_r1/vfc_1"]
    assert json.loads(out.problems[0].metadata_json) == {"metadata": {"k": 1}}
    assert out.problems[0].reference_solution is None
    assert [(q.row_index, q.field) for q in out.quarantine] == [
        (1, "problem_id"),
        (2, "problem_statement"),
        (3, "verification_info"),
        (4, "metadata"),
    ]


@pytest.mark.parametrize(
    "text, code",
    [
        ("```python\nprint(1)\n```", "print(1)"),
        ("```\nprint(1)\n```\n", "print(1)"),
        ("print(1)\n", "print(1)\n"),
        ("```python\na = 1\n```\nthen\n```python\nb = 2\n```", "```python\na = 1\n```\nthen\n```python\nb = 2\n```"),
        ("", None),
    ],
)
def test_strip_code_fence(text, code):
    assert open_r1.strip_code_fence(text) == code
