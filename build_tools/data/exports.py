"""Open data downloads: every listing as JSON, CSV and GeoJSON, under the site's licence.

Closed activities are left off the site but kept in the data (with their status), so
re-users can tell "closed" from "never listed". Provider text is data here, not markup: the
JSON files are served as `application/json`, and CSV cells that a spreadsheet would run as a
formula are neutralised.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from build_tools.entries.model import Entry
from build_tools.outputs import Output
from build_tools.settings import Settings

FOLDER = "data"
LICENCE = "Open Government Licence v3.0"
LICENCE_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
OSM_CREDIT = "Coordinates from geocoding: © OpenStreetMap contributors, ODbL 1.0"
CSV_COLUMNS = (
    "id",
    "name",
    "summary",
    "description",
    "status",
    "categories",
    "audiences",
    "areas",
    "delivery",
    "organisation",
    "organisation_website",
    "charity_number",
    "phone",
    "email",
    "website",
    "venue",
    "address",
    "town",
    "postcode",
    "latitude",
    "longitude",
    "when",
    "schedule",
    "schedule_note",
    "cost",
    "cost_note",
    "booking",
    "referral",
    "min_age",
    "max_age",
    "accessibility",
    "languages",
    "owners",
    "last_reviewed",
    "page",
)


def _csv_cell(value: Any) -> str:
    """Spreadsheets run cells starting with = + - @ (and tab/CR) as formulas: quote them."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def record(entry: Entry, coords: dict[str, tuple[float, float]], site_url: str) -> dict[str, Any]:
    """One activity as published data: the entry's own fields plus its position and page."""
    data = json.loads(json.dumps(dict(entry.data)))  # a deep, plain copy
    position = coords.get(entry.id)
    if position is not None:
        data["position"] = {"lat": round(position[0], 6), "lon": round(position[1], 6)}
    if entry.published:
        data["page"] = f"{site_url}activities/{entry.id}/"
    return data


def _rows(entries: list[Entry], records: list[dict[str, Any]]) -> list[list[str]]:
    from build_tools.entries.schedule import describe, schedule_lines

    rows = []
    for entry, rec in zip(entries, records, strict=True):
        loc = entry.location
        position = rec.get("position") or {}
        lo, hi = entry.age
        org = entry.organisation
        values = {
            "id": entry.id,
            "name": entry.name,
            "summary": entry.summary,
            "description": entry.description,
            "status": entry.status,
            "categories": ";".join(entry.categories),
            "audiences": ";".join(entry.audiences),
            "areas": ";".join(entry.areas),
            "delivery": ";".join(entry.delivery),
            "organisation": org.get("name", ""),
            "organisation_website": org.get("website", ""),
            "charity_number": org.get("charity_number", ""),
            "phone": entry.contact.get("phone", ""),
            "email": entry.contact.get("email", ""),
            "website": entry.contact.get("website", ""),
            "venue": loc.venue if loc else "",
            "address": loc.address if loc else "",
            "town": loc.town if loc else "",
            "postcode": loc.postcode if loc else "",
            # the position found for the map, or else the coordinates as written (a closed
            # listing is not placed on the map but keeps its own coordinates)
            "latitude": position.get("lat", loc.lat if loc and loc.lat is not None else ""),
            "longitude": position.get("lon", loc.lon if loc and loc.lon is not None else ""),
            "when": "; ".join(describe(entry)),
            "schedule": schedule_lines(entry),
            "schedule_note": entry.schedule_note,
            "cost": entry.cost,
            "cost_note": entry.cost_note,
            "booking": entry.booking,
            "referral": ";".join(entry.referral),
            "min_age": lo if lo is not None else "",
            "max_age": hi if hi is not None else "",
            "accessibility": ";".join(entry.accessibility),
            "languages": ";".join(entry.languages),
            "owners": ";".join(entry.owners),
            "last_reviewed": entry.last_reviewed.isoformat() if entry.last_reviewed else "",
            "page": rec.get("page", ""),
        }
        rows.append([_csv_cell(values[c]) for c in CSV_COLUMNS])
    return rows


def build_exports(
    entries: list[Entry],
    settings: Settings,
    coords: dict[str, tuple[float, float]],
    site_url: str = "",
) -> list[Output]:
    ordered = sorted(entries, key=lambda e: e.id)
    records = [record(e, coords, site_url) for e in ordered]
    meta = {
        "licence": LICENCE,
        "licence_url": LICENCE_URL,
        "attribution": OSM_CREDIT,
        "region": settings.region.name,
        "count": len(records),
    }
    as_json = json.dumps({**meta, "activities": records}, ensure_ascii=False, indent=1)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(_rows(ordered, records))
    features = [
        {
            "type": "Feature",
            "id": rec["id"],
            "geometry": {
                "type": "Point",
                "coordinates": [rec["position"]["lon"], rec["position"]["lat"]],
            },
            "properties": {
                k: rec.get(k)
                for k in ("id", "name", "summary", "status", "categories", "areas", "page")
            },
        }
        for rec, entry in zip(records, ordered, strict=True)
        if "position" in rec and entry.published
    ]
    geojson = json.dumps(
        {"type": "FeatureCollection", **meta, "features": features}, ensure_ascii=False
    )
    page = _page(len(records), len(features), settings)
    return [
        Output(f"{FOLDER}/activities.json", as_json),
        Output(f"{FOLDER}/activities.csv", "\ufeff" + buffer.getvalue()),  # BOM: Excel reads UTF-8
        Output(f"{FOLDER}/activities.geojson", geojson),
        Output(f"{FOLDER}/index.md", page),
    ]


def _page(total: int, mapped: int, settings: Settings) -> str:
    return f"""---
title: Open data
description: Download every listing as JSON, CSV or GeoJSON.
---

# Open data

Every listing in this directory is open data under the
[{LICENCE}]({LICENCE_URL}). You may copy, publish and adapt it, including commercially,
as long as you acknowledge the source: "{settings.site_name}".

| Download | What it holds |
|---|---|
| [activities.json](activities.json) | all {total} listings with every field, closed ones too |
| [activities.csv](activities.csv) | the same as a spreadsheet, one row per listing |
| [activities.geojson](activities.geojson) | the {mapped} activities on the map, as points |

{OSM_CREDIT}. The fields are described in [Every field, explained](../providers/fields.md).
"""


ALL_ENTRIES = True  # the build passes closed entries too


def generate(
    entries: list[Entry], settings: Settings, coords: dict[str, tuple[float, float]]
) -> list[Output]:
    return build_exports(entries, settings, coords, settings.site_url)
