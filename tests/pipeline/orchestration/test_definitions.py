import dagster as dg
import pytest

from assets.problems import problems
from pipeline.orchestration.checks import PROBLEM_CHECKS
from pipeline.orchestration.definitions import defs
from pipeline.orchestration.resources import TrajforgeStorage


def test_definitions_load_with_assets_checks_and_job():
    repo = defs.get_repository_def()
    assert {dg.AssetKey("problems"), dg.AssetKey("reference_verification")} <= repo.asset_graph.get_all_asset_keys()
    check_names = {key.name for key in repo.asset_graph.asset_check_keys}
    assert {"problems_schema_valid", "problems_have_tests", "reference_solutions_pass"} <= check_names
    assert dg.AssetKey("trajectories") in repo.asset_graph.get_all_asset_keys()
    assert defs.resolve_job_def("build_problems") is not None
    sample_job = defs.resolve_job_def("sample_trajectories")
    assert sample_job.partitions_def.get_partition_keys() == ["shard-000", "shard-001"]


@pytest.mark.slow
def test_problems_asset_materializes_in_process_and_checks_pass(tmp_path):
    result = dg.materialize([problems, *PROBLEM_CHECKS], resources={"storage": TrajforgeStorage(root=str(tmp_path))})
    assert result.success
    evaluations = result.get_asset_check_evaluations()
    assert {e.check_name for e in evaluations} == {"problems_schema_valid", "problems_have_tests"}
    assert all(e.passed for e in evaluations)
    metadata = result.asset_materializations_for_node("problems")[0].metadata
    assert metadata["dagster/row_count"].value >= 189
    assert metadata["train_problems"].value + metadata["eval_problems"].value == metadata["dagster/row_count"].value
    sources = {row.data["source"] for row in metadata["per_source"].value.records}
    assert sources == {"humaneval", "stdio_builtin", "total"}
    assert "dagster/column_schema" in metadata and "preview" in metadata
    assert (tmp_path / "problems" / "train.parquet").exists()


@pytest.mark.slow
def test_schema_check_fails_on_a_corrupted_file(tmp_path):
    dg.materialize([problems], resources={"storage": TrajforgeStorage(root=str(tmp_path))})
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "problems" / "train.parquet"
    table = pq.read_table(path)
    statements = table.column("statement").to_pylist()
    statements[0] = "   "
    table = table.set_column(
        table.schema.get_field_index("statement"), "statement", pa.array(statements, pa.large_string())
    )
    pq.write_table(table, path)
    result = dg.materialize(
        [problems, *PROBLEM_CHECKS],
        resources={"storage": TrajforgeStorage(root=str(tmp_path))},
        selection=dg.AssetSelection.checks(*PROBLEM_CHECKS),
    )
    verdicts = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert not verdicts["problems_schema_valid"].passed
    assert "statement" in verdicts["problems_schema_valid"].metadata["errors"].value


@pytest.mark.slow
@pytest.mark.docker
def test_reference_verification_materializes_with_the_real_sandbox(tmp_path):
    from assets.verification import reference_solutions_pass, reference_verification
    from pipeline.orchestration.resources import SandboxResource

    resources = {"storage": TrajforgeStorage(root=str(tmp_path)), "sandbox": SandboxResource(workers=2)}
    result = dg.materialize([problems, reference_verification, reference_solutions_pass], resources=resources)
    assert result.success
    metadata = result.asset_materializations_for_node("reference_verification")[0].metadata
    assert metadata["dagster/row_count"].value >= 189
    assert metadata["pass_rate"].value == 1.0  # every embedded reference solution passes its tests
    assert metadata["sandbox_errors"].value == 0
    (check,) = result.get_asset_check_evaluations()
    assert check.passed
