#!/usr/bin/env bash
# Set up, then run the whole test suite (slow tests included). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# Docker engine + sandbox image, and gVisor's runsc: the sandbox tests run under both runtimes
export TRAJFORGE_RUNSC="${TRAJFORGE_RUNSC:-1}"
scripts/docker.sh
scripts/browser.sh  # Debian's chromium, for the real-browser test of the Dagster UI
echo "[test] ruff check + ruff format --check"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
exec .venv/bin/python -m pytest "$@"
