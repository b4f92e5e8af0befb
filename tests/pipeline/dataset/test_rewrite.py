"""Sky-T1's reflection removal by an LLM rewrite: which rows are drawn, what is sent, what comes
back. The model's text is scripted here (a stand-in for the server, whose text varies); the real
vLLM server does the same rewrite in tests/pipeline/teacher/test_real_vllm.py."""

import asyncio
from dataclasses import replace

from pipeline.dataset.rewrite import REWRITE_PROMPT, Rewriter, chosen, rewrite_reflection, write_rewritten
from pipeline.teacher.client import Completion
from tests.pipeline.dataset.test_wrong_answers import ROW

CODE = "```python\nprint(int(input()) * 2)\n```"
ROWS = [
    replace(ROW, id=f"r{i}", response=f"Read n.\n\nWait, let me check again: double it {i}.\n\n{CODE}")
    for i in range(40)
]


class ScriptedModel:
    """Answers each chat with `reply(thinking)`; records what was sent."""

    def __init__(self, reply, finish="stop"):
        self.reply, self.finish, self.sent = reply, finish, []

    async def chat(self, model, messages, params, n=1, seed=None):
        self.sent.append((model, messages, params))
        if isinstance(self.reply, Exception):
            raise self.reply
        return [Completion(self.reply(messages[-1]["content"]), "", self.finish, 10, 5, 0.1, "http://m/v1")]


def run(model, rate=0.5, seed=0, rows=ROWS):
    return asyncio.run(rewrite_reflection(rows, rate, seed, model, "teacher", REWRITE_PROMPT, 64))


def test_a_seeded_fraction_is_rewritten_and_the_final_answer_is_put_back_verbatim():
    model = ScriptedModel(lambda thinking: thinking.replace("Wait, let me check again: ", ""))
    outcome = run(model)
    drawn = [r.id for r in ROWS if chosen(r.id, 0.5, 0)]
    assert outcome.chosen == len(drawn) == len(model.sent) and 10 < len(drawn) < 30  # ~half of 40
    assert outcome.changed == len(drawn) and not outcome.rejected
    by_id = {r.id: r for r in outcome.rows}
    for row in ROWS:
        new = by_id[row.id].response
        if row.id in drawn:
            assert "Wait" not in new and new.endswith(CODE) and new.count("```") == 2
        else:
            assert new == row.response
    model_name, messages, params = model.sent[0]
    assert messages[0] == {"role": "system", "content": REWRITE_PROMPT}
    assert CODE not in messages[1]["content"]  # only the thinking is sent: the code cannot be mangled
    assert params == {"temperature": 0, "max_tokens": 64} and model_name == "teacher"
    assert run(ScriptedModel(model.reply)).rows == outcome.rows  # same seed, same rows


def test_a_cut_empty_or_failed_rewrite_keeps_the_original_and_is_reported():
    for model, why in [
        (ScriptedModel(lambda t: "Read n.", finish="length"), "cut at max_tokens"),
        (ScriptedModel(lambda t: "  "), "empty"),
        (ScriptedModel(RuntimeError("connection reset")), "request failed (RuntimeError: connection reset)"),
    ]:
        outcome = run(model, rate=1.0, rows=ROWS[:3])
        assert outcome.changed == 0 and [r.response for r in outcome.rows] == [r.response for r in ROWS[:3]]
        assert len(outcome.rejected) == 3 and why in outcome.rejected[0]


def test_published_when_90_percent_of_the_drawn_rows_changed_and_names_its_mode(tmp_path):
    model = ScriptedModel(lambda thinking: thinking.replace("Wait, let me check again: ", ""))
    half = Rewriter("reflection-llm-50", lambda rows: (run(model, 0.5, rows=rows), "SmolLM2"), REWRITE_PROMPT)
    outcome = write_rewritten(ROWS, half, tmp_path, 1 << 20)  # the paper's 50 %: half the rows, all changed
    assert outcome.published and outcome.rows == 40 and 10 < outcome.changed < 30
    assert "LLM rewrite by SmolLM2" in outcome.mode and REWRITE_PROMPT in outcome.mode  # recorded for the card
    echo = ScriptedModel(lambda thinking: thinking)  # a model that gives the text back unchanged
    same = Rewriter("reflection-llm-50", lambda rows: (run(echo, 0.5, rows=rows), "SmolLM2"), REWRITE_PROMPT)
    outcome = write_rewritten(ROWS, same, tmp_path, 1 << 20)
    assert not outcome.published and "drawn rows changed" in outcome.note
