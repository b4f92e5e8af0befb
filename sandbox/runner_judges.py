"""Checkers and interactors for `runner_extra.py` (standard library only, copied next to it).

A checker (`checker input output answer`, testlib's order and exit codes) runs after the solution is
gone, as another uid; an interactor (`interactor input answer`) talks to the solution through pipes,
both under limits, and its exit status is the verdict. Both are Python, or C++ given as a fenced
```cpp block: compiled by their own uid once per request and sealed with the build. One that does
not compile is a sandbox error naming g++'s message, never a verdict on the solution.
"""

import os
import re
import shutil
import signal
import sys
import time

import runner_extra as extra

CHECKER_UID_OFFSET = 10000  # checkers and interactors run as SANDBOX_UID + this: the solution cannot signal them
HELPER_LIMITS = {"time_limit_s": 10.0, "memory_limit_mb": 1024, "output_limit_bytes": 64 << 20}
_FENCED_CPP = re.compile(r"\A\s*```(?:cpp|c\+\+)[ \t]*\n(.*?)\n?```\s*\Z", re.S)  # a C++ checker or interactor
# A Python helper that raises exits 1, which testlib reads as "wrong answer": a crash is exit 3 (its "fail").
HELPER_BOOT = (
    "import runpy, sys, traceback\nsys.argv = sys.argv[1:]\n"
    "try:\n    runpy.run_path(sys.argv[0], run_name='__main__')\nexcept SystemExit:\n    raise\n"
    "except BaseException:\n    traceback.print_exc()\n    sys.exit(3)\n"
)


def helper_argv(code, name, rt):
    """(argv of the checker or interactor, None), (None, None) when there is none, or (None, why it
    cannot run). Python as is; a C++ one (a fenced ```cpp block) is compiled here, once per request."""
    if not code:
        return None, None
    fenced = _FENCED_CPP.match(code)
    if fenced:
        return _compiled_helper(fenced.group(1), name, rt)
    path = os.path.join(extra.BUILD_DIR, f"{name}.py")
    with open(path, "w", encoding="utf-8") as handle_:
        handle_.write(code)
    os.chmod(path, 0o644)
    return [sys.executable, "-c", HELPER_BOOT, path], None


