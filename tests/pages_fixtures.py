"""Helpers and session fixtures for the site-page tests: entries, settings, built sites, HTML.

Import the fixtures you use into a test module (`from pages_fixtures import sample_site`).
Sites are built into pytest's temporary folders, never into the repository's `site/`.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, TypeVar

import pytest
import yaml
from conftest import need_browser

from build_tools.bench.chromium import CHROMIUM, CHROMIUM_ARGS
from build_tools.bench.runner import serve  # noqa: F401 (used by the page tests)
from build_tools.entries.model import Entry
from build_tools.settings import Settings, from_options
from build_tools.site import inline_scripts

T = TypeVar("T")
ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
REPO_URL = "https://github.com/example/community-map"

BASE_ENTRY: dict[str, Any] = {
    "id": "mote-park-health-walk",
    "name": "Mote Park Health Walk",
    "summary": "A free, friendly 45-minute walk around Mote Park, led by trained volunteers.",
    "description": "Walks go at a **gentle pace** on flat paths.\n\n- Wear comfy shoes\n",
    "categories": ["physical-activity", "nature-and-gardening"],
    "audiences": ["everyone", "older-people"],
    "areas": ["maidstone"],
    "organisation": {
        "name": "Maidstone Walking Network",
        "website": "https://walks.example.org",
        "charity_number": "1123456",
    },
    "contact": {
        "phone": "01622 000111",
        "email": "walks@example.org",
        "website": "https://walks.example.org/mote-park",
    },
    "location": {
        "venue": "Mote Park Café",
        "address": "Mote Park, Willow Way",
        "town": "Maidstone",
        "postcode": "ME15 7RN",
        "coordinates": {"lat": 51.2705, "lon": 0.5486},
    },
    "delivery": ["in-person"],
    "schedule": [
        {"days": ["tue", "thu"], "start": "10:00", "end": "10:45", "frequency": "weekly"},
        {
            "days": ["sat"],
            "start": "09:30",
            "end": "10:30",
            "frequency": "monthly",
            "weeks_of_month": [1],
        },
    ],
    "schedule_note": "No walks on bank holidays.",
    "cost": "free",
    "booking": "drop-in",
    "referral": ["self", "professional"],
    "age": {"min": 16},
    "accessibility": ["step-free-access", "accessible-toilet"],
    "languages": ["en"],
    "last_reviewed": dt.date(2026, 10, 1),
    "status": "active",
}


def make_entry(area_folder: str = "maidstone", **changes: Any) -> Entry:
    """An `Entry` like the sample walk, with top-level fields replaced (None removes one)."""
    data = copy.deepcopy(BASE_ENTRY)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    entry_id = data["id"]
    return Entry(id=entry_id, path=f"entries/{area_folder}/{entry_id}.yml", data=data)


def make_settings(**options: Any) -> Settings:
    """Settings for the repository's schema and the Kent and Medway region."""
    base = {
        "region": {
            "name": "Kent and Medway",
            "country": "gb",
            "centre": {"lat": 51.24, "lon": 0.75},
        }
    }
    base.update(options)
    return from_options(base, ROOT, repo_url=REPO_URL, site_name="Community Map – Test")


def coords_of(entries: list[Entry]) -> dict[str, tuple[float, float]]:
    out = {}
    for entry in entries:
        loc = entry.location
        if loc is not None and loc.has_coordinates and entry.in_person:
            out[entry.id] = (loc.lat, loc.lon)
    return out


# --- HTML ----------------------------------------------------------------------------------


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    line: int
    text: str = ""


