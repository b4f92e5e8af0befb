"""Verification of solution files: `trajforge verify` and the verification assets call this.

Results are appended to the output JSONL one row at a time (flushed), so a killed run loses
at most the solutions in flight; a re-run skips every (problem_id, solution_id) that already
has a final verdict and re-tries the ones that ended in `sandbox_error`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from pipeline.common.jsonl import JsonlLineError, JsonlStore, iter_jsonl
from pipeline.common.logs import Log, info
from pipeline.common.progress import progress_callback
from pipeline.problems.files import read_problem_file
from pipeline.strength.testsets import verify_with_sets
from sandbox.verify import Executor, Solution, VerifySettings, verify_all
from schemas import Problem, Trajectory, Verdict, Verification
from schemas.atomic import atomic_write_text
from schemas.validate import LANGUAGES

VERDICTS = {v.value for v in Verdict}


@dataclass(frozen=True)
class Rejected:
    """A solution row that could not be verified, with the reason (written next to the output)."""

    row_index: int
    solution_id: str
    field: str
    reason: str


def _text_id(value) -> str | None:
    """An id given as text or an integer (`1` and `"1"` are the same id); anything else is None."""
    if isinstance(value, bool) or not isinstance(value, (str, int)) or not str(value).strip():
        return None
    return str(value)


def read_solutions(
    path: str | Path, problems: dict[str, Problem], quarantined: dict[str, str] | None = None
) -> tuple[list[tuple[str, Solution]], list[Rejected]]:
    """(file problem id, Solution) pairs, and rows rejected with the field and reason. Two rows with
    the same (problem_id, solution_id) are both rejected: either verdict would be a guess.
    `quarantined` maps a problem id whose row was quarantined to why."""
    accepted: dict[tuple[str, str], tuple[int, Solution]] = {}
    rejected: list[Rejected] = []
    duplicates: set[tuple[str, str]] = set()
    for index, row in enumerate(iter_jsonl(path)):
        if isinstance(row, JsonlLineError):
            rejected.append(Rejected(index, "", row.field, str(row)))
            continue
        problem_key, solution_id = _text_id(row.get("problem_id")), _text_id(row.get("solution_id"))
        reason = _solution_problem(row, problem_key, solution_id, problems, quarantined or {})
        if reason is not None:
            rejected.append(Rejected(index, solution_id or "", *reason))
        elif (problem_key, solution_id) in accepted or (problem_key, solution_id) in duplicates:
            first = accepted.pop((problem_key, solution_id), None)
            duplicates.add((problem_key, solution_id))
            if first is not None:
                rejected.append(Rejected(first[0], solution_id, "solution_id", f"duplicate key (also row {index})"))
            rejected.append(Rejected(index, solution_id, "solution_id", "duplicate (problem_id, solution_id) key"))
        else:
            solution = Solution(problems[problem_key].id, solution_id, row["code"], row.get("language"))
            accepted[(problem_key, solution_id)] = (index, solution)
    pairs = [(key[0], solution) for key, (_, solution) in sorted(accepted.items(), key=lambda kv: kv[1][0])]
    return pairs, sorted(rejected, key=lambda r: r.row_index)


def _solution_problem(row, problem_key, solution_id, problems, quarantined) -> tuple[str, str] | None:
    """(field, reason) when the row cannot be verified; None when it can."""
    if problem_key is None:
        return "problem_id", f"missing or not a string/integer id, got {row.get('problem_id')!r}"
    if solution_id is None:
        return "solution_id", f"missing or not a string/integer id, got {row.get('solution_id')!r}"
    code = row.get("code")
    if not isinstance(code, str) or not code.strip():
        return "code", "missing or empty" if code in (None, "") else f"must be a string, got {type(code).__name__}"
    language = row.get("language")
    if language is not None and language not in LANGUAGES:
        return "language", f"must be one of {LANGUAGES} or absent, got {language!r}"
    if problem_key in quarantined:
        return "problem_id", f"problem {problem_key!r} was quarantined: {quarantined[problem_key]}"
    if problem_key not in problems:
        return "problem_id", f"{problem_key!r} is not in the problems file"
    if not problems[problem_key].tests:
        return "problem_id", f"problem {problem_key!r} has no tests"
    return None


def verdict_check(problem: Problem, solution: Solution, settings: VerifySettings) -> str:
    """What a verdict depends on (code, tests, limits, tolerance), hashed: a stored verdict whose
    check differs from the current one is stale and verified again."""
    payload = json.dumps([solution.code, [[t.input, t.output] for t in problem.tests], problem.test_style.value,
                          problem.fn_name, problem.time_limit_s, problem.memory_limit_mb,
                          settings.tolerance.abs_tol, settings.tolerance.rel_tol, solution.language, problem.language,
                          problem.checker, problem.interactor, problem.float_tolerance])  # fmt: skip
    return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def verification_row(verification: Verification, problem_key: str, check: str = "") -> dict:
    row = asdict(verification)  # enums are str subclasses: they serialize as their values
    row["problem_id"] = problem_key
    row["check"] = check
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
    stale: int = 0  # stored verdicts verified again because the code, tests or limits changed


class VerifyInterrupted(Exception):
    """Ctrl-C or SIGTERM during `verify_files`: every finished verdict is stored."""

    def __init__(self, done: int, left: int, out_path: Path):
        self.done, self.left, self.out_path = done, left, out_path
        super().__init__(f"interrupted: {done} verified and stored in {out_path}, {left} left; "
                         "run the same command again to verify only those")  # fmt: skip


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
    _write_quarantined(out_path, bad_problems, log)
    quarantined = {q.record_id: f"{q.field}: {q.reason}" for q in bad_problems if q.record_id}
    pairs, rejected = read_solutions(solutions_path, problems, quarantined)
    _write_rejected(out_path, rejected, log)
    store = verdict_store(out_path)
    if store.unreadable:
        log(f"{store.unreadable} unreadable line(s) of {out_path} moved to {store.unreadable_path}")
    checks = {(key, s.solution_id): verdict_check(problems[key], s, settings) for key, s in pairs}
    stale = [k for k, row in store.rows.items() if k in checks and row.get("check") != checks[k]]
    if stale:
        store.discard(stale)
        log(f"{len(stale)} stored verdict(s) are stale (the code, tests or limits changed): verifying them again")
    todo = [(key, s) for key, s in pairs if (key, s.solution_id) not in store]
    log(f"{len(pairs)} solutions: {len(pairs) - len(todo)} already verified, {len(todo)} to verify, "
        f"{len(rejected)} rejected")  # fmt: skip
    by_id = {p.id: p for p in problems.values()}
    key_of = {(s.problem_id, s.solution_id): key for key, s in todo}
    verdicts: dict[str, int] = {}
    progress = progress_callback(len(todo), "verified", log)
    try:
        for verification in verify_all(by_id, [s for _, s in todo], executor, workers, settings, progress):
            key = key_of[(verification.problem_id, verification.solution_id)]
            store.add(verification_row(verification, key, checks[(key, verification.solution_id)]))
            verdicts[verification.verdict.value] = verdicts.get(verification.verdict.value, 0) + 1
    except KeyboardInterrupt:
        done = sum(verdicts.values())
        raise VerifyInterrupted(done, len(todo) - done, out_path) from None
    return VerifyReport(len(todo), len(pairs) - len(todo), len(rejected), verdicts, len(stale))


def _write_quarantined(out_path: Path, quarantined: list, log: Log) -> None:
    """Problem rows that could not be read go to a file next to the output (not only to stderr)."""
    path = out_path.with_name(out_path.name + ".quarantined-problems.jsonl")
    if not quarantined:
        path.unlink(missing_ok=True)
        return
    atomic_write_text(path, "".join(json.dumps(asdict(q)) + "\n" for q in quarantined))
    first = quarantined[0]
    log(f"{len(quarantined)} problem row(s) quarantined (reasons in {path}); first: row {first.row_index} "
        f"{first.field}: {first.reason}")  # fmt: skip


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


REFERENCE_ID = "reference"


def reference_programs(problem: Problem, include_correct: bool) -> list[Solution]:
    """The problem's reference (solution id `reference`) and, with `include_correct`, each of its
    other known-correct programs (`correct-1`, ...; any language, CodeContests' C++ and Java too)
    that is not the reference itself."""
    programs = [Solution(problem.id, REFERENCE_ID, problem.reference_solution)] if problem.reference_solution else []
    if include_correct:
        others = [code for code in problem.correct_solutions if code != problem.reference_solution]
        programs += [Solution(problem.id, f"correct-{i}", code) for i, code in enumerate(others, start=1)]
    return programs


def verify_references(
    problems: list[Problem],
    executor: Executor,
    workers: int,
    settings: VerifySettings = VerifySettings(),
    log: Log = info,
    include_correct: bool = False,
) -> list[Verification]:
    """Run every problem's reference solution (and with `include_correct` its other correct programs)
    against its own tests: a failure points at a broken test set (or a wrong program), which would
    otherwise reject good trajectories."""
    checked = [p for p in problems if p.tests]
    solutions = [s for p in checked for s in reference_programs(p, include_correct)]
    by_id = {p.id: p for p in checked}
    progress = progress_callback(len(solutions), "reference programs verified:", log)
    results = list(verify_all(by_id, solutions, executor, workers, settings, progress))
    return sorted(results, key=lambda v: (v.problem_id, v.solution_id != REFERENCE_ID, v.solution_id))


def verify_trajectories(
    test_sets: Mapping[str, tuple[Problem, ...]],
    trajectories: Sequence[Trajectory],
    executor: Executor,
    workers: int,
    settings: VerifySettings = VerifySettings(),
    log: Log = info,
) -> list[Verification]:
    """Each trajectory's extracted code against every test set of its problem, in order
    (`strength.testsets`; solution_id = trajectory id). A trajectory without code is a syntax error,
    not skipped: it stays visible in the counts. One of a problem without tests gets no verdict (the
    dataset lists it as not verified), never "accepted"."""
    sets = {pid: tuple(p for p in chosen if p.tests) for pid, chosen in test_sets.items()}
    tested = [t for t in trajectories if sets.get(t.problem_id)]
    if len(tested) < len(trajectories):
        log(f"{len(trajectories) - len(tested)} trajectories not verified: their problem has no tests or is unknown")
    progress = progress_callback(len(tested), "trajectories verified:", log)
    return verify_with_sets(sets, tested, executor, workers, settings, progress)
