"""Bad input never crashes, hangs, loses work or fakes a verdict: one table-driven case per class
of what a demanding user tried, each asserting the exact outcome (exit code, message, quarantine
reason, verdict). Every command runs under a time bound. Verification uses the process backend
(no isolation needed for these programs) so the table stays fast."""

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.factories import run_cli

TIME_BOUND_S = 120

GOOD_PROBLEM = {"id": "file/p1", "source": "file", "source_id": "p1", "statement": "Double it.", "test_style": "stdin",
                "tests": [{"input": "2\n", "output": "4\n"}]}  # fmt: skip


def trajforge(*args, cwd: Path, timeout: float = TIME_BOUND_S) -> subprocess.CompletedProcess:
    return run_cli(*args, cwd=cwd, timeout=timeout)


def jsonl(path: Path, rows) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


def verify(tmp_path: Path, problems, solutions, *extra) -> tuple[subprocess.CompletedProcess, list[dict]]:
    out = tmp_path / "out.jsonl"
    files = ("--problems", jsonl(tmp_path / "p.jsonl", problems), "--solutions", jsonl(tmp_path / "s.jsonl", solutions))
    done = trajforge("verify", "--backend", "process", "--workers", "1", *files, "--out", out, *extra, cwd=tmp_path)
    assert "Traceback" not in done.stderr, done.stderr
    verdicts = [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []
    return done, verdicts


def rejected(tmp_path: Path) -> list[dict]:
    path = tmp_path / "out.jsonl.rejected.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


# 1. false accepts from coerced tests
@pytest.mark.parametrize(
    ("test", "code", "field"),
    [
        ({"input": "2\n"}, "pass", "tests[0].output"),  # no output: `pass` printed nothing == ""
        ({"input": "2\n", "output": None}, "print(None)", "tests[0].output"),  # str(None) == "None"
        ({"input": ["5"], "output": "5\n"}, "print(input())", "tests[0].input"),  # fed as the text "['5']"
    ],
)
def test_coerced_test_fields_never_accept(tmp_path, test, code, field):
    done, verdicts = verify(tmp_path, [{**GOOD_PROBLEM, "tests": [test]}],
                            [{"problem_id": "file/p1", "solution_id": "s", "code": code}])  # fmt: skip
    assert done.returncode == 1 and verdicts == []
    (reason,) = rejected(tmp_path)
    assert f"was quarantined: {field}:" in reason["reason"]


# 2. duplicate ids: no row silently wins
def test_duplicate_problem_ids_and_solution_keys_are_rejected_not_last_wins(tmp_path):
    apps = {"question": "Echo.", "input_output": json.dumps({"inputs": ["1\n"], "outputs": ["1\n"]})}
    problems = [{**apps, "problem_id": 1}, {**apps, "problem_id": "1", "question": "Other."}, {**apps, "problem_id": 2}]
    solutions = [{"problem_id": "1", "solution_id": "a", "code": "print(input())"},
                 {"problem_id": 2, "solution_id": "b", "code": "print(input())"},
                 {"problem_id": "2", "solution_id": "b", "code": "print(0)"}]  # fmt: skip
    done, verdicts = verify(tmp_path, problems, solutions)
    assert done.returncode == 1 and verdicts == []
    reasons = sorted(r["reason"] for r in rejected(tmp_path))
    assert reasons[0].startswith("duplicate") and reasons[1].startswith("duplicate") and "quarantined" in reasons[2]


# 3. Ctrl-C / SIGTERM stop verify within seconds and keep every finished verdict
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupt_stops_verify_keeps_verdicts_and_says_how_to_resume(tmp_path, sig):
    problems = [{**GOOD_PROBLEM, "id": f"file/p{i}", "source_id": f"p{i}"} for i in range(40)]
    solutions = [{"problem_id": f"file/p{i}", "solution_id": "s", "code": "import time\ntime.sleep(0.5)\nprint(4)"}
                 for i in range(40)]  # fmt: skip
    out = tmp_path / "out.jsonl"
    command = [sys.executable, "-m", "pipeline.cli", "verify", "--backend", "process", "--workers", "1",
               "--problems", jsonl(tmp_path / "p.jsonl", problems), "--solutions",
               jsonl(tmp_path / "s.jsonl", solutions), "--out", out]  # fmt: skip
    # SIGINT back to its default in the child: a shell's background job (`cmd &`) starts with SIGINT
    # ignored, the child would inherit that, and Python then never turns SIGINT into Ctrl-C
    child = subprocess.Popen(list(map(str, command)), cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # fmt: skip
    while not out.exists() or len(out.read_text().splitlines()) < 2:
        time.sleep(0.2)
    started = time.monotonic()
    child.send_signal(sig)
    _, stderr = child.communicate(timeout=30)
    assert time.monotonic() - started < 10 and child.returncode == 130
    kept = len(out.read_text().splitlines())
    assert 2 <= kept < 40 and "Traceback" not in stderr
    assert f"{40 - kept} left; run the same command again" in stderr


# 4. a dead teacher fails fast, with the reason
def test_a_dead_teacher_fails_fast(tmp_path):
    recipe = tmp_path / "r.yaml"
    recipe.write_text("teacher:\n  backend: openai\n  base_urls: [http://127.0.0.1:9/v1]\n  model: m\n"
                      "  profiles:\n    short: {system_prompt: '', instructions: ''}\n")  # fmt: skip
    started = time.monotonic()
    done = trajforge("sample", "--problems", jsonl(tmp_path / "p.jsonl", [GOOD_PROBLEM]), "--recipe", recipe,
                     "--out", tmp_path / "t.jsonl", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 3 and time.monotonic() - started < 60
    assert "no teacher server answers at http://127.0.0.1:9/v1" in done.stderr and "Traceback" not in done.stderr


def test_a_reply_without_choices_is_a_failure_with_a_reason():
    from pipeline.teacher.client import TeacherError, parse_choices

    with pytest.raises(TeacherError, match="answered without choices"):
        parse_choices({"object": "chat.completion"}, 0.1, "http://h/v1")
    (completion,) = parse_choices({"choices": [{"message": {"content": [{"type": "text", "text": "hi"}]}}]}, 0.1, "u")
    assert completion.content == "hi"  # a message content given as a list of parts


# 5. numbers that would hang a run are range-checked
@pytest.mark.parametrize("args", [("--workers", "-1"), ("--workers", "0"), ("--tolerance", "5")])
def test_out_of_range_options_are_usage_errors(tmp_path, args):
    done = trajforge("verify", "--problems", jsonl(tmp_path / "p.jsonl", [GOOD_PROBLEM]), "--solutions",
                     jsonl(tmp_path / "s.jsonl", []), "--out", tmp_path / "o.jsonl", *args, cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2 and "Traceback" not in done.stderr


def test_an_absurd_time_limit_is_quarantined_not_waited_for(tmp_path):
    problems = [{**GOOD_PROBLEM, "time_limit_s": 1e9}, {**GOOD_PROBLEM, "id": "file/p2", "source_id": "p2",
                                                         "time_limit_s": 1e400}]  # fmt: skip
    done, verdicts = verify(
        tmp_path, problems, [{"problem_id": "file/p1", "solution_id": "s", "code": "while 1: pass"}]
    )
    assert done.returncode == 1 and verdicts == []
    assert "time_limit_s" in rejected(tmp_path)[0]["reason"]


# 6. resumable outputs neither lose nor invent results
def test_a_fixed_test_makes_the_stored_verdict_stale(tmp_path):
    wrong = {**GOOD_PROBLEM, "tests": [{"input": "2\n", "output": "5\n"}]}
    solutions = [{"problem_id": "file/p1", "solution_id": "s", "code": "print(2 * int(input()))"}]
    _, first = verify(tmp_path, [wrong], solutions)
    assert [v["verdict"] for v in first] == ["wrong_answer"]
    done, second = verify(tmp_path, [GOOD_PROBLEM], solutions)
    assert [v["verdict"] for v in second] == ["accepted"] and '"stale": 1' in done.stdout


def test_an_out_file_that_is_not_a_verdict_file_is_moved_aside_not_taken_as_done(tmp_path):
    out = tmp_path / "out.jsonl"
    jsonl(out, [{"problem_id": "file/p1", "solution_id": "s", "note": "not a verdict"}, "garbage line"])
    done, verdicts = verify(
        tmp_path, [GOOD_PROBLEM], [{"problem_id": "file/p1", "solution_id": "s", "code": "print(4)"}]
    )
    assert [v["verdict"] for v in verdicts] == ["accepted"]
    assert len((tmp_path / "out.jsonl.unreadable.jsonl").read_text().splitlines()) == 2
    assert "2 unreadable line(s)" in done.stderr


# 7. one bad row never kills a run
def test_bad_rows_are_quarantined_and_the_rest_verified(tmp_path):
    nested = "[" * 100_000 + "]" * 100_000
    unhashable = {**GOOD_PROBLEM, "id": "file/p2", "source_id": "p2", "tests": [{"input": {"a": 1}, "output": "1"}]}
    absurd = {**GOOD_PROBLEM, "id": "file/p3", "source_id": "p3", "memory_limit_mb": 1e300}
    problems = [GOOD_PROBLEM, unhashable, nested, absurd]
    solutions = [{"problem_id": "file/p1", "solution_id": "s", "code": "print(4)"},
                 {"problem_id": "file/p1", "solution_id": "t", "code": ["print(4)"]}]  # fmt: skip
    done, verdicts = verify(tmp_path, problems, solutions)
    assert [v["verdict"] for v in verdicts] == ["accepted"] and done.returncode == 1
    quarantined = (tmp_path / "out.jsonl.quarantined-problems.jsonl").read_text()
    assert "tests[0].input" in quarantined and "not valid JSON" in quarantined and "memory_limit_mb" in quarantined
    assert [r["field"] for r in rejected(tmp_path)] == ["code"]


# 8. a huge program is a verdict, not an infrastructure fault retried for ever
def test_a_huge_program_gets_a_verdict(tmp_path):
    huge = "x = 1\n" * 1_000_000  # 6 MB
    done, verdicts = verify(tmp_path, [GOOD_PROBLEM], [{"problem_id": "file/p1", "solution_id": "s", "code": huge}])
    assert [v["verdict"] for v in verdicts] == ["syntax_error"]
    assert "the limit is" in verdicts[0]["tests"][0]["detail"]


# 9. recipe values that would delete data are refused before any work
@pytest.mark.parametrize(
    ("problems_section", "message"),
    [
        ("sources: [{name: humaneval, offline: true, limit: -5}]", "sources[0].limit: must be >= 1"),
        ("sources: [{name: humaneval, offline: 'no'}]", "sources[0].offline: expected true or false"),
        ("sources: [{name: humaneval, offline: true}]\n  dedup: {shingle_size: 0}", "dedup.shingle_size: must be >= 2"),
    ],
)
def test_recipe_values_that_delete_data_are_refused(tmp_path, problems_section, message):
    recipe = tmp_path / "r.yaml"
    recipe.write_text(f"problems:\n  {problems_section}\n")
    done = trajforge("problems", "--recipe", recipe, "--out", tmp_path / "o", cwd=tmp_path)
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "o" / "problems").exists()


# 10. misleading reports: every user error is one line and an exit code
@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("verify", "--problems", "missing.jsonl", "--solutions", "s.jsonl", "--out", "o.jsonl"), 2, "is not a file"),
        (("verify", "--problems", "p.jsonl", "--solutions", "p.jsonl", "--out", "/proc/o.jsonl"), 2, "cannot write"),
        (("evaluate", "--budgets", "32,lots"), 2, "--budgets: expected comma-separated integers"),
        (
            (
                "verify",
                "--problems",
                "p.jsonl",
                "--solutions",
                "empty.jsonl",
                "--out",
                "o.jsonl",
                "--backend",
                "process",
            ),
            1,
            "",
        ),  # nothing could be verified: not a success
    ],
)
def test_user_errors_are_one_line_and_an_exit_code(tmp_path, args, code, message):
    jsonl(tmp_path / "p.jsonl", [GOOD_PROBLEM])
    jsonl(tmp_path / "empty.jsonl", [])
    done = trajforge(*args, cwd=tmp_path)
    assert done.returncode == code and message in done.stderr and "Traceback" not in done.stderr


def test_a_keyword_fn_name_is_a_problem_defect_not_every_solution_s(tmp_path):
    problem = {**GOOD_PROBLEM, "test_style": "call", "fn_name": "class", "tests": [{"input": "[1]", "output": "1"}]}
    done, verdicts = verify(tmp_path, [problem], [{"problem_id": "file/p1", "solution_id": "s", "code": "pass"}])
    assert verdicts == [] and "fn_name" in rejected(tmp_path)[0]["reason"]
