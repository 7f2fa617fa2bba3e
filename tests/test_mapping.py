"""The map generator: which activities, which files, and that provider text stays text."""

from __future__ import annotations

import json
import posixpath
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from map_fixtures import DATA, PAYLOADS, ROOT, payload_entries

from build_tools.entries.loader import load_paths
from build_tools.entries.model import Entry
from build_tools.entries.validate import validate_entries
from build_tools.outputs import Output
from build_tools.settings import Settings, load_settings
from build_tools.site import mapping, vendor


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings(ROOT / "mkdocs.yml")


@pytest.fixture(scope="module")
def fixture_entries(settings: Settings) -> list[Entry]:
    entries, problems = load_paths([DATA], base=ROOT)
    problems += validate_entries(entries, settings)
    assert not [p for p in problems if p.severity == "error"], [p.format() for p in problems]
    return entries


# Pieces of the payloads that would be live code if they arrived unescaped.
DANGEROUS = (
    "</script><script",
    "<script>alert",
    "<img",
    "<svg",
    "${",
    "`",
    "\u2028",
    "\u2029",
    "'\"><svg",
)


def _coords(entries: list[Entry]) -> dict[str, tuple[float, float]]:
    return {
        e.id: (e.location.lat, e.location.lon)
        for e in entries  # type: ignore[misc]
        if e.published and e.in_person and e.location and e.location.has_coordinates
    }


def _outputs(entries: list[Entry], settings: Settings, **kw: str) -> dict[str, Output]:
    published = sorted((e for e in entries if e.published), key=lambda e: e.name.casefold())
    return {o.path: o for o in mapping.generate(published, settings, _coords(entries), **kw)}


class Parsed(HTMLParser):
    """Every element with its attributes, and the text of each script."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._in_script: dict[str, str | None] | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script = dict(attrs)
            self.scripts.append((self._in_script, ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = None

    def handle_data(self, data: str) -> None:
        if self._in_script is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)


def _config(frame_html: str) -> dict:
    parsed = Parsed(frame_html)
    texts = [t for a, t in parsed.scripts if a.get("id") == "cm-map-config"]
    assert len(texts) == 1
    return json.loads(texts[0])


def _file(outputs: dict[str, Output], frame: str, url: str) -> object:
    """The JSON file a frame's configuration names (relative to the frame, `?v=` ignored)."""
    path = posixpath.normpath(posixpath.join(posixpath.dirname(frame), url.split("?")[0]))
    return json.loads(str(outputs[path].content))


def _points(outputs: dict[str, Output], frame: str = mapping.FRAME) -> list:
    """The rows the worker clusters: [id, name, [categories], paused, lat, lon]."""
    return _file(outputs, frame, _config(str(outputs[frame].content))["data"])  # type: ignore[return-value]


def _details(outputs: dict[str, Output], frame: str = mapping.FRAME) -> list:
    """Every popup's [id, summary, [when]], from the frame's chunks in order."""
    config = _config(str(outputs[frame].content))
    out = []
    for n in range(config["chunks"]):
        chunk = _file(outputs, frame, config["details"].replace("{n}", str(n)))
        assert isinstance(chunk, list) and 0 < len(chunk) <= config["chunk"]
        out += chunk
    return out


def test_the_map_shows_exactly_the_published_in_person_activities_with_a_position(
    fixture_entries: list[Entry], settings: Settings
) -> None:
    outputs = _outputs(fixture_entries, settings)
    frame = outputs[mapping.FRAME].content
    assert isinstance(frame, str)
    rows = _points(outputs)
    ids = [row[0] for row in rows]
    assert sorted(ids) == ["map-paused-garden", "map-payload-cafe", "map-payload-singers"]
    for absent in ("map-closed-club", "map-online-only", "map-no-position"):
        assert absent not in frame
        assert not any(absent in str(o.content) for o in outputs.values())
    # every row carries its position; the script itself holds no data at all
    assert [r[4:] for r in rows] == [
        [51.3702, 0.5421] if r[0] == "map-paused-garden" else [51.2741, 0.5301] for r in rows
    ]
    assert "CommunityMap.clusters(map_cm);" in frame
    paused = rows[ids.index("map-paused-garden")]
    assert paused[3] == 1  # shown as paused
    # the popups' text is in the chunks, in the same order, and not in the frame
    details = _details(outputs)
    assert [d[0] for d in details] == ids
    assert details[ids.index("map-paused-garden")][2] == [
        "First Saturday of the month, 10:00 to 12:00"
    ]
    assert details[0][1] and details[0][1] not in frame
    assert rows[0][1] not in frame  # nor the names: the frame carries no data at all
    config = _config(frame)
    assert config["worker"] == "../js/map-worker.js"
    assert config["library"] == "../vendor/supercluster-9.1.0/supercluster.min.js"
    assert config["total"] == 3 and config["chunks"] == 1


