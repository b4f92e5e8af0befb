"""Verification of solution files: `trajforge verify` and the verification assets call this.

Results are appended to the output JSONL one row at a time (flushed), so a killed run loses
at most the solutions in flight; a re-run skips every (problem_id, solution_id) that already
has a final verdict and re-tries the ones that ended in `sandbox_error`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from pipeline.common.jsonl import JsonlLineError, JsonlStore, iter_jsonl
from pipeline.common.logs import Log, info
from pipeline.common.progress import progress_callback
from pipeline.problems.files import read_problem_file
from sandbox.verify import Executor, Solution, VerifySettings, verify_all
from schemas import Problem, Verdict, Verification
from schemas.atomic import atomic_write_text

VERDICTS = {v.value for v in Verdict}


@dataclass(frozen=True)
class Rejected:
    """A solution row that could not be verified, with the reason (written next to the output)."""

    row_index: int
    solution_id: str
    field: str
    reason: str


def read_solutions(path: str | Path, problems: dict[str, Problem]) -> tuple[list[tuple[str, Solution]], list[Rejected]]:
    """(file problem id, Solution) pairs, and rows rejected with the field and reason."""
    accepted, rejected = [], []
    for index, row in enumerate(iter_jsonl(path)):
        if isinstance(row, JsonlLineError):
            rejected.append(Rejected(index, "", row.field, str(row)))
            continue
        solution_id = str(row.get("solution_id", ""))
        problem_key = str(row.get("problem_id", ""))
        missing = [name for name in ("problem_id", "solution_id", "code") if not str(row.get(name, "")).strip()]
        if missing:
            rejected.append(Rejected(index, solution_id, missing[0], "missing or empty"))
        elif not isinstance(row["code"], str):
            rejected.append(Rejected(index, solution_id, "code", "must be a string"))
        elif problem_key not in problems:
            rejected.append(Rejected(index, solution_id, "problem_id", f"{problem_key!r} is not in the problems file"))
        elif not problems[problem_key].tests:
            rejected.append(Rejected(index, solution_id, "problem_id", f"problem {problem_key!r} has no tests"))
        else:
            accepted.append((problem_key, Solution(problems[problem_key].id, solution_id, row["code"])))
    return accepted, rejected


def verification_row(verification: Verification, problem_key: str) -> dict:
    row = asdict(verification)  # enums are str subclasses: they serialize as their values
    row["problem_id"] = problem_key
    return row


def _verdict_key(row: dict) -> tuple[str, str]:
    problem_id, solution_id = row["problem_id"], row["solution_id"]
    if not isinstance(problem_id, str) or not isinstance(solution_id, str) or row.get("verdict") not in VERDICTS:
        raise ValueError("not a verdict row")
    return problem_id, solution_id


def verdict_store(out_path: Path) -> JsonlStore:
    """The verdict file as a resumable store: rows with a final verdict are kept, `sandbox_error`
    rows (infrastructure faults) are dropped to be retried, unreadable lines are moved aside."""
    return JsonlStore(out_path, _verdict_key, keep=lambda row: row["verdict"] != Verdict.SANDBOX_ERROR.value)


@dataclass
class VerifyReport:
    verified: int
    skipped: int
    rejected: int
    verdicts: dict[str, int]


def verify_files(
    problems_path: str | Path,
    solutions_path: str | Path,
    out_path: str | Path,
    executor: Executor,
    workers: int,
    settings: VerifySettings = VerifySettings(),
    log: Log = info,
) -> VerifyReport:
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    problems, bad_problems = read_problem_file(problems_path)
    for q in bad_problems:
        log(f"problem row {q.row_index} ({q.record_id or 'no id'}) skipped: {q.field}: {q.reason}")
    pairs, rejected = read_solutions(solutions_path, problems)
    _write_rejected(out_path, rejected, log)
    store = verdict_store(out_path)
    if store.unreadable:
        log(f"{store.unreadable} unreadable line(s) of {out_path} moved to {store.unreadable_path}")
    todo = [(key, s) for key, s in pairs if (key, s.solution_id) not in store]
    log(
        f"{len(pairs)} solutions: {len(pairs) - len(todo)} already verified, {len(todo)} to verify, "
        f"{len(rejected)} rejected"
    )
    by_id = {p.id: p for p in problems.values()}
    key_of = {(s.problem_id, s.solution_id): key for key, s in todo}
    verdicts: dict[str, int] = {}
    progress = progress_callback(len(todo), "verified", log)
    for verification in verify_all(by_id, [s for _, s in todo], executor, workers, settings, progress):
        store.add(verification_row(verification, key_of[(verification.problem_id, verification.solution_id)]))
        verdicts[verification.verdict.value] = verdicts.get(verification.verdict.value, 0) + 1
    return VerifyReport(len(todo), len(pairs) - len(todo), len(rejected), verdicts)


def _write_rejected(out_path: Path, rejected: list[Rejected], log: Log) -> None:
    path = out_path.with_name(out_path.name + ".rejected.jsonl")
    if not rejected:
        path.unlink(missing_ok=True)
        return
    atomic_write_text(path, "".join(json.dumps(asdict(r)) + "\n" for r in rejected))
    log(
        f"{len(rejected)} solution rows rejected (reasons in {path}); first: "
        f"row {rejected[0].row_index} {rejected[0].field}: {rejected[0].reason}"
    )


def verify_references(
    problems: list[Problem],
    executor: Executor,
    workers: int,
    settings: VerifySettings = VerifySettings(),
    log: Log = info,
) -> list[Verification]:
    """Run every problem's reference solution against its own tests: a failure points at a
    broken test set (or a wrong reference), which would otherwise reject good trajectories."""
    checked = [p for p in problems if p.reference_solution and p.tests]
    solutions = [Solution(p.id, "reference", p.reference_solution) for p in checked]
    by_id = {p.id: p for p in checked}
    progress = progress_callback(len(solutions), "reference solutions verified:", log)
    results = list(verify_all(by_id, solutions, executor, workers, settings, progress))
    return sorted(results, key=lambda v: v.problem_id)


def verify_trajectories(
    problems: dict[str, Problem],
    trajectories: list,
    executor: Executor,
    workers: int,
    settings: VerifySettings = VerifySettings(),
    log: Log = info,
) -> list[Verification]:
    """Each trajectory's extracted code against its problem's tests (solution_id = trajectory id).
    A trajectory without code is a syntax error, not skipped: it stays visible in the counts."""
    solutions = [Solution(t.problem_id, t.id, t.code) for t in trajectories if t.problem_id in problems]
    progress = progress_callback(len(solutions), "trajectories verified:", log)
    results = list(verify_all(problems, solutions, executor, workers, settings, progress))
    return sorted(results, key=lambda v: v.solution_id)
