"""The tests stage for one shard's problems, resumable: every decision is appended to a JSONL store
as it is made (problem id + the settings that made it), so a re-run redoes nothing it finished and
a changed setting redoes only what it changes."""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path

import polars as pl

from pipeline.common.jsonl import JsonlStore
from pipeline.common.logs import Log
from pipeline.common.progress import progress_callback
from pipeline.problems.files import dump_problem, problem_from_row
from pipeline.strength.amplify import amplified_problem, problem_seeds
from pipeline.strength.generate import PROMPT_SHA as GENERATOR_PROMPT_SHA
from pipeline.strength.generate import amplify_stdin
from pipeline.strength.generate import prompt_messages as generator_messages
from pipeline.strength.report import frame, problem_row, wrong_samples
from pipeline.strength.score import StrengthSettings, measure
from pipeline.strength.settings import AmplifyRecipe, SynthesizeRecipe
from pipeline.strength.synthesize import PROMPT_SHA, Synthesis, synthesize_problems
from sandbox.verify import Executor, Solution, VerifySettings, verify_all
from schemas import Problem, TestStyle, Trajectory, Verdict, validate


def settings_key(settings: object, *extra: str) -> str:
    return _hash([asdict(settings), *extra])


def _hash(values: list) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()[:16]


class DecisionStore:
    """One row per (problem, settings): the problem with its new tests, or why there are none."""

    def __init__(self, path: str | Path, key: str):
        self.key = key
        self._store = JsonlStore(path, key_of=lambda row: (row["problem_id"], row["settings"]))

    def __contains__(self, problem_id: str) -> bool:
        return (problem_id, self.key) in self._store

    def add(self, problem_id: str, made: Problem | None, reason: str = "") -> None:
        row = {"problem_id": problem_id, "settings": self.key, "reason": reason}
        self._store.add({**row, "problem": json.loads(dump_problem(made)) if made is not None else None})

    def decided(self, problem_ids: Sequence[str]) -> tuple[list[Problem], dict[str, str]]:
        """(problems with new tests, problem id -> why it has none), for these ids, in their order."""
        made, reasons = [], {}
        for problem_id in problem_ids:
            row = self._store.rows.get((problem_id, self.key))
            if row is None:
                continue
            if row["problem"] is None:
                reasons[problem_id] = row["reason"]
            else:
                made.append(validate(problem_from_row(row["problem"])[1]))
        return made, reasons


def amplify_shard(
    problems: Sequence[Problem], executor: Executor, workers: int, recipe: AmplifyRecipe, store: DecisionStore,
    log: Log = print,
) -> tuple[list[Problem], dict[str, str]]:  # fmt: skip
    """Amplified tests for every call/assert-style problem with a reference (see `amplify.py`)."""
    todo = [p for p in problems if p.id not in store]
    progress = progress_callback(len(todo), "problems amplified:", log)
    done = itertools.count(1)

    def one(problem: Problem) -> None:
        reason = _not_amplifiable(problem)
        made = None if reason else amplified_problem(problem, executor, recipe.inputs, recipe.seed, recipe.max_tests)
        if not reason and made is None:
            reason = "the reference failed on every input"
        store.add(problem.id, made, reason)
        progress(next(done))  # a running count (itertools.count is thread-safe in CPython)

    with ThreadPoolExecutor(max(1, workers), thread_name_prefix="amplify") as threads:
        list(threads.map(one, todo))
    return store.decided([p.id for p in problems])


def amplify_stdin_shard(
    problems: Sequence[Problem], client, model: str, executor: Executor, recipe: AmplifyRecipe, store: DecisionStore,
    log: Log = print,
) -> tuple[list[Problem], dict[str, str]]:  # fmt: skip
    """Amplified tests for stdin problems with a reference, from a teacher-written generator whose
    inputs two accepted solutions agree on (see `generate.py`); `client` is a TeacherClient."""
    chosen = [p for p in problems if p.test_style is TestStyle.STDIN and p.tests and p.reference_solution]
    todo = [p for p in chosen if p.id not in store]
    params = {"temperature": 0.7, "max_tokens": recipe.generator_max_tokens}

    async def one(problem: Problem) -> None:
        try:
            [answer] = await client.chat(model, generator_messages(problem), params, n=1, seed=recipe.seed)
        except Exception as err:  # noqa: BLE001 - not decided: the next run asks again
            log(f"WARNING: {problem.id}: the generator request failed ({err}); it is retried on the next run")
            return
        made = await asyncio.to_thread(amplify_stdin, problem, answer.content, executor, recipe.generated_inputs,
                                       recipe.seed, recipe.max_tests)  # fmt: skip
        store.add(problem.id, made.problem, made.reason)

    async def run_all() -> None:
        try:
            for start in range(0, len(todo), 64):
                await asyncio.gather(*(one(p) for p in todo[start : start + 64]))
                log(f"stdin amplification: {min(start + 64, len(todo))}/{len(todo)} problems")
        finally:
            await client.close()

    if todo:
        asyncio.run(run_all())
    return store.decided([p.id for p in chosen])


