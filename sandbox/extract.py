"""Pull the program out of a model answer: the last fenced Python block, or the whole text."""

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
