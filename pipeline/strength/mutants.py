"""Mutants of a reference solution: known-wrong programs that a problem's tests should reject.

Operators in the style of mutmut and cosmic-ray, one change per mutant, applied to the AST:

- `compare`: each of `<`, `<=`, `>`, `>=`, `==`, `!=` -> every other one (cosmic-ray's
  ReplaceComparisonOperator); `in` <-> `not in`, `is` <-> `is not`
- `arithmetic`: each of `+`, `-`, `*`, `/`, `//`, `%` -> every other one (ReplaceBinaryOperator;
  `**` is left alone: its mutants mostly run out of time), and the augmented forms (`+=`...)
- `boolean`: `and` <-> `or`
- `unary`: `-x`, `not x`, `~x` -> `x`
- `constant`: an integer literal n -> n + 1 and n - 1 (off by one); `True` <-> `False`; a string
  literal s -> "XX" + s + "XX" (mutmut's string mutation; docstrings and f-string parts left alone)
- `keyword`: `break` <-> `continue`
- `loop`: `for x in items` -> `for x in []` (cosmic-ray's ZeroIterationForLoop)
- `negate`: the condition of `if`, `while` and `x if c else y` -> `not (c)`
- `drop`: a statement removed (`pass` where it was the only one); never a `def`, `class` or import
- `return`: `return x` -> `return None`

Mutants are listed in a fixed order (source position, then operator), with duplicates and no-ops
removed, so a seeded cap picks the same ones.
"""

from __future__ import annotations

import ast
import copy
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass

_ORDERING = (ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Eq, ast.NotEq)
_ARITHMETIC = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod)
COMPARE_SWAPS = {op: tuple(o for o in _ORDERING if o is not op) for op in _ORDERING} | {
    ast.In: (ast.NotIn,), ast.NotIn: (ast.In,), ast.Is: (ast.IsNot,), ast.IsNot: (ast.Is,)}  # fmt: skip
ARITHMETIC_SWAPS = {op: tuple(o for o in _ARITHMETIC if o is not op) for op in _ARITHMETIC}
BOOLEAN_SWAPS = {ast.And: (ast.Or,), ast.Or: (ast.And,)}
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


def _swap(attr: str, new_type: type, index: int | None = None):
    def apply(node: ast.AST) -> None:
        if index is None:
            setattr(node, attr, new_type())
        else:
            getattr(node, attr)[index] = new_type()

    return apply


def _set(attr: str, make: Callable[[ast.AST], object]):
    def apply(node: ast.AST) -> None:
        setattr(node, attr, make(node))

    return apply


def _sites(node: ast.AST, path: tuple, untouchable: set[int]) -> Iterator[_Site]:
    line = getattr(node, "lineno", 0)
    if isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            for new in COMPARE_SWAPS.get(type(op), ()):
                yield _Site("compare", line, f"{type(op).__name__} -> {new.__name__}", _swap("ops", new, i), path)
    elif isinstance(node, (ast.BinOp, ast.AugAssign, ast.BoolOp)):
        table, operator = (
            (BOOLEAN_SWAPS, "boolean") if isinstance(node, ast.BoolOp) else (ARITHMETIC_SWAPS, "arithmetic")
        )
        for new in table.get(type(node.op), ()):
            yield _Site(operator, line, f"{type(node.op).__name__} -> {new.__name__}", _swap("op", new), path)
    elif isinstance(node, ast.UnaryOp) and not isinstance(node.op, ast.UAdd):
        yield _Site("unary", line, f"drop {type(node.op).__name__}", _replace_with(lambda n: n.operand), path)
    elif isinstance(node, ast.Constant) and id(node) not in untouchable:
        yield from _constant_sites(node, line, path)
    elif isinstance(node, (ast.Break, ast.Continue)):
        new = ast.Continue if isinstance(node, ast.Break) else ast.Break
        yield _Site("keyword", line, f"{type(node).__name__} -> {new.__name__}", _replace_with(lambda n: new()), path)
    elif isinstance(node, ast.For):
        yield _Site("loop", line, "zero iterations", _set("iter", lambda n: ast.List([], ast.Load())), path)
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


def _constant_sites(node: ast.Constant, line: int, path: tuple) -> Iterator[_Site]:
    value = node.value
    if type(value) is bool:
        yield _Site("constant", line, f"{value} -> {not value}", _set("value", lambda n: not n.value), path)
    elif type(value) is int:
        for delta in (1, -1):
            yield _Site("constant", line, f"{value} -> {value + delta}",
                        _set("value", lambda n, d=delta: n.value + d), path)  # fmt: skip
    elif type(value) is str:
        yield _Site("constant", line, "string -> 'XX' + string + 'XX'", _set("value", lambda n: f"XX{n.value}XX"), path)


def _replace_with(make: Callable[[ast.AST], ast.AST]):
    """Marks a node to be replaced by `make(node)` in its parent (see `_apply`)."""

    def apply(node: ast.AST) -> ast.AST:
        return make(node)

    apply.replaces = True
    return apply


def _drop(name: str, index: int):
    def apply(node: ast.AST) -> None:
        body = getattr(node, name)
        del body[index]
        if not body or all(_is_docstring(body, i) for i in range(len(body))):
            body.append(ast.Pass())

    return apply


def _untouchable(tree: ast.AST) -> set[int]:
    """Constants no mutant changes: docstrings and the literal parts of f-strings."""
    found = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.stmt) and _is_docstring(body, 0):
            found.add(id(body[0].value))
        if isinstance(node, ast.JoinedStr):
            found.update(id(v) for v in node.values if isinstance(v, ast.Constant))
        if isinstance(node, ast.FormattedValue) and node.format_spec is not None:
            found.update(id(v) for v in ast.walk(node.format_spec) if isinstance(v, ast.Constant))
    return found


def _apply(tree: ast.AST, site: _Site) -> None:
    if not getattr(site.apply, "replaces", False):
        site.apply(_resolve(tree, site.path))
        return
    parent, last = _resolve(tree, site.path[:-1]), site.path[-1]
    if isinstance(last, int):  # the node is an item of a list field: path ends with (field, index)
        parent = _resolve(tree, site.path[:-2])
        getattr(parent, site.path[-2])[last] = site.apply(getattr(parent, site.path[-2])[last])
    else:
        setattr(parent, last, site.apply(getattr(parent, last)))


def mutants(source: str) -> list[Mutant]:
    """Every single-change mutant of `source` that compiles and differs from it, in source order."""
    tree = ast.parse(source)
    original = ast.unparse(tree)
    untouchable = _untouchable(tree)
    sites = [site for node, path in _walk(tree) for site in _sites(node, path, untouchable)]
    seen, out = {original}, []
    for site in sorted(sites, key=lambda s: (s.line, s.operator, s.description)):
        mutated = copy.deepcopy(tree)
        _apply(mutated, site)
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
