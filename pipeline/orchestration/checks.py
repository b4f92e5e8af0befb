"""Asset checks: the files an asset wrote are re-read and held to their schema."""

import dagster as dg
import pyarrow.parquet as pq

from pipeline.common.layout import ManifestError
from pipeline.orchestration.resources import TrajforgeStorage
from schemas import Problem, SchemaError, from_table, validate
from schemas.arrow import PROBLEM_SCHEMA


def _read_problems(storage: TrajforgeStorage) -> tuple[dict[str, list[Problem]], list[str]]:
    """Problems per file, and schema mismatches found on the way."""
    by_file, mismatches = {}, []
    layout = storage.layout
    try:
        layout.read_manifest("problems")
    except ManifestError as err:  # a file changed after the stage wrote it: reported, then read as it is
        mismatches.append(str(err))
    for name in ("train", "eval"):
        table = pq.read_table(layout.problems_file(name))
        if not table.schema.equals(PROBLEM_SCHEMA, check_metadata=False):
            mismatches.append(f"{name}: arrow schema differs from PROBLEM_SCHEMA")
        by_file[name] = from_table(table, Problem)
    return by_file, mismatches


@dg.asset_check(asset="problems")
def problems_schema_valid(storage: TrajforgeStorage) -> dg.AssetCheckResult:
    """Both split files carry the Problem schema and every record passes schemas.validate()."""
    by_file, errors = _read_problems(storage)
    checked = 0
    for name, problems in by_file.items():
        for problem in problems:
            checked += 1
            try:
                validate(problem)
            except SchemaError as err:
                errors.append(f"{name}: {err}")
    return dg.AssetCheckResult(
        passed=not errors, metadata={"records_checked": checked, "errors": "\n".join(errors[:20]) or "none"}
    )


@dg.asset_check(asset="problems")
def problems_have_tests(storage: TrajforgeStorage) -> dg.AssetCheckResult:
    """Every verifiable problem has at least one test, every evaluation problem is verifiable, no id is in both
    splits."""
    by_file, _ = _read_problems(storage)
    train, evaluation = by_file["train"], by_file["eval"]
    untested = [p.id for p in train + evaluation if p.verifiable and not p.tests]
    unverifiable_eval = [p.id for p in evaluation if not p.verifiable]
    overlap = sorted({p.id for p in train} & {p.id for p in evaluation})
    failures = {"without tests": untested, "unverifiable in eval": unverifiable_eval, "in both splits": overlap}
    passed = not any(failures.values())
    return dg.AssetCheckResult(
        passed=passed,
        metadata={
            "unverifiable_train": sum(not p.verifiable for p in train),
            **{k: ", ".join(v[:20]) or "none" for k, v in failures.items()},
        },
    )


PROBLEM_CHECKS = [problems_schema_valid, problems_have_tests]
