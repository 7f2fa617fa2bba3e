"""The providers' field reference, generated from the JSON Schema and the controlled lists.

Generated at every build, so the page cannot drift from what the validator enforces: each
field's description, whether it is required, its rule and an example all come from
`schema/entry.schema.json`, and the allowed values from `schema/*.yml`.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from build_tools.entries.model import Entry
from build_tools.outputs import Output
from build_tools.settings import Settings

PAGE = "providers/fields.md"
CONDITIONAL = {
    "location": "when `delivery` has `in-person`",
    "cost_note": "when `cost` is `paid`",
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _example(name: str, value: Any) -> str:
    dumped = yaml.safe_dump(
        {name: value}, allow_unicode=True, sort_keys=False, default_flow_style=None, width=80
    ).strip()
    return dumped


def _rows(schema: dict[str, Any], prefix: str, required: set[str]) -> list[tuple[str, str, str]]:
    rows = []
    for name, sub in schema.get("properties", {}).items():
        full = f"{prefix}{name}"
        need = "yes" if name in required else CONDITIONAL.get(full, "no")
        rows.append((full, need, sub.get("description", "")))
        if sub.get("type") == "object" and "properties" in sub and name != "coordinates":
            rows.extend(_rows(sub, f"{full}.", set(sub.get("required", []))))
        items = sub.get("items", {})
        if items.get("type") == "object":
            rows.extend(_rows(items, f"{full}[].", set(items.get("required", []))))
    return rows


def render(settings: Settings) -> str:
    """The Markdown of the field reference."""
    schema = json.loads((settings.schema_dir / "entry.schema.json").read_text("utf-8"))
    vocab = settings.vocabulary()
    out = [
        "---",
        "title: Every field, explained",
        "description: The fields of an activity entry, with the rules the checker applies.",
        "---",
        "",
        "# Every field, explained",
        "",
        "This page is generated from the entry format's schema and lists, so it always says "
        "exactly what the checker accepts. Start from the "
        "[complete example](index.md#a-complete-example) and change what you need.",
        "",
        "| Field | Required | What it holds |",
        "|---|---|---|",
    ]
    for name, need, text in _rows(schema, "", set(schema["required"])):
        out.append(f"| `{name}` | {need} | {_cell(text)} |")
    out += [
        "",
        "No other fields are allowed: a misspelt field name is reported with the name it "
        "probably meant.",
        "",
        "## Examples, field by field",
        "",
    ]
    for name, sub in schema["properties"].items():
        examples = sub.get("examples")
        hint = sub.get("x-hint", "")
        out += [f"### `{name}`", "", sub.get("description", ""), ""]
        if hint:
            out += [f"If it is wrong, the checker says how to fix it: *{hint}*.", ""]
        if examples:
            out += ["```yaml", _example(name, examples[0]), "```", ""]
    lists = (
        ("categories", "Categories", vocab.categories, True),
        ("areas", "Areas", vocab.areas, False),
        ("audiences", "Audiences", vocab.audiences, False),
        ("accessibility", "Accessibility features", vocab.accessibility, False),
    )
    out += ["## The lists of values", ""]
    for field, title, terms, describe in lists:
        out += [
            f"### {title} (`{field}`)",
            "",
            "| Value | Shown as |" + (" Description |" if describe else ""),
            "|---|---|" + ("---|" if describe else ""),
        ]
        for term in terms.values():
            row = f"| `{term.id}` | {_cell(term.name)} |"
            if describe:
                row += f" {_cell(term.description)} |"
            out.append(row)
        if field == "areas":
            out.append("| `all` | The whole region |")
        out.append("")
    return "\n".join(out) + "\n"


def generate(
    published: list[Entry], settings: Settings, coords: dict[str, tuple[float, float]]
) -> list[Output]:
    return [Output(PAGE, render(settings))]
