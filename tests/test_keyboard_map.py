"""The map from the keyboard alone, at 320 px and 1280 px: clusters, Tab order, popups.

Uses the map site of map_fixtures (sample entries + tests/data/map/), tiles answered locally.
Every focused marker's box is checked against the map's edges and its controls (the zoom
buttons, the scale bar, the attribution).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from map_fixtures import *  # noqa: F403 - the session fixtures
from map_fixtures import TILES, map_frame, tile_png

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WIDTHS = {"320": (320, 640), "1280": (1280, 800)}

# The focused element in the frame: what it is, its box, the map's box and the controls'.
FOCUS = """async () => {
  const e = document.activeElement;
  const map = document.querySelector('.leaflet-container');
  const box = r => { const b = r.getBoundingClientRect();
    return {x: b.left, y: b.top, right: b.right, bottom: b.bottom}; };
  const controls = [...document.querySelectorAll('.leaflet-control')]
    .filter(c => c.getBoundingClientRect().width > 0).map(box);
  // the activities a cluster or pin stands for (a cluster's from the map's worker)
  const children = e.cmMarker ? await CommunityMap.leaves(e.cmMarker) : null;
  return {
    kind: e.classList.contains('cm-cluster') ? 'cluster'
      : e.classList.contains('cm-marker') ? 'pin' : e.tagName,
    name: e.getAttribute('aria-label') || e.textContent.trim(),
    tabindex: e.getAttribute('tabindex'),
    box: box(e), map: box(map), controls, children,
  };
}"""

CENTRE = "(() => { const c = map_cm.getCenter(); return [c.lat, c.lng, map_cm.getZoom()]; })()"


@pytest.fixture(params=list(WIDTHS))
def sized_map(request: pytest.FixtureRequest, map_browser: Any) -> Iterator[tuple[str, Any]]:
    width, height = WIDTHS[request.param]
    context = map_browser.new_context(viewport={"width": width, "height": height})
    png = tile_png()
    context.route(f"{TILES}**", lambda route: route.fulfill(body=png, content_type="image/png"))
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield request.param, page
    context.close()
    assert errors == []


def open_map(page: Any, url: str) -> Any:
    page.goto(url)
    frame = map_frame(page)
    frame.wait_for_timeout(300)  # the first keyboard refresh runs after drawing
    return frame


def clear_of_edges_and_controls(f: dict[str, Any]) -> list[str]:
    b, m = f["box"], f["map"]
    out = []
    if b["x"] < m["x"] or b["right"] > m["right"] or b["y"] < m["y"] or b["bottom"] > m["bottom"]:
        out.append(f"at or past the map's edge: {b} in {m}")
    for c in f["controls"]:
        if (
            b["x"] < c["right"]
            and c["x"] < b["right"]
            and b["y"] < c["bottom"]
            and c["y"] < b["bottom"]
        ):
            out.append(f"under a control {c}")
    return out


def tab_through_markers(frame: Any, page: Any, limit: int = 80) -> list[dict[str, Any]]:
    """From the map itself, Tab over every pin and cluster until focus leaves them."""
    frame.focus(".leaflet-container")
    stops = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        f = frame.evaluate(FOCUS)
        if f["kind"] not in ("pin", "cluster"):
            break
        stops.append(f)
    return stops


def test_clusters_say_where_they_are(sized_map: tuple[str, Any], map_url: str) -> None:
    _, page = sized_map
    frame = open_map(page, map_url + "map/")
    names = frame.eval_on_selector_all(
        ".leaflet-marker-pane .cm-cluster", "els => els.map(e => e.getAttribute('aria-label'))"
    )
    assert len(names) >= 4
    compass = "north|south|east|west|north-east|north-west|south-east|south-west"
    place = rf"(near [A-Z][\w ]+|\d+ km ({compass}) of [A-Z][\w ]+)"
    for name in names:
        assert re.fullmatch(rf"Cluster of \d+ activities {place}: zoom in", name), name
    assert len(set(names)) == len(names), names  # each can be told apart


def test_tab_follows_the_screen_reaches_only_what_is_in_view_and_never_pans(
    sized_map: tuple[str, Any], map_url: str
) -> None:
    size, page = sized_map
    # Zoomed in on Maidstone: some pins and clusters are in view, others off the map.
    frame = open_map(page, map_url + "map/#lat=51.30&lon=0.53&z=12")
    before = frame.evaluate(CENTRE)
    icons = frame.eval_on_selector_all(
        ".leaflet-marker-pane > *", "els => els.map(e => e.getAttribute('tabindex'))"
    )
    assert "-1" in icons and "0" in icons, icons  # some are out of view and take no Tab
    stops = tab_through_markers(frame, page)
    assert len(stops) == icons.count("0")
    for f in stops:
        assert f["tabindex"] == "0"
        assert clear_of_edges_and_controls(f) == [], (size, f["name"])
    assert frame.evaluate(CENTRE) == before  # focus moved; the map did not
    # Screen order: rows from top to bottom (40 px bands), left to right within a row.
    rows = [
        (int((f["box"]["y"] + f["box"]["bottom"]) / 2 - f["map"]["y"]) // 40, f["box"]["x"])
        for f in stops
    ]
    assert rows == sorted(rows), rows
    # After the map moves, what Tab reaches follows it.
    frame.evaluate("map_cm.panBy([200, 150], {animate: false})")
    frame.wait_for_timeout(300)
    for f in tab_through_markers(frame, page):
        assert clear_of_edges_and_controls(f) == [], (size, f["name"])


@pytest.mark.parametrize("key", ["Enter", "Space"])
def test_a_cluster_zooms_focuses_what_was_inside_and_says_so(
    sized_map: tuple[str, Any], map_url: str, key: str
) -> None:
    size, page = sized_map
    frame = open_map(page, map_url + "map/")
    stops = tab_through_markers(frame, page)
    biggest = max((f for f in stops if f["kind"] == "cluster"), key=lambda f: len(f["children"]))
    frame.focus(".leaflet-container")
    for _ in range(stops.index(biggest) + 1):
        page.keyboard.press("Tab")
    assert frame.evaluate(FOCUS)["name"] == biggest["name"]
    zoom = frame.evaluate("map_cm.getZoom()")
    page.keyboard.press(key)
    frame.wait_for_function(
        "() => document.getElementById('cm-map-say').textContent.startsWith('Zoomed in')"
    )
    assert frame.evaluate("map_cm.getZoom()") > zoom
    n = len(biggest["children"])
    said = frame.text_content("#cm-map-say")
    assert re.fullmatch(rf"Zoomed in: {n} activities around [A-Z][\w ]+", said), said
    town = re.search(r"(near|of) ([A-Z][\w ]+): zoom in$", biggest["name"]).group(2)
    assert said.endswith(town) or size == "320", (said, biggest["name"])
    assert frame.get_attribute("#cm-map-say", "role") == "status"
    now = frame.evaluate(FOCUS)
    assert now["kind"] in ("pin", "cluster"), now
    assert set(now["children"]) <= set(biggest["children"])  # something that was inside
    assert clear_of_edges_and_controls(now) == []
    # The next Tab goes on to a pin or cluster on screen.
    page.keyboard.press("Tab")
    after = frame.evaluate(FOCUS)
    if after["kind"] in ("pin", "cluster"):
        assert clear_of_edges_and_controls(after) == []


def test_popups_close_with_escape_and_space_and_tab_goes_on_to_the_next_pin(
    sized_map: tuple[str, Any], map_url: str
) -> None:
    _, page = sized_map
    frame = open_map(page, map_url + "map/#lat=51.27&lon=0.53&z=14")
    for _ in range(4):  # zoom into clusters from the keyboard until a pin is in view
        stops = tab_through_markers(frame, page)
        pins = [f for f in stops if f["kind"] == "pin"]
        if pins and pins[0] is not stops[-1]:
            break
        frame.focus(".leaflet-container")
        page.keyboard.press("Tab")
        frame.evaluate("document.getElementById('cm-map-say').textContent = ''")
        page.keyboard.press("Enter")
        frame.wait_for_function("document.getElementById('cm-map-say').textContent !== ''")
    assert pins and pins[0] is not stops[-1], stops  # a pin, and something after it
    frame.focus(".leaflet-container")

    def tab_to_pin(name: str) -> None:
        for _ in range(40):
            page.keyboard.press("Tab")
            if frame.evaluate(FOCUS)["name"] == name:
                return
        raise AssertionError(f"Tab never reached {name}")

    first = pins[0]["name"]
    tab_to_pin(first)
    page.keyboard.press("Enter")
    frame.wait_for_selector(".leaflet-popup .cm-popup")
    assert frame.evaluate("document.activeElement.closest('.cm-popup__title') !== null")
    page.keyboard.press("Escape")
    frame.wait_for_selector(".leaflet-popup", state="detached")
    assert frame.evaluate(FOCUS)["name"] == first  # back on its pin
    # Space opens it; Space on the close button closes it and returns to the pin.
    page.keyboard.press("Space")
    frame.wait_for_selector(".leaflet-popup .cm-popup")
    for _ in range(5):
        page.keyboard.press("Tab")
        if frame.evaluate("document.activeElement.matches('.leaflet-popup-close-button')"):
            break
    assert frame.get_attribute(".leaflet-popup-close-button", "role") == "button"
    page.keyboard.press("Space")
    frame.wait_for_selector(".leaflet-popup", state="detached")
    assert frame.evaluate(FOCUS)["name"] == first
    # Tab past the popup's last control goes on to the next pin in screen order.
    frame.focus(".leaflet-container")
    tab_to_pin(first)
    page.keyboard.press("Enter")
    frame.wait_for_selector(".leaflet-popup .cm-popup")
    frame.wait_for_timeout(400)  # the popup may pan the map into view (autoPan)
    order = frame.eval_on_selector_all(
        ".leaflet-marker-pane > [tabindex='0']",
        "els => els.map(e => e.getAttribute('aria-label'))",
    )
    for _ in range(6):
        page.keyboard.press("Tab")
        f = frame.evaluate(FOCUS)
        if f["kind"] in ("pin", "cluster"):
            break
    assert f["name"] == order[order.index(first) + 1], (f["name"], order)
    frame.wait_for_selector(".leaflet-popup", state="detached")  # closed behind it (fades)
    assert clear_of_edges_and_controls(f) == [], f
