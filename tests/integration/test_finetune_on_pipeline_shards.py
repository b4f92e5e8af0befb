"""Issue 6's must-show: fine-tune the embedded model for a few steps on shards the pipeline's own
dataset stage wrote, watch the loss go down, save the adapter, reload it, and generate with a
thinking budget small enough that the cap is hit and the continuation phrase is used."""

from dataclasses import replace

import pytest

from pipeline.common.layout import DataLayout
from pipeline.dataset.build import build_dataset
from pipeline.dataset.card import config_summaries, write_card
from pipeline.evaluation.stw import CONTINUATION_PHRASE, load_generator
from pipeline.finetune.config import finetune_recipe
from pipeline.finetune.train import resolve_base_model, train
from tests.factories import PROBLEMS, TRAJECTORIES, VERIFICATIONS, write_stage_files

pytestmark = pytest.mark.slow


def _pipeline_shards(data):
    """The dataset stage on constructed stage files, repeated so a few steps see every row."""
    copies = [replace(t, id=f"{t.id}-{k}") for k in range(3) for t in TRAJECTORIES]
    verdicts = [replace(v, solution_id=f"{v.solution_id}-{k}") for k in range(3) for v in VERIFICATIONS]
    layout = write_stage_files(DataLayout(data), PROBLEMS.values(), (), {"shard-000": copies}, {"shard-000": verdicts})
    built = build_dataset(layout, ["shard-000"], harmonize_from="teachers")
    write_card(layout.hub_dir(), "test", config_summaries(built.files), built.removed)
    assert built.rows["default"], "the constructed stage files must give accepted rows"
    return layout.hub_dir()


def test_finetune_on_pipeline_shards_then_generate_with_a_thinking_budget(tmp_path):
    hub = _pipeline_shards(tmp_path / "data")
    recipe = finetune_recipe(dataset=str(hub), config="default", max_steps=6, learning_rate=1e-3, warmup_steps=0)
    result = train(recipe, tmp_path / "out", log=lambda _: None)
    losses = [loss for _, loss in result.loss_history]
    assert len(losses) == 6
    assert sum(losses[-2:]) / 2 < 0.8 * sum(losses[:2]) / 2, losses

    generator = load_generator(resolve_base_model(result.base_model), result.adapter_or_model_dir)
    question = next(iter(PROBLEMS.values())).statement
    (hit,) = generator.generate([question], budget=6, answer_tokens=24)
    assert hit.budget_hit and hit.thinking_tokens == 6
    assert CONTINUATION_PHRASE in hit.text and hit.answer_tokens > 0
    assert hit.text.index(CONTINUATION_PHRASE) > 0  # the phrase follows the capped thinking
