"""The parent's side of a variant's process: `default`'s rows go to it bucket by bucket.

Each variant runs as `python -m pipeline.dataset.variants` (a process of its own: it shares no
threads with this one, and the perturbations, pure Python, run beside the build). A bucket's
`default` rows are written once as an Arrow IPC file (`BucketFile`), memory-mapped by every variant's
process, and deleted when the last one has acknowledged it; at most IN_FLIGHT files wait per
variant, so a slow variant holds the build back instead of filling the disk. Insertion takes extra
steps from the next perturbable row, across buckets and wrapping around, so its files wait for it.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from collections import deque
from pathlib import Path

import pyarrow as pa

from pipeline.common.layout import REPO_ROOT
from pipeline.dataset.perturb import Perturbation
from pipeline.dataset.variants import VariantOutcome, first_perturbable, variant_name

IN_FLIGHT = 4


class BucketFile:
    """A bucket's `default` rows on disk for the variants' processes; deleted after the last reader."""

    def __init__(self, table: pa.Table, path: Path, readers: int):
        with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)
        self.table, self.path, self.readers = table, path, readers

    def done(self) -> None:
        self.readers -= 1
        if self.readers == 0:
            self.path.unlink(missing_ok=True)


class VariantFeed:
    def __init__(self, perturbation: Perturbation, out_dir: Path, target_bytes: int, scratch: Path):
        self.perturbation, self.name, self.scratch = perturbation, variant_name(perturbation), scratch
        self.errors = open(scratch / f"{self.name}.stderr", "w+b")  # noqa: SIM115 (closed in finish/kill)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")])}
        args = [perturbation.kind, str(perturbation.rate), str(perturbation.seed), str(out_dir), str(target_bytes)]
        self.process = subprocess.Popen([sys.executable, "-m", "pipeline.dataset.variants", *args], env=env,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.errors)  # fmt: skip
        self.in_flight: deque[BucketFile] = deque()
        self.waiting: list[BucketFile] = []
        self.first_donor: str | None = None

    def _failed(self) -> RuntimeError:
        self.process.wait()
        self.errors.seek(0)
        tail = self.errors.read().decode("utf-8", "replace")[-2000:]
        return RuntimeError(f"variant {self.name}: its process exited with code {self.process.returncode}:\n{tail}")

    def _acknowledge(self) -> None:
        if self.process.stdout.readline() != b"ack\n":
            raise self._failed()
        self.in_flight.popleft().done()

    def _send(self, bucket: BucketFile | None, donor: str | None = None) -> None:
        while bucket is not None and len(self.in_flight) >= IN_FLIGHT:
            self._acknowledge()
        try:
            pickle.dump(None if bucket is None else (str(bucket.path), donor), self.process.stdin)
            self.process.stdin.flush()
        except BrokenPipeError:
            raise self._failed() from None
        if bucket is not None:
            self.in_flight.append(bucket)

    def feed(self, bucket: BucketFile) -> None:
        if self.perturbation.kind != "insert":
            self._send(bucket)
            return
        donor = first_perturbable(self.perturbation, bucket.table.column("response").to_pylist())
        if donor is not None:
            self.first_donor = self.first_donor or donor
            for held in self.waiting:
                self._send(held, donor)
            self.waiting = []
        self.waiting.append(bucket)

    def finish(self) -> VariantOutcome:
        for held in self.waiting:
            self._send(held, self.first_donor)
        self._send(None)
        self.process.stdin.close()
        while self.in_flight:
            self._acknowledge()
        report = self.process.stdout.read()
        if self.process.wait() != 0:
            raise self._failed()
        self.errors.close()
        fields = json.loads(report)
        return VariantOutcome(**{**fields, "files": tuple(Path(p) for p in fields["files"]), "rows_written": ()})

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()
        self.errors.close()
