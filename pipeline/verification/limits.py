"""Time limits calibrated on the judging host: a source's limit was set on its own judge, and a
slower host (or a slower language runtime) would fail right programs that fit there. Each problem
keeps its source's limit unless its accepted reference, timed here, needs more headroom: then the
limit becomes FACTOR x the reference's slowest test + MARGIN_S. Limits are only ever raised (the
source's limit is the problem's contract), and never past the schema's maximum."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from schemas import Problem, Verdict, Verification
from schemas.validate import MAX_TIME_LIMIT_S

FACTOR, MARGIN_S = 3.0, 0.5


def reference_times(results: Iterable[Verification], reference_id: str = "reference") -> dict[str, float]:
    """Problem id -> the slowest test of its accepted reference, in CPU seconds on this host (what the
    limit is judged on, and what a busy host does not inflate; wall seconds where no CPU time was
    measured). Only the reference counts: the problem's other correct programs may be in other
    languages (C++ is faster, Java gets twice the limit), and the limit is calibrated for what
    trajectories are written in."""
    return {r.problem_id: max(t.time_s if t.cpu_s is None else t.cpu_s for t in r.tests) for r in results
            if r.solution_id == reference_id and r.verdict is Verdict.ACCEPTED and r.tests}  # fmt: skip


def calibrated_limit(source_limit_s: float, reference_s: float | None) -> float:
    if reference_s is None:
        return source_limit_s
    return min(MAX_TIME_LIMIT_S, max(source_limit_s, round(FACTOR * reference_s + MARGIN_S, 2)))


def calibrate(problems: Mapping[str, Problem], times: Mapping[str, float]) -> tuple[dict[str, Problem], list[dict]]:
    """The problems with calibrated limits, and one row per raised limit (for the asset's metadata)."""
    out, raised = {}, []
    for pid, problem in problems.items():
        limit = calibrated_limit(problem.time_limit_s, times.get(pid))
        out[pid] = replace(problem, time_limit_s=limit) if limit != problem.time_limit_s else problem
        if limit != problem.time_limit_s:
            raised.append({"problem_id": pid, "source_limit_s": problem.time_limit_s,
                           "reference_s": times[pid], "time_limit_s": limit})  # fmt: skip
    return out, raised
