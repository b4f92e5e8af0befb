"""Verification of solution files: `trajforge verify` and the verification assets call this.

Results are appended to the output JSONL one row at a time (flushed), so a killed run loses
at most the solutions in flight; a re-run skips every (problem_id, solution_id) that already
has a final verdict and re-tries the ones that ended in `sandbox_error`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from pipeline.problem_files import read_problem_file
from pipeline.sources.base import MalformedRow, iter_jsonl
from sandbox.verify import Executor, Solution, VerifySettings, verify_all
from schemas import Problem, Verdict, Verification

Log = Callable[[str], None]


@dataclass(frozen=True)
class Rejected:
    """A solution row that could not be verified, with the reason (written next to the output)."""

    row_index: int
    solution_id: str
    field: str
    reason: str


def read_solutions(path: str | Path, problems: dict[str, Problem]) -> tuple[list[tuple[str, Solution]], list[Rejected]]:
    """(file problem id, Solution) pairs, and rows rejected with the field and reason."""
    accepted, rejected = [], []
    for index, row in enumerate(iter_jsonl(path)):
        if isinstance(row, MalformedRow):
            rejected.append(Rejected(index, "", row.field, row.reason))
            continue
        solution_id = str(row.get("solution_id", ""))
        problem_key = str(row.get("problem_id", ""))
        missing = [name for name in ("problem_id", "solution_id", "code") if not str(row.get(name, "")).strip()]
        if missing:
            rejected.append(Rejected(index, solution_id, missing[0], "missing or empty"))
        elif not isinstance(row["code"], str):
            rejected.append(Rejected(index, solution_id, "code", "must be a string"))
        elif problem_key not in problems:
            rejected.append(Rejected(index, solution_id, "problem_id", f"{problem_key!r} is not in the problems file"))
        elif not problems[problem_key].tests:
            rejected.append(Rejected(index, solution_id, "problem_id", f"problem {problem_key!r} has no tests"))
        else:
            accepted.append((problem_key, Solution(problems[problem_key].id, solution_id, row["code"])))
    return accepted, rejected


def verification_row(verification: Verification, problem_key: str) -> dict:
    row = asdict(verification)  # enums are str subclasses: they serialize as their values
    row["problem_id"] = problem_key
    return row


def finished_keys(out_path: Path) -> set[tuple[str, str]]:
    """Keys with a final verdict; rewrites the file without sandbox_error rows (to be retried)."""
    if not out_path.exists():
        return set()
    kept, done = [], set()
    for row in iter_jsonl(out_path):
        if isinstance(row, MalformedRow) or row.get("verdict") == Verdict.SANDBOX_ERROR.value:
            continue  # a torn last line from a killed run, or an infrastructure fault: redo
        key = (str(row["problem_id"]), str(row["solution_id"]))
        if key not in done:
            done.add(key)
            kept.append(row)
    tmp = out_path.with_suffix(out_path.suffix + ".tmp")
    tmp.write_text("".join(json.dumps(r) + "\n" for r in kept), encoding="utf-8")
    os.replace(tmp, out_path)
    return done


def progress_logger(total: int, label: str, log: Log, updates: int = 10) -> Callable[[int], None]:
    """A `progress(done)` callback that logs about `updates` times, and always at the end."""
    step = max(1, total // updates)

    def progress(done: int) -> None:
        if done % step == 0 or done == total:
            log(f"{label} {done}/{total}")

    return progress


@dataclass
class VerifyReport:
    verified: int
    skipped: int
    rejected: int
    verdicts: dict[str, int]


def verify_files(problems_path: str | Path, solutions_path: str | Path, out_path: str | Path,
                 executor: Executor, workers: int, settings: VerifySettings = VerifySettings(),
                 log: Log = print) -> VerifyReport:
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    problems, bad_problems = read_problem_file(problems_path)
    for q in bad_problems:
        log(f"problem row {q.row_index} ({q.record_id or 'no id'}) skipped: {q.field}: {q.reason}")
    pairs, rejected = read_solutions(solutions_path, problems)
    _write_rejected(out_path, rejected, log)
    done = finished_keys(out_path)
    todo = [(key, s) for key, s in pairs if (key, s.solution_id) not in done]
    log(f"{len(pairs)} solutions: {len(pairs) - len(todo)} already verified, {len(todo)} to verify, "
        f"{len(rejected)} rejected")
    by_id = {p.id: p for p in problems.values()}
    key_of = {(s.problem_id, s.solution_id): key for key, s in todo}
    verdicts: dict[str, int] = {}
    progress = progress_logger(len(todo), "verified", log)
    with open(out_path, "a", encoding="utf-8") as out:
        results = verify_all(by_id, [s for _, s in todo], executor, workers, settings, progress)
        for verification in results:
            key = key_of[(verification.problem_id, verification.solution_id)]
            out.write(json.dumps(verification_row(verification, key)) + "\n")
            out.flush()
            verdicts[verification.verdict.value] = verdicts.get(verification.verdict.value, 0) + 1
    return VerifyReport(len(todo), len(pairs) - len(todo), len(rejected), verdicts)


def _write_rejected(out_path: Path, rejected: list[Rejected], log: Log) -> None:
    path = out_path.with_name(out_path.name + ".rejected.jsonl")
    if not rejected:
        path.unlink(missing_ok=True)
        return
    path.write_text("".join(json.dumps(asdict(r)) + "\n" for r in rejected), encoding="utf-8")
    log(f"{len(rejected)} solution rows rejected (reasons in {path}); first: "
        f"row {rejected[0].row_index} {rejected[0].field}: {rejected[0].reason}")


class SandboxUnavailable(RuntimeError):
    """No sandbox backend can run here (e.g. no Docker engine answers)."""


@contextmanager
def open_executor(backend: str, workers: int | None, log: Log = print, docker_hosts: Sequence[str] = ()):
    """A sandbox executor: the Docker pool (default) or the UNSAFE local process pool.

    With `docker_hosts` (e.g. ["ssh://sandbox-1", "tcp://10.0.0.7:2376"]) there is one pool per
    host, each of `workers` runners bounded by that host's cores, behind one `SpreadPool`.
    A pool never exceeds its machine's cores: more runners only add contention (and CPU-time
    limits stay meaningful)."""
    if backend == "docker":
        with ExitStack() as stack:
            hosts = list(docker_hosts) or [None]
            pools = [stack.enter_context(_docker_pool(host, workers, log)) for host in hosts]
            if len(pools) == 1:
                yield pools[0]
            else:
                from sandbox.spread import SpreadPool

                log(f"sandbox spread over {len(pools)} Docker hosts: " + ", ".join(
                    f"{h} ({p.size} runners)" for h, p in zip(hosts, pools)))
                yield SpreadPool(pools, [p.size for p in pools])
    elif backend == "process":
        from sandbox.process_pool import ProcessPool

        log("WARNING: the process backend is UNSAFE (no isolation); use it only on trusted code")
        cores = os.cpu_count() or 1
        with ProcessPool(size=_bounded(workers or cores, cores, "this machine", log)) as pool:
            yield pool
    else:
        raise ValueError(f"unknown sandbox backend {backend!r}: use docker or process")


def _bounded(workers: int, cores: int, where: str, log: Log) -> int:
    if workers > cores:
        log(f"sandbox pool on {where} bounded to {cores} runners (its cores), not {workers}")
    return min(workers, cores)


def docker_client_options(host: str, cert_path: str | None) -> dict:
    """DockerClient arguments for one host: ssh:// through the system `ssh` (no paramiko needed),
    tcp:// with TLS when `cert_path` ($DOCKER_CERT_PATH) holds ca.pem, cert.pem and key.pem."""
    import docker.tls

    certs = Path(cert_path).expanduser() if cert_path else None
    if host.startswith("tcp://") and certs and (certs / "ca.pem").exists():
        tls = docker.tls.TLSConfig(client_cert=(str(certs / "cert.pem"), str(certs / "key.pem")),
                                   ca_cert=str(certs / "ca.pem"), verify=True)
        return {"base_url": "https://" + host[len("tcp://"):], "tls": tls}
    return {"base_url": host, "use_ssh_client": host.startswith("ssh://")}


