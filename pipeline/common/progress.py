"""Progress of long work: a tqdm bar on a terminal, and a few log lines everywhere else
(Dagster's run log, CI output), so a long stage is never silent."""

from __future__ import annotations

import sys
from collections.abc import Callable

from tqdm import tqdm

from pipeline.common.logs import Log


def progress_callback(total: int, label: str, log: Log, updates: int = 10) -> Callable[[int], None]:
    """A `progress(done)` callback: logs about `updates` times (and at the end) and moves a
    tqdm bar when stderr is a terminal."""
    step = max(1, total // updates)
    bar = tqdm(total=total, desc=label, file=sys.stderr, disable=not sys.stderr.isatty(), leave=False)

    def progress(done: int) -> None:
        bar.update(done - bar.n)
        if done % step == 0 or done == total:
            log(f"{label} {done}/{total}")
        if done >= total:
            bar.close()

    return progress
