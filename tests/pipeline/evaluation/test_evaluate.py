"""evaluate(): metric aggregation on hand-built samples, the held-out guard, the report files,
and the whole loop on real held-out problems with the Docker sandbox (slow)."""

import threading
from dataclasses import asdict, replace

import pyarrow.parquet as pq
import pytest

from pipeline.dataset.assemble import question_text
from pipeline.evaluation.evaluate import (
    EvalReport,
    EvalRow,
    EvalSample,
    NotHeldOut,
    aggregate,
    check_held_out,
    evaluate,
    markdown_table,
    to_sample,
    write_report,
)
from pipeline.evaluation.stw import CONTINUATION_PHRASE, StwResult
from pipeline.problems.sources import humaneval, stdio_builtin
from schemas import Split, Verdict, Verification
from tests.factories import DOUBLE


def sample(model, budget, verdict, thinking, hit, answer, problem="p"):
    return EvalSample(
        problem_id=problem,
        model=model,
        budget=budget,
        verdict=verdict.value,
        passed=0,
        total=1,
        thinking_tokens=thinking,
        answer_tokens=answer,
        budget_hit=hit,
        text="",
        code="",
        generation_s=0.1,
    )


A, W, S = Verdict.ACCEPTED, Verdict.WRONG_ANSWER, Verdict.SANDBOX_ERROR
SAMPLES = [
    sample("z1", 8, A, 8, True, 10, "p1"),
    sample("z1", 8, W, 8, True, 20, "p2"),
    sample("z1", 8, A, 3, False, 0, "p3"),
    sample("z1", 8, S, 8, True, 30, "p4"),
    sample("base", 8, W, 8, True, 5, "p1"),
    sample("base", 8, W, 6, False, 0, "p2"),
    sample("z1", 64, A, 40, False, 0, "p1"),
    sample("z1", 64, A, 64, True, 7, "p2"),
]


def test_aggregate_by_hand():
    rows = aggregate(SAMPLES)
    assert rows == [
        # 2 of 4 accepted; (8+8+3+8)/4 thinking; 3 of 4 hit; (10+20+0+30)/4 answer; 1 sandbox error;
        # of the 2 accepted, p1 hit the budget (its answer came from pass 2) and p3 stopped in time
        EvalRow("z1", 8, 4, 2, 0.5, 6.75, 0.75, 15.0, 1, accepted_after_pass_2=1),
        EvalRow("base", 8, 2, 0, 0.0, 7.0, 0.5, 2.5, 0),
        EvalRow("z1", 64, 2, 2, 1.0, 52.0, 0.5, 3.5, 0, accepted_after_pass_2=1),  # p2 hit the budget
    ]
    assert [round(r.pass_2_share, 2) for r in rows] == [0.5, 0.0, 0.5]


def test_markdown_table_is_aligned_and_complete():
    lines = markdown_table(aggregate(SAMPLES)).splitlines()
    assert len(lines) == 2 + 3
    assert lines[0].startswith("| model ") and "pass@1" in lines[0] and "avg thinking tokens" in lines[0]
    assert set(lines[1]) <= {"|", "-", ":"}
    assert len({len(line) for line in lines}) == 1  # every line the same width: a terminal reads it
    assert "50.0% (2)" in lines[2] and "6.8" in lines[2] and "75.0%" in lines[2]


def held_out(problem):
    return replace(problem, split=Split.EVAL)


def test_training_problems_are_refused_unless_allowed():
    with pytest.raises(NotHeldOut, match=r"1 of 2 problems are not in the held-out split.*allow_non_eval"):
        check_held_out([held_out(replace(DOUBLE, id="t/other")), DOUBLE])
    check_held_out([DOUBLE], allow_non_eval=True)
    with pytest.raises(NotHeldOut):
        evaluate({"m": None}, [DOUBLE], [8], executor=None, log=lambda _: None)


def test_problems_without_tests_or_with_repeated_ids_are_refused():
    with pytest.raises(ValueError, match="no tests"):
        check_held_out([held_out(replace(DOUBLE, tests=()))])
    with pytest.raises(ValueError, match="unique"):
        check_held_out([held_out(DOUBLE), held_out(DOUBLE)])


