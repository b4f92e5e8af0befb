"""Where every file of a run lives, and the manifests stages hand off through.

`DataLayout` is the only place that spells out a path under the data folder. A stage that
writes files records them in a manifest (relative path, row count, sha256); the next stage reads
the manifests it expects, never a glob, so a file left by an earlier run (another shard count,
another recipe) cannot leak in. Reading a manifest checks each file's hash: a file changed or
removed after it was written is an error that names it.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from schemas.atomic import atomic_write_text

REPO_ROOT = Path(__file__).resolve().parents[2]
MANIFEST_VERSION = 1


def default_data_root() -> Path:
    return Path(os.environ.get("TRAJFORGE_DATA") or REPO_ROOT / "data")


def shard_name(index: int) -> str:
    return f"shard-{index:03d}"


class ManifestError(RuntimeError):
    """A stage's hand-off is missing, stale or inconsistent."""


@dataclass(frozen=True)
class ManifestFile:
    path: str  # relative to the data root
    rows: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    stage: str
    key: str  # shard name, or "all" for unpartitioned stages
    files: tuple[ManifestFile, ...]
    version: int = MANIFEST_VERSION

    @property
    def rows(self) -> int:
        return sum(f.rows for f in self.files)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class DataLayout:
    """Every path under one data folder."""

    root: Path

    def __init__(self, root: str | Path | None = None):
        object.__setattr__(self, "root", Path(root) if root is not None else default_data_root())

    # problems stage
    def problems_file(self, split: str) -> Path:
        return self.root / "problems" / f"{split}.parquet"

    def staging_dir(self, stage: str) -> Path:
        """Scratch files of a stage while it runs (removed when it finishes)."""
        return self.root / "staging" / stage

    # the tests stage, per shard: amplified and synthesized test sets, test strength
    def test_set_store(self, kind: str, shard: str) -> Path:
        """Decisions as they are made (`kind`: amplified or synthesized), for resuming."""
        return self.root / "tests" / kind / f"{shard}.jsonl"

    def test_set_file(self, kind: str, shard: str) -> Path:
        return self.root / "tests" / kind / f"{shard}.parquet"

    def strength_file(self, shard: str) -> Path:
        return self.root / "tests" / "strength" / f"{shard}.parquet"

    # trajectories and verification, per shard
    def trajectory_store(self, shard: str) -> Path:
        return self.root / "trajectories" / f"{shard}.jsonl"

    def trajectories_file(self, shard: str) -> Path:
        return self.root / "trajectories" / f"{shard}.parquet"

    def verification_file(self, shard: str) -> Path:
        return self.root / "verification" / f"{shard}.parquet"

    # O1-Pruner's reference samples (the model being tuned), all shards in one file
    def reference_store(self) -> Path:
        return self.root / "reference" / "samples.jsonl"

    def reference_samples_file(self) -> Path:
        return self.root / "reference" / "samples.parquet"

    def reference_verdicts_file(self) -> Path:
        return self.root / "reference" / "verification.parquet"

    def reference_settings_file(self) -> Path:
        """How the reference samples were drawn (model, K, temperature, top_p, max_tokens)."""
        return self.root / "reference" / "sampled.json"

    def reference_verification_file(self) -> Path:
        return self.root / "verification" / "reference.parquet"

    # dataset and publishing
    def hub_dir(self) -> Path:
        return self.root / "hub"

    def hub_config_dir(self, config: str) -> Path:
        return self.hub_dir() / config

    def hub_configs(self) -> list[str]:
        hub = self.hub_dir()
        return sorted(p.name for p in hub.iterdir() if p.is_dir()) if hub.is_dir() else []

    def card_file(self) -> Path:
        return self.hub_dir() / "README.md"

    # fine-tuning and evaluation
    def finetune_dir(self, name: str) -> Path:
        return self.root / "finetune" / name

    def latest_training_file(self) -> Path:
        return self.root / "finetune" / "latest.json"

    def evaluation_dir(self) -> Path:
        return self.root / "evaluation"

    # reports, dropped records, manifests
    def reports_dir(self) -> Path:
        return self.root / "reports"

    def report(self, name: str) -> Path:
        return self.reports_dir() / name

    def dropped_file(self, stage: str) -> Path:
        return self.reports_dir() / "dropped" / f"{stage}.parquet"

    def manifest_file(self, stage: str, key: str = "all") -> Path:
        return self.root / "manifests" / stage / f"{key}.json"

    def relative(self, path: Path) -> str:
        return Path(path).resolve().relative_to(self.root.resolve()).as_posix()

    def write_manifest(self, stage: str, files: Iterable[tuple[Path, int]], key: str = "all") -> Manifest:
        """Record what `stage` produced: each (file, row count), hashed now."""
        entries = tuple(ManifestFile(self.relative(p), rows, file_sha256(Path(p))) for p, rows in files)
        manifest = Manifest(stage, key, entries)
        atomic_write_text(self.manifest_file(stage, key), json.dumps(asdict(manifest), indent=2))
        return manifest

    def read_manifest(self, stage: str, key: str = "all") -> Manifest:
        path = self.manifest_file(stage, key)
        if not path.exists():
            raise ManifestError(
                f"{stage} [{key}] has not been produced yet ({path} is missing): materialize {stage} for {key} first"
            )
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            manifest = Manifest(
                data["stage"], data["key"], tuple(ManifestFile(**f) for f in data["files"]), data["version"]
            )
        except (ValueError, KeyError, TypeError) as err:
            raise ManifestError(f"{path}: not a trajforge manifest ({err})") from None
        for entry in manifest.files:
            file = self.root / entry.path
            if not file.exists():
                raise ManifestError(f"{path}: {entry.path} is listed but missing")
            if file_sha256(file) != entry.sha256:
                raise ManifestError(f"{path}: {entry.path} changed after {stage} wrote it; re-materialize {stage}")
        return manifest

    def handed_off(self, stage: str, path: Path, key: str = "all") -> Path:
        """`path`, after checking that `stage`'s manifest lists it unchanged."""
        listed = {f.path for f in self.read_manifest(stage, key).files}
        if self.relative(path) not in listed:
            raise ManifestError(f"{path} is not in the {stage} manifest [{key}]; re-materialize {stage}")
        return path

    def dropped_counts(self, stages: Sequence[str]) -> dict[str, int]:
        """'stage: reason' (plus ' (profile)' for a trajectory's removal) -> count, from the
        Dropped records each stage wrote."""
        import pyarrow.parquet as pq

        counts: dict[str, int] = {}
        for stage in stages:
            path = self.dropped_file(stage)
            if path.exists():
                table = pq.read_table(path, columns=["reason", "profile"])
                for reason, profile in zip(table.column("reason").to_pylist(), table.column("profile").to_pylist()):
                    key = f"{stage}: {reason}" + (f" ({profile})" if profile else "")
                    counts[key] = counts.get(key, 0) + 1
        return dict(sorted(counts.items()))

    def manifest_paths(self, stage: str, keys: Sequence[str] = ("all",)) -> list[Path]:
        """The files of `stage` for exactly these keys (shards), in key order."""
        return [self.root / f.path for key in keys for f in self.read_manifest(stage, key).files]


def require_unique(ids: Iterable[str], what: str) -> None:
    """Fail at a hand-off when an id appears twice (a later row would silently win)."""
    seen: set[str] = set()
    duplicates: list[str] = []
    for value in ids:
        if value in seen:
            duplicates.append(value)
        seen.add(value)
    if duplicates:
        raise ManifestError(f"{what}: {len(duplicates)} duplicated id(s), e.g. {duplicates[:3]}")
