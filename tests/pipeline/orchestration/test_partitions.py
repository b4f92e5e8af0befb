"""A shard's problems: chosen from ids and sources alone, then only those rows read."""

from pipeline.common.layout import shard_name
from pipeline.orchestration.partitions import SHARD_COUNT, problems_of_shard
from pipeline.problems.sources import humaneval, stdio_builtin
from pipeline.teacher.sample_run import problem_shard, select_problems
from schemas import Problem, write_parquet


def _problems() -> list[Problem]:
    return [humaneval.normalize(r) for r in humaneval.package_rows()[:12]] + [
        stdio_builtin.normalize(r) for r in stdio_builtin.package_rows()[:12]
    ]


def test_shards_split_the_selection_in_its_order(tmp_path):
    problems = _problems()
    path = write_parquet(problems, Problem, tmp_path / "train.parquet")
    prefer = [problems[20].id, problems[3].id]
    for limit in (None, 7):
        chosen = select_problems(problems, limit, prefer, log=lambda _: None)
        shards = [problems_of_shard(path, shard_name(i), limit, prefer, log=lambda _: None) for i in range(SHARD_COUNT)]
        for index, mine in enumerate(shards):
            assert mine == [p for p in chosen if problem_shard(p.id, SHARD_COUNT) == index]  # whole rows, same order
        assert sorted(p.id for shard in shards for p in shard) == sorted(p.id for p in chosen)
    assert all(shards)  # 7 problems over the shards: none left empty here


def test_missing_preferred_problems_are_reported(tmp_path):
    path = write_parquet(_problems(), Problem, tmp_path / "train.parquet")
    said = []
    problems_of_shard(path, shard_name(0), 3, ["nope/1"], log=said.append)
    assert said and "nope/1" in said[0]