def _docker_client(host: str):
    import docker

    return docker.DockerClient(**docker_client_options(host, os.environ.get("DOCKER_CERT_PATH")))


@contextmanager
def _docker_pool(host: str | None, workers: int, log: Log):
    """A DockerPool on `host` (None: $DOCKER_HOST or the local engine)."""
    import docker
    import docker.errors

    from sandbox.docker_pool import DockerPool
    from sandbox.image import ensure_image

    where = host or "the local Docker engine"
    try:
        client = _docker_client(host) if host else docker.from_env()
        client.ping()
        cores = int(client.info().get("NCPU") or 1) if host else (os.cpu_count() or 1)
    except docker.errors.DockerException as err:
        raise SandboxUnavailable(
            f"{where} is not reachable ({err}); start the local engine with scripts/docker.sh, "
            "or pass --backend process for trusted code only (UNSAFE, no isolation)") from None
    size = _bounded(workers or cores, cores, where, log)
    with DockerPool(ensure_image(client, log=log), size=size, client=client) as pool:
        yield pool


def verify_references(problems: list[Problem], executor: Executor, workers: int,
                      settings: VerifySettings = VerifySettings(), log: Log = print) -> list[Verification]:
    """Run every problem's reference solution against its own tests: a failure points at a
    broken test set (or a wrong reference), which would otherwise reject good trajectories."""
    checked = [p for p in problems if p.reference_solution and p.tests]
    solutions = [Solution(p.id, "reference", p.reference_solution) for p in checked]
    by_id = {p.id: p for p in checked}
    progress = progress_logger(len(solutions), "reference solutions verified:", log)
    results = list(verify_all(by_id, solutions, executor, workers, settings, progress))
    return sorted(results, key=lambda v: v.problem_id)


def verify_trajectories(problems: dict[str, Problem], trajectories: list, executor: Executor, workers: int,
                        settings: VerifySettings = VerifySettings(), log: Log = print) -> list[Verification]:
    """Each trajectory's extracted code against its problem's tests (solution_id = trajectory id).
    A trajectory without code is a syntax error, not skipped: it stays visible in the counts."""
    solutions = [Solution(t.problem_id, t.id, t.code) for t in trajectories if t.problem_id in problems]
    progress = progress_logger(len(solutions), "trajectories verified:", log)
    results = list(verify_all(problems, solutions, executor, workers, settings, progress))
    return sorted(results, key=lambda v: v.solution_id)
