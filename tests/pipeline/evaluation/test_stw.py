"""Shifted Thinking Window: the pure planner, the batching logic on a scripted model, and the
LocalGenerator on the real embedded SmolLM2 (slow)."""

import pytest

from pipeline.evaluation.stw import (
    CONTINUATION_PHRASE,
    LocalGenerator,
    StwResult,
    check_budgets,
    combine,
    continuation_ids,
    continuation_prompt,
    load_generator,
    until_eos,
)

CODE_QUESTION = "Write a python function that adds two numbers."
SHORT_QUESTION = "What is 2+2? Answer with a number only."


# ---- the planner (no model) ----


def test_the_phrase_is_z1s():
    assert CONTINUATION_PHRASE == "\n\nI overthought it, the final answer should be:\n\n"


def test_a_pass_that_hit_the_budget_continues_after_the_phrase():
    assert continuation_prompt("<user>q<assistant>", "let me think", True) == (
        "<user>q<assistant>let me think\n\nI overthought it, the final answer should be:\n\n"
    )


def test_a_pass_that_stopped_by_itself_has_no_second_pass():
    assert continuation_prompt("<user>q<assistant>", "done.", False) is None


def test_token_level_continuation_keeps_the_exact_tokens():
    assert continuation_ids([1, 2], [7, 8, 9], [40, 41]) == [1, 2, 7, 8, 9, 40, 41]


def test_combine_puts_the_phrase_between_the_passes():
    assert combine("think", None) == "think"
    assert combine("think", "```python\nx = 1\n```") == "think" + CONTINUATION_PHRASE + "```python\nx = 1\n```"


def test_until_eos_keeps_the_stop_token_and_drops_the_padding_after_it():
    assert until_eos([5, 6, 2, 2, 2], [2]) == ([5, 6, 2], True)
    assert until_eos([5, 6, 7], [2]) == ([5, 6, 7], False)
    assert until_eos([5, 9, 6], [2, 9]) == ([5, 9], True)
    assert until_eos([], [2]) == ([], False)


def test_budgets_below_one_token_are_refused():
    check_budgets(1, 1)
    with pytest.raises(ValueError, match="budget"):
        check_budgets(0, 16)
    with pytest.raises(ValueError, match="answer_tokens"):
        check_budgets(8, 0)


def test_total_tokens():
    assert StwResult("x", 8, True, 5).total_tokens == 13


# ---- the batching logic, on a scripted model and tokenizer ----


class ScriptedTokenizer:
    """Characters are tokens (ord); "#" (35) is EOS, "_" (95) pads; a 3-char template."""

    pad_token_id, eos_token_id, chat_template = 95, 35, "scripted"

    def apply_chat_template(self, messages, tokenize, add_generation_prompt):
        assert not tokenize and add_generation_prompt and len(messages) == 1
        return f"<{messages[0]['content']}>"

    def __call__(self, text, add_special_tokens=True):
        return {"input_ids": [ord(c) for c in text]}

    def decode(self, ids, skip_special_tokens=False):
        return "".join(chr(i) for i in ids if not (skip_special_tokens and i in (35, 95)))


class ScriptedModel:
    """Answers a prompt holding "long" with "a" forever, else "ok#"; records every batch."""

    generation_config = None

    def __init__(self):
        self.calls = []

    def generate(self, input_ids, attention_mask, max_new_tokens, **_):
        import torch

        self.calls.append((input_ids.tolist(), attention_mask.tolist(), max_new_tokens))
        rows = []
        for ids, mask in zip(input_ids.tolist(), attention_mask.tolist()):
            text = "".join(chr(i) for i, m in zip(ids, mask) if m)
            new = ("a" * max_new_tokens) if "long" in text and "final answer" not in text else "ok#"
            new = (new + "_" * max_new_tokens)[:max_new_tokens]
            rows.append(ids + [ord(c) for c in new])
        return torch.tensor(rows)


def test_rows_are_left_padded_continued_from_their_exact_tokens_and_returned_in_order():
    model = ScriptedModel()
    generator = LocalGenerator(model, ScriptedTokenizer(), batch_size=8)
    results = generator.generate(["a long one", "hi"], budget=5, answer_tokens=4)
    assert results[0].text == "aaaaa" + CONTINUATION_PHRASE + "ok"
    assert (results[0].thinking_tokens, results[0].budget_hit, results[0].answer_tokens) == (5, True, 3)
    assert results[1] == StwResult("ok", 3, False, 0)
    (first_ids, first_mask, budget), (second_ids, second_mask, answer) = model.calls
    assert (budget, answer) == (5, 4)
    assert first_ids[0][:8] == [95] * 8 and first_mask[0][:8] == [0] * 8  # "<hi>" padded on the left
    assert first_ids[0][8:] == [ord(c) for c in "<hi>"]
    assert second_ids == [[ord(c) for c in "<a long one>aaaaa" + CONTINUATION_PHRASE]]
    assert second_mask == [[1] * len(second_ids[0])]


