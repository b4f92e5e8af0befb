"""The embedded stdin/stdout problem set: rows, reference solutions, wording, loading paths."""

import json
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from pipeline.problems.sources import stdio_builtin
from pipeline.problems.sources.base import load_hub_rows, normalize_rows
from pipeline.problems.text import ngrams, words
from schemas import Problem, TestStyle

SPEC = stdio_builtin.SPEC
RUN_TIMEOUT_S = 30  # generous: correctness is checked here, on a machine that may be busy


@pytest.fixture(scope="module")
def rows():
    return stdio_builtin.package_rows()


@pytest.fixture(scope="module")
def problems(rows):
    result = normalize_rows(SPEC, rows)
    assert result.quarantine == []
    return result.problems


def test_every_row_normalizes_and_validates(rows, problems):
    assert len(rows) == 40
    assert len(problems) == len(rows) >= 25
    assert [p.source_id for p in problems] == [f"stdio-{i:03d}" for i in range(1, 41)]
    assert len({p.id for p in problems}) == len(problems)
    for p in problems:
        assert p.source == "stdio_builtin" and p.id == f"stdio_builtin/{p.source_id}"
        assert p.test_style is TestStyle.STDIN
        assert 4 <= len(p.tests) <= 8, p.id
        assert len({t.input for t in p.tests}) == len(p.tests), f"{p.id} repeats a test input"
        assert all(t.input.endswith("\n") and t.output.endswith("\n") and t.output.strip() for t in p.tests), p.id
        assert p.reference_solution and "sys.stdin" in p.reference_solution, p.id
        assert p.difficulty in {"easy", "medium", "hard"}
        assert p.time_limit_s > 0 and p.verifiable
        assert p.license == "Apache-2.0" and p.dataset == "trajforge/stdio_builtin (embedded)"
        assert p.fn_name is None and p.starter_code == ""
        assert json.loads(p.metadata_json)["title"].strip()


def test_difficulty_mix(problems):
    assert Counter(p.difficulty for p in problems) == {"easy": 16, "medium": 16, "hard": 8}


def test_first_problem_fields(rows, problems):
    p = problems[0]
    assert p == Problem(
        id="stdio_builtin/stdio-001",
        source="stdio_builtin",
        source_id="stdio-001",
        statement=rows[0]["statement"],
        test_style=TestStyle.STDIN,
        tests=p.tests,
        time_limit_s=2.0,
        difficulty="easy",
        reference_solution=rows[0]["reference_solution"],
        license="Apache-2.0",
        dataset="trajforge/stdio_builtin (embedded)",
        metadata_json='{"title": "Even Minus Odd"}',
    )
    assert [(t.input, t.output) for t in p.tests] == [(t["input"], t["output"]) for t in rows[0]["tests"]]
    assert p.tests[0].input == "5\n1 2 3 4 5\n" and p.tests[0].output == "-3\n"


def test_statements_have_sections_and_show_the_first_test_as_example(problems):
    for p in problems:
        text = p.statement
        positions = [text.find(f"\n\n{name}\n") for name in ("Input", "Output", "Constraints", "Example")]
        assert all(pos > 0 for pos in positions) and positions == sorted(positions), p.id
        example = text[positions[-1] :]
        assert f"Input:\n{p.tests[0].input}Output:\n{p.tests[0].output}" in example, p.id


def test_no_two_statements_share_an_8_gram(rows):
    owner: dict[tuple[str, ...], str] = {}
    shared = []
    for row in rows:
        for gram in ngrams(words(row["statement"]), 8):
            first = owner.setdefault(gram, row["id"])
            if first != row["id"]:
                shared.append((first, row["id"], " ".join(gram)))
    assert shared == []


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.rstrip().split("\n")]


def _run_case(case):
    problem, index = case
    test = problem.tests[index]
    try:
        # -S: no site-packages, so the solutions must be plain standard library (and start faster)
        done = subprocess.run(
            [sys.executable, "-S", "-c", problem.reference_solution],
            input=test.input,
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired:
        return f"{problem.id} test {index}: timed out after {RUN_TIMEOUT_S}s"
    if done.returncode != 0:
        return f"{problem.id} test {index}: exit {done.returncode}: {done.stderr[-500:]}"
    if _lines(done.stdout) != _lines(test.output):
        return f"{problem.id} test {index}: got {done.stdout[:200]!r}, expected {test.output[:200]!r}"
    return None


def test_every_reference_solution_passes_all_its_tests(problems):
    cases = [(p, i) for p in problems for i in range(len(p.tests))]
    with ThreadPoolExecutor(max_workers=16) as pool:
        failures = [f for f in pool.map(_run_case, cases) if f]
    assert failures == []


def test_malformed_rows_are_quarantined_and_good_rows_kept(rows):
    good, other = rows[0], rows[1]
    no_statement = {k: v for k, v in good.items() if k != "statement"}
    batch = [
        good,
        no_statement,
        {**good, "statement": "  \n"},
        {**good, "tests": "5\n1 2 3 4 5\n"},
        {**good, "tests": []},
        {**good, "tests": [{"input": "1\n0\n", "output": "0\n"}, {"input": "1\n2\n"}]},
        {**good, "tests": [{"input": "1\n0\n", "output": 0}]},
        {**good, "tests": ["1\n0\n"]},
        {**good, "reference_solution": ""},
        {**good, "difficulty": "brutal"},
        {**good, "time_limit_s": 0},
        {k: v for k, v in good.items() if k != "title"},
        other,
    ]
    out = normalize_rows(SPEC, batch)
    assert [p.source_id for p in out.problems] == [good["id"], other["id"]]
    assert [(q.row_index, q.field) for q in out.quarantine] == [
        (1, "statement"),
        (2, "statement"),
        (3, "tests"),
        (4, "tests"),
        (5, "tests"),
        (6, "tests"),
        (7, "tests"),
        (8, "reference_solution"),
        (9, "difficulty"),
        (10, "time_limit_s"),
        (11, "title"),
    ]
    assert all(q.source == "stdio_builtin" and q.record_id == good["id"] for q in out.quarantine)
    assert out.quarantine[4].reason == "tests[1].output is missing or not a string"


def test_package_rows_turn_bad_lines_into_quarantine(rows, tmp_path, monkeypatch):
    path = tmp_path / "stdio_problems.jsonl"
    with open(path, "wb") as handle:
        handle.write(json.dumps(rows[0]).encode() + b"\n")
        handle.write(b'{"id": "stdio-999", \n')  # truncated JSON
        handle.write(json.dumps(rows[1]).encode() + b"\n")
    monkeypatch.setattr(stdio_builtin, "DATA_PATH", path)
    out = normalize_rows(SPEC, stdio_builtin.package_rows())
    assert [p.source_id for p in out.problems] == [rows[0]["id"], rows[1]["id"]]
    assert [(q.row_index, q.field) for q in out.quarantine] == [(1, "<line>")]
    assert "not valid JSON" in out.quarantine[0].reason


def test_hub_loader_yields_the_same_rows(rows, problems, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    loaded = list(load_hub_rows(SPEC, cache_dir=str(tmp_path / "hf-cache")))
    assert len(loaded) == 40
    assert loaded == rows
    result = normalize_rows(SPEC, loaded)
    assert result.quarantine == [] and result.problems == problems
