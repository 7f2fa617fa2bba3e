"""The finder, search and shortlist in a real browser (headless Debian chromium), against the
sample site built once per session and served on 127.0.0.1."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from browser_fixtures import *  # noqa: F403

from build_tools.entries.loader import load_paths
from build_tools.entries.model import Entry
from build_tools.site import finder

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
POSTCODES = "https://api.postcodes.io/**"
HERE = (51.2720, 0.5292)  # Maidstone town centre, answered for every postcode lookup
SL_KEY = "community-map:shortlist"


@pytest.fixture(scope="module")
def published() -> list[Entry]:
    entries, problems = load_paths([ROOT / "entries"], base=ROOT)
    assert not [p for p in problems if p.severity == "error"]
    return sorted((e for e in entries if e.published), key=lambda e: e.name.casefold())


@pytest.fixture(scope="module")
def positions(built_site: Path) -> dict[str, list[float]]:
    """Where the site put each activity (coordinates from entries and the geocode cache)."""
    data = json.loads((built_site / "assets/data/activities.json").read_text())
    return {r["i"]: r["p"] for r in data["items"] if "p" in r}


def open_finder(page, site_url: str, query: str = "") -> None:
    page.goto(site_url + "find/" + query)
    page.wait_for_selector("#cm-filters:not([hidden])")
    page.wait_for_selector("#cm-count[data-count]")


def shown_ids(page) -> list[str]:
    """Every result, pressing "Show more" until the whole list is on the page."""
    for _ in range(500):
        if not page.is_visible("#cm-more"):
            break
        page.click("#cm-more")
    return page.eval_on_selector_all(
        "#cm-results > li, #cm-other-results > li", "els => els.map(e => e.dataset.id)"
    )


def count(page) -> int:
    return int(page.get_attribute("#cm-count", "data-count"))


def wait_for_count_change(page, before: str) -> None:
    page.wait_for_function(
        "before => document.getElementById('cm-count').textContent !== before", arg=before
    )


def wait_for_query(page, query: str) -> str:
    """The address is updated just after the results are drawn: wait for it."""
    page.wait_for_function("q => location.search === q", arg=query)
    return page.url


def haversine(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371 * math.asin(math.sqrt(h))


# --- without JavaScript ------------------------------------------------------------------


def test_without_javascript_the_finder_is_the_full_list(
    browser, site_url: str, published: list[Entry]
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site_url + "find/")
    links = page.eval_on_selector_all(
        "#cm-all > li h3 a", "els => els.map(a => [a.textContent, a.href])"
    )
    assert [name for name, _ in links] == [e.name for e in published]
    assert [href for _, href in links] == [f"{site_url}activities/{e.id}/" for e in published]
    assert page.is_visible("#cm-all > li:first-child")
    assert not page.is_visible("#cm-filters")
    context.close()


# --- search ------------------------------------------------------------------------------


def test_search_finds_an_activity_by_a_word_in_its_description(
    new_page, site_url: str, published: list[Entry]
) -> None:
    by_id = {e.id: e for e in published}
    target = by_id["ashford-parkinsons-singing"]
    # The word is only in this description: not a name or summary the simple fallback reads.
    assert "biscuits" in target.description
    assert not any("biscuit" in (e.name + e.summary).lower() for e in published)
    assert [e.id for e in published if "biscuit" in e.description.lower()] == [target.id]

    pagefind: list[str] = []
    new_page.on("request", lambda r: "/pagefind/" in r.url and pagefind.append(r.url))
    open_finder(new_page, site_url)
    for query in ("biscuits", "BISCUIT"):  # plural and case
        new_page.fill("#cm-q", query)
        new_page.wait_for_selector(f'#cm-count[data-q="{query}"]')
        assert shown_ids(new_page) == [target.id], query
        wait_for_query(new_page, f"?q={query}")
    assert any(u.endswith("/pagefind/pagefind.js") for u in pagefind)
    assert any(u.endswith("/pagefind/community-map-ids.json") for u in pagefind)


def test_a_word_on_no_page_finds_nothing_not_its_first_letter(
    new_page, site_url: str, published: list[Entry]
) -> None:
    """Pagefind answers an unindexed word with its longest indexed prefix ("aerobics" → "a",
    on every page); the finder must say nothing matches, yet keep stems and real words."""
    assert not any("aerob" in p.read_text().lower() for p in (ROOT / "entries").rglob("*.yml"))
    by_id = {e.id: e for e in published}
    open_finder(new_page, site_url)
    new_page.fill("#cm-q", "aerobics")
    new_page.wait_for_selector('#cm-count[data-q="aerobics"]')
    assert count(new_page) == 0
    assert shown_ids(new_page) == []
    assert new_page.text_content("#cm-count").startswith("No activities match")
    # A real word in one description, and a stem variant of a common word, still find theirs.
    new_page.fill("#cm-q", "biscuits")
    new_page.wait_for_selector('#cm-count[data-q="biscuits"]')
    assert shown_ids(new_page) == ["ashford-parkinsons-singing"]
    assert "biscuits" in by_id["ashford-parkinsons-singing"].description
    new_page.fill("#cm-q", "walking")
    new_page.wait_for_selector('#cm-count[data-q="walking"]')
    walking = shown_ids(new_page)
    assert "mote-park-health-walk" in walking and count(new_page) == len(walking) >= 3
    # Words count one by one (issue 16): an unindexed word adds nothing, and takes nothing
    # away from the other word's results.
    new_page.fill("#cm-q", "walking aerobics")
    new_page.wait_for_selector('#cm-count[data-q="walking aerobics"]')
    assert shown_ids(new_page) == walking


def test_search_combines_with_filters_and_clears(
    new_page, site_url: str, published: list[Entry]
) -> None:
    walks = [e.id for e in published if "walk" in (e.name + e.summary + e.description).lower()]
    assert len(walks) >= 3
    open_finder(new_page, site_url, "?q=walk")
    found = shown_ids(new_page)
    assert set(walks) <= set(found)
    open_finder(new_page, site_url, "?q=walk&cost=paid")
    paid = shown_ids(new_page)
    assert paid and set(paid) < set(found)
    by_id = {e.id: e for e in published}
    assert all(by_id[i].cost == "paid" for i in paid)
    new_page.click("#cm-clear")
    assert count(new_page) == len(published)
    assert wait_for_query(new_page, "").endswith("/find/")
    assert new_page.input_value("#cm-q") == ""


def test_without_the_search_index_words_still_match_names_and_summaries(
    new_page, site_url: str, published: list[Entry]
) -> None:
    new_page.route("**/pagefind/**", lambda route: route.fulfill(status=404, body="gone"))
    open_finder(new_page, site_url, "?q=Walks")
    new_page.wait_for_selector('#cm-count[data-q="Walks"]')

    def words(e: Entry) -> str:  # what the fallback reads (besides area and category names)
        place = e.location.one_line() if e.in_person and e.location else ""
        return " ".join([e.name, e.summary, e.organisation.get("name", ""), place]).lower()

    # "walks" is also a word for physical activity (schema/synonyms.yml): those come too
    want = [e.id for e in published if "walk" in words(e)]
    physical = [e.id for e in published if "physical-activity" in e.categories]
    shown = shown_ids(new_page)
    assert want and set(want) <= set(shown) <= set(want) | set(physical)
    assert "Also showing results for physical activity." in new_page.text_content("#cm-count")


def test_if_the_data_does_not_load_the_plain_list_comes_back(
    new_page, site_url: str, published: list[Entry]
) -> None:
    new_page.route("**/assets/data/**", lambda route: route.abort())  # index or whole file
    new_page.goto(site_url + "find/")
    new_page.wait_for_selector(".cm-error--on")
    assert "could not be loaded" in new_page.text_content(".cm-error--on")
    assert new_page.is_visible("#cm-all > li:first-child")
    assert new_page.locator("#cm-all > li").count() == len(published)
    assert not new_page.is_visible("#cm-filters")


# --- filters and the address -------------------------------------------------------------


def expected(published: list[Entry], area: str, days: set[str]) -> list[str]:
    return [e.id for e in published if (area in e.areas or "all" in e.areas) and days & set(e.days)]


def test_filtering_by_area_and_day_gives_the_expected_list(
    new_page, site_url: str, published: list[Entry]
) -> None:
    want = expected(published, "maidstone", {"tue"})
    assert 2 <= len(want) < len(published)
    open_finder(new_page, site_url)
    before = new_page.text_content("#cm-count")
    new_page.click('details[data-param="area"] summary')
    new_page.check('input[name="area"][value="maidstone"]')
    wait_for_count_change(new_page, before)
    new_page.click('details[data-param="day"] summary')
    new_page.check('input[name="day"][value="tue"]')
    new_page.wait_for_function(f"document.getElementById('cm-count').dataset.count == {len(want)}")
    assert shown_ids(new_page) == want
    assert count(new_page) == len(want)
    assert new_page.text_content("#cm-count").startswith(f"{len(want)} activities found")
    wait_for_query(new_page, "?area=maidstone&day=tue")
    assert "(1 selected)" in new_page.text_content('details[data-param="area"] summary')

    new_page.reload()
    new_page.wait_for_selector("#cm-count[data-count]")
    assert shown_ids(new_page) == want
    assert new_page.is_checked('input[name="day"][value="tue"]')


def test_a_shared_filtered_link_opens_with_the_same_results(
    new_page, site_url: str, published: list[Entry]
) -> None:
    want = expected(published, "medway", {"mon", "sat"})
    assert want
    open_finder(new_page, site_url, "?area=medway&day=mon,sat&radius=nonsense&area=")
    assert shown_ids(new_page) == want
    assert new_page.is_checked('input[name="day"][value="sat"]')
    assert new_page.input_value("#cm-radius") == ""


def test_show_more_reveals_the_whole_list_and_moves_focus(
    new_page, site_url: str, published: list[Entry]
) -> None:
    open_finder(new_page, site_url)
    assert len(published) > 50
    assert new_page.eval_on_selector_all("#cm-results > li", "els => els.length") == 50
    new_page.click("#cm-more")
    focused = new_page.evaluate("document.activeElement.closest('li').dataset.id")
    assert focused == published[50].id
    assert shown_ids(new_page) == [e.id for e in published]


def test_filters_work_from_the_keyboard(new_page, site_url: str) -> None:
    open_finder(new_page, site_url)
    new_page.focus("#cm-q")
    for _ in range(30):
        new_page.keyboard.press("Tab")
        if new_page.evaluate(
            "document.activeElement.matches('details[data-param=\"day\"] > summary')"
        ):
            break
    else:
        pytest.fail("the Day filter cannot be reached with Tab")
    new_page.keyboard.press("Enter")
    assert new_page.get_attribute('details[data-param="day"]', "open") is not None
    new_page.keyboard.press("Tab")
    assert new_page.evaluate("document.activeElement.value") == "mon"
    before = count(new_page)
    new_page.keyboard.press("Space")
    new_page.wait_for_function(f"document.getElementById('cm-count').dataset.count != {before}")
    assert count(new_page) < before
    wait_for_query(new_page, "?day=mon")


# --- near me ------------------------------------------------------------------------------


def test_near_a_postcode_sorts_by_distance(
    new_page, site_url: str, positions: dict[str, list[float]]
) -> None:
    asked: list[str] = []

    def answer(route) -> None:
        asked.append(route.request.url)
        route.fulfill(
            status=200,
            content_type="application/json",
            body=json.dumps({"status": 200, "result": {"latitude": HERE[0], "longitude": HERE[1]}}),
        )

    new_page.route(POSTCODES, answer)
    open_finder(new_page, site_url)
    new_page.fill("#cm-postcode", "me15 6jq")
    new_page.click("#cm-postcode-go")
    new_page.wait_for_selector("#cm-results .cm-r__d")
    assert asked == ["https://api.postcodes.io/postcodes/ME15%206JQ"]
    wait_for_query(new_page, "?postcode=ME15%206JQ")
    assert "nearest to ME15 6JQ first" in new_page.text_content("#cm-count")

    ids = shown_ids(new_page)
    located = new_page.eval_on_selector_all(
        "#cm-results > li",
        "els => els.map(e => [e.dataset.id, e.querySelector('.cm-r__d').textContent])",
    )
    km = [
        float(re.match(r"([\d.]+) km away \(([\d.]+) miles?\)", text).group(1))
        for _, text in located
    ]
    assert km == sorted(km)
    assert {i for i, _ in located} == set(positions)
    for (activity, text), shown in list(zip(located, km, strict=True))[:5]:
        distance = haversine(HERE, tuple(positions[activity]))
        assert abs(shown - distance) <= 0.051, (activity, text, distance)
        miles = float(re.search(r"\(([\d.]+) mile", text).group(1))
        assert abs(miles - distance / 1.609344) <= 0.051
    others = [i for i in ids if i not in positions]
    assert ids[len(located) :] == others  # online and phone services come after, in a group
    assert new_page.is_visible("#cm-other-title")

    new_page.select_option("#cm-radius", "3")
    new_page.wait_for_function("location.search.includes('radius=3')")
    within = new_page.eval_on_selector_all(
        "#cm-results .cm-r__d", "els => els.map(e => parseFloat(e.textContent))"
    )
    assert within and max(within) <= 3.0 and len(within) < len(located)


def test_a_link_with_a_postcode_is_sorted_on_opening(
    new_page, site_url: str, positions: dict[str, list[float]]
) -> None:
    new_page.route(
        POSTCODES,
        lambda route: route.fulfill(
            status=200,
            content_type="application/json",
            body=json.dumps({"status": 200, "result": {"latitude": HERE[0], "longitude": HERE[1]}}),
        ),
    )
    open_finder(new_page, site_url, "?postcode=ME15%206JQ&radius=10")
    new_page.wait_for_selector("#cm-results .cm-r__d")
    near = sorted(i for i, p in positions.items() if haversine(HERE, tuple(p)) <= 10)
    located = new_page.eval_on_selector_all("#cm-results > li", "els => els.map(e => e.dataset.id)")
    assert sorted(located) == near
    assert new_page.input_value("#cm-postcode") == "ME15 6JQ"
    assert new_page.input_value("#cm-radius") == "10"


def test_my_location_is_used_only_on_request_and_never_leaves_the_browser(
    browser, site_url: str, positions: dict[str, list[float]]
) -> None:
    context = browser.new_context(
        geolocation={"latitude": 51.38, "longitude": 0.529}, permissions=["geolocation"]
    )
    page = context.new_page()
    hosts: set[str] = set()
    page.on("request", lambda r: hosts.add(urlsplit(r.url).netloc))
    open_finder(page, site_url)
    assert page.locator(".cm-r__d").count() == 0  # nothing happens until asked
    page.click("#cm-locate")
    page.wait_for_selector("#cm-results .cm-r__d")
    first = page.get_attribute("#cm-results > li", "data-id")
    nearest = min(positions, key=lambda i: haversine((51.38, 0.529), tuple(positions[i])))
    assert first == nearest
    assert "your location" in page.text_content("#cm-count")
    assert "postcode" not in page.url and "51.38" not in page.url
    assert hosts == {urlsplit(site_url).netloc}
    context.close()


@pytest.mark.parametrize(
    "reply, message",
    [
        (
            {"status": 404, "body": '{"status":404,"error":"Postcode not found"}'},
            "could not find the postcode ME1 1ZZ",
        ),
        ({"status": 500, "body": "oops"}, "could not be looked up"),
        ({"status": 200, "body": "not json at all"}, "could not be looked up"),
        (
            {"status": 200, "body": '{"status":200,"result":{"latitude":null}}'},
            "could not find the postcode ME1 1ZZ",
        ),
        (None, "could not be looked up"),  # the network fails
    ],
)
def test_a_failed_lookup_says_so_and_leaves_the_list(
    new_page, site_url: str, reply: dict | None, message: str
) -> None:
    def answer(route) -> None:
        if reply is None:
            route.abort("internetdisconnected")
        else:
            route.fulfill(
                status=reply["status"], content_type="application/json", body=reply["body"]
            )

    new_page.route(POSTCODES, answer)
    open_finder(new_page, site_url, "?day=wed")
    before = shown_ids(new_page)
    new_page.fill("#cm-postcode", "ME1 1ZZ")
    new_page.press("#cm-postcode", "Enter")
    new_page.wait_for_selector("#cm-near-error.cm-error--on")
    error = new_page.text_content("#cm-near-error")
    assert message in error and "The list has not changed" in error
    assert new_page.get_attribute("#cm-near-error", "role") == "alert"
    assert shown_ids(new_page) == before
    assert "postcode" not in new_page.url
    assert new_page.locator("#cm-results .cm-r__d").count() == 0


def test_a_malformed_postcode_is_refused_without_a_request(new_page, site_url: str) -> None:
    asked: list[str] = []
    new_page.route(POSTCODES, lambda route: (asked.append(route.request.url), route.abort()))
    open_finder(new_page, site_url)
    for bad in ("hello", "ME15 6J", "12345"):
        new_page.fill("#cm-postcode", bad)
        new_page.click("#cm-postcode-go")
        assert "is not a UK postcode" in new_page.text_content("#cm-near-error")
    assert asked == []


# --- shortlist and print ------------------------------------------------------------------


def test_shortlist_survives_a_reload_and_its_link_recreates_it(
    browser, new_page, site_url: str, published: list[Entry]
) -> None:
    open_finder(new_page, site_url)
    first, second = published[0], published[3]
    for entry in (first, second):
        new_page.click(f'#cm-results .cm-shortlist-btn[data-shortlist-id="{entry.id}"]')
    button = f'.cm-shortlist-btn[data-shortlist-id="{first.id}"]'
    assert new_page.text_content(button) == "Remove from shortlist"
    assert new_page.get_attribute(button, "aria-pressed") is None
    assert new_page.text_content(".cm-shortlist-link__n") == "2"

    new_page.reload()
    new_page.wait_for_selector(f"{button}[data-cm-ready]")
    assert new_page.text_content(button) == "Remove from shortlist"

    new_page.goto(site_url + f"activities/{second.id}/")
    page_button = f'.cm-shortlist-btn[data-shortlist-id="{second.id}"]'
    assert new_page.is_visible(page_button)
    assert new_page.text_content(page_button) == "Remove from shortlist"

    new_page.click(".cm-shortlist-link")
    new_page.wait_for_selector("#cm-sl-app:not([hidden])")
    items = new_page.eval_on_selector_all(".cm-sl-item", "els => els.map(e => e.dataset.id)")
    assert items == [first.id, second.id]
    text = new_page.text_content(".cm-sl-item")
    for label in ("When", "Where", "Contact", "Cost", "How to join", "Last checked"):
        assert label in text
    link = new_page.input_value("#cm-sl-link")
    assert link.endswith(f"/shortlist/#ids={first.id},{second.id}")

    fresh = browser.new_context()
    other = fresh.new_page()
    other.goto(link)
    other.wait_for_selector("#cm-sl-app:not([hidden])")
    assert other.eval_on_selector_all(".cm-sl-item", "els => els.map(e => e.dataset.id)") == [
        first.id,
        second.id,
    ]
    assert "Loaded 2 activities" in other.text_content("#cm-sl-status")
    assert json.loads(other.evaluate(f"localStorage.getItem('{SL_KEY}')")) == [first.id, second.id]
    assert "#" not in other.url  # the link is not applied twice
    fresh.close()


def test_a_shared_link_asks_before_changing_an_existing_shortlist(
    new_page, site_url: str, published: list[Entry]
) -> None:
    mine, theirs = published[1].id, published[2].id
    new_page.goto(site_url + "shortlist/")
    new_page.evaluate(f"localStorage.setItem('{SL_KEY}', JSON.stringify(['{mine}']))")
    new_page.goto(site_url + f"shortlist/#ids={theirs},not-a-real-activity")
    new_page.wait_for_selector("#cm-sl-import:not([hidden])")
    assert "1 no longer listed" in new_page.text_content("#cm-sl-import-text")
    new_page.click("#cm-sl-import-add")
    ids = new_page.eval_on_selector_all(".cm-sl-item", "els => els.map(e => e.dataset.id)")
    assert ids == [mine, theirs, "not-a-real-activity"]
    gone = new_page.locator('.cm-sl-item[data-id="not-a-real-activity"]')
    assert "no longer listed" in gone.text_content()
    gone.locator(".cm-sl-remove").click()
    assert new_page.eval_on_selector_all(".cm-sl-item", "els => els.map(e => e.dataset.id)") == [
        mine,
        theirs,
    ]
    new_page.click("#cm-sl-clear")
    assert new_page.is_visible("#cm-sl-empty")
    new_page.click("#cm-sl-status button")  # undo
    assert new_page.locator(".cm-sl-item").count() == 2


def test_print_shows_only_the_list(new_page, site_url: str, published: list[Entry]) -> None:
    ids = [published[0].id, published[1].id]
    new_page.goto(site_url + "shortlist/")
    new_page.evaluate(f"localStorage.setItem('{SL_KEY}', JSON.stringify({json.dumps(ids)}))")
    new_page.reload()
    new_page.wait_for_selector("#cm-sl-app:not([hidden])")
    new_page.fill("#cm-sl-name", "Jo Bloggs")
    assert new_page.text_content("h1") == "Shortlist for Jo Bloggs"
    new_page.emulate_media(media="print")
    for chrome in (
        ".md-header",
        ".md-tabs",
        ".md-footer",
        ".md-sidebar--primary",
        "#cm-sl-print",
        ".cm-sl-remove",
        "#cm-sl-name",
        "#cm-sl-share",
        ".cm-shortlist-link",
    ):
        assert not new_page.locator(chrome).first.is_visible(), chrome
    assert new_page.is_visible("h1") and new_page.is_visible("#cm-sl-date")
    assert new_page.locator(".cm-sl-item").count() == 2
    assert all(new_page.locator(".cm-sl-item").nth(i).is_visible() for i in range(2))
    size = new_page.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('.cm-sl-facts dd')).fontSize)"
    )
    assert size >= 16  # 12pt
    avoid = new_page.evaluate("getComputedStyle(document.querySelector('.cm-sl-item')).breakInside")
    assert avoid == "avoid"
    assert new_page.pdf(format="A4")[:4] == b"%PDF"


def test_the_shortlist_fetches_only_the_files_of_its_activities(
    new_page, site_url: str, built_site: Path, published: list[Entry], monkeypatch
) -> None:
    """Not the whole directory (activities.json is 850 KB gzipped at 10,000 activities): the
    files its activities are in, found by the same hash of the id as the build's. The sample
    site fits in one file, so the page is told here of seven, made by finder.py."""
    page = new_page
    records = json.loads((built_site / "assets/data/activities.json").read_text())["items"]
    monkeypatch.setattr(finder, "SHORTLIST_BUCKET", 10)
    files = {o.path.rsplit("/", 1)[1]: o.content for o in finder.shortlist_data(records, "test")}
    assert len(files) == 7

    def shortlist_page(route) -> None:
        html = route.fetch().text()
        route.fulfill(body=re.sub(r'"chunks":\d+', '"chunks":7', html), content_type="text/html")

    def data_file(route) -> None:
        route.fulfill(body=files[urlsplit(route.request.url).path.rsplit("/", 1)[1]])

    page.route("**/shortlist/", shortlist_page)
    page.route("**/assets/data/shortlist/*.json*", data_file)
    asked: list[str] = []
    page.on("request", lambda r: asked.append(urlsplit(r.url).path))
    chosen = [published[0], published[7], published[20]]
    page.goto(site_url + "shortlist/#ids=" + ",".join(e.id for e in chosen))
    page.wait_for_selector("#cm-sl-app:not([hidden])")
    titles = page.eval_on_selector_all(".cm-sl-item__title a", "els => els.map(e => e.textContent)")
    assert titles == [e.name for e in chosen]
    data = sorted(p.rsplit("/", 1)[1] for p in asked if "/assets/data/" in p)
    wanted = sorted({f"{finder.bucket(e.id, 7)}.json" for e in chosen})
    assert data == wanted and len(wanted) >= 2, (data, wanted)
    assert not any(p.endswith("activities.json") or "/data/finder/" in p for p in asked)


# --- privacy and accessibility ------------------------------------------------------------


def test_pages_make_no_third_party_requests(
    new_page, site_url: str, published: list[Entry]
) -> None:
    """The map page (tiles) is tested by the map's own tests."""
    hosts: dict[str, str] = {}
    new_page.on("request", lambda r: hosts.setdefault(urlsplit(r.url).netloc, r.url))
    entry = published[0]
    for path in (
        "",
        "find/?q=walk&day=tue",
        f"activities/{entry.id}/",
        f"categories/{entry.categories[0]}/",
        "areas/maidstone/",
        "shortlist/",
        "about/",
        "providers/",
    ):
        new_page.goto(site_url + path)
        new_page.wait_for_load_state("networkidle")
    open_finder(new_page, site_url)
    new_page.fill("#cm-q", "garden")
    new_page.wait_for_load_state("networkidle")
    assert set(hosts) == {urlsplit(site_url).netloc}, hosts