def test_batches_are_formed_by_length_and_bounded_by_batch_size():
    model = ScriptedModel()
    generator = LocalGenerator(model, ScriptedTokenizer(), batch_size=2)
    results = generator.generate(["ccc", "a", "bbbbb", "dd"], budget=4, answer_tokens=4)
    assert [r.text for r in results] == ["ok"] * 4
    assert [len(ids) for ids, _, _ in model.calls] == [2, 2]
    assert [len(ids[0]) for ids, _, _ in model.calls] == [len("<dd>"), len("<bbbbb>")]


# ---- the real embedded model ----


@pytest.mark.slow
def test_a_tiny_budget_is_hit_and_the_answer_pass_runs(local_generator):
    calls = []
    generate = local_generator.model.generate

    def recording(**kwargs):
        calls.append(kwargs)
        return generate(**kwargs)

    local_generator.model.generate = recording
    try:
        [result] = local_generator.generate([CODE_QUESTION], budget=8, answer_tokens=24)
    finally:
        del local_generator.model.generate
    assert result.budget_hit and result.thinking_tokens == 8
    assert 0 < result.answer_tokens <= 24
    assert CONTINUATION_PHRASE in result.text
    # pass 2 continued from prompt + the 8 pass-1 tokens + the phrase, token for token
    prompt = local_generator.prompt_ids(CODE_QUESTION)
    pass1_ids = calls[0]["input_ids"][0].tolist()
    assert pass1_ids == prompt and calls[0]["max_new_tokens"] == 8
    second = calls[1]["input_ids"][0].tolist()
    assert calls[1]["max_new_tokens"] == 24
    assert second[: len(prompt)] == prompt and second[-len(local_generator.phrase_ids) :] == local_generator.phrase_ids
    assert len(second) == len(prompt) + 8 + len(local_generator.phrase_ids)
    thought = local_generator.tokenizer.decode(second[len(prompt) : len(prompt) + 8], skip_special_tokens=True)
    assert result.text.startswith(thought + CONTINUATION_PHRASE)


@pytest.mark.slow
def test_a_large_budget_on_a_short_answer_is_not_hit(local_generator):
    [result] = local_generator.generate([SHORT_QUESTION], budget=64, answer_tokens=16)
    assert not result.budget_hit and result.answer_tokens == 0
    assert 0 < result.thinking_tokens < 64
    assert CONTINUATION_PHRASE not in result.text and "4" in result.text


@pytest.mark.slow
def test_batched_generation_matches_one_at_a_time(local_generator):
    questions = [CODE_QUESTION, SHORT_QUESTION, "Reverse a string in Python."]
    batched = local_generator.generate(questions, budget=12, answer_tokens=8)
    alone = [local_generator.generate([q], budget=12, answer_tokens=8)[0] for q in questions]
    assert batched == alone


@pytest.mark.slow
def test_load_generator_applies_a_peft_adapter(embedded_folder, tmp_path):
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    base = AutoModelForCausalLM.from_pretrained(embedded_folder, dtype=torch.float32)
    peft_model = get_peft_model(base, LoraConfig(r=4, target_modules=["q_proj", "v_proj"]))
    torch.manual_seed(0)
    with torch.no_grad():
        for name, param in peft_model.named_parameters():
            if "lora_B" in name:
                param.normal_(0, 0.5)  # a trained-looking adapter (B starts at zero)
    peft_model.save_pretrained(tmp_path / "adapter")

    plain = load_generator(embedded_folder)
    adapted = load_generator(embedded_folder, adapter_dir=tmp_path / "adapter")
    ids = torch.tensor([plain.prompt_ids(SHORT_QUESTION)])
    with torch.inference_mode():
        assert not torch.allclose(plain.model(ids).logits, adapted.model(ids).logits)
    result = adapted.generate([SHORT_QUESTION], budget=4, answer_tokens=4)[0]
    assert result.thinking_tokens <= 4 and isinstance(result.text, str)


def test_budgets_beyond_the_models_context_are_refused():
    model = ScriptedModel()
    model.config = type("Config", (), {"max_position_embeddings": 64})()
    generator = LocalGenerator(model, ScriptedTokenizer())
    with pytest.raises(ValueError, match="over the model's 64-token context"):
        generator.generate(["q"], budget=40, answer_tokens=20)
    assert not model.calls
