"""The map of activities: the `map/` page, and the Folium map it shows in an iframe.

Folium writes the map document (`assets/map/frame.html`): Leaflet, the tile layer from
`settings.tiles` and an empty activity layer (`_ActivityClusters`), plus one JSON block of
settings (categories, areas, URLs). The activities are data files beside the frame, in
`assets/map/frame-data/`: `points.json` ([id, name, [categories], paused, lat, lon] each) and
`details-<n>.json` (the popups' summary and times, `DETAILS_CHUNK` activities a file). All are
written by `text.json_for_html` (with `$` and backticks escaped too), so the inline script is
the same whatever the data. `assets/js/map-frame.js` starts a Web Worker
(`assets/js/map-worker.js`, same origin) that fetches the points and clusters them with the
vendored `supercluster`; after each move the page asks it for the view's clusters and pins and
draws only those, a few per task, and fetches a popup's chunk when it opens. Provider text
becomes DOM only through `textContent` - Folium itself escapes neither popups nor tooltips, so
none are made in Python. The iframe keeps Leaflet's CSS away from the site; Folium's CDN
assets (jQuery, Bootstrap, Font Awesome) are replaced by the files vendored under
`site_overrides/assets/vendor/` (see `vendor.py`).

Why this layout (measured at 10,000 synthetic activities, 8,610 on the map; headless
Chromium, 4x CPU slowdown, site served gzipped on loopback, 2 cores shared with other jobs):
the previous frame put every row and popup in one 2.1 MB document (301 KB gzipped) and let
Leaflet.markercluster build its tree of all 8,610 markers on the main thread: tasks of
600+ ms while loading, Lighthouse (mobile) performance 57, LCP 4.4 s, TBT 680 ms. Building
the tree in a worker takes that work off the main thread whatever the number of activities;
drawing only the view keeps a move to a few dozen markers. The frame is now 13 KB, the points
152 KB gzipped (fetched by the worker, so they no longer compete with the page's own CSS
before its first paint: Lighthouse LCP 1.7 s), and a popup chunk about 5 KB. Cluster data
prepared at build time was the other option: it would still need a file per zoom and a
client to pick from them, for no gain over a worker that indexes the 8,610 points in
0.1-0.2 s (Node, same machine), off the main thread. The remaining long tasks at 4x are
Leaflet's own (map and tile layer set-up, tile updates while zooming) and the theme's script.

The page around the iframe holds what a screen reader user needs as ordinary content: the
key (a checkbox per category with its icon and name), the town jumps, "Near me" and the link
to the finder, which stays the accessible equivalent of the map. Those controls are in place
from the first paint (nothing moves when the scripts come); without JavaScript the town form
opens the list for that area.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from collections import Counter
from collections.abc import Iterable

import folium
from branca.element import Element, Figure, MacroElement
from folium.template import Template
from markupsafe import Markup

from build_tools import text
from build_tools.entries import schedule
from build_tools.entries.model import Entry
from build_tools.outputs import Output, rel
from build_tools.settings import Settings, Term
from build_tools.site import pages
from build_tools.site.vendor import LEAFLET, SUPERCLUSTER

PAGE = "map.md"
FRAME = "assets/map/frame.html"
PAGE_CSS = "assets/map-page.css"  # also serves the frame (rules under .cm-frame)
FRAME_JS = "assets/js/map-frame.js"
PAGE_JS = "assets/js/map-page.js"
WORKER_JS = "assets/js/map-worker.js"  # the clustering, in a Web Worker (same origin)
TITLE = "Map of activities"
AREA_ZOOM = 11  # from this zoom on, "view as a list" narrows to the nearest area
TOWN_ZOOM = 13
CLUSTER_RADIUS = 60  # px: pins closer than this at a zoom are one cluster
DETAILS_CHUNK = 250  # popups per file: about 20 KB gzipped at 250 words an activity
FALLBACK_COLOUR = "#37474f"
FALLBACK_ICON = "map-marker"
_COLOUR = re.compile(r"^#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$")
_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def _from_frame(target: str) -> str:
    """A relative URL from the frame document to a site path (keeps a trailing slash)."""
    url = posixpath.relpath(target.rstrip("/") or ".", posixpath.dirname(FRAME))
    return url + "/" if target.endswith("/") else url


def _json(value: object) -> str:
    """`text.json_for_html`, and no `$` or backtick either: the text can never end a
    `<script>`, nor start a template literal or `${...}` if someone pastes it into one."""
    return text.json_for_html(value).replace("$", "\\u0024").replace("`", "\\u0060")


# --- Folium pieces -------------------------------------------------------------------------


class _Frame(Figure):
    """Folium's figure with `lang`, a title, and the script inside `<body>`."""

    _template = Template(
        "<!DOCTYPE html>\n"
        '<html lang="en-GB" class="cm-frame-root">\n'
        "<head>\n"
        "{{ this.header.render(**kwargs) }}\n"
        "<title>{{ this.title }}</title>\n"
        "</head>\n"
        '<body class="cm-frame">\n'
        "{{ this.html.render(**kwargs) }}\n"
        "<script>\n"
        "{{ this.script.render(**kwargs) }}\n"
        "</script>\n"
        "</body>\n"
        "</html>\n"
    )


