"""Amplified tests for call-based problems (EvalPlus-style): more inputs, outputs from the reference.

1. Seed inputs: the argument lists a problem's tests already call the function with (for
   HumanEval's `check(candidate)` programs, each `candidate(...)` call whose arguments are literals).
2. Type-aware mutation, seeded: one argument of a seed (or of an input made earlier) changed by an
   operator for its type (ints and floats nudged, negated, set to 0/1/-1; strings and lists with an
   element dropped, duplicated, swapped, sorted, reversed, emptied or cut to one; strings with their
   case or spacing changed; lists grown by a mutated element; booleans flipped; containers recursively).
   Sizes stay small (no list over 64 elements, no int over 10**9) so a test cannot time out by size.
3. Expected outputs: the reference runs on every new input in the sandbox (`reference_outputs`); an
   input it crashes or times out on is dropped, never turned into a test.
"""

from __future__ import annotations

import ast
import copy
import json
import random
from collections.abc import Sequence
from dataclasses import replace

from sandbox.verify import Executor, VerifySettings, build_request, request_timeout
from schemas import Problem, TestCase, TestStyle

MAX_ITEMS, MAX_INT = 64, 10**9


def seed_inputs(test_program: str, function: str = "candidate") -> list[list]:
    """Argument lists of every `function(...)` call with literal arguments, in program order, unique."""
    try:
        tree = ast.parse(test_program)
    except SyntaxError:
        return []
    found, seen = [], set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == function:
            if node.keywords:
                continue
            try:
                args = [_plain(ast.literal_eval(arg)) for arg in node.args]
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                continue
            key = _key(args)
            if key is not None and key not in seen:
                seen.add(key)
                found.append(args)
    return found


def _plain(value):
    """Tuples and sets as lists: what a call-style test can carry in JSON."""
    if isinstance(value, (tuple, list, set, frozenset)):
        items = sorted(value, key=repr) if isinstance(value, (set, frozenset)) else value
        return [_plain(v) for v in items]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _key(args) -> str | None:
    try:
        return json.dumps(args, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError):
        return None  # not JSON (complex numbers, non-string keys, NaN): not a call-style input


def _mutate_value(value, rng: random.Random, depth: int = 0):
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        choice = rng.choice([value + 1, value - 1, -value, 0, 1, -1, value * 2, rng.randint(-100, 100)])
        return max(-MAX_INT, min(MAX_INT, choice))
    if isinstance(value, float):
        return rng.choice([value + 0.5, value - 0.5, -value, 0.0, 1.0, -1.0, value * 1.5,
                           float(round(value)), round(rng.uniform(-100, 100), 2)])  # fmt: skip
    if isinstance(value, str):
        return _mutate_string(value, rng, depth)
    if isinstance(value, list):
        return _mutate_sequence(value, rng, depth, mutate_items=depth < 3)
    if isinstance(value, dict) and value:
        key = rng.choice(sorted(value, key=repr))
        return {**value, key: _mutate_value(value[key], rng, depth + 1)}
    return value


def _mutate_string(value: str, rng: random.Random, depth: int) -> str:
    """Sequence edits on the characters, or a change of case or spacing (what string problems branch on)."""
    case = [value.upper(), value.lower(), value.swapcase(), f" {value}", f"{value} ", value.replace(" ", "")]
    case = [c for c in case if c != value]
    if case and rng.random() < 0.3:
        return rng.choice(case)
    return "".join(_mutate_sequence(list(value), rng, depth, mutate_items=False))


def _mutate_sequence(items: list, rng: random.Random, depth: int, mutate_items: bool) -> list:
    items = list(items)
    operations = ["empty", "reverse"] + (["drop", "duplicate", "swap", "single", "sort"] if items else [])
    if mutate_items and items:
        operations += ["item", "grow"]
    operation = rng.choice(operations)
    if operation == "empty":
        return []
    if operation == "reverse":
        return items[::-1]
    if operation == "sort":
        try:
            return sorted(items)
        except TypeError:  # mixed types: no order
            return items[::-1]
    if operation == "single":
        return [copy.deepcopy(rng.choice(items))]
    if operation == "grow" and len(items) < MAX_ITEMS:
        return [*items, _mutate_value(copy.deepcopy(rng.choice(items)), rng, depth + 1)]
    i = rng.randrange(len(items))
    if operation == "drop":
        del items[i]
    elif operation == "duplicate" and len(items) < MAX_ITEMS:
        items.insert(i, copy.deepcopy(items[i]))
    elif operation == "swap":
        j = rng.randrange(len(items))
        items[i], items[j] = items[j], items[i]
    elif operation == "item":
        items[i] = _mutate_value(items[i], rng, depth + 1)
    return items


