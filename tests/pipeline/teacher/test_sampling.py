import asyncio
import json
from dataclasses import replace

import pytest

from pipeline.common.settings import DEFAULT_RECIPE, RECIPES_DIR, RecipeError
from pipeline.teacher.client import Completion, TeacherError
from pipeline.teacher.config import parse_teacher_recipe, teacher_recipe
from pipeline.teacher.profiles import SamplingProfile, params_hash, render_messages
from pipeline.teacher.sample_run import select_problems
from pipeline.teacher.sampling import plan, sample
from pipeline.teacher.store import TrajectoryStore
from schemas import Profile
from tests.factories import ASSERT, CALL, DOUBLE

SHORT = SamplingProfile(name="short", model="m", system_prompt="sys", instructions="Code only.", max_tokens=32, n=2)
LONG = SamplingProfile(name="long", model="m", system_prompt="", instructions="Think.", max_tokens=64, n=1)


class FakeBackend:
    """Stands in for a server in unit tests; the real-server tests use `transformers serve`."""

    def __init__(self, fail_problem=None):
        self.fail_problem, self.seen = fail_problem, []

    async def stream(self, requests):
        for request in requests:
            self.seen.append((request.problem.id, request.profile.name, request.indices))
            if request.problem.id == self.fail_problem:
                yield request, TeacherError("server down")
                continue
            yield (
                request,
                [
                    Completion(
                        f"<think>idea {i}</think>```python\nprint({i})\n```",
                        "",
                        "length" if i else "stop",
                        5,
                        9,
                        0.2,
                        "http://fake/v1",
                    )
                    for i in request.indices
                ],
            )


def test_params_hash_changes_with_anything_that_changes_samples():
    assert params_hash(SHORT) == params_hash(replace(SHORT))
    for change in (
        {"temperature": 0.1},
        {"max_tokens": 33},
        {"model": "other"},
        {"instructions": "x"},
        {"extra": {"top_k": 5}},
        {"seed": 9},
    ):
        assert params_hash(replace(SHORT, **change)) != params_hash(SHORT)


def test_prompts_follow_the_test_style():
    stdin = render_messages(SHORT, DOUBLE)
    assert stdin[0] == {"role": "system", "content": "sys"} and "standard input" in stdin[1]["content"]
    call = render_messages(LONG, CALL)
    assert len(call) == 1 and "`add`" in call[0]["content"] and "Think." in call[0]["content"]
    assert "def add" not in ASSERT.starter_code or "```python" in render_messages(LONG, ASSERT)[0]["content"]


def test_sampling_stores_everything_and_a_rerun_samples_only_what_is_missing(tmp_path):
    store = TrajectoryStore(tmp_path / "t.jsonl")
    problems = [DOUBLE, CALL]
    requests = plan(problems, [SHORT, LONG], store)
    assert sum(len(r.indices) for r in requests) == 6
    report = asyncio.run(sample(requests, FakeBackend(fail_problem=CALL.id), store, log=lambda _: None))
    assert report.stored == 3 and len(report.failed) == 2 and "server down" in report.failed[0]
    rows = store.trajectories()
    first = next(t for t in rows if t.sample_index == 0 and t.profile is Profile.SHORT)
    assert (first.reasoning, first.code, first.truncated) == ("idea 0", "print(0)", False)
    assert next(t for t in rows if t.sample_index == 1).truncated  # finish_reason length

    reopened = TrajectoryStore(tmp_path / "t.jsonl")
    again = plan(problems, [SHORT, LONG], reopened)
    assert [(r.problem.id, r.profile.name, r.indices) for r in again] == [
        (CALL.id, "short", (0, 1)),
        (CALL.id, "long", (0,)),
    ]
    asyncio.run(sample(again, FakeBackend(), reopened, log=lambda _: None))
    assert len(reopened) == 6 and plan(problems, [SHORT, LONG], reopened) == []
    keys = [json.loads(line)["id"] for line in (tmp_path / "t.jsonl").read_text().splitlines()]
    assert len(keys) == len(set(keys)) == 6