def _compiled_helper(source, name, rt):
    """Compiled by the helper uid in its own folder, then sealed like the solution's build."""
    uid = rt.SANDBOX_UID + CHECKER_UID_OFFSET
    folder = os.path.join(extra.BUILD_DIR, f"{name}-build")
    os.mkdir(folder, 0o700)
    if rt.ISOLATED:
        os.chown(folder, uid, uid)
    path = os.path.join(folder, f"{name}.cpp")
    with open(path, "w", encoding="utf-8") as handle_:
        handle_.write(source)
    if rt.ISOLATED:
        os.chown(path, uid, uid)
    status, output = extra.run_compiler(
        [extra.GXX, "-std=gnu++17", "-O2", "-pipe", "-o", name, f"{name}.cpp"], rt, folder, uid
    )
    if status != 0:
        message = output.decode("utf-8", "replace")[-extra.COMPILE_OUTPUT_BYTES // 4 :]
        return None, f"the {name} did not compile: {message or f'g++ exited with {status}'}"
    extra.seal(folder, rt)
    return [os.path.join(folder, name)], None


def run_helper(argv, test, output, rt):
    """A checker on (input, the program's output, the expected answer), after the solution is gone."""
    uid = rt.SANDBOX_UID + CHECKER_UID_OFFSET
    work_dir, stdin_path = extra.make_work_dir(rt, test, uid)
    files = {"output": output, "answer": test.get("answer", "")}
    for name, text in files.items():
        with open(os.path.join(work_dir, name), "w", encoding="utf-8") as handle_:
            handle_.write(text)
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        extra.exec_child([*argv, stdin_path, "output", "answer"], work_dir, uid, HELPER_LIMITS, rt,
                         stdin=os.open(os.devnull, os.O_RDONLY), stdout=write_fd, stderr=write_fd)  # fmt: skip
    os.close(write_fd)
    status, message = extra.wait_reading(pid, read_fd, HELPER_LIMITS["time_limit_s"] * 2 + 1, rt)
    _clean_helper(rt, uid, work_dir)
    return _helper_verdict(status, message)


def _helper_verdict(status, message):
    """testlib's exit codes: 0 ok, 1 wrong answer, 2 presentation error, anything else the helper failed."""
    text = message.decode("utf-8", "replace")[-500:].strip()
    if status is not None and os.WIFEXITED(status) and os.WEXITSTATUS(status) in (0, 1, 2):
        return {"accepted": os.WEXITSTATUS(status) == 0, "message": text, "failed": False}
    return {"accepted": False, "message": f"checker failed ({_describe(status)}): {text}", "failed": True}


def _describe(status):
    if status is None:
        return "timed out"
    return f"signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status) else f"exit {os.WEXITSTATUS(status)}"


def _clean_helper(rt, uid, work_dir):
    if rt.ISOLATED:
        rt._as_sandbox_user(lambda: os.kill(-1, signal.SIGKILL), uid)  # every process of the helper's uid
        rt._reap_zombies()
    shutil.rmtree(work_dir, ignore_errors=True)


# ------------------------------------------------------------------------------------ interactive


def run_interactive(argv, limits, test, interactor, rt):
    """Solution and interactor joined by two pipes; the interactor's exit status decides."""
    helper_uid = rt.SANDBOX_UID + CHECKER_UID_OFFSET
    work_dir, stdin_path = extra.make_work_dir(rt, test, rt.SANDBOX_UID)
    helper_dir, helper_input = extra.make_work_dir(rt, test, helper_uid)
    with open(os.path.join(helper_dir, "answer"), "w", encoding="utf-8") as handle_:
        handle_.write(test.get("answer", ""))
    to_solution_r, to_solution_w = os.pipe()
    to_helper_r, to_helper_w = os.pipe()
    err_r, err_w = rt._solution_owned_pipe()
    helper_out_r, helper_out_w = os.pipe()
    started = time.monotonic()
    solution = os.fork()
    if solution == 0:
        extra.exec_child(argv, work_dir, rt.SANDBOX_UID, limits, rt, stdin=to_solution_r, stdout=to_helper_w,
                         stderr=err_w, extra_env=extra.JAVA_ENV if argv[0] == extra.JAVA else None)  # fmt: skip
    helper = os.fork()
    if helper == 0:
        extra.exec_child([*interactor, helper_input, "answer"], helper_dir, helper_uid, HELPER_LIMITS, rt,
                         stdin=to_helper_r, stdout=to_solution_w, stderr=helper_out_w)  # fmt: skip
    for fd in (to_solution_r, to_solution_w, to_helper_r, to_helper_w, err_w, helper_out_w):
        os.close(fd)
    wall = float(limits["time_limit_s"]) * 2 + 1
    out_none, res_none = os.open(os.devnull, os.O_RDONLY), os.open(os.devnull, os.O_RDONLY)  # its stdout: the pipe
    outcome = rt._collect(solution, limits, out_none, err_r, res_none, started)
    outcome["oom_killed"] = rt._killed_by_oom(outcome["status"])
    for fd in (out_none, err_r, res_none):
        os.close(fd)
    status, message = extra.wait_reading(helper, helper_out_r, max(1.0, wall - (time.monotonic() - started)) + 2, rt)
    rt._kill_group(solution)
    clean = extra.clean_work_dir(rt, work_dir)
    _clean_helper(rt, helper_uid, helper_dir)
    result = {**rt._classify(outcome, "", dict(limits, style="stdin")), "clean": clean}
    verdict = _helper_verdict(status, message)
    if result["status"] == "ok" or (result["status"] == "runtime_error" and not verdict["accepted"]):
        result["checker"] = verdict  # a solution killed by a closed pipe: the interactor says why
        result["status"] = "ok"
    return result
