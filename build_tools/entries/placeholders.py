"""The example values `community-map new` writes, and how the validator refuses each one.

One list, read by both: the template fills its fields from `PLACEHOLDERS`, and the validator
refuses any field that still holds its placeholder, saying which field to replace and with
what. Each value is chosen so that no real listing can have it: instructions ("Replace
with ..."), addresses under the reserved `.example` domain (RFC 2606), a phone number from
Ofcom's range kept for TV and drama, a postcode that cannot exist (no UK postcode starts
with X), and times written as "HH:MM".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from build_tools.entries.model import Path_


@dataclass(frozen=True)
class Placeholder:
    """One example value and what the provider should write instead."""

    path: Path_
    value: str
    fix: str  # "replace it with ..." advice, completing "is still the template's example: "


PLACEHOLDERS: tuple[Placeholder, ...] = (
    Placeholder(
        ("name",),
        "Replace with the activity's name",
        "replace it with the activity's name, as people know it",
    ),
    Placeholder(
        ("summary",),
        "Replace this with one sentence about what happens and who it is for.",
        "replace it with one sentence (10 to 200 characters) about what happens and who it is for",
    ),
    Placeholder(
        ("description",),
        "Replace this with what happens, who it suits, what to bring and how to join.",
        "replace it with your own description, or delete `description` and its text",
    ),
    Placeholder(
        ("categories", 0),
        "replace-with-a-category",
        "replace it with one to three categories from schema/categories.yml, like "
        "[physical-activity]",
    ),
    Placeholder(
        ("organisation", "name"),
        "Replace with the organisation's name",
        "replace it with your organisation's name",
    ),
    Placeholder(
        ("organisation", "website"),
        "https://your-organisation.example",
        "replace it with your organisation's website, or delete the line",
    ),
    Placeholder(
        ("contact", "phone"),
        "01632 960000",
        "replace it with the phone number people should call, in quotes, or delete the line",
    ),
    Placeholder(
        ("contact", "email"),
        "your.name@your-organisation.example",
        "replace it with the e-mail address people should write to, or delete the line",
    ),
    Placeholder(
        ("location", "venue"),
        "Replace with the venue's name",
        "replace it with the name of the building or place, or delete the line",
    ),
    Placeholder(
        ("location", "address"),
        "Replace with the street address",
        "replace it with the venue's street address",
    ),
    Placeholder(
        ("location", "town"),
        "Replace with the town",
        "replace it with the town or village",
    ),
    Placeholder(
        ("location", "postcode"),
        "XX1 1XX",
        "replace it with the venue's postcode",
    ),
    Placeholder(
        ("schedule", 0, "start"),
        "HH:MM",
        'replace it with the time it starts, in quotes, on the 24-hour clock, like "10:00"',
    ),
    Placeholder(
        ("schedule", 0, "end"),
        "HH:MM",
        'replace it with the time it ends, in quotes, on the 24-hour clock, like "11:30"',
    ),
)

BY_PATH: dict[Path_, Placeholder] = {p.path: p for p in PLACEHOLDERS}

# Ofcom keeps these numbers for TV, radio and drama: never a real line (national digits).
_DRAMA = (
    re.compile(r"^1632960\d{3}$"),
    re.compile(r"^7700900\d{3}$"),
    re.compile(r"^2079460\d{3}$"),
    re.compile(r"^11[345678]4960\d{3}$"),
    re.compile(r"^1[2-9]14960\d{3}$"),
    re.compile(r"^1914980\d{3}$"),
    re.compile(r"^28964960\d{2}$|^2896496\d{3}$"),
    re.compile(r"^2920180\d{3}$"),
    re.compile(r"^8081570\d{3}$"),
    re.compile(r"^9098790\d{3}$"),
    re.compile(r"^3069990\d{3}$"),
)


def value(path: Path_) -> str:
    """The placeholder the template writes at `path`."""
    return BY_PATH[path].value


def _normal(text: str) -> str:
    """Retyping, spacing, case and a dropped full stop do not make an example real."""
    text = unicodedata.normalize("NFKC", text).replace("\u2019", "'")
    return " ".join(text.casefold().split()).rstrip(".")


def is_drama_number(phone: str) -> bool:
    """A UK number from Ofcom's drama ranges (written nationally or with +44)."""
    digits = re.sub(r"\D", "", phone)
    if digits.startswith("44"):
        digits = digits[2:]
    digits = digits.removeprefix("0")
    return any(pattern.match(digits) for pattern in _DRAMA)


def _at(data: Any, path: Path_) -> Any:
    for part in path:
        if isinstance(part, int):
            if not isinstance(data, list) or part >= len(data):
                return None
        elif not isinstance(data, dict):
            return None
        data = data[part] if isinstance(part, int) else data.get(part)
    return data


def found(data: Any) -> Iterator[tuple[Path_, str]]:
    """(path, message) for every field of `data` that still holds a template example."""
    for placeholder in PLACEHOLDERS:
        path = placeholder.path
        if path[0] in ("schedule", "categories"):
            continue  # every item, below
        written = _at(data, path)
        if not isinstance(written, str):
            continue
        if _normal(written) == _normal(placeholder.value):
            yield path, f"is still the template's example: {placeholder.fix}"
        elif path == ("contact", "phone") and is_drama_number(written):
            yield (
                path,
                "is a number Ofcom keeps for TV and drama, not a real line: write the phone "
                "number people should call, or delete the line",
            )
    for field in ("categories",):
        items = data.get(field) if isinstance(data, dict) else None
        example = BY_PATH[(field, 0)]
        for index, item in enumerate(items if isinstance(items, list) else []):
            if isinstance(item, str) and _normal(item) == _normal(example.value):
                yield (field, index), f"is still the template's example: {example.fix}"
    sessions = data.get("schedule") if isinstance(data, dict) else None
    for index, session in enumerate(sessions if isinstance(sessions, list) else []):
        if not isinstance(session, dict):
            continue
        for key in ("start", "end"):
            example = BY_PATH[("schedule", 0, key)]
            written = session.get(key)
            if isinstance(written, str) and _normal(written) == _normal(example.value):
                yield (
                    ("schedule", index, key),
                    f"is still the template's example: {example.fix}",
                )
