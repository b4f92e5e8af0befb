"""The tests stage's assets in-process on a test-less Code Evol-Instruct problem: the scripted
loopback teacher (a named fake at the HTTP boundary) writes solution and asserts, the real sandbox
checks them, and verification then judges the problem's trajectories by the synthesized tests."""

from dataclasses import replace

import dagster as dg
import pytest
import yaml

from assets.strength import amplified_tests, synthesized_tests
from assets.verification import verification
from pipeline.common.layout import DataLayout, shard_name
from pipeline.common.settings import DEFAULT_RECIPE
from pipeline.orchestration.partitions import SHARD_COUNT
from pipeline.orchestration.resources import SandboxResource, TeacherResource, TrajforgeStorage
from pipeline.problems.sources import evol_instruct
from pipeline.teacher.sample_run import problem_shard
from schemas import Problem, Verdict, Verification, read_parquet
from tests.factories import ADD_OWN, traj, write_stage_files
from tests.pipeline.strength.test_synthesize import OTHER, ROW, SOLUTION, TESTS, WRONG
from tests.pipeline.teacher.fakes import ScriptedOpenAIServer, completion


@pytest.mark.slow
@pytest.mark.docker
def test_a_testless_problem_gets_tests_and_its_trajectories_are_judged_by_them(tmp_path):
    testless = evol_instruct.normalize(ROW)
    layout = DataLayout(tmp_path / "data")
    shard = shard_name(problem_shard(testless.id, SHARD_COUNT))
    right = replace(traj("right", testless, "short", 10), code=SOLUTION.split("```python\n")[1].split("```")[0])
    wrong = replace(traj("wrong", testless, "short", 10), code=WRONG.split("```python\n")[1].split("```")[0])
    write_stage_files(layout, [testless, ADD_OWN], trajectories={shard: [right, wrong]})
    with ScriptedOpenAIServer([(200, completion(SOLUTION + "\n" + TESTS, OTHER))]) as server:
        recipe = yaml.safe_load(DEFAULT_RECIPE.read_text())
        recipe["teacher"].update(problem_limit=None, prefer_problems=[], model="teacher")
        recipe["tests"]["amplify"]["stdin"] = False
        path = tmp_path / "recipe.yaml"
        path.write_text(yaml.safe_dump(recipe))
        resources = {"storage": TrajforgeStorage(root=str(layout.root)), "sandbox": SandboxResource(workers=2),
                     "teacher": TeacherResource(base_urls=[server.base_url])}  # fmt: skip
        assets = [amplified_tests, synthesized_tests, verification]
        config = {"ops": {a.key.path[-1]: {"config": {"recipe": str(path)}} for a in assets}}
        result = dg.materialize(assets, resources=resources, partition_key=shard, run_config=config)
        assert result.success
        only = {"ops": {"synthesized_tests": config["ops"]["synthesized_tests"]}}
        again = dg.materialize([synthesized_tests], resources=resources, partition_key=shard, run_config=only)
    assert len(server.requests) == 1 and again.success  # the decision was kept: no second request
    made = read_parquet(layout.test_set_file("synthesized", shard), Problem)
    assert [p.id for p in made] == [testless.id] and made[0].verifiable and len(made[0].tests) == 5
    meta = result.asset_materializations_for_node("synthesized_tests")[0].metadata
    assert meta["with_new_tests"].value == 1 and meta["tests_made"].value == 5
    verdicts = {v.solution_id: v for v in read_parquet(layout.verification_file(shard), Verification)}
    assert verdicts["right"].verdict is Verdict.ACCEPTED and verdicts["right"].total == 5
    assert verdicts["wrong"].verdict is not Verdict.ACCEPTED
