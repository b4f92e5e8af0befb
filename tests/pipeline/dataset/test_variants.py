import re
from dataclasses import replace

import pyarrow.parquet as pq
import pytest

from pipeline.dataset.perturb import NUMBER, Perturbation, perturb_response, sample_rng, split_final_answer
from pipeline.dataset.variants import parse_variant, perturb_rows, run_variant, variant_name, variant_table
from schemas import DatasetRow, to_table
from tests.factories import DOUBLE, PROBLEMS, ROW, TRAJECTORIES, VERIFICATIONS, assemble


def test_variant_specs_parse_and_name_their_config():
    assert variant_name(parse_variant("shuffle:0.33")) == "shuffle-33"
    with pytest.raises(ValueError, match="KIND:RATE"):
        parse_variant("scramble:0.5")
    with pytest.raises(ValueError, match="KIND:RATE"):
        parse_variant("digits:1.5")


def test_digits_corrupt_every_number_of_the_whole_response_code_included():
    """Sky-T1: each standalone number anywhere in the response, code included, is replaced with
    probability p by a random integer 0-10. Expected value computed by hand from that rule: per
    number one draw decides (p = 1: always), a second draw picks int(u * 11)."""
    response = "Let x = 12 and y = 3.5.\n\n```python\nn = int(input())\nprint(2 * n + 40)\n```"
    rng = sample_rng(7, "row-1")
    expected, last = [], 0
    for match in NUMBER.finditer(response):
        rng.random()  # the p draw (p = 1 always replaces)
        expected += [response[last : match.start()], str(int(rng.random() * 11))]
        last = match.end()
    expected = "".join([*expected, response[last:]])
    got = perturb_response(Perturbation("digits", 1.0, 7), response, None, "row-1")
    assert got == expected
    assert re.sub(r"\d+(\.\d+)?", "#", got) == re.sub(r"\d+(\.\d+)?", "#", response)  # only numbers changed
    assert "print(2 * n + 40)" not in got or got.count("40") == 0  # the code's numbers are in scope too


def test_structural_ops_perturb_inline_reasoning_and_keep_the_final_code_last():
    """Inline-reasoning teachers (SmolLM2) publish one answer text: its lines are steps."""
    thinking = "Read n.\nDouble it.\nCheck 21 gives 42.\nPrint the result.\n\n"
    final = "```python\nprint(int(input()) * 2)\n```"
    assert split_final_answer(thinking + final) == (thinking, final)
    shuffled = perturb_response(Perturbation("shuffle", 1.0, 3), thinking + final, None, "k")
    assert shuffled.endswith(final) and shuffled != thinking + final
    assert sorted(shuffled[: -len(final)].split()) == sorted(thinking.split())  # the same steps, moved
    deleted = perturb_response(Perturbation("delete", 0.5, 3), thinking + final, None, "k")
    assert deleted.endswith(final) and len(deleted.splitlines()) < len((thinking + final).splitlines())


def _default_table(rows):
    return to_table(rows, DatasetRow)


def test_variants_report_changed_rows_and_a_mostly_unchanged_variant_is_not_published(tmp_path):
    rows = assemble(PROBLEMS, TRAJECTORIES, VERIFICATIONS).accepted
    ids, responses = [r.id for r in rows], [r.response for r in rows]
    acts, perturbed, changed = perturb_rows(parse_variant("shuffle:1.0", 5), ids, responses, None)
    assert changed == sum(a != b for a, b in zip([r for r, act in zip(responses, acts) if act], perturbed))
    table = _default_table(rows)
    reflection = run_variant(parse_variant("reflection:0.0", 1), tmp_path, 1 << 20, [(table, None)])
    assert (reflection.changed, reflection.published) == (0, False) and "not published" in reflection.note
    assert not (tmp_path / "reflection-0").exists()
    digits = run_variant(parse_variant("digits:1.0", 1), tmp_path, 1 << 20, [(table, None)])
    assert digits.published and digits.changed == len(rows) and digits.rows == len(rows)


def test_variant_rows_are_reproducible_and_keep_their_lineage():
    rows = assemble(PROBLEMS, TRAJECTORIES, VERIFICATIONS).accepted
    ids, responses, insert = [r.id for r in rows], [r.response for r in rows], parse_variant("insert:1.0", seed=5)
    first = variant_table(_default_table(rows), *perturb_rows(insert, ids, responses, responses[0])[:2], insert)
    again = variant_table(_default_table(rows), *perturb_rows(insert, ids, responses, responses[0])[:2], insert)
    assert first.equals(again)
    for response in first.column("response").to_pylist():
        assert response.endswith("```python\nprint(int(input()) * 2)\n```")
    assert first.column("perturbation").to_pylist() == ["insert"] * len(rows)
    assert DOUBLE.id in first.column("problem_id").to_pylist()


def test_insertion_donors_follow_default_order_across_buckets_and_wrap_around(tmp_path):
    """Row i's extra steps come from row i + 1's response (the last row's from the first), whether
    the rows reach the variant in one batch or bucket by bucket."""
    rows = [replace(ROW, id=f"r{i}", response=f"Own {i} a.\nOwn {i} b.\nOwn {i} c.") for i in range(6)]
    insert = parse_variant("insert:0.34", 2)
    whole = run_variant(insert, tmp_path / "one", 1 << 20, [(_default_table(rows), rows[0].response)])
    split = run_variant(insert, tmp_path / "two", 1 << 20, [(_default_table(rows[:4]), rows[4].response),
                                                            (_default_table(rows[4:]), rows[0].response)])  # fmt: skip
    one, two = (pq.read_table(o.files[0]).column("response").to_pylist() for o in (whole, split))
    assert one == two
    for i, response in enumerate(one):  # each inserted step is the next row's
        inserted = [line for line in response.splitlines() if not line.startswith(f"Own {i} ")]
        assert inserted and all(line.startswith(f"Own {(i + 1) % 6} ") for line in inserted)


def test_the_build_streams_variants_bucket_by_bucket_with_the_result_of_one_bucket(tmp_path):
    from pipeline.common.layout import DataLayout
    from pipeline.dataset.build import build_dataset
    from tests.factories import write_stage_files

    def build(root, rows_per_bucket):
        layout = write_stage_files(DataLayout(root), PROBLEMS.values(), (), {"shard-000": TRAJECTORIES},
                                   {"shard-000": VERIFICATIONS})  # fmt: skip
        variants = [parse_variant("digits:1.0", 1), parse_variant("insert:1.0", 1)]
        built = build_dataset(layout, ["shard-000"], variants=variants, harmonize_from="teachers",
                              rows_per_bucket=rows_per_bucket)  # fmt: skip
        return {name: [pq.read_table(p).to_pylist() for p in paths] for name, paths in built.files.items()}

    assert build(tmp_path / "a", 1) == build(tmp_path / "b", 10_000)


def test_a_variant_process_that_fails_stops_the_build_with_its_error_and_no_shards(tmp_path):
    from pipeline.dataset.variant_feed import VariantFeed

    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the variant's folder should go")
    feed = VariantFeed(parse_variant("digits:1.0", 1), blocked, 1 << 20, tmp_path)
    rows = assemble(PROBLEMS, TRAJECTORIES, VERIFICATIONS).accepted
    from pipeline.dataset.variant_feed import BucketFile

    with pytest.raises(
        RuntimeError, match=r"(?s)variant digits-100: its process exited with code 1:.*NotADirectoryError"
    ):
        feed.feed(BucketFile(_default_table(rows), tmp_path / "bucket.arrow", 1))
        feed.finish()
    assert feed.process.returncode == 1 and not list(tmp_path.glob("**/*.parquet"))
