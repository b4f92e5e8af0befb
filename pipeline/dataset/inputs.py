"""The assembly's inputs as polars frames, checked before anything is built.

Stage files are parquet with the schemas of `schemas.arrow`; the build scans only the columns it
needs. Every file's column types are checked against the declared schema, ids must be unique, and
the values a false "accepted" could hide behind are checked column-wise: an error names the file
or record and the field.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

from pipeline.common.layout import ManifestError
from schemas import SCHEMAS, Problem, Profile, Trajectory, Verdict, Verification
from schemas.validate import SchemaError

TRAJECTORY_COLUMNS = ("id", "problem_id", "profile", "teacher_model", "params_hash", "completion_tokens", "truncated",
                      "finish_reason")  # fmt: skip
VERIFICATION_COLUMNS = ("solution_id", "verdict", "passed", "total")
PROBLEM_COLUMNS = ("id", "source", "verifiable")


def check_columns(path: Path, record_type: type, columns: Sequence[str]) -> None:
    """Each column present with its declared Arrow type (a string where an int belongs is an error)."""
    declared, found = SCHEMAS[record_type], pq.read_schema(path)
    for name in columns:
        if name not in found.names:
            raise SchemaError(record_type.__name__, str(path), name, "column missing from the file")
        want, got = declared.field(name).type, found.field(name).type
        if got != want:
            raise SchemaError(record_type.__name__, str(path), name, f"column type {got}, expected {want}")


def scan(paths: Sequence[Path], record_type: type, columns: Sequence[str]) -> pl.LazyFrame:
    """The listed columns of every file, in file order; an empty frame of the right types for none."""
    for path in paths:
        check_columns(path, record_type, columns)
    if not paths:
        return pl.from_arrow(SCHEMAS[record_type].empty_table()).lazy().select(columns)
    return pl.scan_parquet([str(p) for p in paths]).select(columns)


def require_unique_ids(frame: pl.DataFrame, column: str, what: str) -> None:
    """Fail at a hand-off when an id appears twice (a later row would silently win)."""
    counts = frame.group_by(column).len().filter(pl.col("len") > 1)
    if counts.height:
        examples = sorted(counts[column].to_list())[:3]
        raise ManifestError(f"{what}: {counts.height} duplicated id(s), e.g. {examples}")


def _first_bad(frame: pl.DataFrame, condition: pl.Expr, kind: str, id_column: str, field: str, message: str) -> None:
    bad = frame.filter(condition)
    if bad.height:
        raise SchemaError(kind, bad[id_column][0], field, f"{message} ({bad.height} row(s))")


def check_trajectories(frame: pl.DataFrame) -> None:
    profiles = [p.value for p in Profile]
    _first_bad(frame, ~pl.col("profile").is_in(profiles), "Trajectory", "id", "profile", f"must be one of {profiles}")
    _first_bad(frame, pl.col("completion_tokens") < 0, "Trajectory", "id", "completion_tokens", "must not be negative")
    for name in ("id", "problem_id", "teacher_model"):
        _first_bad(frame, pl.col(name).str.strip_chars() == "", "Trajectory", "id", name, "must not be empty")


def check_verifications(frame: pl.DataFrame) -> None:
    verdicts = [v.value for v in Verdict]
    kind = "Verification"
    _first_bad(frame, ~pl.col("verdict").is_in(verdicts), kind, "solution_id", "verdict", f"must be one of {verdicts}")
    outside = (pl.col("passed") < 0) | (pl.col("passed") > pl.col("total"))
    _first_bad(frame, outside, kind, "solution_id", "passed", "must be within 0..total")
    false_accept = (pl.col("verdict") == Verdict.ACCEPTED.value) & (
        (pl.col("total") <= 0) | (pl.col("passed") != pl.col("total"))
    )
    _first_bad(frame, false_accept, kind, "solution_id", "verdict", "accepted needs every test passed")


def read_trajectories(paths: Sequence[Path], what: str) -> pl.DataFrame:
    """The narrow trajectory columns plus `row_index`, the position across the files in order."""
    frame = scan(paths, Trajectory, TRAJECTORY_COLUMNS).with_row_index("row_index").collect()
    require_unique_ids(frame, "id", what)
    check_trajectories(frame)
    return frame


def read_verifications(paths: Sequence[Path], what: str) -> pl.DataFrame:
    frame = scan(paths, Verification, VERIFICATION_COLUMNS).collect()
    require_unique_ids(frame, "solution_id", what)
    check_verifications(frame)
    return frame


def read_problem_sources(path: Path) -> pl.DataFrame:
    frame = scan([path], Problem, PROBLEM_COLUMNS).collect()
    require_unique_ids(frame, "id", "problems (train)")
    return frame
