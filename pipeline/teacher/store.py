"""Crash-safe, resumable storage of sampled trajectories.

One JSONL file per shard, one row per trajectory, appended and fsync'ed as each sample arrives.
A row is keyed by (problem_id, profile, teacher_model, params_hash, sample_index); reopening
the store reads the keys already present (a torn last line from a killed run is dropped and
re-sampled), so a re-run samples only what is missing and never writes a key twice.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from pipeline.common.jsonl import JsonlStore
from schemas import Profile, Trajectory, validate

Key = tuple[str, str, str, str, int]


def trajectory_key(t: Trajectory) -> Key:
    return (t.problem_id, Profile(t.profile).value, t.teacher_model, t.params_hash, t.sample_index)


def trajectory_from_row(row: dict) -> Trajectory:
    return Trajectory(**{**row, "profile": Profile(row["profile"])})


def _row_key(row: dict) -> Key:
    return trajectory_key(validate(trajectory_from_row(row)))  # SchemaError is a ValueError: unreadable


class TrajectoryStore:
    """Trajectories of one shard in a `JsonlStore`; unreadable lines are moved aside and counted."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._store = JsonlStore(self.path, _row_key)

    @property
    def unreadable(self) -> int:
        return self._store.unreadable

    def __contains__(self, key: Key) -> bool:
        return key in self._store

    def __len__(self) -> int:
        return len(self._store)

    def add(self, trajectory: Trajectory) -> bool:
        """Append one trajectory durably; False (and nothing written) when its key is already stored."""
        validate(trajectory)
        return self._store.add(asdict(trajectory))

    def trajectories(self) -> list[Trajectory]:
        return [trajectory_from_row(row) for row in self._store.rows.values()]
