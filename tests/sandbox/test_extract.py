from sandbox.extract import extract_code


def test_last_python_block_wins():
    answer = "Idea...\n```python\nprint(1)\n```\nBetter:\n```py\nprint(2)\n```\nDone."
    assert extract_code(answer) == "print(2)"


def test_python_block_preferred_over_untagged_and_other_languages():
    answer = "```python\nprint(1)\n```\n```\nsome output\n```\n```cpp\nint main(){}\n```"
    assert extract_code(answer) == "print(1)"


def test_untagged_block_used_when_no_python_block():
    assert extract_code("text\n```\nx = 1\nprint(x)\n```\n") == "x = 1\nprint(x)"


def test_plain_code_is_taken_whole():
    assert extract_code("import sys\nprint(sys.stdin.read())\n") == "import sys\nprint(sys.stdin.read())"


def test_only_other_languages_gives_nothing_to_run():
    assert extract_code("```cpp\nint main(){}\n```") == ""


def test_answer_cut_off_inside_a_fence_yields_the_partial_code():
    assert extract_code("Sure:\n```python\nn = int(input())\nprint(n") == "n = int(input())\nprint(n"


def test_tildes_and_longer_fences():
    assert extract_code("~~~python\nprint(3)\n~~~") == "print(3)"
    assert extract_code("````python\nprint('```')\n````") == "print('```')"