class Scan(HTMLParser):
    """Every element with its attributes (values unescaped by the parser) and script text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self._open_script: Element | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: (v or "") for k, v in attrs}, self.getpos()[0])
        self.elements.append(element)
        if tag in ("script", "style"):
            self._open_script = element

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append(Element(tag, {k: (v or "") for k, v in attrs}, self.getpos()[0]))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._open_script = None

    def handle_data(self, data: str) -> None:
        if self._open_script is not None:
            self._open_script.text += data

    def find(self, tag: str, **attrs: str) -> list[Element]:
        return [
            e
            for e in self.elements
            if e.tag == tag and all(e.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())
        ]


def scan(html: str) -> Scan:
    parser = Scan()
    parser.feed(html)
    parser.close()
    return parser


class Text(HTMLParser):
    """The visible text of a fragment, with runs of whitespace collapsed."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "svg"):
            self._skip += 1
        if tag == "br":
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "svg"):
            self._skip = max(0, self._skip - 1)
        if tag in ("p", "li", "dt", "dd", "h1", "h2", "h3", "br", "div"):
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = Text()
    parser.feed(html)
    return re.sub(r"\s+", " ", "".join(parser.parts)).strip()


# The reviewed inline scripts (site_overrides/inline-scripts.json), by CSP hash.
REVIEWED_INLINE = inline_scripts.hashes(ROOT)
_CONTROL = re.compile(r"[\x00-\x20\x7f-\x9f]+")
URL_ATTRS = {
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "data",
    "poster",
    "background",
    "srcset",
    "ping",
    "cite",
    "manifest",
}


def live_payloads(html: str, known_inline: Collection[str] = REVIEWED_INLINE) -> list[str]:
    """Everything in a page that could run script: the list is empty for a safe page.

    An inline script is the site's own only when its CSP hash is in `known_inline`: the
    reviewed list in site_overrides/inline-scripts.json, never one collected from a build.
    """
    found: list[str] = []
    for el in scan(html).elements:
        where = f"line {el.line}: <{el.tag}>"
        for name, value in el.attrs.items():
            if name.startswith("on"):
                found.append(f"{where} has event attribute {name}={value!r}")
            if name in URL_ATTRS or name == "style" or name == "content":
                squeezed = _CONTROL.sub("", value).lower()
                for bad in ("javascript:", "vbscript:", "data:text/html"):
                    if (
                        squeezed.startswith(bad)
                        or f"url={bad}" in squeezed
                        or (name == "style" and bad in squeezed)
                    ):
                        found.append(f"{where} has {name}={value!r}")
        if el.tag in ("iframe", "object", "embed", "frame", "applet"):
            src = el.attrs.get("src", el.attrs.get("data", ""))
            if ":" in src or src.startswith("//") or "assets/" not in src or "srcdoc" in el.attrs:
                found.append(f"{where} embeds {src!r}")  # only the site's own frames (the map)
        if el.tag in ("base", "frameset"):
            found.append(f"{where} should not be in a page")
        if el.tag == "meta" and el.attrs.get("http-equiv", "").lower() == "refresh":
            found.append(f"{where} refreshes the page")
        if el.tag == "script":
            src = el.attrs.get("src")
            kind = el.attrs.get("type", "")
            if src is not None:
                path = src.split("?", 1)[0].split("#", 1)[0]
                if ":" in src or src.startswith("//") or not path.endswith(".js"):
                    found.append(f"{where} loads {src!r}")
            elif kind in ("application/ld+json", "application/json"):
                pass  # data, never run; its JSON is checked by the tests that need it
            elif inline_scripts.csp_hash(el.text) not in known_inline:
                found.append(
                    f"{where} is an inline script not in {inline_scripts.FILE}: "
                    f"{inline_scripts.csp_hash(el.text)} {el.text[:80]!r}"
                )
    return found


# --- building and serving sites ------------------------------------------------------------


