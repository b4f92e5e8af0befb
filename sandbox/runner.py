"""The in-container runner: a warm Python process that runs many tests per request.

Standard library only: it runs on the sandbox image's bare python3. Protocol: one JSON
request per line on stdin, one JSON response per line on stdout (see `handle`). For every
test it forks a child from this already-warm interpreter; the child drops to the `nobody`
user, puts itself under rlimits, runs the solution and reports through a private pipe.
After every test all processes of that user are killed and its work dir removed, so
nothing a solution starts outlives its test. Judging happens on the host: this file only
reports what the program did (stdout, return value, exit status, resource limit hit).
"""

import ast

# Warm imports: forked children get these for free.
import bisect  # noqa: E401,F401
import builtins
import decimal
import fractions
import json
import os
import resource
import select
import shutil
import signal
import sys
import time

SANDBOX_UID = int(os.environ.get("TF_SANDBOX_UID", "65534"))  # one uid per container: RLIMIT_NPROC is per uid
# Only inside the sandbox container (which sets TF_SANDBOX_ISOLATED=1) does the runner drop to
# SANDBOX_UID and kill that uid's processes; the unsafe process backend never touches other users.
ISOLATED = os.environ.get("TF_SANDBOX_ISOLATED") == "1" and os.getuid() == 0
WORK_ROOT = "/tmp"
WRITABLE_DIRS = (WORK_ROOT, "/dev/shm")  # everything else in the container is read-only
SOLUTION_MODULE = "__main__"
OOM_COUNTERS = ("/sys/fs/cgroup/memory.events", "/sys/fs/cgroup/memory/memory.oom_control")  # cgroup v2, v1
STDERR_TAIL = 2000
PLAIN_TYPES = (
    int,
    float,
    complex,
    str,
    bytes,
    bool,
    type(None),
    list,
    tuple,
    dict,
    set,
    frozenset,
    fractions.Fraction,
    decimal.Decimal,
)


# Call-style problems come from LeetCode-like judges, whose solutions use names those judges
# import for them (`List[int]` annotations, `deque`, `heappush`, `lru_cache`, ...), as
# LiveCodeBench's harness does. No star import that shadows a builtin: `from math import *`
# would replace pow(a, b, mod) with math.pow and reject right answers.
CALL_PRELUDE = compile(
    "from typing import *\nfrom collections import *\nfrom heapq import *\nfrom bisect import *\n"
    "from itertools import *\nfrom functools import *\nfrom string import *\n"
    "from math import inf, gcd, lcm, sqrt, isqrt, ceil, floor, log, log2, comb, factorial, prod\n"
    "import collections, heapq, bisect, math, itertools, functools, string, re, sys\n",
    "<prelude>",
    "exec",
)


LIMIT_GLIMPSE = 1024  # characters of stdout sent back after an output limit


def handle(request):
    """Run every test of one solution; return {"id", "compile_error", "tests": [...]}."""
    if (request.get("language") or "python") != "python" or request.get("checker") or request.get("interactor"):
        import runner_extra  # compiled languages, checkers, interactors: the file next to this one

        return runner_extra.handle(request, sys.modules[__name__])
    code = request["code"]
    try:
        compiled = compile(code, "<solution>", "exec")
    except (SyntaxError, ValueError) as err:
        return {"id": request.get("id"), "compile_error": f"{type(err).__name__}: {err}", "tests": []}
    results = []
    for index, test in enumerate(request["tests"]):
        result = run_test(compiled, request, test)
        result["index"] = index
        results.append(result)
        if request.get("stop_on_failure") and result["status"] != "ok":
            break
        if result["status"] in ("time_limit", "output_limit"):
            break  # the rest would most likely do the same: seconds and megabytes each, for the same verdict
    # clean: nothing of the solution is left (no process of the sandbox user, no files)
    clean = all(result.pop("clean") for result in results)
    return {"id": request.get("id"), "compile_error": None, "tests": results, "clean": clean}


def _solution_owned_pipe():
    """A pipe created under the sandbox user's effective ids, so that a solution can reopen its own
    stdout and stderr by path (`open("/dev/stdout")`); gVisor refuses fchown on a pipe afterwards."""
    if not ISOLATED:
        return os.pipe()
    os.setegid(SANDBOX_UID)
    os.seteuid(SANDBOX_UID)
    try:
        return os.pipe()
    finally:
        os.seteuid(0)
        os.setegid(0)


