import json

import pyarrow.parquet as pq
import pytest

from pipeline.common.layout import DataLayout
from pipeline.common.settings import DEFAULT_RECIPE
from pipeline.problems.build import build_problems, choose_held_out
from pipeline.problems.report import summarize
from pipeline.problems.settings import HeldOutSettings, parse_problems_recipe, problems_recipe
from pipeline.problems.sources import humaneval
from schemas import Problem, QuarantineRow, Split, read_parquet, validate


@pytest.fixture(scope="module")
def default_layout(tmp_path_factory):
    layout = DataLayout(tmp_path_factory.mktemp("problems"))
    build = build_problems(problems_recipe(DEFAULT_RECIPE), layout, log=lambda _: None)
    return layout, build


def _split(layout: DataLayout, split: str) -> list[Problem]:
    return read_parquet(layout.problems_file(split), Problem)


def test_default_recipe_yields_validated_problems_with_tests(default_layout):
    layout, _ = default_layout
    problems = _split(layout, "train") + _split(layout, "eval")
    assert len(problems) >= 189
    assert {p.source for p in problems} == {"humaneval", "stdio_builtin"}
    assert all(p.tests and p.verifiable for p in problems)
    for p in problems:
        validate(p)
    assert len({p.id for p in problems}) == len(problems)


def test_eval_split_is_seeded_held_out_and_decontaminated_against(default_layout, tmp_path):
    layout, build = default_layout
    evaluation, train = _split(layout, "eval"), _split(layout, "train")
    assert 10 <= len(evaluation) <= 40
    assert {p.source for p in evaluation} == {"humaneval", "stdio_builtin"} and {p.split for p in evaluation} == {
        Split.EVAL
    }
    assert not {p.id for p in evaluation} & {p.id for p in train}
    eval_ids = {p.id for p in evaluation}
    assert all(r.matched_id in eval_ids for r in build.decontam_removals)
    again = build_problems(problems_recipe(DEFAULT_RECIPE), DataLayout(tmp_path), log=lambda _: None)
    assert set(again.eval_ids) == eval_ids


def test_held_out_choice_depends_on_seed_not_order():
    rows = humaneval.package_rows()
    problems = [humaneval.normalize(r) for r in rows]
    a = choose_held_out(problems, HeldOutSettings(fraction=0.1, seed=1))
    assert a == choose_held_out(list(reversed(problems)), HeldOutSettings(fraction=0.1, seed=1))
    assert a != choose_held_out(problems, HeldOutSettings(fraction=0.1, seed=2))
    assert len(a) == round(164 * 0.1)


def test_summary_counts_add_up(default_layout):
    layout, build = default_layout
    for source, counts in summarize(build)["per_source"].items():
        assert counts["read"] == counts["normalized"] + counts["quarantined"], source
        assert (
            counts["normalized"] == counts["duplicates"] + counts["contaminated"] + counts["train"] + counts["eval"]
        ), source
    assert sum(c["train"] for c in summarize(build)["per_source"].values()) == len(_split(layout, "train"))


def test_bad_rows_are_quarantined_with_reason_and_good_rows_kept(tmp_path):
    rows = humaneval.package_rows()[:4]
    broken = dict(rows[1], test="def check(candidate):\n    assert candidate(1 ==\n")
    missing = {k: v for k, v in rows[2].items() if k != "prompt"}
    path = tmp_path / "humaneval.jsonl"
    with open(path, "wb") as handle:
        handle.write(json.dumps(rows[0]).encode() + b"\n")
        handle.write(b'{"task_id": "HumanEval/x", "prompt": "caf\xe9"}\n')  # latin-1 byte: not UTF-8
        handle.write(b'{"task_id": "HumanEval/y", \n')  # truncated JSON
        handle.write(json.dumps(broken).encode() + b"\n")
        handle.write(json.dumps(missing).encode() + b"\n")
        handle.write(json.dumps(rows[3]).encode() + b"\n")
    recipe = parse_problems_recipe({"sources": [{"name": "humaneval", "data_files": str(path)}]})
    layout = DataLayout(tmp_path / "out")
    build = build_problems(recipe, layout, log=lambda _: None)
    assert [p.source_id for p in _split(layout, "train")] == [rows[0]["task_id"], rows[3]["task_id"]]
    quarantine = read_parquet(build.files.quarantine, QuarantineRow)
    reasons = [(q.row_index, q.field, q.reason) for q in quarantine]
    assert reasons[0][0] == 1 and "not valid UTF-8" in reasons[0][2]
    assert reasons[1][0] == 2 and "not valid JSON" in reasons[1][2]
    assert reasons[2][:2] == (3, "tests[0].input") and "does not compile" in reasons[2][2]
    assert reasons[3][:2] == (4, "prompt")
    assert quarantine[2].record_id == rows[1]["task_id"]
    counts = summarize(build)["per_source"]["humaneval"]
    assert counts["quarantine_reasons"] == {"<line>": 2, "tests[0].input": 1, "prompt": 1}
    dropped = pq.read_table(layout.dropped_file("problems")).to_pylist()
    assert [d["reason"] for d in dropped] == ["quarantined"] * 4


def test_reports_and_manifest(default_layout):
    layout, build = default_layout
    files = build.files
    removals = pq.read_table(files.decontamination).num_rows + pq.read_table(files.dedup).num_rows
    assert removals == len(build.decontam_removals) + len(build.dedup_removals)
    summary = json.loads(files.summary.read_text())
    assert summary["held_out"] == {"fraction": 0.1, "seed": 20250401}
    assert sorted(summary["eval_ids"]) == sorted(p.id for p in _split(layout, "eval"))
    manifest = layout.read_manifest("problems")
    assert [f.rows for f in manifest.files] == [build.train_rows, build.eval_rows]
    assert not layout.staging_dir("problems").exists()


def test_a_duplicated_problem_id_in_a_problem_file_quarantines_both_rows(tmp_path):
    from pipeline.problems.files import read_problem_file

    row = {
        "id": "file/p1",
        "source": "file",
        "source_id": "p1",
        "statement": "Double it.",
        "test_style": "stdin",
        "tests": [{"input": "2\n", "output": "4\n"}],
    }
    path = tmp_path / "problems.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in (row, {**row, "statement": "Triple it."})) + "\n")
    problems, quarantine = read_problem_file(path)
    assert problems == {}
    assert sorted((q.row_index, q.field) for q in quarantine) == [(0, "problem_id"), (1, "problem_id")]
    assert all("duplicate id" in q.reason for q in quarantine)


@pytest.mark.parametrize(
    ("test", "field"),
    [
        ({"input": "1\n"}, "tests[0].output"),
        ({"input": "1\n", "output": None}, "tests[0].output"),
        ({"input": ["5"], "output": "5\n"}, "tests[0].input"),
        ({"input": "1\n", "output": 5}, "tests[0].output"),
    ],
)
def test_test_fields_are_strings_never_coerced(tmp_path, test, field):
    from pipeline.problems.files import read_problem_file

    row = {
        "id": "file/p1",
        "source": "file",
        "source_id": "p1",
        "statement": "Echo.",
        "test_style": "stdin",
        "tests": [test],
    }
    path = tmp_path / "problems.jsonl"
    path.write_text(json.dumps(row) + "\n")
    problems, (quarantined,) = read_problem_file(path)
    assert problems == {} and quarantined.field == field
