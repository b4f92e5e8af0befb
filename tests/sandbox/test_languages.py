"""Issue #19: C++ and Java beside Python in the same sandbox; checkers for many-answer problems;
interactive problems judged through their interactor. Real programs in the real Docker sandbox,
under both runtimes (the `pool` fixture)."""

from dataclasses import replace

import pytest

from pipeline.problems.sources import code_contests
from pipeline.problems.sources.base import load_hub_rows, normalize_rows
from sandbox.verify import Solution, verify_one
from schemas import Problem, TestCase, TestStyle, Verdict
from schemas.validate import SchemaError, validate

pytestmark = [pytest.mark.slow, pytest.mark.docker]

TWICE = "code_contests/codeforces/4_A. Twice"


def _verify(pool, problem, code, language=None):
    return verify_one(problem, Solution(problem.id, "s", code, language), pool)


@pytest.fixture(scope="module")
def twice(tmp_path_factory):
    """The CodeContests fixture row with programs in three languages, read as production reads it."""
    from tests.pipeline.problems.sources.hub_layout import build

    hub = build(tmp_path_factory.mktemp("hub"))
    rows = load_hub_rows(code_contests.SPEC, root=str(hub / code_contests.HUB_PATH))
    (problem,) = [p for p in normalize_rows(code_contests.SPEC, list(rows)).problems if p.id == TWICE]
    return problem


def test_codecontests_programs_in_three_languages_get_the_right_verdicts(pool, twice):
    problem = twice
    assert [c.split("\n", 1)[0] for c in problem.correct_solutions] == ["n = int(input())", "```cpp", "```java"]
    for code in problem.correct_solutions:
        result = _verify(pool, problem, code)
        assert result.verdict is Verdict.ACCEPTED, (code[:40], result.tests)
    # Python, C++ (int overflow at 2 * 2e9), C++ that does not compile, Java (int overflow)
    verdicts = [_verify(pool, problem, code) for code in problem.incorrect_solutions]
    assert [v.verdict for v in verdicts] == [Verdict.WRONG_ANSWER, Verdict.WRONG_ANSWER, Verdict.SYNTAX_ERROR,
                                             Verdict.WRONG_ANSWER]  # fmt: skip
    assert "error: expected" in verdicts[2].tests[0].detail  # g++'s own message


def test_the_row_language_wins_and_a_java_class_of_any_name_runs(pool):
    problem = Problem("t/double", "t", "double", "Print 2n.", TestStyle.STDIN, (TestCase("4\n", "8\n"),),
                      language="cpp")  # fmt: skip
    cpp = "#include <iostream>\nint main(){long long n; std::cin >> n; std::cout << 2 * n;}"
    assert _verify(pool, problem, cpp).verdict is Verdict.ACCEPTED  # untagged: the problem's language
    java = "class Anything { public static void main(String[] a) { System.out.print(8); } }"
    assert _verify(pool, problem, java, language="java").verdict is Verdict.ACCEPTED
    assert _verify(pool, problem, "print(8)", language="python").verdict is Verdict.ACCEPTED
    on_pypy = "import platform\nprint(8 if platform.python_implementation() == 'PyPy' else 0)"
    assert _verify(pool, problem, on_pypy, language="pypy").verdict is Verdict.ACCEPTED
    assert _verify(pool, problem, on_pypy, language="python").verdict is Verdict.WRONG_ANSWER


CHECKER = """import sys
n = int(open(sys.argv[1]).read())
out = open(sys.argv[2]).read().split()
ok = sorted(out) == [str(i) for i in sorted(range(1, n + 1), key=str)] and all(
    int(a) + 1 != int(b) for a, b in zip(out, out[1:]))
print("ok" if ok else f"not a permutation without ascending neighbours: {out}")
sys.exit(0 if ok else 1)
"""


def test_a_checker_accepts_two_different_right_answers_and_rejects_a_wrong_one(pool):
    permutation = Problem("t/perm", "t", "perm", "Print a permutation of 1..n where no p[i] + 1 == p[i + 1].",
                          TestStyle.STDIN, (TestCase("4\n", "2 4 1 3\n"), TestCase("5\n", "1 3 5 2 4\n")),
                          checker=CHECKER)  # fmt: skip
    descending = "n = int(input())\nprint(*range(n, 0, -1))"
    evens_first = "n = int(input())\nprint(*range(2, n + 1, 2), *range(1, n + 1, 2))"
    assert _verify(pool, permutation, descending).verdict is Verdict.ACCEPTED
    assert _verify(pool, permutation, evens_first).verdict is Verdict.ACCEPTED
    ascending = _verify(pool, permutation, "n = int(input())\nprint(*range(1, n + 1))")
    assert ascending.verdict is Verdict.WRONG_ANSWER and "not a permutation" in ascending.tests[0].detail
    cpp = '```cpp\n#include <cstdio>\nint main(){int n; scanf("%d",&n); for(int i=n;i>0;i--) printf("%d ",i);}\n```'
    assert _verify(pool, permutation, cpp).verdict is Verdict.ACCEPTED


