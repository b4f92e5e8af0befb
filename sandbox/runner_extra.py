"""The runner's second path: compiled languages (C++17, Java 17), PyPy 3, checkers and interactors.

Standard library only, like `runner.py` (which hands requests here and passes itself as `rt`, so
both share one set of limits, pipes, clean-up and verdict rules). A program is compiled once per
request by the sandbox user; the build folder is then handed to root and made read-only, so a run
cannot change what the next test runs. Every test is a fresh `exec` of the program. Checkers and
interactors are `runner_judges.py`.
"""

import os
import re
import select
import shutil
import signal
import sys
import time

import runner_judges as judges  # checkers and interactors: the file next to this one

COMPILE_CPU_S, COMPILE_WALL_S, COMPILE_MEMORY_MB = 30, 90, 2048
COMPILE_OUTPUT_BYTES = 16 * 1024
TIME_FACTOR = {"python": 1.0, "pypy": 1.0, "cpp": 1.0, "java": 2.0}  # Java gets twice the limit, as most judges give it
JAVA_OPTIONS = (
    "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData", "-Xss64m",
    "-XX:ReservedCodeCacheSize=32m", "-XX:MaxMetaspaceSize=96m", "-XX:CompressedClassSpaceSize=32m",
)  # fmt: skip
JAVAC_OPTIONS = ("-J-Xmx512m", *(f"-J{option}" for option in JAVA_OPTIONS if not option.startswith("-Xss")))
GXX, JAVAC, JAVA, PYPY = "/usr/bin/g++", "/usr/bin/javac", "/usr/bin/java", "/usr/bin/pypy3"
JAVA_HEAP_MARGIN_MB = 1280  # address space the JVM maps beyond its heap (code cache, metaspace, stacks; measured)
JAVA_ENV = {"MALLOC_ARENA_MAX": "1"}  # glibc's per-thread 64 MB arenas would need 700 MB more
_JAVA_CLASS = re.compile(r"public\s+(?:final\s+|abstract\s+)*class\s+([A-Za-z_$][\w$]*)")
_JAVA_MAIN = re.compile(r"class\s+([A-Za-z_$][\w$]*)[^{]*\{(?:(?!\bclass\b).)*?static\s+void\s+main\s*\(", re.S)
BUILD_DIR = "/tmp/.trajforge-build"


def handle(request, rt):
    language = request.get("language") or "python"
    if language not in TIME_FACTOR:
        return {"id": request.get("id"), "compile_error": f"unsupported language {language!r}", "tests": []}
    shutil.rmtree(BUILD_DIR, ignore_errors=True)
    try:
        argv, error = build(request["code"], language, rt)
        if error is not None:
            return {"id": request.get("id"), "compile_error": error, "tests": [], "clean": True}
        limits = dict(request, time_limit_s=float(request["time_limit_s"]) * TIME_FACTOR[language])
        checker, checker_error = judges.helper_argv(request.get("checker"), "checker", rt)
        interactor, interactor_error = judges.helper_argv(request.get("interactor"), "interactor", rt)
        if interactor_error is not None:  # the problem's fault: no verdict on the solution
            return {"id": request.get("id"), "compile_error": None, "clean": True, "tests": [
                {"index": 0, "status": "sandbox_error", "detail": interactor_error, "time_s": 0.0,
                 "judge_failed": True}]}  # fmt: skip
        results = []
        for index, test in enumerate(request["tests"]):
            result = run_one(argv, language, limits, test, interactor, rt)
            if checker_error is not None and result["status"] == "ok":
                result["checker"] = {"accepted": False, "message": checker_error, "failed": True}
            elif checker and result["status"] == "ok":
                result["checker"] = judges.run_helper(checker, test, result["stdout"], rt)
            result["index"] = index
            results.append(result)
            if result["status"] != "ok" and (
                request.get("stop_on_failure") or result["status"] in ("time_limit", "output_limit")
            ):
                break  # fmt: skip
        return {"id": request.get("id"), "compile_error": None, "tests": results,
                "clean": all(r.pop("clean") for r in results)}  # fmt: skip
    finally:
        shutil.rmtree(BUILD_DIR, ignore_errors=True)


