import base64
import json
import pickle
import zlib

import pytest

from pipeline.problems.sources import livecodebench
from pipeline.problems.sources.base import MalformedRow, normalize_rows
from schemas import TestCase, TestStyle
from tests.factories import by_id


def compress(payload: bytes) -> str:
    return base64.b64encode(zlib.compress(payload)).decode("ascii")


@pytest.fixture
def result(normalize_fixture):
    return normalize_fixture(livecodebench.SPEC)


@pytest.mark.parametrize(
    ("tag", "files"),
    [
        ("release_v1", ["test.jsonl"]),
        ("release_v3", ["test.jsonl", "test2.jsonl", "test3.jsonl"]),
        ("v2", ["test2.jsonl"]),
        ("v2_v3", ["test2.jsonl", "test3.jsonl"]),
        ("release_latest", ["test*.jsonl"]),
    ],
)
def test_version_tags_name_the_release_files(tag, files):
    base = "hf://datasets/livecodebench/code_generation_lite"
    assert livecodebench.version_files(tag) == [f"{base}/{name}" for name in files]


@pytest.mark.parametrize("tag", ["v0", "release_v", "latest", "v3_v1"])
def test_unknown_version_tags_are_errors(tag):
    with pytest.raises(ValueError, match="version_tag"):
        livecodebench.version_files(tag)


def test_a_release_reads_only_its_file(load_fixture):
    assert [r["question_id"] for r in load_fixture(livecodebench.SPEC, version="release_v1")] == ["2917", "abc314_a"]
    assert len(load_fixture(livecodebench.SPEC, version="v2")) == 5
    assert len(load_fixture(livecodebench.SPEC)) == 7


def test_good_rows_come_through_and_bad_rows_are_quarantined(result):
    assert [p.id for p in result.problems] == ["livecodebench/2917", "livecodebench/abc314_a"]
    assert [(q.row_index, q.record_id, q.field) for q in result.quarantine] == [
        (2, "1873_A", "private_test_cases"),  # not JSON, not base64
        (3, "abc999_z", "private_test_cases"),  # pickle with a global (os.system)
        (4, "abc999_y", "private_test_cases"),  # pickle of something that is not plain data
        (5, "9999", "metadata"),  # functional tests without func_name
        (6, "abc999_x", "public_test_cases"),  # no tests at all
    ]
    reasons = [q.reason for q in result.quarantine]
    assert reasons[0].startswith("neither JSON nor base64/zlib data")
    assert "global os.system is not allowed" in reasons[1]
    assert "not plain data" in reasons[2]
    assert "func_name" in reasons[3]
    assert reasons[4] == "no public or private tests"


def test_leetcode_functional_problem_with_compressed_private_tests(result):
    p = by_id(result)["livecodebench/2917"]
    assert (p.source, p.source_id) == ("livecodebench", "2917")
    assert p.statement.startswith("Given a 0-indexed integer array nums")
    assert p.test_style is TestStyle.CALL
    assert p.fn_name == "countPairs"
    assert p.starter_code.startswith("class Solution:\n    def countPairs(self, nums: List[int], target: int)")
    assert p.tests == (
        TestCase("[[-1, 1, 2, 3, 1], 2]", "3"),  # public
        TestCase("[[-6, 2, 5, -2, -7, -1, 3], -2]", "10"),
        TestCase("[[1], 5]", "0"),  # private
    )
    assert p.difficulty == "easy"
    assert (p.time_limit_s, p.memory_limit_mb) == (6.0, 512)
    assert p.reference_solution is None
    assert p.dataset == "livecodebench/code_generation_lite"
    meta = json.loads(p.metadata_json)
    assert meta == {
        "question_title": "Count Pairs Whose Sum is Less than Target",
        "platform": "leetcode",
        "contest_id": "biweekly-contest-111",
        "contest_date": "2023-08-19T00:00:00",
        "test_counts": {"public": 1, "private": 2},
    }


def test_atcoder_stdin_problem_with_plain_private_tests(result):
    p = by_id(result)["livecodebench/abc314_a"]
    assert p.test_style is TestStyle.STDIN
    assert p.fn_name is None and p.starter_code == ""
    assert p.tests == (TestCase("2\n", "3.14\n"), TestCase("32\n", "3.14159265358979323846264338327950\n"))
    assert json.loads(p.metadata_json)["platform"] == "atcoder"


def test_compressed_json_round_trip():
    cases = [{"input": "1\n", "output": "2\n", "testtype": "stdin"}]
    blob = compress(pickle.dumps(json.dumps(cases)))
    assert livecodebench.decode_test_cases(blob, "private_test_cases") == cases


def test_restricted_unpickler_never_runs_a_global(tmp_path):
    marker = tmp_path / "pwned"
    payload = f"cos\nsystem\n(S'touch {marker}'\ntR.".encode()
    with pytest.raises(MalformedRow) as err:
        livecodebench.decode_test_cases(compress(payload), "private_test_cases")
    assert err.value.field == "private_test_cases"
    assert "os.system is not allowed" in err.value.reason
    assert not marker.exists()


@pytest.mark.parametrize("obj", [("a", "tuple"), {1, 2}, 3.5])
def test_restricted_unpickler_refuses_non_plain_results(obj):
    with pytest.raises(pickle.UnpicklingError):
        livecodebench.restricted_loads(pickle.dumps(obj))


@pytest.mark.parametrize("obj", ["[]", b"[]", [{"input": "1"}], {"a": [1]}])
def test_restricted_unpickler_accepts_plain_data(obj):
    assert livecodebench.restricted_loads(pickle.dumps(obj)) == obj


def test_functional_args_one_json_value_per_line():
    assert livecodebench.functional_args('"abc"\n[1, 2]\n{"k": 1}\n', "c") == '["abc", [1, 2], {"k": 1}]'


def test_in_memory_malformed_rows():
    good = {
        "question_id": "abc1_a",
        "question_content": "c",
        "public_test_cases": json.dumps([{"input": "1\n", "output": "1\n", "testtype": "stdin"}]),
        "private_test_cases": "[]",
        "metadata": "{}",
    }
    functional = json.dumps([{"input": "[1]", "output": "1", "testtype": "functional"}])
    rows = [
        good,
        {
            **good,
            "public_test_cases": json.dumps([{"input": "x", "output": "1", "testtype": "functional"}]),
            "metadata": json.dumps({"func_name": "f"}),
        },
        {**good, "private_test_cases": functional, "metadata": json.dumps({"func_name": "f"})},
        {**good, "public_test_cases": json.dumps([{"input": "1", "output": "1", "testtype": "interactive"}])},
        {**good, "private_test_cases": None},
        {**good, "question_content": ""},
        {**good, "private_test_cases": compress(b"not a pickle")},
    ]
    out = normalize_rows(livecodebench.SPEC, rows)
    assert [p.id for p in out.problems] == ["livecodebench/abc1_a"]
    assert [(q.row_index, q.field) for q in out.quarantine] == [
        (1, "public_test_cases"),
        (2, "private_test_cases"),
        (3, "public_test_cases"),
        (4, "private_test_cases"),
        (5, "question_content"),
        (6, "private_test_cases"),
    ]
    reasons = [q.reason for q in out.quarantine]
    assert "not valid JSON" in reasons[0] and "mixes stdin and functional" in reasons[1]
    assert "unsupported test case" in reasons[2] and reasons[3] == "missing or empty"
    assert reasons[5].startswith("compressed test cases rejected")
