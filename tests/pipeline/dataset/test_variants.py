import re
from dataclasses import replace

import pyarrow.parquet as pq
import pytest

from pipeline.dataset.assemble import assemble
from pipeline.dataset.perturb import NUMBER, Perturbation, perturb_response, sample_rng, split_final_answer
from pipeline.dataset.variants import parse_variant, variant_name, variant_rows, variant_table, write_variants
from tests.factories import DOUBLE, PROBLEMS, ROW, TRAJECTORIES, VERIFICATIONS


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


def test_variants_report_changed_rows_and_a_mostly_unchanged_variant_is_not_published(tmp_path):
    rows = assemble(PROBLEMS, TRAJECTORIES, VERIFICATIONS).accepted
    perturbed, changed = variant_rows(rows, parse_variant("shuffle:1.0", 5))
    assert changed == sum(a.response != b.response for a, b in zip(rows, perturbed))
    outcomes = write_variants(rows, [parse_variant("reflection:0.0", 1), parse_variant("digits:1.0", 1)], tmp_path,
                              1 << 20, workers=1)  # fmt: skip
    reflection, digits = outcomes
    assert (reflection.changed, reflection.published) == (0, False) and "not published" in reflection.note
    assert not (tmp_path / "reflection-0").exists()
    assert digits.published and digits.changed == len(rows) and digits.rows == len(rows)


def test_variant_rows_are_reproducible_and_keep_their_lineage():
    rows = assemble(PROBLEMS, TRAJECTORIES, VERIFICATIONS).accepted
    first = variant_table(variant_rows(rows, parse_variant("insert:1.0", seed=5))[0], parse_variant("insert:1.0", 5))
    again = variant_table(variant_rows(rows, parse_variant("insert:1.0", seed=5))[0], parse_variant("insert:1.0", 5))
    assert first.equals(again)
    for response in first.column("response").to_pylist():
        assert response.endswith("```python\nprint(int(input()) * 2)\n```")
    assert first.column("perturbation").to_pylist() == ["insert"] * len(rows)
    assert DOUBLE.id in first.column("problem_id").to_pylist()


def test_forked_variant_writers_match_the_sequential_result(tmp_path):
    rows = [replace(ROW, id=f"r{i}", response=f"Step {i}.\nThen {i + 1}.\nDone {i * 3}.") for i in range(6)]
    variants = [parse_variant("digits:0.5", 1), parse_variant("shuffle:1.0", 1)]
    parallel = write_variants(rows, variants, tmp_path / "a", 1 << 20, workers=2)
    sequential = write_variants(rows, variants, tmp_path / "b", 1 << 20, workers=1)
    assert [o.name for o in parallel] == ["digits-50", "shuffle-100"]
    for a, b in zip(parallel, sequential):
        assert (a.changed, a.rows) == (b.changed, b.rows)
        if a.published:
            assert pq.read_table(a.files[0]).equals(pq.read_table(b.files[0]))