def mutate_inputs(seeds: Sequence[list], count: int, seed: int, key: str = "") -> list[list]:
    """Up to `count` new argument lists (none equal to a seed or to each other), seeded per `key`."""
    if count < 0:
        raise ValueError(f"count must not be negative, got {count}")
    rng = random.Random(f"{seed}\x00{key}")
    pool = [list(s) for s in seeds if s]
    seen = {_key(s) for s in seeds}
    made: list[list] = []
    for _ in range(count * 20):  # attempts: most draws are new, some repeat
        if len(made) >= count or not pool:
            break
        base = rng.choice(pool)
        position = rng.randrange(len(base))
        candidate = [*base[:position], _mutate_value(copy.deepcopy(base[position]), rng), *base[position + 1 :]]
        key_ = _key(candidate)
        if key_ is None or key_ in seen:
            continue
        seen.add(key_)
        made.append(candidate)
        pool.append(candidate)
    return made


def reference_outputs(problem: Problem, inputs: Sequence[list], executor: Executor) -> list[TestCase]:
    """Call-style tests: each input with the reference's return value; inputs on which the
    reference fails (any status but ok, or a value JSON cannot carry) are dropped."""
    if not inputs or not problem.reference_solution or not problem.fn_name:
        return []
    cases = tuple(TestCase(json.dumps(args), "") for args in inputs)
    probe = replace(problem, test_style=TestStyle.CALL, tests=cases)
    response = executor.run(build_request(probe, problem.reference_solution, VerifySettings()), request_timeout(probe))
    kept = []
    for result in response.get("tests", []):
        if result.get("status") != "ok":
            continue
        try:
            output = json.dumps(result["returned"], allow_nan=False)
        except (TypeError, ValueError):
            continue
        kept.append(TestCase(cases[result["index"]].input, output))
    return kept


def problem_seeds(problem: Problem) -> list[list]:
    """The argument lists a call- or assert-style problem's own tests use."""
    style = TestStyle(problem.test_style)
    if style is TestStyle.CALL:
        seeds = []
        for test in problem.tests:
            try:
                args = json.loads(test.input)
            except ValueError:
                continue
            if isinstance(args, list):
                seeds.append(args)
        return seeds
    if style is TestStyle.ASSERT:
        return [args for test in problem.tests for args in seed_inputs(test.input)]
    return []  # stdin problems need an input generator (not built yet)


def amplified_problem(
    problem: Problem, executor: Executor, count: int, seed: int = 0, max_tests: int | None = None
) -> Problem | None:
    """The problem with call-style tests on its seed inputs and `count` mutated ones (at most
    `max_tests`, seeds first), every expected output the reference's, marked `tests_from: amplified`
    in its metadata; None when it has no seed input, function name or reference."""
    seeds = problem_seeds(problem)
    if not seeds or not problem.fn_name or not problem.reference_solution:
        return None
    inputs = (seeds + mutate_inputs(seeds, count, seed, problem.id))[:max_tests]
    tests = reference_outputs(problem, inputs, executor)
    if not tests:
        return None
    note = {"tests_from": "amplified", "seed_inputs": len(seeds), "mutated_inputs": count, "seed": seed,
            "dropped_by_reference": len(inputs) - len(tests)}  # fmt: skip
    return replace(problem, test_style=TestStyle.CALL, tests=tuple(tests), metadata_json=with_note(problem, note))


def with_note(problem: Problem, note: dict, key: str = "tests") -> str:
    """The problem's metadata JSON with `note` under `key` (the source's own metadata kept)."""
    try:
        data = json.loads(problem.metadata_json or "{}")
    except ValueError:
        data = {}
    data = data if isinstance(data, dict) else {"source_metadata": data}
    return json.dumps({**data, key: note}, sort_keys=True)
