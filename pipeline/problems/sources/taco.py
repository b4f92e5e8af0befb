"""TACO (BAAI/TACO): 26,443 algorithmic problems (APPS plus CodeChef, Codeforces, HackerRank, ...).

Columns: question, solutions (JSON text: list of Python programs), starter_code,
input_output (JSON text, the APPS format: `{"inputs", "outputs"}` plus `"fn_name"` for
call-based problems), difficulty ("EASY" ... "VERY_HARD", "UNKNOWN_DIFFICULTY"), raw_tags,
name, source, tags, skill_types (Python-literal list text), url, Expected Auxiliary Space,
time_limit ("2 seconds"), date, picture_num, memory_limit ("256 megabytes"),
Expected Time Complexity.

Tests follow the APPS convention, parsed by `apps.tests_from_input_output`: for call-based
problems `outputs[i]` is usually `[value]` (a one-element list wrapping the return value) and
is kept verbatim as JSON; the sandbox judge handles the wrapping. LeetCode-style problems keep
their `class Solution` stub in `starter_code`.

TACO has no id column: `source_id` is `content_id(question)` ("q-" + xxh3-64 of the text).

The Hub repo still ships its loading script (`TACO.py`), which `datasets` no longer runs
(`load_dataset("BAAI/TACO")` raises "Dataset scripts are no longer supported"), so the spec
reads the script's own data files, the `save_to_disk` Arrow shards under `train/` and `test/`,
with the packaged "arrow" builder. (`ALL/*.parquet` is an older export that predates the
test-set fixes.)
"""

from __future__ import annotations

import ast
import re

from pipeline.problems.sources.apps import first_solution, load_input_output, tests_from_input_output
from pipeline.problems.sources.base import SourceSpec, require_text
from pipeline.problems.sources.tests_format import content_id, difficulty_label, metadata_json, problem_default
from schemas import Problem

HUB_PATH = "BAAI/TACO"
HUB_FILES = {
    "train": f"hf://datasets/{HUB_PATH}/train/*.arrow",
    "test": f"hf://datasets/{HUB_PATH}/test/*.arrow",
}
LICENSE = "Apache-2.0"
DEFAULT_TIME_LIMIT_S = problem_default("time_limit_s")
DEFAULT_MEMORY_LIMIT_MB = problem_default("memory_limit_mb")

_SECONDS = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:s|sec|secs|second|seconds)\b", re.IGNORECASE)
_MEGABYTES = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:mb|mib|megabytes?)\b", re.IGNORECASE)


def time_limit_seconds(text) -> float:
    """'2 seconds' -> 2.0; anything unparseable ('None', '', null) -> the default."""
    match = _SECONDS.match(text) if isinstance(text, str) else None
    value = float(match.group(1)) if match else 0.0
    return value if value > 0 else DEFAULT_TIME_LIMIT_S


def memory_limit_megabytes(text) -> int:
    """'256 megabytes' -> 256; anything unparseable -> the default."""
    match = _MEGABYTES.match(text) if isinstance(text, str) else None
    value = round(float(match.group(1))) if match else 0
    return value if value > 0 else DEFAULT_MEMORY_LIMIT_MB


def literal_list(text) -> list | str | None:
    """TACO stores tag lists as Python-literal text ("['Sorting']"); kept raw if it is not one."""
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return text
    return value if isinstance(value, list) else text


def _metadata(row: dict) -> str:
    return metadata_json(
        name=row.get("name") or None,
        source=row.get("source") or None,
        url=row.get("url") or None,
        date=row.get("date") or None,
        picture_num=row.get("picture_num") or None,
        raw_tags=literal_list(row.get("raw_tags")),
        tags=literal_list(row.get("tags")),
        skill_types=literal_list(row.get("skill_types")),
        expected_time_complexity=row.get("Expected Time Complexity") or None,
        expected_auxiliary_space=row.get("Expected Auxiliary Space") or None,
        time_limit=row.get("time_limit") or None,
        memory_limit=row.get("memory_limit") or None,
    )


def normalize(row: dict) -> Problem:
    question = require_text(row, "question")
    tests = tests_from_input_output(load_input_output(row), row.get("starter_code") or "")
    limits = {
        "time_limit_s": time_limit_seconds(row.get("time_limit")),
        "memory_limit_mb": memory_limit_megabytes(row.get("memory_limit")),
    }
    extras = {
        "starter_code": row.get("starter_code") or "",
        "difficulty": difficulty_label(row.get("difficulty")),
        "reference_solution": first_solution(row),
        "metadata_json": _metadata(row),
    }
    return SPEC.problem(content_id(question), question, tests, **limits, **extras)


SPEC = SourceSpec("taco", "arrow", normalize, LICENSE, hub_kwargs={"data_files": HUB_FILES}, dataset=HUB_PATH)
