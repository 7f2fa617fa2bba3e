"""schema/synonyms.yml: valid against its schema, and every key a real category or audience."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from build_tools.settings import Vocabulary, load_synonyms

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "schema" / "synonyms.schema.json").read_text("utf-8"))


def _errors(data: object) -> list[str]:
    validator = jsonschema.Draft202012Validator(SCHEMA)
    return [e.message for e in validator.iter_errors(data)]


def test_the_schema_is_a_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_the_regions_synonyms_file_is_valid() -> None:
    data = yaml.safe_load((ROOT / "schema" / "synonyms.yml").read_text("utf-8"))
    assert _errors(data) == []


def test_every_key_is_a_category_or_audience_id() -> None:
    vocab = Vocabulary.load(ROOT / "schema")
    synonyms = load_synonyms(ROOT / "schema")
    assert set(synonyms["categories"]) <= set(vocab.categories)
    assert set(synonyms["audiences"]) <= set(vocab.audiences)
    # the words the issue names reach the categories a link worker expects
    words = {w: c for c, ws in synonyms["categories"].items() for w in ws}
    assert words["isolation"] == "social-and-befriending"
    assert words["money worries"] == "money-and-benefits"
    assert words["keep fit"] == "physical-activity"
    assert words["feeling low"] == "mental-wellbeing"
    assert words["carer break"] == "carers-support"


@pytest.mark.parametrize(
    "bad",
    [
        {"categories": {"befriending": "lonely"}},  # a word, not a list
        {"categories": {"befriending": []}},  # an empty list
        {"categories": {"Befriending": ["lonely"]}},  # not an id
        {"categories": {"befriending": ["Lonely"]}},  # capitals never match a query
        {"categories": {"befriending": ["lonely", "lonely"]}},  # twice
        {"categories": {"befriending": ["<b>lonely</b>"]}},  # markup
        {"places": {"swale": ["sittingbourne"]}},  # an unknown section
    ],
)
def test_mistakes_are_refused(bad: dict[str, object]) -> None:
    assert _errors(bad)
