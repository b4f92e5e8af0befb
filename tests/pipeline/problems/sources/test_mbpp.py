import json

import pytest

from pipeline.problems.sources import mbpp
from pipeline.problems.sources.base import normalize_rows
from schemas import TestCase, TestStyle
from tests.factories import by_id


@pytest.fixture
def full(normalize_fixture):
    """Config `full` (the spec's default): `text`, `test_setup_code`, `challenge_test_list`."""
    return normalize_fixture(mbpp.SPEC)


@pytest.fixture
def sanitized(normalize_fixture):
    """Config `sanitized`, the hand-checked subset: `prompt`, `test_imports`, the same task ids."""
    return normalize_fixture(mbpp.SPEC, name="sanitized")


def test_full_config_good_and_bad_rows(full):
    assert [p.id for p in full.problems] == ["mbpp/11", "mbpp/700"]
    assert [(q.row_index, q.record_id, q.field) for q in full.quarantine] == [(2, "701", "test_list"),
                                                                              (3, "702", "code")]  # fmt: skip
    assert full.quarantine[0].reason == "missing or empty"
    assert full.quarantine[1].reason.startswith("reference code does not parse")


def test_full_config_problem(full):
    p = by_id(full)["mbpp/11"]
    assert (p.source, p.source_id) == ("mbpp", "11")
    assert p.statement == (
        "Write a python function to remove first and last occurrence of a given character from the string.\n"
        "Your code should pass this test:\n"
        'assert remove_Occ("hello","l") == "heo"\n'
    )
    assert p.test_style is TestStyle.ASSERT
    assert p.tests == (
        TestCase('assert remove_Occ("hello","l") == "heo"\n', ""),
        TestCase('assert remove_Occ("abcda","a") == "bcd"\n', ""),
        TestCase('assert remove_Occ("PHP","P") == "H"\n', ""),
    )
    assert p.fn_name == "remove_Occ"
    assert p.reference_solution.startswith("def remove_Occ(s,ch): \r\n")
    assert p.difficulty is None and p.starter_code == ""
    assert p.license == "CC-BY-4.0" and p.dataset == "google-research-datasets/mbpp"
    assert json.loads(p.metadata_json) == {"config": "full"}


def test_setup_code_prefixes_every_test_and_helper_defs_are_skipped(full):
    p = by_id(full)["mbpp/700"]
    assert p.tests == (
        TestCase("import math\nassert sum_primes(10) == 17\n", ""),
        TestCase("import math\nassert sum_primes(2) == 0\n", ""),
    )
    assert p.fn_name == "sum_primes"  # is_prime is defined first but the tests call sum_primes
    assert json.loads(p.metadata_json) == {"config": "full", "challenge_test_list": ["assert sum_primes(100) == 1060"]}


def test_sanitized_config(sanitized):
    assert [p.id for p in sanitized.problems] == ["mbpp/2", "mbpp/3"]
    assert sanitized.quarantine == []
    first, second = sanitized.problems
    assert first.statement.startswith(
        "Write a function to find the shared elements from the given two lists.\n"
        "Your code should pass this test:\nassert set(similar_elements("
    )
    assert first.fn_name == "similar_elements"
    assert first.tests[0] == TestCase("assert set(similar_elements((3, 4, 5, 6),(5, 7, 4, 10))) == set((4, 5))\n", "")
    assert second.tests == (
        TestCase("import math\nassert is_not_prime(2) == False\n", ""),
        TestCase("import math\nassert is_not_prime(10) == True\n", ""),
    )
    assert json.loads(second.metadata_json) == {
        "config": "sanitized",
        "source_file": "Benchmark Questions Verification V2.ipynb",
    }


def test_first_def_when_the_test_calls_none_of_them():
    assert mbpp.function_under_test("def a():\n    pass\ndef b():\n    pass\n", "assert check() == 1") == "a"


def test_in_memory_malformed_rows():
    good = {"task_id": 5, "text": "t", "code": "def f():\n    return 1\n", "test_list": ["assert f() == 1"]}
    rows = [
        good,
        {**good, "task_id": None},
        {**good, "text": None},
        {**good, "code": "x = 1\n"},
        {**good, "test_list": ["assert f( == 1"]},  # compiles nowhere: caught by validate()
        {**good, "test_list": ["assert f() == 1", "  "]},
    ]
    out = normalize_rows(mbpp.SPEC, rows)
    assert [p.id for p in out.problems] == ["mbpp/5"]
    assert [(q.row_index, q.field) for q in out.quarantine] == [(1, "task_id"), (2, "text"), (3, "code"),
                                                                (4, "tests[0].input"), (5, "test_list")]  # fmt: skip
    assert out.quarantine[2].reason == "reference code defines no function"
