"""Sky-T1 perturbations (arXiv 2502.07374) of a trajectory's reasoning, as pure functions.

Only the reasoning is perturbed; the final answer (and its code block) is returned untouched so
the sample still verifies. Content: digit corruption (each standalone number is replaced with
probability p by a random integer 0-10, never inside fenced code) and reflection-phrase removal
(a fraction `rate` of samples is rewritten). Structure, at ratio r: shuffle, delete, insert.

Step segmentation (not published by the paper; ours): steps are paragraph blocks separated by
one or more blank lines. A fenced code block (``` ... ```) is never split, blank lines inside it
included. If that yields a single step, each line is a step (a fence still is one step); if
that too yields one step and there is no fence, sentences (cut after `.`, `!`, `?` + space) are
steps. Each step keeps its trailing separator, so `join_steps(split_steps(t)) == t` exactly.
A step that lost its separator by being moved gets the text's separator back in `join_steps`.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

KINDS = ("digits", "reflection", "shuffle", "delete", "insert")
NUMBER = re.compile(r"\b\d+(\.\d+)?\b")
REFLECTION_PHRASES: tuple[str, ...] = (
    "but wait",
    "wait a second",
    "wait a minute",
    "wait",
    "hmm",
    "hmmm",
    "alternatively",
    "let me think again",
    "let me reconsider",
    "let me re-examine",
    "let me double-check",
    "let me double check",
    "let me check again",
    "let me check",
    "let me verify",
    "on second thought",
    "hold on",
)
_FIRST_LETTERS = "".join(sorted({c for p in REFLECTION_PHRASES for c in (p[0].lower(), p[0].upper())}))
_PHRASE_RE = re.compile(  # the first-letter lookahead makes most positions fail fast (3.5x measured)
    rf"\b(?=[{_FIRST_LETTERS}])(?:"
    + "|".join(re.escape(p).replace(r"\ ", r"[ \t]+") for p in sorted(REFLECTION_PHRASES, key=len, reverse=True))
    + r")\b[ \t]*[,;:.!?\u2026-]*[ \t]*",
    re.IGNORECASE,
)
_MARK = "\x00"


def _check_rate(name: str, value: float) -> None:
    if not 0.0 <= value <= 1.0:  # also rejects NaN
        raise ValueError(f"{name} must be in [0, 1], got {value!r}")


def _is_fence(line: str) -> bool:
    return line.lstrip().startswith("```")


def _fence_flags(lines: Sequence[str]) -> list[bool]:
    """Per line: True if it is a fence line or inside a fenced block."""
    flags, inside = [], False
    for line in lines:
        if _is_fence(line):
            flags.append(True)
            inside = not inside
        else:
            flags.append(inside)
    return flags


def _blank(line: str) -> bool:
    return not line.strip()


def _ends_blank(step: str) -> bool:
    lines = step.splitlines(keepends=True)
    return len(lines) >= 2 and step.endswith("\n") and _blank(lines[-1])


def _group_lines(text: str, by_paragraph: bool) -> list[str]:
    steps: list[str] = []
    current: list[str] = []
    has_content = inside = previous_blank = False
    has_fences = "```" in text
    for line in text.splitlines(keepends=True):
        blank = _blank(line)
        if not inside and not blank and has_content and (not by_paragraph or previous_blank):
            steps.append("".join(current))
            current, has_content = [], False
        current.append(line)
        has_content = has_content or not blank
        previous_blank = blank
        if has_fences and _is_fence(line):
            inside = not inside
    if current:
        steps.append("".join(current))
    return steps


def split_steps(reasoning: str) -> list[str]:
    """Paragraphs, else lines, else sentences (see module docstring); `"".join` gives the text back."""
    steps = _group_lines(reasoning, by_paragraph=True)
    if len(steps) == 1:
        steps = _group_lines(reasoning, by_paragraph=False)
    if len(steps) == 1 and "```" not in reasoning:
        cuts = [m.end() for m in re.finditer(r"[.!?]+\s+(?=\S)", reasoning)]
        steps = [reasoning[a:b] for a, b in zip([0, *cuts], [*cuts, len(reasoning)])]
    return steps


def _detect_sep(steps: Sequence[str]) -> str:
    inner = steps[:-1]
    if any(_ends_blank(s) for s in inner):
        return "\n\n"
    if any(s.endswith("\n") for s in inner):
        return "\n"
    return " "


def join_steps(steps: Sequence[str], sep: str | None = None) -> str:
    """Concatenate steps; a non-final step missing its separator gets `sep` (default: detected)."""
    sep = _detect_sep(steps) if sep is None else sep
    out = []
    for i, step in enumerate(steps):
        if i < len(steps) - 1:
            ok = _ends_blank(step) if sep == "\n\n" else step.endswith("\n") if sep == "\n" else step[-1:].isspace()
            if not ok:
                step = step.rstrip() + sep
        out.append(step)
    return "".join(out)


# NUMBER's matches, kept by split. `\b\d` as `\d(?<!\w\d)` (the same test: no word character before
# the first digit) lets the regex engine skip to digits instead of trying every position: 2x faster.
_NUMBER_SPLIT = re.compile(r"(\d(?<!\w\d)\d*(?:\.\d+)?\b)")


def _swap_numbers(text: str, p: float, draw: Callable[[], float]) -> str:
    # split gives [text, number, text, number, ..., text] in C: no Python callback per match
    parts = _NUMBER_SPLIT.split(text)
    for i in range(1, len(parts), 2):
        if draw() < p:
            parts[i] = str(int(draw() * 11))  # uniform 0-10; randint is 3x slower
    return "".join(parts)


def corrupt_digits(text: str, p: float, rng: random.Random, include_code: bool = False) -> str:
    """Replace each standalone number, with probability p, by randint(0, 10): outside fenced code,
    or everywhere with `include_code` (the paper's scope: the whole response, code included)."""
    _check_rate("p", p)
    if include_code or "```" not in text:  # numbers never span lines: one pass draws the same numbers
        return _swap_numbers(text, p, rng.random)
    lines = text.splitlines(keepends=True)
    return "".join(line if fenced else _swap_numbers(line, p, rng.random)
                   for line, fenced in zip(lines, _fence_flags(lines)))  # fmt: skip


def _clean_line(line: str) -> str | None:
    """Drop markers, capitalise after a removal at a sentence start, tidy spaces; None if emptied."""
    body = line.rstrip("\r\n")
    end = line[len(body) :]
    indent = body[: len(body) - len(body.lstrip())]
    parts = body[len(indent) :].split(_MARK)
    text = parts[0]
    for part in parts[1:]:
        if not text.strip() or text.rstrip()[-1] in ".!?":
            part = part[:1].upper() + part[1:]
        text = text + (" " if text and not text[-1].isspace() and part[:1].isalnum() else "") + part
    text = re.sub(r"[ \t]{2,}", " ", text)
    text = re.sub(r"[ \t]+([,;:.!?])", r"\1", text).strip()
    text = re.sub(r"^[,;:.!?]+\s*", "", text)
    return indent + text + end if text else None


def remove_reflection(text: str) -> str:
    """Remove REFLECTION_PHRASES (whole words, any case) outside fenced code, then tidy the line."""
    if not _PHRASE_RE.search(text):
        return text
    if "```" not in text:  # phrases never span lines: mark the whole text, tidy the marked lines
        lines = _PHRASE_RE.sub(_MARK, text).splitlines(keepends=True)
        return "".join(c for line in lines if (c := _clean_line(line) if _MARK in line else line) is not None)
    out: list[str] = []
    lines = text.splitlines(keepends=True)
    for line, fenced in zip(lines, _fence_flags(lines)):
        marked = line if fenced else _PHRASE_RE.sub(_MARK, line)
        if marked == line:
            out.append(line)
        elif (cleaned := _clean_line(marked)) is not None:
            out.append(cleaned)
    return "".join(out)


def shuffle_steps(steps: Sequence[str], ratio: float, rng: random.Random) -> list[str]:
    """Permute k = round(ratio * n) chosen positions so every one moves (a random cycle); at least
    two whenever ratio > 0 and there are two steps (one position cannot move among itself, and a
    67 % shuffle of two steps must not silently be a no-op)."""
    _check_rate("ratio", ratio)
    out, k = list(steps), round(ratio * len(steps))
    if ratio > 0 and len(steps) >= 2:
        k = max(k, 2)
    if k < 2:
        return out
    positions = sorted(rng.sample(range(len(steps)), k))
    order = list(range(k))
    for i in range(k - 1, 0, -1):  # Sattolo: a uniform random k-cycle, no fixed point
        j = rng.randrange(i)
        order[i], order[j] = order[j], order[i]
    for pos, src in zip(positions, order):
        out[pos] = steps[positions[src]]
    return out


def delete_steps(steps: Sequence[str], ratio: float, rng: random.Random) -> list[str]:
    """Remove k = round(ratio * n) steps, at most n - 1, keeping the order of the rest."""
    _check_rate("ratio", ratio)
    k = min(round(ratio * len(steps)), max(len(steps) - 1, 0))
    gone = set(rng.sample(range(len(steps)), k))
    return [s for i, s in enumerate(steps) if i not in gone]


def insert_steps(steps: Sequence[str], donor_steps: Sequence[str], ratio: float, rng: random.Random) -> list[str]:
    """Insert k = round(ratio * n) donor steps at random positions, keeping the order of the rest."""
    _check_rate("ratio", ratio)
    n, k = len(steps), round(ratio * len(steps))
    if k == 0 or not donor_steps:
        return list(steps)
    donors = rng.sample(list(donor_steps), k) if k <= len(donor_steps) else rng.choices(list(donor_steps), k=k)
    slots = set(rng.sample(range(n + k), k))
    own, extra = iter(steps), iter(donors)
    return [next(extra) if i in slots else next(own) for i in range(n + k)]


@dataclass(frozen=True)
class Perturbation:
    kind: str  # "digits" | "reflection" | "shuffle" | "delete" | "insert"
    rate: float
    seed: int = 0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"Perturbation.kind must be one of {KINDS}, got {self.kind!r}")
        _check_rate("Perturbation.rate", self.rate)


