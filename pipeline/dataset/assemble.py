"""Rejection sampling and pairing (Z1): verified trajectories -> dataset rows.

Per problem, among the trajectories that passed every test: the shortest accepted one per
profile (short and long), or all accepted ones (`selection: all`). Failed trajectories become
rows of a separate `failed` split with their verdict (peers found execution filtering can hurt;
the recipe chooses whether to publish it), as do responses cut at max_tokens: their code is a
draft, so even a passing verdict (kept as the sandbox gave it) does not make them accepted.
Z1 filters (token budget, repetitive reasoning) run before selection and every removal is
counted by reason.

Difficulty comes from the problem's pass rate over all its verified samples:
simple >= 0.75 > medium >= 0.25 > complex (thresholds in `AssemblySettings`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.dataset.filters import FilterSettings, rejection_reason, stw_response
from schemas import DatasetRow, Dropped, Problem, Profile, TestStyle, Trajectory, Verdict, Verification, validate
from schemas.records import TRUNCATED_REASONS


@dataclass(frozen=True)
class AssemblySettings:
    selection: str = "shortest"  # "shortest": one accepted trajectory per (problem, profile); "all"
    filters: FilterSettings = field(default_factory=FilterSettings)
    simple_pass_rate: float = 0.75
    medium_pass_rate: float = 0.25


@dataclass
class Assembly:
    accepted: list[DatasetRow]
    failed: list[DatasetRow]
    dropped: list[Dropped]  # filters, missing verification

    @property
    def removed(self) -> Counter:
        return Counter(d.reason for d in self.dropped)


def question_text(problem: Problem) -> str:
    """The problem as the dataset's `question`: statement, plus the code to complete if any."""
    if TestStyle(problem.test_style) is TestStyle.STDIN or not problem.starter_code.strip():
        return problem.statement.strip()
    if problem.starter_code.strip() in problem.statement:
        return problem.statement.strip()  # HumanEval: the prompt is the starter code
    return f"{problem.statement.strip()}\n\n```python\n{problem.starter_code.strip()}\n```"


def public_model_name(model: str) -> str:
    """A model name fit to publish, never a local path (it names nothing others can find and leaks
    the builder's file system): the embedded teacher's folder becomes its Hub id, any other local
    folder its own name."""
    from pipeline.teacher.embedded import EMBEDDED_MODEL_NAME, EMBEDDED_PUBLIC_ID

    path = Path(model).expanduser()
    if not (path.is_absolute() or model.startswith((".", "~")) or path.is_dir()):
        return model  # a Hub id such as Qwen/QwQ-32B
    return EMBEDDED_PUBLIC_ID if path.name == EMBEDDED_MODEL_NAME else path.name


def difficulty(pass_rate: float, settings: AssemblySettings) -> str:
    if pass_rate >= settings.simple_pass_rate:
        return "simple"
    return "medium" if pass_rate >= settings.medium_pass_rate else "complex"


def _row(problem: Problem, t: Trajectory, v: Verification, label: str) -> DatasetRow:
    lineage = {"teacher_model": public_model_name(t.teacher_model), "profile": t.profile, "params_hash": t.params_hash}
    outcome = {"verdict": v.verdict, "passed": v.passed, "total": v.total}
    text = {"question": question_text(problem), "response": stw_response(t.reasoning, t.answer)}
    return validate(
        DatasetRow(
            id=t.id,
            token_num=max(1, t.completion_tokens),
            problem_id=problem.id,
            source=problem.source,
            difficulty=label,
            trajectory_id=t.id,
            **text,
            **lineage,
            **outcome,
        )
    )


def assemble(
    problems: dict[str, Problem],
    trajectories: Sequence[Trajectory],
    verifications: Sequence[Verification],
    settings: AssemblySettings = AssemblySettings(),
) -> Assembly:
    if settings.selection not in ("shortest", "all"):
        raise ValueError(f"selection must be 'shortest' or 'all', got {settings.selection!r}")
    kept, dropped = filter_verified(problems, trajectories, verifications, settings)
    return select(problems, kept, dropped, settings)


def filter_verified(
    problems: dict[str, Problem],
    trajectories: Sequence[Trajectory],
    verifications: Sequence[Verification],
    settings: AssemblySettings,
):
    """(verified trajectories per problem that pass the Z1 filters, the dropped ones with why)."""
    verdict_of = {v.solution_id: v for v in verifications}
    dropped: list[Dropped] = []
    kept: dict[str, list[tuple[Trajectory, Verification]]] = defaultdict(list)
    for t in trajectories:
        v = verdict_of.get(t.id)
        if t.problem_id not in problems or v is None or v.verdict is Verdict.SANDBOX_ERROR:
            why = (
                "problem not in the training split"
                if t.problem_id not in problems
                else ("no verdict" if v is None else "sandbox error")
            )
            dropped.append(Dropped("dataset", t.id, "not_verified", why, profile=t.profile.value))
            continue
        # the whole response: teachers that reason inline (QwQ-Preview, SmolLM2) leave `reasoning` empty
        rejected = rejection_reason(stw_response(t.reasoning, t.answer), t.completion_tokens, settings.filters)
        if rejected is not None:
            dropped.append(
                Dropped("dataset", t.id, rejected[0], f"{t.profile.value}: {rejected[1]}", profile=t.profile.value)
            )
            continue
        if is_cut(t):  # its code is a draft: never accepted, kept with the failed ones
            detail = f"{t.profile.value}: stopped at {t.completion_tokens} tokens; not in default, kept in failed"
            dropped.append(Dropped("dataset", t.id, "truncated", detail, profile=t.profile.value))
        kept[t.problem_id].append((t, v))
    return kept, dropped


def is_cut(t: Trajectory) -> bool:
    """Cut at max_tokens (Z1 caps and counts these): whatever code it holds is a draft."""
    return t.truncated or t.finish_reason in TRUNCATED_REASONS


def passed(t: Trajectory, v: Verification) -> bool:
    return v.verdict is Verdict.ACCEPTED and not is_cut(t)


def select(problems: dict[str, Problem], kept: dict, dropped: list[Dropped], settings: AssemblySettings) -> Assembly:
    """Accepted rows (shortest or all per profile) and failed rows, with difficulty labels."""
    accepted, failed = [], []
    for problem_id in sorted(kept):
        pairs = kept[problem_id]
        rate = sum(passed(t, v) for t, v in pairs) / len(pairs)
        label = difficulty(rate, settings)
        problem = problems[problem_id]
        failed += [_row(problem, t, v, label) for t, v in pairs if not passed(t, v)]
        for profile in Profile:
            good = sorted(
                ((t, v) for t, v in pairs if t.profile is profile and passed(t, v)),
                key=lambda tv: (tv[0].completion_tokens, tv[0].id),
            )
            chosen = good[:1] if settings.selection == "shortest" else good
            accepted += [_row(problem, t, v, label) for t, v in chosen]
    return Assembly(accepted, failed, dropped)
