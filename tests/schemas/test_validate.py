from dataclasses import replace

import pytest

from schemas import (
    SchemaError,
    TestCase,
    TestResult,
    validate,
)
from tests.factories import ASSERT, CALL, QUARANTINE, REMOVAL, ROW, STDIN, TRAJECTORY, VERIFICATION


@pytest.mark.parametrize("record", [STDIN, CALL, ASSERT, TRAJECTORY, VERIFICATION, ROW, QUARANTINE, REMOVAL])
def test_valid_records_pass(record):
    assert validate(record) is record


def test_unverifiable_problem_may_have_no_tests():
    validate(replace(STDIN, tests=(), verifiable=False))


def _error(record) -> SchemaError:
    with pytest.raises(SchemaError) as info:
        validate(record)
    return info.value


@pytest.mark.parametrize(
    ("record", "field", "words"),
    [
        (replace(STDIN, statement="   "), "statement", "empty"),
        (replace(STDIN, tests=()), "tests", "at least one test"),
        (replace(STDIN, id="apps/99"), "id", "{source}/{source_id}"),
        (replace(STDIN, test_style="bash"), "test_style", "must be one of"),
        (replace(STDIN, tests=(TestCase("1 2\n", 3),)), "tests[0].output", "string"),
        (replace(STDIN, tests=(TestCase("ok\n", "ok\n"), "raw")), "tests[1]", "TestCase"),
        (replace(STDIN, statement="bad \udcff byte"), "statement", "UTF-8"),
        (replace(STDIN, time_limit_s=0.0), "time_limit_s", "must be in (0, 60] seconds"),
        (replace(STDIN, time_limit_s=1e9), "time_limit_s", "must be in (0, 60] seconds"),
        (replace(STDIN, memory_limit_mb=10**9), "memory_limit_mb", "must be in (0, 16384] MB"),
        (replace(CALL, fn_name="class"), "fn_name", "call-style tests need a function name"),
        (replace(STDIN, time_limit_s=float("nan")), "time_limit_s", "finite"),
        (replace(STDIN, memory_limit_mb=True), "memory_limit_mb", "integer"),
        (replace(STDIN, metadata_json="[1]"), "metadata_json", "JSON object"),
        (replace(STDIN, verifiable="yes"), "verifiable", "bool"),
        (replace(CALL, fn_name=None), "fn_name", "function name"),
        (replace(CALL, tests=(TestCase("[1, 2", "3"),)), "tests[0].input", "not JSON"),
        (replace(CALL, tests=(TestCase('{"a": 1}', "3"),)), "tests[0].input", "JSON array"),
        (replace(CALL, tests=(TestCase("[1]", "nope"),)), "tests[0].output", "not JSON"),
        (replace(ASSERT, tests=(TestCase("assert add(1, 2 == 3", ""),)), "tests[0].input", "does not compile"),
        (replace(ASSERT, tests=(TestCase("  ", ""),)), "tests[0].input", "no code"),
        (replace(TRAJECTORY, completion_tokens=-1), "completion_tokens", "negative"),
        (replace(TRAJECTORY, profile="medium"), "profile", "must be one of"),
        (replace(VERIFICATION, passed=2), "passed", "within 0..total"),
        (replace(VERIFICATION, passed=0, tests=()), "verdict", "accepted needs every test"),
        (replace(VERIFICATION, verdict="ok"), "verdict", "must be one of"),
        (replace(VERIFICATION, tests=(TestResult(0, "fine", 0.1),)), "tests[0].verdict", "must be one of"),
        (replace(ROW, response="<think>hmm</think> print(3)"), "response", "think tags"),
        (replace(ROW, token_num=0), "token_num", "positive"),
        (replace(QUARANTINE, reason=""), "reason", "empty"),
        (replace(REMOVAL, similarity=1.5), "similarity", "within 0..1"),
    ],
)
def test_malformed_records_name_the_record_and_field(record, field, words):
    err = _error(record)
    assert err.field == field
    assert words in err.message
    record_id = next(
        getattr(record, name) for name in ("id", "solution_id", "record_id", "problem_id") if hasattr(record, name)
    )
    assert err.record_id == record_id
    assert repr(record_id) in str(err) and repr(field) in str(err)


def test_unknown_record_type_is_a_type_error():
    with pytest.raises(TypeError):
        validate({"id": "x"})
