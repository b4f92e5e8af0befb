"""One harness for every benchmark: timing, peak memory, the machine line and result tables.

Benchmarks report ratios against a baseline run in the same process (never absolute timings in
tests); each prints `machine_line()` so a result names the machine it came from.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pipeline.common.tables import markdown_table  # noqa: E402


def _status_bytes(key: str) -> int:
    """A `kB` line of /proc/self/status (VmRSS, VmHWM, ...) in bytes; 0 where absent."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(f"{key}:"):
                return int(line.split()[1]) * 1024
    return 0


def rss_now() -> int:
    """Resident set size of this process now, in bytes."""
    return _status_bytes("VmRSS")


def max_rss(children: bool = False) -> int:
    """Peak RSS in bytes of this process (or of its waited-for children) so far."""
    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    return resource.getrusage(who).ru_maxrss * 1024  # Linux: KiB


def reset_hwm() -> bool:
    """Reset the kernel's peak-RSS mark of this process (and ru_maxrss); False where not allowed."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def vm_hwm() -> int:
    """Peak RSS since the last `reset_hwm`, in bytes."""
    return _status_bytes("VmHWM")


def gib(n: int | None) -> str:
    return "n/a" if n is None else f"{n / 1024**3:.2f} GiB"


def mib(n: int | None) -> str:
    return "n/a" if n is None else f"{n / 1024**2:,.0f} MiB"


def pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.2f}%"


def machine_info() -> dict:
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "sched_cpus": len(os.sched_getaffinity(0)),
        "cpu_model": model,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def machine_line() -> str:
    m = machine_info()
    return f"machine: {m['nproc']} cpus ({m['cpu_model'] or 'unknown cpu'}), python {m['python']}, {m['platform']}"


@contextmanager
def timer() -> Iterator[dict]:
    """`with timer() as t: ...` then t["seconds"] (wall) and t["cpu"] (process CPU time)."""
    result: dict = {}
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        yield result
    finally:
        result["seconds"] = time.perf_counter() - wall
        result["cpu"] = time.process_time() - cpu


def rate(amount: float, seconds: float, per_s: str, **labels) -> dict:
    """A result row: the labels, the amount, the seconds and `per_s` = amount / seconds."""
    return {**labels, "seconds": round(seconds, 2), per_s: round(amount / seconds, 2) if seconds > 0 else None}


def save_json(path: Path | None, data) -> None:
    """Write the results as JSON when --json was given."""
    if path is not None:
        Path(path).write_text(json.dumps(data, indent=2))


def results_table(rows: Sequence[dict], columns: Sequence[str], numeric: Sequence[str] = ()) -> str:
    return markdown_table(rows, columns, numeric=numeric)
