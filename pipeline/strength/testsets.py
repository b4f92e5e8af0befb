"""Which tests verification runs for each problem, and one verdict from several test sets.

A problem can have up to three test sets: its own (from the source), amplified ones (`amplify.py`,
outputs from its reference) and, when it has none of its own, synthesized ones (`synthesize.py`).
The recipe's `tests.use` picks: `original`, `amplified` (its own where none were made) or `both`,
where a solution must pass every set. Amplified tests are call-style while HumanEval's own are an
assert program, so sets stay separate problems and are run one after the other.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from sandbox.verify import Executor, Solution, VerifySettings, verify_all
from schemas import Problem, Trajectory, Verdict, Verification

USES = ("original", "amplified", "both")


def sets_to_run(
    problem: Problem, amplified: Problem | None, synthesized: Problem | None, use: str
) -> tuple[Problem, ...]:
    """The test sets a solution of `problem` must pass, in the order they run (none: unverifiable)."""
    if use not in USES:
        raise ValueError(f"tests.use must be one of {USES}, got {use!r}")
    if not problem.tests:
        return (synthesized,) if synthesized is not None and synthesized.tests else ()
    if amplified is None or not amplified.tests or use == "original":
        return (problem,)
    return (amplified,) if use == "amplified" else (problem, amplified)


def combined(results: Sequence[Verification]) -> Verification:
    """One verdict from the sets' verdicts in run order: accepted only when every set accepted,
    else the first rejection; counts add up and test indices continue from set to set."""
    if not results:
        raise ValueError("no verdicts to combine")
    first = results[0]
    tests, offset = [], 0
    for result in results:
        tests += [replace(t, index=t.index + offset) for t in result.tests]
        offset += result.total
    failed = next((r.verdict for r in results if r.verdict is not Verdict.ACCEPTED), Verdict.ACCEPTED)
    return Verification(first.problem_id, first.solution_id, failed, sum(r.passed for r in results),
                        sum(r.total for r in results), round(sum(r.time_s for r in results), 4), tuple(tests),
                        max(r.attempts for r in results))  # fmt: skip


def verify_with_sets(
    sets: Mapping[str, tuple[Problem, ...]],
    trajectories: Sequence[Trajectory],
    executor: Executor,
    workers: int,
    settings: VerifySettings = VerifySettings(),
    progress: Callable[[int], None] | None = None,
) -> list[Verification]:
    """Each trajectory whose problem has a test set, set after set; a set runs only for the
    solutions every earlier set accepted (a rejection is final). Sorted by trajectory id."""
    pending = [Solution(t.problem_id, t.id, t.code) for t in trajectories if sets.get(t.problem_id)]
    done: dict[str, list[Verification]] = {s.solution_id: [] for s in pending}
    for level in range(max((len(v) for v in sets.values()), default=0)):
        runnable = [s for s in pending if len(sets[s.problem_id]) > level]
        problems = {pid: chosen[level] for pid, chosen in sets.items() if len(chosen) > level}
        # progress counts the first set (every solution); later sets run only the ones it accepted
        for result in verify_all(problems, runnable, executor, workers, settings, progress if level == 0 else None):
            done[result.solution_id].append(result)
        pending = [s for s in runnable if done[s.solution_id][-1].verdict is Verdict.ACCEPTED]
    return sorted((combined(results) for results in done.values()), key=lambda v: v.solution_id)
