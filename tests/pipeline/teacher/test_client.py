import asyncio

import pytest

from pipeline.teacher.client import ClientSettings, Completion, TeacherClient, TeacherError, split_reasoning
from tests.pipeline.teacher.fakes import ScriptedOpenAIServer, completion


def _chat(urls, n=1, seed=None, **settings):
    async def go():
        async with TeacherClient(ClientSettings(base_urls=tuple(urls), backoff_s=0.01, **settings)) as client:
            result = await client.chat(
                "m", [{"role": "user", "content": "hi"}], {"temperature": 0.5, "top_k": 20}, n=n, seed=seed
            )
            return result, client.retries

    return asyncio.run(go())


def test_retries_429_and_5xx_then_succeeds():
    replies = [(429, {"error": "slow down"}), (503, {"error": "busy"}), (200, completion("ok"))]
    with ScriptedOpenAIServer(replies) as server:
        (result,), retries = _chat([server.base_url])
    assert result.content == "ok" and retries == 2
    assert server.requests[0]["top_k"] == 20 and server.requests[0]["temperature"] == 0.5  # extras pass through


def test_client_error_is_not_retried():
    with ScriptedOpenAIServer([(400, {"error": "bad model"})]) as server:
        with pytest.raises(TeacherError, match="rejected"):
            _chat([server.base_url])
        assert len(server.requests) == 1


def test_dead_server_gives_up_with_a_clear_error():
    with pytest.raises(TeacherError, match="giving up after 3 attempts"):
        _chat(["http://127.0.0.1:9/v1"], max_retries=2)


def test_n_samples_fall_back_to_one_request_each_when_n_is_ignored():
    replies = [(200, completion("first")), (200, completion("second")), (200, completion("third"))]
    with ScriptedOpenAIServer(replies) as server:
        result, _ = _chat([server.base_url], n=3, seed=100)
    assert [c.content for c in result] == ["first", "second", "third"]
    assert [r["seed"] for r in server.requests] == [100, 101, 102]
    assert [r["n"] for r in server.requests] == [3, 1, 1]


def test_n_samples_in_one_request_when_supported():
    with ScriptedOpenAIServer([(200, completion("a", "b"))]) as server:
        result, _ = _chat([server.base_url], n=2)
    assert [c.content for c in result] == ["a", "b"] and len(server.requests) == 1
    assert all(c.completion_tokens == 0 for c in result)  # usage is per request: counted locally instead


def test_requests_spread_over_replicas():
    async def four_requests(urls):
        async with TeacherClient(ClientSettings(base_urls=tuple(urls))) as client:
            for _ in range(4):
                await client.chat("m", [{"role": "user", "content": "hi"}], {})

    with ScriptedOpenAIServer([]) as a, ScriptedOpenAIServer([]) as b:
        asyncio.run(four_requests([a.base_url, b.base_url]))
        assert len(a.requests) == 2 and len(b.requests) == 2


def test_a_model_with_its_own_servers_is_sent_only_to_them():
    async def requests_for(models, settings):
        async with TeacherClient(settings) as client:
            for model in models:
                await client.chat(model, [{"role": "user", "content": "hi"}], {})

    with ScriptedOpenAIServer([]) as default, ScriptedOpenAIServer([]) as coder_1, ScriptedOpenAIServer([]) as coder_2:
        settings = ClientSettings(
            base_urls=(default.base_url,), model_urls={"coder": (coder_1.base_url, coder_2.base_url + "/")}
        )
        asyncio.run(requests_for(["reasoner", "coder", "coder", "reasoner", "coder"], settings))
        assert [r["model"] for r in default.requests] == ["reasoner", "reasoner"]
        assert [r["model"] for r in coder_1.requests] == ["coder", "coder"]
        assert [r["model"] for r in coder_2.requests] == ["coder"]


def _completion(content, reasoning=""):
    return Completion(content, reasoning, "stop", 1, 1, 0.1, "u")


@pytest.mark.parametrize(
    ("completion_", "expected"),
    [
        (_completion("<think>plan it</think>\nfinal code"), ("plan it", "final code")),
        (_completion("the answer", reasoning="server-side thoughts"), ("server-side thoughts", "the answer")),
        (_completion("<think>cut off mid thought"), ("cut off mid thought", "")),
        (_completion("just an answer"), ("", "just an answer")),
    ],
)
def test_reasoning_is_split_from_the_answer(completion_, expected):
    assert split_reasoning(completion_) == expected
