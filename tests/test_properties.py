"""Property-based tests: the loader and validator never raise, and valid entries round-trip."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from build_tools.entries.loader import load_bytes
from build_tools.entries.model import Problem
from build_tools.entries.validate import Validator
from build_tools.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = load_settings(ROOT / "mkdocs.yml")
VALIDATOR = Validator(SETTINGS, dt.date(2026, 11, 22))
BASE = Path(__file__).resolve().parent / "data" / "entries" / "good" / "online-region-wide.yml"

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)


def _check(raw: bytes) -> None:
    entry, problems = load_bytes(raw, "x.yml", "x")
    assert all(isinstance(p, Problem) for p in problems)
    if entry is not None:
        for problem in VALIDATOR.check([entry]):
            assert problem.line >= 1 and problem.column >= 1 and problem.message


@hsettings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_any_bytes(raw: bytes) -> None:
    _check(raw)


@hsettings(max_examples=200, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list("ab:- \n\t[]{}'\"&*!|>#,?%@`0123456789.")), max_size=120)
)
def test_yaml_looking_text(text: str) -> None:
    _check(text.encode("utf-8"))


@hsettings(max_examples=150, deadline=None)
@given(st.dictionaries(st.text(min_size=1, max_size=15), json_values, max_size=6))
def test_any_yaml_document(document: dict) -> None:
    _check(yaml.safe_dump(document, allow_unicode=True).encode("utf-8"))


@hsettings(max_examples=150, deadline=None)
@given(st.sampled_from(["name", "summary", "schedule_note", "cost"]), json_values)
def test_a_valid_entry_with_one_field_changed(field: str, value: object) -> None:
    data = yaml.safe_load(BASE.read_text("utf-8"))
    data[field] = value
    _check(yaml.safe_dump(data, allow_unicode=True).encode("utf-8"))


text_value = (
    st.text(
        alphabet=st.characters(codec="utf-8", categories=["L", "N", "P", "Zs", "S"]),
        min_size=10,
        max_size=120,
    )
    .map(str.strip)
    .filter(lambda s: 10 <= len(s) <= 120)
)


@hsettings(max_examples=150, deadline=None)
@given(name=text_value, summary=text_value)
def test_valid_entries_round_trip(name: str, summary: str) -> None:
    """Dumping a valid entry's data and loading it again gives the same data, still valid."""
    data = yaml.safe_load(BASE.read_text("utf-8"))
    data.update(name=name, summary=summary, last_reviewed="2026-09-30")
    data["id"] = "x"
    entry, problems = load_bytes(yaml.safe_dump(data, allow_unicode=True).encode(), "x.yml", "x")
    assert problems == [] and entry is not None
    found = [p for p in VALIDATOR.check([entry]) if p.severity == "error"]
    if found:  # only text rules may object (e.g. HTML-looking text in a name)
        assert {p.code for p in found} <= {"html", "characters", "schema-minLength"}, found
        return
    again, _ = load_bytes(
        yaml.safe_dump(dict(entry.data), allow_unicode=True).encode(), "x.yml", "x"
    )
    assert again is not None and again.data == entry.data