def test_a_checker_that_crashes_never_accepts(pool):
    broken = Problem("t/broken", "t", "broken", "s", TestStyle.STDIN, (TestCase("1\n", "1\n"),), checker="1/0")
    result = _verify(pool, broken, "print(1)")
    assert result.verdict is Verdict.SANDBOX_ERROR
    assert result.attempts == 1  # the problem's own checker failed: running it again would fail the same way


CPP_CHECKER = """```cpp
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <vector>
int main(int argc, char** argv) {  // testlib's order: input output answer; exit 0 accepts
    std::ifstream in(argv[1]), out(argv[2]);
    long long n, x;
    in >> n;
    std::vector<long long> p;
    while (out >> x) p.push_back(x);
    std::vector<long long> sorted(p);
    std::sort(sorted.begin(), sorted.end());
    bool ok = (long long)p.size() == n;
    for (long long i = 0; ok && i < n; i++) ok = sorted[i] == i + 1;
    for (long long i = 0; ok && i + 1 < n; i++) ok = p[i] + 1 != p[i + 1];
    puts(ok ? "ok" : "wrong permutation");
    return ok ? 0 : 1;
}
```"""
TAMPER_CHECKER = """import os
for path in ("/tmp/.trajforge-build/checker-build/checker", "/tmp/.trajforge-build/checker-build"):
    try:
        os.replace("/dev/null", path)
    except OSError:
        pass
    try:
        open(path, "w").write("#!/bin/sh\\nexit 0\\n")
    except OSError:
        pass
n = int(input())
print(*range(1, n + 1))
"""


def test_a_cpp_checker_is_compiled_in_the_sandbox_and_judges_like_the_python_one(pool):
    permutation = Problem("t/perm", "t", "perm", "Print a permutation of 1..n where no p[i] + 1 == p[i + 1].",
                          TestStyle.STDIN, (TestCase("4\n", "2 4 1 3\n"), TestCase("5\n", "1 3 5 2 4\n")),
                          checker=CPP_CHECKER)  # fmt: skip
    assert _verify(pool, permutation, "n = int(input())\nprint(*range(n, 0, -1))").verdict is Verdict.ACCEPTED
    evens_first = "n = int(input())\nprint(*range(2, n + 1, 2), *range(1, n + 1, 2))"
    assert _verify(pool, permutation, evens_first).verdict is Verdict.ACCEPTED
    ascending = _verify(pool, permutation, "n = int(input())\nprint(*range(1, n + 1))")
    assert ascending.verdict is Verdict.WRONG_ANSWER and "wrong permutation" in ascending.tests[0].detail
    java = ("```java\nclass Main { public static void main(String[] a) {"
            " int n = new java.util.Scanner(System.in).nextInt();"
            " for (int i = n; i > 0; i--) System.out.print(i + \" \"); } }\n```")  # fmt: skip
    assert _verify(pool, permutation, java).verdict is Verdict.ACCEPTED
    # the solution cannot replace the sealed checker with one that accepts everything
    assert _verify(pool, permutation, TAMPER_CHECKER).verdict is Verdict.WRONG_ANSWER


def test_a_cpp_checker_that_does_not_compile_never_accepts(pool):
    broken = Problem("t/broken", "t", "broken", "s", TestStyle.STDIN, (TestCase("1\n", "1\n"),),
                     checker="```cpp\nint main( { return 0; }\n```")  # fmt: skip
    result = _verify(pool, broken, "print(1)")
    assert result.verdict is Verdict.SANDBOX_ERROR and "the checker did not compile" in result.tests[0].detail
    assert result.attempts == 1  # compiled once, not once per retry


INTERACTOR = """import sys
secret = int(open(sys.argv[1]).read())
for _ in range(11):
    line = sys.stdin.readline()
    if not line:
        sys.exit(1)
    guess = int(line)
    if guess == secret:
        print("=", flush=True)
        sys.exit(0)
    print("<" if guess < secret else ">", flush=True)
print("too many guesses", file=sys.stderr)
sys.exit(1)
"""
BINARY_SEARCH = """lo, hi = 1, 1000
while True:
    mid = (lo + hi) // 2
    print(mid, flush=True)
    answer = input()
    if answer == "=":
        break
    lo, hi = (mid + 1, hi) if answer == "<" else (lo, mid - 1)
"""


