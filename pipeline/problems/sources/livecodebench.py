"""LiveCodeBench (livecodebench/code_generation_lite): dated LeetCode/AtCoder/Codeforces problems.

Columns: question_title, question_content, platform, question_id, contest_id, contest_date,
starter_code, difficulty ("easy"/"medium"/"hard"), public_test_cases (JSON text: a list of
`{"input", "output", "testtype": "stdin" | "functional"}`), private_test_cases (the same JSON
text, or compressed as base64(zlib(pickle(JSON text)))), metadata (JSON text; `{"func_name"}`
for functional problems).

Functional (LeetCode) tests: `input` holds one JSON value per line, one line per argument, and
becomes a JSON array of arguments; `output` is one JSON value. The solution is a method of
`class Solution` (the stub is kept in `starter_code`). Stdin tests are kept verbatim.

The compressed blobs are decoded with a restricted unpickler that only builds plain
str/bytes/list/dict values: every global lookup (the way a pickle runs code) is refused and
the row is quarantined. `pickle.loads` is never called on downloaded data.

The Hub repo ships a loading script (`code_generation_lite.py`) that `datasets` no longer runs,
next to one JSONL file per release window (test.jsonl = v1, test2.jsonl ... test6.jsonl = the
later additions). The spec reads them with the packaged "json" builder as one "train" split:
every `test*.jsonl` by default (release_latest), or one release with a recipe's `version_tag`
(`version_files`); `date_from` / `date_to` select by `contest_date`. As a decontamination
benchmark only `question_id` and `question_content` are read (`statement_fields`): the private
tests, ~4.5 GB decompressed, are decoded only when LiveCodeBench is a training source, one
problem at a time as the rows stream.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import pickle
import re
import zlib

from pipeline.problems.sources.base import MalformedRow, SourceSpec, parse_json_field, require_text
from pipeline.problems.sources.tests_format import (
    decode_json_text,
    difficulty_label,
    json_text,
    metadata_json,
)
from schemas import Problem, TestCase, TestStyle

HUB_PATH = "livecodebench/code_generation_lite"
# release_latest: every release file there is (test.jsonl = v1, test2.jsonl ... = later additions)
HUB_FILES = {"train": f"hf://datasets/{HUB_PATH}/test*.jsonl"}


def release_file(number: int) -> str:
    return f"hf://datasets/{HUB_PATH}/test{'' if number == 1 else number}.jsonl"


def version_files(tag: str) -> list[str]:
    """LiveCodeBench's version tags: release_vN (v1 to vN, cumulative), vN (that release alone),
    vN_vM (releases N to M), release_latest (every release file)."""
    match = re.fullmatch(r"release_v(\d+)|v(\d+)(?:_v(\d+))?|(release_latest)", tag)
    if match is None:
        raise ValueError(f"unknown LiveCodeBench version_tag {tag!r}: use release_vN, vN, vN_vM or release_latest")
    cumulative, first, last, latest = match.groups()
    if latest:
        return [HUB_FILES["train"]]
    low, high = (1, int(cumulative)) if cumulative else (int(first), int(last or first))
    if not 1 <= low <= high:
        raise ValueError(f"LiveCodeBench version_tag {tag!r}: releases are numbered from 1 upward")
    return [release_file(n) for n in range(low, high + 1)]


LICENSE = "cc"
PUBLIC, PRIVATE = "public_test_cases", "private_test_cases"
PLAIN_TYPES = (str, bytes, list, dict)


class _PlainDataUnpickler(pickle.Unpickler):
    """Plain str/bytes/list/dict pickles need no globals; every global lookup is refused."""

    def find_class(self, module: str, name: str):
        raise pickle.UnpicklingError(f"global {module}.{name} is not allowed")


def restricted_loads(data: bytes):
    """Unpickle plain data only: no global can be looked up, so no callable can run."""
    value = _PlainDataUnpickler(io.BytesIO(data)).load()
    if not isinstance(value, PLAIN_TYPES):
        raise pickle.UnpicklingError(f"unpickled a {type(value).__name__}, not plain data")
    return value


def decode_test_cases(text, column: str) -> list:
    """A test-case list from plain JSON text or the base64/zlib/pickle/JSON compressed form."""
    if not isinstance(text, str) or not text.strip():
        raise MalformedRow(column, "missing or empty")
    try:
        cases = json.loads(text)
    except ValueError:
        cases = _decode_compressed(text, column)
    if not isinstance(cases, list):
        raise MalformedRow(column, f"must be a list of test cases, got {type(cases).__name__}")
    return cases


def _decode_compressed(text: str, column: str):
    try:
        data = zlib.decompress(base64.b64decode(text.encode("ascii"), validate=True))
    except (binascii.Error, UnicodeEncodeError, zlib.error) as err:
        raise MalformedRow(column, f"neither JSON nor base64/zlib data ({err})") from None
    try:
        payload = restricted_loads(data)
    except Exception as err:  # noqa: BLE001 - any malformed or hostile pickle is a malformed row
        raise MalformedRow(column, f"compressed test cases rejected ({type(err).__name__}: {err})") from None
    if isinstance(payload, bytes):
        payload = payload.decode("utf-8", errors="replace")
    return decode_json_text(payload, column) if isinstance(payload, str) else payload


def functional_args(text, column: str) -> str:
    """'[1, 2]\\n3' (one JSON value per line) -> '[[1, 2], 3]'."""
    if not isinstance(text, str):
        raise MalformedRow(column, f"functional input must be text, got {type(text).__name__}")
    return json_text([decode_json_text(line, column) for line in text.split("\n") if line.strip()])


def to_test_case(case, column: str) -> tuple[TestStyle, TestCase]:
    if not isinstance(case, dict):
        raise MalformedRow(column, f"test case must be an object, got {type(case).__name__}")
    kind, given, expected = case.get("testtype"), case.get("input"), case.get("output")
    if kind == "functional":
        return TestStyle.CALL, TestCase(functional_args(given, column), json_text(decode_json_text(expected, column)))
    if kind == "stdin" and isinstance(given, str) and isinstance(expected, str):
        return TestStyle.STDIN, TestCase(given, expected)
    raise MalformedRow(column, f"unsupported test case (testtype {kind!r})")


def collect_tests(row: dict) -> tuple[TestStyle, tuple[TestCase, ...], dict[str, int]]:
    converted = {
        column: [to_test_case(case, column) for case in decode_test_cases(row.get(column), column)]
        for column in (PUBLIC, PRIVATE)
    }
    styled = converted[PUBLIC] + converted[PRIVATE]
    styles = {style for style, _ in styled}
    if not styled:
        raise MalformedRow(PUBLIC, "no public or private tests")
    if len(styles) > 1:
        raise MalformedRow(PRIVATE, "mixes stdin and functional tests")
    counts = {column.removesuffix("_test_cases"): len(converted[column]) for column in converted}
    return styles.pop(), tuple(test for _, test in styled), counts


def function_name(row: dict, style: TestStyle) -> str | None:
    if style is not TestStyle.CALL:
        return None
    meta = parse_json_field(row, "metadata") if row.get("metadata") else {}
    name = meta.get("func_name") if isinstance(meta, dict) else None
    if not isinstance(name, str) or not name.isidentifier():
        raise MalformedRow("metadata", f"functional tests need metadata.func_name, got {name!r}")
    return name


def normalize(row: dict) -> Problem:
    question_id = require_text(row, "question_id")
    statement = require_text(row, "question_content")
    style, tests, counts = collect_tests(row)
    about = {key: row.get(key) or None for key in ("question_title", "platform", "contest_id")}
    extras = {"starter_code": row.get("starter_code") or "", "difficulty": difficulty_label(row.get("difficulty"))}
    meta = metadata_json(**about, contest_date=row.get("contest_date"), test_counts=counts)
    return SPEC.problem(question_id, statement, (style, tests, function_name(row, style)), metadata_json=meta, **extras)


SPEC = SourceSpec(
    "livecodebench",
    "json",
    normalize,
    LICENSE,
    hub_kwargs={"data_files": HUB_FILES},
    id_column="question_id",
    dataset=HUB_PATH,
    statement_fields=("question_id", "question_content"),
    version_files=version_files,
    date_column="contest_date",
)
