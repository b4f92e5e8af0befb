"""The `teacher:` recipe section: wrong shapes and out-of-range numbers are errors naming the key."""

import pytest

from pipeline.common.settings import RecipeError
from pipeline.teacher.config import parse_teacher_recipe

PROFILES = {"short": {"system_prompt": "", "instructions": ""}}


def test_a_string_base_urls_is_an_error_not_a_tuple_of_characters():
    with pytest.raises(RecipeError, match=r"teacher\.base_urls: expected a list, got 'http://host:8000/v1'"):
        parse_teacher_recipe({"backend": "openai", "base_urls": "http://host:8000/v1", "profiles": PROFILES})


def test_a_list_of_base_urls_is_kept_whole():
    recipe = parse_teacher_recipe(
        {"backend": "openai", "base_urls": ["http://a/v1", "http://b/v1"], "profiles": PROFILES}
    )
    assert recipe.base_urls == ("http://a/v1", "http://b/v1")


def test_a_string_prefer_problems_is_an_error():
    with pytest.raises(RecipeError, match=r"teacher\.prefer_problems"):
        parse_teacher_recipe({"prefer_problems": "humaneval/HumanEval/1", "profiles": PROFILES})


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("concurrency", 0),
        ("concurrency", -1),
        ("concurrency", True),
        ("max_retries", -1),
        ("timeout_s", 0),
        ("start_timeout_s", -5),
        ("problem_limit", 0),
        ("problem_limit", -3),
    ],
)
def test_numbers_out_of_range_are_errors_naming_the_key(key, value):
    with pytest.raises(RecipeError, match=rf"teacher\.{key}"):
        parse_teacher_recipe({key: value, "profiles": PROFILES})
