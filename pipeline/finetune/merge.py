"""A LoRA adapter merged into its base model's weights, saved as a plain folder that any server
(vLLM, `transformers serve`) loads like the base model. Made once per adapter and reused."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

MERGED = "merged"  # sub-folder of the adapter folder
MARKER = ".trajforge-merged.json"  # written last: a folder without it is an interrupted merge


def merged_folder(model_dir: str | Path, adapter_dir: str | Path, log: Callable[[str], None] = print) -> str:
    """`adapter_dir/merged`: base weights + the adapter's, merged (`merge_and_unload`), with the
    tokenizer (and chat template) the adapter was trained with. Rebuilt when the adapter changed."""
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    adapter_dir = Path(adapter_dir)
    out = adapter_dir / MERGED
    stamp = {"base": str(model_dir), "adapter_mtime_ns": _adapter_mtime(adapter_dir)}
    if _stamp(out) == stamp:
        return str(out.absolute())
    log(f"merging the LoRA adapter {adapter_dir} into {model_dir} -> {out}")
    shutil.rmtree(out, ignore_errors=True)
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
    merged = PeftModel.from_pretrained(model, str(adapter_dir)).merge_and_unload()
    tokenizer_dir = adapter_dir if (adapter_dir / "tokenizer_config.json").is_file() else Path(model_dir)
    merged.save_pretrained(out)
    AutoTokenizer.from_pretrained(tokenizer_dir).save_pretrained(out)
    (out / MARKER).write_text(json.dumps(stamp))
    return str(out.absolute())


def _adapter_mtime(adapter_dir: Path) -> int:
    weights = [p for p in adapter_dir.glob("adapter_model.*") if p.is_file()]
    if not weights:
        raise FileNotFoundError(f"{adapter_dir}: no adapter_model.* file (not a PEFT adapter folder)")
    return max(p.stat().st_mtime_ns for p in weights)


def _stamp(out: Path) -> dict | None:
    try:
        return json.loads((out / MARKER).read_text())
    except (OSError, ValueError):
        return None
