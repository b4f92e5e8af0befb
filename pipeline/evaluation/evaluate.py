"""Thinking-budget evaluation (Z1 Table 6): pass@1 against average thinking tokens.

For every model and thinking budget, each held-out problem gets one greedy Shifted-Thinking-
Window generation (prompted with the dataset's own `question_text`, as in training). The last
Python block is run against the problem's tests in the sandbox (`verify_all`: the extraction
and judging the pipeline itself uses), and per (model, budget) we report pass@1, average pass-1
("thinking") tokens and the share of problems that hit the budget.

A `sandbox_error` (an infrastructure fault, retried by `verify_all`) counts as not passed, and
is counted in its own column so a flaky sandbox cannot hide in the numbers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from pipeline.common import tables
from pipeline.dataset.assemble import question_text
from pipeline.evaluation.stw import Generator, StwResult
from sandbox.extract import extract_code
from sandbox.verify import Executor, Solution, VerifySettings, verify_all
from schemas import Problem, Split, Verdict, Verification
from schemas.atomic import atomic_path

Log = Callable[[str], None]


class NotHeldOut(ValueError):
    """Evaluation was asked to run on problems outside the held-out (eval) split."""


@dataclass(frozen=True)
class EvalSample:
    """One generation and its sandbox verdict."""

    problem_id: str
    model: str
    budget: int
    verdict: str  # a `Verdict` value
    passed: int  # tests passed
    total: int  # tests run
    thinking_tokens: int
    answer_tokens: int
    budget_hit: bool
    text: str  # the full response (pass 1 [+ phrase + pass 2])
    code: str  # what was run: the last Python block of the scored text (pass 2's when the budget was hit)
    generation_s: float  # wall time of the (model, budget) batch, divided by its problems


@dataclass(frozen=True)
class EvalRow:
    """The metrics of one (model, budget)."""

    model: str
    budget: int
    problems: int
    accepted: int
    pass_at_1: float  # accepted / problems (greedy: one sample per problem)
    avg_thinking_tokens: float
    budget_hit_rate: float
    avg_answer_tokens: float  # pass-2 tokens, over all problems (0 for those that stopped in time)
    sandbox_errors: int
    accepted_after_pass_2: int = 0  # accepted answers that came from pass 2 (the budget was hit)

    @property
    def pass_2_share(self) -> float:
        """Share of the accepted answers that the window produced (pass 2 after the phrase)."""
        return self.accepted_after_pass_2 / self.accepted if self.accepted else 0.0


@dataclass
class EvalReport:
    rows: list[EvalRow]
    samples: list[EvalSample]
    answer_tokens: int = 0  # pass 2's budget, a recipe choice printed with the table

    def table(self) -> str:
        header = (
            "Shifted Thinking Window: pass 1 up to the thinking budget; when it is hit, pass 2 continues after "
            f"the phrase with up to {self.answer_tokens} answer tokens, and pass 2's output is scored."
        )
        return header + "\n\n" + markdown_table(self.rows)


def check_held_out(problems: Sequence[Problem], allow_non_eval: bool = False) -> None:
    """Refuse problems outside Split.EVAL (unless allowed) and problems without tests."""
    untested = [p.id for p in problems if not p.tests]
    if untested:
        raise ValueError(
            f"{len(untested)} problems have no tests, so no verdict is possible: {', '.join(untested[:5])}"
        )
    ids = [p.id for p in problems]
    if len(set(ids)) != len(ids):
        raise ValueError("problem ids must be unique: each problem is generated and judged once per (model, budget)")
    outside = [p.id for p in problems if Split(p.split) is not Split.EVAL]
    if outside and not allow_non_eval:
        raise NotHeldOut(
            f"{len(outside)} of {len(problems)} problems are not in the held-out split "
            f"(Split.EVAL), e.g. {', '.join(outside[:5])}: evaluation runs on held-out problems "
            "only, as training problems would measure memorisation; pass allow_non_eval=True "
            "to evaluate them anyway"
        )


def sample_id(model: str, budget: int) -> str:
    return f"{model}@{budget}"


def aggregate(samples: Sequence[EvalSample]) -> list[EvalRow]:
    """Metrics per (model, budget), in the order the pairs first appear."""
    groups: dict[tuple[str, int], list[EvalSample]] = {}
    for s in samples:
        groups.setdefault((s.model, s.budget), []).append(s)
    rows = []
    for (model, budget), group in groups.items():
        n = len(group)
        accepted = sum(s.verdict == Verdict.ACCEPTED.value for s in group)
        rows.append(
            EvalRow(
                model=model,
                budget=budget,
                problems=n,
                accepted=accepted,
                pass_at_1=accepted / n,
                avg_thinking_tokens=sum(s.thinking_tokens for s in group) / n,
                budget_hit_rate=sum(s.budget_hit for s in group) / n,
                avg_answer_tokens=sum(s.answer_tokens for s in group) / n,
                sandbox_errors=sum(s.verdict == Verdict.SANDBOX_ERROR.value for s in group),
                accepted_after_pass_2=sum(s.verdict == Verdict.ACCEPTED.value and s.budget_hit for s in group),
            )
        )
    return rows


EVAL_COLUMNS = ("model", "budget", "problems", "pass@1", "avg thinking tokens", "budget hit", "avg answer tokens",
                "accepted via pass 2", "sandbox errors")  # fmt: skip


def _cells(r: EvalRow) -> tuple:
    return (r.model, r.budget, r.problems, f"{100 * r.pass_at_1:.1f}% ({r.accepted})", f"{r.avg_thinking_tokens:.1f}",
            f"{100 * r.budget_hit_rate:.1f}%", f"{r.avg_answer_tokens:.1f}",
            f"{100 * r.pass_2_share:.1f}% ({r.accepted_after_pass_2})", r.sandbox_errors)  # fmt: skip


def markdown_table(rows: Sequence[EvalRow]) -> str:
    """The evaluation table, one line per (model, budget)."""
    return tables.markdown_table([dict(zip(EVAL_COLUMNS, _cells(r))) for r in rows], EVAL_COLUMNS,
                                 numeric=EVAL_COLUMNS[1:])  # fmt: skip


def plot_curve(rows: Sequence[EvalRow], path: str | Path, title: str = "pass@1 vs thinking tokens") -> Path:
    """pass@1 against average thinking tokens, one line per model, points labelled by budget."""
    from matplotlib.figure import Figure  # no pyplot: no global backend or figure registry

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig = Figure(figsize=(7, 4.5))
    ax = fig.add_subplot()
    for model in dict.fromkeys(r.model for r in rows):
        points = sorted((r.avg_thinking_tokens, 100 * r.pass_at_1, r.budget) for r in rows if r.model == model)
        ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=model)
        for x, y, budget in points:
            ax.annotate(str(budget), (x, y), textcoords="offset points", xytext=(4, 4), fontsize=7)
    ax.set_xlabel("average thinking tokens (pass 1)")
    ax.set_ylabel("pass@1 (%)")
    ax.set_ylim(-3, 103)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    return path


def write_samples(samples: Sequence[EvalSample], path: str | Path) -> Path:
    """Every sample, text included, to parquet (atomically: tmp file + rename)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {"int": pa.int64(), "float": pa.float64(), "bool": pa.bool_(), "str": pa.string()}
    schema = pa.schema([(f.name, types[str(f.type)]) for f in fields(EvalSample)])
    path = Path(path)
    with atomic_path(path) as tmp:
        pq.write_table(pa.Table.from_pylist([asdict(s) for s in samples], schema=schema), tmp, compression="zstd")
    return path


