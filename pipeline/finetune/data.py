"""The published dataset as training examples.

One config of a Hub-layout folder (or Hub repo) is loaded with `datasets.load_dataset(source,
name=config, split="train")`. Each row becomes a TRL conversational prompt-completion example:
prompt = [user: question], completion = [assistant: response]. The trainer renders both with the
model's own chat template and puts the loss on the completion only (prompt tokens masked), as Z1
did. Mode `length_harmonized` keeps each row's O1-Pruner `weight`.

Errors name what is wrong: the config (missing or empty, with the configs that do exist), the
column, or the row id and column of a row with a missing value.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import pyarrow.parquet as pq

from pipeline.dataset.pruner import PrunerSettings, SampleOutcome, harmonize
from pipeline.finetune.config import FinetuneRecipe, HarmonizeSettings

REPO_ROOT = Path(__file__).resolve().parents[2]
TEXT_COLUMNS = ("id", "question", "response")
WEIGHT_COLUMN = "weight"
RECOMPUTE_COLUMNS = ("id", "problem_id", "token_num", "verdict")
ACCEPTED = "accepted"


class DataError(ValueError):
    pass


def resolve_source(dataset: str) -> str:
    """An existing local folder (as given, else under the repo root) as an absolute path, or the
    string itself when it has the shape of a Hub repo id (`owner/name`)."""
    for candidate in (Path(dataset).expanduser(), REPO_ROOT / dataset):
        if candidate.is_dir():
            return str(candidate.resolve())
    parts = dataset.split("/")
    if len(parts) == 2 and all(parts) and not dataset.startswith((".", "/", "~")):
        return dataset
    raise DataError(
        f"dataset {dataset!r}: no such folder (looked in {Path.cwd()} and {REPO_ROOT}) "
        "and not a Hub repo id (owner/name)"
    )


def local_configs(folder: Path) -> list[str]:
    """Configs of a Hub-layout folder: sub-folders holding `train-*.parquet` shards."""
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and any(p.glob("train-*.parquet")))


def load_config(dataset: str, config: str, limit: int | None = None):
    """One config's `train` split as a `datasets.Dataset`; the first `limit` rows when set.

    A local folder is always re-read (`force_redownload`, no split-size checks) and kept in
    memory: `datasets` keys its cache of a folder by the folder's name and the README's YAML, not
    by the shards, so a rebuilt folder (or another folder with the same card) could load stale
    rows, fail the cached split sizes, or reuse cached `map` results (same fingerprint)."""
    import datasets

    source = resolve_source(dataset)
    folder = Path(source)
    local = folder.is_dir()
    if local:
        _check_local_config(folder, config)
    options = (
        {"download_mode": "force_redownload", "verification_mode": "no_checks", "keep_in_memory": True} if local else {}
    )
    try:
        try:
            loaded = datasets.load_dataset(source, name=config, split="train", **options)
        except ValueError:
            if not local:
                raise
            # A folder whose README has no `configs:` entry for it: read the shards directly.
            loaded = datasets.load_dataset(
                "parquet", data_files=str(folder / config / "train-*.parquet"), split="train", **options
            )
    except (ValueError, datasets.exceptions.DatasetGenerationError) as err:
        raise DataError(f"dataset {source}: cannot load config {config!r}: {err}") from None
    if len(loaded) == 0:
        raise DataError(f"dataset {source}: config {config!r} is empty")
    return loaded.select(range(min(limit, len(loaded)))) if limit else loaded


def _check_local_config(folder: Path, config: str) -> None:
    available = local_configs(folder)
    if config not in available:
        raise DataError(
            f"dataset {folder}: config {config!r} not found (no {config}/train-*.parquet); "
            f"configs present: {available} (the pipeline writes no folder for an empty config)"
        )
    shards = sorted((folder / config).glob("train-*.parquet"))
    if sum(pq.ParquetFile(shard).metadata.num_rows for shard in shards) == 0:
        raise DataError(f"dataset {folder}: config {config!r} is empty ({len(shards)} shard(s), 0 rows)")


def required_columns(mode: str, weights: str = "dataset") -> tuple[str, ...]:
    return TEXT_COLUMNS + ((WEIGHT_COLUMN,) if mode == "length_harmonized" and weights == "dataset" else ())


def check_columns(columns: Sequence[str], required: Sequence[str], where: str) -> None:
    missing = [c for c in required if c not in columns]
    if missing:
        raise DataError(f"{where}: column(s) {missing} missing; columns present: {list(columns)}")


def to_example(row: Mapping, with_weight: bool = False) -> dict:
    """One row as a conversational prompt-completion example (+ `weight`), or a DataError that
    names the row id and the column."""
    row_id = row.get("id") or "<no id>"
    for column in TEXT_COLUMNS[1:] + ((WEIGHT_COLUMN,) if with_weight else ()):
        value = row.get(column)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise DataError(f"row {row_id!r}: column {column!r} is missing or empty")
    example = {
        "prompt": [{"role": "user", "content": row["question"]}],
        "completion": [{"role": "assistant", "content": row["response"]}],
    }
    if with_weight:
        weight = row[WEIGHT_COLUMN]
        if not isinstance(weight, (int, float)) or not math.isfinite(weight):
            raise DataError(f"row {row_id!r}: column {WEIGHT_COLUMN!r} must be a finite number, got {weight!r}")
        example[WEIGHT_COLUMN] = float(weight)
    return example


def recomputed_weights(rows: Iterable[Mapping], settings: HarmonizeSettings) -> dict[str, float]:
    """O1-Pruner weights from the rows themselves: each problem's rows are its samples (L_ref,
    A_ref over them), R with `lam`, clipped to `weight_clip`, z-normalised; every row kept."""
    outcomes = []
    for row in rows:
        for column in RECOMPUTE_COLUMNS:
            if row.get(column) is None:
                raise DataError(
                    f"row {row.get('id') or '<no id>'!r}: column {column!r} is missing "
                    "(needed by harmonize.weights: recompute)"
                )
        outcomes.append(SampleOutcome(row["id"], row["problem_id"], int(row["token_num"]), row["verdict"] == ACCEPTED))
    low, high = settings.weight_clip
    try:
        harmonized = harmonize(
            outcomes, PrunerSettings(lam=settings.lam, clip_low=low, clip_high=high, keep_per_problem=None)
        )
    except ValueError as err:
        raise DataError(f"harmonize.weights: recompute: {err}") from None
    return {h.sample_id: h.weight for h in harmonized}


def to_examples(dataset, mode: str, settings: HarmonizeSettings | None = None, where: str = "dataset"):
    """The loaded config as a `datasets.Dataset` of prompt/completion (+ weight) examples."""
    settings = settings or HarmonizeSettings()
    recompute = mode == "length_harmonized" and settings.weights == "recompute"
    if mode == "length_harmonized" and not recompute and WEIGHT_COLUMN not in dataset.column_names:
        raise DataError(
            f"{where}: column {WEIGHT_COLUMN!r} missing: mode length_harmonized reads it from the "
            "length_harmonized config (or set harmonize.weights: recompute)"
        )
    check_columns(
        dataset.column_names, required_columns(mode, settings.weights) + (RECOMPUTE_COLUMNS if recompute else ()), where
    )
    if recompute:
        weights = recomputed_weights(dataset.select_columns(list(RECOMPUTE_COLUMNS)), settings)
        dataset = dataset.map(
            lambda row: {WEIGHT_COLUMN: weights[row["id"]]},
            remove_columns=[WEIGHT_COLUMN] if WEIGHT_COLUMN in dataset.column_names else None,
        )
    with_weight = mode == "length_harmonized"
    return dataset.map(
        to_example,
        fn_kwargs={"with_weight": with_weight},
        remove_columns=dataset.column_names,
        desc="prompt/completion examples",
    )


def training_examples(recipe: FinetuneRecipe):
    """Load the recipe's dataset config and convert it for the recipe's mode."""
    loaded = load_config(recipe.dataset, recipe.dataset_config, recipe.limit)
    return to_examples(
        loaded, recipe.mode, recipe.harmonize, where=f"dataset {recipe.dataset} config {recipe.dataset_config!r}"
    )


def dataset_fingerprint(dataset: str, config: str) -> str | None:
    """sha256 over a local config's shard files (names and bytes), so a rebuilt folder is told
    apart from the one a finished run trained on; None for a Hub repo (not downloaded here)."""
    try:
        folder = Path(resolve_source(dataset))
    except DataError:
        return None
    if not folder.is_dir():
        return None
    digest = hashlib.sha256()
    for shard in sorted((folder / config).glob("train-*.parquet")):
        digest.update(shard.name.encode() + b"\0")
        with shard.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()