# ------------------------------------------------------------------------------------ building


def _java_class(code):
    found = _JAVA_CLASS.search(code) or _JAVA_MAIN.search(code)
    return found.group(1) if found else "Main"


def build(code, language, rt):
    """(argv of the program, None), or (None, the compiler's message)."""
    os.mkdir(BUILD_DIR, 0o700)
    if rt.ISOLATED:
        os.chown(BUILD_DIR, rt.SANDBOX_UID, rt.SANDBOX_UID)
    if language in ("python", "pypy"):
        interpreter = sys.executable if language == "python" else PYPY
        source = "solution.py"
        compile_argv = [interpreter, "-c", "import sys; compile(open(sys.argv[1]).read(), sys.argv[1], 'exec')", source]
        run_argv = [interpreter, os.path.join(BUILD_DIR, source)]
    elif language == "cpp":
        source, compile_argv = "solution.cpp", [GXX, "-std=gnu++17", "-O2", "-pipe", "-o", "solution", "solution.cpp"]
        run_argv = [os.path.join(BUILD_DIR, "solution")]
    else:
        name = _java_class(code)
        source, compile_argv = f"{name}.java", [JAVAC, *JAVAC_OPTIONS, "-encoding", "UTF-8", "-nowarn", f"{name}.java"]
        run_argv = [JAVA, *JAVA_OPTIONS, "-cp", BUILD_DIR, name]
    _write_as_sandbox_user(os.path.join(BUILD_DIR, source), code, rt)
    status, output = run_compiler(compile_argv, rt)
    if status != 0:
        return None, (output.decode("utf-8", "replace")[-COMPILE_OUTPUT_BYTES:] or f"compiler exited with {status}")
    seal(BUILD_DIR, rt)
    return run_argv, None


def _write_as_sandbox_user(path, text, rt):
    with open(path, "w", encoding="utf-8") as handle_:
        handle_.write(text)
    if rt.ISOLATED:
        os.chown(path, rt.SANDBOX_UID, rt.SANDBOX_UID)


def seal(folder, rt):
    """Root owns the build from now on; the solution may read and run it, never change it."""
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = os.path.join(root, name)
            if rt.ISOLATED:
                os.lchown(path, 0, 0)
            os.chmod(path, 0o755 if os.path.isdir(path) or os.access(path, os.X_OK) else 0o644)
    if rt.ISOLATED:
        os.chown(folder, 0, 0)
    os.chmod(folder, 0o755)