def run_test(compiled, request, test):
    work_dir = os.path.join(WORK_ROOT, f"run-{os.getpid()}-{time.monotonic_ns()}")
    os.mkdir(work_dir, 0o700)
    stdin_path = os.path.join(work_dir, ".stdin")
    with open(stdin_path, "w", encoding="utf-8") as handle_:
        handle_.write(test.get("input", "") if request["style"] == "stdin" else "")
    if ISOLATED:
        os.chown(work_dir, SANDBOX_UID, SANDBOX_UID)
    out_r, out_w = _solution_owned_pipe()
    err_r, err_w = _solution_owned_pipe()
    res_r, res_w = os.pipe()
    nonce = os.urandom(16).hex()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:  # child: never returns
        _child(compiled, request, test, work_dir, stdin_path, out_w, err_w, res_w, nonce)
    for fd in (out_w, err_w, res_w):
        os.close(fd)
    try:
        outcome = _collect(pid, request, out_r, err_r, res_r, started)
        outcome["oom_killed"] = _killed_by_oom(outcome["status"])
    finally:
        for fd in (out_r, err_r, res_r):
            os.close(fd)
        _kill_group(pid)
        if ISOLATED:
            clean = _kill_sandbox_user_and_clean(work_dir)
        else:
            shutil.rmtree(work_dir, ignore_errors=True)
            clean = True
    return {**_classify(outcome, nonce, request), "clean": clean}


def _collect(pid, request, out_r, err_r, res_r, started):
    """Read the child's pipes until it exits, enforcing the wall-clock and output limits.

    Once the child has exited, only what is already in the pipes is read: a background
    process that inherited them must not keep the test open.
    """
    wall_limit = float(request["time_limit_s"]) * 2 + 1
    output_limit = int(request["output_limit_bytes"])
    buffers = {out_r: bytearray(), err_r: bytearray(), res_r: bytearray()}
    open_fds, limit_hit, exited = set(buffers), None, None
    while open_fds:
        exited = exited or _exited(pid)
        remaining = wall_limit - (time.monotonic() - started)
        if remaining <= 0 and not exited:
            limit_hit = "time_limit"
            break
        ready, _, _ = select.select(list(open_fds), [], [], 0 if exited else min(remaining, 0.05))
        if exited and not ready:
            break
        for fd in ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                open_fds.discard(fd)
                continue
            buffers[fd] += chunk
            if fd == err_r and len(buffers[fd]) > 4 * STDERR_TAIL:
                del buffers[fd][:-STDERR_TAIL]
            if fd in (out_r, res_r) and len(buffers[fd]) > output_limit:
                limit_hit = "output_limit"
        if limit_hit:
            break
    if not exited:
        _kill_group(pid)
        exited = os.wait4(pid, 0)
    _, status, rusage = exited
    return {
        "limit_hit": limit_hit,
        "status": status,
        "rusage": rusage,
        "elapsed": time.monotonic() - started,
        "stdout": bytes(buffers[out_r][:output_limit]),
        "stderr": bytes(buffers[err_r][-STDERR_TAIL:]),
        "result": bytes(buffers[res_r][:output_limit]),
    }


def _exited(pid):
    """(pid, status, rusage) once the child has exited, else None."""
    waited = os.wait4(pid, os.WNOHANG)
    return waited if waited[0] == pid else None


