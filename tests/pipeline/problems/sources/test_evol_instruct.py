import pytest

from pipeline.problems.sources import evol_instruct
from pipeline.problems.sources.base import normalize_rows
from pipeline.problems.sources.tests_format import content_id
from schemas import TestStyle


@pytest.fixture
def result(normalize_fixture):
    return normalize_fixture(evol_instruct.SPEC)


def test_rows_become_unverifiable_problems(result):
    assert [p.id for p in result.problems] == ["evol_instruct/q-5351c6193fe9fbb5", "evol_instruct/q-203a59ca8094f85f"]
    first, second = result.problems
    assert first.source == "evol_instruct" and first.source_id == content_id(first.statement)
    assert first.statement.startswith("Create a nested loop to print every combination")
    assert first.verifiable is False
    assert first.tests == ()
    assert first.test_style is TestStyle.STDIN
    assert first.fn_name is None and first.difficulty is None
    assert first.reference_solution.startswith("Here is an example of a nested loop in Python:\n\n```python\n")
    assert first.license == "cc-by-nc-sa-4.0" and first.dataset == "nickrosh/Evol-Instruct-Code-80k-v1"
    assert first.metadata_json == "{}"
    assert second.reference_solution is None  # empty output


def test_blank_instruction_is_quarantined(result):
    assert [(q.row_index, q.field, q.reason) for q in result.quarantine] == [(2, "instruction", "missing or empty")]


def test_same_instruction_same_id():
    rows = [
        {"instruction": "Sort a list.", "output": "a"},
        {"instruction": "Sort a list.", "output": "b"},
        {"output": "no instruction column"},
    ]
    out = normalize_rows(evol_instruct.SPEC, rows)
    assert out.problems[0].id == out.problems[1].id == f"evol_instruct/{content_id('Sort a list.')}"
    assert [(q.row_index, q.field) for q in out.quarantine] == [(2, "instruction")]
