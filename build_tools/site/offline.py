"""The site as an installable web app that works offline: manifest, service worker, build date.

The service worker itself is `site_overrides/assets/js/sw.js` (readable, no library: a static
site without a bundler needs only "network first, cache as you go" plus a list to fetch on
install). It must be served from the site root to control every page (GitHub Pages cannot
send `Service-Worker-Allowed`), so this step writes `sw.js` at the root: the build's version,
date and the list to precache, then `importScripts` of the real worker. Each build has a new
version, so browsers install the new worker on their next visit with a connection and drop
the old cache. `assets/data/build.json` gives pages the build date for the offline notice
(`assets/js/offline.js`); `manifest.webmanifest` and two plain icons make it installable.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import struct
import zlib
from pathlib import Path

from build_tools.entries.model import Entry
from build_tools.outputs import Output
from build_tools.settings import Settings

SW_PATH = "sw.js"
WORKER = "assets/js/sw.js"
BUILD_PATH = "assets/data/build.json"
MANIFEST_PATH = "manifest.webmanifest"
ICON_SIZES = (192, 512)
DEFAULT_COLOUR = "#005c63"
SOURCE = Path(__file__).resolve().parents[2] / "site_overrides" / WORKER


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _hex(colour: str) -> tuple[int, int, int]:
    value = colour.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def icon_png(size: int, colour: str) -> bytes:
    """A square icon: the site colour with a white ring (maskable: the ring sits inside the
    safe zone). Written with zlib alone, so no imaging library is needed."""
    r, g, b = _hex(colour)
    centre, outer, inner = (size - 1) / 2, size * 0.30, size * 0.19
    rows = []
    for y in range(size):
        row = bytearray(b"\x00")
        for x in range(size):
            d = ((x - centre) ** 2 + (y - centre) ** 2) ** 0.5
            row += b"\xff\xff\xff" if inner <= d <= outer else bytes((r, g, b))
        rows.append(bytes(row))

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + chunk(b"IEND", b"")
    )


# The pages a first visit keeps for offline use (relative to the site root). The worker also
# keeps what these pages load: their scripts, stylesheets and frames, and the data files the
# finder and shortlist pages name in their configuration.
PRECACHE = ("", "find/", "map/", "shortlist/", BUILD_PATH)


def site_colour(settings: Settings) -> str:
    """extra.colours.primary from mkdocs.yml (a #hex value), else the default."""
    try:
        text = (settings.root / "mkdocs.yml").read_text("utf-8")
    except OSError:
        return DEFAULT_COLOUR
    found = re.search(
        r"^\s*colours:\s*\n(?:\s+#.*\n)*\s+primary:\s*[\"']?(#[0-9a-fA-F]{3,6})\b", text, re.M
    )
    return found.group(1) if found else DEFAULT_COLOUR


def generate(
    published: list[Entry],
    settings: Settings,
    coords: dict[str, tuple[float, float]],
    now: dt.datetime | None = None,
) -> list[Output]:
    """sw.js, build.json, the manifest and its icons. Every build is a new version."""
    now = now or _now()
    stamp = now.isoformat().replace("+00:00", "Z")
    worker = SOURCE.read_text("utf-8")
    ids = "\n".join(e.id for e in published)
    version = hashlib.sha256(f"{stamp}\n{ids}\n{worker}".encode()).hexdigest()[:12]
    build = {"version": version, "date": stamp, "precache": list(PRECACHE)}
    sw = (
        f"/* Written by the build (build_tools/site/offline.py); the worker is {WORKER}. */\n"
        f"self.CM_BUILD = {json.dumps(build, separators=(',', ':'))};\n"
        f'importScripts("{WORKER}?v={hashlib.sha256(worker.encode()).hexdigest()[:10]}");\n'
    )
    colour = site_colour(settings)
    name = settings.site_name
    manifest = {
        "name": name,
        "short_name": name.split(" – ")[0][:24],
        "description": f"Community activities and support in {settings.region.name}.",
        "lang": "en-GB",
        "start_url": "./",
        "scope": "./",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": colour,
        "icons": [
            {
                "src": f"assets/icons/app-{size}.png",
                "sizes": f"{size}x{size}",
                "type": "image/png",
                "purpose": "any maskable",
            }
            for size in ICON_SIZES
        ],
    }
    out = [
        Output(path=SW_PATH, content=sw),
        Output(path=BUILD_PATH, content=json.dumps({"version": version, "date": stamp})),
        Output(path=MANIFEST_PATH, content=json.dumps(manifest, ensure_ascii=False, indent=1)),
    ]
    for size in ICON_SIZES:
        out.append(Output(path=f"assets/icons/app-{size}.png", content=icon_png(size, colour)))
    return out
