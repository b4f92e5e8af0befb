"""Records and stage files the tests share: one place, imported by every test module that needs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from pipeline.common.layout import DataLayout
from schemas import (
    DatasetRow,
    Problem,
    Profile,
    QuarantineRow,
    RemovalRow,
    RemovalStage,
    TestCase,
    TestResult,
    TestStyle,
    Trajectory,
    Verdict,
    Verification,
    write_parquet,
)


def problem(source: str, source_id: str, style: TestStyle, *tests: tuple[str, str], **fields) -> Problem:
    """A Problem with its id made from source and source_id; `tests` as (input, output) pairs."""
    fields.setdefault("statement", "Add.")
    return Problem(id=f"{source}/{source_id}", source=source, source_id=source_id, test_style=style,
                   tests=tuple(TestCase(i, o) for i, o in tests), **fields)  # fmt: skip


STDIN = problem("apps", "1", TestStyle.STDIN, ("1 2\n", "3\n"), statement="Add two numbers.")
CALL = problem("taco", "q-1", TestStyle.CALL, ("[1, 2]", "3"), fn_name="add")
ASSERT = problem("mbpp", "2", TestStyle.ASSERT, ("assert add(1, 2) == 3", ""), fn_name="add")
TRAJECTORY = Trajectory(id="t1", problem_id="apps/1", profile=Profile.LONG, teacher_model="m", params_hash="h",
                        sample_index=0, reasoning="think", answer="```python\nprint(3)\n```", code="print(3)",
                        prompt_tokens=10, completion_tokens=20, reasoning_tokens=5, finish_reason="stop",
                        truncated=False, latency_s=0.5, server_url="http://127.0.0.1:8000/v1")  # fmt: skip
VERIFICATION = Verification(problem_id="apps/1", solution_id="t1", verdict=Verdict.ACCEPTED, passed=1, total=1,
                            time_s=0.1, tests=(TestResult(0, Verdict.ACCEPTED, 0.1),))  # fmt: skip
ROW = DatasetRow(id="r1", question="Add two numbers.", response="Reasoning... print(3)", token_num=12,
                 problem_id="apps/1", source="apps", teacher_model="m", profile=Profile.SHORT, verdict=Verdict.ACCEPTED,
                 passed=1, total=1, difficulty="simple", params_hash="h", trajectory_id="t1")  # fmt: skip
QUARANTINE = QuarantineRow(source="apps", row_index=3, record_id="apps-7", field="input_output", reason="not JSON")
REMOVAL = RemovalRow("apps/2", RemovalStage.NEAR_DEDUP, "apps/1", 0.9, "minhash")


def stdin_problem(*pairs, time_limit_s=1.0, memory_limit_mb=256) -> Problem:
    return problem("t", "double", TestStyle.STDIN, *pairs, statement="Print twice the number.",
                   time_limit_s=time_limit_s, memory_limit_mb=memory_limit_mb)  # fmt: skip


DOUBLE = stdin_problem(("21\n", "42\n"), ("5\n", "10\n"), ("0\n", "0\n"))
DOUBLE_SOLUTION = "print(int(input()) * 2)"


LOOP = "wait let me check the sum again " * 40


def traj(tid, problem, profile, tokens, reasoning="Read n, print 2n."):
    return replace(
        TRAJECTORY,
        id=tid,
        problem_id=problem.id,
        profile=profile,
        completion_tokens=tokens,
        reasoning=f"<think>{reasoning}</think>",
        answer="```python\nprint(int(input()) * 2)\n```",
    )


def verdict(tid, problem, ok=True):
    return Verification(problem.id, tid, Verdict.ACCEPTED if ok else Verdict.WRONG_ANSWER, 3 if ok else 1, 3, 0.1)


PROBLEMS = {DOUBLE.id: DOUBLE, CALL.id: CALL}
TRAJECTORIES = [
    traj("s1", DOUBLE, Profile.SHORT, 40),
    traj("s2", DOUBLE, Profile.SHORT, 30),
    traj("l1", DOUBLE, Profile.LONG, 300),
    traj("l2", DOUBLE, Profile.LONG, 200),
    traj("bad", DOUBLE, Profile.LONG, 100),
    traj("c1", CALL, Profile.SHORT, 20),
    traj("c2", CALL, Profile.LONG, 90),
    traj("loop", CALL, Profile.LONG, 500, reasoning=LOOP),
    traj("big", CALL, Profile.LONG, 9000),
    traj("unverified", CALL, Profile.SHORT, 10),
]
VERIFICATIONS = (
    [verdict(t, DOUBLE) for t in ("s1", "s2", "l1", "l2")]
    + [verdict("bad", DOUBLE, ok=False)]
    + [verdict("c1", CALL, ok=False), verdict("c2", CALL, ok=False), verdict("loop", CALL), verdict("big", CALL)]
)


def write_stage_files(
    layout: DataLayout,
    train: Iterable[Problem],
    held_out: Iterable[Problem] = (),
    trajectories: Mapping[str, Sequence[Trajectory]] | None = None,
    verifications: Mapping[str, Sequence[Verification]] | None = None,
    reference: tuple[Sequence[Trajectory], Sequence[Verification], dict] | None = None,
) -> DataLayout:
    """Stage outputs written as the stages write them: files plus the manifests the next stage reads.
    `reference`: O1-Pruner's samples, their verdicts and how they were drawn (reference_samples)."""
    train, held_out = list(train), list(held_out)
    files = [
        (write_parquet(train, Problem, layout.problems_file("train")), len(train)),
        (write_parquet(held_out, Problem, layout.problems_file("eval")), len(held_out)),
    ]
    layout.write_manifest("problems", files)
    for shard, rows in (trajectories or {}).items():
        layout.write_manifest(
            "trajectories", [(write_parquet(rows, Trajectory, layout.trajectories_file(shard)), len(rows))], shard
        )
    for shard, rows in (verifications or {}).items():
        layout.write_manifest(
            "verification", [(write_parquet(rows, Verification, layout.verification_file(shard)), len(rows))], shard
        )
    if reference is not None:
        samples, verdicts, sampled = reference
        layout.reference_settings_file().parent.mkdir(parents=True, exist_ok=True)
        layout.reference_settings_file().write_text(json.dumps(sampled))
        files = [
            (write_parquet(samples, Trajectory, layout.reference_samples_file()), len(samples)),
            (write_parquet(verdicts, Verification, layout.reference_verdicts_file()), len(verdicts)),
            (layout.reference_settings_file(), 1),
        ]
        layout.write_manifest("reference_samples", files)
    return layout


