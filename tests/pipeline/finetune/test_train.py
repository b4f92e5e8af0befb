import json
import math
from dataclasses import asdict, replace

import pytest
import torch

from pipeline.finetune.config import parse_finetune_recipe
from pipeline.finetune.train import (
    MARKER,
    TrainResult,
    bf16_enabled,
    finished_result,
    load_dtype,
    loss_history,
    plot_loss,
    torch_threads,
    train,
)

# ---- small pieces, no model -------------------------------------------------------------------


def test_loss_history_keeps_training_losses_only():
    logs = [{"loss": 2.0, "step": 1}, {"train_runtime": 3.0, "step": 2}, {"loss": 1.5, "step": 2}]
    assert loss_history(logs) == [(1, 2.0), (2, 1.5)]


def test_bf16_auto_is_off_without_a_gpu_that_supports_it():
    assert bf16_enabled(True) and not bf16_enabled(False)
    assert bf16_enabled("auto") == (torch.cuda.is_available() and torch.cuda.is_bf16_supported())


def test_load_dtype():
    lora = parse_finetune_recipe({})
    full = parse_finetune_recipe({"lora": {"enabled": False}})
    assert load_dtype(lora, bf16=True) == torch.bfloat16 and load_dtype(lora, bf16=False) == torch.float32
    assert load_dtype(full, bf16=True) == torch.float32  # fp32 master weights under autocast
    assert load_dtype(parse_finetune_recipe({"model_dtype": "float16"}), bf16=False) == torch.float16


def test_torch_threads_are_restored():
    before = torch.get_num_threads()
    with torch_threads(1):
        assert torch.get_num_threads() == (before if torch.cuda.is_available() else 1)
    assert torch.get_num_threads() == before


def test_plot_loss(tmp_path):
    assert plot_loss([], tmp_path / "none.png", "t") is None
    path = plot_loss([(1, 2.0), (2, 1.0)], tmp_path / "curve.png", "t")
    assert path.read_bytes().startswith(b"\x89PNG")


def fake_result(tmp_path) -> TrainResult:
    (tmp_path / "adapter").mkdir(exist_ok=True)
    return TrainResult(
        str(tmp_path / "adapter"), "sft", 2, [(1, 2.0), (2, 1.0)], 100, 10.0, 10.0, None, "embedded", True, 4
    )


def test_a_finished_run_is_reused_only_for_the_same_recipe_and_data(tmp_path):
    recipe = parse_finetune_recipe({"dataset": "/data"})
    result = fake_result(tmp_path)
    (tmp_path / MARKER).write_text(
        json.dumps(
            {"status": "finished", "recipe": recipe.to_dict(), "result": asdict(result), "dataset_fingerprint": "abc"}
        )
    )
    logs = []
    assert finished_result(tmp_path, recipe, "abc", logs.append) == result
    assert finished_result(tmp_path, replace(recipe, learning_rate=1.0), "abc", logs.append) is None
    assert finished_result(tmp_path, recipe, "changed", logs.append) is None
    assert "another recipe" in logs[0] and "dataset changed" in logs[1]
    (tmp_path / "adapter").rmdir()
    assert finished_result(tmp_path, recipe, "abc", logs.append) is None
    assert finished_result(tmp_path / "nothing", recipe, "abc") is None


def test_z1_recipe_becomes_the_papers_trainer_arguments(tmp_path):
    from pipeline.finetune.config import Z1_GPU_RECIPE, finetune_recipe
    from pipeline.finetune.train import lora_config, sft_config

    recipe = finetune_recipe(Z1_GPU_RECIPE)
    args = sft_config(recipe, tmp_path, bf16=False, processes=8)  # bf16=True needs the GPU
    assert args.gradient_accumulation_steps == 32 and args.per_device_train_batch_size == 1
    assert (args.learning_rate, args.warmup_steps, args.num_train_epochs) == (1e-5, 100, 2.0)
    assert args.lr_scheduler_type.value == "cosine" and args.max_length == recipe.max_length
    assert args.gradient_checkpointing and args.completion_only_loss and args.save_steps == 100
    assert lora_config(recipe) is None  # full SFT
    lora = lora_config(replace(recipe, lora=replace(recipe.lora, enabled=True)))
    assert lora.r == 64 and lora.lora_alpha == 128 and set(lora.target_modules) >= {"q_proj", "down_proj"}


def test_train_result_round_trips_through_json(tmp_path):
    result = fake_result(tmp_path)
    assert TrainResult.from_dict(json.loads(json.dumps(asdict(result)))) == result


# ---- the embedded SmolLM2-135M, a few steps on CPU ----------------------------------------------


def tiny_recipe(folder, **overrides):
    """Repeated tiny data and a high learning rate: the loss reliably falls within a few steps.
    One torch thread: on a 2-core machine shared with other busy processes it is the fastest."""
    return parse_finetune_recipe(
        {
            "dataset": str(folder),
            "max_steps": 6,
            "learning_rate": "1e-3",
            "warmup_steps": 0,
            "lr_scheduler": "constant",
            "per_device_batch": 2,
            "max_length": 128,
            "gradient_checkpointing": False,
            "cpu_threads": 1,
            "lora": {"r": 8, "alpha": 16, "dropout": 0.0},
            **overrides,
        }
    )