def test_an_interactive_problem_is_judged_by_its_interactor(pool):
    guess = Problem("t/guess", "t", "guess", "Guess the number in 1..1000 in 11 tries.", TestStyle.STDIN,
                    (TestCase("700\n", ""), TestCase("1\n", ""), TestCase("1000\n", "")), interactor=INTERACTOR,
                    interactive=True)  # fmt: skip
    assert _verify(pool, guess, BINARY_SEARCH).verdict is Verdict.ACCEPTED
    linear = _verify(pool, guess, "for g in range(1, 1001):\n    print(g, flush=True)\n    if input() == '=': break")
    assert linear.verdict is Verdict.WRONG_ANSWER
    silent = _verify(pool, guess, "import time\nwhile True: pass")
    assert silent.verdict is Verdict.TIME_LIMIT


CPP_INTERACTOR = """```cpp
#include <cstdio>
#include <fstream>
int main(int argc, char** argv) {  // argv: input answer; stdin/stdout joined to the solution's
    std::ifstream in(argv[1]);
    int secret, guess;
    in >> secret;
    for (int i = 0; i < 11; i++) {
        if (scanf("%d", &guess) != 1) return 1;
        if (guess == secret) { puts("="); fflush(stdout); return 0; }
        puts(guess < secret ? "<" : ">");
        fflush(stdout);
    }
    return 1;
}
```"""


def test_a_cpp_interactor_judges_a_python_and_a_cpp_strategy(pool):
    guess = Problem("t/guess", "t", "guess", "Guess the number in 1..1000 in 11 tries.", TestStyle.STDIN,
                    (TestCase("700\n", ""), TestCase("1000\n", "")), interactor=CPP_INTERACTOR,
                    interactive=True)  # fmt: skip
    assert _verify(pool, guess, BINARY_SEARCH).verdict is Verdict.ACCEPTED
    linear = "for g in range(1, 1001):\n    print(g, flush=True)\n    if input() == '=': break"
    assert _verify(pool, guess, linear).verdict is Verdict.WRONG_ANSWER
    broken = replace(guess, interactor="```cpp\nint main( {}\n```")
    result = _verify(pool, broken, BINARY_SEARCH)
    assert result.verdict is Verdict.SANDBOX_ERROR and "the interactor did not compile" in result.tests[0].detail
    assert result.attempts == 1


def test_an_interactive_problem_without_an_interactor_is_refused():
    guess = Problem("t/guess", "t", "guess", "s", TestStyle.STDIN, (TestCase("1\n", ""),), interactive=True)
    with pytest.raises(SchemaError, match="interactor"):
        validate(guess)
    with pytest.raises(SchemaError, match="language"):
        validate(replace(guess, interactive=False, language="rust"))


HOSTILE_CPP = {
    "fork_bomb": "#include <unistd.h>\nint main(){ while(1) fork(); }",
    "memory_bomb": "#include <vector>\nint main(){ std::vector<char*> v; while(1){ char* p = new char[1<<24];"
    " for(int i=0;i<(1<<24);i+=4096) p[i]=1; v.push_back(p);} }",
    "write_outside": '#include <cstdio>\nint main(){ FILE* f = fopen("/opt/trajforge/runner.py", "w");'
    ' FILE* g = fopen("/etc/passwd", "a"); printf("%d", f != 0 || g != 0); }',
    "network": "#include <sys/socket.h>\n#include <netinet/in.h>\n#include <arpa/inet.h>\n#include <cstdio>\n"
    "int main(){ int s = socket(AF_INET, SOCK_STREAM, 0); sockaddr_in a{}; a.sin_family = AF_INET;"
    ' a.sin_port = htons(53); inet_pton(AF_INET, "8.8.8.8", &a.sin_addr);'
    ' printf("%d", connect(s, (sockaddr*)&a, sizeof a) == 0); }',
    "tamper_build": '#include <cstdio>\nint main(){ FILE* f = fopen("/tmp/.trajforge-build/solution", "w");'
    ' printf("%d", f != 0); }',
}


@pytest.mark.parametrize("name", sorted(HOSTILE_CPP))
def test_hostile_cpp_is_contained_and_the_pool_stays_healthy(pool, name):
    problem = Problem("t/zero", "t", "zero", "Print 1.", TestStyle.STDIN, (TestCase("", "1\n"),) * 2, language="cpp",
                      time_limit_s=2.0, memory_limit_mb=256)  # fmt: skip
    hostile = _verify(pool, problem, HOSTILE_CPP[name])
    assert hostile.verdict is not Verdict.ACCEPTED and hostile.verdict is not Verdict.SANDBOX_ERROR, hostile
    after = _verify(pool, problem, '#include <cstdio>\nint main(){ puts("1"); }')
    assert after.verdict is Verdict.ACCEPTED, after.tests