def run_compiler(argv, rt, folder=BUILD_DIR, uid=None):
    """Compile in `folder` as `uid` (default: the sandbox user) under the compile limits."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        exec_child(argv, folder, uid or rt.SANDBOX_UID, {"time_limit_s": COMPILE_CPU_S, "memory_limit_mb":
                    COMPILE_MEMORY_MB, "output_limit_bytes": 256 << 20}, rt, stdout=write_fd, stderr=write_fd,
                    extra_env={"TMPDIR": folder, **JAVA_ENV})  # fmt: skip
    os.close(write_fd)
    status, output = wait_reading(pid, read_fd, COMPILE_WALL_S, rt, cap=4 * COMPILE_OUTPUT_BYTES)
    if rt.ISOLATED and uid:  # the compiler's helpers (cc1plus, as, ld) too
        rt._as_sandbox_user(lambda: os.kill(-1, signal.SIGKILL), uid)
        rt._reap_zombies()
    elif rt.ISOLATED:
        rt._kill_sandbox_user_and_clean(BUILD_DIR, keep=(BUILD_DIR,))
    if status is None:
        return -1, output + f"\ncompiler stopped after {COMPILE_WALL_S} s".encode()
    if os.WIFSIGNALED(status):
        return -os.WTERMSIG(status), output + f"\ncompiler killed by signal {os.WTERMSIG(status)}".encode()
    return os.WEXITSTATUS(status), output


# ------------------------------------------------------------------------------------ running


def exec_child(argv, work_dir, uid, limits, rt, stdin=None, stdout=None, stderr=None, extra_env=None):
    """In a forked child: become `uid` under `limits` in `work_dir`, then exec `argv`. Never returns."""
    try:
        os.setsid()
        for source, target in ((stdin, 0), (stdout, 1), (stderr, 2)):
            if source is not None:
                os.dup2(source, target)
        os.closerange(3, 1 << 16)
        if rt.ISOLATED:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
        os.chdir(work_dir)
        env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": work_dir, "LANG": "C.UTF-8", **(extra_env or {})}
        rt._apply_limits(limits)
        os.execve(argv[0], argv, env)
    except BaseException as err:  # noqa: BLE001 - report through stderr, never run the parent's code
        try:
            os.write(2, f"sandbox: cannot start {argv[0]}: {err!r}".encode())
        finally:
            os._exit(127)


def _java_limits(limits):
    """The JVM reserves address space far beyond its heap: its heap is the memory limit instead."""
    memory = int(limits["memory_limit_mb"])
    return dict(limits, memory_limit_mb=memory + JAVA_HEAP_MARGIN_MB), [f"-Xmx{memory}m"]


def make_work_dir(rt, test, uid):
    work_dir = os.path.join(rt.WORK_ROOT, f"run-{os.getpid()}-{time.monotonic_ns()}")
    os.mkdir(work_dir, 0o700)
    stdin_path = os.path.join(work_dir, ".stdin")
    with open(stdin_path, "w", encoding="utf-8") as handle_:
        handle_.write(test.get("input", ""))
    if rt.ISOLATED:
        os.chown(work_dir, uid, uid)
        os.chown(stdin_path, uid, uid)
    return work_dir, stdin_path


def run_one(argv, language, limits, test, interactor, rt):
    if language == "java":
        limits, heap = _java_limits(limits)
        argv = [argv[0], heap[0], *argv[1:]]
    if interactor:
        return judges.run_interactive(argv, limits, test, interactor, rt)
    work_dir, stdin_path = make_work_dir(rt, test, rt.SANDBOX_UID)
    out_r, out_w = rt._solution_owned_pipe()
    err_r, err_w = rt._solution_owned_pipe()
    res_r, res_w = os.pipe()
    os.close(res_w)  # an exec'd program reports only through its exit status
    started = time.monotonic()
    stdin_fd = os.open(stdin_path, os.O_RDONLY)
    pid = os.fork()
    if pid == 0:
        exec_child(argv, work_dir, rt.SANDBOX_UID, limits, rt, stdin=stdin_fd, stdout=out_w, stderr=err_w,
                    extra_env=JAVA_ENV if argv[0] == JAVA else None)  # fmt: skip
    for fd in (out_w, err_w, stdin_fd):
        os.close(fd)
    try:
        outcome = rt._collect(pid, limits, out_r, err_r, res_r, started)
        outcome["oom_killed"] = rt._killed_by_oom(outcome["status"])
    finally:
        for fd in (out_r, err_r, res_r):
            os.close(fd)
        rt._kill_group(pid)
        clean = clean_work_dir(rt, work_dir)
    return {**rt._classify(outcome, "", dict(limits, style="stdin")), "clean": clean}


def clean_work_dir(rt, work_dir):
    if rt.ISOLATED:
        return rt._kill_sandbox_user_and_clean(work_dir, keep=(BUILD_DIR,))
    shutil.rmtree(work_dir, ignore_errors=True)
    return True


def wait_reading(pid, read_fd, wall_s, rt, cap=65536):
    """(wait status, or None when it ran past `wall_s` and was killed; the first `cap` bytes it wrote)."""
    output, deadline, status, reading = bytearray(), time.monotonic() + wall_s, None, True
    while time.monotonic() < deadline:
        if reading and select.select([read_fd], [], [], 0.05)[0]:
            chunk = os.read(read_fd, 65536)
            output += chunk[: max(0, cap - len(output))]
            reading = bool(chunk)
            if chunk:
                continue
        waited = os.waitpid(pid, os.WNOHANG)
        if waited[0] == pid:
            status = waited[1]
            break
        if not reading:
            time.sleep(0.01)  # its output is closed, it has not exited yet
    os.close(read_fd)
    if status is None:
        rt._kill_group(pid)
        os.waitpid(pid, 0)
    return status, bytes(output)