@pytest.mark.slow
def test_the_loss_is_on_the_response_only(hub_folder):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from pipeline.finetune.data import training_examples
    from pipeline.finetune.train import _build_trainer, resolve_base_model, sft_config

    recipe = tiny_recipe(hub_folder)
    base = resolve_base_model(recipe.base_model)
    tokenizer = AutoTokenizer.from_pretrained(base)
    model = AutoModelForCausalLM.from_pretrained(base)
    examples = training_examples(recipe)
    trainer = _build_trainer(
        recipe, model, tokenizer, examples, sft_config(recipe, hub_folder / "out", False, 1), print
    )
    row = trainer.train_dataset[0]
    prompt_ids = tokenizer.apply_chat_template(
        examples[0]["prompt"], add_generation_prompt=True, tokenize=True, return_dict=True
    )["input_ids"]
    labels, ids = row["labels"], row["input_ids"]
    assert ids[: len(prompt_ids)] == prompt_ids  # the model's own chat template, one user turn
    assert all(label == -100 for label in labels[: len(prompt_ids)])
    assert labels[len(prompt_ids) :] == ids[len(prompt_ids) :]  # every response token, end of turn included
    assert tokenizer.decode(ids[len(prompt_ids) :]).startswith(examples[0]["completion"][0]["content"])
    assert tokenizer.eos_token_id in labels[len(prompt_ids) :]


@pytest.mark.slow
def test_sft_lowers_the_loss_saves_and_reloads(hub_folder, tmp_path):
    from transformers import AutoModelForCausalLM

    from pipeline.finetune.train import load_finetuned, resolve_base_model

    recipe = tiny_recipe(hub_folder)
    out, logs = tmp_path / "run", []
    result = train(recipe, out, log=logs.append)
    losses = [loss for _, loss in result.loss_history]
    assert result.steps == 6 and len(losses) == 6 and all(math.isfinite(v) for v in losses)
    assert sum(losses[-2:]) / 2 < sum(losses[:2]) / 2 * 0.8, losses
    assert result.train_tokens > 0 and result.tokens_per_s > 0
    assert (out / "loss_curve.png").is_file() and (out / "adapter" / "adapter_config.json").is_file()
    assert any("step 6/6" in line for line in logs)
    # the student's card names its base by Hub id, not the folder it was loaded from (PEFT's own card did)
    from huggingface_hub import ModelCard

    card = ModelCard.load(out / "adapter" / "README.md")
    assert card.data.base_model == "HuggingFaceTB/SmolLM2-135M-Instruct" and card.data.library_name == "peft"
    assert "Q4_1 GGUF" in card.text and str(tmp_path) not in card.content and "/root/" not in card.content

    # A second call finds the finished run and returns it without training.
    again = []
    assert train(recipe, out, log=again.append) == result and any("skipping" in line for line in again)

    model, tokenizer = load_finetuned(out)
    lora_b = [p for name, p in model.named_parameters() if "lora_B" in name]
    assert lora_b and any(p.abs().sum() > 0 for p in lora_b)  # B starts at zero: trained
    merged, _ = load_finetuned(out, merge=True)
    base = AutoModelForCausalLM.from_pretrained(resolve_base_model("embedded"))
    name = "model.layers.0.self_attn.q_proj.weight"
    assert not torch.equal(dict(merged.named_parameters())[name], dict(base.named_parameters())[name])
    prompt = tokenizer.apply_chat_template(
        [{"role": "user", "content": "Write a function add(a, b)."}],
        add_generation_prompt=True,
        return_tensors="pt",
        return_dict=True,
    )
    with torch.no_grad():
        generated = merged.generate(**prompt, max_new_tokens=4, do_sample=False)
    assert generated.shape[1] > prompt["input_ids"].shape[1]


@pytest.mark.slow
@pytest.mark.parametrize("lora", [True, False])
def test_length_harmonized_steps_give_finite_losses(hub_folder, tmp_path, lora):
    # With LoRA the reference is the model with its adapter disabled; full FT uses a frozen copy.
    recipe = tiny_recipe(
        hub_folder,
        mode="length_harmonized",
        max_steps=2 if lora else 1,
        gradient_checkpointing=lora,
        lora={"enabled": lora, "dropout": 0.0},
    )
    logs = []
    result = train(recipe, tmp_path / "harmonized", log=logs.append)
    assert result.mode == "length_harmonized" and result.steps == recipe.max_steps
    assert all(math.isfinite(loss) for _, loss in result.loss_history)
    assert len(result.loss_history) == recipe.max_steps
    assert any("ratio" in line for line in logs)
    assert (tmp_path / "harmonized" / ("adapter" if lora else "model")).is_dir()
