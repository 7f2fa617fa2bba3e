"""Search finds what people mean (issue 16): the relevance fixture run through the real finder
on the built sample site, the query logic of search.js tested as functions in Chromium, and
the same logic without the Pagefind index. One page is reused for all the fixture's queries."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from browser_fixtures import *  # noqa: F403

from build_tools.entries.loader import load_paths
from build_tools.entries.model import Entry
from build_tools.settings import Vocabulary

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
SEARCH_JS = ROOT / "site_overrides" / "assets" / "js" / "search.js"
FIXTURE = yaml.safe_load((ROOT / "tests/data/search/relevance.yml").read_text("utf-8"))["queries"]


@pytest.fixture(scope="module")
def published(built_site: Path) -> list[Entry]:
    """The entries the built site lists."""
    data = json.loads((built_site / "assets/data/activities.json").read_text())
    listed = {r["i"] for r in data["items"]}
    entries, _ = load_paths([ROOT / "entries"], base=ROOT)
    return [e for e in entries if e.id in listed]


@pytest.fixture(scope="module")
def finder(browser, site_url: str) -> Iterator[object]:
    """One finder page for every query of the fixture."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(site_url + "find/")
    page.wait_for_selector("#cm-filters:not([hidden])")
    page.wait_for_selector("#cm-count[data-count]")
    yield page
    context.close()
    assert not errors


def ask(page, query: str) -> dict:
    """Type a query; return the results (ids, in order), the status and its notes."""
    page.fill("#cm-q", query)
    page.wait_for_function(
        "q => document.getElementById('cm-count').getAttribute('data-q') === q", arg=query
    )
    for _ in range(50):
        if not page.is_visible("#cm-more"):
            break
        page.click("#cm-more")
    return page.evaluate(
        """() => {
          const count = document.getElementById('cm-count');
          return {
            ids: [...document.querySelectorAll('#cm-results > li, #cm-other-results > li')]
              .map(e => e.dataset.id),
            status: count.textContent,
            also: (count.getAttribute('data-also') || '').split('|').filter(Boolean),
            corrected: count.getAttribute('data-corrected') || '',
          };
        }"""
    )


def test_the_fixture_is_big_enough_and_names_real_activities(published) -> None:
    ids = {e.id for e in published}
    assert len(FIXTURE) >= 30
    for case in FIXTURE:
        named = [*case.get("top", []), *case.get("absent", []), *case.get("not_top", [])]
        assert set(named) <= ids, (case["q"], set(named) - ids)
        assert named or case.get("none"), case["q"]


def test_every_query_of_the_relevance_fixture(finder) -> None:
    failures = []
    for case in FIXTURE:
        got = ask(finder, case["q"])
        ids, first = got["ids"], got["ids"][:10]
        problems = []
        if case.get("none") and ids:
            problems.append(f"found {ids[:5]}")
        problems += [f"{i} not in the first ten" for i in case.get("top", []) if i not in first]
        problems += [f"{i} found" for i in case.get("absent", []) if i in ids]
        problems += [f"{i} in the first ten" for i in case.get("not_top", []) if i in first]
        for name in case.get("also", []):
            if name not in got["also"] or "Also showing results for" not in got["status"]:
                problems.append(f"no 'Also showing results for {name}' ({got['status']})")
        if case.get("corrected", "") != got["corrected"]:
            problems.append(f"corrected to {got['corrected']!r}, not {case.get('corrected')!r}")
        if len(ids) != len(set(ids)):
            problems.append("an activity listed twice")
        if problems:
            failures.append(f"{case['q']!r}: {'; '.join(problems)}; first ten {first}")
    assert not failures, "\n".join(failures)


