import pytest

from pipeline.common.settings import RecipeError
from pipeline.finetune.config import (
    CPU_RECIPE,
    EMBEDDED,
    SCHEDULERS,
    Z1_GPU_RECIPE,
    finetune_recipe,
    gradient_accumulation_for,
    parse_finetune_recipe,
    with_overrides,
)
from tests.factories import assert_recipe_error


def test_cpu_recipe_is_the_embedded_model_with_lora():
    recipe = finetune_recipe(CPU_RECIPE)
    assert recipe.base_model == EMBEDDED and recipe.lora.enabled and recipe.mode == "sft"
    assert recipe.dataset_config == "default" and recipe.bf16 == "auto"
    assert recipe.max_steps is not None and recipe.max_steps <= 20  # a short run on two cores


def test_z1_recipe_follows_the_paper():
    recipe = finetune_recipe(Z1_GPU_RECIPE)
    assert recipe.base_model == "Qwen/Qwen2.5-Coder-7B-Instruct"
    assert recipe.learning_rate == 1e-5  # written `1e-5`: PyYAML reads a string, accepted as a float
    assert (recipe.warmup_steps, recipe.lr_scheduler, recipe.epochs) == (100, "cosine", 2.0)
    assert recipe.effective_batch == 256 and recipe.bf16 is True and recipe.max_length >= 8192
    assert not recipe.lora.enabled  # Z1 is full SFT
    assert gradient_accumulation_for(recipe, processes=8) == 32
    assert gradient_accumulation_for(recipe, processes=1) == 256


def test_mode_picks_its_own_config_unless_named():
    assert parse_finetune_recipe({"mode": "length_harmonized"}).dataset_config == "length_harmonized"
    assert parse_finetune_recipe({}).dataset_config == "default"
    assert parse_finetune_recipe({"mode": "length_harmonized", "config": "x"}).dataset_config == "x"


def test_nested_sections_and_types():
    recipe = parse_finetune_recipe(
        {
            "lora": {"enabled": False, "target_modules": ["q_proj"]},
            "learning_rate": "3e-4",
            "epochs": 2,
            "harmonize": {"ratio_eps": 0.1, "weights": "recompute", "lam": 1, "weight_clip": [-1, 3]},
        }
    )
    assert recipe.lora.target_modules == ("q_proj",) and not recipe.lora.enabled
    assert recipe.learning_rate == 3e-4 and isinstance(recipe.epochs, float)
    assert recipe.harmonize.weight_clip == (-1.0, 3.0) and recipe.harmonize.lam == 1.0


def test_schedulers_are_transformers_scheduler_types():
    from transformers.trainer_utils import SchedulerType

    assert set(SCHEDULERS) <= {s.value for s in SchedulerType}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"learning_rat": 1e-4}, "finetune.learning_rat: unknown key; allowed: ['base_model'"),
        ({"mode": "dpo"}, "finetune.mode"),
        ({"lr_scheduler": "cosyne"}, "finetune.lr_scheduler"),
        ({"learning_rate": "fast"}, "finetune.learning_rate: expected a number"),
        ({"learning_rate": 0}, "finetune.learning_rate: must be > 0"),
        ({"per_device_batch": True}, "finetune.per_device_batch: expected an integer"),
        ({"per_device_batch": 0}, "finetune.per_device_batch: must be >= 1"),
        ({"max_steps": 0}, "finetune.max_steps"),
        ({"epochs": 0}, "finetune.epochs"),
        ({"warmup_steps": -1}, "finetune.warmup_steps"),
        ({"bf16": "maybe"}, "finetune.bf16"),
        ({"model_dtype": "int8"}, "finetune.model_dtype"),
        ({"packing": "yes"}, "finetune.packing: expected true or false"),
        ({"mode": "length_harmonized", "packing": True}, "finetune.packing: not with mode length_harmonized"),
        ({"effective_batch": 256, "gradient_accumulation": 4}, "effective_batch or gradient_accumulation"),
        ({"lora": {"r": 0}}, "finetune.lora.r"),
        ({"lora": {"dropout": 1.5}}, "finetune.lora.dropout"),
        ({"lora": {"rank": 8}}, "finetune.lora.rank: unknown key; allowed: ['alpha', 'dropout', 'enabled', 'r', "),
        ({"lora": {"target_modules": []}}, "finetune.lora.target_modules"),
        ({"lora": True}, "finetune.lora: expected a mapping"),
        ({"harmonize": {"ratio_eps": 1.5}}, "finetune.harmonize.ratio_eps"),
        ({"harmonize": {"weights": "mine"}}, "finetune.harmonize.weights"),
        ({"harmonize": {"weight_clip": [4, -2]}}, "finetune.harmonize.weight_clip: low 4.0 > high -2.0"),
        ({"harmonize": {"weight_clip": 4}}, "finetune.harmonize.weight_clip: expected a list"),
        ({"base_model": ""}, "finetune.base_model: must not be empty"),
    ],
)
def test_bad_recipes_fail_with_the_key_named(data, message):
    assert_recipe_error(parse_finetune_recipe, data, message)


def test_section_must_be_a_mapping_and_present(tmp_path):
    with pytest.raises(RecipeError, match="expected a mapping"):
        parse_finetune_recipe(["sft"])
    path = tmp_path / "r.yaml"
    path.write_text("teacher: {}\n")
    with pytest.raises(RecipeError, match="no finetune: section"):
        finetune_recipe(path)


def test_overrides_are_checked_like_the_file():
    recipe = finetune_recipe(CPU_RECIPE, dataset="/elsewhere", max_steps=3)
    assert recipe.dataset == "/elsewhere" and recipe.max_steps == 3
    with pytest.raises(RecipeError, match=r"finetune overrides.steps: unknown key"):
        with_overrides(recipe, steps=3)
    with pytest.raises(RecipeError, match="finetune overrides.max_steps"):
        with_overrides(recipe, max_steps="many")
    with pytest.raises(RecipeError, match="packing"):
        with_overrides(recipe, mode="length_harmonized", packing=True)


def test_effective_batch_must_divide():
    recipe = parse_finetune_recipe({"effective_batch": 256, "per_device_batch": 3})
    with pytest.raises(RecipeError, match="not a multiple"):
        gradient_accumulation_for(recipe, processes=1)
    assert gradient_accumulation_for(parse_finetune_recipe({"gradient_accumulation": 4}), processes=8) == 4


def test_overriding_the_mode_of_the_cpu_recipe_switches_the_config():
    assert finetune_recipe(CPU_RECIPE, mode="length_harmonized").dataset_config == "length_harmonized"
