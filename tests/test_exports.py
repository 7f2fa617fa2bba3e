from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from build_tools.data.exports import build_exports
from build_tools.entries.loader import load_bytes, load_paths
from build_tools.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = load_settings(ROOT / "mkdocs.yml")
GOOD = Path(__file__).resolve().parent / "data" / "entries" / "good"


def _outputs(entries, coords):
    return {
        o.path: o.content
        for o in build_exports(entries, SETTINGS, coords, "https://x.example.org/")
    }


def test_exports_hold_every_listing_and_closed_ones_only_as_data() -> None:
    entries, _ = load_paths([ROOT / "entries"], base=ROOT)
    coords = {
        e.id: (e.location.lat, e.location.lon)
        for e in entries
        if e.location and e.location.has_coordinates
    }
    out = _outputs(entries, coords)
    data = json.loads(out["data/activities.json"])
    assert data["count"] == len(entries) == len(data["activities"])
    assert data["licence"] == "Open Government Licence v3.0"
    closed = {e.id for e in entries if e.status == "closed"}
    assert closed and {a["id"] for a in data["activities"] if a["status"] == "closed"} == closed
    assert all("page" not in a for a in data["activities"] if a["id"] in closed)
    rows = list(csv.DictReader(io.StringIO(out["data/activities.csv"].lstrip("\ufeff"))))
    assert [r["id"] for r in rows] == sorted(e.id for e in entries)
    geo = json.loads(out["data/activities.geojson"])
    mapped = {e.id for e in entries if e.published and e.id in coords}
    assert {f["id"] for f in geo["features"]} == mapped
    assert not mapped & closed
    feature = next(f for f in geo["features"] if f["id"] in coords)
    lat, lon = coords[feature["id"]]
    assert feature["geometry"]["coordinates"] == [round(lon, 6), round(lat, 6)]


def test_spreadsheet_formulas_are_neutralised_and_text_stays_text() -> None:
    source = (GOOD / "minimal-entry.yml").read_text("utf-8")
    source = source.replace("name: Minimal entry", 'name: "=HYPERLINK(\\"https://evil.example\\")"')
    source = source.replace("summary: The fewest", "summary: <script>alert(1)</script> The fewest")
    entry, problems = load_bytes(source.encode(), "x.yml", "minimal-entry")
    assert entry is not None and problems == []
    out = _outputs([entry], {})
    row = next(csv.DictReader(io.StringIO(out["data/activities.csv"].lstrip("\ufeff"))))
    assert row["name"] == '\'=HYPERLINK("https://evil.example")'
    assert row["summary"].startswith("<script>")  # data, exactly as written; never HTML here
    data = json.loads(out["data/activities.json"])
    assert data["activities"][0]["name"] == '=HYPERLINK("https://evil.example")'