def test_store_drops_a_torn_last_line_and_never_duplicates(tmp_path):
    store = TrajectoryStore(tmp_path / "t.jsonl")
    asyncio.run(sample(plan([DOUBLE], [LONG], store), FakeBackend(), store, log=lambda _: None))
    (only,) = store.trajectories()
    assert store.add(only) is False
    with open(tmp_path / "t.jsonl", "a") as handle:
        handle.write('{"id": "torn", "problem_')
    reopened = TrajectoryStore(tmp_path / "t.jsonl")
    assert len(reopened) == 1 and len((tmp_path / "t.jsonl").read_text().splitlines()) == 1


def test_changed_profile_means_new_samples(tmp_path):
    store = TrajectoryStore(tmp_path / "t.jsonl")
    asyncio.run(sample(plan([DOUBLE], [LONG], store), FakeBackend(), store, log=lambda _: None))
    assert plan([DOUBLE], [replace(LONG, temperature=0.1)], store)


def test_recipes_parse_and_bad_ones_name_the_key():
    default = teacher_recipe(DEFAULT_RECIPE)
    assert default.backend == "managed_vllm" and {p.name for p in default.profiles} == {"short", "long"}
    assert "--dtype" in default.server_args and all(p.n > 1 for p in default.profiles)
    production = teacher_recipe(RECIPES_DIR / "production.yaml")
    long = next(p for p in production.profiles if p.name == "long")
    assert production.backend == "openai" and long.max_tokens >= 8192 and 0.6 <= long.temperature <= 0.7
    served = {production.model, *production.model_urls}
    assert {p.model for p in production.profiles} <= served  # each profile's model has its own server
    with pytest.raises(RecipeError, match="profile names"):
        parse_teacher_recipe({"profiles": {"medium": {"system_prompt": "", "instructions": ""}}})
    with pytest.raises(RecipeError, match="base_urls"):
        parse_teacher_recipe({"backend": "openai", "profiles": {"short": {"system_prompt": "", "instructions": ""}}})
    with pytest.raises(RecipeError, match="unknown key"):
        parse_teacher_recipe({"profiles": {"short": {"system_prompt": "", "instructions": "", "temp": 1}}})
    short = {"short": {"system_prompt": "", "instructions": ""}}
    with pytest.raises(RecipeError, match=r"model_urls\.coder: needs at least 1 item"):
        parse_teacher_recipe(
            {"backend": "openai", "base_urls": ["http://u/v1"], "model_urls": {"coder": []}, "profiles": short}
        )
    with pytest.raises(RecipeError, match="model_urls: only for the openai backend"):
        parse_teacher_recipe({"model_urls": {"coder": ["http://u/v1"]}, "profiles": short})
    routed = parse_teacher_recipe(
        {"backend": "openai", "base_urls": ["http://a/v1"], "model_urls": {"coder": "http://b/v1"}, "profiles": short}
    )
    assert routed.model_urls == {"coder": ("http://b/v1",)}


def test_problem_subset_mixes_sources_and_is_stable():
    from pipeline.problems.sources import humaneval, stdio_builtin

    problems = [humaneval.normalize(r) for r in humaneval.package_rows()[:5]]
    problems += [stdio_builtin.normalize(r) for r in stdio_builtin.package_rows()[:5]]
    chosen = select_problems(problems, 4)
    assert [p.source for p in chosen] == ["humaneval", "stdio_builtin", "humaneval", "stdio_builtin"]
    assert chosen == select_problems(list(reversed(problems)), 4)