AXE = Path(__import__("axe_playwright_python").__file__).parent / "axe.min.js"


@pytest.mark.parametrize(
    "path",
    [
        "",
        "find/",
        "find/?area=maidstone&day=tue",
        "activities/mote-park-health-walk/",
        "categories/physical-activity/",
        "shortlist/",
    ],
)
def test_pages_have_no_serious_accessibility_problems(
    new_page, site_url: str, path: str, published: list[Entry]
) -> None:
    new_page.goto(site_url)
    new_page.evaluate(
        f"localStorage.setItem('{SL_KEY}', JSON.stringify({json.dumps([published[0].id])}))"
    )
    new_page.goto(site_url + path)
    new_page.wait_for_load_state("networkidle")
    if path.startswith("find/"):
        new_page.wait_for_selector("#cm-count[data-count]")
        new_page.click('details[data-param="category"] summary')
    new_page.evaluate(AXE.read_text(encoding="utf-8"))  # not a <script> tag, which the CSP refuses
    result = new_page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    bad = [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["html"][:200] for n in v["nodes"][:3]],
        }
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, json.dumps(bad, indent=1)


def test_the_site_uses_pagefind_not_materials_search(built_site: Path) -> None:
    """Material's own index (24 MB at 10,000 activities) must not be built or offered."""
    assert not (built_site / "search" / "search_index.json").exists()
    assert (built_site / "pagefind" / "pagefind.js").is_file()
    assert (built_site / "pagefind" / "community-map-ids.json").is_file()
    home = (built_site / "index.html").read_text(encoding="utf-8")
    assert 'data-md-component="search"' not in home
    assert 'for="__search"' not in home


