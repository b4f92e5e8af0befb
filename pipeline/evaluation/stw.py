"""Shifted Thinking Window (Z1): generation under a thinking budget, with a local model.

Pass 1 generates greedily with `max_new_tokens = budget`. A row that used the whole budget
without stopping (no EOS) is continued: pass 2 generates from prompt + pass-1 output +
`CONTINUATION_PHRASE` with the answer budget. "Thinking tokens" are pass-1 tokens. The model
sees one user turn holding the question, rendered by its own chat template, exactly as in
training (no system prompt added by us, no <think> delimiters).

The planning steps are pure functions (`continuation_prompt`, `continuation_ids`,
`until_eos`, `combine`), so the protocol is testable without a model; `LocalGenerator`
runs them with transformers on CPU (batched, left padding). The server variant lives in
`pipeline.evaluation.stw_server`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

CONTINUATION_PHRASE = "\n\nI overthought it, the final answer should be:\n\n"


@dataclass(frozen=True)
class StwResult:
    """One problem's generation under a thinking budget."""

    text: str  # pass 1, or pass 1 + CONTINUATION_PHRASE + pass 2 when the budget was hit
    thinking_tokens: int  # pass-1 tokens (the stop token included when it stopped by itself)
    budget_hit: bool  # pass 1 used the whole budget without stopping: pass 2 ran
    answer_tokens: int  # pass-2 tokens; 0 when there was no pass 2
    answer_text: str = ""  # pass 2's own text (when the budget was hit)

    @property
    def total_tokens(self) -> int:
        return self.thinking_tokens + self.answer_tokens

    @property
    def scored_text(self) -> str:
        """What Z1 scores: pass 2's output for a row that hit the budget, pass 1's otherwise. (Scoring
        pass 1 + phrase + pass 2 would pair an unclosed fence of pass 1 with pass 2's fence.)"""
        return self.answer_text if self.budget_hit else self.text


class Generator(Protocol):
    """What `evaluate` needs from a model: STW generations, one per question, in order."""

    def generate(self, questions: Sequence[str], budget: int, answer_tokens: int) -> list[StwResult]: ...


def user_messages(question: str) -> list[dict]:
    """The chat the student was trained on: one user turn holding the dataset's question."""
    return [{"role": "user", "content": question}]


def continuation_prompt(prompt: str, generated: str, stopped_for_length: bool) -> str | None:
    """The pass-2 prompt text (prompt + pass-1 output + phrase), or None when pass 1 finished."""
    return prompt + generated + CONTINUATION_PHRASE if stopped_for_length else None


def continuation_ids(prompt_ids: Sequence[int], generated_ids: Sequence[int], phrase_ids: Sequence[int]) -> list[int]:
    """The same at token level: the exact tokens pass 1 saw and produced, then the phrase."""
    return [*prompt_ids, *generated_ids, *phrase_ids]


def combine(pass1: str, pass2: str | None) -> str:
    """The full response: pass 1 alone, or pass 1 + phrase + pass 2."""
    return pass1 if pass2 is None else pass1 + CONTINUATION_PHRASE + pass2


def until_eos(new_ids: Iterable[int], eos_ids: Iterable[int]) -> tuple[list[int], bool]:
    """(tokens up to and including the first stop token, whether a stop token was found).

    `generate` pads rows that finished early; everything after the first stop token is padding.
    """
    stops = set(eos_ids)
    kept: list[int] = []
    for token in new_ids:
        kept.append(int(token))
        if token in stops:
            return kept, True
    return kept, False


def check_budgets(budget: int, answer_tokens: int) -> None:
    if budget < 1 or answer_tokens < 1:
        raise ValueError(f"budgets must be >= 1 token, got budget={budget}, answer_tokens={answer_tokens}")


