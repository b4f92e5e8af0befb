import random

import pytest

from pipeline.problems.dedup import DedupSettings, deduplicate, exact_duplicates, lsh_bands, near_duplicates
from schemas import RemovalStage

BASE = (
    "You are given an array of n integers. Find the largest sum of a contiguous subarray and print "
    "it. The first line holds n (1 <= n <= 100000), the second line holds the values a_i, each "
    "between -10^9 and 10^9. Print one integer: the best sum over all non-empty subarrays."
)
OTHER = (
    "A robot walks on a grid of r rows and c columns, starting at the top-left cell. It may only "
    "move right or down and must avoid blocked cells marked with '#'. Count the number of distinct "
    "paths to the bottom-right cell modulo 1000000007 and print that count."
)


def _edit(text: str, fraction: float, seed: int) -> str:
    """Replace a fraction of the words with fresh ones (a controlled near-duplicate)."""
    rng = random.Random(seed)
    words = text.split()
    for i in rng.sample(range(len(words)), int(len(words) * fraction)):
        words[i] = f"zz{rng.randrange(10**6)}"
    return " ".join(words)


def test_exact_duplicates_ignore_case_and_spacing_but_not_symbols():
    texts = [BASE, "  " + BASE.upper().replace(" ", "\n  "), BASE.replace("<=", "<"), OTHER]
    removed = exact_duplicates(["a", "b", "c", "d"], texts)
    assert [(r.problem_id, r.matched_id, r.stage) for r in removed] == [("b", "a", RemovalStage.EXACT_DEDUP)]


def test_near_duplicates_found_and_distinct_texts_kept():
    texts = [BASE, _edit(BASE, 0.03, 1), OTHER, _edit(OTHER, 0.02, 2), _edit(BASE, 0.5, 3)]
    ids = ["p0", "p1", "p2", "p3", "p4"]
    removed = {r.problem_id: r for r in near_duplicates(ids, texts, DedupSettings(near_threshold=0.7))}
    assert set(removed) == {"p1", "p3"}
    assert removed["p1"].matched_id == "p0" and removed["p3"].matched_id == "p2"
    assert all(0.7 <= r.similarity <= 1.0 for r in removed.values())


def test_threshold_is_configurable():
    texts = [BASE, _edit(BASE, 0.08, 5)]
    loose = near_duplicates(["a", "b"], texts, DedupSettings(near_threshold=0.4))
    strict = near_duplicates(["a", "b"], texts, DedupSettings(near_threshold=0.95))
    assert [r.problem_id for r in loose] == ["b"]
    assert strict == []


def test_a_cluster_keeps_its_first_member():
    texts = [_edit(BASE, 0.02, s) for s in range(6)]
    ids = [f"p{i}" for i in range(6)]
    removed = near_duplicates(ids, texts, DedupSettings(near_threshold=0.6))
    assert sorted(r.problem_id for r in removed) == ids[1:]
    assert {r.matched_id for r in removed} == {"p0"}


def test_empty_and_tiny_statements_do_not_collide():
    ids = ["a", "b", "c", "d"]
    removed = near_duplicates(ids, ["", "", "sum two", "reverse a string"], DedupSettings())
    assert removed == []


def test_deduplicate_runs_exact_then_near():
    texts = [BASE, BASE, _edit(BASE, 0.03, 9), OTHER]
    removed = deduplicate(["a", "b", "c", "d"], texts, DedupSettings(near_threshold=0.7))
    assert [(r.problem_id, r.stage) for r in removed] == [
        ("b", RemovalStage.EXACT_DEDUP),
        ("c", RemovalStage.NEAR_DEDUP),
    ]


@pytest.mark.parametrize("threshold", [0.5, 0.7, 0.8, 0.9])
def test_lsh_bands_put_the_s_curve_just_below_the_threshold(threshold):
    bands, rows = lsh_bands(threshold, 128)
    assert bands * rows <= 128
    assert abs((1 / bands) ** (1 / rows) - 0.9 * threshold) < 0.06


def test_chunked_deduplicate_agrees_with_the_parts(monkeypatch):
    import pipeline.problems.dedup as dedup

    texts = [_edit(BASE, 0.02, s) for s in range(5)] + [OTHER, OTHER.lower(), _edit(OTHER, 0.02, 7)]
    ids = [f"p{i}" for i in range(len(texts))]
    whole = deduplicate(ids, texts, DedupSettings(near_threshold=0.6))
    monkeypatch.setattr(dedup, "CHUNK_ROWS", 3)  # chunk borders must not change the result
    assert deduplicate(ids, texts, DedupSettings(near_threshold=0.6)) == whole
    assert sorted(r.problem_id for r in whole) == ["p1", "p2", "p3", "p4", "p6", "p7"]
