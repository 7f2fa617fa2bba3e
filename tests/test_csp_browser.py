"""Every page kind under its Content Security Policy, in headless Chromium: no violation is
reported in any page or frame, and each page's scripts still did their work.

One browser context and one page visit each kind in turn (the sample site of
browser_fixtures, built once per session). An init script in every frame reports each
`securitypolicyviolation` event to the test; Chromium's console messages about the policy
are caught too. A failure names the page, the directive and what was blocked, so a change
that needs the policy widened (or, better, the change narrowed) is easy to find.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from browser_fixtures import *  # noqa: F403
from map_fixtures import TILES, tile_png

from build_tools.site import csp

pytestmark = pytest.mark.browser

POSTCODES = "https://api.postcodes.io/**"
ACTIVITY = "mote-park-health-walk"

_REPORTER = """
(() => {
  document.addEventListener("securitypolicyviolation", (e) => {
    const v = {
      page: document.location.href,
      directive: e.effectiveDirective || e.violatedDirective,
      blocked: e.blockedURI,
      where: (e.sourceFile || "") + ":" + e.lineNumber,
      sample: e.sample || "",
    };
    try { window.__cmCspReport(v); } catch (err) { /* the binding is not there yet */ }
    (window.__cmCsp = window.__cmCsp || []).push(v);
  }, true);
})();
"""


class Watch:
    """Violations and errors, as the context reports them, for the page being checked."""

    def __init__(self, context: Any, page: Any) -> None:
        self.violations: list[dict[str, Any]] = []
        self.console: list[str] = []
        self.errors: list[str] = []
        context.expose_binding("__cmCspReport", lambda _source, v: self.violations.append(v))
        context.add_init_script(_REPORTER)
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _console(self, message: Any) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.console.append(message.text)

    def take(self, what: str) -> list[str]:
        """What went wrong on `what` since the last call, one line per problem."""
        found = [
            f"{what}: {v['directive']} blocked {v['blocked'] or '(nothing named)'} in {v['page']}"
            f" at {v['where']} {v['sample']!r}"
            for v in self.violations
        ]
        found += [f"{what}: console: {m}" for m in self.console]
        found += [f"{what}: script error: {e}" for e in self.errors]
        self.violations.clear()
        self.console.clear()
        self.errors.clear()
        return found


def _settle(page: Any) -> None:
    """Let late violations (a worker, an image) arrive before the next page."""
    page.wait_for_timeout(150)


def test_every_page_kind_runs_its_scripts_under_the_policy(browser, site_url: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    watch = Watch(context, page)
    tiles: list[str] = []
    postcodes: list[str] = []
    png = tile_png()

    def tile(route: Any) -> None:
        tiles.append(route.request.url)
        route.fulfill(body=png, content_type="image/png")

    def postcode(route: Any) -> None:
        postcodes.append(route.request.url)
        body = {"status": 200, "result": {"latitude": 51.272, "longitude": 0.5292}}
        route.fulfill(status=200, content_type="application/json", body=json.dumps(body))

    context.route(f"{TILES}**", tile)
    context.route(POSTCODES, postcode)
    problems: list[str] = []
    checked: list[str] = []

    def visit(path: str, ready: str) -> None:
        checked.append(path)
        page.goto(site_url + path)
        page.wait_for_selector(ready, state="attached")

    try:
        # the listener bites: an injected inline script is refused and reported, by directive
        visit("", "html.js")
        page.evaluate(
            "() => { const s = document.createElement('script');"
            " s.textContent = 'window.__cmRan = 1'; document.head.append(s); }"
        )
        page.wait_for_function("() => (window.__cmCsp || []).length > 0")
        assert page.evaluate("() => window.__cmRan") is None
        caught = watch.take("home")
        assert any(
            "script-src-elem blocked inline" in line and "__cmRan" in line for line in caught
        ), caught
        assert any("console:" in line for line in caught), caught

        # home: Material's bundle ran (html.js) and the offline worker registered
        visit("", "html.js")
        page.wait_for_selector("html[data-cm-offline-ready]", state="attached")
        _settle(page)
        problems += watch.take("home")

        # the finder: the list is the scripted one, and a postcode is looked up (connect-src)
        visit("find/", "#cm-count[data-count]")
        assert int(page.get_attribute("#cm-count", "data-count")) > 50
        page.fill("#cm-postcode", "ME15 6JQ")
        page.click("#cm-postcode-go")
        page.wait_for_selector("#cm-results .cm-r__d")
        assert postcodes == ["https://api.postcodes.io/postcodes/ME15%206JQ"]
        _settle(page)
        problems += watch.take("find/")

        # search: Pagefind's WebAssembly index answers (script-src 'wasm-unsafe-eval')
        wasm: list[str] = []
        page.on("requestfinished", lambda r: ".pagefind" in r.url and wasm.append(r.url))
        visit("find/?q=walk", '#cm-count[data-q="walk"]')
        assert int(page.get_attribute("#cm-count", "data-count")) > 0
        assert any("wasm." in u for u in wasm), wasm  # the search ran in Pagefind, not a fallback
        _settle(page)
        problems += watch.take("find/?q=walk")

        # the map: its frame draws markers and tiles, and the deep link opens a popup
        visit(f"map/#activity={ACTIVITY}", "iframe#cm-map-frame")
        frame = page.frame_locator("#cm-map-frame")
        frame.locator("html.cm-map-ready").wait_for(state="attached")
        popup = frame.locator(".leaflet-popup-content .cm-popup")
        popup.wait_for()
        assert "Mote Park Health Walk" in popup.inner_text()
        assert frame.locator(".leaflet-marker-pane > *").count() > 0
        frame.locator(".leaflet-tile-loaded").first.wait_for(state="attached")
        assert tiles
        _settle(page)
        problems += watch.take("map/ and assets/map/frame.html")
        # ...and the frame's own listener bites too, naming the frame
        inner = next(f for f in page.frames if f.url.split("#")[0].endswith("/frame.html"))
        inner.evaluate(
            "() => { const s = document.createElement('script');"
            " s.textContent = 'window.__cmRan = 1'; document.head.append(s); }"
        )
        inner.wait_for_function("() => (window.__cmCsp || []).length > 0")
        caught = watch.take("frame")
        assert any("in " + inner.url in line and "__cmRan" in line for line in caught), caught

        # an activity page: shortlist it (its button is made by shortlist.js)
        visit(f"activities/{ACTIVITY}/", f'.cm-shortlist-btn[data-shortlist-id="{ACTIVITY}"]')
        page.click(f'.cm-shortlist-btn[data-shortlist-id="{ACTIVITY}"]')
        page.wait_for_selector(".cm-shortlist-link__n:text-is('1')")
        problems += watch.take(f"activities/{ACTIVITY}/")

        # the shortlist shows it
        visit("shortlist/", f'li[data-id="{ACTIVITY}"]')
        problems += watch.take("shortlist/")

        # coverage: its table is sortable (coverage.js)
        visit("coverage/", "th[aria-sort]")
        problems += watch.take("coverage/")

        # pages whose scripts are the shared ones: Material's (html.js) and the menu's
        for path in (
            "categories/physical-activity/",
            "areas/maidstone/",
            "about/",
            "providers/",
            "providers/form/",
            "data/",
            "404.html",
        ):
            visit(path, "html.js .md-header")
            page.wait_for_selector(".cm-shortlist-link", state="attached")
            problems += watch.take(path)
        _settle(page)
        problems += watch.take("the last page")
    except Exception as error:  # a script that never did its work: say what the policy refused
        _settle(page)
        where = (checked[-1] or "home") if checked else "?"
        lines = [*problems, *watch.take(where)]
        raise AssertionError(f"{where}: {error}\n" + "\n".join(lines)) from error
    finally:
        context.close()
    assert not problems, "Content Security Policy problems:\n" + "\n".join(problems)
    assert len(checked) == 15


def test_the_policy_the_browser_enforces_is_the_one_the_build_wrote(
    built_site: Path, browser, site_url: str
) -> None:
    """Chromium reads the meta as the policy (not as markup it ignores): an image from a host
    the policy does not name is refused, one from the tile host is not."""
    context = browser.new_context()
    page = context.new_page()
    watch = Watch(context, page)
    context.route(f"{TILES}**", lambda r: r.fulfill(body=tile_png(), content_type="image/png"))
    context.route("https://elsewhere.example/**", lambda r: r.fulfill(body=tile_png()))
    page.goto(site_url + "about/")
    meta = page.get_attribute('meta[http-equiv="Content-Security-Policy"]', "content")
    assert [meta] == csp.policies((built_site / "about/index.html").read_text("utf-8"))
    page.evaluate(
        """() => { for (const src of ["https://elsewhere.example/a.png",
                                      "https://tile.openstreetmap.org/1/1/1.png"]) {
             const i = new Image(); i.src = src; document.body.append(i); } }"""
    )
    page.wait_for_function("() => (window.__cmCsp || []).length > 0")
    _settle(page)
    found = watch.take("about/")
    context.close()
    assert len(found) >= 1
    assert all(
        re.search(r"img-src blocked https://elsewhere\.example/a\.png", f) or "console:" in f
        for f in found
    ), found
