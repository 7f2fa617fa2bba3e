"""The map in headless Chromium: counts, deep links, filters, views, safety and axe.

One site is built per session (sample entries + `tests/data/map/`), served on 127.0.0.1;
every tile request is answered with a local grey PNG, and any other request that leaves the
local server fails a test.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from map_fixtures import *  # noqa: F403 - the session fixtures
from map_fixtures import PAYLOADS, TILES, XSS_FRAME, MapPage, MapSite, map_frame, shown_on_map

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _open(record: MapPage, url: str) -> Any:
    record.page.goto(url)
    return map_frame(record.page)


def _only_local(record: MapPage, base: str) -> None:
    leaving = [u for u in record.requests if not u.startswith((base, TILES))]
    assert leaving == []
    assert record.errors == []
    assert record.dialogs == []


def test_clusters_and_pins_add_up_to_every_mapped_activity(
    map_page: MapPage, map_url: str, map_site: MapSite
) -> None:
    expected = map_site.expected
    assert len(expected) >= 50  # the sample entries are there too
    frame = _open(map_page, map_url + "map/")
    assert shown_on_map(frame) == len(expected)
    assert f"{len(expected)} activities" in map_page.page.inner_text(".cm-lead")
    labels = frame.eval_on_selector_all(
        ".cm-cluster",
        "els => els.map(e => [e.getAttribute('aria-label'), e.textContent, "
        "e.getAttribute('role'), e.tabIndex])",
    )
    assert labels
    for label, count, role, tab in labels:
        # where it is (test_keyboard_map.py checks the words): "... near Maidstone: zoom in"
        assert label.startswith(f"Cluster of {count} activities ") and label.endswith(": zoom in")
        assert role == "button" and tab in (0, -1)  # -1: out of view or under a control
    assert 0 in [tab for *_, tab in labels]
    # tiles are the only requests to leave the site, and they came from settings.tiles
    assert any(u.startswith(TILES) for u in map_page.requests)
    _only_local(map_page, map_url)
    # the tile attribution is visible
    assert frame.locator(".leaflet-control-attribution a", has_text="OpenStreetMap").is_visible()


def test_a_deep_link_opens_the_activity_with_its_popup(
    map_page: MapPage, map_url: str, map_site: MapSite
) -> None:
    # Two activities share this venue: the link must spiderfy them and pick the right one.
    target = next(e for e in map_site.entries if e.id == "map-payload-cafe")
    frame = _open(map_page, map_url + "map/#activity=map-payload-cafe")
    popup = frame.wait_for_selector(".leaflet-popup-content .cm-popup")
    assert popup.query_selector(".cm-popup__title").inner_text() == target.name
    assert target.summary in popup.inner_text()
    assert "Every Wednesday, 14:00 to 16:00" in popup.inner_text()
    assert frame.evaluate("map_cm.getZoom()") >= 15
    assert map_page.page.url.endswith("map/#activity=map-payload-cafe")
    # the popup's link opens the activity page in the window, not in the iframe
    link = popup.query_selector(".cm-popup__title a")
    assert link.get_attribute("target") == "_top"
    assert link.get_attribute("href") == "../../activities/map-payload-cafe/"
    with map_page.page.expect_navigation():
        link.click()
    assert map_page.page.url == map_url + "activities/map-payload-cafe/"
    assert target.name in map_page.page.inner_text("h1")
    _only_local(map_page, map_url)


def test_a_link_to_an_unmapped_activity_says_so(map_page: MapPage, map_url: str) -> None:
    _open(map_page, map_url + "map/#activity=map-online-only")
    map_page.page.wait_for_function(
        "document.getElementById('cm-map-status').textContent.includes('not on the map')"
    )


def test_hiding_a_category_removes_the_activities_that_have_no_other(
    map_page: MapPage, map_url: str, map_site: MapSite
) -> None:
    """An activity stays while any of its categories is ticked (the key says so)."""
    frame = _open(map_page, map_url + "map/")
    page = map_page.page
    expected = map_site.expected
    hidden: set[str] = set()
    for category in ("dementia-support", "social-and-befriending"):
        hidden.add(category)
        page.uncheck(f"#cm-cat-{category}")
        left = [e for e in expected if not set(e.categories) <= hidden]
        page.wait_for_function(
            "n => document.getElementById('cm-map-status').textContent.startsWith("
            "'Showing ' + n + ' of')",
            arg=f"{len(left):,}",
        )
        frame.wait_for_selector("html.cm-map-ready:not(.cm-map-busy)", state="attached")
        assert shown_on_map(frame) == len(left)
    # map-payload-cafe (dementia only) is gone; map-paused-garden (dementia + nature) stays
    assert not set(next(e for e in expected if e.id == "map-paused-garden").categories) <= hidden
    page.click("button[data-cm-all=hide]")
    page.wait_for_function(
        "document.getElementById('cm-map-status').textContent.startsWith('Showing 0 of')"
    )
    assert shown_on_map(frame) == 0
    page.click("button[data-cm-all=show]")
    page.wait_for_function(
        "n => document.getElementById('cm-map-status').textContent.startsWith("
        "'Showing ' + n + ' of')",
        arg=f"{len(expected):,}",
    )
    frame.wait_for_selector("html.cm-map-ready:not(.cm-map-busy)", state="attached")
    assert shown_on_map(frame) == len(expected)


def test_the_view_goes_into_the_address_and_a_shared_link_restores_it(
    map_page: MapPage, map_url: str, map_browser: Any
) -> None:
    frame = _open(map_page, map_url + "map/")
    page = map_page.page
    assert page.url == map_url + "map/"  # nothing written until the map moves
    page.select_option("#cm-map-town", "maidstone")
    page.click("#cm-map-jump button[type=submit]")
    page.wait_for_function("location.hash.startsWith('#lat=')")
    hash_ = page.evaluate("location.hash")
    match = re.fullmatch(r"#lat=([\d.]+)&lon=([\d.]+)&z=(\d+)", hash_)
    assert match, hash_
    assert abs(float(match[1]) - 51.272) < 0.01 and abs(float(match[2]) - 0.5292) < 0.01
    assert match[3] == "13"
    # the list link follows the view to the nearest area
    assert page.get_attribute("#cm-map-list", "href") == "../find/?area=maidstone"
    assert "(Maidstone)" in page.inner_text("#cm-map-list")
    # zoom out with the keyboard on the map: the address follows, the list widens
    frame.focus(".leaflet-container")
    for _ in range(4):
        frame.press(".leaflet-container", "-")
        page.wait_for_timeout(350)
    page.wait_for_function("!location.hash.endsWith('z=13')")
    assert page.get_attribute("#cm-map-list", "href") == "../find/"
    # a fresh window opened on a shared link starts at that view
    shared = map_url + "map/#lat=51.38&lon=0.53&z=14"
    other = map_page.page.context.new_page()
    other.goto(shared)
    restored = map_frame(other)
    centre = restored.evaluate(
        "(() => { const c = map_cm.getCenter(); return [c.lat, c.lng, map_cm.getZoom()]; })()"
    )
    assert abs(centre[0] - 51.38) < 0.001 and abs(centre[1] - 0.53) < 0.001 and centre[2] == 14
    assert other.get_attribute("#cm-map-list", "href") == "../find/?area=medway"
    assert "(Medway)" in other.inner_text("#cm-map-list")  # the area, not its main town
    other.close()
    _only_local(map_page, map_url)


def test_markers_are_named_buttons_that_open_with_the_keyboard(
    map_page: MapPage, map_url: str
) -> None:
    frame = _open(map_page, map_url + "map/#lat=51.3702&lon=0.5421&z=17")
    marker = frame.wait_for_selector(".cm-marker[aria-label^='Fixture Paused Garden Group']")
    assert marker.get_attribute("role") == "button" and marker.get_attribute("tabindex") == "0"
    assert marker.get_attribute("aria-label") == (
        "Fixture Paused Garden Group (Nature and gardening, paused)"
    )
    marker.focus()
    tooltip = frame.wait_for_selector(".leaflet-tooltip")
    assert tooltip.inner_text() == "Fixture Paused Garden Group"
    frame.press(".cm-marker[aria-label^='Fixture Paused']", "Enter")
    popup = frame.wait_for_selector(".leaflet-popup-content .cm-popup")
    assert "Paused: not meeting at the moment." in popup.inner_text()
    # focus moved into the popup, on the activity's link
    assert frame.evaluate("document.activeElement.closest('.cm-popup__title') !== null")
    map_page.page.wait_for_function("location.hash === '#activity=map-paused-garden'")


def test_a_cluster_zooms_in_from_the_keyboard(map_page: MapPage, map_url: str) -> None:
    frame = _open(map_page, map_url + "map/")
    before = frame.evaluate("map_cm.getZoom()")
    biggest = frame.evaluate_handle(
        "[...document.querySelectorAll('.cm-cluster')].sort((a, b) => "
        "parseInt(b.textContent) - parseInt(a.textContent))[0]"
    ).as_element()
    biggest.focus()
    biggest.press("Enter")
    frame.wait_for_function("z => map_cm.getZoom() > z", arg=before)


def test_keyboard_users_can_skip_the_map_to_the_key(map_page: MapPage, map_url: str) -> None:
    _open(map_page, map_url + "map/#lat=51.27&lon=0.53&z=12")
    page = map_page.page
    page.focus("#cm-map-skip")
    assert page.is_visible("#cm-map-skip")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "cm-cat-physical-activity"
    assert page.evaluate("location.hash") == "#lat=51.27&lon=0.53&z=12"


def test_near_me_asks_only_when_pressed_and_stays_in_the_region(
    map_page: MapPage, map_url: str
) -> None:
    context = map_page.page.context
    asked: list[str] = []
    context.expose_binding("cmAsked", lambda source: asked.append("asked"))
    context.add_init_script(
        "const g = navigator.geolocation.getCurrentPosition.bind(navigator.geolocation);"
        "navigator.geolocation.getCurrentPosition = (...a) => { window.cmAsked(); g(...a); };"
    )
    context.grant_permissions(["geolocation"])
    context.set_geolocation({"latitude": 51.2705, "longitude": 0.5486})
    frame = _open(map_page, map_url + "map/")
    page = map_page.page
    page.wait_for_timeout(300)
    assert asked == []  # nothing is asked for until the button is pressed
    page.click("#cm-map-locate")
    page.wait_for_function(
        "document.getElementById('cm-map-status').textContent.includes('near you')"
    )
    frame.wait_for_function("map_cm.getZoom() === 13")
    centre = frame.evaluate("[map_cm.getCenter().lat, map_cm.getCenter().lng]")
    assert abs(centre[0] - 51.2705) < 0.001 and abs(centre[1] - 0.5486) < 0.001
    assert asked == ["asked"]
    context.set_geolocation({"latitude": 55.95, "longitude": -3.19})  # Edinburgh
    page.click("#cm-map-locate")
    page.wait_for_function(
        "document.getElementById('cm-map-status').textContent.includes('outside Kent')"
    )
    assert frame.evaluate("map_cm.getZoom()") == 13


def test_payloads_are_text_in_every_popup_and_tooltip(
    map_page: MapPage, map_url: str, map_site: MapSite
) -> None:
    """Open every popup of a map made from unvalidated payloads: no dialog, exact text."""
    page = map_page.page
    page.goto(map_url + XSS_FRAME)
    frame = page.main_frame
    frame.wait_for_selector("html.cm-map-ready", state="attached")
    for i, payload in enumerate(PAYLOADS):
        page.evaluate("id => { location.hash = 'activity=' + id; }", f"payload-{i}")
        popup = page.wait_for_selector(
            f".leaflet-popup-content .cm-popup__title a[href$='/payload-{i}/']"
        )
        box = page.query_selector(".leaflet-popup-content .cm-popup")
        assert popup.text_content() == f"Club {payload}"
        assert box.query_selector(".cm-popup__summary").text_content() == f"Summary {payload} end."
        assert box.query_selector(".cm-popup__when li:last-child").text_content() == (
            f"Note {payload}"
        )
        assert box.query_selector_all("img, svg, script, iframe") == []
        # close the popup, then point at the pin: its tooltip is the name, as text
        page.click(".leaflet-popup-close-button")
        pin = page.evaluate_handle(
            "t => [...document.querySelectorAll('.cm-marker')]"
            ".find(e => e.getAttribute('aria-label').startsWith(t + ' ('))",
            f"Club {payload}",
        )
        pin.as_element().hover()
        tip = page.wait_for_selector(".leaflet-tooltip")
        assert tip.text_content() == f"Club {payload}"
        assert tip.eval_on_selector_all("*", "els => els.map(e => e.tagName)") == ["SPAN"]
        page.mouse.move(5, 300)
    # the validated payload entries on the real map, too
    real = _open(map_page, map_url + "map/#activity=map-payload-singers")
    popup = real.wait_for_selector(".cm-popup__title a")
    singers = next(e for e in map_site.entries if e.id == "map-payload-singers")
    assert popup.text_content() == singers.name
    assert real.query_selector(".cm-popup__summary").text_content() == singers.summary
    assert map_page.dialogs == []
    assert page.evaluate("typeof window.alert") == "function"
    _only_local(map_page, map_url)


AXE = Path(__import__("axe_playwright_python").__file__).parent / "axe.min.js"


def _axe(frame: Any) -> list[str]:
    frame.evaluate(AXE.read_text(encoding="utf-8"))
    result = frame.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"
    )
    return list(result)


def test_axe_finds_nothing_serious_on_the_page_or_in_the_map(
    map_page: MapPage, map_url: str
) -> None:
    frame = _open(map_page, map_url + "map/#activity=map-paused-garden")
    frame.wait_for_selector(".leaflet-popup-content .cm-popup")
    assert _axe(map_page.page.main_frame) == []
    assert _axe(frame) == []
    # zoomed out, with clusters instead of a popup
    frame = _open(map_page, map_url + "map/")
    assert _axe(frame) == []
