"""One executor over several sandbox pools (e.g. one DockerPool per Docker host).

Each slot of each pool is one token in a shared queue, so a request goes to whichever host has
a free runner: a fast host takes more work, and no host gets more requests than it has runners.
"""

from __future__ import annotations

import queue
from collections.abc import Sequence

from sandbox.verify import Executor


class SpreadPool:
    def __init__(self, pools: Sequence[Executor], sizes: Sequence[int]):
        if not pools or len(pools) != len(sizes) or min(sizes) < 1:
            raise ValueError("SpreadPool needs one size >= 1 per pool")
        self.pools = list(pools)
        self.size = sum(sizes)  # runners over every pool: how many requests can be in flight
        self.served = [0] * len(pools)  # requests per pool, for reports and tests
        self._free: queue.Queue[int] = queue.Queue()
        for index, size in enumerate(sizes):
            for _ in range(size):
                self._free.put(index)

    def run(self, payload: dict, timeout_s: float) -> dict:
        index = self._free.get()
        try:
            self.served[index] += 1
            return self.pools[index].run(payload, timeout_s)
        finally:
            self._free.put(index)
