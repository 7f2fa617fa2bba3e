"""The Open Referral UK profile's schemas, read from `../shared/oruk-uk-profile/` (beside the
checkout, as CI provides it); tests that need them skip with the reason when it is absent."""

from __future__ import annotations

import json
import uuid
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

ROOT = Path(__file__).resolve().parent.parent
PROFILE = ROOT.parent / "shared" / "oruk-uk-profile" / "schema"
COMPILED = PROFILE / "compiled"
PAGE_KEYS = (
    "total_items",
    "total_pages",
    "page_number",
    "size",
    "first_page",
    "last_page",
    "empty",
    "contents",
)


@cache
def validator(name: str) -> jsonschema.Draft202012Validator:
    """A validator for one profile schema: `compiled/service.json`, `taxonomy.json`..."""
    path = PROFILE / name
    if not path.is_file():
        pytest.skip(
            f"the Open Referral UK profile is not beside this checkout ({name} under "
            "../shared/oruk-uk-profile/schema/ is missing): nothing to validate against"
        )
    schema = json.loads(path.read_text("utf-8"))
    return jsonschema.Draft202012Validator(
        schema,
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
        registry=_registry(),
    )


@cache
def _registry() -> Registry:
    """The profile's uncompiled schemas refer to each other by file name (`taxonomy_term.json`)."""
    resources = [
        (path.name, Resource.from_contents(json.loads(path.read_text("utf-8")), DRAFT202012))
        for path in sorted(PROFILE.glob("*.json"))
    ]
    return Registry().with_resources(resources)


def errors(name: str, document: Any) -> list[str]:
    return [f"{e.json_path}: {e.message}" for e in validator(name).iter_errors(document)]


def check_page(document: dict[str, Any], item_schema: str) -> None:
    """A Page (the profile's pagination keys, each of the right type) whose contents each
    validate against `item_schema`."""
    assert tuple(document) == PAGE_KEYS
    for key in PAGE_KEYS[:4]:
        assert isinstance(document[key], int) and not isinstance(document[key], bool), key
    for key in ("first_page", "last_page", "empty"):
        assert isinstance(document[key], bool), key
    assert document["size"] == len(document["contents"])
    for item in document["contents"]:
        assert errors(item_schema, item) == []


def walk(value: Any, path: str = "$"):
    """Every (path, key, value) in a JSON document."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield path, key, item
            yield from walk(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from walk(item, f"{path}[{index}]")


def assert_ids_are_uuid5(document: Any) -> None:
    for path, key, value in walk(document):
        if key == "id" or key.endswith("_id"):
            assert uuid.UUID(value).version == 5, f"{path}.{key} = {value}"
        assert value is not None, f"{path}.{key} is null"
