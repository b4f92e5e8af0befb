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


def test_extract_program_picks_the_language():
    from sandbox.extract import extract_program

    cpp = "Here:\n```cpp\nint main(){}\n```\n"
    assert extract_program(cpp) == ("cpp", "int main(){}")
    assert extract_program("```java\nclass A {}\n```") == ("java", "class A {}")
    # a Python block wins (the pipeline asks for Python); then the row's language, then the problem's
    assert extract_program("```cpp\nint main(){}\n```\n```python\nprint(1)\n```") == ("python", "print(1)")
    assert extract_program(cpp, language="java") == ("java", "")  # no Java block: nothing to run
    assert extract_program("int main(){}", default="cpp") == ("cpp", "int main(){}")
    assert extract_program("```\nint main(){}\n```", default="cpp") == ("cpp", "int main(){}")
    assert extract_program("print(2)") == ("python", "print(2)")
