"""Keyboard and screen reader walkthroughs of the site (issue: what axe cannot see).

Headless Chromium drives Tab, Shift+Tab, Enter, Space and Escape at 320 px (a phone), at
640 px with a device scale of 2 (1280 px at 200 % zoom) and at 1280 px. Every focused
element's box is checked against the viewport, the sticky header and "Back to top".
The map's own walkthrough is in test_keyboard_map.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from browser_fixtures import *  # noqa: F403

pytestmark = pytest.mark.browser

SL_KEY = "community-map:shortlist"
POSTCODES = "https://api.postcodes.io/**"
HERE = (51.2720, 0.5292)

# (width, height, device scale): a phone, 1280 px at 200 % zoom, a desktop.
SIZES = {
    "320": (320, 640, 1),
    "200pc": (640, 450, 2),
    "1280": (1280, 800, 1),
}

FOCUSED = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const r = e.getBoundingClientRect();
  const header = document.querySelector('.md-header').getBoundingClientRect();
  const top = document.querySelector('.md-top');
  const t = top && !top.hidden && getComputedStyle(top).display !== 'none'
    && getComputedStyle(top).opacity !== '0' ? top.getBoundingClientRect() : null;
  return {
    tag: e.tagName, name: (e.getAttribute('aria-label') || e.textContent || '').trim()
      .replace(/\\s+/g, ' ').slice(0, 60),
    x: r.left, y: r.top, right: r.right, bottom: r.bottom, w: r.width, h: r.height,
    inHeader: !!e.closest('.md-header'), isTop: !!e.closest('.md-top'),
    // The open drawer lies over the header; anything else must be clear of it.
    overHeader: !!e.closest('.md-sidebar--primary')
      && getComputedStyle(e.closest('.md-sidebar--primary')).position === 'fixed',
    // Whatever is drawn near the top, middle and bottom of the box: the element itself, or
    // something over it (the sticky header, "Back to top", an overlay).
    hit: [r.top + 2, r.top + r.height / 2, r.bottom - 2].map(y => {
      const h = document.elementFromPoint(r.left + r.width / 2, y);
      if (!h) return 'nothing';
      if (e.contains(h) || h.contains(e)) return '';
      // An empty, transparent box over it (Material's sticky sidebar) hides nothing.
      const cs = getComputedStyle(h);
      if (cs.backgroundColor === 'rgba(0, 0, 0, 0)' && cs.backgroundImage === 'none') return '';
      return h.tagName + '.' + h.className;
    }).filter(Boolean).join(', '),
    skip: e.classList.contains('md-skip'),
    header: header.bottom, vw: innerWidth, vh: innerHeight,
    top: t && {x: t.left, y: t.top, right: t.right, bottom: t.bottom},
  };
}"""


@pytest.fixture(params=list(SIZES))
def sized(request: pytest.FixtureRequest, browser: Any) -> Iterator[tuple[str, Any]]:
    width, height, scale = SIZES[request.param]
    context = browser.new_context(
        viewport={"width": width, "height": height}, device_scale_factor=scale
    )
    page = context.new_page()
    yield request.param, page
    context.close()


def focused(page: Any) -> dict[str, Any] | None:
    return page.evaluate(FOCUSED)


def problems_with(f: dict[str, Any]) -> list[str]:
    """What is wrong with where the focused element is: off screen, under the header or
    under "Back to top" (a 1 px tolerance for rounding)."""
    out = []
    if f["w"] == 0 or f["h"] == 0:
        out.append("has no size")
    if f["x"] < -1 or f["right"] > f["vw"] + 1:
        out.append(f"off screen sideways ({f['x']:.0f}..{f['right']:.0f})")
    if f["bottom"] > f["vh"] + 1 or f["y"] < -1:
        out.append(f"off screen ({f['y']:.0f}..{f['bottom']:.0f})")
    if f["hit"]:
        out.append(f"covered by {f['hit']}")
    if not (f["inHeader"] or f["overHeader"] or f["skip"]) and f["y"] < f["header"] - 1:
        out.append(f"under the header (top {f['y']:.0f} < {f['header']:.0f})")
    t = f["top"]
    if (
        t
        and not f["isTop"]
        and (
            f["x"] < t["right"]
            and t["x"] < f["right"]
            and f["y"] < t["bottom"]
            and t["y"] < f["bottom"]
        )
    ):
        out.append("under Back to top")
    return out


