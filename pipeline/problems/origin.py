"""What exactly a recipe source entry read, so a published set names its inputs: the Hub revision
(pinned in the recipe, else resolved once before reading and then used for the read), or the sha256
of every local or packaged file. File names are relative (a package's path inside the package, a
local file's name): nothing here names the builder's file system."""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.metadata
from collections.abc import Callable, Iterable
from pathlib import Path

from pipeline.common.logs import Log, info
from pipeline.problems.settings import SourceEntry
from pipeline.problems.sources.base import SourceSpec, hub_location
from pipeline.problems.sources.registry import source_spec

DATA_SUFFIXES = (".parquet", ".arrow", ".json", ".jsonl", ".gz", ".csv", ".zst")
HUB_TIMEOUT_S = 10.0
RevisionResolver = Callable[[str, str | None], str]


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_rows(paths: Iterable[Path], root: Path | None = None) -> list[dict]:
    """{name, bytes, sha256} per file, named relative to `root` (else by its own name)."""
    return [{"name": str(p.relative_to(root)) if root else p.name, "bytes": p.stat().st_size, "sha256": sha256_file(p)}
            for p in sorted(paths)]  # fmt: skip


def hub_revision(repo_id: str, revision: str | None, endpoint: str | None = None) -> str:
    """The commit sha `revision` (a branch, tag or sha; None: the default branch) points at now."""
    from huggingface_hub import HfApi

    sha = HfApi(endpoint=endpoint).dataset_info(repo_id, revision=revision, timeout=HUB_TIMEOUT_S).sha
    if not isinstance(sha, str) or len(sha) != 40:
        raise ValueError(f"the Hub answered no commit sha for {repo_id}@{revision or 'default branch'}: {sha!r}")
    return sha


def _package_origin(spec: SourceSpec) -> dict:
    if spec.package_files is None:
        return {"package": None, "files": []}
    package, paths, root = spec.package_files()
    return {"package": f"{package} {importlib.metadata.version(package)}", "files": file_rows(paths, root)}


def _folder_files(spec: SourceSpec, entry: SourceEntry) -> list[Path]:
    """The files of a local Hub-like folder the read can open: its named data files, else every data file."""
    root = Path(entry.path)
    _, kwargs = hub_location(spec, entry.split or spec.default_split, str(root), entry.version_tag)
    patterns = kwargs.get("data_files")
    if patterns is None:
        return [p for p in root.rglob("*") if p.is_file() and p.name.endswith(DATA_SUFFIXES) and ".git" not in p.parts]
    patterns = patterns if isinstance(patterns, dict) else {"_": patterns}
    found: set[Path] = set()
    for value in patterns.values():
        for pattern in [value] if isinstance(value, str) else value:
            relative = str(Path(pattern).relative_to(root)) if Path(pattern).is_absolute() else pattern
            found.update(p for p in root.glob(relative) if p.is_file())
    return sorted(found)


def source_origin(entry: SourceEntry, resolve: RevisionResolver = hub_revision, log: Log = info) -> dict:
    """Where `entry`'s rows come from: {source, dataset, read_from, revision, package, files}."""
    spec = source_spec(entry.name)
    dataset = spec.dataset or spec.hub_path
    origin = {"source": entry.name, "dataset": dataset, "revision": None, "package": None, "files": []}
    if entry.offline:
        return {**origin, "read_from": "package", **_package_origin(spec)}
    if entry.data_files:
        return {**origin, "read_from": "local file", "files": file_rows([Path(entry.data_files)])}
    if entry.path:
        return {**origin, "read_from": "local folder", "files": file_rows(_folder_files(spec, entry), Path(entry.path))}
    try:
        revision = resolve(dataset, entry.revision)
    except Exception as err:  # noqa: BLE001 - offline or unknown repo: the read itself will say more
        log(f"source {entry.name}: Hub revision of {dataset} not resolved ({type(err).__name__}); "
            f"recorded as {entry.revision or 'unpinned'}")  # fmt: skip
        revision = entry.revision
    return {**origin, "read_from": "hub", "revision": revision}


def pinned(entry: SourceEntry, origin: dict) -> SourceEntry:
    """The entry with the revision its origin recorded, so the read uses exactly that commit."""
    if origin["read_from"] != "hub" or not origin["revision"] or origin["revision"] == entry.revision:
        return entry
    return dataclasses.replace(entry, revision=origin["revision"])


def origin_text(origin: dict) -> str:
    """One line for the card: the revision, or the package and each file's short hash."""
    if origin["read_from"] == "hub":
        return f"Hub revision `{origin['revision']}`" if origin["revision"] else "Hub, revision not resolved"
    files = ", ".join(f"`{f['name']}` sha256:{f['sha256'][:12]}" for f in origin["files"]) or "no files"
    package = f"{origin['package']}: " if origin.get("package") else ""
    return f"{origin['read_from']}: {package}{files}"
