"""Offline use (build_tools/site/offline.py, assets/js/sw.js, assets/js/offline.js).

In headless Chromium, served from 127.0.0.1 (a secure context, so service workers run):
one visit with a connection, then `context.set_offline(True)`: the finder reloads and
filters, a shortlisted activity opens, the shortlist prints, each with the offline notice.
Then a new deployment (a new sw.js and build date) replaces the cached data.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from browser_fixtures import *  # noqa: F403
from pages_fixtures import make_settings
from playwright.sync_api import TimeoutError as PlaywrightTimeout

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


def _visit_online(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("html[data-cm-offline-ready]", state="attached", timeout=30_000)
    # the install precached everything: the worker now controls the page
    page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=30_000)


@pytest.mark.browser
@pytest.mark.xfail(
    strict=False,
    reason="known flaky on a loaded two-core machine: after a redeploy the offline visit can "
    "race the new service worker's claim (issue 11 stays open for it)",
)
def test_offline_after_one_visit_then_a_new_deployment_replaces_the_data(
    browser, built_site: Path, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    shutil.copytree(built_site, site)  # this test changes the files: its own copy
    with serve(site) as url:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        try:
            page = context.new_page()
            _visit_online(page, url)
            data = json.loads((site / "assets/data/activities.json").read_text("utf-8"))
            chosen = data["items"][3]["i"]
            page.evaluate(
                "id => localStorage.setItem('community-map:shortlist', JSON.stringify([id]))",
                chosen,
            )
            page.reload()
            page.wait_for_selector("html[data-cm-kept]", state="attached", timeout=30_000)

            context.set_offline(True)
            page.goto(url + "find/")
            page.wait_for_selector("#cm-count[data-count]", timeout=30_000)
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

            page.goto(url + f"activities/{chosen}/")  # never opened: kept because shortlisted
            assert page.locator("h1").first.text_content() == data["items"][3]["n"]
            assert page.locator(".cm-offline").count() == 1

            page.goto(url + "shortlist/")
            page.wait_for_selector(
                f'#cm-sl-items [data-id="{chosen}"], #cm-sl-items li', timeout=30_000
            )
            assert data["items"][3]["n"] in (page.text_content("#cm-sl-items") or "")
            page.emulate_media(media="print")
            assert page.locator("#cm-sl-items li").first.is_visible()
            page.emulate_media(media="screen")

            # a new deployment: new build date and version, new data
            context.set_offline(False)
            old = json.loads((site / "assets/data/build.json").read_text("utf-8"))
            new = {"version": "next-build", "date": "2027-01-15T09:00:00Z"}
            (site / "assets/data/build.json").write_text(json.dumps(new), "utf-8")
            sw = (site / "sw.js").read_text("utf-8").replace(old["version"], "next-build")
            (site / "sw.js").write_text(sw, "utf-8")
            page.goto(url)
            page.evaluate(
                "async () => { const r = await navigator.serviceWorker.getRegistration();"
                " await r.update(); }"
            )
            page.wait_for_function(  # the new worker precaches the finder and map data first:
                "async () => (await caches.keys()).join() === 'community-map-next-build'",
                timeout=90_000,  # slow on a loaded two-core machine
                polling=250,
            )
            page.reload()  # online, now served through the new worker
            page.wait_for_function("navigator.serviceWorker.controller !== null")
            context.set_offline(True)
            new_date = (
                "(document.querySelector('.cm-offline') || {}).textContent"
                "?.includes('15 January 2027')"
            )
            page.goto(url + "find/")
            try:
                page.wait_for_function(new_date, timeout=30_000)
            except PlaywrightTimeout:
                # On a loaded machine the first offline load can race the new worker's
                # claim of the page; a second visit must then show the new date.
                page.goto(url + "find/")
                page.wait_for_function(new_date, timeout=60_000)
        finally:
            context.close()
