"""Per-source TPR, TNR and mutation score, checked against sums done by hand."""

from pipeline.strength.report import by_source, frame, problem_row, wrong_samples
from pipeline.strength.score import ProblemStrength
from schemas import Verdict
from tests.factories import ADD_AMPLIFIED, ADD_OWN


def row(pid, source, accepted, mutants, killed, killed_amp, wrong, rejected, rejected_amp, amplified_tests=None,
        correct=0, correct_accepted=0):  # fmt: skip
    return {"problem_id": pid, "source": source, "tests_from": "source", "tests": 3, "amplified_tests": amplified_tests,
            "reference_accepted": accepted, "mutants": mutants, "mutants_non_equivalent": mutants,
            "mutants_killed": killed, "mutants_killed_amplified": killed_amp, "wrong_programs": wrong,
            "wrong_rejected": rejected, "wrong_rejected_amplified": rejected_amp, "correct_programs": correct,
            "correct_accepted": correct_accepted}  # fmt: skip


def test_rates_per_source_and_in_total():
    rows = frame([
        row("a/1", "a", True, 10, 8, 10, 4, 1, 4, amplified_tests=50),
        row("a/2", "a", False, None, None, None, 2, 2, None),  # reference rejected: no mutation score
        row("b/1", "b", None, None, None, None, 0, 0, None),  # no reference, no wrong program: nothing to rate
    ])  # fmt: skip
    table = {r["source"]: r for r in by_source(rows).to_dicts()}
    a, b, total = table["a"], table["b"], table["total"]
    assert (a["problems"], a["amplified"], a["tpr"]) == (2, 1, 0.5)
    assert (a["wrong_programs"], a["tnr"], a["tnr_amplified"]) == (6, 0.5, 1.0)  # (1 + 2) / 6; 4 / 4
    assert (a["mutation_score"], a["mutation_score_amplified"]) == (0.8, 1.0)
    assert (b["tpr"], b["tnr"], b["mutation_score"]) == (None, None, None)
    assert (total["problems"], total["tpr"], total["tnr"], total["mutation_score"]) == (3, 0.5, 0.5, 0.8)


def test_a_problem_row_leaves_out_mutants_both_sets_accept():
    own = ProblemStrength(ADD_OWN.id, "humaneval", True, 4, 2, {}, (), ("accepted", "wrong_answer", "accepted",
                                                                        "runtime_error"))  # fmt: skip
    amp = ProblemStrength(ADD_OWN.id, "humaneval", True, 4, 3, {}, (), ("wrong_answer", "wrong_answer", "accepted",
                                                                        "wrong_answer"))  # fmt: skip
    wrong = {"incorrect-0": ("wrong_answer", "wrong_answer"), "t9": ("accepted", "wrong_answer")}
    made = problem_row(ADD_OWN, ADD_AMPLIFIED, own, amp, wrong)
    assert (made["mutants"], made["mutants_non_equivalent"]) == (4, 3)  # the third mutant: likely equivalent
    assert (made["mutants_killed"], made["mutants_killed_amplified"]) == (2, 3)
    assert (made["wrong_programs"], made["wrong_rejected"], made["wrong_rejected_amplified"]) == (2, 1, 2)
    assert made["amplified_tests"] == len(ADD_AMPLIFIED.tests) and made["tests_from"] == "source"


def test_a_teacher_sample_is_known_wrong_only_when_the_amplified_tests_reject_it():
    own = {"s1": Verdict.ACCEPTED, "s2": Verdict.ACCEPTED, "s3": Verdict.WRONG_ANSWER}
    amplified = {"s1": Verdict.ACCEPTED, "s2": Verdict.WRONG_ANSWER, "s3": Verdict.WRONG_ANSWER}
    assert wrong_samples(own, amplified) == {"s2": ("accepted", "wrong_answer"), "s3": ("wrong_answer", "wrong_answer")}
    assert wrong_samples(own, None) == {}


def test_other_correct_programs_count_in_the_tpr():
    rows = frame([
        row("c/1", "c", True, None, None, None, 0, 0, None, correct=3, correct_accepted=2),  # C++ and Java programs
        row("c/2", "c", None, None, None, None, 0, 0, None, correct=2, correct_accepted=2),  # no Python reference
    ])  # fmt: skip
    (c,) = [r for r in by_source(rows).to_dicts() if r["source"] == "c"]
    assert c["tpr"] == round(5 / 6, 4)  # (1 reference + 2 + 2) accepted of (1 + 3 + 2)
    made = problem_row(ADD_OWN, None, None, None, {}, {"correct-1": "accepted", "correct-2": "wrong_answer"})
    assert (made["correct_programs"], made["correct_accepted"]) == (2, 1)
