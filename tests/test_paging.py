"""Long category and area lists split into linked pages (build_tools/site/paging.py)."""

from __future__ import annotations

import pytest
from pages_fixtures import make_entry, scan, visible_text
from test_pages import build

from build_tools.site import paging


def _walks(n: int, area: str = "maidstone") -> list:
    return [
        make_entry(id=f"walk-{i:02d}", name=f"Walk {i:02d}", areas=[area], area_folder=area)
        for i in range(n)
    ]


def test_split_keeps_order_and_an_empty_first_page() -> None:
    assert paging.split(list(range(7)), 3) == [[0, 1, 2], [3, 4, 5], [6]]
    assert paging.split([], 3) == [[]]
    assert paging.sibling_name("walking", 1) == "walking"
    assert paging.sibling_name("walking", 3) == "walking--page-3"


def test_a_long_category_is_split_and_every_activity_is_reachable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(paging, "PAGE_SIZE", 4)
    out = build(_walks(10))
    names = ["physical-activity", "physical-activity--page-2", "physical-activity--page-3"]
    assert [p for p in out if p.startswith("categories/physical")] == [
        f"categories/{n}.md" for n in names
    ]
    assert "categories/physical-activity--page-4.md" not in out
    seen: list[str] = []
    for number, name in enumerate(names, 1):
        html = out[f"categories/{name}.md"].html or ""
        links = [a.attrs["href"] for a in scan(html).find("a")]
        seen += [h for h in links if h.startswith("../../activities/")]
        assert "10 activities" in visible_text(html)  # the whole list's count on every page
        [nav] = scan(html).find("nav")
        assert nav.attrs["aria-label"] == "Pages of Physical activity"
        in_nav = scan(html[html.index("<nav") :]).find("a")
        pager = [a.attrs["href"] for a in in_nav]
        for other in names:  # every page links every page
            assert f"../{other}/" in pager
        [current] = [a for a in in_nav if a.attrs.get("aria-current") == "page"]
        assert current.attrs["href"] == f"../{name}/"
        assert f"Page {number} of 3" in visible_text(html)
        if number > 1:
            assert f"page {number} of 3" in visible_text(html)
    assert sorted(seen) == [f"../../activities/walk-{i:02d}/" for i in range(10)]
    assert "Activities 9 to 10 of 10" in visible_text(out[f"categories/{names[2]}.md"].html or "")
    # front matter titles say which page
    assert "page 2 of 3" in out["categories/physical-activity--page-2.md"].content


def test_a_short_list_has_no_pager() -> None:
    out = build(_walks(3))
    html = out["categories/physical-activity.md"].html or ""
    assert scan(html).find("nav") == []
    assert not any("--page-" in p for p in out)


def test_area_pages_continue_into_the_region_wide_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(paging, "PAGE_SIZE", 4)
    regional = [
        make_entry(id=f"line-{i}", name=f"Line {i}", areas=["all"], area_folder="all")
        for i in range(3)
    ]
    out = build(_walks(5) + regional)
    first = visible_text(out["areas/maidstone.md"].html or "")
    second = visible_text(out["areas/maidstone--page-2.md"].html or "")
    assert "In Maidstone (5)" in first and "Across the region" not in first
    assert "In Maidstone (5)" in second and "Across the region (3)" in second
    assert "Line 0" in second and "Line 2" in second
    # an area with only the region-wide list still has one page, with its heading
    assert "In Thanet (0)" in visible_text(out["areas/thanet.md"].html or "")
    assert "areas/thanet--page-2.md" not in out
