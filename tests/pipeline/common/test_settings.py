import pytest
import yaml

from pipeline.common.settings import DEFAULT_RECIPE, RECIPES_DIR, RecipeError
from pipeline.problems.settings import parse_problems_recipe, problems_recipe
from pipeline.problems.sources.registry import all_source_names
from tests.factories import assert_recipe_error


def test_shipped_recipes_parse_and_name_known_sources():
    for path in RECIPES_DIR.glob("*.yaml"):
        recipe = problems_recipe(path)
        for entry in recipe.sources + recipe.decontamination.benchmarks:
            assert entry.name in all_source_names()


def test_default_recipe_is_offline_and_holds_out_an_eval_split():
    recipe = problems_recipe(DEFAULT_RECIPE)
    assert all(entry.offline for entry in recipe.sources)
    assert recipe.decontamination.held_out is not None and recipe.decontamination.ngram == 8


def test_production_recipe_decontaminates_against_the_benchmarks():
    recipe = problems_recipe(RECIPES_DIR / "production.yaml")
    assert {b.name for b in recipe.decontamination.benchmarks} == {"humaneval", "mbpp", "livecodebench"}
    assert recipe.decontamination.common_limit == 20  # boilerplate n-grams do not count as leaks


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"sources": []}, "problems.sources: needs at least 1 item"),
        ({"sources": [{"name": "apps", "limt": 3}]}, "problems.sources[0].limt: unknown key; allowed: ['data_files'"),
        ({"sources": [{"name": "apps"}], "dedup": {"near_threshold": 1.5}}, "near_threshold"),
        ({"sources": [{"name": "apps"}], "decontamination": {"benchmarks": [{"name": "apps"}]}}, "against itself"),
        ({"sources": [{"name": "apps"}], "decontamination": {"held_out": {"fraction": 1.0}}}, "fraction"),
        ({"sources": "apps"}, "expected a list"),
        ({"sources": [{"name": "apps"}], "decontamination": {"common_limit": 0}}, "decontamination.common_limit"),
        ({"sources": [{"name": "apps"}], "decontamination": {"min_hits": "two"}}, "decontamination.min_hits"),
        ({"sources": [{"name": "apps", "limit": -5}]}, "problems.sources[0].limit: must be >= 1, got -5"),
        ({"sources": [{"name": "apps", "offline": "no"}]}, "problems.sources[0].offline: expected true or false"),
        ({"sources": [{"name": "nope"}]}, "problems.sources[0].name: unknown problem source 'nope'"),
        ({"sources": [{"name": "apps"}], "dedup": {"shingle_size": 0}}, "problems.dedup.shingle_size: must be >= 2"),
        (
            {"sources": [{"name": "apps"}], "decontamination": {"min_hits": True}},
            "decontamination.min_hits: expected an integer, got True",
        ),
    ],
)
def test_bad_recipes_fail_with_the_key_named(data, message):
    assert_recipe_error(parse_problems_recipe, data, message)


def test_missing_and_broken_recipe_files(tmp_path):
    with pytest.raises(RecipeError, match="does not exist"):
        problems_recipe(tmp_path / "nope.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("problems: [unclosed")
    with pytest.raises(RecipeError, match="not valid YAML"):
        problems_recipe(broken)
    listed = tmp_path / "list.yaml"
    listed.write_text(yaml.safe_dump([1, 2]))
    with pytest.raises(RecipeError, match="mapping"):
        problems_recipe(listed)


def test_an_unknown_top_level_section_is_an_error(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text("problems:\n  sources: [{name: humaneval, offline: true}]\nteachr: {}\n")
    with pytest.raises(RecipeError, match=r"unknown section\(s\) \['teachr'\]"):
        problems_recipe(path)
