#!/usr/bin/env bash
# Idempotent: make sure a Docker engine is installed and running, and the sandbox image built.
# Installs Debian's docker.io and debootstrap when missing (needs root, as on CI and dev boxes),
# starts dockerd in the background when no engine answers, then `trajforge sandbox-image`
# (offline build: debootstrap + docker import; ~2-3 minutes the first time, instant after).
# TRAJFORGE_RUNSC=1 also installs and registers gVisor's runsc runtime (idempotent).
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v dockerd >/dev/null || ! command -v debootstrap >/dev/null; then
  echo "[docker] installing docker.io and debootstrap"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq docker.io debootstrap >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
  echo "[docker] starting dockerd (log: /tmp/trajforge-dockerd.log)"
  as_root bash -c 'nohup dockerd >/tmp/trajforge-dockerd.log 2>&1 &'
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
  docker info >/dev/null 2>&1 || { echo "[docker] dockerd did not come up:"; tail -20 /tmp/trajforge-dockerd.log; exit 1; }
fi

# gVisor (runsc), when asked: TRAJFORGE_RUNSC=1. Debian's runsc package, registered as a Docker
# runtime with --network=none (gVisor refuses to start in the root network namespace otherwise),
# then dockerd reloads its configuration (SIGHUP: running containers are not touched).
if [ "${TRAJFORGE_RUNSC:-0}" = 1 ] && ! docker info --format '{{json .Runtimes}}' | grep -q '"runsc"'; then
  if ! command -v runsc >/dev/null; then
    echo "[docker] installing gVisor (Debian's runsc)"
    as_root apt-get update -qq || true
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq runsc >/dev/null \
      || { echo "[docker] runsc could not be installed (offline?): the sandbox stays on runc"; }
  fi
  if command -v runsc >/dev/null; then
    echo "[docker] registering runsc with dockerd"
    as_root python3 - "$(command -v runsc)" <<'PY'
import json, pathlib, sys
path = pathlib.Path("/etc/docker/daemon.json")
config = json.loads(path.read_text()) if path.exists() and path.read_text().strip() else {}
config.setdefault("runtimes", {})["runsc"] = {"path": sys.argv[1], "runtimeArgs": ["--network=none"]}
path.parent.mkdir(parents=True, exist_ok=True)
path.write_text(json.dumps(config, indent=2) + "\n")
PY
    as_root pkill -HUP -x dockerd
    for _ in $(seq 1 30); do
      docker info --format '{{json .Runtimes}}' | grep -q '"runsc"' && break
      sleep 1
    done
    docker info --format '{{json .Runtimes}}' | grep -q '"runsc"' || { echo "[docker] dockerd did not load runsc"; exit 1; }
  fi
fi

.venv/bin/trajforge sandbox-image
