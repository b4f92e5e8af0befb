"""The per-shard assets in-process: amplified tests, trajectories from the real embedded server
verified in the real Docker sandbox against both test sets, and the tests' measured strength; a
second materialization samples and amplifies nothing new."""

import dagster as dg
import pytest
import yaml

from assets.problems import problems
from assets.strength import amplified_tests, synthesized_tests
from assets.strength import test_strength as strength_asset  # not a pytest test
from assets.trajectories import trajectories
from assets.verification import verification
from pipeline.common.settings import DEFAULT_RECIPE
from pipeline.orchestration.resources import SandboxResource, TeacherResource, TrajforgeStorage


@pytest.fixture
def tiny_recipe(tmp_path):
    recipe = yaml.safe_load(DEFAULT_RECIPE.read_text())
    recipe["teacher"]["problem_limit"] = 2
    for profile in recipe["teacher"]["profiles"].values():
        profile.update(max_tokens=24, n=1)
    path = tmp_path / "recipe.yaml"
    path.write_text(yaml.safe_dump(recipe))
    return str(path)


@pytest.mark.slow
@pytest.mark.docker
def test_trajectories_then_verification_per_shard(tmp_path, tiny_recipe):
    resources = {
        "storage": TrajforgeStorage(root=str(tmp_path / "data")),
        "sandbox": SandboxResource(workers=2),
        "teacher": TeacherResource(),
    }
    assert dg.materialize([problems], resources=resources).success
    shard_assets = [amplified_tests, synthesized_tests, trajectories, verification, strength_asset]
    config = {"ops": {a.key.path[-1]: {"config": {"recipe": tiny_recipe}} for a in shard_assets}}
    sampled, amplified, measured = 0, 0, []
    for shard in ("shard-000", "shard-001"):
        result = dg.materialize(shard_assets, resources=resources, partition_key=shard, run_config=config)
        assert result.success
        meta = result.asset_materializations_for_node("trajectories")[0].metadata
        sampled += meta["sampled_now"].value
        checked = result.asset_materializations_for_node("verification")[0].metadata
        assert checked["dagster/row_count"].value == meta["dagster/row_count"].value
        assert checked["sandbox_errors"].value == 0 and checked["tests_use"].value == "both"
        amplified += result.asset_materializations_for_node("amplified_tests")[0].metadata["with_new_tests"].value
        strength = result.asset_materializations_for_node("test_strength")[0].metadata
        measured += [r for r in strength["per_source"].value.records if r.data["source"] == "total"]
    assert sampled == 4  # 2 problems x short/long, spread over the two shards
    assert amplified >= 1  # the HumanEval problem of the two (the other is from the stdin set)
    assert all(r.data["tpr"] == 1.0 for r in measured) and any(r.data["mutation_score"] for r in measured)

    first = shard_assets[:3]
    config = {"ops": {a.key.path[-1]: {"config": {"recipe": tiny_recipe}} for a in first}}
    again = dg.materialize(first, resources=resources, partition_key="shard-000", run_config=config)
    assert again.asset_materializations_for_node("trajectories")[0].metadata["sampled_now"].value == 0


def test_teacher_resource_points_the_recipe_at_running_replicas():
    from pipeline.teacher.config import teacher_recipe

    recipe = TeacherResource(base_urls=["http://gpu-1:8000/v1", "http://gpu-2:8000/v1"], concurrency=32).configure(
        teacher_recipe(DEFAULT_RECIPE)
    )
    assert recipe.backend == "openai" and recipe.base_urls == ("http://gpu-1:8000/v1", "http://gpu-2:8000/v1")
    assert recipe.concurrency == 32
    assert TeacherResource(base_urls=[]).configure(teacher_recipe(DEFAULT_RECIPE)).backend == "managed_vllm"
    routed = TeacherResource(base_urls=["http://gpu-1:8000/v1"], model_urls={"coder": ["http://gpu-2:8001/v1 "]})
    assert routed.configure(teacher_recipe(DEFAULT_RECIPE)).model_urls == {"coder": ("http://gpu-2:8001/v1",)}
    with pytest.raises(ValueError, match="set base_urls too"):
        TeacherResource(base_urls=[], model_urls={"coder": ["http://gpu-2:8001/v1"]}).configure(
            teacher_recipe(DEFAULT_RECIPE)
        )