def batches(order: Sequence[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(order), max(1, size)):
        yield list(order[start : start + max(1, size)])


class LocalGenerator:
    """Greedy STW generation with a transformers model (CPU friendly: batched, left padding).

    Rows are batched by length (less padding) and returned in the caller's order. Pass 2 starts
    from the exact token sequence prompt + pass-1 tokens + phrase tokens (nothing re-tokenized).
    """

    def __init__(self, model, tokenizer, batch_size: int = 8, log: Callable[[str], None] | None = None):
        self.model, self.tokenizer, self.batch_size = model, tokenizer, batch_size
        self._log = log or (lambda _: None)
        self.pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
        self.eos_ids = _eos_ids(model, tokenizer)
        self.phrase_ids = tokenizer(CONTINUATION_PHRASE, add_special_tokens=False)["input_ids"]

    def render(self, question: str) -> str:
        """The prompt text: the chat template's user turn plus the assistant header."""
        return self.tokenizer.apply_chat_template(user_messages(question), tokenize=False, add_generation_prompt=True)

    def prompt_ids(self, question: str) -> list[int]:
        # The template already holds any BOS it wants: don't let the tokenizer add another.
        return self.tokenizer(self.render(question), add_special_tokens=False)["input_ids"]

    def generate(self, questions: Sequence[str], budget: int, answer_tokens: int) -> list[StwResult]:
        check_budgets(budget, answer_tokens)
        prompts = [self.prompt_ids(q) for q in questions]
        self.check_context(max((len(p) for p in prompts), default=0) + budget + len(self.phrase_ids) + answer_tokens)
        first = self.greedy(prompts, budget)
        hit = [i for i, (_, stopped) in enumerate(first) if not stopped]
        second = dict(
            zip(
                hit,
                self.greedy([continuation_ids(prompts[i], first[i][0], self.phrase_ids) for i in hit], answer_tokens),
            )
        )
        results = []
        for i, (ids, _stopped) in enumerate(first):
            pass2 = second.get(i, ([], False))[0]
            tail = [*self.phrase_ids, *pass2] if i in second else []
            results.append(
                StwResult(
                    text=self.tokenizer.decode([*ids, *tail], skip_special_tokens=True),
                    thinking_tokens=len(ids),
                    budget_hit=i in second,
                    answer_tokens=len(pass2),
                    answer_text=self.tokenizer.decode(pass2, skip_special_tokens=True),
                )
            )
        return results

    def check_context(self, tokens: int) -> None:
        """Refuse budgets the model cannot hold (its positions would run out mid-answer)."""
        limit = getattr(getattr(self.model, "config", None), "max_position_embeddings", None)
        if isinstance(limit, int) and tokens > limit:
            raise ValueError(
                f"the longest prompt + thinking budget + phrase + answer budget is {tokens} tokens, "
                f"over the model's {limit}-token context: lower the budgets"
            )

    def greedy(self, sequences: Sequence[Sequence[int]], max_new_tokens: int) -> list[tuple[list[int], bool]]:
        """Greedy continuation of each token sequence: (new tokens up to the stop, stopped)."""
        import torch

        out: list[tuple[list[int], bool]] = [([], False)] * len(sequences)
        order = sorted(range(len(sequences)), key=lambda i: len(sequences[i]))
        for rows in batches(order, self.batch_size):
            width = max(len(sequences[i]) for i in rows)
            ids = torch.tensor([[self.pad_id] * (width - len(sequences[i])) + list(sequences[i]) for i in rows])
            mask = torch.tensor([[0] * (width - len(sequences[i])) + [1] * len(sequences[i]) for i in rows])
            with torch.inference_mode():
                generated = self.model.generate(
                    input_ids=ids,
                    attention_mask=mask,
                    do_sample=False,
                    max_new_tokens=max_new_tokens,
                    pad_token_id=self.pad_id,
                    eos_token_id=self.eos_ids,
                    temperature=None,
                    top_p=None,
                    top_k=None,
                )
            for row, i in enumerate(rows):
                out[i] = until_eos(generated[row, width:].tolist(), self.eos_ids)
            self._log(f"generated {len(rows)} rows (max_new_tokens={max_new_tokens})")
        return out


def _eos_ids(model, tokenizer) -> list[int]:
    """Every token that ends a turn: the generation config's EOS (one or several) and the tokenizer's."""
    configured = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    ids = configured if isinstance(configured, list) else [configured]
    ids = [i for i in [*ids, tokenizer.eos_token_id] if i is not None]
    if not ids:
        raise ValueError("the model has no EOS token: a thinking budget could never be told from a stop")
    return sorted(set(ids))


def load_generator(
    model_dir: str | Path,
    adapter_dir: str | Path | None = None,
    batch_size: int = 8,
    merge: bool = True,
    log: Callable[[str], None] | None = None,
) -> LocalGenerator:
    """A LocalGenerator for a Hugging Face folder on CPU (float32), with an optional PEFT adapter.

    The adapter is loaded with `PeftModel.from_pretrained` and, by default, merged into the
    weights (same outputs, faster CPU decoding). The tokenizer (and its chat template) comes
    from the adapter folder when training saved one there, else from the base model.
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
    tokenizer_dir = model_dir
    if adapter_dir is not None:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, str(adapter_dir))
        if merge:
            model = model.merge_and_unload()
        if (Path(adapter_dir) / "tokenizer_config.json").is_file():
            tokenizer_dir = adapter_dir
    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir, padding_side="left")
    if not tokenizer.chat_template:
        raise ValueError(f"{tokenizer_dir} has no chat template: the student was trained on chat turns")
    return LocalGenerator(model.eval(), tokenizer, batch_size=batch_size, log=log)
