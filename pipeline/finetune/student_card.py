"""The fine-tuned student's model card: the base model by its Hub id (never the local folder it was
loaded from), the conversion applied to it, the dataset and the recipe, through huggingface_hub's
`ModelCard` / `ModelCardData` so the Hub validates the metadata."""

from __future__ import annotations

from pathlib import Path

from pipeline.finetune.config import EMBEDDED, FinetuneRecipe

CARD_FILE = "README.md"


def student_base(base_model: str) -> tuple[str, str]:
    """(Hub id or public name, conversion note) of the recipe's `base_model`."""
    from pipeline.dataset.assemble import public_model_name
    from pipeline.teacher.embedded import EMBEDDED_CONVERSION, EMBEDDED_HUB_ID, EMBEDDED_PUBLIC_ID

    name = EMBEDDED_PUBLIC_ID if base_model == EMBEDDED else public_model_name(base_model)
    return (EMBEDDED_HUB_ID, EMBEDDED_CONVERSION) if name == EMBEDDED_PUBLIC_ID else (name, "")


def student_card(recipe: FinetuneRecipe, dataset_repo: str | None, steps: int, examples: int):
    from huggingface_hub import ModelCard, ModelCardData

    base, conversion = student_base(recipe.base_model)
    data = ModelCardData(
        base_model=base,
        datasets=[dataset_repo] if dataset_repo else None,
        library_name="peft" if recipe.lora.enabled else "transformers",
        pipeline_tag="text-generation",
        tags=["trajforge", "code-reasoning", recipe.mode] + (["lora"] if recipe.lora.enabled else []),
    )
    weights = f" ({conversion})" if conversion else ""
    source = f"`{dataset_repo}`" if dataset_repo else "a trajforge build"
    lora = f"LoRA r={recipe.lora.r}, alpha={recipe.lora.alpha}" if recipe.lora.enabled else "full fine-tuning"
    body = (
        f"# {base.split('/')[-1]} tuned by trajforge ({recipe.mode})\n\n"
        f"- Base model: `{base}`{weights}.\n"
        f"- Training data: config `{recipe.dataset_config}` of {source}, {examples} examples, {steps} steps.\n"
        f"- Method: {recipe.mode}, {lora}, learning rate {recipe.learning_rate}, max length {recipe.max_length}.\n"
    )
    return ModelCard(f"---\n{data.to_yaml()}\n---\n\n{body}")


def write_student_card(out_dir: Path, recipe: FinetuneRecipe, steps: int, examples: int) -> Path:
    """README.md next to the weights; the dataset is named by its Hub repo when it was published."""
    dataset_repo = _published_repo(recipe.dataset)
    path = Path(out_dir) / CARD_FILE
    student_card(recipe, dataset_repo, steps, examples).save(path)
    return path


def _published_repo(dataset: str) -> str | None:
    """The dataset's Hub repo id when `dataset` is one (not a local folder)."""
    from pipeline.dataset.assemble import public_model_name

    name = public_model_name(dataset)
    return name if name == dataset and "/" in dataset else None