# --- one set of labels -------------------------------------------------------------------

SAME_WORDS = ("thanet-stop-smoking-clinic", "temple-hill-community-kitchen")


def _facts(page) -> dict[str, str]:
    return page.evaluate(
        """sel => Object.fromEntries([...document.querySelectorAll(sel)].map(
             d => [d.querySelector('dt').textContent.trim(), d.querySelector('dd')]
           ).map(([k, dd]) => [k, dd.innerText.trim()]))""",
        ".cm-facts > div",
    )


def _contact_links(page, scope: str) -> list[str]:
    return page.eval_on_selector_all(
        f"{scope} a[href^='tel:'], {scope} a[href^='mailto:']",
        "els => els.map(a => a.getAttribute('href'))",
    )


def test_a_page_the_finder_and_the_shortlist_say_the_same(new_page, site_url: str) -> None:
    """Cost, how to join, how it runs and the contact links of one entry read the same on
    its page (Python), in the finder and on the shortlist (JavaScript): one label table."""
    page = new_page
    on_page = {}
    for entry_id in SAME_WORDS:
        page.goto(site_url + f"activities/{entry_id}/")
        facts = _facts(page)
        join = page.eval_on_selector_all(
            ".cm-facts > div:has(dt:text-is('How to join')) li",
            "els => els.map(e => e.textContent.trim())",
        )
        on_page[entry_id] = (facts, join, _contact_links(page, ".cm-activity"))

    page.evaluate(f"localStorage.setItem('{SL_KEY}', JSON.stringify({list(SAME_WORDS)!r}))")
    open_finder(page, site_url, "?q=&area=thanet,dartford")
    finder_lines = {
        entry_id: page.eval_on_selector_all(
            f'#cm-results li[data-id="{entry_id}"] .cm-r__m, '
            f'#cm-other-results li[data-id="{entry_id}"] .cm-r__m',
            "els => els.map(e => e.textContent)",
        )
        for entry_id in SAME_WORDS
    }
    page.goto(site_url + "shortlist/")
    page.wait_for_selector("#cm-sl-app:not([hidden])")
    for entry_id in SAME_WORDS:
        facts, join, links = on_page[entry_id]
        scope = f'.cm-sl-item[data-id="{entry_id}"]'
        listed = page.evaluate(
            """sel => Object.fromEntries([...document.querySelectorAll(sel + ' dt')].map(
                 dt => [dt.textContent.trim(), dt.nextElementSibling.innerText.trim()]))""",
            scope,
        )
        assert listed["Cost"] == facts["Cost"], entry_id
        # the page lists each way to join; the shortlist says them as sentences
        assert listed["How to join"] == " ".join(f"{j}." for j in join) or (
            not join and listed["How to join"] == facts["How to join"] + "."
        ), (listed["How to join"], join, facts["How to join"])
        modes = [m.strip() for m in facts["How it runs"].split(",")]
        others = [m.lower() for m in modes if m != "In person"]
        for mode in others:
            assert f"also {mode}" in listed["Where"] or mode in listed["Where"].lower()
            assert any(mode in line.lower() for line in finder_lines[entry_id]), finder_lines
        cost_label = facts["Cost"].split(":")[0]
        assert any(cost_label in line for line in finder_lines[entry_id]), finder_lines
        assert _contact_links(page, scope) == links and links, (links, entry_id)
    # the drifted wordings are gone everywhere
    text = page.inner_text("body") + " ".join(" ".join(v) for v in finder_lines.values())
    for old in ("By telephone", "Book before you go", "Donation ·"):
        assert old not in text