def write_report(report: EvalReport, out_dir: str | Path) -> dict[str, Path]:
    """samples.parquet, report.md (the table) and curve.png under `out_dir`."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    table = out_dir / "report.md"
    table.write_text(report.table() + "\n", encoding="utf-8")
    return {
        "samples": write_samples(report.samples, out_dir / "samples.parquet"),
        "table": table,
        "curve": plot_curve(report.rows, out_dir / "curve.png"),
    }


def to_sample(
    problem: Problem, model: str, budget: int, result: StwResult, verification: Verification, seconds: float
) -> EvalSample:
    generated = {name: getattr(result, name) for name in ("thinking_tokens", "answer_tokens", "budget_hit", "text")}
    outcome = {
        "verdict": Verdict(verification.verdict).value,
        "passed": verification.passed,
        "total": verification.total,
    }
    return EvalSample(
        problem_id=problem.id,
        model=model,
        budget=budget,
        code=extract_code(result.scored_text),
        generation_s=round(seconds, 3),
        **generated,
        **outcome,
    )


def evaluate(
    models: Mapping[str, Generator],
    problems: Sequence[Problem],
    budgets: Sequence[int],
    executor: Executor,
    answer_tokens: int = 1024,
    workers: int = 2,
    settings: VerifySettings = VerifySettings(),
    allow_non_eval: bool = False,
    out_dir: str | Path | None = None,
    log: Log = print,
) -> EvalReport:
    """Generate for every (model, budget, problem), verify in the sandbox, aggregate.

    With `out_dir`, the report is written there as well (`write_report`)."""
    check_held_out(problems, allow_non_eval)
    if not models or not budgets or not problems:
        raise ValueError("evaluate needs at least one model, one budget and one problem")
    by_id = {p.id: p for p in problems}
    questions = [question_text(p) for p in problems]
    generated: list[tuple[str, int, Problem, StwResult, float]] = []
    for name, generator in models.items():
        for budget in budgets:
            started = time.monotonic()
            results = generator.generate(questions, budget, answer_tokens)
            if len(results) != len(problems):
                raise RuntimeError(f"{name} returned {len(results)} generations for {len(problems)} problems")
            per_problem = (time.monotonic() - started) / len(problems)
            tokens = sum(r.total_tokens for r in results)
            log(
                f"{name} budget {budget}: {len(problems)} generations, {tokens} tokens in "
                f"{per_problem * len(problems):.1f}s ({tokens / max(per_problem * len(problems), 1e-9):.1f} tok/s)"
            )
            generated += [(name, budget, p, r, per_problem) for p, r in zip(problems, results)]
    solutions = [Solution(p.id, sample_id(name, budget), r.scored_text) for name, budget, p, r, _ in generated]
    verdicts = {(v.problem_id, v.solution_id): v for v in verify_all(by_id, solutions, executor, workers, settings)}
    samples = [
        to_sample(p, name, budget, r, verdicts[(p.id, sample_id(name, budget))], secs)
        for name, budget, p, r, secs in generated
    ]
    report = EvalReport(aggregate(samples), samples, answer_tokens)
    if out_dir is not None:
        paths = write_report(report, out_dir)
        log(f"evaluation written: {', '.join(str(p) for p in paths.values())}")
    return report
