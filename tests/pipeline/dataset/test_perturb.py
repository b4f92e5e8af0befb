import random
import subprocess
import sys

import pytest

from pipeline.dataset.perturb import (
    Perturbation,
    apply,
    corrupt_digits,
    delete_steps,
    insert_steps,
    join_steps,
    remove_reflection,
    sample_rng,
    shuffle_steps,
    split_steps,
)

CODE = "```python\ndef f(x):\n    return x + 1\n\n\nprint(f(41))\n```"
REASONING = "\n\n".join(
    [f"Step {i}: we compute {i * 7} + {i} and wait for it." for i in range(1, 5)]
    + [CODE]
    + [f"Step {i}: hmm, check {i * 3}." for i in range(5, 10)]
)
ANSWER = "Final answer:\n\n```python\nn = 12\nprint(n * 3)\n```\n"
DONOR = "\n\n".join(f"Donor paragraph {i}." for i in range(20))
STEPS = [f"step {i}\n\n" for i in range(12)]


def test_split_join_round_trip():
    for text in [
        REASONING,
        "\n\n  lead\n\n\n\nmid\n  \n\ttail\n\n",
        "one\ntwo\nthree",
        "First. Second!  Third? Fourth",
        "only line",
        "",
        "a\n" + CODE + "\nb",
    ]:
        assert join_steps(split_steps(text)) == text


def test_segmentation_paragraphs_lines_sentences_and_code():
    steps = split_steps(REASONING)
    assert len(steps) == 10 and steps[4] == CODE + "\n\n"
    assert split_steps("a\nb\nc") == ["a\n", "b\n", "c"]
    assert split_steps("A b. C d!  E f") == ["A b. ", "C d!  ", "E f"]
    assert split_steps("x\n" + CODE + "\ny") == ["x\n", CODE + "\n", "y"]


# --- digits ---


def test_digits_deterministic_and_seed_dependent():
    a = corrupt_digits(REASONING, 0.5, random.Random(1))
    assert a == corrupt_digits(REASONING, 0.5, random.Random(1))
    assert a != corrupt_digits(REASONING, 0.5, random.Random(2))
    assert a != REASONING


@pytest.mark.parametrize("p", [0.0, 0.1, 0.3, 0.5, 1.0])
def test_digits_rate(p):
    # Originals are >= 100, replacements are 0-10: every replacement decision changes the value,
    # so the fraction of changed numbers is exactly the fraction of replacement decisions.
    originals = [str(100 + i) for i in range(1000)]
    text = " ".join(f"v{i % 3} = {n}," for i, n in enumerate(originals))
    out = corrupt_digits(text, p, random.Random(7))
    values = [tok.rstrip(",") for tok in out.split() if tok.rstrip(",").isdigit()]
    assert len(values) == 1000
    assert all(v == o or 0 <= int(v) <= 10 for v, o in zip(values, originals))
    changed = sum(v != o for v, o in zip(values, originals)) / 1000
    assert abs(changed - p) <= 0.05
    assert "v0" in out and "v1" in out  # numbers glued to a word are not standalone


def test_digits_never_touch_code_and_handle_decimals():
    text = "pi is 3.14159 and 42\n" + CODE + "\nthen 7"
    out = corrupt_digits(text, 1.0, random.Random(0))
    assert CODE in out
    first = out.split("\n")[0].split()
    assert first[2].isdigit() and int(first[2]) <= 10  # the whole decimal is one number


# --- reflection ---


def test_remove_reflection_phrases_and_cleanup():
    text = (
        "So x = 3. Wait, that is wrong.\n"
        "Hmm.\n"
        "Let me double-check: the sum is 5. But wait, let me think again about it.\n"
        "Alternatively, use a loop.  On second thought, no.\n"
        "WAIT a moment; I await the result.\n" + CODE.replace("return x + 1", "wait = 1  # hmm") + "\n"
    )
    out = remove_reflection(text)
    lines = out.split("\n")
    assert lines[0] == "So x = 3. That is wrong."
    assert lines[1] == "The sum is 5. About it."
    assert lines[2] == "Use a loop. No."
    assert lines[3] == "A moment; I await the result."  # "await" is not the word "wait"
    assert CODE.replace("return x + 1", "wait = 1  # hmm") in out  # code untouched
    assert "  " not in "\n".join(lines[:4])
    assert remove_reflection("nothing to see here\n") == "nothing to see here\n"


def test_reflection_sample_rate_and_determinism():
    text = "Wait, 2 + 2 = 4. Hmm, yes."
    for rate in (0.0, 0.25, 0.5, 1.0):
        p = Perturbation("reflection", rate, seed=3)
        outs = [apply(p, text, ANSWER, None, f"sample-{i}")[0] for i in range(400)]
        assert abs(sum(o != text for o in outs) / 400 - rate) <= 0.07
        assert outs == [apply(p, text, ANSWER, None, f"sample-{i}")[0] for i in range(400)]
        assert set(outs) <= {text, "2 + 2 = 4. Yes."}
    a = [apply(Perturbation("reflection", 0.5, 1), text, ANSWER, None, f"s{i}")[0] for i in range(50)]
    b = [apply(Perturbation("reflection", 0.5, 2), text, ANSWER, None, f"s{i}")[0] for i in range(50)]
    assert a != b


