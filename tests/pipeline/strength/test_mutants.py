"""Mutants: every operator's sites, worked out by hand for a small function."""

import ast

import pytest

from pipeline.strength.mutants import mutants, sample_mutants

SOURCE = '''def f(xs, k):
    """Sum the first 3."""
    total = 0
    for x in xs:
        if x < k and x != 0:
            total += x * 2
    return total
'''


def test_each_operator_at_each_site_once_in_source_order():
    found = [(m.line, m.operator, m.description) for m in mutants(SOURCE)]
    ordering = ["Eq", "Gt", "GtE", "Lt", "LtE", "NotEq"]
    arithmetic = ["Add", "Div", "FloorDiv", "Mod", "Mult", "Sub"]
    assert found == [
        (3, "constant", "0 -> -1"),
        (3, "constant", "0 -> 1"),
        (3, "drop", "drop assign"),
        (4, "drop", "drop for"),
        (4, "loop", "zero iterations"),
        (5, "boolean", "And -> Or"),
        *[(5, "compare", f"Lt -> {o}") for o in ordering if o != "Lt"],
        *[(5, "compare", f"NotEq -> {o}") for o in ordering if o != "NotEq"],
        (5, "constant", "0 -> -1"),
        (5, "constant", "0 -> 1"),
        (5, "drop", "drop if"),
        (5, "negate", "not (condition)"),
        *[(6, "arithmetic", f"Add -> {o}") for o in arithmetic if o != "Add"],  # the augmented +=
        *[(6, "arithmetic", f"Mult -> {o}") for o in arithmetic if o != "Mult"],
        (6, "constant", "2 -> 1"),
        (6, "constant", "2 -> 3"),
        (6, "drop", "drop augassign"),
        (7, "drop", "drop return"),
        (7, "return", "return None"),
    ]  # fmt: skip  (no "drop functiondef": a missing function only makes a NameError)


@pytest.mark.parametrize(("description", "changed"), [
    ("Lt -> LtE", "if x <= k and x != 0:"), ("And -> Or", "if x < k or x != 0:"),
    ("Add -> Sub", "total -= x * 2"), ("Mult -> FloorDiv", "total += x // 2"),
    ("not (condition)", "if not (x < k and x != 0):"), ("return None", "return None"),
])  # fmt: skip
def test_a_mutant_changes_exactly_one_thing(description, changed):
    (mutant,) = [m for m in mutants(SOURCE) if m.description == description]
    original = ast.unparse(ast.parse(SOURCE)).splitlines()
    lines = mutant.code.splitlines()
    assert len(lines) == len(original) and [line.strip() for line in lines if line not in original] == [changed]


def test_docstrings_stay_and_a_dropped_only_statement_becomes_pass():
    code = 'def g():\n    """3 docs."""\n    return 1\n'
    by_description = {m.description: m.code for m in mutants(code)}
    assert set(by_description) == {"1 -> 0", "1 -> 2", "drop return", "return None"}
    assert all('"""3 docs."""' in c for c in by_description.values())
    assert by_description["drop return"].rstrip().endswith("pass")


def test_no_duplicates_no_noops_and_a_reproducible_sample():
    found = mutants(SOURCE)
    codes = [m.code for m in found]
    assert len(set(codes)) == len(codes) and ast.unparse(ast.parse(SOURCE)) not in codes
    assert sample_mutants(found, 5, 0, "p") == sample_mutants(found, 5, 0, "p") != sample_mutants(found, 5, 1, "p")
    assert sample_mutants(found, 100, 0, "p") == found and len(sample_mutants(found, 5, 0, "p")) == 5
    with pytest.raises(ValueError, match="limit"):
        sample_mutants(found, -1, 0, "p")


KEYWORDS = '''def h(words, flag=True):
    """Docs stay."""
    out = []
    for w in words:
        if not w:
            break
        out.append(f"<{w}>" + "!")
    return -len(out) if flag else out
'''


@pytest.mark.parametrize(("description", "changed"), [
    ("True -> False", "def h(words, flag=False):"),
    ("Break -> Continue", "continue"),
    ("drop Not", "if w:"),
    ("drop USub", "return len(out) if flag else out"),
    ("zero iterations", "for w in []:"),
    ("string -> 'XX' + string + 'XX'", "out.append(f'<{w}>' + 'XX!XX')"),
])  # fmt: skip
def test_keyword_unary_loop_and_string_operators(description, changed):
    (mutant,) = [m for m in mutants(KEYWORDS) if m.description == description]
    original = ast.unparse(ast.parse(KEYWORDS)).splitlines()
    assert [line.strip() for line in mutant.code.splitlines() if line not in original] == [changed]


def test_docstrings_and_f_string_text_are_never_mutated():
    strings = [m for m in mutants(KEYWORDS) if m.description.startswith("string")]
    assert len(strings) == 1  # only "!": not the docstring, not the f-string's "<" and ">"