def walk(page: Any, key: str, limit: int = 250) -> list[dict[str, Any]]:
    """Press `key` until focus leaves the page or comes round again; every stop's box."""
    stops: list[dict[str, Any]] = []
    seen: set[tuple[str, str, float]] = set()
    for _ in range(limit):
        page.keyboard.press(key)
        f = focused(page)
        if f is None:
            break
        mark = (f["tag"], f["name"], round(f["y"] + page.evaluate("scrollY")))
        if mark in seen:
            break
        seen.add(mark)
        stops.append(f)
    return stops


def assert_every_stop_visible(stops: list[dict[str, Any]], where: str) -> None:
    bad = [(s["tag"], s["name"], p) for s in stops for p in problems_with(s)]
    assert not bad, f"{where}: {json.dumps(bad, indent=1)}"


def tab_to(page: Any, selector: str, limit: int = 80) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def ready(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    if "/find/" in url:
        page.wait_for_selector("#cm-count[data-count]")


# --- the site menu -------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["about/", "find/"])
def test_the_menu_is_a_button_that_opens_and_closes_from_the_keyboard(
    sized: tuple[str, Any], site_url: str, path: str
) -> None:
    size, page = sized
    ready(page, site_url + path)
    button = ".md-header button.cm-menu-button"
    if size == "1280":
        # Wide screens have the tabs instead; the button is not shown and takes no Tab.
        assert not page.is_visible(button)
        assert all(s["name"] != "Menu" for s in walk(page, "Tab", 12))
        return
    assert page.get_attribute(button, "aria-label") == "Menu"
    assert page.get_attribute(button, "aria-expanded") == "false"
    controls = page.get_attribute(button, "aria-controls")
    assert page.evaluate("id => document.getElementById(id).inert", controls)
    assert page.locator('label.md-header__button[for="__drawer"]').count() == 0
    tab_to(page, button)
    page.keyboard.press("Enter")
    page.wait_for_function(
        "b => document.querySelector(b).getAttribute('aria-expanded') === 'true'", arg=button
    )
    page.wait_for_timeout(400)  # the drawer slides in
    assert page.evaluate(
        "id => document.getElementById(id).contains(document.activeElement)", controls
    )
    stops = [focused(page)]
    if path == "about/":
        # The menu opens on the page's own section; its Back button returns to the top.
        assert stops[0]["name"] == "Back to the main menu", stops
        assert (
            page.get_attribute('.cm-nav-button[aria-controls="__nav_7_panel"]', "aria-expanded")
            == "true"
        )
        page.keyboard.press("Enter")
        page.wait_for_timeout(400)
        assert (
            page.get_attribute('.cm-nav-button[aria-controls="__nav_7_panel"]', "aria-expanded")
            == "false"
        )
        assert page.evaluate(
            "document.activeElement.matches('.cm-nav-button[aria-controls=__nav_7_panel]')"
        )
        for _ in range(2):  # back past "For moderators" to "Add your activity"
            page.keyboard.press("Shift+Tab")
            stops.append(focused(page))
    # Every stop in the open drawer is on screen, up to the section "Add your activity".
    for _ in range(12):
        if page.evaluate(
            "document.activeElement.matches('.cm-nav-button[aria-controls=__nav_5_panel]')"
        ):
            break
        page.keyboard.press("Tab")
        stops.append(focused(page))
    assert stops[-1]["name"] == "Add your activity", stops
    assert_every_stop_visible(stops, "open drawer")
    section = '.cm-nav-button[aria-controls="__nav_5_panel"]'
    assert page.evaluate("s => document.querySelector(s).tagName", section) == "BUTTON"
    assert page.get_attribute(section, "aria-expanded") == "false"
    page.keyboard.press("Space")
    page.wait_for_timeout(400)
    assert page.get_attribute(section, "aria-expanded") == "true"
    first = focused(page)
    assert first["name"] == "Add or update your activity", first
    # Inside the section: its links and its Back button, and nothing it covers.
    inside = [first, *walk(page, "Tab", 2)]
    assert [s["name"] for s in inside[:3]] == [
        "Add or update your activity",
        "Every field, explained",
        "Add or update your activity with a form",
    ]
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    assert focused(page)["name"] == "Back to the main menu"
    assert_every_stop_visible([focused(page)], "Back")
    page.keyboard.press("Escape")  # closes the section: focus back on its opener
    page.wait_for_timeout(400)
    assert page.get_attribute(section, "aria-expanded") == "false"
    assert page.evaluate("s => document.activeElement.matches(s)", section)
    page.keyboard.press("Escape")  # closes the menu: focus back on the button
    assert page.get_attribute(button, "aria-expanded") == "false"
    assert page.evaluate("b => document.activeElement.matches(b)", button)
    assert page.evaluate("id => document.getElementById(id).inert", controls)
    # Space opens it too, and Tab past its end closes it (focus never goes behind it).
    page.keyboard.press("Space")
    page.wait_for_timeout(400)
    assert page.get_attribute(button, "aria-expanded") == "true"
    for _ in range(30):
        page.keyboard.press("Tab")
        if not page.evaluate(
            "id => document.getElementById(id).contains(document.activeElement)", controls
        ):
            break
    assert page.get_attribute(button, "aria-expanded") == "false"
    page.wait_for_timeout(400)  # the overlay fades
    assert_every_stop_visible([focused(page)], "after the menu")


# --- no Tab stop off screen or under the header -------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["", "about/", "find/?area=maidstone", "shortlist/", "activities/mote-park-health-walk/"],
)
def test_every_tab_stop_is_on_screen_both_ways(
    sized: tuple[str, Any], site_url: str, path: str
) -> None:
    size, page = sized
    page.goto(site_url)
    page.evaluate(
        f"localStorage.setItem('{SL_KEY}', JSON.stringify(['mote-park-health-walk', "
        "'ashford-parkinsons-singing', 'allington-stroke-club']))"
    )
    ready(page, site_url + path)
    forward = walk(page, "Tab")
    assert len(forward) >= 8, forward
    assert_every_stop_visible(forward, f"{path} Tab at {size}")
    names = [s["name"] for s in forward]
    # The closed drawer's links ("Open data"...) are not among the stops on narrow screens.
    if size != "1280":
        assert "Open data" not in names, names
    # From the bottom back up, the way focus was hidden under the header before.
    page.keyboard.press("End")
    page.evaluate("document.activeElement.blur()")
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_timeout(200)
    backward = walk(page, "Shift+Tab")
    assert len(backward) >= 8, backward
    assert_every_stop_visible(backward, f"{path} Shift+Tab at {size}")