def test_the_page_embeds_the_frame_with_a_title_a_key_and_the_list_link(
    fixture_entries: list[Entry], settings: Settings
) -> None:
    page = _outputs(fixture_entries, settings)[mapping.PAGE]
    assert page.html is not None and 'title: "Map of activities"' in str(page.content)
    parsed = Parsed(page.html)
    iframes = [a for t, a in parsed.elements if t == "iframe"]
    assert iframes == [
        {
            "class": "cm-map-frame",
            "id": "cm-map-frame",
            "title": "Map of activities",
            "src": "../assets/map/frame.html",
        }
    ]
    links = {a.get("id"): a.get("href") for t, a in parsed.elements if t == "a"}
    assert links["cm-map-list"] == "../find/"
    boxes = [a["value"] for t, a in parsed.elements if t == "input" and a.get("type") == "checkbox"]
    # the categories of the three mapped activities, in vocabulary order
    assert boxes == [
        "arts-and-creativity",
        "nature-and-gardening",
        "social-and-befriending",
        "dementia-support",
    ]
    labels = {a["for"] for t, a in parsed.elements if t == "label"}
    assert {f"cm-cat-{b}" for b in boxes} <= labels
    options = [a["value"] for t, a in parsed.elements if t == "option"]
    assert "maidstone" in options and len(options) == 1 + len(settings.vocabulary().areas)
    # no provider text on the page itself
    assert "Café" not in page.html and "Singers" not in page.html


def test_the_frame_loads_only_local_files(fixture_entries: list[Entry], settings: Settings) -> None:
    frame = str(_outputs(fixture_entries, settings)[mapping.FRAME].content)
    parsed = Parsed(frame)
    loaded = [
        a.get("src") or a.get("href")
        for t, a in parsed.elements
        if t in ("script", "link", "img", "iframe") and (a.get("src") or a.get("href"))
    ]
    assert loaded, "the frame should load Leaflet and the cluster plugin"
    for url in loaded:
        assert url and not re.match(r"^(https?:)?//", url), url
        path = (Path("/site/assets/map") / url).resolve()  # where it lands in the site
        rel = path.relative_to("/site/assets")
        assert (ROOT / "site_overrides" / "assets" / rel).is_file(), url
    assert {"../vendor/leaflet-1.9.3/leaflet.js", "../js/map-frame.js"} <= set(loaded)
    # ...and what the frame's script loads itself: the worker and its library
    config = _config(frame)
    for url in (config["worker"], config["library"]):
        path = (Path("/site/assets/map") / url).resolve()
        assert (ROOT / "site_overrides" / "assets" / path.relative_to("/site/assets")).is_file()
    # Every absolute URL in the document: the tile template, the attribution's link and
    # the SVG namespace (not a request). No CDN, no jQuery, Bootstrap or Font Awesome.
    unescaped = frame.replace("\\u003c", "<").replace("\\u003e", ">").replace('\\"', '"')
    urls = set(re.findall(r"https?://[^\s\"'<>\\]+", unescaped))
    allowed = {
        settings.tiles.url,
        "https://www.openstreetmap.org/copyright",
        "http://www.w3.org/2000/svg",
    }
    assert urls <= allowed, urls - allowed
    assert settings.tiles.url in urls
    for name in ("jquery", "bootstrap", "font-awesome", "fontawesome", "awesome-markers", "cdn"):
        assert name not in frame.lower()
    assert "maxZoom" in frame.split("L.tileLayer")[0]  # on the map itself


