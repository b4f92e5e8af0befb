"""Sandbox executors: the warm Docker pool on one or several engines, or the UNSAFE local pool.

Everything that talks to a Docker client lives in `sandbox/`; stages ask for `open_executor`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path

from sandbox.errors import SandboxUnavailable

Log = Callable[[str], None]
__all__ = ["SandboxUnavailable", "open_executor"]


@contextmanager
def open_executor(
    backend: str, workers: int | None, log: Log = print, docker_hosts: Sequence[str] = (), runtime: str = "runc"
):
    """A sandbox executor: the Docker pool (default) or the UNSAFE local process pool.

    With `docker_hosts` (e.g. ["ssh://sandbox-1", "tcp://10.0.0.7:2376"]) there is one pool per
    host, each of `workers` runners bounded by that host's cores, behind one `SpreadPool`.
    A pool never exceeds its machine's cores: more runners only add contention (and CPU-time
    limits stay meaningful)."""
    if backend == "docker":
        with ExitStack() as stack:
            hosts = list(docker_hosts) or [None]
            pools = [stack.enter_context(_docker_pool(host, workers, log, runtime)) for host in hosts]
            if len(pools) == 1:
                yield pools[0]
            else:
                from sandbox.spread import SpreadPool

                log(
                    f"sandbox spread over {len(pools)} Docker hosts: "
                    + ", ".join(f"{h} ({p.size} runners)" for h, p in zip(hosts, pools))
                )
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
        tls = docker.tls.TLSConfig(
            client_cert=(str(certs / "cert.pem"), str(certs / "key.pem")), ca_cert=str(certs / "ca.pem"), verify=True
        )
        return {"base_url": "https://" + host[len("tcp://") :], "tls": tls}
    return {"base_url": host, "use_ssh_client": host.startswith("ssh://")}


def _docker_client(host: str):
    import docker

    return docker.DockerClient(**docker_client_options(host, os.environ.get("DOCKER_CERT_PATH")))


@contextmanager
def _docker_pool(host: str | None, workers: int, log: Log, runtime: str = "runc"):
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
            "or pass --backend process for trusted code only (UNSAFE, no isolation)"
        ) from None
    size = _bounded(workers or cores, cores, where, log)
    if runtime != "runc":
        log(f"sandbox runtime on {where}: {runtime}")
    with DockerPool(ensure_image(client, log=log), size=size, client=client, runtime=runtime) as pool:
        yield pool
