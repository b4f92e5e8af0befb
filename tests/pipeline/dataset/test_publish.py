"""Publishing: the Hub itself is unreachable from here, so the upload is checked against a FAKE
HfApi that records calls (the one boundary this machine cannot reach)."""

import pytest

from pipeline.dataset.publish import PublishError, PublishSettings, publish


class FakeHfApi:
    def __init__(self):
        self.calls = []

    def create_repo(self, repo_id, **kwargs):
        self.calls.append(("create_repo", repo_id, kwargs))

    def upload_large_folder(self, **kwargs):
        self.calls.append(("upload_large_folder", kwargs["repo_id"], kwargs))


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "default").mkdir()
    (tmp_path / "default" / "train-00000-of-00001.parquet").write_bytes(b"x" * 10)
    (tmp_path / "README.md").write_text("---\nconfigs: []\n---\n")
    (tmp_path / "notes.tmp").write_text("not published")
    return tmp_path


def test_dry_run_by_default_touches_nothing(folder):
    api = FakeHfApi()
    report = publish(folder, PublishSettings("me/set"), api=api, log=lambda _: None)
    assert report.dry_run and api.calls == []
    assert report.files == ("README.md", "default/train-00000-of-00001.parquet")


def test_publish_uploads_with_the_token_and_is_repeatable(folder, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "hf_test")
    api = FakeHfApi()
    for _ in range(2):
        publish(folder, PublishSettings("me/set", private=True, dry_run=False), api=api, log=lambda _: None)
    assert [c[0] for c in api.calls] == ["create_repo", "upload_large_folder"] * 2
    assert api.calls[0][2] == {"repo_type": "dataset", "private": True, "exist_ok": True}
    assert api.calls[1][2]["folder_path"] == str(folder)


def test_missing_token_card_or_bad_repo_id_are_clear_errors(folder, monkeypatch, tmp_path_factory):
    monkeypatch.delenv("HF_TOKEN", raising=False)
    with pytest.raises(PublishError, match="HF_TOKEN"):
        publish(folder, PublishSettings("me/set", dry_run=False), api=FakeHfApi(), log=lambda _: None)
    with pytest.raises(PublishError, match="owner/name"):
        publish(folder, PublishSettings("noslash"), log=lambda _: None)
    with pytest.raises(PublishError, match="README.md"):
        publish(tmp_path_factory.mktemp("empty"), PublishSettings("me/set"), log=lambda _: None)
