"""Crash-safe, resumable storage of sampled trajectories.

One JSONL file per shard, one row per trajectory, appended and fsync'ed as each sample arrives.
A row is keyed by (problem_id, profile, teacher_model, params_hash, sample_index); reopening
the store reads the keys already present (a torn last line from a killed run is dropped and
re-sampled), so a re-run samples only what is missing and never writes a key twice.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import asdict
from pathlib import Path

from pipeline.sources.base import MalformedRow, iter_jsonl
from schemas import Profile, Trajectory, validate

Key = tuple[str, str, str, str, int]


def trajectory_key(t: Trajectory) -> Key:
    return (t.problem_id, Profile(t.profile).value, t.teacher_model, t.params_hash, t.sample_index)


def trajectory_from_row(row: dict) -> Trajectory:
    return Trajectory(**{**row, "profile": Profile(row["profile"])})


class TrajectoryStore:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._rows: dict[Key, Trajectory] = {}
        if self.path.exists():
            self._load_and_repair()

    def _load_and_repair(self) -> None:
        kept = []
        for row in iter_jsonl(self.path):
            if isinstance(row, MalformedRow):
                continue  # a line torn by a kill: that sample is simply taken again
            trajectory = validate(trajectory_from_row(row))
            key = trajectory_key(trajectory)
            if key not in self._rows:
                self._rows[key] = trajectory
                kept.append(row)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in kept), encoding="utf-8")
        os.replace(tmp, self.path)

    def __contains__(self, key: Key) -> bool:
        return key in self._rows

    def __len__(self) -> int:
        return len(self._rows)

    def add(self, trajectory: Trajectory) -> bool:
        """Append one trajectory durably; False (and nothing written) when its key is already stored."""
        validate(trajectory)
        key = trajectory_key(trajectory)
        with self._lock:
            if key in self._rows:
                return False
            with open(self.path, "a", encoding="utf-8") as handle:
                handle.write(json.dumps(asdict(trajectory), ensure_ascii=False) + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            self._rows[key] = trajectory
            return True

    def trajectories(self) -> list[Trajectory]:
        return list(self._rows.values())