def test_back_to_top_keeps_clear_of_the_results(browser: Any, site_url: str) -> None:
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    ready(page, site_url + "find/")
    page.evaluate("window.scrollTo(0, 4000)")
    page.wait_for_timeout(100)
    page.mouse.wheel(0, -400)  # scrolling up shows "Back to top"
    page.wait_for_function("!document.querySelector('.md-top').hidden")
    top = page.evaluate(
        "(() => { const r = document.querySelector('.md-top')"
        ".getBoundingClientRect(); return [r.top, r.bottom]; })()"
    )
    assert top[0] > 640 / 2, top  # at the bottom of the screen, not over the list's top
    context.close()


# --- near a postcode -----------------------------------------------------------------------


def test_the_postcode_button_keeps_focus_and_the_status_is_spoken(new_page, site_url: str) -> None:
    held: list[Any] = []
    new_page.route(POSTCODES, lambda route: held.append(route))
    ready(new_page, site_url + "find/")
    status = "#cm-near-status"
    assert new_page.get_attribute(status, "role") == "status"
    new_page.focus("#cm-postcode")
    new_page.keyboard.type("nonsense")
    new_page.keyboard.press("Enter")
    assert new_page.get_attribute("#cm-postcode", "aria-invalid") == "true"
    described = new_page.get_attribute("#cm-postcode", "aria-describedby").split()
    assert "cm-near-error" in described
    assert "is not a UK postcode" in new_page.text_content("#cm-near-error")
    new_page.fill("#cm-postcode", "me15 6jq")
    tab_to(new_page, "#cm-postcode-go")
    new_page.keyboard.press("Enter")
    new_page.wait_for_function("document.getElementById('cm-near-status').textContent !== ''")
    assert new_page.text_content(status) == "Looking up ME15 6JQ…"
    assert new_page.evaluate("document.activeElement.id") == "cm-postcode-go"
    assert new_page.get_attribute("#cm-postcode-go", "aria-disabled") == "true"
    assert new_page.get_attribute("#cm-postcode", "aria-invalid") is None
    new_page.keyboard.press("Enter")  # busy: a second press asks nothing more
    new_page.wait_for_timeout(100)
    assert len(held) == 1
    held[0].fulfill(
        status=200,
        content_type="application/json",
        body=json.dumps({"status": 200, "result": {"latitude": HERE[0], "longitude": HERE[1]}}),
    )
    new_page.wait_for_function(
        "document.getElementById('cm-near-status').textContent.startsWith('Sorted by distance')"
    )
    assert "from ME15 6JQ" in new_page.text_content(status)
    assert new_page.evaluate("document.activeElement.id") == "cm-postcode-go"
    assert new_page.get_attribute("#cm-postcode-go", "aria-disabled") is None
    # A postcode the service does not know marks the field invalid, tied to the message.
    new_page.unroute(POSTCODES)
    new_page.route(POSTCODES, lambda route: route.fulfill(status=404, body="{}"))
    new_page.fill("#cm-postcode", "ZZ1 1ZZ")
    new_page.focus("#cm-postcode-go")
    new_page.keyboard.press("Space")
    new_page.wait_for_selector("#cm-near-error.cm-error--on")
    assert new_page.get_attribute("#cm-postcode", "aria-invalid") == "true"
    assert new_page.evaluate("document.activeElement.id") == "cm-postcode-go"


