import json
from pathlib import Path

import pytest

from pipeline.verification.files import verify_files
from tests.factories import run_cli

pytestmark = [pytest.mark.slow, pytest.mark.docker]
REPO = Path(__file__).resolve().parents[3]

PROBLEMS = [
    {
        "problem_id": 1,
        "question": "Double it.",
        "input_output": json.dumps({"inputs": ["21\n", "5\n"], "outputs": ["42\n", "10\n"]}),
    },
    {
        "problem_id": "2",
        "question": "Add.",
        "time_limit_s": 2,
        "input_output": json.dumps({"fn_name": "add", "inputs": [[1, 2], [3, 4]], "outputs": [[3], [7]]}),
    },
    {
        "problem_id": "3",
        "problem_statement": "Square.",
        "verification_info": {
            "language": "python",
            "test_cases": [{"type": "stdin_stdout", "input": "3\n", "output": "9\n"}],
        },
    },
    {
        "problem_id": "4",
        "prompt": "Negate.",
        "verification_info": json.dumps(
            {"language": "python", "test_cases": [{"type": "stdin_stdout", "input": "3\n", "output": "-3\n"}]}
        ),
    },
    {
        "id": "mine/5",
        "source": "mine",
        "source_id": "5",
        "statement": "Identity.",
        "test_style": "assert",
        "fn_name": "ident",
        "tests": [{"input": "assert ident(4) == 4", "output": ""}],
    },
    {"problem_id": "6", "input_output": "{not json"},
]
SOLUTIONS = [
    {"problem_id": "1", "solution_id": "a", "code": "Here:\n```python\nprint(int(input()) * 2)\n```"},
    {"problem_id": "1", "solution_id": "b", "code": "print(int(input()) + 2)"},
    {"problem_id": "2", "solution_id": "c", "code": "class Solution:\n    def add(self, a, b):\n        return a + b"},
    {"problem_id": "3", "solution_id": "d", "code": "n = int(input())\nprint(n * n)"},
    {"problem_id": "4", "solution_id": "e", "code": "print(-int(input())"},
    {"problem_id": "mine/5", "solution_id": "f", "code": "def ident(x):\n    return x"},
    {"problem_id": "6", "solution_id": "g", "code": "print(1)"},
    {"problem_id": "1", "solution_id": "h"},
]


def _write(tmp_path):
    problems, solutions = tmp_path / "P.jsonl", tmp_path / "S.jsonl"
    problems.write_text("".join(json.dumps(r) + "\n" for r in PROBLEMS))
    with open(solutions, "wb") as handle:
        handle.write(b"".join(json.dumps(r).encode() + b"\n" for r in SOLUTIONS))
        handle.write(b'{"problem_id": "1", "solution_id": "\xff", "code": "print(1)"}\n')
    return problems, solutions


def _rows(path):
    return {(r["problem_id"], r["solution_id"]): r for r in map(json.loads, path.read_text().splitlines())}


def test_every_input_format_is_verified_and_bad_rows_rejected_with_reasons(tmp_path, docker_pool):
    problems, solutions = _write(tmp_path)
    out = tmp_path / "V.jsonl"
    report = verify_files(problems, solutions, out, docker_pool, workers=2, log=lambda _: None)
    rows = _rows(out)
    assert {k: r["verdict"] for k, r in rows.items()} == {
        ("1", "a"): "accepted",
        ("1", "b"): "wrong_answer",
        ("2", "c"): "accepted",
        ("3", "d"): "accepted",
        ("4", "e"): "syntax_error",
        ("mine/5", "f"): "accepted",
    }
    assert rows[("1", "a")]["passed"] == rows[("1", "a")]["total"] == 2
    assert set(rows[("1", "b")]) >= {"problem_id", "solution_id", "verdict", "passed", "total", "time_s", "tests"}
    assert "expected '42'" in rows[("1", "b")]["tests"][0]["detail"]
    rejected = [json.loads(line) for line in (tmp_path / "V.jsonl.rejected.jsonl").read_text().splitlines()]
    assert [(r["row_index"], r["field"]) for r in rejected] == [(6, "problem_id"), (7, "code"), (8, "<line>")]
    assert "not valid UTF-8" in rejected[2]["reason"]
    assert report.verified == 6 and report.rejected == 3


def test_rerun_skips_finished_work_and_redoes_sandbox_errors(tmp_path, docker_pool):
    problems, solutions = _write(tmp_path)
    out = tmp_path / "V.jsonl"
    verify_files(problems, solutions, out, docker_pool, workers=2, log=lambda _: None)
    lines = out.read_text().splitlines()
    first = json.loads(lines[0])
    poisoned = [json.dumps({**first, "verdict": "sandbox_error"})] + lines[1:] + ['{"problem_id": "1", "sol']
    out.write_text("\n".join(poisoned) + "\n")  # a sandbox error and a torn line from a killed run
    report = verify_files(problems, solutions, out, docker_pool, workers=2, log=lambda _: None)
    assert report.verified == 1 and report.skipped == 5
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 6 and len({(r["problem_id"], r["solution_id"]) for r in rows}) == 6
    assert all(r["verdict"] != "sandbox_error" for r in rows)


def test_verify_command(tmp_path):
    problems, solutions = _write(tmp_path)
    out = tmp_path / "V.jsonl"
    done = run_cli("verify", "--problems", problems, "--solutions", solutions, "--out", out, "--workers", 2)
    assert done.returncode == 1, done.stderr  # 1: some solution rows were rejected (their reasons are on file)
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["verified"] == 6 and summary["verdicts"]["accepted"] == 4 and summary["rejected"] == 3
    assert "verified 6/6" in done.stderr
    rejected = [json.loads(line) for line in (tmp_path / "V.jsonl.rejected.jsonl").read_text().splitlines()]
    assert any("was quarantined: input_output: not valid JSON" in r["reason"] for r in rejected)
    assert (tmp_path / "V.jsonl.quarantined-problems.jsonl").exists()


def test_unreachable_docker_engine_is_a_clear_error(tmp_path):
    problems, solutions = _write(tmp_path)
    done = run_cli(
        "verify",
        "--problems",
        problems,
        "--solutions",
        solutions,
        "--out",
        tmp_path / "V.jsonl",
        timeout=120,
        DOCKER_HOST="unix:///nonexistent/docker.sock",
    )
    assert done.returncode == 3
    assert "Docker engine is not reachable" in done.stderr and "--backend process" in done.stderr
    assert not (tmp_path / "V.jsonl").exists()


def test_a_solution_row_language_outside_the_sandbox_languages_is_rejected_naming_the_field(tmp_path):
    import json

    from pipeline.verification.files import read_solutions
    from tests.factories import DOUBLE

    path = tmp_path / "s.jsonl"
    rows = [{"problem_id": DOUBLE.id, "solution_id": "a", "code": "print(1)", "language": "rust"},
            {"problem_id": DOUBLE.id, "solution_id": "b", "code": "int main(){}", "language": "cpp"}]  # fmt: skip
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    accepted, rejected = read_solutions(path, {DOUBLE.id: DOUBLE})
    assert [(r.field, "rust" in r.reason) for r in rejected] == [("language", True)]
    assert [(s.solution_id, s.language) for _, s in accepted] == [("b", "cpp")]
