"""SIGKILL in the middle of a long step, then run it again: nothing finished is redone, nothing is
duplicated or lost, and the result is what an uninterrupted run gives.

(a) `trajforge sample` against a real `transformers serve` of the embedded teacher;
(b) `trajforge verify` of HumanEval canonical solutions (and wrong ones) in the Docker sandbox.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from tests.faults.conftest import (
    complete_lines,
    humaneval_problems,
    kill_when,
    remove_sandbox_containers_of,
    run_trajforge,
    start_trajforge,
    verify_args,
    write_jsonl,
    write_problems,
)

# --- (a) sampling -------------------------------------------------------------------------------

SAMPLE_PROBLEMS = ["HumanEval/53", "HumanEval/42", "HumanEval/35"]
SAMPLES_PER_PROFILE = 2
SAMPLE_TOTAL = len(SAMPLE_PROBLEMS) * 2 * SAMPLES_PER_PROFILE  # x (short, long) x n


def _teacher_recipe(path: Path, base_url: str, model: Path) -> Path:
    profile = (
        "{{system_prompt: 'You are an expert Python programmer.', instructions: '{instructions}', "
        "temperature: 0.7, max_tokens: {tokens}, n: " + str(SAMPLES_PER_PROFILE) + ", seed: 11}}"
    )
    path.write_text(
        "teacher:\n"
        "  backend: openai\n"
        f"  base_urls: [{base_url}]\n"
        f"  model: {model}\n"
        f"  tokenizer: {model}\n"
        "  concurrency: 2\n"
        "  timeout_s: 300\n"
        "  profiles:\n"
        f"    short: {profile.format(instructions='Answer with code only.', tokens=16)}\n"
        f"    long: {profile.format(instructions='Think step by step, then give the code.', tokens=32)}\n"
    )
    return path


def _trajectory_keys(lines: list[bytes]) -> list[tuple]:
    rows = [json.loads(line) for line in lines]
    return [(r["problem_id"], r["profile"], r["teacher_model"], r["params_hash"], r["sample_index"]) for r in rows]


@pytest.mark.slow
def test_sample_killed_mid_run_resumes_without_resampling_or_duplicates(embedded_folder, tmp_path):
    from pipeline.teacher.server import ManagedServer

    problems = [p for p in humaneval_problems() if p.source_id in SAMPLE_PROBLEMS]
    problems_file = write_problems(tmp_path / "problems.jsonl", problems)
    killed, reference = tmp_path / "killed.jsonl", tmp_path / "reference.jsonl"
    with ManagedServer.transformers(embedded_folder, log_path=tmp_path / "server.log") as server:
        recipe = _teacher_recipe(tmp_path / "recipe.yaml", server.base_url, embedded_folder)

        def sample(out: Path) -> list[str]:
            return ["sample", "--problems", str(problems_file), "--recipe", str(recipe), "--out", str(out)]

        process = start_trajforge(sample(killed), tmp_path / "first.log")
        kill_when(process, lambda: len(complete_lines(killed)) >= 2, timeout_s=600, log=tmp_path / "first.log")
        before = complete_lines(killed)
        assert len(before) < SAMPLE_TOTAL, "the kill came after the run had finished"

        code, resumed = run_trajforge(sample(killed), tmp_path / "resume.log")
        assert code == 0, (tmp_path / "resume.log").read_text()[-3000:]
        code, uninterrupted = run_trajforge(sample(reference), tmp_path / "reference.log")
        assert code == 0, (tmp_path / "reference.log").read_text()[-3000:]

    after = complete_lines(killed)
    assert killed.read_bytes() == b"".join(after), "the store ends in a torn or invalid line"
    # Finished trajectories were kept byte for byte (same ids, latencies, text): not sampled again.
    assert after[: len(before)] == before
    assert resumed["stored_now"] == SAMPLE_TOTAL - len(before) and resumed["in_store"] == SAMPLE_TOTAL
    keys = _trajectory_keys(after)
    assert len(keys) == len(set(keys)) == SAMPLE_TOTAL, Counter(keys).most_common(3)
    assert set(keys) == set(_trajectory_keys(complete_lines(reference)))
    assert uninterrupted["stored_now"] == SAMPLE_TOTAL
    print(f"\nkilled after {len(before)}/{SAMPLE_TOTAL} trajectories; resume sampled {resumed['stored_now']}")


# --- (b) verification ---------------------------------------------------------------------------

COPIES = 3  # each canonical solution under several solution ids: enough work to kill mid-run


def _solutions(problems) -> list[dict]:
    rows = [
        {"problem_id": p.id, "solution_id": f"canonical-{i}", "code": p.reference_solution}
        for p in problems
        for i in range(COPIES)
    ]
    for p in problems[::5]:
        rows.append({"problem_id": p.id, "solution_id": "returns-none", "code": p.starter_code + "    return None\n"})
    for p in problems[1::16]:
        rows.append({"problem_id": p.id, "solution_id": "raises", "code": p.starter_code + "    raise ValueError\n"})
        rows.append({"problem_id": p.id, "solution_id": "syntax", "code": p.starter_code + "    return (\n"})
    first = problems[0]
    rows.append(
        {"problem_id": first.id, "solution_id": "spins", "code": first.starter_code + "    while True:\n        pass\n"}
    )
    return rows


def _verdicts(lines: list[bytes]) -> dict[tuple[str, str], str]:
    rows = [json.loads(line) for line in lines]
    keys = [(r["problem_id"], r["solution_id"]) for r in rows]
    assert len(keys) == len(set(keys)), f"duplicated verdicts: {Counter(keys).most_common(3)}"
    return {(r["problem_id"], r["solution_id"]): r["verdict"] for r in rows}


@pytest.mark.slow
@pytest.mark.docker
def test_verify_killed_mid_run_resumes_to_the_uninterrupted_verdicts(tmp_path):
    problems = humaneval_problems()
    problems_file = write_problems(tmp_path / "problems.jsonl", problems)
    solutions = _solutions(problems)
    solutions_file = write_jsonl(tmp_path / "solutions.jsonl", solutions)
    killed, reference = tmp_path / "killed.jsonl", tmp_path / "reference.jsonl"

    def verify(out: Path) -> list[str]:
        return verify_args(problems_file, solutions_file, out)

    process = start_trajforge(verify(killed), tmp_path / "first.log")
    try:
        kill_when(process, lambda: len(complete_lines(killed)) >= 60, timeout_s=300, log=tmp_path / "first.log")
    finally:
        left = remove_sandbox_containers_of(process.pid)  # a SIGKILLed pool cannot remove its containers
    before = complete_lines(killed)
    assert len(before) < len(solutions), "the kill came after the run had finished"

    code, resumed = run_trajforge(verify(killed), tmp_path / "resume.log")
    assert code == 0, (tmp_path / "resume.log").read_text()[-3000:]
    code, uninterrupted = run_trajforge(verify(reference), tmp_path / "reference.log")
    assert code == 0, (tmp_path / "reference.log").read_text()[-3000:]

    after = complete_lines(killed)
    assert killed.read_bytes() == b"".join(after)
    assert after[: len(before)] == before  # finished verdicts kept as they were, not verified again
    assert resumed["skipped"] == len(before) and resumed["verified"] == len(solutions) - len(before)
    verdicts, expected = _verdicts(after), _verdicts(complete_lines(reference))
    assert len(verdicts) == len(solutions)
    assert verdicts == expected, {k: (v, expected.get(k)) for k, v in verdicts.items() if expected.get(k) != v}
    counts = Counter(verdicts.values())
    assert counts["accepted"] == COPIES * len(problems) and "sandbox_error" not in counts, counts
    assert {"runtime_error", "syntax_error", "time_limit"} <= set(counts), counts  # a failed assert: runtime_error
    print(
        f"\nkilled after {len(before)}/{len(solutions)} verdicts ({left} orphaned containers removed); "
        f"verdicts {dict(counts)}"
    )
