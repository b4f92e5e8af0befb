"""Build the sandbox image, offline when there is no registry.

Offline path: `debootstrap --variant=minbase --include=python3` a Debian rootfs, `docker
import` it as the base, then add the runner in a one-line build. The image tag carries a hash
of the runner, so changing `runner.py` builds a new image and never reuses a stale one.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path

import docker
import docker.errors

RUNNER = Path(__file__).with_name("runner.py")
RUNNER_FILES = (
    RUNNER,
    *(Path(__file__).with_name(f"runner_{part}.py") for part in ("extra", "judges")),
)  # side by side
IMAGE_REPO = "trajforge-sandbox"
# Python 3.11, g++ 12 (C++17), Java 17, PyPy 3.9 (an optional Python runtime)
LANGUAGE_PACKAGES = ("python3", "g++", "openjdk-17-jdk-headless", "pypy3")
# the base's tag names its packages: a changed list builds a new base, never reuses a stale one
BASE_IMAGE = f"trajforge-sandbox-base:bookworm-{hashlib.sha256(' '.join(LANGUAGE_PACKAGES).encode()).hexdigest()[:8]}"
DEBIAN_MIRROR = "http://deb.debian.org/debian"
RUNNER_PATH_IN_IMAGE = "/opt/trajforge/runner.py"


class ImageBuildError(RuntimeError):
    pass


def image_tag() -> str:
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in RUNNER_FILES) + BASE_IMAGE.encode()).hexdigest()[:12]
    return f"{IMAGE_REPO}:{digest}"


def image_id(tag: str) -> str | None:
    """The local image's content id (`sha256:...`), or None when the engine or the image is missing."""
    try:
        return docker.from_env(timeout=10).images.get(tag).id
    except (docker.errors.DockerException, OSError):
        return None


def _exists(client: docker.DockerClient, name: str) -> bool:
    try:
        client.images.get(name)
        return True
    except docker.errors.ImageNotFound:
        return False


def build_base_offline(
    client: docker.DockerClient,
    log: Callable[[str], None] = print,
    mirror: str = DEBIAN_MIRROR,
    suite: str = "bookworm",
) -> str:
    """debootstrap a minimal Debian with LANGUAGE_PACKAGES and import it as BASE_IMAGE (about 3 minutes)."""
    if shutil.which("debootstrap") is None:
        raise ImageBuildError(
            "debootstrap is not installed (apt-get install debootstrap), or build sandbox/Dockerfile from a registry"
        )
    with tempfile.TemporaryDirectory(prefix="trajforge-rootfs-") as root:
        log(f"debootstrap {suite} with {', '.join(LANGUAGE_PACKAGES)} into {root} (minbase)")
        done = subprocess.run(
            ["debootstrap", "--variant=minbase", f"--include={','.join(LANGUAGE_PACKAGES)}", suite, root, mirror],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise ImageBuildError(f"debootstrap failed ({done.returncode}): {done.stdout[-2000:]}{done.stderr[-2000:]}")
        for cache in ("var/cache/apt/archives", "var/lib/apt/lists"):
            shutil.rmtree(Path(root, cache), ignore_errors=True)
        log(f"docker import -> {BASE_IMAGE}")
        tar = subprocess.Popen(["tar", "-C", root, "-c", "."], stdout=subprocess.PIPE)
        client.images.client.api.import_image_from_stream(
            tar.stdout, repository=BASE_IMAGE.split(":")[0], tag=BASE_IMAGE.split(":")[1]
        )
        if tar.wait() != 0:
            raise ImageBuildError("tar of the rootfs failed")
    return BASE_IMAGE


def _runner_context(base: str) -> io.BytesIO:
    files = " ".join(p.name for p in RUNNER_FILES)
    dockerfile = (
        f"FROM {base}\nCOPY {files} {Path(RUNNER_PATH_IN_IMAGE).parent}/\nWORKDIR /tmp\n"
        f'CMD ["python3", "-u", "{RUNNER_PATH_IN_IMAGE}"]\n'
    ).encode()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in (("Dockerfile", dockerfile), *((p.name, p.read_bytes()) for p in RUNNER_FILES)):
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o644
            tar.addfile(info, io.BytesIO(data))
    buffer.seek(0)
    return buffer


def ensure_image(
    client: docker.DockerClient | None = None, log: Callable[[str], None] = print, base: str | None = None
) -> str:
    """The sandbox image tag, building what is missing (base image offline, then the runner layer)."""
    client = client or docker.from_env()
    tag = image_tag()
    if _exists(client, tag):
        return tag
    if base is None:
        base = BASE_IMAGE
        if not _exists(client, base):
            build_base_offline(client, log)
    log(f"building {tag} from {base}")
    try:
        client.images.build(fileobj=_runner_context(base), custom_context=True, tag=tag, rm=True, pull=False)
    except docker.errors.BuildError as err:
        raise ImageBuildError(f"building {tag} failed: {err}") from None
    return tag
