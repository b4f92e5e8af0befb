#!/usr/bin/env bash
# Set up, then run the whole pipeline on the embedded defaults through Dagster.
# Runs are recorded in .dagster/ (DAGSTER_HOME), data goes to ./data (or $TRAJFORGE_DATA).
# Extra arguments go to `trajforge run` (e.g. --recipe recipes/production.yaml).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/docker.sh   # Docker engine + sandbox image (the verification stage needs them)

export DAGSTER_HOME="${DAGSTER_HOME:-$PWD/.dagster}"
mkdir -p "$DAGSTER_HOME"
cp dagster.yaml "$DAGSTER_HOME/dagster.yaml"
exec .venv/bin/trajforge run "$@"