def stdin_amplification_key(recipe: AmplifyRecipe, model: str) -> str:
    return settings_key(recipe, model, GENERATOR_PROMPT_SHA)


def _not_amplifiable(problem: Problem) -> str:
    if not problem.reference_solution:
        return "no reference solution"
    if not problem.fn_name:
        return "not a call- or assert-style problem (stdin amplification needs an input generator)"
    if not problem_seeds(problem):
        return "no literal call in its tests to mutate"
    return ""


def synthesize_shard(
    problems: Sequence[Problem], client, model: str, executor: Executor, recipe: SynthesizeRecipe,
    store: DecisionStore, log: Log = print,
) -> tuple[list[Problem], dict[str, str]]:  # fmt: skip
    """Tests for the problems without any (see `synthesize.py`); `client` is a TeacherClient."""
    todo = [p for p in problems if not p.tests and p.id not in store]
    if todo:
        results = asyncio.run(_synthesize(todo, client, model, executor, recipe, log))
        for problem, result in zip(todo, results):
            store.add(problem.id, result.problem if result.kept else None, result.reason)
    return store.decided([p.id for p in problems if not p.tests])


async def _synthesize(todo, client, model, executor, recipe, log) -> list[Synthesis]:
    try:
        return await synthesize_problems(todo, client, model, executor, recipe.synthesis_settings(), log)
    finally:
        await client.close()


def call_amplification_key(recipe: AmplifyRecipe) -> str:
    """What a call-style amplification depends on (not the stdin generator's settings)."""
    return _hash(["call", recipe.inputs, recipe.max_tests, recipe.seed])


def synthesis_key(recipe: SynthesizeRecipe, model: str) -> str:
    return settings_key(recipe, model, PROMPT_SHA)


def measure_shard(
    problems: Sequence[Problem], amplified: Mapping[str, Problem], samples: Sequence[Trajectory],
    executor: Executor, workers: int, settings: StrengthSettings, log: Log = print,
) -> pl.DataFrame:  # fmt: skip
    """`report.STRENGTH_SCHEMA` rows for the problems with tests: mutants of each reference and the
    known-wrong programs (labelled incorrect solutions, teacher samples) against each test set."""
    tested = [p for p in problems if p.tests]
    made = [amplified[p.id] for p in tested if p.id in amplified]
    log(f"test strength: {len(tested)} problems, {len(made)} with amplified tests")
    own_mutants = {r.problem_id: r for r in measure(tested, executor, workers, settings)}
    amp_mutants = {r.problem_id: r for r in measure(made, executor, workers, settings)}
    programs = [Solution(p.id, f"incorrect-{i}", code) for p in tested for i, code in enumerate(p.incorrect_solutions)]
    programs += [Solution(p.id, f"correct-{i}", code) for p in tested for i, code in enumerate(p.correct_solutions)
                 if code != p.reference_solution]  # fmt: skip
    tested_ids = {p.id for p in tested}
    programs += [Solution(t.problem_id, t.id, t.code) for t in samples if t.problem_id in tested_ids]
    own = _verdicts({p.id: p for p in tested}, programs, executor, workers)
    amp = _verdicts({p.id: p for p in made}, [s for s in programs if s.problem_id in amplified], executor, workers)
    rows = []
    for problem in tested:
        mine = own.get(problem.id, {})
        theirs = amp.get(problem.id, {}) if problem.id in amplified else None
        wrong = {sid: (v.value, theirs[sid].value if theirs else None) for sid, v in mine.items()
                 if sid.startswith("incorrect-")}  # fmt: skip
        right = {sid: v.value for sid, v in mine.items() if sid.startswith("correct-")}
        samples = {s: v for s, v in mine.items() if not s.startswith(("incorrect-", "correct-"))}
        wrong |= wrong_samples(samples, theirs)
        rows.append(problem_row(problem, amplified.get(problem.id), own_mutants.get(problem.id),
                                amp_mutants.get(problem.id), wrong, right))  # fmt: skip
    return frame(rows)


def _verdicts(problems: Mapping[str, Problem], programs: Sequence[Solution], executor, workers) -> dict:
    """problem id -> solution id -> verdict (sandbox errors left out: not the program's doing)."""
    by_problem: dict[str, dict[str, Verdict]] = {}
    for v in verify_all(
        problems, programs, executor, workers, VerifySettings(stop_on_failure=True, rerun_time_limit=False)
    ):
        if v.verdict is not Verdict.SANDBOX_ERROR:
            by_problem.setdefault(v.problem_id, {})[v.solution_id] = v.verdict
    return by_problem