# --- the shortlist toggle ------------------------------------------------------------------


@pytest.mark.parametrize("path", ["find/", "activities/mote-park-health-walk/"])
def test_the_shortlist_toggle_says_one_thing_and_confirms_it(
    new_page, site_url: str, path: str
) -> None:
    ready(new_page, site_url + path)
    button = ".cm-shortlist-btn[data-cm-ready]"
    new_page.wait_for_selector(button)
    tab_to(new_page, button)
    target = new_page.evaluate("document.activeElement.dataset.shortlistId")
    mine = f'.cm-shortlist-btn[data-shortlist-id="{target}"]'
    live = "#cm-shortlist-status"
    assert new_page.get_attribute(live, "role") == "status"

    def state() -> tuple[str, str | None, str | None]:
        return tuple(
            new_page.evaluate(
                "s => { const b = document.querySelector(s);"
                " return [b.textContent, b.getAttribute('aria-pressed'),"
                " b.getAttribute('aria-label')]; }",
                mine,
            )
        )

    assert state() == ("Add to shortlist", None, None)
    new_page.keyboard.press("Enter")
    new_page.wait_for_function("s => document.querySelector(s).textContent !== ''", arg=live)
    assert state() == ("Remove from shortlist", None, None)  # its name is what it will do
    assert new_page.text_content(live) == "Added to your shortlist (1 activity)"
    assert new_page.evaluate("s => document.activeElement.matches(s)", mine)
    if path == "find/":  # a second activity: the count goes up
        tab_to(new_page, f"{button}:not({mine})")
        new_page.keyboard.press("Space")
        new_page.wait_for_function(
            "s => document.querySelector(s).textContent.includes('2 activities')", arg=live
        )
        assert new_page.text_content(live) == "Added to your shortlist (2 activities)"
        new_page.focus(mine)
    new_page.keyboard.press("Space")
    new_page.wait_for_function(
        "s => document.querySelector(s).textContent.startsWith('Removed')", arg=live
    )
    left = 1 if path == "find/" else 0
    assert new_page.text_content(live) == (
        f"Removed from your shortlist ({left} activit{'y' if left == 1 else 'ies'})"
    )
    assert state() == ("Add to shortlist", None, None)


# --- axe, with the menu open -------------------------------------------------------------


def test_axe_finds_nothing_with_the_menu_and_a_section_open(browser: Any, site_url: str) -> None:
    from test_browser import AXE

    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    ready(page, site_url + "about/")
    page.focus(".cm-menu-button")
    page.keyboard.press("Enter")
    page.wait_for_timeout(400)
    page.focus('.cm-nav-button[aria-controls="__nav_5_panel"]')
    page.keyboard.press("Enter")
    page.wait_for_timeout(400)
    page.evaluate(AXE.read_text(encoding="utf-8"))  # not a <script> tag, which the CSP refuses
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    bad = [
        (v["id"], v["impact"], [n["html"][:120] for n in v["nodes"][:3]])
        for v in result["violations"]
    ]
    assert not bad, json.dumps(bad, indent=1)
    context.close()