class _Map(folium.Map):
    """`folium.Map` without the parts that hurt here: the viewport meta that forbids zooming
    (an axe "critical"), the inline size styles (the stylesheet sizes the map) and the jQuery
    `$(document).ready` call (no jQuery is loaded)."""

    _template = Template(
        """
        {% macro html(this, kwargs) %}
        <main class="cm-main">
        <h1 class="cm-visually-hidden">{{ this.cm_title }}</h1>
        <div class="folium-map cm-map" id={{ this.get_name()|tojson }}
             role="region" aria-label="{{ this.cm_title }}"></div>
        </main>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.map(
            {{ this.get_name()|tojson }},
            {
                center: {{ this.location|tojson }},
                crs: L.CRS.{{ this.crs }},
                ...{{ this.options|tojavascript }}
            }
        );
        {%- if this.control_scale %}
        L.control.scale({imperial: true, metric: true}).addTo({{ this.get_name() }});
        {%- endif %}
        {% endmacro %}
        """
    )


class _Call(MacroElement):
    """One JavaScript statement, placed in the map's script where it is added."""

    _template = Template("{% macro script(this, kwargs) %}{{ this.code }}{% endmacro %}")

    def __init__(self, code: str, name: str) -> None:
        super().__init__()
        self._name = name
        self._id = "cm"
        self.code = code


class _Raw(Element):
    """HTML put in the document exactly as given. A plain branca `Element` would parse its
    text as a Jinja template: provider text such as `{{ ... }}` or `{% raw %}` inside the
    JSON would then be evaluated at build time (or break it)."""

    def __init__(self, html: str, name: str = "raw") -> None:
        super().__init__()
        self._name = name
        self._id = "cm"
        self.raw = html

    def render(self, **kwargs: object) -> str:
        return self.raw


# --- Data ----------------------------------------------------------------------------------


def _colour(term: Term) -> str:
    return term.colour if _COLOUR.match(term.colour or "") else FALLBACK_COLOUR


def _svg(term: Term) -> str:
    try:
        return str(text.icon(term.icon or FALLBACK_ICON, css_class="cm-pin__icon"))
    except KeyError:
        return str(text.icon(FALLBACK_ICON, css_class="cm-pin__icon"))


def on_map(published: Iterable[Entry], coords: dict[str, tuple[float, float]]) -> list[Entry]:
    """The activities the map shows: published, meeting in person, with a known position."""
    return [
        e for e in published if e.published and e.in_person and e.id in coords and _ID.match(e.id)
    ]


