"""A pool of warm sandbox containers, each running `runner.py`, talked to over `docker attach`.

Every container: no network, read-only root, a small tmpfs at /tmp, memory/pids/CPU limits,
all capabilities dropped but those the runner needs to drop privileges and clean up,
no-new-privileges, no mounts, an empty environment. A container that times out, breaks its
stream or reports a runner error is thrown away and replaced (recycled), and the request is
reported as a `SandboxFault` so the caller retries it: infrastructure faults are never the
solution's failure. When the Docker engine itself goes away (restarted, upgraded), its containers
die with it: the request in flight on one is a fault, an idle container is checked before it is
used again, and container starts are retried with backoff until the engine starts one (for up to
`engine_wait_s` of outage), so a restart does not use up the solutions' attempts.
"""

from __future__ import annotations

import json
import os
import queue
import socket
import struct
import threading
import time
from dataclasses import dataclass

import docker
import docker.errors

from sandbox.errors import SandboxFault, SandboxUnavailable

LABEL = "trajforge.sandbox"
# The runner (root in the container) needs these to drop privileges per test, kill what a
# solution leaves behind and remove its files; solutions run as an unprivileged uid with none.
RUNNER_CAPABILITIES = ["SETUID", "SETGID", "KILL", "CHOWN", "DAC_OVERRIDE", "FOWNER"]
FIRST_SANDBOX_UID = 20000  # slot i runs solutions as uid 20000+i: per-uid rlimits stay per container
OWNER_LABEL = "trajforge.owner"  # "host:pid" of the pool's process: a killed owner's containers can be found
# What a call to an engine that is down raises: requests' ConnectionError is an OSError, not a DockerException.
ENGINE_ERRORS = (docker.errors.DockerException, OSError)


@dataclass(frozen=True)
class ContainerLimits:
    memory_mb: int = 1024  # whole container, runner included
    pids: int = 128
    tmpfs_mb: int = 64
    cpus: float = 1.0
    max_requests: int = 1000  # recycle after this many requests even when healthy


def owner_label() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, someone else's
    return True


def reap_orphans(client: docker.DockerClient) -> int:
    """Remove sandbox containers left by a pool whose process died without closing it (SIGKILL):
    those labelled with this host's name and a pid that no longer runs. Returns how many."""
    host = socket.gethostname()
    reaped = 0
    try:
        containers = client.containers.list(all=True, filters={"label": LABEL})
    except ENGINE_ERRORS:
        return 0  # the engine is down: the pool's own start retries will say so
    for container in containers:
        owner_host, _, pid = container.labels.get(OWNER_LABEL, "").rpartition(":")
        if owner_host == host and pid.isdigit() and not _pid_alive(int(pid)):
            _quietly(lambda c=container: c.remove(force=True))
            reaped += 1
    return reaped


RUNTIMES = ("runc", "runsc")  # runsc: gVisor, a user-space kernel between the program and the host's


def require_runtime(client: docker.DockerClient, runtime: str) -> str:
    """`runtime`, once the engine is known to have it registered; a clear error otherwise."""
    if runtime not in RUNTIMES:
        raise ValueError(f"sandbox runtime must be one of {RUNTIMES}, got {runtime!r}")
    if runtime == "runc":
        return runtime  # Docker's own default: always there
    try:
        registered = set((client.info().get("Runtimes") or {}).keys())
    except ENGINE_ERRORS:
        return runtime  # the engine is down: the pool's own start retries will say so
    if runtime not in registered:
        raise SandboxUnavailable(
            f"the Docker engine has no {runtime!r} runtime (registered: {', '.join(sorted(registered)) or 'none'}); "
            "install and register gVisor with TRAJFORGE_RUNSC=1 scripts/docker.sh, or use runtime runc"
        )
    return runtime