def test_preferred_problems_come_first_and_missing_ones_are_reported():
    from pipeline.problems.sources import humaneval, stdio_builtin

    problems = [humaneval.normalize(r) for r in humaneval.package_rows()[:5]]
    problems += [stdio_builtin.normalize(r) for r in stdio_builtin.package_rows()[:5]]
    said = []
    prefer = ["humaneval/HumanEval/3", "nowhere/x", "humaneval/HumanEval/1", "humaneval/HumanEval/3"]
    chosen = select_problems(problems, 4, prefer, log=said.append)
    assert [p.id for p in chosen] == [
        "humaneval/HumanEval/3",
        "humaneval/HumanEval/1",
        "humaneval/HumanEval/0",
        "stdio_builtin/stdio-001",
    ]
    assert len(said) == 1 and "nowhere/x" in said[0]
    assert len({p.id for p in select_problems(problems, None, prefer, log=said.append)}) == len(problems)


def test_each_profile_model_is_sampled_from_its_own_servers(tmp_path):
    from pipeline.teacher.sample_run import sample_into_store
    from tests.pipeline.teacher.fakes import ScriptedOpenAIServer

    with ScriptedOpenAIServer([]) as reasoner, ScriptedOpenAIServer([]) as coder:
        recipe = parse_teacher_recipe(
            {
                "backend": "openai",
                "base_urls": [reasoner.base_url],
                "model": "reasoner",
                "model_urls": {"coder": [coder.base_url]},
                "max_retries": 0,
                "profiles": {
                    "short": {"model": "coder", "system_prompt": "", "instructions": "Code.", "n": 1},
                    "long": {"system_prompt": "", "instructions": "Think.", "n": 1},
                },
            }
        )
        store = TrajectoryStore(tmp_path / "t.jsonl")
        report = sample_into_store([DOUBLE, CALL], recipe, store, log=lambda _: None)
        assert report.stored == 4 and not report.failed
        assert sorted(r["model"] for r in coder.requests) == ["coder", "coder"]
        assert sorted(r["model"] for r in reasoner.requests) == ["reasoner", "reasoner"]
    by_profile = {(t.problem_id, t.profile.value): t.server_url for t in store.trajectories()}
    assert {url for (_, profile), url in by_profile.items() if profile == "short"} == {coder.base_url}


class WordCounter:
    """A tokenizer stand-in (one token per word) that records its batches."""

    def __init__(self):
        self.batches = []

    def count_many(self, texts):
        self.batches.append(list(texts))
        return [len(t.split()) for t in texts]


class NoUsageBackend:
    """A server whose responses carry no usage block (n > 1 on some servers): counts are local."""

    async def stream(self, requests):
        for request in requests:
            yield request, [Completion(f"one two{' three' * i}", "why " * (i + 1), "stop", 0, 0, 0.1, "http://fake/v1")
                            for i in request.indices]  # fmt: skip


def test_missing_token_counts_come_from_the_tokenizer_one_batch_per_request(tmp_path):
    store, counter = TrajectoryStore(tmp_path / "t.jsonl"), WordCounter()
    requests = plan([DOUBLE], [SHORT], store)  # one request, n = 2
    asyncio.run(sample(requests, NoUsageBackend(), store, counter, log=lambda _: None))
    assert len(counter.batches) == 1  # reasoning, completion and prompt texts of the request together
    by_index = {t.sample_index: t for t in store.trajectories()}
    prompt_words = sum(len(m["content"].split()) for m in render_messages(SHORT, DOUBLE))
    for i, t in by_index.items():  # by hand: "why " * (i + 1) + "one two" + " three" * i
        assert (t.reasoning_tokens, t.completion_tokens, t.prompt_tokens) == (i + 1, (i + 1) + 2 + i, prompt_words)


def test_the_teachers_tokenizer_counts_a_batch_as_it_counts_each_text(embedded_folder):
    from pipeline.teacher.sample_run import HFTokenCounter

    counter = HFTokenCounter(str(embedded_folder))
    texts = ["def f(x):\n    return x + 1", "", "Wait, let me check 42 again.", "é" * 50]
    expected = [len(counter.tokenizer.encode(t, add_special_tokens=False)) for t in texts]
    assert counter.count_many(texts) == expected and expected[0] > 5