def _categories(entries: list[Entry], settings: Settings) -> list[Term]:
    """The vocabulary's categories that some mapped activity has, in vocabulary order."""
    vocab = settings.vocabulary().categories
    used = {c for e in entries for c in e.categories}
    terms = [t for cid, t in vocab.items() if cid in used]
    if any(not any(c in vocab for c in e.categories) for e in entries):
        terms.append(Term(id="other", name="Other", icon=FALLBACK_ICON, colour=FALLBACK_COLOUR))
    return terms


def _category_indexes(entries: list[Entry], terms: list[Term]) -> list[list[int]]:
    """Each activity's categories as indexes into `terms` ("other" when none is known)."""
    index = {t.id: i for i, t in enumerate(terms)}
    return [[index[c] for c in e.categories if c in index] or [index["other"]] for e in entries]


def _points(
    entries: list[Entry], terms: list[Term], coords: dict[str, tuple[float, float]]
) -> list[list[object]]:
    """Per activity, what the worker clusters and a pin shows:
    [id, name, [category indexes], paused, lat, lon]."""
    out: list[list[object]] = []
    for e, cats in zip(entries, _category_indexes(entries, terms), strict=True):
        lat, lon = coords[e.id]
        out.append(
            [e.id, e.name, cats, 1 if e.status == "paused" else 0, round(lat, 5), round(lon, 5)]
        )
    return out


def _details(entries: list[Entry]) -> list[list[object]]:
    """Per activity, what only its popup shows: [id, summary, [when...]]."""
    return [[e.id, e.summary, schedule.describe(e)] for e in entries]


def _data_folder(frame: str) -> str:
    """Where a frame's data files go: `assets/map/frame-data/` beside `frame.html`."""
    return posixpath.splitext(frame)[0] + "-data"


def _data_files(
    points: list[list[object]], details: list[list[object]], frame: str
) -> list[tuple[str, str]]:
    """(path, JSON): the points the worker fetches, then each chunk of `DETAILS_CHUNK`
    popups in activity order (`details-<n>.json`)."""
    folder = _data_folder(frame)
    return [(f"{folder}/points.json", _json(points))] + [
        (f"{folder}/details-{n}.json", _json(details[start : start + DETAILS_CHUNK]))
        for n, start in enumerate(range(0, len(details), DETAILS_CHUNK))
    ]


class _ActivityClusters(MacroElement):
    """The activity layer: an empty Leaflet layer that `map-frame.js` fills, view by view,
    with the clusters and pins its Web Worker computes (supercluster). The script is the
    same whatever the data: the rows are in the frame's JSON block, never JavaScript."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = CommunityMap.clusters({{ this._parent.get_name() }});
        {% endmacro %}"""
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "ActivityClusters"
        self._id = "cm"


def _config(
    entries: list[Entry],
    terms: list[Term],
    settings: Settings,
    frame: str,
    files: list[tuple[str, str]],
) -> dict[str, object]:
    vocab = settings.vocabulary()
    # `?v=`: a new build's data are new URLs, so no cache ever mixes two builds' files
    version = hashlib.sha256("".join(body for _, body in files).encode()).hexdigest()[:10]
    folder = posixpath.relpath(_data_folder(frame), posixpath.dirname(frame))
    config: dict[str, object] = {
        "categories": [
            {"id": t.id, "name": t.name, "colour": _colour(t), "svg": _svg(t)} for t in terms
        ],
        "areas": [
            {
                "id": a.id,
                "name": a.name,
                "town": a.town or a.name,
                "lat": a.centre[0],
                "lon": a.centre[1],
            }
            for a in vocab.areas.values()
            if a.centre
        ],
        "link": _from_frame("activities/"),
        "areaZoom": AREA_ZOOM,
        "total": len(entries),
        # the Web Worker, the library it loads and the points it fetches (from the frame)
        "worker": _from_frame(WORKER_JS),
        "library": _from_frame(SUPERCLUSTER.url("supercluster.min.js")),
        "data": f"{folder}/points.json?v={version}",
        "radius": CLUSTER_RADIUS,
        "clusterMaxZoom": settings.tiles.max_zoom - 1,  # pins of their own at the deepest
        # popups' text, fetched a chunk at a time when one of them opens
        "details": f"{folder}/details-{{n}}.json?v={version}",
        "chunks": len(files) - 1,
        "chunk": DETAILS_CHUNK,
    }
    return config


