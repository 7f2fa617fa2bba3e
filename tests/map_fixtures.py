"""Helpers and session fixtures for the map tests (`test_mapping.py`, `test_map_browser.py`).

The browser tests share one site, built once per session into a temporary folder from the
sample entries plus `tests/data/map/` (payloads that pass validation, a paused, a closed, an
online-only and an unplaced activity). Beside it, `assets/map/xss-frame.html` is a map
document generated from entries that were never validated, carrying the raw payloads, so
the browser also sees what escaping does with the worst text.

Import what you use: `from map_fixtures import map_site, ...`.
"""

from __future__ import annotations

import shutil
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import need_browser
from pages_fixtures import mkdocs_build, write_config

from build_tools import build
from build_tools.bench.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: F401
from build_tools.bench.runner import serve
from build_tools.entries.model import Entry
from build_tools.outputs import write_atomic
from build_tools.settings import Settings, load_settings
from build_tools.site import mapping

__all__ = ["map_browser", "map_page", "map_site", "map_url"]

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data" / "map"

TILES = "https://tile.openstreetmap.org/"
XSS_FRAME = "assets/map/xss-frame.html"

# Raw payloads: validation would refuse most of them, which is why they are made here as
# Entry objects and never written as entry files.
PAYLOADS = (
    "</script><script>alert(1)</script>",
    "${alert(1)}",
    "`${alert(2)}` and `backticks`",
    "<img src=x onerror=alert(1)>",
    "'\"><svg onload=alert(1)>",
    "\u2028</script>\u2029<script>alert(3)</script>",
    "&lt;b&gt;not bold&lt;/b&gt; &amp;",
    "{{ 7*7 }} {% raw %} {{ config }}",  # Jinja syntax: never evaluated (Folium uses Jinja)
)


def payload_entries() -> tuple[list[Entry], dict[str, tuple[float, float]]]:
    """One published in-person entry per payload, in its name and its summary."""
    entries = []
    coords = {}
    for i, payload in enumerate(PAYLOADS):
        eid = f"payload-{i}"
        data: dict[str, Any] = {
            "id": eid,
            "name": f"Club {payload}",
            "summary": f"Summary {payload} end.",
            "categories": ["social-and-befriending", "arts-and-creativity"][: 1 + i % 2],
            "areas": ["maidstone"],
            "delivery": ["in-person"],
            "status": "active" if i % 3 else "paused",
            "schedule": [
                {"days": ["tue"], "start": "10:00", "end": "11:00", "frequency": "weekly"}
            ],
            "schedule_note": f"Note {payload}",
            "location": {
                "venue": "Hall",
                "address": "1 Road",
                "town": "Maidstone",
                "postcode": "ME14 1AA",
            },
        }
        entries.append(Entry(id=eid, path=f"{eid}.yml", data=data))
        coords[eid] = (51.20 + i * 0.03, 0.40 + i * 0.05)
    return entries, coords


def tile_png() -> bytes:
    """A plain light-grey 256x256 PNG, standing in for every map tile."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    raw = b"".join(b"\x00" + b"\xe2\xe5\xe5" * 256 for _ in range(256))
    header = (256).to_bytes(4, "big") * 2 + bytes([8, 2, 0, 0, 0])
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


@dataclass
class MapSite:
    dir: Path
    settings: Settings
    entries: list[Entry]  # every entry the build loaded
    coords: dict[str, tuple[float, float]]

    @property
    def expected(self) -> list[Entry]:
        """What the map must show, worked out here rather than by `mapping.on_map`."""
        return [
            e
            for e in self.entries
            if e.status in ("active", "paused")
            and "in-person" in e.delivery
            and e.id in self.coords
        ]


def build_map_site(work: Path) -> MapSite:
    entries_dir = work / "entries"
    shutil.copytree(ROOT / "entries", entries_dir)
    for path in DATA.glob("*.yml"):
        shutil.copy(path, entries_dir / path.name)
    config = write_config(work, entries_dir, cache=entries_dir / ".geocode-cache.json")
    dest = work / "site"
    proc = mkdocs_build(config, dest)
    if proc.returncode != 0:
        raise RuntimeError(f"mkdocs build failed:\n{proc.stdout}\n{proc.stderr}")
    settings = load_settings(config)
    result = build.build(settings)  # the same load, validation and coordinates, no MkDocs
    assert not result.errors, [p.format() for p in result.errors]
    coords = _coords(result.entries, settings)
    # The raw payloads, in a map document beside the real one (same relative asset paths).
    bad, bad_coords = payload_entries()
    for out in mapping.generate(bad, settings, bad_coords, frame=XSS_FRAME):
        if out.path.startswith("assets/map/"):  # the document and its popup chunks
            write_atomic(dest / out.path, out.content)
    return MapSite(dest, settings, result.entries, coords)


def _coords(entries: list[Entry], settings: Settings) -> dict[str, tuple[float, float]]:
    try:
        from build_tools.entries.geocode import coordinates_offline
    except ModuleNotFoundError:  # pragma: no cover - before geocoding existed
        return {
            e.id: (e.location.lat, e.location.lon)
            for e in entries
            if e.location and e.location.has_coordinates
        }  # type: ignore[misc]
    return coordinates_offline(entries, settings)[0]


@pytest.fixture(scope="session")
def map_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MapSite]:
    need_browser()  # fails under CI, skips elsewhere, before anything is built
    work = tmp_path_factory.mktemp("map")
    yield build_map_site(work)
    shutil.rmtree(work, ignore_errors=True)


@pytest.fixture(scope="session")
def map_url(map_site: MapSite) -> Iterator[str]:
    with serve(map_site.dir) as url:
        yield url


@pytest.fixture(scope="session")
def map_browser(map_site: MapSite, chromium: Any) -> Any:
    """The session's one Chromium (conftest.py), once the map site is built."""
    return chromium


@dataclass
class MapPage:
    page: Any
    requests: list[str]
    dialogs: list[str]
    errors: list[str]


@pytest.fixture
def map_page(map_browser: Any) -> Iterator[MapPage]:
    """A fresh context with tiles answered locally, and a record of requests and dialogs."""
    context = map_browser.new_context(viewport={"width": 1280, "height": 900})
    png = tile_png()
    context.route(f"{TILES}**", lambda route: route.fulfill(body=png, content_type="image/png"))
    page = context.new_page()
    record = MapPage(page, [], [], [])
    context.on("request", lambda request: record.requests.append(request.url))
    page.on("pageerror", lambda error: record.errors.append(str(error)))

    def on_dialog(dialog: Any) -> None:
        record.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    yield record
    context.close()


def map_frame(page: Any, name: str = "frame.html") -> Any:
    """The map document inside the page, once its markers are clustered."""
    page.wait_for_function(
        "n => [...document.querySelectorAll('iframe')].some(f => f.src.includes(n))", arg=name
    )
    frame = next(f for f in page.frames if f.url.split("#")[0].endswith(name))
    frame.wait_for_selector("html.cm-map-ready", state="attached")
    return frame


def shown_on_map(frame: Any) -> int:
    """Activities on the map: each cluster's number plus each single pin (all in view)."""
    return frame.evaluate(
        """() => {
          let n = document.querySelectorAll('.leaflet-marker-pane .cm-marker').length;
          for (const c of document.querySelectorAll('.leaflet-marker-pane .cm-cluster')) {
            n += parseInt(c.textContent.replace(/,/g, ''), 10);
          }
          return n;
        }"""
    )