def test_what_a_link_worker_expects(finder, published) -> None:
    """The issue's examples, in figures: every walk for `walking group` (both words first:
    in its own text or its categories' names and descriptions, which are indexed too), every
    befriending activity for `isolation`, physical activities first for `exercise`."""
    by_id = {e.id: e for e in published}
    vocab = Vocabulary.load(ROOT / "schema")

    def text(i: str) -> str:
        e = by_id[i]
        topics = [
            f"{vocab.categories[c].name} {vocab.categories[c].description}" for c in e.categories
        ]
        topics += [vocab.audiences[a].name for a in e.audiences]
        return " ".join([e.name, e.summary, e.description, *topics]).lower()

    walks = [i for i in by_id if "walk" in text(i)]
    both = [i for i in walks if "group" in text(i)]
    got = ask(finder, "walking group")["ids"]
    assert set(walks) <= set(got)
    assert len(got) > len(walks)  # "group" alone counts too, after them
    assert both and set(got[: len(both)]) == set(both)

    befriending = [e.id for e in published if "social-and-befriending" in e.categories]
    assert len(befriending) >= 15
    got = ask(finder, "isolation")
    assert set(befriending) <= set(got["ids"])
    assert "Also showing results for social and befriending." in got["status"]

    physical = {e.id for e in published if "physical-activity" in e.categories}
    first = ask(finder, "exercise")["ids"][: len(physical)]
    assert sum(i in physical for i in first) >= len(physical) - 1

    wellbeing = {e.id for e in published if "mental-wellbeing" in e.categories}
    got = ask(finder, "feeling low")["ids"]
    assert wellbeing <= set(got) and set(got[:10]) <= wellbeing

    money = {e.id for e in published if "money-and-benefits" in e.categories}
    got = ask(finder, "money worries")["ids"]
    assert set(got[: len(money)]) == money


def test_did_you_mean_searches_for_the_correction_by_keyboard(finder) -> None:
    got = ask(finder, "bereavment")
    assert "Did you mean bereavement?" in got["status"]
    button = finder.locator("#cm-count button")
    assert button.text_content() == "bereavement"
    assert finder.get_attribute("#cm-count", "role") == "status"
    button.focus()
    finder.keyboard.press("Enter")
    finder.wait_for_function("document.getElementById('cm-q').value === 'bereavement'")
    finder.wait_for_function(
        "document.getElementById('cm-count').getAttribute('data-q') === 'bereavement'"
    )
    assert finder.evaluate("document.activeElement.id") == "cm-q"
    assert finder.get_attribute("#cm-count", "data-corrected") is None
    finder.wait_for_function("location.search === '?q=bereavement'")


def test_a_typo_of_a_short_word_is_not_corrected(finder) -> None:
    # "wlak" has four letters: too short to guess at, so nothing (and no "Did you mean")
    got = ask(finder, "wlak")
    assert got["corrected"] == "" and "Did you mean" not in got["status"]


def test_the_first_search_fetches_only_what_it_needs(new_page, site_url: str) -> None:
    """With the word list in the id map: no fragment and no word list request for a known
    word, nor any index chunk for a word no page has; its typo is corrected from the list."""
    asked: list[str] = []
    new_page.on("request", lambda r: asked.append(r.url))
    new_page.goto(site_url + "find/")
    new_page.wait_for_selector("#cm-count[data-count]")
    got = ask(new_page, "walk")
    assert got["ids"]
    assert any(u.endswith("/assets/js/search.js") for u in asked)
    assert any(u.endswith("/assets/data/search.json") for u in asked)
    assert not [u for u in asked if "/fragment/" in u or "community-map-words" in u]
    asked.clear()
    got = ask(new_page, "dementai")
    assert got["corrected"] == "dementia"
    assert not [u for u in asked if "/fragment/" in u or "words" in u]
    asked.clear()
    assert ask(new_page, "aerobics")["ids"] == []
    assert not [u for u in asked if "/pagefind/" in u]


