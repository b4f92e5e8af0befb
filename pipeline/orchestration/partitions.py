"""Problem shards: the partitions of per-problem assets (trajectories, and what follows them).

The shard count is fixed when the definitions load ($TRAJFORGE_SHARDS, default 2), because
Dagster partitions are static; a backfill over the shards spreads the problems over runs.
"""

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

import dagster as dg
import pyarrow.parquet as pq

from pipeline.common.layout import shard_name
from pipeline.teacher.sample_run import problem_shard, select_problems
from schemas import Problem, read_parquet

SHARD_COUNT = int(os.environ.get("TRAJFORGE_SHARDS", "2"))
problem_shards = dg.StaticPartitionsDefinition([shard_name(i) for i in range(SHARD_COUNT)])


def shard_asset(**asset_args):
    """`@dg.asset` for a stage that runs once per problem shard."""
    return dg.asset(partitions_def=problem_shards, **asset_args)


def shard_index(partition_key: str) -> int:
    return int(partition_key.rsplit("-", 1)[1])


class ProblemRef(NamedTuple):
    """What choosing a subset needs of a problem (select_problems reads only these)."""

    id: str
    source: str


def problems_of_shard(
    path: Path, partition_key: str, limit: int | None, prefer: Sequence[str] = (), log: Callable[[str], None] = print
) -> list[Problem]:
    """The training problems one shard samples, in selection order. Chooses on ids and sources
    alone and then reads only the chosen rows: every shard of a 1M-problem run would otherwise
    decode all statements and tests (GBs)."""
    refs = [ProblemRef(**row) for row in pq.read_table(path, columns=["id", "source"]).to_pylist()]
    shard = shard_index(partition_key)
    order = {
        r.id: i
        for i, r in enumerate(select_problems(refs, limit, prefer, log=log))
        if problem_shard(r.id, SHARD_COUNT) == shard
    }
    return sorted(read_parquet(path, Problem, ids=order), key=lambda p: order[p.id])