def sample_rng(seed: int, sample_key: str) -> random.Random:
    """A per-sample RNG from a stable hash of (seed, sample_key): same across processes."""
    digest = hashlib.sha256(f"{seed}\x00{sample_key}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def _structural(reasoning: str, op: Callable[[list[str]], list[str]]) -> str:
    core = reasoning.strip()
    if not core:
        return reasoning
    lead = reasoning[: len(reasoning) - len(reasoning.lstrip())]
    trail = reasoning[len(reasoning.rstrip()) :]
    steps = split_steps(core)
    return lead + join_steps(op(steps), _detect_sep(steps)).rstrip() + trail


_LAST_FENCE = re.compile(r"```[^\n]*\n(?:(?!```).)*```[^\n]*\s*\Z", re.DOTALL)


def split_final_answer(response: str) -> tuple[str, str]:
    """(thinking, final answer): the final answer is the response's last fenced code block and what
    follows it; with no fence at the end, everything is thinking."""
    match = _LAST_FENCE.search(response)
    return (response, "") if match is None else (response[: match.start()], response[match.start() :])


def perturbable(kind: str, response: str) -> bool:
    """Whether a response has anything the perturbation works on: a number (digits), a reflection
    phrase, two thinking steps (shuffle, delete) or one (insert). Rows without are excluded from
    the variant (and counted), never published unchanged as if perturbed."""
    if kind == "digits":
        return NUMBER.search(response) is not None
    thinking = split_final_answer(response)[0].strip()
    if kind == "reflection":
        return _PHRASE_RE.search(thinking) is not None
    steps = len(split_steps(thinking)) if thinking else 0
    return steps >= (1 if kind == "insert" else 2)


def perturb_response(perturbation: Perturbation, response: str, donor: str | None, sample_key: str) -> str:
    """The Sky-T1 perturbation of a whole response (reasoning inline or not, as it is published).

    Digits: every standalone number anywhere, code included (the paper's scope). Reflection and
    the structural ops (shuffle/delete/insert): the thinking before the final code block, whose
    steps come from `split_steps`; the final answer stays last and untouched."""
    p, rng = perturbation, sample_rng(perturbation.seed, sample_key)
    if p.kind == "digits":
        return corrupt_digits(response, p.rate, rng, include_code=True)
    thinking, final = split_final_answer(response)
    if p.kind == "reflection":
        return (remove_reflection(thinking) if rng.random() < p.rate else thinking) + final
    if p.kind == "insert" and donor is None:
        raise ValueError("a donor response is required for kind 'insert'")
    donor_thinking = split_final_answer(donor)[0].strip() if donor else ""
    donor_steps = split_steps(donor_thinking) if donor_thinking else []
    ops = {"shuffle": lambda s: shuffle_steps(s, p.rate, rng), "delete": lambda s: delete_steps(s, p.rate, rng),
           "insert": lambda s: insert_steps(s, donor_steps, p.rate, rng)}  # fmt: skip
    perturbed = _structural(thinking, ops[p.kind])
    return perturbed + ("\n\n" if perturbed.strip() and final and not perturbed.endswith("\n") else "") + final


def apply(
    perturbation: Perturbation, reasoning: str, answer: str, donor_reasoning: str | None, sample_key: str
) -> tuple[str, str]:
    """Return (perturbed reasoning, answer unchanged)."""
    p, rng = perturbation, sample_rng(perturbation.seed, sample_key)
    if p.kind == "digits":
        return corrupt_digits(reasoning, p.rate, rng), answer
    if p.kind == "reflection":
        return (remove_reflection(reasoning) if rng.random() < p.rate else reasoning), answer
    if p.kind == "shuffle":
        return _structural(reasoning, lambda s: shuffle_steps(s, p.rate, rng)), answer
    if p.kind == "delete":
        return _structural(reasoning, lambda s: delete_steps(s, p.rate, rng)), answer
    if donor_reasoning is None:
        raise ValueError("donor_reasoning is required for kind 'insert'")
    donors = split_steps(donor_reasoning.strip()) if donor_reasoning.strip() else []
    return _structural(reasoning, lambda s: insert_steps(s, donors, p.rate, rng)), answer