def test_a_word_list_kept_out_of_the_id_map_is_fetched_for_a_typo(new_page, site_url: str) -> None:
    def without_words(route) -> None:
        ids = json.loads(route.fetch().text())
        ids.pop("w", None)
        route.fulfill(status=200, content_type="application/json", body=json.dumps(ids))

    asked: list[str] = []
    new_page.on("request", lambda r: asked.append(r.url))
    new_page.route("**/pagefind/community-map-ids.json", without_words)
    new_page.goto(site_url + "find/")
    new_page.wait_for_selector("#cm-count[data-count]")
    assert ask(new_page, "walk")["ids"]
    assert not [u for u in asked if "community-map-words" in u]  # not needed: found
    got = ask(new_page, "bereavment")
    assert got["corrected"] == "bereavement"
    assert "sevenoaks-bereavement-cafe" in got["ids"]
    assert [u for u in asked if "community-map-words" in u]
    assert ask(new_page, "aerobics")["ids"] == []  # not the stand-in "a" Pagefind offers


def test_without_the_index_synonyms_and_typos_still_work(new_page, site_url: str) -> None:
    new_page.route("**/pagefind/**", lambda route: route.fulfill(status=404, body="gone"))
    new_page.goto(site_url + "find/")
    new_page.wait_for_selector("#cm-count[data-count]")
    got = ask(new_page, "isolation")
    assert {"kent-friendly-call", "deal-befriending-visits"} <= set(got["ids"][:10])
    assert got["also"] == ["social and befriending"]
    got = ask(new_page, "dementai")
    assert got["corrected"] == "dementia"
    assert "maidstone-memory-lane-dementia-cafe" in got["ids"][:10]
    got = ask(new_page, '"health walk"')
    assert "mote-park-health-walk" in got["ids"] and "pantiles-heritage-walks" not in got["ids"]


# --- search.js as functions --------------------------------------------------------------


@pytest.fixture(scope="module")
def js(chromium) -> Iterator[object]:
    context = chromium.new_context()
    page = context.new_page()
    page.set_content("<!doctype html><title>search.js</title>")
    page.add_script_tag(path=str(SEARCH_JS))
    yield page
    context.close()


def call(page, name: str, *args: object) -> object:
    return page.evaluate(
        "([name, args]) => window.CommunityMapSearch[name](...args)", [name, list(args)]
    )


def test_parse_keeps_phrases_and_drops_little_words(js) -> None:
    parsed = call(js, "parse", 'Walking  "Health Walk" to the Café')
    assert [(t["text"], t["phrase"], t["exact"]) for t in parsed["terms"]] == [
        ("walking", False, False),
        ("health walk", True, True),
        ("cafe", False, False),
    ]
    assert parsed["words"] == ["walking", "to", "the", "cafe"]
    # nothing but little words: they are all there is to search for
    assert [t["text"] for t in call(js, "parse", "to the")["terms"]] == ["to", "the"]
    assert [t["text"] for t in call(js, "parse", "Men’s shed")["terms"]] == ["mens", "shed"]
    assert call(js, "parse", '"unclosed phrase')["terms"][0]["phrase"] is True
    assert call(js, "parse", "   ")["terms"] == []
    assert len(call(js, "parse", " ".join(f"word{n}" for n in range(40)))["terms"]) == 12


@pytest.mark.parametrize(
    ("a", "b", "edits"),
    [
        ("dementia", "dementia", 0),
        ("dementai", "dementia", 1),  # two neighbours swapped
        ("bereavment", "bereavement", 1),
        ("befreinding", "befriending", 1),
        ("kitten", "sitting", 3),
        ("walk", "", 4),
    ],
)
def test_distance(js, a: str, b: str, edits: int) -> None:
    assert call(js, "distance", a, b) == edits
    assert call(js, "distance", a, b, 1) == min(edits, 2)