def test_provider_text_never_reaches_html_or_script_unescaped(settings: Settings) -> None:
    entries, coords = payload_entries()
    outputs = {o.path: o for o in mapping.generate(entries, settings, coords)}
    frame = str(outputs[mapping.FRAME].content)
    for dangerous in DANGEROUS:
        assert dangerous not in frame, dangerous
        for path, out in outputs.items():  # nor in the popup chunks
            if path.endswith(".json"):
                assert dangerous not in str(out.content), (path, dangerous)
    parsed = Parsed(frame)
    tags = [t for t, _ in parsed.elements]
    assert "img" not in tags and "svg" not in tags  # icons are inside the JSON, escaped
    assert [a.get("src") for a, _ in parsed.scripts if a.get("src")] == [
        "../vendor/leaflet-1.9.3/leaflet.js",
        "../js/map-frame.js",
    ]
    assert len(parsed.scripts) == 4  # 2 files, the JSON block and Folium's one script
    for _, attrs in parsed.elements:
        assert not any(k.startswith("on") for k in attrs), attrs
    # ...and the text survives the escaping exactly (Jinja syntax included: Folium renders
    # with Jinja, and `{{ 7*7 }}` must stay text), for the browser to show as text.
    assert [r[1] for r in _points(outputs)] == [f"Club {p}" for p in PAYLOADS]
    details = _details(outputs)
    assert [r[1] for r in details] == [f"Summary {p} end." for p in PAYLOADS]
    assert all(r[2][-1] == f"Note {p}" for r, p in zip(details, PAYLOADS, strict=True))


def test_the_frame_is_the_same_on_every_build(
    fixture_entries: list[Entry], settings: Settings
) -> None:
    first = _outputs(fixture_entries, settings)
    second = _outputs(fixture_entries, settings)
    assert first[mapping.FRAME].content == second[mapping.FRAME].content
    assert first[mapping.PAGE].html == second[mapping.PAGE].html


def test_an_empty_map_still_builds(settings: Settings) -> None:
    outputs = {o.path: o for o in mapping.generate([], settings, {})}
    assert _points(outputs) == []
    assert _config(str(outputs[mapping.FRAME].content))["chunks"] == 0
    assert "0 activities" in str(outputs[mapping.PAGE].html)


def test_vendored_files_match_their_recorded_hashes() -> None:
    assert vendor.check() == []
    listed = vendor.listed()
    for pkg in vendor.PACKAGES:
        assert f"{pkg.folder}/LICENSE" in listed
    readme = (vendor.VENDOR_DIR / "README.md").read_text(encoding="utf-8")
    assert "leaflet | 1.9.3" in readme and "supercluster | 9.1.0" in readme


def test_the_inline_script_is_the_same_whatever_the_data(
    fixture_entries: list[Entry], settings: Settings
) -> None:
    """Only the JSON block changes with the entries: no data is ever JavaScript source."""

    def inline(frame: str) -> list[str]:
        return [
            text
            for attrs, text in Parsed(frame).scripts
            if "src" not in attrs and attrs.get("type") != "application/json"
        ]

    sample_outputs = _outputs(fixture_entries, settings)
    sample = str(sample_outputs[mapping.FRAME].content)
    entries, coords = payload_entries()
    payload_outputs = {o.path: o for o in mapping.generate(entries, settings, coords)}
    payload = str(payload_outputs[mapping.FRAME].content)
    assert len(inline(sample)) == 1
    assert inline(sample) == inline(payload)
    assert _points(sample_outputs) != _points(payload_outputs)


def test_popup_text_is_split_into_chunks_in_activity_order(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each chunk holds `DETAILS_CHUNK` popups; the browser finds activity i in chunk
    i // chunk at i % chunk, and the URL changes with the text (a new build is refetched)."""
    entries, coords = payload_entries()
    monkeypatch.setattr(mapping, "DETAILS_CHUNK", 3)
    outputs = {o.path: o for o in mapping.generate(entries, settings, coords)}
    config = _config(str(outputs[mapping.FRAME].content))
    assert config["chunk"] == 3 and config["chunks"] == 3  # 8 payloads: 3 + 3 + 2
    assert sorted(p for p in outputs if p.endswith(".json")) == [
        *(f"assets/map/frame-data/details-{n}.json" for n in range(3)),
        "assets/map/frame-data/points.json",
    ]
    ids = [r[0] for r in _points(outputs)]
    details = _details(outputs)
    for i, eid in enumerate(ids):
        assert details[i][0] == eid
    assert re.fullmatch(r"frame-data/details-\{n\}\.json\?v=[0-9a-f]{10}", config["details"])
    assert config["data"] == "frame-data/points.json?v=" + config["details"].split("?v=")[1]
    changed = [
        *entries[:-1],
        Entry(
            id=entries[-1].id,
            path="x.yml",
            data={**entries[-1].data, "summary": "Another summary."},
        ),
    ]
    again = {o.path: o for o in mapping.generate(changed, settings, coords)}
    again_config = _config(str(again[mapping.FRAME].content))
    assert again_config["details"] != config["details"] and again_config["data"] != config["data"]
