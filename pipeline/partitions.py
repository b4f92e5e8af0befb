"""Problem shards: the partitions of per-problem assets (trajectories, and what follows them).

The shard count is fixed when the definitions load ($TRAJFORGE_SHARDS, default 2), because
Dagster partitions are static; a backfill over the shards spreads the problems over runs.
"""

import os

import dagster as dg

from pipeline.teacher.run import shard_name

SHARD_COUNT = int(os.environ.get("TRAJFORGE_SHARDS", "2"))
problem_shards = dg.StaticPartitionsDefinition([shard_name(i) for i in range(SHARD_COUNT)])


def shard_index(partition_key: str) -> int:
    return int(partition_key.rsplit("-", 1)[1])