def _kill_group(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _classify(outcome, nonce, request):
    cpu = outcome["rusage"].ru_utime + outcome["rusage"].ru_stime
    base = {
        "time_s": round(outcome["elapsed"], 4),
        "cpu_s": round(cpu, 4),
        "stdout": outcome["stdout"].decode("utf-8", "replace"),
        "stderr": outcome["stderr"].decode("utf-8", "replace"),
        "returned": None,
        "detail": "",
    }
    if outcome["limit_hit"] == "output_limit":  # the verdict needs no more of it than a glimpse
        return {**base, "status": "output_limit", "stdout": base["stdout"][:LIMIT_GLIMPSE],
                "detail": f"printed more than {int(request['output_limit_bytes']):,} bytes"}  # fmt: skip
    if outcome["limit_hit"]:
        return {**base, "status": outcome["limit_hit"]}
    # CPU time, not wall time, decides time_limit: a loaded machine must not fail a solution.
    over_time = cpu > float(request["time_limit_s"])
    status = outcome["status"]
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        if sig == signal.SIGXCPU or (sig == signal.SIGKILL and over_time):
            kind = "time_limit"
        elif sig == signal.SIGKILL and outcome["oom_killed"]:
            kind = "memory_limit"
        else:
            kind = "output_limit" if sig == signal.SIGXFSZ else "runtime_error"
        return {**base, "status": kind, "detail": f"killed by signal {signal.Signals(sig).name}"}
    if over_time:
        return {**base, "status": "time_limit", "detail": f"used {cpu:.2f}s of CPU"}
    report = _parse_report(outcome["result"], nonce)
    if report is None:
        code = os.WEXITSTATUS(status)
        if request["style"] == "stdin" and code == 0:
            return {**base, "status": "ok"}  # a stdin program may end with exit(0); its output is judged
        return {**base, "status": "runtime_error", "detail": f"exited with status {code} before the tests finished"}
    return {**base, "status": report["status"], "returned": report.get("returned"), "detail": report.get("detail", "")}


def _killed_by_oom(status):
    """Whether the container's OOM-kill counter moved since it was last read, read only for a child
    that died of SIGKILL: under gVisor every file read costs ~1 ms, and most tests end normally."""
    if not (os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL):
        return False
    before, now = _OOM_KILLS_SEEN[0], _oom_kills()
    _OOM_KILLS_SEEN[0] = now
    return now > before


def _oom_kills():
    """The container's OOM-kill counter, to tell an OOM kill from a solution killing itself."""
    for path in OOM_COUNTERS:
        try:
            with open(path) as counters:
                for line in counters:
                    if line.startswith("oom_kill "):
                        return int(line.split()[1])
        except OSError:
            continue
    return 0


_OOM_KILLS_SEEN = [_oom_kills()]  # the counter as last read (re-read after leftovers were killed)


def _parse_report(raw, nonce):
    try:
        report = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(report, dict) or report.get("nonce") != nonce:
        return None
    return report


def _as_sandbox_user(action, uid=SANDBOX_UID):
    helper = os.fork()
    if helper == 0:
        try:
            os.setgid(uid)
            os.setuid(uid)
            action()
        except OSError:
            pass
        os._exit(0)
    os.waitpid(helper, 0)


def _kill_sandbox_user_and_clean(work_dir, keep=()):
    """Kill every process of the sandbox user (daemons, fork-bomb leftovers), then remove every
    file it could have written (the only writable places are the tmpfs mounts).

    Killing is done by a helper that becomes the sandbox user: kill(-1) then reaches exactly
    that user's processes. The common case (nothing left running) costs one /proc scan.
    """
    killed_leftovers = False
    for _ in range(50):
        if not _sandbox_user_processes():
            break
        _as_sandbox_user(lambda: os.kill(-1, signal.SIGKILL))  # all of this uid but the caller
        killed_leftovers = True
    if killed_leftovers:  # a leftover's OOM kill must not be charged to the next test
        _OOM_KILLS_SEEN[0] = _oom_kills()
    _reap_zombies()
    leftovers = []
    for root in WRITABLE_DIRS:
        for entry in _listdir(root):
            path = os.path.join(root, entry)
            if path in keep:
                continue  # the request's sealed build (root-owned, read-only to the solution)
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path, ignore_errors=True)  # the runner holds CAP_DAC_OVERRIDE for this
            else:
                _unlink(path)
            if os.path.lexists(path):
                leftovers.append(path)
    return not leftovers and not _sandbox_user_processes()


def _listdir(path):
    try:
        return os.listdir(path)
    except OSError:
        return []


def _unlink(path):
    try:
        os.unlink(path)
    except OSError:
        pass


def _sandbox_user_processes():
    """Live (non-zombie) processes of the sandbox user."""
    pids, own = [], {str(os.getpid()), "1"}  # the runner and the container's init run as root
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or entry in own:
            continue
        try:
            with open(f"/proc/{entry}/status") as status:
                fields = dict(line.split(":", 1) for line in status if ":" in line)
        except OSError:
            continue
        if int(fields.get("Uid", "-1 ").split()[0]) == SANDBOX_UID and not fields.get("State", "").strip().startswith(
            "Z"
        ):
            pids.append(int(entry))
    return pids


def _reap_zombies():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


# ---------------------------------------------------------------------------- child side


def _child(compiled, request, test, work_dir, stdin_path, out_w, err_w, res_w, nonce):
    try:
        os.setsid()
        for source, target in ((out_w, 1), (err_w, 2), (res_w, 3)):
            os.dup2(source, target)
        if ISOLATED:  # drop to the sandbox user before touching its (0700) work dir
            os.setgroups([])
            os.setgid(SANDBOX_UID)
            os.setuid(SANDBOX_UID)
        os.chdir(work_dir)
        os.dup2(os.open(stdin_path, os.O_RDONLY), 0)
        os.closerange(4, 1024)
        os.environ.clear()
        os.environ.update(PATH="/usr/local/bin:/usr/bin:/bin", HOME=work_dir, LANG="C.UTF-8")
        _apply_limits(request)
        sys.stdin = open(0, encoding="utf-8", errors="replace", closefd=False)
        sys.stdout = open(1, "w", encoding="utf-8", closefd=False)
        sys.stderr = open(2, "w", encoding="utf-8", closefd=False)
    except BaseException as err:  # noqa: BLE001 - the solution has not run: this is the sandbox's fault
        _report({"status": "sandbox_error", "detail": f"sandbox set-up failed: {err!r}"}, nonce)
    report = _run_solution(compiled, request, test)
    try:
        sys.stdout.flush()
    except BaseException:  # noqa: BLE001 - stdout may be closed by the solution
        pass
    _report(report, nonce)


