"""Publishing through the real `huggingface_hub` client against a FAKE Hub at the HTTP boundary
(tests/pipeline/dataset/fake_hub.py): the Hub itself is unreachable from here."""

import json

import pytest

from pipeline.dataset import publish as publishing
from pipeline.dataset.publish import PublishError, PublishSettings, publish
from tests.pipeline.dataset.fake_hub import FakeHub

CARD = "---\nlicense: mit\nconfigs:\n- config_name: default\n  data_files: default/*.parquet\n---\n# card\n"


@pytest.fixture(autouse=True)
def online(monkeypatch):
    """The suite runs with HF_HUB_OFFLINE=1 (nothing may reach the real Hub); these tests talk only
    to the loopback fake, so the client's offline guard is lifted for them."""
    monkeypatch.setattr("huggingface_hub.constants.is_offline_mode", lambda: False)


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "default").mkdir()
    (tmp_path / "default" / "train-00000-of-00001.parquet").write_bytes(b"x" * 10)
    (tmp_path / "README.md").write_text(CARD)
    (tmp_path / "recipe.yaml").write_text("problems: {}\n")
    (tmp_path / "manifest.json").write_text(json.dumps({"inputs": [], "sources": [], "unknown_licenses": []}))
    (tmp_path / "notes.tmp").write_text("not published")
    return tmp_path


def settings(hub, **kwargs):
    return PublishSettings("me/set", dry_run=False, endpoint=hub.url, **kwargs)


def test_dry_run_by_default_sends_nothing(folder):
    with FakeHub() as hub:
        report = publish(folder, PublishSettings("me/set", endpoint=hub.url), log=lambda _: None)
    assert report.dry_run and hub.commits == [] and hub.repos == []
    assert report.files == ("README.md", "default/train-00000-of-00001.parquet", "manifest.json", "recipe.yaml")


def test_the_upload_sends_shards_then_card_recipe_and_manifest_with_the_token(folder, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "hf_test")
    with FakeHub() as hub:
        publish(folder, settings(hub), log=lambda _: None)
        publish(folder, settings(hub), log=lambda _: None)  # again: the same files, no error
    assert hub.repos[0] == {"name": "set", "organization": "me", "visibility": "private", "type": "dataset"}
    assert hub.authorizations == {"Bearer hf_test"}
    first, last = hub.commits[0]["files"], hub.commits[1]["files"]
    assert list(first) == ["default/train-00000-of-00001.parquet"]  # shards first: the card never runs ahead
    assert sorted(last) == ["README.md", "manifest.json", "recipe.yaml"] and last["README.md"].decode() == CARD
    assert "notes.tmp" not in hub.files and len(hub.commits) == 4


def test_shards_go_up_in_small_commits(folder, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "hf_test")
    monkeypatch.setattr(publishing, "COMMIT_FILES", 2)
    for i in range(1, 5):
        (folder / "default" / f"train-0000{i}-of-00005.parquet").write_bytes(b"y")
    with FakeHub() as hub:
        publish(folder, settings(hub), log=lambda _: None)
    assert [len(c["files"]) for c in hub.commits] == [2, 2, 1, 3]


def test_a_source_without_a_known_license_blocks_the_push_unless_allowed(folder, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "hf_test")
    (folder / "manifest.json").write_text(json.dumps({"unknown_licenses": ["scraped"]}))
    with FakeHub() as hub:
        with pytest.raises(PublishError, match="no known license: scraped"):
            publish(folder, settings(hub), log=lambda _: None)
        assert hub.commits == []
        publish(folder, settings(hub, allow_unknown_licenses=True), log=lambda _: None)
    assert "README.md" in hub.files
    dry = publish(folder, PublishSettings("me/set"), log=lambda _: None)  # a dry run says so, and goes on
    assert dry.dry_run and "scraped" in dry.blocked


def test_missing_token_card_manifest_or_bad_repo_id_are_clear_errors(folder, monkeypatch, tmp_path_factory):
    monkeypatch.delenv("HF_TOKEN", raising=False)
    with pytest.raises(PublishError, match="HF_TOKEN"):
        publish(folder, PublishSettings("me/set", dry_run=False), log=lambda _: None)
    with pytest.raises(PublishError, match="owner/name"):
        publish(folder, PublishSettings("noslash"), log=lambda _: None)
    with pytest.raises(PublishError, match="README.md"):
        publish(tmp_path_factory.mktemp("empty"), PublishSettings("me/set"), log=lambda _: None)
    (folder / "manifest.json").unlink()
    with pytest.raises(PublishError, match="manifest.json"):
        publish(folder, PublishSettings("me/set"), log=lambda _: None)
