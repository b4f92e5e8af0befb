"""Publishing the Hub-ready folder with `huggingface_hub` (dry run unless asked otherwise).

Shards go up in commits of at most 50 files (`create_commit`; `upload_large_folder` is not in every
huggingface_hub release), then the card, `LICENSE.md`, `recipe.yaml` and `manifest.json` in a last
commit. A source whose license is unknown blocks the push unless the settings allow it. The token
comes from `HF_TOKEN` in the environment, never from a recipe or a log line.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

COMMIT_FILES = 50  # files per commit: the Hub advises small commits for large folders
PUBLISHED_PATTERNS = ("README.md", "LICENSE.md", "recipe.yaml", "manifest.json", "*.png", "*/*.parquet")


class PublishError(RuntimeError):
    pass


@dataclass(frozen=True)
class PublishSettings:
    repo_id: str
    private: bool = True
    dry_run: bool = True
    token_env: str = "HF_TOKEN"
    allow_unknown_licenses: bool = False
    endpoint: str | None = None  # the Hub's URL; None: huggingface_hub's default (HF_ENDPOINT or huggingface.co)


@dataclass(frozen=True)
class PublishReport:
    repo_id: str
    files: tuple[str, ...]
    bytes: int
    dry_run: bool
    blocked: str = ""  # why a real push would be refused ("" when it would go ahead)


def files_to_publish(folder: Path) -> list[Path]:
    files = sorted({p for pattern in PUBLISHED_PATTERNS for p in folder.glob(pattern) if p.is_file()})
    if not any(p.name == "README.md" for p in files):
        raise PublishError(f"{folder} has no README.md (dataset card): write the card before publishing")
    return files


def _unknown_licenses(folder: Path) -> list[str]:
    manifest = folder / "manifest.json"
    if not manifest.exists():
        raise PublishError(f"{folder} has no manifest.json (inputs and licenses): write the card before publishing")
    try:
        return list(json.loads(manifest.read_text(encoding="utf-8"))["unknown_licenses"])
    except (ValueError, KeyError, TypeError) as err:
        raise PublishError(f"{manifest}: not a trajforge manifest ({err})") from None


def publish(
    folder: str | Path, settings: PublishSettings, api=None, log: Callable[[str], None] = print
) -> PublishReport:
    folder = Path(folder)
    if "/" not in settings.repo_id:
        raise PublishError(f"repo_id must look like 'owner/name', got {settings.repo_id!r}")
    files = files_to_publish(folder)
    unknown = _unknown_licenses(folder)
    blocked = (
        f"source(s) with no known license: {', '.join(unknown)} (manifest.json); check their terms and set "
        "allow_unknown_licenses, or leave them out of the recipe"
        if unknown and not settings.allow_unknown_licenses
        else ""
    )
    if blocked and not settings.dry_run:
        raise PublishError(blocked)
    report = PublishReport(
        settings.repo_id,
        tuple(str(p.relative_to(folder)) for p in files),
        sum(p.stat().st_size for p in files),
        settings.dry_run,
        blocked,
    )
    if settings.dry_run:
        log(f"dry run: would upload {len(files)} files ({report.bytes:,} bytes) to datasets/{settings.repo_id}")
        if blocked:
            log(f"WARNING: a real push would be refused: {blocked}")
        return report
    token = os.environ.get(settings.token_env)
    if not token:
        raise PublishError(f"${settings.token_env} is not set: a Hub write token is needed to publish")
    if api is None:
        from huggingface_hub import HfApi

        api = HfApi(endpoint=settings.endpoint, token=token)
    api.create_repo(settings.repo_id, repo_type="dataset", private=settings.private, exist_ok=True)
    for number, batch in enumerate(_batches(folder, files), 1):
        _commit(api, settings.repo_id, folder, batch, f"trajforge: upload part {number} ({len(batch)} files)")
        log(f"committed part {number}: {len(batch)} files")
    log(f"published {len(files)} files to datasets/{settings.repo_id}")
    return report


def _batches(folder: Path, files: list[Path]) -> list[list[Path]]:
    """Shards first, in commits of at most COMMIT_FILES; the card, recipe and manifest last, so the
    card never describes shards that are not there yet."""
    shards = [p for p in files if p.suffix == ".parquet"]
    rest = [p for p in files if p.suffix != ".parquet"]
    return [shards[i : i + COMMIT_FILES] for i in range(0, len(shards), COMMIT_FILES)] + ([rest] if rest else [])


def _commit(api, repo_id: str, folder: Path, batch: list[Path], message: str) -> None:
    from huggingface_hub import CommitOperationAdd

    operations = [CommitOperationAdd(path_in_repo=p.relative_to(folder).as_posix(), path_or_fileobj=str(p))
                  for p in batch]  # fmt: skip
    api.create_commit(repo_id=repo_id, repo_type="dataset", operations=operations, commit_message=message)