def test_shortlist_mail_and_phone_links_cannot_add_recipients_or_text(
    new_page, site_url: str
) -> None:
    """Even if a hostile address reached the shortlist's data (validation refuses it), the
    shortlist builds mailto: and tel: links with encodeURIComponent: one recipient, no
    hidden copy, subject or body, no other scheme."""
    page = new_page
    entry_id = "thanet-stop-smoking-clinic"
    hostile = "quit@clinic.example.org?cc=x%40evil.example&bcc=y@evil.example&body=hi"
    poisoned = []

    def poison(route) -> None:
        data = route.fetch().json()
        record = data["items"].get(entry_id)
        if record is not None:
            record["em"] = hostile
            record["ph"] = "+44 1843 000469?x=a&body=call javascript:alert()"
            poisoned.append(route.request.url)
        route.fulfill(json=data)

    page.route("**/assets/data/shortlist/*.json*", poison)
    page.goto(site_url)
    page.evaluate(f"localStorage.setItem('{SL_KEY}', JSON.stringify([{entry_id!r}]))")
    page.goto(site_url + "shortlist/")
    page.wait_for_selector("#cm-sl-app:not([hidden])")
    mail, tel = (
        page.get_attribute(f".cm-sl-item a[href^='{scheme}:']", "href")
        for scheme in ("mailto", "tel")
    )
    assert mail == (
        "mailto:quit@clinic.example.org%3Fcc%3Dx%2540evil.example%26bcc%3Dy@evil.example"
        "%26body%3Dhi"
    )
    assert "?" not in mail and "&" not in mail
    assert poisoned  # the activity's record came from the file the test altered
    assert tel == "tel:+441843000469"  # digits only (and the leading +)
    # and the page shows the text as written, as text
    assert hostile in page.inner_text(".cm-sl-item")
