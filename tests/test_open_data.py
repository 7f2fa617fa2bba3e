"""The open data as a whole: the published JSON Schema of activities.json, byte-identical
exports from the same entries, and every download present in the built sample site."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import jsonschema
import pytest
from pages_fixtures import BuiltSite, sample_site  # noqa: F401 (a session fixture)

from build_tools import build
from build_tools.data.exports import activities_schema
from build_tools.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent
OPEN_DATA = ("data/", "calendar/")


def _data_outputs(
    monkeypatch: pytest.MonkeyPatch, epoch: str, *, hide: bool = True
) -> dict[str, bytes]:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    settings = load_settings(ROOT / "mkdocs.yml")
    if not hide:  # hide_after_days takes unconfirmed listings off by date, by design
        settings = dataclasses.replace(settings, hide_after_days=0)
    result = build.build(settings)
    assert result.errors == []
    return {
        o.path: o.content.encode() if isinstance(o.content, str) else o.content
        for o in result.outputs
        if o.path.startswith(OPEN_DATA) and not o.path.endswith(".md")
    }


def test_exports_are_deterministic(monkeypatch: pytest.MonkeyPatch) -> None:
    once = _data_outputs(monkeypatch, "1796040000")  # 2026-11-30
    again = _data_outputs(monkeypatch, "1796040000")
    assert once == again
    assert {
        "data/activities.json",
        "data/activities.csv",
        "data/activities.geojson",
        "data/activities.schema.json",
        "data/openreferral/services.json",
        "calendar/mote-park-health-walk.ics",
    } <= set(once)
    # Open Referral UK and the calendars do not depend on the build date itself: only on
    # which listings are published, which hide_after_days decides by date (so it is off here)
    once = _data_outputs(monkeypatch, "1796040000", hide=False)
    later = _data_outputs(monkeypatch, "1830000000", hide=False)  # 2027-12-27
    for path, content in once.items():
        if path.startswith(("data/openreferral/", "calendar/")):
            assert later[path] == content, path


def test_activities_json_matches_its_published_schema(monkeypatch: pytest.MonkeyPatch) -> None:
    outputs = _data_outputs(monkeypatch, "1796040000")
    schema = json.loads(outputs["data/activities.schema.json"])
    assert schema == activities_schema(load_settings(ROOT / "mkdocs.yml"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    data = json.loads(outputs["data/activities.json"])
    assert list(validator.iter_errors(data)) == []
    data["activities"][0]["adress"] = "x"  # the schema is strict: a stray field fails
    assert list(validator.iter_errors(data))


def test_the_sample_site_publishes_every_download(sample_site: BuiltSite) -> None:  # noqa: F811
    site = sample_site.root
    for path in (
        "data/activities.json",
        "data/activities.csv",
        "data/activities.geojson",
        "data/activities.schema.json",
        "data/openreferral/index.json",
        "data/openreferral/services.json",
        "data/openreferral/taxonomies.json",
        "data/openreferral/taxonomies/categories.json",
        "calendar/mote-park-health-walk.ics",
        "calendar/areas/maidstone.ics",
        "calendar/categories/physical-activity.ics",
    ):
        assert (site / path).is_file(), path
    page = (site / "data" / "index.html").read_text("utf-8")
    for words in ("Open Government Licence", "ODbL", "openreferral-api", "activities.schema.json"):
        assert words in page, words
    activity = (site / "activities" / "mote-park-health-walk" / "index.html").read_text("utf-8")
    assert 'href="../../calendar/mote-park-health-walk.ics"' in activity
    services = json.loads((site / "data/openreferral/services.json").read_text("utf-8"))
    assert services["total_items"] == len(services["contents"]) > 0
