"""JSONL files: one tolerant reader for files users hand us, and one append-only keyed store.

The store is what makes stages resumable (trajectories, verdicts): a row is appended and
fsync'ed as soon as it exists; reopening reads the keys already there. A line that cannot be read
(a torn write from a killed run, a hand edit) is never deleted silently: it is moved to
`<file>.unreadable.jsonl` and counted, and its key is simply produced again.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Hashable, Iterator
from pathlib import Path

from schemas.atomic import atomic_write_text


class JsonlLineError(ValueError):
    """A line of a JSONL file that is not a JSON object. `field` is "<line>" (as for a bad row)."""

    def __init__(self, line_no: int, reason: str, raw: bytes = b""):
        self.line_no, self.reason, self.raw = line_no, reason, raw
        self.field = "<line>"
        super().__init__(f"line {line_no} {reason}")


def iter_jsonl(path: str | Path) -> Iterator[dict | JsonlLineError]:
    """Every non-blank line as a dict, or a JsonlLineError saying why it is not one."""
    with open(path, "rb") as handle:
        for line_no, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as err:
                yield JsonlLineError(line_no, f"is not valid UTF-8 (byte {err.start})", raw)
                continue
            try:
                row = json.loads(text)
            except (ValueError, RecursionError) as err:
                yield JsonlLineError(line_no, f"is not valid JSON ({err})", raw)
                continue
            if not isinstance(row, dict):
                yield JsonlLineError(line_no, "is not a JSON object", raw)
                continue
            yield row


def dumps(row: dict) -> str:
    return json.dumps(row, ensure_ascii=False) + "\n"


class JsonlStore:
    """Append-only JSONL of rows keyed by `key_of(row)`; the first row of a key wins.

    `keep(row)` False drops a readable row on reopening (e.g. a verdict that was an infrastructure
    fault, to be produced again). `key_of` raising ValueError/KeyError/TypeError marks the line
    unreadable.
    """

    def __init__(
        self, path: str | Path, key_of: Callable[[dict], Hashable], keep: Callable[[dict], bool] = lambda row: True
    ):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.key_of = key_of
        self.rows: dict[Hashable, dict] = {}
        self.unreadable = 0
        self._lock = threading.Lock()
        if self.path.exists():
            self._load_and_repair(keep)

    @property
    def unreadable_path(self) -> Path:
        return self.path.with_name(self.path.name + ".unreadable.jsonl")

    def _load_and_repair(self, keep: Callable[[dict], bool]) -> None:
        kept, bad = [], []
        for row in iter_jsonl(self.path):
            if isinstance(row, JsonlLineError):
                bad.append(row.raw.decode("utf-8", "replace").rstrip("\n") + "\n")
                continue
            try:
                key = self.key_of(row)
            except (ValueError, KeyError, TypeError):
                bad.append(dumps(row))
                continue
            if keep(row) and key not in self.rows:
                self.rows[key] = row
                kept.append(dumps(row))
        if bad:
            with open(self.unreadable_path, "a", encoding="utf-8") as handle:
                handle.writelines(bad)
            self.unreadable = len(bad)
        atomic_write_text(self.path, "".join(kept))

    def __contains__(self, key: Hashable) -> bool:
        return key in self.rows

    def __len__(self) -> int:
        return len(self.rows)

    def discard(self, keys) -> None:
        """Forget these keys and rewrite the file without their rows (superseded, e.g. stale verdicts)."""
        with self._lock:
            for key in keys:
                self.rows.pop(key, None)
            atomic_write_text(self.path, "".join(dumps(row) for row in self.rows.values()))

    def add(self, row: dict) -> bool:
        """Append one row durably; False (and nothing written) when its key is already stored."""
        key = self.key_of(row)
        with self._lock:
            if key in self.rows:
                return False
            with open(self.path, "a", encoding="utf-8") as handle:
                handle.write(dumps(row))
                handle.flush()
                os.fsync(handle.fileno())
            self.rows[key] = row
            return True
