"""The Coverage page in Chromium: its links open the finder with the right filters, its
columns sort from the keyboard, it scrolls only the table on a phone, and axe is clean."""

from __future__ import annotations

import json
from pathlib import Path

from browser_fixtures import *  # noqa: F403

AXE = Path(__import__("axe_playwright_python").__file__).parent / "axe.min.js"


def test_a_cell_opens_the_finder_with_that_area_and_category(new_page, site_url: str) -> None:
    page = new_page
    page.goto(site_url + "coverage/")
    link = page.locator('a[href="../find/?area=maidstone&category=social-and-befriending"]')
    cell = link.locator("xpath=..")
    in_area = int(cell.get_attribute("data-cm-count"))
    region_wide = int(cell.get_attribute("data-cm-region-wide"))
    assert in_area >= 1
    link.click()
    page.wait_for_selector("#cm-count[data-count]")
    assert "area=maidstone" in page.url and "category=social-and-befriending" in page.url
    assert page.is_checked('input[name="area"][value="maidstone"]')
    assert page.is_checked('input[name="category"][value="social-and-befriending"]')
    # the finder adds the region-wide services to every area, as the page says
    assert int(page.get_attribute("#cm-count", "data-count")) == in_area + region_wide


def test_columns_sort_from_the_keyboard_and_say_so(new_page, site_url: str) -> None:
    page = new_page
    page.goto(site_url + "coverage/")
    button = page.locator("table.cm-cov").first.locator("button.cm-cov-sort", has_text="Total")
    button.focus()
    page.keyboard.press("Enter")
    heading = button.locator("xpath=..")
    assert heading.get_attribute("aria-sort") == "ascending"
    totals = page.eval_on_selector_all(
        "table.cm-cov >> nth=0 >> tbody tr:not(.cm-cov-region) td:first-of-type",
        "cells => cells.map(c => Number(c.dataset.cmSort))",
    )
    assert totals == sorted(totals) and len(totals) == 13
    assert "Sorted by Total, fewest first." in page.inner_text(".cm-cov-status")
    page.keyboard.press("Space")
    assert heading.get_attribute("aria-sort") == "descending"
    totals = page.eval_on_selector_all(
        "table.cm-cov >> nth=0 >> tbody tr:not(.cm-cov-region) td:first-of-type",
        "cells => cells.map(c => Number(c.dataset.cmSort))",
    )
    assert totals == sorted(totals, reverse=True)
    last = page.eval_on_selector("table.cm-cov tbody tr:last-child", "r => r.className")
    assert last == "cm-cov-region"  # the region-wide row is not an area: it stays last


def test_on_a_phone_only_the_table_scrolls(browser, site_url: str) -> None:
    context = browser.new_context(viewport={"width": 320, "height": 700})
    try:
        page = context.new_page()
        page.goto(site_url + "coverage/")
        widths = page.evaluate(
            "() => [document.documentElement.scrollWidth, window.innerWidth,"
            " document.querySelector('.cm-cov-scroll').scrollWidth,"
            " document.querySelector('.cm-cov-scroll').clientWidth]"
        )
        page_width, viewport, table_width, box_width = widths
        assert page_width <= viewport
        assert table_width > box_width  # the table is wider, and scrolls inside its box
        region = page.locator(".cm-cov-scroll").first
        region.focus()
        assert page.evaluate("document.activeElement.classList.contains('cm-cov-scroll')")
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        assert region.evaluate("el => el.scrollLeft") > 0
    finally:
        context.close()


def test_no_serious_accessibility_problems(new_page, site_url: str) -> None:
    new_page.goto(site_url + "coverage/")
    new_page.evaluate(AXE.read_text(encoding="utf-8"))  # not a <script> tag, which the CSP refuses
    result = new_page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    bad = [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["html"][:200] for n in v["nodes"][:3]]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, json.dumps(bad, indent=1)
