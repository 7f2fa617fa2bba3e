"""Search in the finder when Pagefind's index comes in parts (as it does past `PART_PAGES`
activities): the same results as one index, and a page hash two parts share still finds the
right activity. The sample site (built once per session) is re-indexed here in three parts."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_fixtures import *  # noqa: F403
from browser_fixtures import serve

from build_tools.site import search

pytestmark = pytest.mark.browser

QUERIES = ("walk", "biscuits", "singing group", "free advice")


@pytest.fixture(scope="module")
def parted_site(built_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    site = tmp_path_factory.mktemp("parted") / "site"
    shutil.copytree(built_site, site)
    pages = len(list(site.glob(search.ACTIVITY_GLOB)))
    result = search.build_index(site, part_pages=pages // 3 + 1)
    assert result.parts == 3 and result.pages == pages
    yield site
    shutil.rmtree(site, ignore_errors=True)


@pytest.fixture(scope="module")
def parted_url(parted_site: Path) -> Iterator[str]:
    with serve(parted_site) as url:
        yield url


def results(page, base: str, query: str) -> list[str]:
    page.goto(f"{base}find/?q={query}")
    page.wait_for_selector("#cm-filters:not([hidden])")
    page.wait_for_selector(f'#cm-count[data-q="{query}"]')
    for _ in range(100):
        if not page.is_visible("#cm-more"):
            break
        page.click("#cm-more")
    return page.eval_on_selector_all(
        "#cm-results > li, #cm-other-results > li", "els => els.map(e => e.dataset.id)"
    )


def test_an_index_in_parts_finds_what_one_index_finds(
    new_page, site_url: str, parted_url: str
) -> None:
    requests: list[str] = []
    new_page.on("request", lambda r: "/pagefind/" in r.url and requests.append(r.url))
    for query in QUERIES:
        whole = results(new_page, site_url, query)
        requests.clear()
        parted = results(new_page, parted_url, query)
        assert whole, query
        assert sorted(parted) == sorted(whole), query
    # every part was merged in, and only the main index's WebAssembly was loaded
    for part in ("part-1/", "part-2/"):
        assert any(f"/pagefind/{part}pagefind-entry.json" in u for u in requests), part
    assert [u for u in requests if ".pagefind" in u and "wasm" in u] == [
        parted_url + "pagefind/wasm.en.pagefind"
    ]


def test_a_hash_two_parts_share_is_resolved_by_the_page_address(
    new_page, parted_site: Path, tmp_path: Path
) -> None:
    """Hashes are unique within a part only. Give a record in another part the same hash as
    the one page with "biscuits" in it: the finder must still show that page, and only it."""
    site = tmp_path / "site"
    shutil.copytree(parted_site, site)
    ids_file = site / "pagefind" / search.IDS_FILE
    ids = json.loads(ids_file.read_text())
    items = json.loads((site / search.DATA_FILE).read_text())["items"]
    hashes = ids["h"].split(",")
    target = [r["i"] for r in items].index("ashford-parkinsons-singing")
    in_part = {
        part: {
            p.name.removesuffix(".pf_fragment")
            for p in (site / "pagefind" / part).glob("fragment/*.pf_fragment")
        }
        for part in ["", *ids["parts"]]
    }
    home = next(part for part, names in in_part.items() if ids["p"] + hashes[target] in names)
    other = next(
        n for n, h in enumerate(hashes) if h and n != target and ids["p"] + h not in in_part[home]
    )
    hashes[other] = hashes[target]
    ids["h"] = ",".join(hashes)
    ids_file.write_text(json.dumps(ids))

    with serve(site) as url:
        fragments: list[str] = []
        new_page.on("request", lambda r: "/fragment/" in r.url and fragments.append(r.url))
        assert results(new_page, url, "biscuits") == ["ashford-parkinsons-singing"]
        assert fragments  # the page's fragment was fetched to read its address
