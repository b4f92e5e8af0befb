from pipeline.dataset.filters import FilterSettings, rejection_reason, repetition_ratio, stw_response

VARIED = " ".join(f"step {i} computes value {i * 7} from item {i * 3}" for i in range(40))
LOOP = "wait let me check the sum again " * 40


def test_repetition_ratio_separates_loops_from_varied_reasoning():
    assert repetition_ratio(VARIED) < 0.2
    assert repetition_ratio(LOOP) > 0.9
    assert repetition_ratio("wait wait wait") == 0.0  # too short to judge


def test_rejection_reasons():
    assert rejection_reason(VARIED, 500) is None
    assert rejection_reason(VARIED, 9000) == ("over_token_budget", "9000 > 8192 tokens")
    assert rejection_reason(LOOP, 500)[0] == "repetitive"
    assert rejection_reason(LOOP, 500, FilterSettings(max_repetition=0.99)) is None
    assert rejection_reason(VARIED, 9000, FilterSettings(token_budget=10_000)) is None


def test_stw_response_has_no_think_tags():
    response = stw_response("<think>First, read n.</think>", "```python\nprint(1)\n```")
    assert response == "First, read n.\n\n```python\nprint(1)\n```"
    assert stw_response("", "answer only") == "answer only"
    assert "<think>" not in stw_response("<think>a", "b</think>")