def _frame(
    entries: list[Entry],
    settings: Settings,
    terms: list[Term],
    files: list[tuple[str, str]],
    frame: str = FRAME,
) -> str:
    """The map document: Folium's map and script, and the settings in a JSON block."""
    region, tiles = settings.region, settings.tiles
    (south, west), (north, east) = region.bounds
    pad_lat, pad_lon = (north - south) / 2, (east - west) / 2

    figure = _Frame(title=text.escape(f"{TITLE} – {settings.site_name}"))
    m = _Map(location=list(region.centre), zoom_start=region.zoom, tiles=None, control_scale=True)
    figure.add_child(m)
    m._id = "cm"
    m.options.update(
        max_zoom=tiles.max_zoom,
        min_zoom=max(0, region.zoom - 2),
        max_bounds=[[south - pad_lat, west - pad_lon], [north + pad_lat, east + pad_lon]],
        max_bounds_viscosity=0.8,
    )
    m.default_js = [
        ("leaflet", _from_frame(LEAFLET.url("leaflet.js"))),
        ("community_map", _from_frame(FRAME_JS)),
    ]
    m.default_css = [  # ours last, to restyle clusters and Leaflet's controls
        ("leaflet_css", _from_frame(LEAFLET.url("leaflet.css"))),
        ("community_map_css", _from_frame(PAGE_CSS)),
    ]

    m.cm_title = text.escape(TITLE)
    figure.html.add_child(
        _Raw(
            f'<script type="application/json" id="cm-map-config">'
            f"{_json(_config(entries, terms, settings, frame, files))}"
            "</script>\n"
            '<noscript><p class="cm-noscript">The map needs JavaScript. The '
            f'<a href="{_from_frame("find/")}" target="_top">list of activities</a> '
            "works without it.</p></noscript>"
        ),
        name="cm_intro",
    )

    m.add_child(_Call(f"CommunityMap.init({m.get_name()});", "init"))
    tile_layer = folium.TileLayer(
        tiles=tiles.url,
        attr=tiles.attribution,
        name="Map",
        max_zoom=tiles.max_zoom,
        max_native_zoom=min(tiles.max_zoom, 19),
        control=False,
    )
    tile_layer._id = "cm"
    m.add_child(tile_layer)
    layer = _ActivityClusters()
    m.add_child(layer)
    m.add_child(_Call(f"CommunityMap.start({m.get_name()}, {layer.get_name()});", "start"))
    return figure.render()


# --- The page ------------------------------------------------------------------------------


def _pin(term: Term) -> Markup:
    return Markup('<span class="cm-pin" style="background-color:{}">{}</span>').format(
        _colour(term), Markup(_svg(term))
    )


