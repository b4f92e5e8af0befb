"""What every problem source provides, and the loop that turns raw rows into Problems.

A source is a `SourceSpec`: where `datasets.load_dataset` finds it, its license, and a
`normalize(row) -> Problem` function. Normalizers are pure; they raise `MalformedRow`
(field + reason) for bad input, and `normalize_rows` turns every failure into a
`QuarantineRow`, so one bad row never stops a run and never disappears silently.
"""

from __future__ import annotations

import ast
import itertools
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from schemas import Problem, QuarantineRow, SchemaError, TestCase, TestStyle, validate

PREVIEW_CHARS = 300


class MalformedRow(ValueError):
    """A raw source row that cannot become a Problem. `field` names the source column."""

    def __init__(self, field: str, reason: str):
        self.field, self.reason = field, reason
        super().__init__(f"{field}: {reason}")


TestSet = tuple[TestStyle, tuple[TestCase, ...], str | None]


@dataclass(frozen=True)
class SourceSpec:
    name: str  # registry key; becomes Problem.source
    hub_path: str  # first argument of datasets.load_dataset
    normalize: Callable[[dict], Problem]
    license: str
    hub_kwargs: dict = field(default_factory=dict)  # name=..., data_files=..., etc.
    default_split: str = "train"
    id_column: str = ""  # raw column holding the source's id, for quarantine rows
    package_rows: Callable[[], Iterable[dict]] | None = None  # offline copy shipped in a package
    # (distribution that ships them, the files package_rows reads, the folder they are named from)
    package_files: Callable[[], tuple[str, list[Path], Path]] | None = None
    dataset: str = ""  # the Hub repo id recorded on each problem; default: hub_path
    # (id column, statement column): enough to decontaminate against the source as a benchmark
    # without decoding its tests (LiveCodeBench's private tests are GBs)
    statement_fields: tuple[str, str] | None = None
    # release tag -> the files of that release (LiveCodeBench's release_v1 ... release_latest)
    version_files: Callable[[str], list[str]] | None = None
    date_column: str = ""  # a column of ISO dates rows can be selected by (date_from / date_to)

    def problem(self, source_id: str, statement: str, tests: TestSet, **fields) -> Problem:
        """A Problem of this source: id, source, license and dataset filled in; `tests` is
        (style, cases, fn_name)."""
        style, cases, fn_name = tests
        fields.setdefault("fn_name", fn_name)
        return Problem(
            id=f"{self.name}/{source_id}",
            source=self.name,
            source_id=source_id,
            statement=statement,
            test_style=style,
            tests=cases,
            license=self.license,
            dataset=self.dataset or self.hub_path,
            **fields,
        )


@dataclass
class NormalizedSource:
    problems: list[Problem]
    quarantine: list[QuarantineRow]
    row_indices: list[int] = field(default_factory=list)  # the source row of each problem


def normalize_rows(spec: SourceSpec, rows: Iterable[dict | BaseException], start: int = 0) -> NormalizedSource:
    """Normalize and validate every row; failures become quarantine rows with the reason.

    `rows` may contain exceptions in place of rows (a line that was not valid UTF-8 or JSON);
    they are quarantined like any other bad row. `start` is the index of the first row (batches).
    """
    problems: list[Problem] = []
    quarantine: list[QuarantineRow] = []
    indices: list[int] = []
    for index, row in enumerate(rows, start=start):
        if isinstance(row, BaseException):
            quarantine.append(_quarantine(spec, index, None, _field_of(row), str(row)))
            continue
        try:
            problems.append(validate(spec.normalize(row)))
            indices.append(index)
        except MalformedRow as err:
            quarantine.append(_quarantine(spec, index, row, err.field, err.reason))
        except SchemaError as err:
            quarantine.append(_quarantine(spec, index, row, err.field, err.message))
        except Exception as err:  # noqa: BLE001 - an unforeseen row shape must not kill the run
            quarantine.append(_quarantine(spec, index, row, "<row>", f"{type(err).__name__}: {err}"))
    return NormalizedSource(problems, quarantine, indices)


def _field_of(err: BaseException) -> str:
    return getattr(err, "field", "<row>")  # MalformedRow and JsonlLineError name the field


def _quarantine(spec: SourceSpec, index: int, row: dict | None, field_name: str, reason: str) -> QuarantineRow:
    raw_id = str(row.get(spec.id_column, "")) if (row is not None and spec.id_column) else ""
    preview = "" if row is None else _preview(row)
    return QuarantineRow(spec.name, index, raw_id, field_name, reason, preview)


