"""Property-based fuzzing (Hypothesis) of every reader of user or source input: problem files,
solution files, the source normalizers and the recipe parser. For any input: no exception other
than the documented one, no row silently dropped (every row is a record or a quarantine/reject
row), and no test field coerced (a problem's tests are exactly the strings the row gave). The
suite's size is printed at the end of the run (tests/conftest.py)."""

from __future__ import annotations

import json
import string
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.common.jsonl import JsonlLineError, iter_jsonl
from pipeline.common.settings import RecipeError, parse
from pipeline.finetune.config import parse_finetune_recipe
from pipeline.problems.files import read_problem_file
from pipeline.problems.settings import parse_problems_recipe
from pipeline.problems.sources.base import normalize_rows
from pipeline.problems.sources.registry import all_source_names, source_spec
from pipeline.teacher.config import parse_teacher_recipe
from pipeline.verification.files import read_solutions
from schemas import TestStyle, validate

FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
EXAMPLES: list[int] = [0]  # generated examples, summed over the suite (printed by tests/conftest.py)

scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70),
                    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30))  # fmt: skip
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    st.text(string.ascii_lowercase, max_size=8), inner, max_size=4), max_leaves=12)  # fmt: skip
PROBLEM_KEYS = ["id", "source", "source_id", "statement", "test_style", "tests", "fn_name", "time_limit_s",
                "memory_limit_mb", "problem_id", "question", "input_output", "verification_info", "prompt",
                "problem_statement", "starter_code", "split", "verifiable"]  # fmt: skip


def _count() -> None:
    EXAMPLES[0] += 1


def _test_case(style: str):
    text = st.text(max_size=20)
    return st.fixed_dictionaries(
        {}, optional={"input": st.one_of(text, json_values), "output": st.one_of(text, json_values)}
    )


@st.composite
def problem_rows(draw) -> dict:
    row = draw(st.dictionaries(st.sampled_from(PROBLEM_KEYS), json_values, max_size=8))
    if draw(st.booleans()):  # a trajforge-format row, mostly well formed, with fuzzed details
        style = draw(st.sampled_from(["stdin", "call", "assert", "weird"]))
        row.update(id=f"file/{draw(st.text(string.ascii_letters, min_size=1, max_size=4))}", source="file",
                   test_style=style, statement=draw(st.text(min_size=1, max_size=20)),
                   tests=draw(st.lists(_test_case(style), max_size=3)))  # fmt: skip
        row["source_id"] = row["id"].split("/", 1)[1]
    return row


def _write(path: Path, rows: list) -> Path:
    path.write_text("".join(json.dumps(r, allow_nan=True) + "\n" for r in rows), encoding="utf-8")
    return path


@FUZZ
@given(rows=st.lists(problem_rows(), max_size=6))
def test_problem_files_never_crash_drop_or_coerce(tmp_path_factory, rows):
    _count()
    path = _write(tmp_path_factory.mktemp("fuzz") / "p.jsonl", rows)
    problems, quarantine = read_problem_file(path)
    assert len(problems) + len({q.row_index for q in quarantine}) == len(rows)  # nothing silently dropped
    raw = {str(r.get("id")): r for r in rows if "test_style" in r}
    for key, problem in problems.items():
        validate(problem)
        if key in raw and TestStyle(problem.test_style) is not TestStyle.ASSERT:
            given_tests = raw[key]["tests"]  # every field exactly the string the row gave
            assert [(t.input, t.output) for t in problem.tests] == [(g["input"], g["output"]) for g in given_tests]


solution_rows = st.dictionaries(
    st.sampled_from(["problem_id", "solution_id", "code", "extra"]), json_values, max_size=4
)


@FUZZ
@given(rows=st.lists(solution_rows, max_size=6), lines=st.lists(st.binary(max_size=20), max_size=2))
def test_solution_files_never_crash_drop_or_coerce(tmp_path_factory, rows, lines):
    _count()
    path = tmp_path_factory.mktemp("fuzz") / "s.jsonl"
    body = b"".join(json.dumps(r).encode() + b"\n" for r in rows) + b"".join(
        line.replace(b"\n", b"") + b"\n" for line in lines
    )
    path.write_bytes(body)
    problem = read_problem_file(_write(path.with_name("p.jsonl"), [{
        "id": "file/x", "source": "file", "source_id": "x", "statement": "s", "test_style": "stdin",
        "tests": [{"input": "1", "output": "1"}]}]))[0]  # fmt: skip
    pairs, rejected = read_solutions(path, problem)
    counted = sum(1 for line in body.split(b"\n") if line.strip())
    assert len(pairs) + len(rejected) == counted
    by_row = {json.dumps(r.get("code")) for r in rows}
    assert all(isinstance(s.code, str) and json.dumps(s.code) in by_row for _, s in pairs)


SOURCE_KEYS = PROBLEM_KEYS + ["task_id", "text", "code", "test_list", "name", "description", "public_tests",
                              "question_content", "public_test_cases", "private_test_cases", "instruction", "title",
                              "reference_solution", "test", "entry_point", "id", "official_tests", "examples",
                              "input_mode", "generated_checker", "interaction_format", "time_limit",
                              "memory_limit"]  # fmt: skip
source_rows = st.dictionaries(st.text(max_size=12), json_values, max_size=6) | st.dictionaries(
    st.sampled_from(SOURCE_KEYS), json_values, max_size=8
)


@FUZZ
@given(name=st.sampled_from(all_source_names()), rows=st.lists(source_rows, max_size=5))
def test_source_normalizers_quarantine_never_raise(name, rows):
    _count()
    spec = source_spec(name)
    out = normalize_rows(spec, rows)
    assert len(out.problems) + len(out.quarantine) == len(rows)
    for problem in out.problems:
        validate(problem)
    assert all(q.field and q.reason for q in out.quarantine)


@FUZZ
@given(section=st.sampled_from(["problems", "teacher", "finetune"]), data=json_values)
def test_recipe_sections_are_a_recipe_or_a_recipe_error(section, data):
    _count()
    parser = {"problems": parse_problems_recipe, "teacher": parse_teacher_recipe, "finetune": parse_finetune_recipe}
    try:
        parser[section](data)
    except RecipeError as err:
        assert str(err).startswith(section) or ":" in str(err)


@FUZZ
@given(data=st.dictionaries(st.sampled_from(["selection", "token_budget", "max_repetition", "variants", "shard_mb",
                                              "keep_per_problem", "unknown"]), json_values, max_size=4))  # fmt: skip
def test_dataset_settings_are_settings_or_a_recipe_error(data):
    _count()
    from pipeline.dataset.settings import DatasetSettings

    try:
        parse(DatasetSettings, data, "dataset")
    except RecipeError as err:
        assert str(err).startswith("dataset")


@FUZZ
@given(lines=st.lists(st.binary(max_size=40), max_size=8))
def test_jsonl_reader_names_every_bad_line(tmp_path_factory, lines):
    _count()
    path = tmp_path_factory.mktemp("fuzz") / "x.jsonl"
    path.write_bytes(b"\n".join(line.replace(b"\n", b" ") for line in lines) + b"\n")
    rows = list(iter_jsonl(path))
    assert len(rows) == sum(1 for line in lines if line.replace(b"\n", b" ").strip())
    assert all(isinstance(r, dict) or (isinstance(r, JsonlLineError) and str(r).startswith("line ")) for r in rows)