# --- structure ---


@pytest.mark.parametrize("ratio", [0.33, 0.67, 1.0])
def test_shuffle_moves_exactly_k_and_keeps_multiset(ratio):
    out = shuffle_steps(STEPS, ratio, random.Random(5))
    assert sorted(out) == sorted(STEPS)
    assert sum(a != b for a, b in zip(out, STEPS)) == round(ratio * len(STEPS))


@pytest.mark.parametrize("ratio", [0.33, 0.67, 1.0])
def test_delete_removes_exactly_k_keeping_order(ratio):
    out = delete_steps(STEPS, ratio, random.Random(5))
    k = min(round(ratio * len(STEPS)), len(STEPS) - 1)
    assert len(out) == len(STEPS) - k
    assert out == [s for s in STEPS if s in out]  # relative order kept
    assert delete_steps(["only\n"], 1.0, random.Random(0)) == ["only\n"]
    assert len(delete_steps(STEPS, 1.0, random.Random(0))) == 1


@pytest.mark.parametrize("ratio", [0.33, 0.67, 1.0])
def test_insert_adds_exactly_k_donor_steps_keeping_order(ratio):
    donors = [f"donor {i}\n\n" for i in range(30)]
    out = insert_steps(STEPS, donors, ratio, random.Random(5))
    assert len(out) == len(STEPS) + round(ratio * len(STEPS))
    assert [s for s in out if s in STEPS] == STEPS
    assert all(s in donors for s in out if s not in STEPS)
    few = insert_steps(STEPS, donors[:2], 1.0, random.Random(0))  # fewer donors than k: drawn with replacement
    assert len(few) == 24


@pytest.mark.parametrize("kind", ["shuffle", "delete", "insert"])
@pytest.mark.parametrize("ratio", [0.33, 0.67, 1.0])
def test_apply_structure(kind, ratio):
    pert = Perturbation(kind, ratio, seed=11)
    out, answer = apply(pert, REASONING, ANSWER, DONOR, "problem-1/sample-0")
    assert answer == ANSWER
    assert (out, answer) == apply(pert, REASONING, ANSWER, DONOR, "problem-1/sample-0")
    assert out != apply(Perturbation(kind, ratio, seed=12), REASONING, ANSWER, DONOR, "problem-1/sample-0")[0]
    steps, orig = split_steps(out), split_steps(REASONING)
    norm = [s.strip() for s in steps]
    assert all(s.count("```") in (0, 2) for s in steps)  # code blocks never split
    k, n = round(ratio * len(orig)), len(orig)
    if kind == "shuffle":
        assert sorted(norm) == sorted(s.strip() for s in orig)
        assert CODE in out
    elif kind == "delete":
        assert len(steps) == n - min(k, n - 1)
        assert norm == [s.strip() for s in orig if s.strip() in norm]
    else:
        assert len(steps) == n + k
        assert [s for s in norm if s.startswith("Donor")] and CODE in out
        assert [s for s in norm if not s.startswith("Donor")] == [s.strip() for s in orig]
    assert not out.startswith("\n") and not out.endswith("\n")


def test_apply_digits_keeps_answer_and_code():
    pert = Perturbation("digits", 1.0, seed=0)
    out, answer = apply(pert, REASONING, ANSWER, None, "k")
    assert answer == ANSWER and CODE in out and out != REASONING
    assert out == apply(pert, REASONING, ANSWER, None, "k")[0]
    assert out != apply(pert, REASONING, ANSWER, None, "other-key")[0]


def test_rng_is_stable_across_processes():
    code = "from pipeline.dataset.perturb import sample_rng; print(sample_rng(3, 'abc').random())"
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert float(other.stdout) == sample_rng(3, "abc").random()
    assert sample_rng(3, "abc").random() != sample_rng(4, "abc").random()


def test_validation_errors():
    with pytest.raises(ValueError, match="rate"):
        Perturbation("digits", 1.5, 0)
    with pytest.raises(ValueError, match="rate"):
        Perturbation("shuffle", float("nan"), 0)
    with pytest.raises(ValueError, match="kind"):
        Perturbation("swap", 0.5, 0)
    with pytest.raises(ValueError, match="ratio"):
        shuffle_steps(STEPS, -0.1, random.Random(0))
    with pytest.raises(ValueError, match=r"\bp\b"):
        corrupt_digits("1", 2.0, random.Random(0))
    with pytest.raises(ValueError, match="donor_reasoning"):
        apply(Perturbation("insert", 0.5, 0), REASONING, ANSWER, None, "k")


def test_the_fast_number_pattern_finds_exactly_the_numbers_of_the_documented_one():
    import random
    import re

    from pipeline.dataset.perturb import _NUMBER_SPLIT, NUMBER

    rng, alphabet = random.Random(3), "0123456789..,- ax_\n`é٣"  # Arabic-indic digit: \d is Unicode
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 80))) for _ in range(20_000)]
    texts += ["a12 12a 1.5a 1.5.3 .5 3. 007 x1.2y 1_2 ١٢"]
    documented = re.compile(f"({NUMBER.pattern.replace('(', '(?:')})")
    assert all(_NUMBER_SPLIT.split(t) == documented.split(t) for t in texts)
