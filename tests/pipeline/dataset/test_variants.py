import pytest

from pipeline.dataset.variants import parse_variant, variant_name, variant_table
from tests.pipeline.dataset.test_assemble import DOUBLE, PROBLEMS, TRAJECTORIES, VERIFICATIONS
from pipeline.dataset.assemble import assemble


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
