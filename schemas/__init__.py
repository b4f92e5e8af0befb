"""Record types, their pyarrow schemas and the single validation entry point."""

from schemas.arrow import SCHEMAS, from_table, read_parquet, to_table, write_parquet
from schemas.records import (
    DatasetRow,
    Dropped,
    Problem,
    Profile,
    QuarantineRow,
    RemovalRow,
    RemovalStage,
    Split,
    TestCase,
    TestResult,
    TestStyle,
    Trajectory,
    Verdict,
    Verification,
)
from schemas.validate import SchemaError, validate

__all__ = [
    "SCHEMAS",
    "DatasetRow",
    "Dropped",
    "Problem",
    "Profile",
    "QuarantineRow",
    "RemovalRow",
    "RemovalStage",
    "SchemaError",
    "Split",
    "TestCase",
    "TestResult",
    "TestStyle",
    "Trajectory",
    "Verdict",
    "Verification",
    "from_table",
    "read_parquet",
    "to_table",
    "validate",
    "write_parquet",
]
