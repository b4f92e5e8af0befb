import pytest

from pipeline.decontam import BenchmarkIndex, decontaminate

BENCH = "Write a function that returns the sum of all even numbers found in the given list of integers."


def test_shared_8_gram_is_contamination_regardless_of_case_and_punctuation():
    index = BenchmarkIndex(["bench/1"], [BENCH])
    train = ["Task: write a FUNCTION that returns the sum, of all even numbers! Use loops.",
             "Write a function that returns the product of all odd numbers in a list."]
    removed = decontaminate(["t/1", "t/2"], train, index)
    assert [r.problem_id for r in removed] == ["t/1"]
    assert removed[0].matched_id == "bench/1"
    assert len(removed[0].evidence.split()) == 8 and removed[0].evidence in BENCH.lower()
    assert 0 < removed[0].similarity <= 1


def test_seven_shared_words_are_not_enough_at_n_8():
    index = BenchmarkIndex(["bench/1"], [BENCH])
    assert decontaminate(["t/1"], ["write a function that returns the total of apples"], index) == []


def test_ngram_size_is_configurable():
    text = "please write a function that returns the sum of apples"
    assert decontaminate(["t/1"], [text], BenchmarkIndex(["b"], [BENCH], n=4))
    assert not decontaminate(["t/1"], [text], BenchmarkIndex(["b"], [BENCH], n=13))


def test_first_benchmark_owning_an_ngram_is_reported():
    index = BenchmarkIndex(["b/1", "b/2"], [BENCH, BENCH + " Extra words here."])
    assert decontaminate(["t"], [BENCH], index)[0].matched_id == "b/1"


def test_invalid_ngram_size_is_rejected():
    with pytest.raises(ValueError, match="n-gram size"):
        BenchmarkIndex([], [], n=0)
