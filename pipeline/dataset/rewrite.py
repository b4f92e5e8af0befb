"""Reflection removal the way Sky-T1's released tool did it (SkyThought, branch `corrupt`,
`skythought/tools/corrupt_data.py`): an LLM rewrites a fraction of the samples without their
reflection, instead of deleting phrases by pattern (`perturb.remove_reflection`).

Only the thinking before the final code block is sent, and the final answer is put back verbatim
after the rewrite, so a model that mangles code cannot change what the sample answers. A rewrite
that comes back empty or cut at max_tokens, or whose request failed, keeps the original (counted
as rejected); the variant's 90 % changed rule then decides whether it is published.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from pipeline.dataset.perturb import sample_rng, split_final_answer
from pipeline.dataset.shard import write_shards
from pipeline.dataset.variants import MIN_CHANGED, VariantOutcome
from schemas import DatasetRow, to_table
from schemas.records import TRUNCATED_REASONS

REWRITE_PROMPT = (
    "Rewrite the reasoning below without any reflection or self-checking: remove words and phrases such as "
    "'wait', 'hmm', 'alternatively', 'let me check again', 'let me verify', 'on second thought', and sentences "
    "that only express doubt or re-checking. Keep every other step, number and piece of code exactly as it is. "
    "Reply with the rewritten reasoning only."
)


@dataclass(frozen=True)
class RewriteOutcome:
    rows: list[DatasetRow]  # every input row with thinking to rewrite; the chosen ones rewritten
    chosen: int  # rows drawn for a rewrite (a fraction `rate`, seeded per row)
    changed: int  # rows whose response differs afterwards
    rejected: list[str]  # "row id: why" for rewrites that were not used


def chosen(row_id: str, rate: float, seed: int) -> bool:
    return sample_rng(seed, f"rewrite\x00{row_id}").random() < rate


async def rewrite_reflection(
    rows: Sequence[DatasetRow], rate: float, seed: int, client, model: str, prompt: str = REWRITE_PROMPT,
    max_tokens: int = 4096,
) -> RewriteOutcome:  # fmt: skip
    """Each row with thinking, a fraction `rate` of them rewritten through `client` (a TeacherClient)."""
    candidates = [r for r in sorted(rows, key=lambda r: r.id) if split_final_answer(r.response)[0].strip()]

    async def one(row: DatasetRow) -> tuple[DatasetRow, str | None]:
        if not chosen(row.id, rate, seed):
            return row, None
        thinking, final = split_final_answer(row.response)
        messages = [{"role": "system", "content": prompt}, {"role": "user", "content": thinking.strip()}]
        try:
            [reply] = await client.chat(model, messages, {"temperature": 0, "max_tokens": max_tokens})
        except Exception as err:  # a failed request must not stop the build: counted and reported
            return row, f"{row.id}: request failed ({type(err).__name__}: {err})"
        text = reply.content.strip()
        if reply.finish_reason in TRUNCATED_REASONS or not text:
            return row, f"{row.id}: rewrite {'cut at max_tokens' if text else 'empty'}"
        response = text + ("\n\n" + final.lstrip() if final.strip() else "")
        return replace(row, response=response), None

    results = await asyncio.gather(*(one(r) for r in candidates))
    out = [r for r, _ in results]
    picked = sum(chosen(r.id, rate, seed) for r in candidates)
    changed = sum(new.response != old.response for new, old in zip(out, candidates))
    return RewriteOutcome(out, picked, changed, [why for _, why in results if why])


def rewrite_with_teacher(
    rows: Sequence[DatasetRow], rate: float, seed: int, recipe, prompt: str, max_tokens: int, log=print
) -> tuple[RewriteOutcome, str]:
    """`rewrite_reflection` through the recipe's teacher (a managed server started, or reused inside
    `trajforge run`); (the outcome, the public name of the model that rewrote)."""
    from pipeline.dataset.assemble import public_model_name
    from pipeline.teacher.sample_run import open_backend, resolve_models

    recipe = resolve_models(recipe, log)
    with open_backend(recipe, log) as backend:
        client = getattr(backend, "client", None)
        if client is None:
            raise ValueError(f"dataset.reflection_rewrite needs an HTTP teacher; backend {recipe.backend!r} has none")

        async def go() -> RewriteOutcome:
            try:
                return await rewrite_reflection(rows, rate, seed, client, recipe.model, prompt, max_tokens)
            finally:
                await client.close()

        return asyncio.run(go()), public_model_name(recipe.model)


@dataclass(frozen=True)
class Rewriter:
    """An LLM rewrite of `default` rows (Sky-T1's reflection removal through the teacher)."""

    name: str  # the config, e.g. reflection-llm-50
    rewrite: Callable[[list[DatasetRow]], tuple[RewriteOutcome, str]]  # rows -> (outcome, model)
    prompt: str


def write_rewritten(default: list[DatasetRow], rewriter: Rewriter, out_dir: Path, target_bytes: int) -> VariantOutcome:
    outcome, model = rewriter.rewrite(default)
    rows, excluded = outcome.rows, len(default) - len(outcome.rows)
    mode = f"LLM rewrite by {model} of {outcome.chosen} drawn rows, prompt: {rewriter.prompt!r}"
    if outcome.rejected:
        mode += f"; {len(outcome.rejected)} rewrite(s) not used, e.g. {outcome.rejected[0]}"
    # the paper rewrites a fraction of the samples: the rule is on the rows drawn for a rewrite
    if not outcome.chosen or outcome.changed < MIN_CHANGED * outcome.chosen:
        note = f"only {outcome.changed} of {outcome.chosen} drawn rows changed (< {MIN_CHANGED:.0%}): not published"
        return VariantOutcome(rewriter.name, len(rows), outcome.changed, excluded, note=note, mode=mode)
    files = write_shards(to_table(rows, DatasetRow), out_dir, rewriter.name, target_bytes)
    return VariantOutcome(
        rewriter.name, len(rows), outcome.changed, excluded, tuple(files), mode=mode, rows_written=tuple(rows)
    )
