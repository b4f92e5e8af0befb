"""Mutation score of a problem's tests: the share of its reference's mutants the tests reject.

Each problem with a reference solution and tests gets up to `limit` mutants (`mutants.py`, a
seeded sample), run with its reference in the sandbox. The reference must be accepted, or the
problem's tests are broken and its score means nothing (`reference_accepted` False, no score). A
mutant the tests accept "survived": the tests cannot tell it from the reference. Some survivors are
equivalent to the reference (no input tells them apart); without generated inputs they cannot be
told from weak tests, so this score is a lower bound on the tests' real strength.

Mutants run under a short time limit (default 1 s, never above the problem's): a mutant that
loops (a negated `while`) is killed by it, as the problem's own limit would, only sooner.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from pipeline.strength.mutants import Mutant, mutants, sample_mutants
from sandbox.verify import Executor, Solution, VerifySettings, verify_all
from schemas import Problem, Verdict

REFERENCE = "reference"


@dataclass(frozen=True)
class StrengthSettings:
    mutants_per_problem: int = 40
    seed: int = 0
    time_limit_s: float = 1.0

    def __post_init__(self) -> None:
        if self.mutants_per_problem < 1:
            raise ValueError(f"mutants_per_problem must be at least 1, got {self.mutants_per_problem}")
        if not 0 < self.time_limit_s <= 60:
            raise ValueError(f"time_limit_s must be in (0, 60], got {self.time_limit_s}")


@dataclass(frozen=True)
class ProblemStrength:
    problem_id: str
    source: str
    reference_accepted: bool
    mutants: int
    killed: int
    killed_by: dict  # verdict -> mutants it killed
    survivors: tuple[str, ...]  # "line N: operator description" of each mutant the tests accepted
    verdicts: tuple[str, ...] = ()  # each planned mutant's verdict, in the planned order

    @property
    def score(self) -> float | None:
        return self.killed / self.mutants if self.reference_accepted and self.mutants else None


def _label(mutant: Mutant) -> str:
    said = (
        mutant.description
        if mutant.description.startswith(mutant.operator)
        else f"{mutant.operator} {mutant.description}"
    )
    return f"line {mutant.line}: {said}"


def measure(
    problems: Sequence[Problem],
    executor: Executor,
    workers: int,
    settings: StrengthSettings = StrengthSettings(),
    progress: Callable[[int], None] | None = None,
) -> list[ProblemStrength]:
    """Every problem with a reference and tests, in id order."""
    checked = [p for p in problems if p.reference_solution and p.tests]
    planned: dict[str, list[Mutant]] = {}
    solutions: list[Solution] = []
    for problem in checked:
        try:
            chosen = mutants(problem.reference_solution)
        except SyntaxError:
            chosen = []  # a reference that does not parse as Python: it will be rejected below too
        planned[problem.id] = sample_mutants(chosen, settings.mutants_per_problem, settings.seed, problem.id)
        solutions.append(Solution(problem.id, REFERENCE, problem.reference_solution))
        solutions += [Solution(problem.id, f"mutant-{i}", m.code) for i, m in enumerate(planned[problem.id])]
    limited = {p.id: replace(p, time_limit_s=min(p.time_limit_s, settings.time_limit_s)) for p in checked}
    runs = verify_all(
        limited, solutions, executor, workers, VerifySettings(stop_on_failure=True, rerun_time_limit=False), progress
    )
    verdicts = {(v.problem_id, v.solution_id): v.verdict for v in runs}
    return [_strength(p, planned[p.id], verdicts) for p in sorted(checked, key=lambda p: p.id)]


def _strength(problem: Problem, planned: list[Mutant], verdicts: dict) -> ProblemStrength:
    every = [(m, verdicts[(problem.id, f"mutant-{i}")]) for i, m in enumerate(planned)]
    judged = [(m, v) for m, v in every if v is not Verdict.SANDBOX_ERROR]  # not the mutant's doing
    killed_by = Counter(v.value for _, v in judged if v is not Verdict.ACCEPTED)
    survivors = tuple(_label(m) for m, v in judged if v is Verdict.ACCEPTED)
    accepted = verdicts[(problem.id, REFERENCE)] is Verdict.ACCEPTED
    return ProblemStrength(problem.id, problem.source, accepted, len(judged), sum(killed_by.values()),
                           dict(killed_by), survivors, tuple(v.value for _, v in every))  # fmt: skip


def by_source(rows: Iterable[ProblemStrength]) -> list[dict]:
    """Per source and in total: problems scored, mutants, killed, and the mutation score over all
    mutants of the problems whose reference passed (plus the mean of per-problem scores)."""
    groups: dict[str, list[ProblemStrength]] = {}
    for row in rows:
        groups.setdefault(row.source, []).append(row)
    table = []
    for source, members in [*sorted(groups.items()), ("total", [r for g in groups.values() for r in g])]:
        scored = [r for r in members if r.score is not None]
        run, killed = sum(r.mutants for r in scored), sum(r.killed for r in scored)
        table.append({
            "source": source, "problems": len(members),
            "references_rejected": sum(not r.reference_accepted for r in members),
            "mutants": run, "killed": killed, "mutation_score": round(killed / run, 4) if run else None,
            "mean_problem_score": round(sum(r.score for r in scored) / len(scored), 4) if scored else None,
            "problems_all_killed": sum(r.killed == r.mutants for r in scored),
        })  # fmt: skip
    return table


KILLED = frozenset(v.value for v in Verdict) - {Verdict.ACCEPTED.value, Verdict.SANDBOX_ERROR.value}


@dataclass(frozen=True)
class Comparison:
    """One problem's original vs amplified tests, over the same mutants. A mutant both test sets
    accept matches the reference on every input tried: likely equivalent, left out of both scores."""

    problem_id: str
    non_equivalent: int
    killed_original: int
    killed_amplified: int
    amplified_reference_accepted: bool

    def score(self, killed: int) -> float | None:
        return killed / self.non_equivalent if self.non_equivalent else None


def compare(original: ProblemStrength, amplified: ProblemStrength) -> Comparison:
    if original.problem_id != amplified.problem_id or len(original.verdicts) != len(amplified.verdicts):
        raise ValueError(f"{original.problem_id}: the two runs must judge the same mutants")
    pairs = [(a, b) for a, b in zip(original.verdicts, amplified.verdicts)
             if Verdict.SANDBOX_ERROR.value not in (a, b)]  # fmt: skip
    non_equivalent = [(a, b) for a, b in pairs if a in KILLED or b in KILLED]
    return Comparison(original.problem_id, len(non_equivalent), sum(a in KILLED for a, _ in non_equivalent),
                      sum(b in KILLED for _, b in non_equivalent), amplified.reference_accepted)  # fmt: skip