def _report(report, nonce):
    report["nonce"] = nonce
    try:
        os.write(3, json.dumps(report, default=repr).encode("utf-8"))
    except (OSError, ValueError):
        os._exit(124)
    os._exit(0)


def _apply_limits(request):
    memory = int(request["memory_limit_mb"]) * 1024 * 1024
    cpu = int(float(request["time_limit_s"])) + 1  # SIGXCPU here; the hard limit (SIGKILL) a second later
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    for limit, value in (
        (resource.RLIMIT_AS, memory),
        (resource.RLIMIT_FSIZE, int(request["output_limit_bytes"])),
        (resource.RLIMIT_NPROC, 64),
        (resource.RLIMIT_CORE, 0),
        (resource.RLIMIT_NOFILE, 64),
    ):
        resource.setrlimit(limit, (value, value))


def _run_solution(compiled, request, test):
    """Run the solution (and the test, for call/assert styles) in this process; return a report."""
    builtins_before = dict(vars(builtins))
    namespace = {"__name__": SOLUTION_MODULE, "__builtins__": builtins}
    style = request["style"]
    try:
        if style == "call":
            exec(CALL_PRELUDE, namespace)
        exec(compiled, namespace)
        report = {"status": "ok"}
        if style == "call":
            report["returned"] = _call(namespace, request["fn_name"], json.loads(test["input"]))
        elif style == "assert":
            namespace["__tf_eq__"] = _strict_eq
            exec(_strict_asserts(test["input"]), namespace)
    except SystemExit as exit_:
        if style == "stdin" and exit_.code in (None, 0):
            report = {"status": "ok"}
        else:
            report = {"status": "runtime_error", "detail": f"SystemExit({exit_.code!r}) before the tests finished"}
    except MemoryError:
        report = {"status": "memory_limit", "detail": "MemoryError"}
    except RecursionError:
        report = {"status": "runtime_error", "detail": "RecursionError: maximum recursion depth exceeded"}
    except BaseException as err:  # noqa: BLE001 - the solution's exception is the verdict
        report = {"status": "runtime_error", "detail": f"{type(err).__name__}: {err}"[:500]}
    if report["status"] == "ok" and vars(builtins) != builtins_before:
        changed = sorted(
            k for k in set(vars(builtins)) | set(builtins_before) if vars(builtins).get(k) is not builtins_before.get(k)
        )
        report = {"status": "runtime_error", "detail": f"solution modified builtins: {changed[:5]}"}
    return report


def _call(namespace, fn_name, args):
    target = namespace.get(fn_name)
    solution_class = namespace.get("Solution")
    if solution_class is not None and hasattr(solution_class, fn_name):
        target = getattr(solution_class(), fn_name)
    if not callable(target):
        raise NameError(f"function {fn_name!r} is not defined by the solution")
    value = target(*args)
    if not _is_plain(value):
        raise TypeError(f"returned a {type(value).__name__}, not a plain value")
    return json.loads(json.dumps(value, allow_nan=True))


def _is_plain(value, depth=0):
    if depth > 50 or type(value) not in PLAIN_TYPES:
        return False
    if isinstance(value, dict):
        return all(_is_plain(k, depth + 1) and _is_plain(v, depth + 1) for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return all(_is_plain(v, depth + 1) for v in value)
    return True


def _strict_eq(left, right):
    """`==` for test asserts that a solution-defined type cannot fake (an always-equal object)."""
    for value in (left, right):
        if any(getattr(klass, "__module__", None) == SOLUTION_MODULE for klass in type(value).__mro__):
            return False
    return left == right


class _StrictAsserts(ast.NodeTransformer):
    def visit_Assert(self, node):
        test = node.test
        if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq):
            node.test = ast.Call(ast.Name("__tf_eq__", ast.Load()), [test.left, test.comparators[0]], [])
        return self.generic_visit(node)


def _strict_asserts(test_code):
    tree = _StrictAsserts().visit(ast.parse(test_code))
    return compile(ast.fix_missing_locations(tree), "<test>", "exec")


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            response = handle(json.loads(line))
        except Exception as err:  # noqa: BLE001 - a malformed request must not kill the runner
            response = {"id": None, "runner_error": f"{type(err).__name__}: {err}"}
        sys.stdout.write(json.dumps(response) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
