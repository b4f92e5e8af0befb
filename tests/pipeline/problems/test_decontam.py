import pytest

from pipeline.problems.decontam import BenchmarkIndex, decontaminate

BENCH = "Write a function that returns the sum of all even numbers found in the given list of integers."


def test_shared_8_gram_is_contamination_regardless_of_case_and_punctuation():
    index = BenchmarkIndex(["bench/1"], [BENCH])
    train = [
        "Task: write a FUNCTION that returns the sum, of all even numbers! Use loops.",
        "Write a function that returns the product of all odd numbers in a list.",
    ]
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


CONSTRAINT = "The first line contains n where $1 \\le n \\le 2 \\cdot 10^5$."


def _statement(i: int) -> str:
    return f"Problem {i}: count the {i}-th colour of tiles number{i} in row{i}. {CONSTRAINT}"


def test_boilerplate_shared_by_many_training_statements_is_not_contamination():
    leaked = "Given a grid of lanterns, print how many lanterns stay lit after every switch flip."
    index = BenchmarkIndex(["bench/1", "bench/2"], [_statement(999), leaked])
    train = [_statement(i) for i in range(25)] + [leaked + " " + CONSTRAINT]
    ids = [f"t/{i}" for i in range(len(train))]
    removed = decontaminate(ids, train, index)
    assert [r.problem_id for r in removed] == ["t/25"]  # the leak, not the 25 constraint lines
    assert removed[0].matched_id == "bench/2"  # attributed by its own n-grams, not the boilerplate
    plain = decontaminate(
        ids, train, BenchmarkIndex(["bench/1", "bench/2"], [_statement(999), leaked], common_limit=None)
    )
    assert len(plain) == 26  # open-r1's rule: every shared constraint line removes its problem


def test_boilerplate_shared_by_many_benchmark_statements_is_not_contamination():
    index = BenchmarkIndex([f"b/{i}" for i in range(21)], [_statement(100 + i) for i in range(21)], common_limit=20)
    assert decontaminate(["t/1"], [_statement(1)], index) == []
    assert decontaminate(["t/1"], [_statement(1)], BenchmarkIndex(["b/0"], [_statement(100)], common_limit=20))


def test_a_few_copies_of_a_leak_are_all_removed():
    index = BenchmarkIndex(["bench/1"], [BENCH], common_limit=3)
    assert len(decontaminate(["a", "b", "c"], [BENCH] * 3, index)) == 3
    assert (
        decontaminate(["a", "b", "c", "d"], [BENCH] * 4, index) == []
    )  # documented: past the limit it reads as boilerplate


def test_invalid_common_limit_is_rejected():
    with pytest.raises(ValueError, match="common_limit"):
        BenchmarkIndex([], [], common_limit=0)


def test_one_shared_ngram_is_a_leak_only_under_the_plain_rule():
    exactly_eight = "so: write a function that returns the sum of apples instead"  # 8 words of BENCH in a row
    assert decontaminate(["t"], [exactly_eight], BenchmarkIndex(["b"], [BENCH])) == []
    assert decontaminate(["t"], [exactly_eight], BenchmarkIndex(["b"], [BENCH], min_hits=1))
    nine = "so: write a function that returns the sum of all apples"  # 9 words: two 8-grams
    assert decontaminate(["t"], [nine], BenchmarkIndex(["b"], [BENCH]))


def test_a_statement_shorter_than_n_words_inside_a_benchmark_is_a_leak():
    assert decontaminate(["t"], ["the sum of all even numbers"], BenchmarkIndex(["b"], ["the sum of all even numbers"]))
