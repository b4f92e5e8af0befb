"""What every problem source provides, and the loop that turns raw rows into Problems.

A source is a `SourceSpec`: where `datasets.load_dataset` finds it, its license, and a
`normalize(row) -> Problem` function. Normalizers are pure; they raise `MalformedRow`
(field + reason) for bad input, and `normalize_rows` turns every failure into a
`QuarantineRow`, so one bad row never stops a run and never disappears silently.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

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
    dataset: str = ""  # the Hub repo id recorded on each problem; default: hub_path

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


def normalize_rows(spec: SourceSpec, rows: Iterable[dict | BaseException]) -> NormalizedSource:
    """Normalize and validate every row; failures become quarantine rows with the reason.

    `rows` may contain exceptions in place of rows (a line that was not valid UTF-8 or JSON);
    they are quarantined like any other bad row.
    """
    problems: list[Problem] = []
    quarantine: list[QuarantineRow] = []
    for index, row in enumerate(rows):
        if isinstance(row, BaseException):
            quarantine.append(_quarantine(spec, index, None, _field_of(row), str(row)))
            continue
        try:
            problems.append(validate(spec.normalize(row)))
        except MalformedRow as err:
            quarantine.append(_quarantine(spec, index, row, err.field, err.reason))
        except SchemaError as err:
            quarantine.append(_quarantine(spec, index, row, err.field, err.message))
        except Exception as err:  # noqa: BLE001 - an unforeseen row shape must not kill the run
            quarantine.append(_quarantine(spec, index, row, "<row>", f"{type(err).__name__}: {err}"))
    return NormalizedSource(problems, quarantine)


def _field_of(err: BaseException) -> str:
    return getattr(err, "field", "<row>")  # MalformedRow and JsonlLineError name the field


def _quarantine(spec: SourceSpec, index: int, row: dict | None, field_name: str, reason: str) -> QuarantineRow:
    raw_id = str(row.get(spec.id_column, "")) if (row is not None and spec.id_column) else ""
    preview = "" if row is None else _preview(row)
    return QuarantineRow(spec.name, index, raw_id, field_name, reason, preview)


def _preview(row: dict) -> str:
    text = json.dumps(row, default=repr, ensure_ascii=True)
    return text[:PREVIEW_CHARS]


def load_hub_rows(spec: SourceSpec, split: str | None = None, limit: int | None = None, **overrides) -> Iterator[dict]:
    """Rows of the source through the real `datasets.load_dataset` call.

    `overrides` replace `hub_kwargs` (tests point `data_files` at local fixtures this way and
    keep everything else, including the Arrow round trip, exactly as in production).
    """
    import datasets  # heavy import, only when a hub source is actually loaded

    path = overrides.pop("hub_path", spec.hub_path)
    kwargs = {**spec.hub_kwargs, **overrides}
    dataset = datasets.load_dataset(path, split=split or spec.default_split, **kwargs)
    if limit is not None:
        dataset = dataset.select(range(min(limit, len(dataset))))
    yield from dataset


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


def require_text(row: dict, column: str) -> str:
    value = row.get(column)
    if not isinstance(value, str) or not value.strip():
        raise MalformedRow(column, "missing or empty")
    return value