class WarmContainer:
    """One running container and the attached stdin/stdout stream of its runner."""

    def __init__(
        self, client: docker.DockerClient, image: str, slot: int, limits: ContainerLimits, runtime: str = "runc"
    ):
        self.slot, self.requests = slot, 0
        self.checked = time.monotonic()  # when it was last known to be running
        # create + start rather than `run`: a container that fails to start is not left behind
        self.container = client.containers.create(
            image,
            ["python3", "-u", "/opt/trajforge/runner.py"],
            detach=True,
            stdin_open=True,
            tty=False,
            network_mode="none",
            read_only=True,
            tmpfs={"/tmp": f"rw,size={limits.tmpfs_mb}m,mode=1777,exec"},
            mem_limit=f"{limits.memory_mb}m",
            memswap_limit=f"{limits.memory_mb}m",
            # under gVisor the guest's processes are not host processes, and a guest that reaches the
            # pids limit takes the whole sandbox down (measured); RLIMIT_NPROC per solution still holds
            pids_limit=limits.pids if runtime == "runc" else None,
            nano_cpus=int(limits.cpus * 1e9),
            cap_drop=["ALL"],
            cap_add=RUNNER_CAPABILITIES,
            security_opt=["no-new-privileges"],
            init=True,
            user="root",
            working_dir="/tmp",
            environment={"TF_SANDBOX_ISOLATED": "1", "TF_SANDBOX_UID": str(FIRST_SANDBOX_UID + slot)},
            labels={LABEL: "1", OWNER_LABEL: owner_label()},
            auto_remove=False,
            ipc_mode="none",
            shm_size="1m",
            runtime=runtime,
        )
        try:
            self.container.start()
            raw = client.api.attach_socket(
                self.container.id, params={"stdin": 1, "stdout": 1, "stderr": 1, "stream": 1}
            )
        except BaseException:
            _quietly(lambda: self.container.remove(force=True))
            raise
        self.sock: socket.socket = raw._sock  # noqa: SLF001 - docker-py exposes no public raw socket
        self._raw = raw
        self._pending = b""
        self._stderr = b""

    def request(self, payload: dict, timeout_s: float) -> dict:
        self.requests += 1
        try:
            self.sock.settimeout(timeout_s)
            self.sock.sendall(json.dumps(payload).encode() + b"\n")
            line = self._read_line(time.monotonic() + timeout_s)
        except (TimeoutError, OSError) as err:
            raise SandboxFault(f"container {self.container.short_id}: {type(err).__name__}: {err}") from None
        try:
            response = json.loads(line)
        except ValueError:
            raise SandboxFault(f"container {self.container.short_id}: unreadable response {line[:200]!r}") from None
        if response.get("runner_error"):
            raise SandboxFault(f"runner error: {response['runner_error']}")
        return response

    def _read_line(self, deadline: float) -> bytes:
        """Demultiplex docker's stream (8-byte frame headers) until one stdout line is complete."""
        while b"\n" not in self._pending:
            header = self._read_exact(8, deadline)
            stream, size = header[0], struct.unpack(">I", header[4:])[0]
            body = self._read_exact(size, deadline)
            if stream == 1:
                self._pending += body
            else:
                self._stderr = (self._stderr + body)[-4000:]
        line, self._pending = self._pending.split(b"\n", 1)
        return line

    def _read_exact(self, size: int, deadline: float) -> bytes:
        chunks, remaining = [], size
        while remaining:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            chunk = self.sock.recv(remaining)
            if not chunk:
                detail = self._stderr.decode("utf-8", "replace")[-500:]
                raise SandboxFault(f"container {self.container.short_id} closed its stream {detail}")
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)

    def running(self) -> bool:
        """Whether the engine still runs this container (False when the engine does not answer)."""
        try:
            self.container.reload()
        except ENGINE_ERRORS:
            return False
        self.checked = time.monotonic()
        return self.container.status == "running"

    def close(self) -> None:
        _quietly(self._raw.close)
        _quietly(lambda: self.container.remove(force=True))


def _quietly(action) -> None:
    try:
        action()
    except ENGINE_ERRORS:
        pass


