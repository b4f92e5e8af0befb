"""Mutants of a reference solution: known-wrong programs that a problem's tests should reject.

Operators in the style of mutmut and cosmic-ray, one change per mutant, applied to the AST:

- `compare`: `<` <-> `<=`, `>` <-> `>=`, `==` <-> `!=`, `in` <-> `not in`, `is` <-> `is not`
- `arithmetic`: `+` <-> `-`, `*` <-> `//`, `/` -> `*`, `%` -> `//`, and the augmented forms (`+=`...)
- `boolean`: `and` <-> `or`
- `constant`: an integer literal n -> n + 1 and n - 1 (off by one; booleans left alone)
- `negate`: the condition of `if`, `while` and `x if c else y` -> `not (c)`
- `drop`: a statement removed (`pass` where it was the only one); never a `def`, `class` or import
- `return`: `return x` -> `return None`

Docstrings and other strings are never changed. Mutants are listed in a fixed order (source
position, then operator), with duplicates and no-ops removed, so a seeded cap picks the same ones.
"""

from __future__ import annotations

import ast
import copy
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass

COMPARE_SWAPS = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq,
                 ast.NotEq: ast.Eq, ast.In: ast.NotIn, ast.NotIn: ast.In,
                 ast.Is: ast.IsNot, ast.IsNot: ast.Is}  # fmt: skip
ARITHMETIC_SWAPS = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.FloorDiv, ast.FloorDiv: ast.Mult,
                    ast.Div: ast.Mult, ast.Mod: ast.FloorDiv}  # fmt: skip
BOOLEAN_SWAPS = {ast.And: ast.Or, ast.Or: ast.And}
# dropping these only makes a NameError: a mutant every test kills, telling nothing of the tests
NEVER_DROPPED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)


@dataclass(frozen=True)
class Mutant:
    operator: str
    line: int
    description: str  # what changed, e.g. "< -> <=" or "drop return"
    code: str


@dataclass(frozen=True)
class _Site:
    operator: str
    line: int
    description: str
    apply: Callable[[ast.AST], None]  # changes the node (of a copied tree) in place
    path: tuple  # where the node is: field names and indices from the module


def _walk(node: ast.AST, path: tuple = ()) -> Iterator[tuple[ast.AST, tuple]]:
    yield node, path
    for name, value in ast.iter_fields(node):
        if isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, ast.AST):
                    yield from _walk(item, (*path, name, index))
        elif isinstance(value, ast.AST):
            yield from _walk(value, (*path, name))


def _resolve(tree: ast.AST, path: tuple) -> ast.AST:
    node = tree
    for step in path:
        node = node[step] if isinstance(step, int) else getattr(node, step)
    return node


def _is_docstring(body: list, index: int) -> bool:
    first = body[index]
    return index == 0 and isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(
        first.value.value, str)  # fmt: skip


def _swap(attr: str, table: dict, index: int | None = None):
    def apply(node: ast.AST) -> None:
        if index is None:
            setattr(node, attr, table[type(getattr(node, attr))]())
        else:
            getattr(node, attr)[index] = table[type(getattr(node, attr)[index])]()

    return apply


def _set(attr: str, make: Callable[[ast.AST], object]):
    def apply(node: ast.AST) -> None:
        setattr(node, attr, make(node))

    return apply


def _sites(node: ast.AST, path: tuple) -> Iterator[_Site]:
    line = getattr(node, "lineno", 0)
    if isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            if type(op) in COMPARE_SWAPS:
                symbol = f"{type(op).__name__} -> {COMPARE_SWAPS[type(op)].__name__}"
                yield _Site("compare", line, symbol, _swap("ops", COMPARE_SWAPS, i), path)
    elif isinstance(node, (ast.BinOp, ast.AugAssign)) and type(node.op) in ARITHMETIC_SWAPS:
        symbol = f"{type(node.op).__name__} -> {ARITHMETIC_SWAPS[type(node.op)].__name__}"
        yield _Site("arithmetic", line, symbol, _swap("op", ARITHMETIC_SWAPS), path)
    elif isinstance(node, ast.BoolOp):
        symbol = f"{type(node.op).__name__} -> {BOOLEAN_SWAPS[type(node.op)].__name__}"
        yield _Site("boolean", line, symbol, _swap("op", BOOLEAN_SWAPS), path)
    elif isinstance(node, ast.Constant) and type(node.value) is int:
        for delta in (1, -1):
            yield _Site("constant", line, f"{node.value} -> {node.value + delta}",
                        _set("value", lambda n, d=delta: n.value + d), path)  # fmt: skip
    if isinstance(node, (ast.If, ast.While, ast.IfExp)):
        yield _Site("negate", line, "not (condition)",
                    _set("test", lambda n: ast.UnaryOp(ast.Not(), n.test)), path)  # fmt: skip
    if isinstance(node, ast.Return) and node.value is not None:
        yield _Site("return", line, "return None", _set("value", lambda n: ast.Constant(None)), path)
    for name in ("body", "orelse", "finalbody"):
        body = getattr(node, name, None)
        if not isinstance(body, list) or not body or not isinstance(body[0], ast.stmt):
            continue
        for index, statement in enumerate(body):
            if _is_docstring(body, index) or isinstance(statement, NEVER_DROPPED):
                continue
            kind = type(statement).__name__.lower()
            yield _Site("drop", statement.lineno, f"drop {kind}", _drop(name, index), path)


def _drop(name: str, index: int):
    def apply(node: ast.AST) -> None:
        body = getattr(node, name)
        del body[index]
        if not body or all(_is_docstring(body, i) for i in range(len(body))):
            body.append(ast.Pass())

    return apply


def mutants(source: str) -> list[Mutant]:
    """Every single-change mutant of `source` that compiles and differs from it, in source order."""
    tree = ast.parse(source)
    original = ast.unparse(tree)
    sites = [site for node, path in _walk(tree) for site in _sites(node, path)]
    seen, out = {original}, []
    for site in sorted(sites, key=lambda s: (s.line, s.operator, s.description)):
        mutated = copy.deepcopy(tree)
        site.apply(_resolve(mutated, site.path))
        code = ast.unparse(ast.fix_missing_locations(mutated))
        if code in seen:
            continue
        try:
            compile(code, "<mutant>", "exec")
        except SyntaxError:
            continue
        seen.add(code)
        out.append(Mutant(site.operator, site.line, site.description, code))
    return out


def sample_mutants(all_mutants: list[Mutant], limit: int, seed: int, key: str) -> list[Mutant]:
    """At most `limit` of them, the same ones for the same (seed, key), in their original order."""
    if limit < 0:
        raise ValueError(f"limit must not be negative, got {limit}")
    if len(all_mutants) <= limit:
        return list(all_mutants)
    chosen = sorted(random.Random(f"{seed}\x00{key}").sample(range(len(all_mutants)), limit))
    return [all_mutants[i] for i in chosen]
