"""The map of activities: the `map/` page, and the Folium map it shows in an iframe.

Folium writes the map document (`assets/map/frame.html`): Leaflet, the tile layer from
`settings.tiles`, and one `FastMarkerCluster` whose callback builds each marker from a compact
row. The rows (position, and the provider text the popups need) sit in one JSON block written
by `text.json_for_html` (with `$` and backticks escaped too), so the inline script is the same
whatever the data; `assets/js/map-frame.js` turns rows into markers and text into popup DOM
with `textContent` - Folium itself escapes neither popups nor tooltips, so none are made in
Python. The iframe keeps Leaflet's CSS away from the
site; Folium's CDN assets (jQuery, Bootstrap, Font Awesome) are replaced on the instances by
the files vendored under `site_overrides/assets/vendor/` (see `vendor.py`).

Why this layout: 10,000 `folium.Marker`s in a `MarkerCluster` take 18 s to build and a 9 MB
page. Measured at 10,000 synthetic activities (headless Chromium, loopback, 2 busy cores):
this frame is 2.1 MB (454 KB gzipped) and the whole page 593 KB gzipped, with markers on
screen in about 1.2 s. A small frame fetching the rows as a separate JSON file measured the
same on loopback, but on a real network its data request can only start once the scripts
have run; so one document it is (that alternative was removed).

The page around the iframe holds what a screen reader user needs as ordinary content: the
key (a checkbox per category with its icon and name), the town jumps, "Near me" and the link
to the finder, which stays the accessible equivalent of the map.
"""

from __future__ import annotations

import posixpath
import re
from collections import Counter
from collections.abc import Iterable

import folium
from branca.element import Element, Figure, MacroElement
from folium.plugins import FastMarkerCluster, MarkerCluster
from folium.template import Template
from folium.utilities import JsCode
from markupsafe import Markup

from build_tools import text
from build_tools.entries import schedule
from build_tools.entries.model import Entry
from build_tools.outputs import Output, rel
from build_tools.settings import Settings, Term
from build_tools.site import pages
from build_tools.site.vendor import LEAFLET, MARKERCLUSTER

PAGE = "map.md"
FRAME = "assets/map/frame.html"
PAGE_CSS = "assets/map-page.css"  # also serves the frame (rules under .cm-frame)
FRAME_JS = "assets/js/map-frame.js"
PAGE_JS = "assets/js/map-page.js"
TITLE = "Map of activities"
AREA_ZOOM = 11  # from this zoom on, "view as a list" narrows to the nearest area
TOWN_ZOOM = 13
# Cluster the first time in chunks of 60 ms too: at 10,000 activities this replaces one
# 350-550 ms task during load by tasks of about 170 ms, with markers on screen as soon.
CHUNKED_START = True
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


def _rows(
    entries: list[Entry], terms: list[Term], coords: dict[str, tuple[float, float]]
) -> list[list[object]]:
    """Per activity: [id, name, summary, [when...], [category indexes], paused, lat, lon]."""
    out: list[list[object]] = []
    for e, cats in zip(entries, _category_indexes(entries, terms), strict=True):
        lat, lon = coords[e.id]
        paused = 1 if e.status == "paused" else 0
        out.append(
            [
                e.id,
                e.name,
                e.summary,
                schedule.describe(e),
                cats,
                paused,
                round(lat, 5),
                round(lon, 5),
            ]
        )
    return out


class _FastMarkerCluster(FastMarkerCluster):
    """Folium's FastMarkerCluster, taking its `[lat, lon, index]` rows from the page's JSON
    block (`CommunityMap.rows()`) instead of a literal in the script. The inline script is
    then the same for any data - nothing provider-made is ever JavaScript source - and the
    browser reads 10,000 rows with JSON.parse, faster than parsing them as code."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = (function(){
                {{ this.callback }}

                var data = CommunityMap.rows();
                var cluster = L.markerClusterGroup({{ this.options|tojavascript }});
                {%- if this.icon_create_function is not none %}
                cluster.options.iconCreateFunction =
                    {{ this.icon_create_function.strip() }};
                {%- endif %}

                for (var i = 0; i < data.length; i++) {
                    var row = data[i];
                    var marker = callback(row);
                    marker.addTo(cluster);
                }

                cluster.addTo({{ this._parent.get_name() }});
                return cluster;
            })();
        {% endmacro %}"""
    )


def _config(
    entries: list[Entry], terms: list[Term], settings: Settings, rows: list[list[object]]
) -> dict[str, object]:
    vocab = settings.vocabulary()
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
        "activities": rows,
    }
    return config