class DockerPool:
    """`size` warm containers shared by any number of threads; `run` blocks for a free one."""

    def __init__(
        self,
        image: str,
        size: int,
        limits: ContainerLimits = ContainerLimits(),
        client: docker.DockerClient | None = None,
        engine_wait_s: float = 180.0,
        runtime: str = "runc",
    ):
        self.client = client or docker.from_env()
        self.runtime = require_runtime(self.client, runtime)
        self.image, self.limits, self.size = image, limits, size
        self.engine_wait_s = engine_wait_s  # how long container starts keep retrying while the engine fails
        self._failing_since: float | None = None  # first failed start of the current outage
        self._last_fault = 0.0  # when a request last failed: idle containers older than that get checked
        self._idle: queue.Queue[WarmContainer | int] = queue.Queue()
        self._lock = threading.Lock()
        self._live: dict[int, WarmContainer] = {}
        self.recycled = 0
        self.reaped = reap_orphans(self.client)
        for slot in range(size):
            self._idle.put(slot)  # started lazily, on first use

    def run(self, payload: dict, timeout_s: float) -> dict:
        item = self._idle.get()
        container = item if isinstance(item, WarmContainer) else None
        slot = item if isinstance(item, int) else item.slot
        healthy = False
        try:
            if container is not None and container.checked < self._last_fault and not container.running():
                self._retire(container)  # died while idle (e.g. with the engine): not worth an attempt
                container = None
            if container is None:
                container = self._start(slot)
            response = container.request(payload, timeout_s)
            healthy = response.get("clean", True) and container.requests < self.limits.max_requests
            return response
        except SandboxFault:
            self._last_fault = time.monotonic()
            raise
        except ENGINE_ERRORS as err:
            self._last_fault = time.monotonic()
            raise SandboxFault(f"docker: {type(err).__name__}: {err}") from None
        finally:
            if healthy:
                self._idle.put(container)
            else:
                self._retire(container)
                self._idle.put(slot)

    def _start(self, slot: int) -> WarmContainer:
        """A fresh container in `slot`. A start that fails for the engine's sake (it is down, or
        restarting) is retried with exponential backoff: it is never the solution's failure. The
        pool gives up (a `SandboxFault`, fast for every later start) once no start has succeeded for
        `engine_wait_s`; the next start that succeeds ends the outage. A missing image fails at once."""
        delay = 0.25
        while True:
            try:
                container = WarmContainer(self.client, self.image, slot, self.limits, self.runtime)
            except docker.errors.ImageNotFound:
                raise
            except ENGINE_ERRORS as err:
                now = time.monotonic()
                with self._lock:
                    self._failing_since = self._failing_since or now
                    out_of_time = now + delay > self._failing_since + self.engine_wait_s
                if out_of_time:
                    raise SandboxFault(
                        f"Docker engine: no container started for {self.engine_wait_s:.0f}s: "
                        f"{type(err).__name__}: {err}"
                    ) from None
                time.sleep(delay)
                delay = min(delay * 2, 5.0)
                continue
            with self._lock:
                self._failing_since = None
                self._live[slot] = container
            return container

    def _retire(self, container: WarmContainer | None) -> None:
        if container is None:
            return
        with self._lock:
            self._live.pop(container.slot, None)
            self.recycled += 1
        container.close()

    def close(self) -> None:
        with self._lock:
            live, self._live = list(self._live.values()), {}
        for container in live:
            container.close()
        self._remove_stopped()

    def _remove_stopped(self) -> None:
        """Remove this process's containers that are not running: after an engine restart, the ones
        it stopped and the ones it created but never started, whose removal failed while it was down."""
        try:
            stopped = self.client.containers.list(
                all=True, filters={"label": f"{OWNER_LABEL}={owner_label()}", "status": ["created", "exited"]}
            )
        except ENGINE_ERRORS:
            return
        for container in stopped:
            _quietly(container.remove)

    def __enter__(self) -> DockerPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
