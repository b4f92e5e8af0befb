import pytest

from pipeline.dataset.assemble import assemble
from pipeline.dataset.variants import parse_variant, variant_name, variant_table
from tests.factories import DOUBLE, PROBLEMS, TRAJECTORIES, VERIFICATIONS


def test_variant_specs_parse_and_name_their_config():
    assert variant_name(parse_variant("shuffle:0.33")) == "shuffle-33"
    with pytest.raises(ValueError, match="KIND:RATE"):
        parse_variant("scramble:0.5")
    with pytest.raises(ValueError, match="KIND:RATE"):
        parse_variant("digits:1.5")


def test_variant_rows_keep_the_answer_and_are_reproducible():
    rows = assemble(PROBLEMS, TRAJECTORIES, VERIFICATIONS).accepted
    by_id = {t.id: t for t in TRAJECTORIES}
    first = variant_table(rows, by_id, parse_variant("insert:1.0", seed=5))
    assert first.equals(variant_table(rows, by_id, parse_variant("insert:1.0", seed=5)))
    for response in first.column("response").to_pylist():
        assert response.endswith("```python\nprint(int(input()) * 2)\n```")
    assert first.column("perturbation").to_pylist() == ["insert"] * len(rows)
    assert DOUBLE.id in first.column("problem_id").to_pylist()


def test_forked_variant_writers_match_the_sequential_result(tmp_path):
    import pyarrow.parquet as pq

    from pipeline.dataset.variants import write_variants

    rows = assemble(PROBLEMS, TRAJECTORIES, VERIFICATIONS).accepted
    by_id = {t.id: t for t in TRAJECTORIES}
    variants = [parse_variant("digits:0.5", 1), parse_variant("shuffle:1.0", 1)]
    parallel = write_variants(rows, by_id, variants, tmp_path / "a", 1 << 20, workers=2)
    sequential = write_variants(rows, by_id, variants, tmp_path / "b", 1 << 20, workers=1)
    assert sorted(parallel) == ["digits-50", "shuffle-100"]
    for name in parallel:
        assert pq.read_table(parallel[name][0]).equals(pq.read_table(sequential[name][0]))
