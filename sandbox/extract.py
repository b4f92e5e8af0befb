"""Pull the program out of a model answer: the last fenced Python block, or the whole text; or, for
another language, the last block tagged with it."""

from __future__ import annotations

import re

_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})[ \t]*([\w+.#-]*)[^\n]*\n(.*?)^[ \t]*\1[ \t]*$", re.M | re.S)
_PYTHON_TAGS = {"python", "python3", "py", "py3", "python2"}


def extract_code(answer: str) -> str:
    """The last ```python block; else the last untagged block; else the text itself.

    A block in another language (```cpp) is never taken for Python. An unclosed final fence
    (an answer cut off by max_tokens) yields what follows the fence.
    """
    blocks = [(tag.lower(), body) for _, tag, body in _FENCE.findall(answer)]
    for wanted in (lambda tag: tag in _PYTHON_TAGS, lambda tag: tag == ""):
        chosen = [body for tag, body in blocks if wanted(tag)]
        if chosen:
            return chosen[-1].strip("\n")
    unclosed = re.search(r"^[ \t]*```[ \t]*(python3?|py)?[ \t]*\n(.*)\Z", answer, re.M | re.S | re.I)
    if unclosed and not blocks:
        return unclosed.group(2).strip("\n")
    if blocks:
        return ""  # only blocks in other languages: nothing to run
    return answer.strip("\n")


LANGUAGE_TAGS = {
    "python": _PYTHON_TAGS,
    "cpp": {"cpp", "c++", "cxx", "cc", "c++17", "cpp17", "c++20", "cpp20"},
    "java": {"java"},
}


def extract_program(answer: str, language: str | None = None, default: str = "python") -> tuple[str, str]:
    """(language, code) of an answer. The solution row's `language` wins; else a Python block (the
    pipeline asks for Python), else the last block tagged with another known language; else the
    problem's `default` language for an untagged block or plain text."""
    wanted = language or _tagged_language(answer) or default
    if wanted == "python":
        return wanted, extract_code(answer)
    blocks = [(tag.lower(), body) for _, tag, body in _FENCE.findall(answer)]
    for accept in (lambda tag: tag in LANGUAGE_TAGS.get(wanted, {wanted}), lambda tag: tag == ""):
        chosen = [body for tag, body in blocks if accept(tag)]
        if chosen:
            return wanted, chosen[-1].strip("\n")
    return wanted, "" if blocks else answer.strip("\n")


def _tagged_language(answer: str) -> str | None:
    tags = [tag.lower() for _, tag, _ in _FENCE.findall(answer)]
    if any(tag in _PYTHON_TAGS for tag in tags):
        return "python"
    known = [name for tag in tags for name, names in LANGUAGE_TAGS.items() if tag in names]
    return known[-1] if known else None