def test_write_report_keeps_every_sample(tmp_path):
    report = EvalReport(aggregate(SAMPLES), SAMPLES)
    paths = write_report(report, tmp_path / "eval")
    table = pq.read_table(paths["samples"])
    assert table.num_rows == len(SAMPLES)
    assert table.column_names[:4] == ["problem_id", "model", "budget", "verdict"]
    assert table.to_pylist()[0] == asdict(SAMPLES[0])
    assert paths["curve"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert paths["table"].read_text().strip() == report.table()


class ScriptedGenerator:
    """Answers each question with fixed code: the reference solution, or `code` for all."""

    def __init__(self, problems, code=None):
        self.answers = {question_text(p): code or p.reference_solution for p in problems}

    def generate(self, questions, budget, answer_tokens):
        thinking = min(budget, 20)
        return [
            StwResult(
                "Let me think." + CONTINUATION_PHRASE + f"```python\n{self.answers[q]}\n```",
                thinking,
                budget <= 20,
                12 if budget <= 20 else 0,
                answer_text=f"```python\n{self.answers[q]}\n```" if budget <= 20 else "",
            )
            for q in questions
        ]


class CountingExecutor:
    """Passes every request to the real sandbox, counting them."""

    def __init__(self, inner):
        self.inner, self.size, self.requests = inner, inner.size, []
        self._lock = threading.Lock()

    def run(self, payload, timeout_s):
        with self._lock:
            self.requests.append(payload)
        return self.inner.run(payload, timeout_s)


@pytest.fixture(scope="module")
def eval_problems():
    """Three problems of the default held-out selection (data/problems/eval.parquet), built from
    the packaged sources so the test does not depend on `trajforge problems` having run."""
    wanted = {"humaneval/HumanEval/7", "humaneval/HumanEval/61", "stdio_builtin/stdio-008"}
    rows = [
        *map(humaneval.normalize, humaneval.package_rows()),
        *map(stdio_builtin.normalize, stdio_builtin.package_rows()),
    ]
    problems = [held_out(p) for p in rows if p.id in wanted]
    assert len(problems) == 3
    return problems


@pytest.mark.slow
@pytest.mark.docker
def test_evaluate_end_to_end_in_the_docker_sandbox(eval_problems, local_generator, docker_pool, tmp_path):
    models = {
        "smollm2": local_generator,
        "oracle": ScriptedGenerator(eval_problems),
        "exit0": ScriptedGenerator(eval_problems, code="import sys\nsys.exit(0)"),
    }
    sandbox = CountingExecutor(docker_pool)
    budgets = [8, 32]
    report = evaluate(
        models,
        eval_problems,
        budgets,
        sandbox,
        answer_tokens=24,
        workers=2,
        out_dir=tmp_path / "eval",
        log=lambda _: None,
    )

    assert [(r.model, r.budget) for r in report.rows] == [(m, b) for m in models for b in budgets]
    assert len(report.samples) == 3 * 2 * 3 == len(sandbox.requests)  # every verdict from a sandbox run
    assert all(r.problems == 3 and r.sandbox_errors == 0 for r in report.rows)
    by = {(r.model, r.budget): r for r in report.rows}
    assert by["oracle", 8].pass_at_1 == by["oracle", 32].pass_at_1 == 1.0
    assert by["exit0", 8].pass_at_1 == 0.0  # exiting early with status 0 passes nothing
    assert by["oracle", 8].budget_hit_rate == 1.0 and by["oracle", 32].budget_hit_rate == 0.0
    # the code run is the last Python block of the text, exactly as the pipeline extracts it
    oracle = next(s for s in report.samples if s.model == "oracle" and s.problem_id.endswith("stdio-008"))
    assert oracle.code.strip() == next(p for p in eval_problems if p.id == oracle.problem_id).reference_solution.strip()
    assert {p["code"] for p in sandbox.requests} >= {oracle.code}

    for s in (s for s in report.samples if s.model == "smollm2"):
        assert s.verdict in {v.value for v in Verdict} and s.verdict != Verdict.SANDBOX_ERROR.value
        assert s.thinking_tokens <= s.budget and s.budget_hit == (CONTINUATION_PHRASE in s.text)
        assert (s.thinking_tokens == s.budget) if s.budget_hit else s.answer_tokens == 0
    assert {p.name for p in (tmp_path / "eval").iterdir()} == {"samples.parquet", "report.md", "curve.png"}
    assert pq.read_table(tmp_path / "eval" / "samples.parquet").num_rows == 18
    print("\n" + report.table())


def test_a_budget_hit_row_with_an_unclosed_fence_in_pass_1_scores_pass_2s_program():
    """Z1 scores pass 2's output when the budget was hit: pass 1's unclosed fence must not pair
    with pass 2's fence (that "program" would be pass 1's draft + the phrase, a syntax error)."""
    pass1 = "Plan: read n.\n```python\nn = int(input(\n"  # cut mid-code by the budget
    pass2 = "```python\nprint(2 * int(input()))\n```"
    result = StwResult(pass1 + CONTINUATION_PHRASE + pass2, 8, True, 12, answer_text=pass2)
    assert result.scored_text == pass2
    problem = replace(DOUBLE, split=Split.EVAL)
    verification = Verification(problem.id, "z1@8", Verdict.ACCEPTED, 3, 3, 0.1)
    sample = to_sample(problem, "z1", 8, result, verification, 0.5)
    assert sample.code == "print(2 * int(input()))" and sample.text == result.text
    stopped = StwResult("```python\nprint(1)\n```", 5, False, 0)
    assert stopped.scored_text == stopped.text  # a row that stopped in time: pass 1 is scored