def _frame(
    entries: list[Entry],
    settings: Settings,
    terms: list[Term],
    rows: list[list[object]],
) -> str:
    """The map document, its rows in a JSON block."""
    region, tiles = settings.region, settings.tiles
    (south, west), (north, east) = region.bounds
    pad_lat, pad_lon = (north - south) / 2, (east - west) / 2

    figure = _Frame(title=text.escape(f"{TITLE} – {settings.site_name}"))
    m = _Map(location=list(region.centre), zoom_start=region.zoom, tiles=None, control_scale=True)
    figure.add_child(m)
    m._id = "cm"
    m.options.update(
        max_zoom=tiles.max_zoom,  # MarkerCluster needs it on the map, not only the tiles
        min_zoom=max(0, region.zoom - 2),
        max_bounds=[[south - pad_lat, west - pad_lon], [north + pad_lat, east + pad_lon]],
        max_bounds_viscosity=0.8,
    )
    m.default_js = [
        ("leaflet", _from_frame(LEAFLET.url("leaflet.js"))),
        ("community_map", _from_frame(FRAME_JS)),
    ]
    m.default_css = [("leaflet_css", _from_frame(LEAFLET.url("leaflet.css")))]

    m.cm_title = text.escape(TITLE)
    figure.html.add_child(
        _Raw(
            f'<script type="application/json" id="cm-map-config">'
            f"{_json(_config(entries, terms, settings, rows))}"
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

    cluster_options = {
        "show_coverage_on_hover": False,
        "spiderfy_distance_multiplier": 1.6,
        "chunked_loading": CHUNKED_START,
        "chunk_interval": 60,
        "chunk_delay": 10,
        "chunk_progress": JsCode("CommunityMap.chunkProgress"),
    }
    cluster: MarkerCluster = _FastMarkerCluster(
        data=[],  # the rows come from the JSON block: see _FastMarkerCluster
        callback="CommunityMap.marker",
        icon_create_function="CommunityMap.clusterIcon",
        name="Activities",
        control=False,
        **cluster_options,
    )
    start = f"CommunityMap.start({m.get_name()}, {{cluster}});"
    cluster._id = "cm"
    cluster.default_js = [
        ("markerclusterjs", _from_frame(MARKERCLUSTER.url("leaflet.markercluster.js")))
    ]
    cluster.default_css = [  # ours last, to restyle clusters and Leaflet's controls
        ("markerclustercss", _from_frame(MARKERCLUSTER.url("MarkerCluster.css"))),
        ("community_map_css", _from_frame(PAGE_CSS)),
    ]
    m.add_child(cluster)
    m.add_child(_Call(start.format(cluster=cluster.get_name()), "start"))
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
            '<form class="cm-map-jump" id="cm-map-jump" hidden>\n'
            '<label for="cm-map-town">Go to a town</label>\n'
            '<span class="cm-map-jump__row"><select id="cm-map-town" name="town">'
            '<option value="">Choose a town</option>{towns}</select>\n'
            '<button type="submit" class="md-button">Go</button></span>\n'
            '<button type="button" class="md-button" id="cm-map-locate">{locate_icon}Near me'
            "</button>\n"
            "</form>\n"
            "</div>\n"
            '<p class="cm-map-status" id="cm-map-status" role="status"></p>\n'
            '<div class="cm-map-layout">\n'
            '<a class="cm-map-skip" id="cm-map-skip" href="#cm-map-key" hidden>Skip the map</a>\n'
            '<iframe class="cm-map-frame" id="cm-map-frame" title="{title}" src="{frame}">'
            "</iframe>\n"
            '<form class="cm-map-key" id="cm-map-key" hidden>\n'
            "<fieldset>\n"
            "<legend>Key: kinds of activity shown</legend>\n"
            '<ul class="cm-map-key__list">{key_items}</ul>\n'
            '<p class="cm-map-key__all" hidden>'
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
) -> list[Output]:
    """The map page and the map document it shows."""
    entries = on_map(published, coords)
    terms = _categories(entries, settings)
    rows = _rows(entries, terms, coords)
    page = page_html(entries, settings, terms)
    frame_html = _frame(entries, settings, terms, rows)
    description = f"A map of the activities that meet in person across {settings.region.name}."
    return [
        Output(
            path=PAGE,
            content=pages.page_source(TITLE, description, hide=["toc"]),
            html=page,
        ),
        Output(path=FRAME, content=frame_html),
    ]
