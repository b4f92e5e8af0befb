"""The one pass over the text: responses and questions, measured and spread into buckets.

Everything the assembly decides (filters aside) needs only narrow columns; the text is needed to
measure repetition and, at the end, to write rows. So the text is read once, in record batches:
each trajectory's STW response is made and its repetition measured (kept as a narrow column),
then the response is appended to the bucket file of its problem. Buckets are contiguous ranges of
problem ids of about `rows_per_bucket` trajectories, so a bucket holds whole problems and the
buckets in order hold the rows in problem order: writing configs bucket by bucket gives them in
order while holding one bucket's text at a time. Questions go to the same buckets.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.ipc
import pyarrow.parquet as pq

from pipeline.dataset.filters import repetition_ratios, stw_response
from pipeline.dataset.inputs import check_columns
from schemas import Problem, Trajectory

BATCH_ROWS = 4096
MEASURING_THREADS, MEASURING = 2, 3  # threads measuring repetition; batches waiting for them at most
TEXT_COLUMNS = ("id", "problem_id", "reasoning", "answer")
QUESTION_COLUMNS = ("id", "statement", "starter_code", "test_style")
IPC_OPTIONS = pa.ipc.IpcWriteOptions(compression="lz4")  # ~2.5x smaller scratch files at lz4 speed
RESPONSES = pa.schema([("id", pa.string()), ("response", pa.large_string())])
QUESTIONS = pa.schema([("problem_id", pa.string()), ("question", pa.large_string())])


def assign_buckets(problem_ids: pl.Series, rows_per_bucket: int) -> pl.DataFrame:
    """(problem_id, bucket): problems in id order, a new bucket once `rows_per_bucket` rows are in."""
    if rows_per_bucket <= 0:
        raise ValueError(f"rows_per_bucket must be positive, got {rows_per_bucket}")
    counts = problem_ids.value_counts(name="rows").sort("problem_id")
    before = counts["rows"].cum_sum() - counts["rows"]  # rows of the problems before this one
    return counts.select("problem_id", (before // rows_per_bucket).cast(pl.Int32).alias("bucket"))


@dataclass(frozen=True)
class Buckets:
    folder: Path
    of_problem: pl.DataFrame  # problem_id, bucket

    @property
    def count(self) -> int:
        return int(self.of_problem["bucket"].max()) + 1 if self.of_problem.height else 0

    def file(self, kind: str, bucket: int) -> Path:
        return self.folder / f"{kind}-{bucket:05d}.arrow"

    def read(self, kind: str, bucket: int) -> pl.DataFrame:
        path = self.file(kind, bucket)
        if not path.exists():
            return pl.from_arrow((QUESTIONS if kind == "questions" else RESPONSES).empty_table())
        with pa.OSFile(str(path), "rb") as source:
            return pl.from_arrow(pa.ipc.open_file(source).read_all())


class _BucketWriters:
    """One Arrow IPC file per bucket, appended to batch by batch. (A parquet writer keeps ~2-9 KB
    of metadata per row group written, and every batch adds one to every bucket: memory that grew
    with rows x buckets. IPC keeps 24 bytes per batch.)"""

    def __init__(self, buckets: Buckets, kind: str, schema: pa.Schema):
        self.buckets, self.kind, self.schema, self.open = buckets, kind, schema, {}

    def write(self, batch: pl.DataFrame, key: str) -> None:
        batch = batch.join(self.buckets.of_problem, left_on=key, right_on="problem_id", how="inner")
        for (bucket,), part in batch.partition_by("bucket", as_dict=True).items():
            if bucket not in self.open:
                sink = pa.OSFile(str(self.buckets.file(self.kind, bucket)), "wb")
                self.open[bucket] = (sink, pa.ipc.new_file(sink, self.schema, options=IPC_OPTIONS))
            self.open[bucket][1].write_table(part.select(self.schema.names).to_arrow().cast(self.schema))

    def close(self) -> None:
        for sink, writer in self.open.values():
            writer.close()
            sink.close()


def _batches(paths: Sequence[Path], record_type: type, columns: Sequence[str]):
    for path in paths:
        check_columns(path, record_type, columns)
        # pre_buffer (the default) caches what it read ahead for the whole file: memory grew with the rows
        reader = pq.ParquetFile(path, pre_buffer=False)
        yield from reader.iter_batches(batch_size=BATCH_ROWS, columns=list(columns))


def _measured(frame: pl.DataFrame, ngram: int) -> pl.DataFrame:
    return frame.select("id", repetition_ratios(frame["response"], ngram).alias("repetition"))


def spread_responses(paths: Sequence[Path], buckets: Buckets, kind: str, ngram: int) -> pl.DataFrame:
    """Write every trajectory's response to its problem's bucket; return (id, repetition) for all.
    Repetition is measured in threads (polars runs without the GIL) while this one reads and writes;
    at most MEASURING batches wait, so memory stays bounded."""
    writers, measured, pending = _BucketWriters(buckets, kind, RESPONSES), [], deque()
    with ThreadPoolExecutor(MEASURING_THREADS) as pool:
        try:
            for batch in _batches(paths, Trajectory, TEXT_COLUMNS):
                columns = batch.to_pydict()
                responses = [stw_response(r, a) for r, a in zip(columns["reasoning"], columns["answer"])]
                frame = pl.DataFrame(
                    {"id": columns["id"], "problem_id": columns["problem_id"], "response": responses},
                    schema={"id": pl.String, "problem_id": pl.String, "response": pl.String},
                )
                pending.append(pool.submit(_measured, frame, ngram))
                writers.write(frame, "problem_id")
                while len(pending) > MEASURING:
                    measured.append(pending.popleft().result())
            measured += [future.result() for future in pending]
        finally:
            writers.close()
    if not measured:
        return pl.DataFrame(schema={"id": pl.String, "repetition": pl.Float64})
    return pl.concat(measured)


def spread_questions(path: Path, buckets: Buckets) -> None:
    """Each bucket's problems as (problem_id, question)."""
    from pipeline.dataset.assemble import question_text

    writers = _BucketWriters(buckets, "questions", QUESTIONS)
    try:
        for batch in _batches([path], Problem, QUESTION_COLUMNS):
            rows = batch.to_pylist()
            questions = [question_text(Problem(**row, source="", source_id="", tests=())) for row in rows]
            frame = pl.DataFrame({"problem_id": [r["id"] for r in rows], "question": questions},
                                 schema={"problem_id": pl.String, "question": pl.String})  # fmt: skip
            writers.write(frame, "problem_id")
    finally:
        writers.close()
