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
        Output(
            f"{FOLDER}/activities.schema.json",
            json.dumps(activities_schema(settings), ensure_ascii=False, indent=1),
        ),
        Output(f"{FOLDER}/index.md", page),
    ]


def activities_schema(settings: Settings) -> dict[str, Any]:
    """The JSON Schema of `activities.json`: the entry schema (schema/entry.schema.json) for
    each activity, plus the two fields the export adds (`position`, `page`)."""
    entry = json.loads((settings.schema_dir / "entry.schema.json").read_text("utf-8"))
    entry.pop("$schema", None)
    entry.pop("$id", None)
    entry["properties"]["position"] = {
        "type": "object",
        "description": "Where the activity is on the map (WGS 84): the entry's own "
        "coordinates, or found by geocoding (© OpenStreetMap contributors, ODbL).",
        "required": ["lat", "lon"],
        "properties": {"lat": {"type": "number"}, "lon": {"type": "number"}},
    }
    entry["properties"]["page"] = {
        "type": "string",
        "description": "The activity's page on the site (published listings only).",
    }
    site = settings.site_url
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{site}{FOLDER}/activities.schema.json" if site else "activities.schema.json",
        "title": f"{settings.site_name}: activities.json",
        "description": "Every listing, closed ones too, with the licence that covers them.",
        "type": "object",
        "required": ["licence", "licence_url", "attribution", "region", "count", "activities"],
        "additionalProperties": False,
        "properties": {
            "licence": {"type": "string"},
            "licence_url": {"type": "string"},
            "attribution": {"type": "string"},
            "region": {"type": "string"},
            "count": {"type": "integer", "minimum": 0},
            "activities": {"type": "array", "items": entry},
        },
    }


COLUMN_NOTES = {
    "id": "the activity's id (also its file name and page address)",
    "description": "Markdown, as the provider wrote it",
    "categories": "ids from the categories list, separated by `;`",
    "audiences": "ids, separated by `;` (`everyone` when none is given)",
    "areas": "area ids separated by `;`, or `all`",
    "delivery": "`in-person`, `online`, `telephone`, `home-visit`, separated by `;`",
    "latitude": "WGS 84, from the entry or geocoding",
    "when": "the schedule in plain English, as the site shows it on the build date",
    "schedule": "one session per line in the one-line format, like "
    "`Wed 14:00-15:00 fortnightly from 2026-11-04 until 2027-03-31`",
    "owners": "GitHub user names, separated by `;`",
    "page": "the activity's page (published listings only)",
}


def _page(total: int, mapped: int, settings: Settings) -> str:
    columns = "\n".join(f"| `{c}` | {COLUMN_NOTES.get(c, '')} |" for c in CSV_COLUMNS)
    return f"""---
title: Open data
description: Every listing as JSON, CSV, GeoJSON, Open Referral UK and calendars, free to reuse.
---

# Open data

Every listing in this directory is open data under the
[{LICENCE}]({LICENCE_URL}). You may copy, publish and adapt it, including commercially,
as long as you acknowledge the source: "{settings.site_name}". {OSM_CREDIT}: where you
use the positions, credit OpenStreetMap too.

Every file is rebuilt with the site and is deterministic: the same listings give
byte-identical files, so you can compare downloads to see what changed.

## Downloads

| Download | What it holds |
|---|---|
| [activities.json](activities.json) | all {total} listings with every field, closed ones \
too ([JSON Schema](activities.schema.json)) |
| [activities.csv](activities.csv) | the same as a spreadsheet (UTF-8), one row per listing |
| [activities.geojson](activities.geojson) | the {mapped} activities on the map, as points |
| [Open Referral UK](openreferral/services.json) | every published listing as an HSDS \
3.0 UK profile `service` |
| Calendars | an `.ics` file per activity, area and category (see below) |

### activities.json

Each activity holds the fields of its entry file, described in
[Every field, explained](../providers/fields.md), plus `position` (`lat`, `lon`) and
`page`. The file's shape is published as a JSON Schema:
[activities.schema.json](activities.schema.json). Closed listings stay in the data with
`status: closed`, so you can tell "closed" from "never listed".

### activities.csv

One row per listing; lists are separated by `;`. Cells a spreadsheet would run as a
formula (starting `=`, `+`, `-` or `@`) begin with an apostrophe. The CSV carries every
field, so a directory can be moved with it: `community-map import activities.csv --to
entries/` makes the entry files again.

| Column | Notes |
|---|---|
{columns}

### Open Referral UK

The [Open Referral UK](https://openreferral.org.uk/) profile of HSDS 3.0 is the standard
for directories of services. The same documents the API serves are published as static
files under [openreferral/](openreferral/index.json):
[services.json](openreferral/services.json) (a page holding every service),
`services/<id>.json` (one service), and likewise `organizations`,
`service_at_locations`, `taxonomies` and `taxonomy_terms`. Identifiers are UUIDs that
never change between rebuilds. Our categories, audiences, how an activity runs, how to
join and who can refer are published as [taxonomies](openreferral/taxonomies.json) with
stable ids; each service links its terms through `attributes`.

**The API.** A static host can only serve these files as they are: no search, no
filters, no paging beyond one page. For the full read-only API (`/services` with `page`,
`per_page`, `search`, `taxonomy_term_id`, `taxonomy_id`, `organization_id`,
`modified_after`, `minimum_age`, `maximum_age`, `day`, and `postcode` or `lat`/`lon`
with `proximity` in metres; `/services/{{id}}`; `/taxonomies`, `/taxonomy_terms`,
`/service_at_locations` and `/organizations`, each with `/{{id}}`), run it next to the
built site:

```sh
pip install 'community-map[api]'
mkdocs build                       # writes site/data/openreferral/
community-map openreferral-api --site-dir site --host 0.0.0.0 --port 8000
```

Point the Open Referral UK validator at its address. It is a plain ASGI app, so any
ASGI host can serve it: `build_tools.data.api.create_app(Path("site"))` returns the app
for uvicorn, Hypercorn or gunicorn with uvicorn workers. In a container:

```dockerfile
FROM python:3.12-slim
WORKDIR /app
COPY . .
RUN pip install --no-cache-dir '.[api]' && mkdocs build
EXPOSE 8000
CMD ["community-map", "openreferral-api", "--site-dir", "site", "--host", "0.0.0.0"]
```

Every response allows any origin (`Access-Control-Allow-Origin: *`); errors are JSON with
status 400 (a bad parameter, named in `parameter`) or 404 (an unknown id); nothing can be
written. A `postcode` is placed without asking any other service, from this directory's
own venues (the postcode, or its district such as `ME15`); elsewhere, give `lat` and
`lon`.

## Calendars

Each activity with regular sessions has a calendar file, `calendar/<id>.ics` ("Add to
calendar" on its page), and every area and category page links a feed,
`calendar/areas/<area>.ics` and `calendar/categories/<category>.ics`, that calendar apps
can subscribe to. Sessions repeat weekly, fortnightly or monthly, in UK time, and a
course stops on its last date.
"""


ALL_ENTRIES = True  # the build passes closed entries too


def generate(
    entries: list[Entry], settings: Settings, coords: dict[str, tuple[float, float]]
) -> list[Output]:
    return build_exports(entries, settings, coords, settings.site_url)
