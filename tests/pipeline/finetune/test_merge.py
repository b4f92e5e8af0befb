"""A LoRA adapter merged into a folder a server can load: same outputs as base + adapter."""

import os

import pytest
import torch

from pipeline.finetune.merge import MERGED, merged_folder

pytestmark = pytest.mark.slow


def test_the_merged_folder_computes_what_base_plus_adapter_computes(tmp_path):
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from pipeline.teacher.embedded import ensure_hf_folder

    base = ensure_hf_folder(log=lambda _: None)
    model = AutoModelForCausalLM.from_pretrained(base, dtype=torch.float32)
    # init_lora_weights=False: B is random, so the adapter really changes the outputs
    config = LoraConfig(r=4, target_modules=["q_proj", "v_proj"], init_lora_weights=False)
    adapted = get_peft_model(model, config)
    adapter = tmp_path / "adapter"
    adapted.save_pretrained(adapter)
    ids = AutoTokenizer.from_pretrained(base)("def add(a, b):", return_tensors="pt")["input_ids"]
    with torch.no_grad():
        expected = adapted(ids).logits
        base_logits = AutoModelForCausalLM.from_pretrained(base, dtype=torch.float32)(ids).logits
    assert not torch.allclose(expected, base_logits, atol=1e-3)  # the adapter matters

    folder = merged_folder(base, adapter, log=lambda _: None)
    assert folder == str((adapter / MERGED).absolute())
    merged = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32)
    with torch.no_grad():
        assert torch.allclose(merged(ids).logits, expected, atol=1e-4)
    assert AutoTokenizer.from_pretrained(folder).chat_template  # servers render chats with it

    weights = next((adapter / MERGED).glob("*.safetensors"))
    made = weights.stat().st_mtime_ns
    assert merged_folder(base, adapter, log=lambda _: None) == folder and weights.stat().st_mtime_ns == made
    stamp = adapter / "adapter_model.safetensors"
    os.utime(stamp, ns=(made + 10**9, made + 10**9))  # a retrained adapter is merged again
    merged_folder(base, adapter, log=lambda _: None)
    assert next((adapter / MERGED).glob("*.safetensors")).stat().st_mtime_ns != made


def test_a_folder_without_an_adapter_is_refused(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a PEFT adapter folder"):
        merged_folder(tmp_path, tmp_path, log=lambda _: None)
