"""The site as an installable web app that works offline: manifest, service worker, build date.

The service worker itself is `site_overrides/assets/js/sw.js` (readable, no library: a static
site without a bundler needs only "network first, cache as you go" plus a list to fetch on
install). It must be served from the site root to control every page (GitHub Pages cannot
send `Service-Worker-Allowed`), so this step writes `sw.js` at the root: the build's version,
date and the list to precache, then `importScripts` of the real worker. Each build has a new
version, so browsers install the new worker on their next visit with a connection and drop
the old cache. `assets/data/build.json` gives pages the build date for the offline notice
(`assets/js/offline.js`); `manifest.webmanifest` and two plain icons make it installable.

What the worker keeps on install is decided once the site is written (`finish`, from the
build's post-build step), by a rule rather than a list kept by hand: the four pages a link
worker needs (home, finder, map, shortlist); every same-site file those pages, the frames they
embed and an activity page load (scripts, stylesheets, icons, frames, and any file a page's
JSON configuration names, `{n}` numbered chunks included); every file under the folders whose
files scripts load without naming them in HTML (assets/js, assets/map, assets/vendor,
assets/icons); and the files directly in assets/data (small index files scripts find by
name). A new script, worker or data file is therefore kept without editing this file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import struct
import zlib
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

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


# The pages a first visit keeps for offline use (relative to the site root); `finish` adds
# every file they load. Activity pages are kept when visited or shortlisted.
PRECACHE = ("", "find/", "map/", "shortlist/", BUILD_PATH)
# Folders kept whole: scripts load workers and data from them that no HTML names.
KEPT_FOLDERS = ("assets/js/", "assets/map/", "assets/vendor/", "assets/icons/")
# Folders whose own files (not their subfolders) are kept: the site's small index files (the
# build date, the search words), which scripts find by name.
KEPT_FILES_IN = ("assets/data/",)
_LINK_RELS = {"stylesheet", "icon", "manifest", "preload", "modulepreload", "apple-touch-icon"}
_PATHLIKE = re.compile(r"^[\w.\-/{}]*\.\w+(?:\?[\w.\-=&]*)?$")  # a file name, perhaps ?v=...
_JSON_PATH = re.compile(r'"((?:[\w.\-{}]|\\?/)+(?:\?[\w.\-=&]*)?)"')  # path-like strings
_BASE = "https://site.invalid/"  # resolves a page's relative references; never fetched


class _References(HTMLParser):
    """The same-site files one page loads: src/href of scripts, stylesheets, icons, frames and
    images, and the string values of its JSON configuration blocks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []
        self.frames: list[str] = []
        self._json: list[str] | None = None
        self.configs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "script" and a.get("type") == "application/json":
            self._json = []
        if tag in {"script", "img", "iframe"} and a.get("src"):
            (self.frames if tag == "iframe" else self.urls).append(a["src"])
        if tag == "link" and _LINK_RELS & set(a.get("rel", "").lower().split()) and a.get("href"):
            self.urls.append(a["href"])

    def handle_data(self, data: str) -> None:
        if self._json is not None:
            self._json.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._json is not None:
            self.configs.append("".join(self._json))
            self._json = None


def _in_site(site_dir: Path, ref: str, page: str) -> str | None:
    """`ref` from `page` as a root-relative URL (query kept), if it names a file in the site."""
    url = urlsplit(urljoin(_BASE + page, ref))
    if f"{url.scheme}://{url.netloc}/" != _BASE:
        return None
    path = url.path.lstrip("/")
    target = site_dir / path
    if path.endswith("/") or path == "":
        return path if (target / "index.html").is_file() else None
    if not target.is_file():
        return None
    return path + (f"?{url.query}" if url.query else "")


def _config_refs(site_dir: Path, text: str, page: str) -> list[str]:
    """Files a page's JSON configuration names (any string value that is a file name);
    "{n}" numbered chunks expanded while they exist (the finder's details-{n}.json). Read
    with a pattern, not parsed: the map frame's configuration is megabytes at 10,000."""
    found = []
    for quoted in _JSON_PATH.findall(text):
        value = quoted.replace("\\/", "/")  # JSON may write "/" as "\/"
        if not _PATHLIKE.match(value):
            continue
        numbered = "{n}" in value
        for n in range(100_000 if numbered else 1):
            hit = _in_site(site_dir, value.replace("{n}", str(n)), page)
            if hit is None:
                break
            found.append(hit)
    return found


def page_references(site_dir: Path, page: str) -> list[str]:
    """What `page` (a root-relative URL, "find/" or "assets/map/frame.html") loads, with the
    frames it embeds and what they load in turn."""
    path = site_dir / (page + "index.html" if page.endswith("/") or not page else page)
    try:
        html = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    refs = _References()
    refs.feed(html)
    found = [hit for ref in refs.urls if (hit := _in_site(site_dir, ref, page))]
    for text in refs.configs:
        found += _config_refs(site_dir, text, page)
    for ref in refs.frames:
        frame = _in_site(site_dir, ref, page)
        if frame is not None:
            found.append(frame)
            found += page_references(site_dir, frame.split("?")[0])
    return found


def precache_list(site_dir: Path) -> list[str]:
    """Everything the worker keeps on install (see the module docstring), root-relative."""
    found = list(PRECACHE)
    samples = [*PRECACHE[:4]]
    try:  # an activity page loads what the others do, and perhaps more
        names = sorted(os.listdir(site_dir / "activities"))  # names only: 10,000 of them
    except OSError:
        names = []
    for name in names:
        if (site_dir / "activities" / name / "index.html").is_file():
            samples.append(f"activities/{name}/")
            break
    for page in samples:
        found += page_references(site_dir, page)
    files = [p for folder in KEPT_FOLDERS for p in sorted((site_dir / folder).rglob("*"))]
    files += [p for folder in KEPT_FILES_IN for p in sorted((site_dir / folder).glob("*"))]
    found += [p.relative_to(site_dir).as_posix() for p in files if p.is_file()]
    kept, paths = [], {SW_PATH, WORKER}
    for url in found:  # once each: a file the pages ask for with ?v=... is not kept again
        if url.split("?")[0] not in paths:
            kept.append(url)
            paths.add(url.split("?")[0])
    return kept


def _worker(build: dict[str, object], worker: str) -> str:
    return (
        f"/* Written by the build (build_tools/site/offline.py); the worker is {WORKER}. */\n"
        f"self.CM_BUILD = {json.dumps(build, separators=(',', ':'))};\n"
        f'importScripts("{WORKER}?v={hashlib.sha256(worker.encode()).hexdigest()[:10]}");\n'
    )


def finish(site_dir: Path) -> list[str]:
    """Rewrite the written site's sw.js with the full precache list; return the list."""
    sw = site_dir / SW_PATH
    text = sw.read_text("utf-8")
    found = re.search(r"^self\.CM_BUILD = (\{.*\});$", text, re.M)
    if found is None:
        raise ValueError(f"{SW_PATH}: no CM_BUILD line; was it written by this build?")
    build = json.loads(found.group(1))
    build["precache"] = precache_list(site_dir)
    line = f"self.CM_BUILD = {json.dumps(build, separators=(',', ':'))};"
    sw.write_text(text[: found.start()] + line + text[found.end() :], "utf-8")
    return build["precache"]


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
    build = {"version": version, "date": stamp, "precache": list(PRECACHE)}  # `finish` adds
    sw = _worker(build, worker)
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
