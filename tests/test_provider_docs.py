"""The provider documentation cannot drift from the schema or from the contract."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from build_tools.entries.loader import load_bytes
from build_tools.entries.validate import validate_entries
from build_tools.settings import load_settings
from build_tools.site.provider_docs import render

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = ROOT.parent / "shared" / "ENTRY_FORMAT.md"
SETTINGS = load_settings(ROOT / "mkdocs.yml")
SCHEMA = json.loads((ROOT / "schema" / "entry.schema.json").read_text("utf-8"))


def test_every_schema_field_and_list_value_is_documented() -> None:
    page = render(SETTINGS)
    for name, sub in SCHEMA["properties"].items():
        assert f"| `{name}` |" in page, name
        assert sub["description"] in page
        for child in sub.get("properties", {}):
            assert f"| `{name}.{child}` |" in page, (name, child)
    vocab = SETTINGS.vocabulary()
    for terms in (vocab.categories, vocab.areas, vocab.audiences, vocab.accessibility):
        for term in terms.values():
            assert f"| `{term.id}` | {term.name} |" in page


def test_required_fields_are_marked_as_required() -> None:
    page = render(SETTINGS)
    for name in SCHEMA["required"]:
        assert f"| `{name}` | yes |" in page
    assert "| `location` | when `delivery` has `in-person` |" in page


def test_the_guide_example_is_a_valid_entry() -> None:
    guide = (ROOT / "docs" / "providers" / "index.md").read_text("utf-8")
    example = re.search(r"```yaml\n(# entries/.*?)```", guide, re.S)
    assert example is not None
    entry, problems = load_bytes(example.group(1).encode(), "example.yml", "mote-park-health-walk")
    assert problems == [] and entry is not None
    assert validate_entries([entry], SETTINGS, today=dt.date(2026, 11, 22)) == []


def test_the_schema_follows_the_contract() -> None:
    """Every field in ENTRY_FORMAT.md's table is in the schema, and no other."""
    if not CONTRACT.is_file():
        import pytest

        pytest.skip("the shared ENTRY_FORMAT.md is not beside this checkout")
    table = CONTRACT.read_text("utf-8").split("## Fields", 1)[1].split("##", 1)[0]
    named = set()
    for cell in re.findall(r"^\| ([^|]+) \|", table, re.M):
        named |= {n.split(".")[0] for n in re.findall(r"`([a-z_.]+)`", cell)}
    named.discard("field")
    # `cost_note` is defined inside the contract's `cost` row ("`paid` needs `cost_note`")
    assert named | {"cost_note"} == set(SCHEMA["properties"])