def page_html(entries: list[Entry], settings: Settings, terms: list[Term] | None = None) -> str:
    """The map page's body: intro, list link, town jumps, the iframe and the key."""
    terms = terms if terms is not None else _categories(entries, settings)
    counts = Counter(terms[c].id for cats in _category_indexes(entries, terms) for c in cats)
    (south, west), (north, east) = settings.region.bounds
    areas = [a for a in settings.vocabulary().areas.values() if a.centre]
    n = len(entries)
    key_items = Markup("").join(
        Markup(
            '<li><input type="checkbox" id="cm-cat-{id}" name="category" value="{id}" checked>'
            '<label for="cm-cat-{id}">{pin}<span class="cm-map-key__name">{name}</span> '
            '<span class="cm-map-key__count">({count})</span></label></li>'
        ).format(id=t.id, pin=_pin(t), name=t.name, count=f"{counts[t.id]:,}")
        for t in terms
    )
    towns = Markup("").join(
        Markup(
            '<option value="{id}" data-lat="{lat}" data-lon="{lon}" data-area="{area}">'
            "{town}</option>"
        ).format(id=a.id, lat=a.centre[0], lon=a.centre[1], area=a.name, town=a.town or a.name)
        for a in sorted(areas, key=lambda a: (a.town or a.name).casefold())
        if a.centre is not None
    )
    return str(
        Markup(
            '<div class="cm-mappage" data-town-zoom="{town_zoom}" data-region="{region}" '
            'data-bounds="{bounds}">\n'
            "<h1>{title}</h1>\n"
            '<p class="cm-lead">{count} that meet in person across {region}. Select a pin for '
            "details; a numbered circle is a group of activities: select it to zoom in.</p>\n"
            '<div class="cm-map-bar">\n'
            '<p class="cm-map-bar__list"><a id="cm-map-list" href="{finder}" '
            'data-finder="{finder}">{list_icon}View these activities as a list'
            '<span class="cm-map-list__area"></span></a></p>\n'
            # Shown from the start (its space is kept, so nothing moves when the script
            # comes); without JavaScript "Go" opens the list for that town's area.
            '<form class="cm-map-jump" id="cm-map-jump" action="{finder}" method="get">\n'
            '<label for="cm-map-town">Go to a town</label>\n'
            '<span class="cm-map-jump__row"><select id="cm-map-town" name="area">'
            '<option value="">Choose a town</option>{towns}</select>\n'
            '<button type="submit" class="md-button">Go</button></span>\n'
            '<button type="button" class="md-button" id="cm-map-locate" data-cm-js>'
            "{locate_icon}Near me</button>\n"
            "</form>\n"
            "</div>\n"
            '<p class="cm-map-status" id="cm-map-status" role="status"></p>\n'
            '<div class="cm-map-layout">\n'
            '<a class="cm-map-skip" id="cm-map-skip" href="#cm-map-key" hidden>Skip the map</a>\n'
            '<iframe class="cm-map-frame" id="cm-map-frame" title="{title}" src="{frame}">'
            "</iframe>\n"
            '<form class="cm-map-key" id="cm-map-key" data-cm-js>\n'
            "<fieldset>\n"
            "<legend>Key: kinds of activity shown</legend>\n"
            '<ul class="cm-map-key__list">{key_items}</ul>\n'
            '<p class="cm-map-key__all">'
            '<button type="button" class="md-button" data-cm-all="show">Show all</button> '
            '<button type="button" class="md-button" data-cm-all="hide">Hide all</button></p>\n'
            '<p class="cm-map-key__note">Untick a kind to hide it. An activity of several kinds '
            "stays on the map while any of them is ticked.</p>\n"
            "</fieldset>\n"
            "</form>\n"
            "</div>\n"
            '<script src="{script}" defer></script>\n'
            "</div>\n"
        ).format(
            town_zoom=TOWN_ZOOM,
            bounds=f"{south},{west},{north},{east}",
            title=TITLE,
            count=f"{n:,} activit{'y' if n == 1 else 'ies'}",
            region=settings.region.name,
            finder=rel(PAGE, "find/"),
            list_icon=text.icon("format-list-bulleted"),
            towns=towns,
            locate_icon=text.icon("crosshairs-gps"),
            frame=rel(PAGE, FRAME),
            key_items=key_items,
            script=rel(PAGE, PAGE_JS),
        )
    )


def generate(
    published: list[Entry],
    settings: Settings,
    coords: dict[str, tuple[float, float]],
    frame: str = FRAME,
) -> list[Output]:
    """The map page, the map document it shows (`frame`) and the document's data files."""
    entries = on_map(published, coords)
    terms = _categories(entries, settings)
    files = _data_files(_points(entries, terms, coords), _details(entries), frame)
    page = page_html(entries, settings, terms)
    frame_html = _frame(entries, settings, terms, files, frame)
    description = f"A map of the activities that meet in person across {settings.region.name}."
    return [
        Output(
            path=PAGE,
            content=pages.page_source(TITLE, description, hide=["toc"]),
            html=page,
        ),
        Output(path=frame, content=frame_html),
        *(Output(path=path, content=body) for path, body in files),
    ]
