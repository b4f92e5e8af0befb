"""Publishing the Hub-ready folder with `huggingface_hub` (dry run unless asked otherwise).

`upload_large_folder` is resumable and commits in batches (well under 100 files per commit), and
skips files already on the Hub with the same content, so publishing twice is harmless. The token
comes from `HF_TOKEN` in the environment, never from a recipe or a log line.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

PUBLISHED_PATTERNS = ("README.md", "*.png", "*/*.parquet")


class PublishError(RuntimeError):
    pass


@dataclass(frozen=True)
class PublishSettings:
    repo_id: str
    private: bool = True
    dry_run: bool = True
    token_env: str = "HF_TOKEN"


@dataclass(frozen=True)
class PublishReport:
    repo_id: str
    files: tuple[str, ...]
    bytes: int
    dry_run: bool


def files_to_publish(folder: Path) -> list[Path]:
    files = sorted({p for pattern in PUBLISHED_PATTERNS for p in folder.glob(pattern) if p.is_file()})
    if not any(p.name == "README.md" for p in files):
        raise PublishError(f"{folder} has no README.md (dataset card): write the card before publishing")
    return files


def publish(
    folder: str | Path, settings: PublishSettings, api=None, log: Callable[[str], None] = print
) -> PublishReport:
    folder = Path(folder)
    if "/" not in settings.repo_id:
        raise PublishError(f"repo_id must look like 'owner/name', got {settings.repo_id!r}")
    files = files_to_publish(folder)
    report = PublishReport(
        settings.repo_id,
        tuple(str(p.relative_to(folder)) for p in files),
        sum(p.stat().st_size for p in files),
        settings.dry_run,
    )
    if settings.dry_run:
        log(f"dry run: would upload {len(files)} files ({report.bytes:,} bytes) to datasets/{settings.repo_id}")
        return report
    token = os.environ.get(settings.token_env)
    if not token:
        raise PublishError(f"${settings.token_env} is not set: a Hub write token is needed to publish")
    if api is None:
        from huggingface_hub import HfApi

        api = HfApi(token=token)
    api.create_repo(settings.repo_id, repo_type="dataset", private=settings.private, exist_ok=True)
    api.upload_large_folder(
        repo_id=settings.repo_id,
        folder_path=str(folder),
        repo_type="dataset",
        private=settings.private,
        allow_patterns=list(PUBLISHED_PATTERNS),
    )
    log(f"published {len(files)} files to datasets/{settings.repo_id}")
    return report