def _preview(row: dict) -> str:
    text = json.dumps(row, default=repr, ensure_ascii=True)
    return text[:PREVIEW_CHARS]


BUILDERS = ("json", "arrow", "parquet", "csv")  # packaged loaders: their files come in data_files


def _rebase(files, prefix: str, root: str):
    """hf://datasets/OWNER/NAME/... paths of `files` (str, list or dict) moved under `root`."""
    if isinstance(files, dict):
        return {key: _rebase(value, prefix, root) for key, value in files.items()}
    if isinstance(files, list):
        return [_rebase(value, prefix, root) for value in files]
    return files.replace(prefix, root.rstrip("/"), 1) if isinstance(files, str) else files


def hub_location(
    spec: SourceSpec, split: str, root: str | None = None, version: str | None = None, revision: str | None = None
) -> tuple[str, dict]:
    """(path, kwargs) of `datasets.load_dataset` for one split of the source: only that split's
    files are named (only one release's with `version`), and with `root` (a local folder laid out
    like the Hub repo) every file comes from there instead of the Hub. `revision` pins the Hub commit:
    in the `hf://` paths of a packaged builder's files (`repo@revision/...`), else as load_dataset's own."""
    kwargs = dict(spec.hub_kwargs)
    if version is not None:
        if spec.version_files is None:
            raise ValueError(f"source {spec.name} has no releases to choose from (version_tag {version!r})")
        kwargs["data_files"] = {split: spec.version_files(version)}
    files = kwargs.get("data_files")
    if isinstance(files, dict):
        if split not in files:
            raise ValueError(f"source {spec.name} has no split {split!r}; its splits: {sorted(files)}")
        kwargs["data_files"] = {split: files[split]}
    path = spec.hub_path
    if root is not None:
        if "data_files" in kwargs:
            kwargs["data_files"] = _rebase(kwargs["data_files"], f"hf://datasets/{spec.dataset or spec.hub_path}", root)
        if path not in BUILDERS:
            path = root
    elif revision is not None:
        repo = f"hf://datasets/{spec.dataset or spec.hub_path}"
        if path in BUILDERS and "data_files" in kwargs:
            kwargs["data_files"] = _rebase(kwargs["data_files"], repo, f"{repo}@{revision}")
        elif path not in BUILDERS:
            kwargs["revision"] = revision
    return path, kwargs


def load_hub_rows(
    spec: SourceSpec,
    split: str | None = None,
    limit: int | None = None,
    root: str | None = None,
    version: str | None = None,
    revision: str | None = None,
    **overrides,
) -> Iterator[dict]:
    """Rows of one split of the source through the real `datasets.load_dataset` call, streamed:
    only that split's files are opened, and with `limit` reading stops after about that many rows
    (nothing is downloaded or held beyond what is read).

    `overrides` replace `hub_kwargs` (tests point `data_files` at local fixtures this way and keep
    everything else, including the Arrow round trip, exactly as in production).
    """
    import datasets  # heavy import, only when a hub source is actually loaded

    split = split or spec.default_split
    path, kwargs = hub_location(spec, split, root, version, revision)
    path = overrides.pop("hub_path", path)
    kwargs.update(overrides)
    rows = iter(datasets.load_dataset(path, split=split, streaming=True, **kwargs))
    yield from itertools.islice(rows, limit) if limit is not None else rows


def parse_json_field(row: dict, column: str):
    """Decode a column that holds JSON text (APPS/TACO `input_output`), naming it on failure."""
    value = row.get(column)
    if value is None:
        raise MalformedRow(column, "missing")
    if not isinstance(value, str):
        return value  # already decoded (some mirrors store it as a struct)
    try:
        return json.loads(value)
    except ValueError as err:
        raise MalformedRow(column, f"not valid JSON ({err})") from None


def decode_structured_text(text: str, column: str):
    """JSON text, else a Python literal (`{'a': None, 'b': True}`, as some exports write dicts).
    Failing both is a MalformedRow that says what each decoder found."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as err:
        json_error = err
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError) as err:
        literal_error = f"{type(err).__name__}: {err}"
    raise MalformedRow(column, f"neither JSON ({json_error}) nor a Python literal ({literal_error})")


def require_text(row: dict, column: str) -> str:
    value = row.get(column)
    if not isinstance(value, str) or not value.strip():
        raise MalformedRow(column, "missing or empty")
    return value