def by_id(result) -> dict[str, Problem]:
    """The problems of a NormalizedSource by id."""
    return {p.id: p for p in result.problems}


REPO = Path(__file__).resolve().parents[1]


def run_cli(*args, cwd: Path = REPO, timeout: float = 300, **env) -> subprocess.CompletedProcess:
    """`trajforge ARGS` in a fresh process (offline), bounded in time; stdout and stderr captured."""
    environment = {**os.environ, "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1", **env}
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, env=environment)  # fmt: skip


def assert_recipe_error(parse, data, message: str) -> None:
    """`parse(data)` raises a RecipeError whose text contains `message` (the key path and why)."""
    from pipeline.common.settings import RecipeError

    try:
        parse(data)
    except RecipeError as err:
        assert message in str(err), str(err)
    else:
        raise AssertionError(f"no RecipeError for {data!r}")


@dataclass
class Assembled:
    """What `build_dataset` made of some records: its `default` and `failed` rows and removals."""

    accepted: list[DatasetRow]
    failed: list[DatasetRow]
    dropped: list
    removed: Counter


def assemble(problems: Mapping[str, Problem], trajectories, verifications, settings=None, **build) -> Assembled:
    """Records through the real build (stage files in a temporary folder, one shard)."""
    import tempfile

    from pipeline.dataset.assemble import AssemblySettings
    from pipeline.dataset.build import build_dataset
    from schemas import Dropped, read_parquet

    with tempfile.TemporaryDirectory(prefix="trajforge-assemble-") as tmp:
        layout = write_stage_files(DataLayout(tmp), problems.values(), (), {"shard-000": list(trajectories)},
                                   {"shard-000": list(verifications)})  # fmt: skip
        built = build_dataset(layout, ["shard-000"], settings or AssemblySettings(), harmonize_from="teachers", **build)
        dropped = read_parquet(layout.dropped_file("dataset"), Dropped)
        return Assembled(built.read("default"), built.read("failed"), dropped, built.removed)


# HumanEval-like: an assert program with one call as its own tests, and amplified call-style tests
ADD_CHECK = "def check(candidate):\n    assert candidate(1, 2) == 3\n\ncheck(add)\n"
ADD_OWN = problem("humaneval", "add", TestStyle.ASSERT, (ADD_CHECK, ""), fn_name="add",
                  reference_solution="def add(a, b):\n    return a + b\n")  # fmt: skip
ADD_AMPLIFIED = replace(ADD_OWN, test_style=TestStyle.CALL, tests=tuple(
    TestCase(f"[{a}, {b}]", str(a + b)) for a, b in ((1, 2), (0, 0), (-1, 5), (10, 20))))  # fmt: skip