def write_config(
    folder: Path,
    entries_dir: Path,
    *,
    search: bool = False,
    cache: Path | None = None,
    **plugin_options: Any,
) -> Path:
    """`folder/mkdocs.yml`: the repository's, pointing at other entries (and a geocode cache
    of their own, `cache` or an empty one in `folder`), with any other plugin options;
    paths are absolute. The one way tests write a site's configuration."""
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_KeepTags)
    config["docs_dir"] = str(ROOT / "docs")
    config["theme"]["custom_dir"] = str(ROOT / "site_overrides")
    for plugin in config.get("plugins") or []:
        if isinstance(plugin, dict) and "community-map" in plugin:
            options = plugin["community-map"]
            options["entries_dir"] = str(entries_dir)
            options["schema_dir"] = str(ROOT / "schema")
            options["search"] = search
            options.update(plugin_options)
            geocoder = options.get("geocoder") or {}
            if "cache" in geocoder:
                geocoder["cache"] = str(cache or folder / "geocode-cache.json")
    path = folder / "mkdocs.yml"
    path.write_text(
        yaml.dump(config, Dumper=_KeepTagsDumper, allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )
    return path


class _Tagged(str):
    """A `!!python/name:` value, written back as it was."""

    tag = ""


class _KeepTags(yaml.SafeLoader):
    pass


def _keep(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> _Tagged:
    value = _Tagged(loader.construct_scalar(node))  # type: ignore[arg-type]
    value.tag = "tag:yaml.org,2002:python/" + suffix
    return value


_KeepTags.add_multi_constructor("tag:yaml.org,2002:python/", _keep)
# `!ENV [NAME, default]` (site_url): the test config is written with the default value
_KeepTags.add_constructor(
    "!ENV",
    lambda loader, node: (
        loader.construct_sequence(node)[-1] if isinstance(node, yaml.SequenceNode) else None
    ),
)


class _EnvList(list):
    """MkDocs' `!ENV [NAME, default]` (the site_url), written back as it was."""


def _keep_env(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.SequenceNode):
        return _EnvList(loader.construct_sequence(node))
    return _EnvList([loader.construct_scalar(node)])  # type: ignore[arg-type]


_KeepTags.add_constructor("!ENV", _keep_env)


class _KeepTagsDumper(yaml.SafeDumper):
    pass


_KeepTagsDumper.add_representer(
    _Tagged, lambda dumper, value: dumper.represent_scalar(value.tag, str(value))
)
_KeepTagsDumper.add_representer(
    _EnvList, lambda dumper, value: dumper.represent_sequence("!ENV", list(value), flow_style=True)
)


def mkdocs_build(
    config: Path, site_dir: Path, *, strict: bool = False
) -> subprocess.CompletedProcess[str]:
    """`python -m mkdocs build` in a subprocess, as CI would run it."""
    command = [sys.executable, "-m", "mkdocs", "build", "-f", str(config), "-d", str(site_dir)]
    if strict:
        command.append("--strict")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        env=env,
        cwd=config.parent,
        timeout=600,
        check=False,
    )


def with_browser(work: Callable[[Any], T]) -> T:
    """Run `work(browser)` with a headless Chromium of its own, in a thread of its own.

    Playwright's sync API refuses to start in a thread where another instance is running
    (another module's session-long browser fixture, say); a fresh thread never has one.
    """
    need_browser()  # fails under CI, skips elsewhere, before anything is built
    from playwright.sync_api import sync_playwright

    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
                try:
                    outcome["value"] = work(browser)
                finally:
                    browser.close()
        except BaseException as error:  # handed to the test's own thread
            outcome["error"] = error

    thread = threading.Thread(target=run, name="pages-browser")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


@dataclass
class BuiltSite:
    root: Path
    log: str

    def page(self, path: str) -> str:
        target = self.root / path
        if path.endswith("/") or not path:
            target = target / "index.html"
        return target.read_text(encoding="utf-8")

    def html_files(self) -> list[Path]:
        return sorted(self.root.rglob("*.html"))


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    """The repository's own entries and mkdocs.yml, built once with `--strict` into tmp."""
    folder = tmp_path_factory.mktemp("sample-site")
    result = mkdocs_build(ROOT / "mkdocs.yml", folder / "site", strict=True)
    if result.returncode != 0:
        raise AssertionError(f"mkdocs build failed:\n{result.stdout}\n{result.stderr}")
    return BuiltSite(folder / "site", result.stdout + result.stderr)


@pytest.fixture(scope="session")
def known_inline_scripts() -> frozenset[str]:
    """The reviewed inline scripts' hashes (site_overrides/inline-scripts.json)."""
    return REVIEWED_INLINE


def copy_entries(files: list[Path], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for file in files:
        shutil.copy(file, folder / file.name)
    return folder
