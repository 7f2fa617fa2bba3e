"""Offline use (build_tools/site/offline.py, assets/js/sw.js, assets/js/offline.js).

In headless Chromium, served from 127.0.0.1 (a secure context, so service workers run):
one visit with a connection, then `context.set_offline(True)`: the finder reloads and
filters, the postcode lookup says it needs a connection, the map page shows its frame and
markers, a visited and a shortlisted activity open, the shortlist prints, each with the
offline notice. Then a new deployment (a new sw.js, build date and page text) replaces the
cached data. The test waits on the worker's own signals (its version on <html>, its cache),
never on time.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from browser_fixtures import *  # noqa: F403
from pages_fixtures import make_settings

from build_tools.bench.runner import serve
from build_tools.site import offline


def test_the_build_writes_a_versioned_worker_a_manifest_and_icons() -> None:
    settings = make_settings()
    one = {
        o.path: o
        for o in offline.generate([], settings, {}, dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
    }
    two = {
        o.path: o
        for o in offline.generate([], settings, {}, dt.datetime(2026, 12, 2, tzinfo=dt.UTC))
    }
    assert set(one) == {
        "sw.js",
        "assets/data/build.json",
        "manifest.webmanifest",
        "assets/icons/app-192.png",
        "assets/icons/app-512.png",
    }
    build = json.loads(one["assets/data/build.json"].content)
    assert build["date"] == "2026-12-01T00:00:00Z"
    assert build["version"] != json.loads(two["assets/data/build.json"].content)["version"]
    sw = str(one["sw.js"].content)
    assert f'"version":"{build["version"]}"' in sw and 'importScripts("assets/js/sw.js?v=' in sw
    assert '"find/"' in sw and '"map/"' in sw and '"shortlist/"' in sw
    manifest = json.loads(one["manifest.webmanifest"].content)
    assert manifest["start_url"] == "./" and manifest["display"] == "standalone"
    assert manifest["theme_color"].startswith("#")
    png = one["assets/icons/app-192.png"].content
    assert (
        isinstance(png, bytes)
        and png.startswith(b"\x89PNG")
        and png[16:24] == bytes([0, 0, 0, 192, 0, 0, 0, 192])
    )


def _page(site: Path, html: str, path: str = "index.html") -> None:
    (site / path).parent.mkdir(parents=True, exist_ok=True)
    (site / path).write_text(html, "utf-8")


def test_the_precache_list_is_what_the_pages_load_and_the_kept_folders(tmp_path: Path) -> None:
    """The rule, on a small written site: new files are kept without editing offline.py."""
    site = tmp_path
    head = (
        '<link rel="stylesheet" href="{up}assets/theme.css?v=1">'
        '<link rel="canonical" href="https://example.org/">'
        '<link rel="alternate" href="{up}data/all.json">'
        '<script src="{up}assets/js/page.js" defer></script>'
        '<script src="https://elsewhere.example/x.js"></script>'
        '<script src="{up}assets/missing.js"></script>'
    )
    _page(site, head.format(up="") + '<a href="about/">about</a>')
    config = {
        "data": "../assets/data/list.json?v=7",
        "details": "../assets/data/finder/details-{n}.json",
        "postcodeUrl": "https://api.example/{postcode}",
        "label": "Walks and talks",
        "nested": {"words": ["../assets/data/finder/words.json"]},
        "pagefind": "../pagefind/",
    }
    _page(
        site,
        head.format(up="../")
        + f'<script type="application/json" id="cm-finder-config">{json.dumps(config)}</script>',
        "find/index.html",
    )
    _page(
        site,
        head.format(up="../") + '<iframe src="../assets/map/frame.html"></iframe>',
        "map/index.html",
    )
    _page(site, '<script src="../vendor/lib.js"></script>', "assets/map/frame.html")
    _page(site, head.format(up="../"), "shortlist/index.html")
    _page(
        site, '<link rel="icon" href="../../assets/only-here.png">', "activities/a-walk/index.html"
    )
    for name in (
        "assets/theme.css",
        "assets/js/page.js",
        "assets/js/cluster-worker.js",
        "assets/js/sw.js",
        "assets/data/list.json",
        "assets/data/finder/details-0.json",
        "assets/data/finder/details-1.json",
        "assets/data/words.json",
        "assets/data/finder/words.json",
        "assets/data/finder/not-named.json",
        "assets/data/top-level.json",
        "assets/map/markers.json",
        "assets/vendor/lib.js",
        "assets/only-here.png",
        "data/all.json",
        "assets/data/build.json",
        "pagefind/x.pf",
    ):
        _page(site, "x", name)
    _page(
        site,
        'self.CM_BUILD = {"version":"v1","date":"d","precache":[""]};\nimportScripts("x");\n',
        "sw.js",
    )

    kept = offline.finish(site)
    assert kept[:5] == ["", "find/", "map/", "shortlist/", "assets/data/build.json"]
    assert set(kept[5:]) == {
        "assets/theme.css?v=1",  # a stylesheet, query kept: the page asks for exactly that
        "assets/js/page.js",
        "assets/data/list.json?v=7",  # named in the finder's configuration
        "assets/data/finder/details-0.json",  # {n} chunks, while they exist
        "assets/data/finder/details-1.json",
        "assets/data/finder/words.json",  # nested in the configuration
        "assets/map/frame.html",  # a frame, and what the frame loads
        "assets/vendor/lib.js",
        "assets/only-here.png",  # what an activity page alone loads
        "assets/js/cluster-worker.js",  # kept folders: loaded by scripts, named by no HTML
        "assets/map/markers.json",
        "assets/data/words.json",  # directly in assets/data: found by scripts by name
        "assets/data/top-level.json",
    }  # not: other sites, missing files, alternates, unnamed data below assets/data, pagefind,
    # the worker, and nothing twice (list.json only with its ?v=7)
    assert len(kept) == len(set(kept))
    sw = (site / "sw.js").read_text("utf-8")
    assert json.loads(sw.split("self.CM_BUILD = ")[1].split(";\n")[0])["precache"] == kept
    assert sw.endswith('importScripts("x");\n') and '"version":"v1"' in sw


def _version(page) -> str:
    return page.get_attribute("html", "data-cm-version") or ""


def _visit_online(page, url: str) -> str:
    """The first visit: wait until the worker controls the page and has said its version."""
    page.goto(url)
    page.wait_for_selector("html[data-cm-version]", state="attached", timeout=60_000)
    page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=60_000)
    return _version(page)


_CACHES = "async () => (await caches.keys()).filter(n => n.startsWith('community-map-'))"
_CACHED = "async (u) => !!(await caches.match(u))"


@pytest.mark.browser
def test_offline_after_one_visit_then_a_new_deployment_replaces_the_data(
    browser, built_site: Path, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    shutil.copytree(built_site, site)  # this test changes the files: its own copy
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(60_000)  # generous: the machine may be loaded
    context.set_default_navigation_timeout(60_000)
    try:
        with serve(site) as url:
            page = context.new_page()
            first = _visit_online(page, url)
            assert page.evaluate(_CACHES) == [f"community-map-{first}"]
            data = json.loads((site / "assets/data/activities.json").read_text("utf-8"))
            chosen, visited = data["items"][3], data["items"][5]
            page.goto(url + f"activities/{visited['i']}/")  # visited online, never shortlisted
            page.wait_for_function(_CACHED, arg=url + f"activities/{visited['i']}/")
            page.evaluate(
                "id => localStorage.setItem('community-map:shortlist', JSON.stringify([id]))",
                chosen["i"],
            )
            page.reload()
            page.wait_for_selector("html[data-cm-kept]", state="attached")
            assert page.evaluate(_CACHED, url + f"activities/{chosen['i']}/")

            context.set_offline(True)
            page.goto(url + "find/")
            page.wait_for_selector("#cm-count[data-count]")
            notice = page.locator(".cm-offline")
            notice.wait_for()
            page.wait_for_function(
                "document.querySelector('.cm-offline').textContent.includes(' as of ')"
            )
            text = notice.text_content() or ""
            assert "Offline: showing the directory as of" in text
            assert "Map images and the postcode search" in text
            total = int(page.get_attribute("#cm-count", "data-count") or 0)
            assert total == len(data["items"])
            page.click('details[data-param="day"] summary')
            page.locator('#cm-filters input[name="day"]').first.check()
            page.wait_for_function(
                f"Number(document.querySelector('#cm-count').dataset.count) < {total}"
            )
            page.fill("#cm-postcode", "ME15 6JQ")  # the lookup is another site: unavailable
            page.click("#cm-postcode-go")
            page.wait_for_function(
                "document.getElementById('cm-near-error').textContent.includes('no connection')"
            )

            page.goto(url + "map/")  # the frame and its markers; the notice names the tiles
            frame = page.frame_locator("iframe").first
            frame.locator(".marker-cluster, .leaflet-marker-icon").first.wait_for()
            assert "Map images" in (page.locator(".cm-offline").text_content() or "")

            for item in (chosen, visited):  # shortlisted (never opened), and visited
                page.goto(url + f"activities/{item['i']}/")
                assert page.locator("h1").first.text_content() == item["n"]
                assert page.locator(".cm-offline").count() == 1

            page.goto(url + "shortlist/")
            page.wait_for_selector(f'#cm-sl-items [data-id="{chosen["i"]}"], #cm-sl-items li')
            assert chosen["n"] in (page.text_content("#cm-sl-items") or "")
            page.emulate_media(media="print")
            assert page.locator("#cm-sl-items li").first.is_visible()
            page.emulate_media(media="screen")

            # A new deployment: a new version and build date, and a changed activity page.
            context.set_offline(False)
            new = {"version": "next-build", "date": "2027-01-15T09:00:00Z"}
            (site / "assets/data/build.json").write_text(json.dumps(new), "utf-8")
            sw = (site / "sw.js").read_text("utf-8").replace(first, "next-build")
            (site / "sw.js").write_text(sw, "utf-8")
            chosen_page = site / f"activities/{chosen['i']}/index.html"
            renamed = chosen["n"] + " (renamed)"
            chosen_page.write_text(
                chosen_page.read_text("utf-8").replace(f">{chosen['n']}</h1>", f">{renamed}</h1>"),
                "utf-8",
            )
            page.goto(url)
            page.evaluate("async () => (await navigator.serviceWorker.getRegistration()).update()")
            # The signal: the new worker has installed everything, taken over and said so.
            page.wait_for_selector(
                'html[data-cm-version="next-build"]', state="attached", timeout=180_000
            )
            assert page.evaluate(_CACHES) == ["community-map-next-build"], page.evaluate(_CACHES)
            cached = page.evaluate(
                "async (u) => (await (await caches.match(u)).json()).date",
                url + "assets/data/build.json",
            )
            assert cached == new["date"]

            context.set_offline(True)
            page.goto(url + "find/")
            page.wait_for_function(
                "(document.querySelector('.cm-offline') || {}).textContent"
                "?.includes('as of 15 January 2027')"
            )
            page.wait_for_selector("#cm-count[data-count]")
            page.goto(url + f"activities/{chosen['i']}/")  # kept again, from the new site
            assert page.locator("h1").first.text_content() == renamed
            page.wait_for_function(
                "document.querySelector('.cm-offline').textContent.includes('15 January 2027')"
            )
            page.goto(url + f"activities/{visited['i']}/")  # visited before: carried over
            assert page.locator("h1").first.text_content() == visited["n"]

            # Online as far as the browser knows, but the site does not answer (a weak
            # signal): the pages still open, and say they are not live.
            context.set_offline(False)
            context.route("**/*", lambda route: route.abort("connectionrefused"))
            page.goto(url + f"activities/{chosen['i']}/")
            assert page.evaluate("navigator.onLine") is True
            assert page.locator("h1").first.text_content() == renamed
            page.locator(".cm-offline").wait_for()
            page.wait_for_function(
                "document.querySelector('.cm-offline').textContent.includes('15 January 2027')"
            )
    finally:
        context.close()
