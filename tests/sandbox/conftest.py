from schemas import Problem, TestCase, TestStyle


def stdin_problem(*pairs, time_limit_s=1.0, memory_limit_mb=256) -> Problem:
    return Problem(id="t/double", source="t", source_id="double", statement="Print twice the number.",
                   test_style=TestStyle.STDIN, tests=tuple(TestCase(i, o) for i, o in pairs),
                   time_limit_s=time_limit_s, memory_limit_mb=memory_limit_mb)


DOUBLE = stdin_problem(("21\n", "42\n"), ("5\n", "10\n"), ("0\n", "0\n"))
DOUBLE_SOLUTION = "print(int(input()) * 2)"