def test_same_word_and_correction(js) -> None:
    assert call(js, "sameWord", "walks", "walking")
    assert call(js, "sameWord", "walkers", "walk")
    assert not call(js, "sameWord", "dementai", "dementia")
    words = ["support", "dementia", "walking", "bereavement", "dementias"]
    assert call(js, "correct", "dementai", words) == "dementia"  # the more frequent first
    assert call(js, "correct", "bereavment", words) == "bereavement"
    assert call(js, "correct", "walks", words) == ""  # known: an ending of "walking"
    assert call(js, "correct", "walki", words) == ""  # begins a listed word
    assert call(js, "correct", "wlak", words) == ""  # under five letters
    assert call(js, "correct", "zzzzzzz", words) == ""  # nothing within two edits
    assert call(js, "correct", "dxmxntia", words) == "dementia"  # two edits
    assert call(js, "correct", "dxmxnxia", words) == ""  # three


def test_expand_matches_words_and_phrases_of_the_synonyms(js) -> None:
    groups = [
        {"k": "c", "id": "money", "n": "Money", "w": ["money worries", "debt"]},
        {"k": "c", "id": "social", "n": "Social", "w": ["lonely", "someone to talk to"]},
    ]
    got = call(js, "expand", ["money", "worries", "and", "debts"], groups)
    assert [(e["group"]["id"], sorted(e["covers"])) for e in got] == [("money", [0, 1, 3])]
    got = call(js, "expand", ["someone", "to", "talk", "to"], groups)
    assert [(e["group"]["id"], e["covers"]) for e in got] == [("social", [0, 1, 2, 3])]
    assert call(js, "expand", ["money"], groups) == []  # half a phrase is not the phrase


def test_rank_counts_terms_then_scores(js) -> None:
    found = [
        {"hits": [{"i": 1, "s": 10}, {"i": 2, "s": 5}, {"i": 3, "s": 1}]},  # "walking"
        {"hits": [{"i": 3, "s": 2}, {"i": 4, "s": 8}]},  # "group"
    ]
    # 3 matches both words; then by each word's share of its best score
    assert call(js, "rank", found, []) == [3, 1, 4, 2]
    # a category the first word names adds its members (5, level with 4: by position) and
    # lifts those in it (2)
    assert call(js, "rank", found, [{"covers": [0], "members": [2, 5]}]) == [3, 2, 1, 4, 5]


def test_run_corrects_expands_and_says_so(js) -> None:
    result = js.evaluate(
        """() => {
          const S = window.CommunityMapSearch;
          S.setData({groups: [{k: "c", id: "dem", n: "Dementia support", w: ["dementia"]}]});
          const pages = {dementia: [{i: 0, s: 3}], cafe: [{i: 0, s: 1}, {i: 1, s: 2}]};
          const asked = [];
          const backend = {
            find: (text) => {
              asked.push(text);
              const hits = pages[text] || [];
              return Promise.resolve({hits, known: hits.length ? true : false});
            },
            members: (g) => (g.id === "dem" ? [0, 2] : []),
            words: () => Promise.resolve(["cafe", "dementia"]),
          };
          return S.run("Dementai cafe", backend).then((r) => ({r, asked}));
        }"""
    )
    assert result["asked"] == ["dementai", "cafe", "dementia"]
    assert result["r"]["corrected"] == "dementia cafe"
    assert result["r"]["also"] == ["dementia support"]
    assert result["r"]["order"] == [0, 1, 2]


def test_the_text_backend_finds_stems_and_phrases(js) -> None:
    got = js.evaluate(
        """() => {
          const b = window.CommunityMapSearch.textBackend(
            ["Health walks in the park", "A walking group", "Health checks"], () => []);
          const w = (text, phrase) => b.find(text, {text, phrase, exact: phrase})
            .then((r) => r.hits.map((h) => h.i));
          return Promise.all([w("walks", false), w("health walk", true), w("zebra", false),
            b.words()]);
        }"""
    )
    assert got[0] == [0, 1]  # "walk", the stem, in "walks" and "walking"
    assert got[1] == [0]
    assert got[2] == []
    assert set(json.loads(json.dumps(got[3]))) >= {"health", "walks", "park", "walking"}
