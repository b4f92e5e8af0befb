"""Host-side judging: compare what a program did with what the test expects.

stdout: lines compared after dropping trailing whitespace per line and the blank lines before the
first and after the last line; a missing or extra line in between is a difference (open-r1's
zip-based checker misses those).
Within a line, tokens are compared; two tokens that are both numbers may differ by the
tolerance (absolute or relative) unless both are integers, which must be equal. Call results are
compared as JSON values, with the same tolerance for floats.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from dataclasses import dataclass

_INTEGER = re.compile(r"[+-]?\d+\Z")


@dataclass(frozen=True)
class Tolerance:
    abs_tol: float = 1e-6
    rel_tol: float = 1e-6


def _number(token: str) -> float | None:
    try:
        value = float(token)
    except ValueError:
        return None
    return None if math.isnan(value) else value


def _integer_text(token: str) -> str:
    """An integer token's value as text: sign, ASCII digits, no leading zeros. (Never `int()`: a
    program's output may be a 30,000-digit number, which `int()` refuses and would take quadratic
    time to convert.)"""
    digits = token.lstrip("+-")
    if not digits.isascii():
        digits = "".join(str(unicodedata.decimal(c)) for c in digits)
    digits = digits.lstrip("0") or "0"
    return digits if digits == "0" or not token.startswith("-") else "-" + digits


def tokens_match(actual: str, expected: str, tol: Tolerance) -> bool:
    if actual == expected:
        return True
    if _INTEGER.match(actual) and _INTEGER.match(expected):
        return _integer_text(actual) == _integer_text(expected)  # integers are exact: 1000000 is not 1000001
    a, e = _number(actual), _number(expected)
    if a is None or e is None:
        return False
    return math.isclose(a, e, rel_tol=tol.rel_tol, abs_tol=tol.abs_tol)


def _lines(text: str) -> list[str]:
    """Lines without trailing whitespace, and without the blank lines before the first and after
    the last line with text (judges such as LiveCodeBench's compare stripped output; TACO has
    expected outputs that start with a blank line)."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    start = next((i for i, line in enumerate(lines) if line), len(lines))
    while len(lines) > start and not lines[-1]:
        lines.pop()
    return lines[start:]


def compare_stdout(actual: str, expected: str, tol: Tolerance = Tolerance()) -> tuple[bool, str]:
    """(matches, first difference described for a human)."""
    got, want = _lines(actual), _lines(expected)
    for number, (g, w) in enumerate(zip(got, want), start=1):
        g_tokens, w_tokens = g.split(), w.split()
        if len(g_tokens) != len(w_tokens) or not all(tokens_match(a, e, tol) for a, e in zip(g_tokens, w_tokens)):
            return False, f"line {number}: expected {_clip(w)!r}, got {_clip(g)!r}"
    if len(got) < len(want):
        return False, f"missing output: expected {len(want)} lines, got {len(got)}"
    if len(got) > len(want):
        return False, f"extra output: expected {len(want)} lines, got {len(got)}"
    return True, ""


def values_match(actual, expected, tol: Tolerance = Tolerance()) -> bool:
    if isinstance(actual, bool) or isinstance(expected, bool):
        return actual is expected or (type(actual) is type(expected) and actual == expected)
    if isinstance(actual, int) and isinstance(expected, int):
        return actual == expected
    if isinstance(actual, (int, float)) and isinstance(expected, (int, float)):
        try:
            return math.isclose(actual, expected, rel_tol=tol.rel_tol, abs_tol=tol.abs_tol) or actual == expected
        except OverflowError:  # an int past float's range against a float: only an exact match counts
            return actual == expected
    if isinstance(actual, list) and isinstance(expected, list):
        return len(actual) == len(expected) and all(values_match(a, e, tol) for a, e in zip(actual, expected))
    if isinstance(actual, dict) and isinstance(expected, dict):
        return actual.keys() == expected.keys() and all(values_match(actual[k], expected[k], tol) for k in actual)
    return actual == expected


def compare_returned(actual, expected_json: str, tol: Tolerance = Tolerance()) -> tuple[bool, str]:
    """Call-style result against the expected JSON. APPS/TACO wrap call outputs as `[value]`,
    so a one-element list also matches its element."""
    expected = json.loads(expected_json)
    if values_match(actual, expected, tol):
        return True, ""
    if isinstance(expected, list) and len(expected) == 1 and values_match(actual, expected[0], tol):
        return True, ""
    return False, f"expected {_clip(json.dumps(expected))}, got {_clip(json.dumps(actual))}"


def _clip(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
