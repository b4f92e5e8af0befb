"""JsonlStore: resumable, and an unreadable line is moved aside and counted, never silently deleted."""

import json

from pipeline.common.jsonl import JsonlLineError, JsonlStore, iter_jsonl


def _key(row):
    return row["id"]


def test_unreadable_lines_are_moved_aside_and_counted(tmp_path):
    path = tmp_path / "store.jsonl"
    path.write_bytes(b'{"id": "a"}\n{"id": "b", \n\xff\xfe\n{"no_id": 1}\n{"id": "c"}\n')
    store = JsonlStore(path, _key)
    assert sorted(store.rows) == ["a", "c"] and store.unreadable == 3
    aside = store.unreadable_path.read_text().splitlines()
    assert aside[0] == '{"id": "b", ' and json.loads(aside[2]) == {"no_id": 1}
    assert [json.loads(line)["id"] for line in path.read_text().splitlines()] == ["a", "c"]


def test_first_row_of_a_key_wins_and_add_is_idempotent(tmp_path):
    path = tmp_path / "store.jsonl"
    store = JsonlStore(path, _key)
    assert store.add({"id": "a", "v": 1}) and not store.add({"id": "a", "v": 2})
    reopened = JsonlStore(path, _key)
    assert reopened.rows == {"a": {"id": "a", "v": 1}} and reopened.unreadable == 0


def test_keep_drops_rows_to_be_produced_again(tmp_path):
    path = tmp_path / "store.jsonl"
    path.write_text('{"id": "a", "ok": true}\n{"id": "b", "ok": false}\n')
    store = JsonlStore(path, _key, keep=lambda row: row["ok"])
    assert list(store.rows) == ["a"] and "b" not in store


def test_iter_jsonl_names_each_bad_line(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_bytes(b'{"a": 1}\n[1, 2]\nnot json\n' + b"[" * 100_000 + b"\n")
    rows = list(iter_jsonl(path))
    assert rows[0] == {"a": 1}
    assert [str(r) for r in rows[1:3]] == ["line 2 is not a JSON object", str(rows[2])]
    assert all(isinstance(r, JsonlLineError) for r in rows[1:]) and str(rows[3]).startswith("line 4 is not valid JSON")
