"""Every source spec points at its production location: repo or builder, files, config, id column
and license (the published formats themselves are exercised by each source's fixture tests)."""

import pytest

from pipeline.problems.sources import (
    apps,
    code_contests,
    codeforces,
    evol_instruct,
    humaneval,
    livecodebench,
    mbpp,
    open_r1,
    stdio_builtin,
    taco,
)
from pipeline.problems.sources.registry import source_spec

HF = "hf://datasets"
SPECS = [
    (apps.SPEC, "json", {"data_files": {"train": f"{HF}/codeparrot/apps/train.jsonl",
                                        "test": f"{HF}/codeparrot/apps/test.jsonl"}}, "problem_id", "MIT"),
    (taco.SPEC, "arrow", {"data_files": {"train": f"{HF}/BAAI/TACO/train/*.arrow",
                                         "test": f"{HF}/BAAI/TACO/test/*.arrow"}}, "", "Apache-2.0"),
    (code_contests.SPEC, "deepmind/code_contests", {"columns": code_contests.COLUMNS}, "name", "CC-BY-4.0"),
    (codeforces.SPEC, "open-r1/codeforces", {"name": "verifiable", "columns": codeforces.COLUMNS}, "id", "cc-by-4.0"),
    (livecodebench.SPEC, "json", {"data_files": {"train": f"{HF}/livecodebench/code_generation_lite/test*.jsonl"}},
     "question_id", "cc"),
    (mbpp.SPEC, "google-research-datasets/mbpp", {"name": "full"}, "task_id", "CC-BY-4.0"),
    (open_r1.SPEC, "open-r1/verifiable-coding-problems-python", {}, "problem_id", "apache-2.0"),
    (humaneval.SPEC, "openai/openai_humaneval", {}, "task_id", "MIT"),
    (evol_instruct.SPEC, "nickrosh/Evol-Instruct-Code-80k-v1", {}, "", "cc-by-nc-sa-4.0"),
    (stdio_builtin.SPEC, "json", {"data_files": str(stdio_builtin.DATA_PATH)}, "id", "Apache-2.0"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("spec", "hub_path", "hub_kwargs", "id_column", "license"), SPECS, ids=lambda v: getattr(v, "name", "")
)
def test_spec_points_at_production(spec, hub_path, hub_kwargs, id_column, license):
    assert (spec.hub_path, spec.hub_kwargs, spec.id_column, spec.license) == (hub_path, hub_kwargs, id_column, license)
    assert spec.normalize.__module__ == f"pipeline.problems.sources.{spec.name}" and source_spec(spec.name) is spec


def test_code_contests_reads_only_the_columns_it_uses():
    assert "untranslated_description" not in code_contests.COLUMNS and "incorrect_solutions" in code_contests.COLUMNS


def test_offline_sources_ship_their_rows():
    assert len(humaneval.SPEC.package_rows()) == 164 and len(stdio_builtin.SPEC.package_rows()) >= 40
