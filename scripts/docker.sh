#!/usr/bin/env bash
# Idempotent: make sure a Docker engine is installed and running, and the sandbox image built.
# Installs Debian's docker.io and debootstrap when missing (needs root, as on CI and dev boxes),
# starts dockerd in the background when no engine answers, then `trajforge sandbox-image`
# (offline build: debootstrap + docker import; ~2-3 minutes the first time, instant after).
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

.venv/bin/trajforge sandbox-image
