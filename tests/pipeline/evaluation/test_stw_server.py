"""ServerGenerator: the request shapes of both continuation modes (against a scripted loopback
server, since vLLM does not run here), and the real thing against `transformers serve` (slow)."""

import asyncio

import pytest

from pipeline.evaluation.stw import CONTINUATION_PHRASE, StwResult
from pipeline.evaluation.stw_server import ServerGenerator, parse_text_completion, strip_added_bos
from pipeline.teacher.client import ClientSettings, TeacherClient, TeacherError
from pipeline.teacher.server import ManagedServer
from tests.pipeline.evaluation.test_stw import CODE_QUESTION, SHORT_QUESTION
from tests.pipeline.teacher.fakes import ScriptedOpenAIServer, completion


class TemplateTokenizer:
    """Renders "<s>[user]...[assistant]"; adds BOS itself when asked to (like Llama's)."""

    bos_token, bos_token_id = "<s>", 1

    def apply_chat_template(self, messages, tokenize, add_generation_prompt):
        return f"<s>[user]{messages[0]['content']}[assistant]"

    def __call__(self, text, add_special_tokens=True):
        return {"input_ids": ([1] if add_special_tokens else []) + [ord(c) for c in text]}


def text_completion(text, finish_reason="stop", completion_tokens=5):
    return {
        "object": "text_completion",
        "choices": [{"index": 0, "text": text, "finish_reason": finish_reason}],
        "usage": {"prompt_tokens": 30, "completion_tokens": completion_tokens},
    }


def test_completions_mode_renders_the_chat_locally_and_appends_pass1_and_the_phrase():
    replies = [
        (200, completion("let me think", finish_reason="length", completion_tokens=8)),
        (200, text_completion("```python\nx = 1\n```", completion_tokens=6)),
    ]
    with ScriptedOpenAIServer(replies) as server:
        generator = ServerGenerator(server.base_url, "student", tokenizer=TemplateTokenizer())
        [result] = generator.generate(["q?"], budget=8, answer_tokens=32)
    first, second = server.requests
    assert first["messages"] == [{"role": "user", "content": "q?"}]
    assert first["max_tokens"] == 8 and first["temperature"] == 0
    # BOS dropped from the text: the server's tokenizer adds it back
    assert second["prompt"] == "[user]q?[assistant]let me think" + CONTINUATION_PHRASE
    assert second["max_tokens"] == 32 and second["temperature"] == 0 and "messages" not in second
    assert result == StwResult("let me think" + CONTINUATION_PHRASE + "```python\nx = 1\n```", 8, True, 6,
                               answer_text="```python\nx = 1\n```")  # fmt: skip


def test_chat_mode_continues_the_assistant_message_the_vllm_way():
    replies = [
        (200, completion("let me think", finish_reason="length", completion_tokens=8)),
        (200, completion("the answer", completion_tokens=3)),
    ]
    with ScriptedOpenAIServer(replies) as server:
        generator = ServerGenerator(server.base_url, "student", continuation="chat")
        [result] = generator.generate(["q?"], budget=8, answer_tokens=16)
    second = server.requests[1]
    assert second["messages"] == [
        {"role": "user", "content": "q?"},
        {"role": "assistant", "content": "let me think" + CONTINUATION_PHRASE},
    ]
    assert second["continue_final_message"] is True and second["add_generation_prompt"] is False
    assert second["max_tokens"] == 16 and second["temperature"] == 0
    assert result == StwResult(
        "let me think" + CONTINUATION_PHRASE + "the answer", 8, True, 3, answer_text="the answer"
    )


def test_a_pass_that_stops_in_time_makes_one_request():
    with ScriptedOpenAIServer([(200, completion("4", completion_tokens=2))]) as server:
        [result] = ServerGenerator(server.base_url, "m", continuation="chat").generate(["q"], 8, 8)
    assert len(server.requests) == 1 and result == StwResult("4", 2, False, 0)


def test_unknown_continuation_mode_is_refused():
    with pytest.raises(ValueError, match="continuation"):
        ServerGenerator("http://x/v1", "m", continuation="prefill")


def test_strip_added_bos_only_when_the_tokenizer_adds_one():
    assert strip_added_bos("<s>[user]", TemplateTokenizer()) == "[user]"
    assert strip_added_bos("[user]", TemplateTokenizer()) == "[user]"

    class NoBos(TemplateTokenizer):
        def __call__(self, text, add_special_tokens=True):
            return {"input_ids": [ord(c) for c in text]}

    assert strip_added_bos("<s>[user]", NoBos()) == "<s>[user]"


def test_parse_text_completion():
    parsed = parse_text_completion(text_completion("abc", "length", 4), "http://x/v1")
    assert (parsed.content, parsed.finish_reason, parsed.completion_tokens) == ("abc", "length", 4)


def test_completion_posts_retry_5xx_and_fail_fast_on_4xx():
    with ScriptedOpenAIServer([(503, {"detail": "busy"}), (422, {"detail": "nope"})]) as server:

        async def go():
            settings = ClientSettings(base_urls=(server.base_url,), max_retries=3, backoff_s=0.01)
            async with TeacherClient(settings) as client:
                await client.post_json("/completions", {"model": "m", "prompt": "x"})

        with pytest.raises(TeacherError, match="rejected the request: HTTP 422"):
            asyncio.run(go())
        assert len(server.requests) == 2


@pytest.mark.slow
def test_real_transformers_serve_agrees_with_the_local_generator(embedded_folder, local_generator):
    with ManagedServer.transformers(embedded_folder) as server:
        generator = ServerGenerator(server.base_url, server.model_name, concurrency=2)
        hit = generator.generate([CODE_QUESTION], budget=8, answer_tokens=24)
        early = generator.generate([SHORT_QUESTION], budget=64, answer_tokens=16)
    [result] = hit
    assert result.budget_hit and result.thinking_tokens == 8 and 0 < result.answer_tokens <= 24
    assert CONTINUATION_PHRASE in result.text
    assert not early[0].budget_hit and early[0].answer_tokens == 0 and CONTINUATION_PHRASE not in early[0].text
    # same greedy protocol, same counting (the stop token included): the in-process generator's
    # results exactly, on these prompts (the server re-tokenizes pass 1 as text; here that is lossless)
    assert hit == local_generator.generate([CODE_QUESTION], 8, 24)
    assert early == local_generator.generate([SHORT_QUESTION], 64, 16)
