"""The finder module: activities.json, the finder page's plain list and its filters, and the
shortlist page, generated from the entries in tests/data/finder/."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import pytest

from build_tools.entries.loader import load_paths
from build_tools.entries.model import Entry
from build_tools.outputs import Output
from build_tools.settings import Settings, from_options
from build_tools.site import finder

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "data" / "finder"
SITE = "https://site.example/"


@pytest.fixture(scope="module")
def settings() -> Settings:
    return from_options({}, ROOT, site_name="Test Map")


@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    loaded, problems = load_paths([FIXTURES], base=ROOT)
    assert not problems, [p.format() for p in problems]
    return loaded


@pytest.fixture(scope="module")
def published(entries: list[Entry]) -> list[Entry]:
    return sorted((e for e in entries if e.published), key=lambda e: e.name.casefold())


@pytest.fixture(scope="module")
def coords(entries: list[Entry]) -> dict[str, tuple[float, float]]:
    return {
        e.id: (e.location.lat, e.location.lon)  # type: ignore[misc]
        for e in entries
        if e.in_person and e.location is not None and e.location.has_coordinates
    }


@pytest.fixture(scope="module")
def outputs(published: list[Entry], settings: Settings, coords: dict) -> dict[str, Output]:
    return {o.path: o for o in finder.generate(published, settings, coords)}


@pytest.fixture(scope="module")
def data(outputs: dict[str, Output]) -> dict:
    return json.loads(outputs["assets/data/activities.json"].content)


@pytest.fixture(scope="module")
def records(data: dict) -> dict[str, dict]:
    return {r["i"]: r for r in data["items"]}


class Tree(HTMLParser):
    """Every start tag with its attributes, the text inside each element id, and scripts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._script: dict[str, str | None] | None = None
        self._text: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._script, self._text = dict(attrs), []

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script, "".join(self._text)))
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._text.append(data)
        else:
            self.text.append(data)


def parse(html: str) -> Tree:
    tree = Tree()
    tree.feed(html)
    tree.close()
    return tree


def list_items(html: str, list_id: str) -> list[dict]:
    """The `<li>`s of one `<ol>`: their first link and their text."""

    class Items(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.inside = 0
            self.items: list[dict] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            a = dict(attrs)
            if tag == "ol" and a.get("id") == list_id:
                self.inside = 1
            elif self.inside and tag == "ol":
                self.inside += 1
            elif self.inside and tag == "li":
                self.items.append({"href": None, "text": ""})
            elif self.inside and tag == "a" and self.items and self.items[-1]["href"] is None:
                self.items[-1]["href"] = a.get("href")

        def handle_endtag(self, tag: str) -> None:
            if self.inside and tag == "ol":
                self.inside -= 1

        def handle_data(self, data: str) -> None:
            if self.inside and self.items:
                self.items[-1]["text"] += data

    parser = Items()
    parser.feed(html)
    return parser.items


# --- activities.json ---------------------------------------------------------------------


def test_outputs_are_the_data_file_and_two_pages(outputs: dict[str, Output]) -> None:
    assert set(outputs) == {
        "assets/data/activities.json",
        finder.INDEX_PATH,
        finder.DETAILS_PATH.format(n=0),
        finder.PLACES_PATH,
        finder.SHORTLIST_PATH.format(n=0),
        "find.md",
        "shortlist.md",
    }
    assert outputs["find.md"].html and outputs["shortlist.md"].html
    assert outputs["assets/data/activities.json"].html is None


def test_data_lists_every_published_activity_in_name_order_and_no_closed_one(
    data: dict, published: list[Entry]
) -> None:
    ids = [r["i"] for r in data["items"]]
    assert ids == [e.id for e in published]
    assert "gamma-closed" not in ids
    assert {"alpha-walk", "beta-helpline", "delta-paused", "epsilon-script"} == set(ids)


def test_closed_entries_are_dropped_even_if_passed_in(
    entries: list[Entry], settings: Settings, coords: dict
) -> None:
    outputs = {o.path: o for o in finder.generate(entries, settings, coords)}
    data = json.loads(outputs["assets/data/activities.json"].content)
    assert "gamma-closed" not in [r["i"] for r in data["items"]]
    assert "Gamma Closed Club" not in outputs["find.md"].html


def test_data_is_compact(outputs: dict[str, Output], data: dict) -> None:
    raw = outputs["assets/data/activities.json"].content
    assert isinstance(raw, str)
    assert raw == json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    assert "\n" not in raw
    # vocabularies once, then numbers: no category or area id is repeated per record
    for record in data["items"]:
        for key in ("c", "a", "u", "x"):
            assert all(isinstance(v, int) for v in record.get(key, []))


def test_vocabularies_match_the_schema_lists(data: dict, settings: Settings) -> None:
    vocab = settings.vocabulary()
    assert data["vocab"]["category"] == [[t.id, t.name] for t in vocab.categories.values()]
    assert data["vocab"]["area"] == [[t.id, t.name] for t in vocab.areas.values()]
    assert data["vocab"]["audience"] == [[t.id, t.name] for t in vocab.audiences.values()]
    assert data["vocab"]["access"] == [[t.id, t.name] for t in vocab.accessibility.values()]
    assert data["region"] == settings.region.name


def _names(data: dict, vocab: str, positions: list[int]) -> list[str]:
    return [data["vocab"][vocab][i][0] for i in positions]


def test_an_in_person_record_has_every_field(data: dict, records: dict[str, dict]) -> None:
    walk = records["alpha-walk"]
    assert walk["n"] == "Alpha Walk"
    assert walk["s"] == "A gentle walk by the river, with tea afterwards."
    assert _names(data, "category", walk["c"]) == ["physical-activity", "nature-and-gardening"]
    assert _names(data, "area", walk["a"]) == ["maidstone"]
    assert _names(data, "audience", walk["u"]) == ["everyone", "older-people"]
    assert _names(data, "access", walk["x"]) == ["step-free-access", "seating-available"]
    assert walk["d"] == 1  # in person only
    assert walk["w"] == (1 << 1) | (1 << 3) | (1 << 5)  # tue, thu, sat
    assert walk["t"] == 1 | 4  # morning and evening (the Saturday one is 18:00)
    assert walk["k"] == 0  # free
    assert walk["b"] == 0  # drop-in
    assert walk["f"] == 1 | 2  # self, professional
    assert walk["p"] == [51.2705, 0.5486]  # rounded to 4 places (about 10 m)
    assert walk["l"] == "Riverside Café, 1 Towpath, Maidstone, ME15 7RN"
    assert walk["h"] == [
        "Every Tuesday and Thursday, 10:00 to 10:45",
        "First Saturday of the month, 18:00 to 19:00",
        "No walks on bank holidays.",
    ]
    assert (walk["ph"], walk["em"], walk["web"]) == (
        "01622 000111",
        "walks@example.org",
        "https://walks.example.org/alpha",
    )
    assert walk["o"] == "River Walkers"
    assert walk["r"] == "2026-10-01"
    assert "z" not in walk and "g" not in walk


def test_a_region_wide_phone_service_has_no_place_or_position(
    records: dict[str, dict],
) -> None:
    line = records["beta-helpline"]
    assert line["g"] == 1 and line["a"] == []
    assert line["d"] == 2 | 4  # online and telephone
    assert "p" not in line and "l" not in line
    assert line["w"] == 0 and line["t"] == 0
    assert line["k"] == 2 and line["cn"] == "Give what you can."
    assert line["h"] == ["A weekly call at a time that suits you."]


def test_a_paused_entry_is_listed_and_marked(records: dict[str, dict]) -> None:
    paused = records["delta-paused"]
    assert paused["z"] == 1
    assert paused["b"] == 2 and paused["f"] == 2 | 4
    # fortnightly from starts_on: the next date depends on the build date
    assert re.fullmatch(
        r"Every other Wednesday \(next on \d+ \w+( \d{4})?\), 13:30 to 15:30", paused["h"][0]
    )


def test_positions_come_from_coords_not_only_from_the_file(
    published: list[Entry], settings: Settings
) -> None:
    """Geocoded positions (the cache) count too; online-only entries never get one."""
    coords = {"alpha-walk": (51.123456, 0.654321), "beta-helpline": (51.0, 1.0)}
    outputs = {o.path: o for o in finder.generate(published, settings, coords)}
    items = {r["i"]: r for r in json.loads(outputs[finder.DATA_PATH].content)["items"]}
    assert items["alpha-walk"]["p"] == [51.1235, 0.6543]
    assert "p" not in items["beta-helpline"]
    assert "p" not in items["delta-paused"]  # not in coords: no position


def test_the_data_version_in_page_links_changes_with_the_data(
    published: list[Entry], settings: Settings, coords: dict
) -> None:
    def version(entries: list[Entry]) -> str:
        outputs = {o.path: o for o in finder.generate(entries, settings, coords)}
        config = _config(outputs["find.md"].html, "cm-finder-config")
        assert config["data"].startswith("../assets/data/activities.json?v=")
        shortlist = _config(outputs["shortlist.md"].html, "cm-shortlist-config")
        version = config["data"].split("?v=")[1]
        assert shortlist["details"] == f"../{finder.SHORTLIST_PATH}?v={version}"
        return config["data"]

    assert version(published) == version(list(published))
    assert version(published) != version(published[:-1])


# --- safety ------------------------------------------------------------------------------


def _config(html: str, element_id: str) -> dict:
    found = [body for attrs, body in parse(html).scripts if attrs.get("id") == element_id]
    assert len(found) == 1
    return json.loads(found[0])


@pytest.mark.parametrize("page", ["find.md", "shortlist.md"])
def test_pages_have_no_injected_markup(outputs: dict[str, Output], page: str) -> None:
    html = outputs[page].html
    assert html is not None
    tree = parse(html)
    for tag, attrs in tree.tags:
        assert tag not in {"img", "svg", "iframe", "object", "embed", "b"}, tag
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            assert "\n" not in (value or ""), (tag, name)  # a wrapped line inside a value
            assert not (value or "").strip().lower().startswith("javascript:"), (tag, name)
    # Scripts: the JSON config, the finder's one early line, and files of our own.
    for attrs, body in tree.scripts:
        if attrs.get("type") == "application/json":
            json.loads(body)
        elif attrs.get("src"):
            assert attrs["src"].startswith("../assets/js/") and not body.strip()
        else:
            assert body == finder._EARLY_SCRIPT
    assert "alert(" not in "".join(body for _, body in tree.scripts)


def test_provider_text_is_shown_as_text(outputs: dict[str, Output]) -> None:
    html = outputs["find.md"].html
    assert html is not None
    text = "".join(parse(html).text)
    assert 'Epsilon </script><script>alert(1)</script> & "Friends"' in text
    assert "<img src=x onerror=alert(2)>" in text
    assert "</script><script>" not in html
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_inline_json_cannot_close_its_script(
    published: list[Entry], settings: Settings, coords: dict
) -> None:
    """The only settings text in the page (the postcode URL) is escaped for HTML."""
    from dataclasses import replace

    hostile = replace(settings, postcode_lookup_url="https://x.example/</script><b>{postcode}")
    outputs = {o.path: o for o in finder.generate(published, hostile, coords)}
    html = outputs["find.md"].html
    assert html is not None
    assert "</script><b>" not in html
    assert _config(html, "cm-finder-config")["postcodeUrl"] == hostile.postcode_lookup_url


def test_data_file_keeps_hostile_text_as_data(records: dict[str, dict]) -> None:
    """activities.json is fetched, never pasted into HTML; the scripts render it with
    textContent. The text must come back exactly as the provider wrote it."""
    hostile = records["epsilon-script"]
    assert hostile["n"] == 'Epsilon </script><script>alert(1)</script> & "Friends"'
    assert hostile["o"] == "</script><svg onload=alert(3)>"
    assert "\u2028" in hostile["s"]


def test_front_matter_has_no_provider_text(outputs: dict[str, Output]) -> None:
    for page in ("find.md", "shortlist.md"):
        content = outputs[page].content
        assert isinstance(content, str) and content.startswith("---\n")
        front = content.split("---\n")[1]
        assert "Epsilon" not in front and "Alpha" not in front
        assert "navigation" in front and "toc" in front


# --- the page without JavaScript ---------------------------------------------------------


def test_plain_list_has_every_published_activity_with_working_links(
    outputs: dict[str, Output], published: list[Entry]
) -> None:
    html = outputs["find.md"].html
    assert html is not None
    items = list_items(html, "cm-all")
    assert len(items) == len(published)
    page_url = urljoin(SITE, "find/")
    for item, entry in zip(items, published, strict=True):
        assert urljoin(page_url, item["href"]) == urljoin(SITE, f"activities/{entry.id}/")
        assert entry.name in item["text"]
        assert entry.summary.replace("\u2028", "") in item["text"].replace("\u2028", "")


def test_links_resolve_to_pages_the_site_generates(
    outputs: dict[str, Output], published: list[Entry], settings: Settings, coords: dict
) -> None:
    from build_tools.site import pages

    generated = {o.path for o in pages.generate(published, settings, coords)}
    html = outputs["find.md"].html
    assert html is not None
    for item in list_items(html, "cm-all"):
        target = urljoin(urljoin(SITE, "find/"), item["href"])[len(SITE) :]
        assert f"{target.rstrip('/')}.md" in generated


def test_plain_list_says_where_when_and_cost(outputs: dict[str, Output]) -> None:
    html = outputs["find.md"].html
    assert html is not None
    items = {i["href"]: i["text"] for i in list_items(html, "cm-all")}
    walk = items["../activities/alpha-walk/"]
    assert "Maidstone" in walk and "Every Tuesday and Thursday, 10:00 to 10:45" in walk
    assert "Free" in walk
    line = items["../activities/beta-helpline/"]
    assert "Across Kent and Medway" in line and "Donation welcome" in line
    assert "Paused" in items["../activities/delta-paused/"]
    assert "Ashford, Canterbury" in items["../activities/delta-paused/"]


def test_filters_wait_for_javascript_and_the_count_is_announced(
    outputs: dict[str, Output],
) -> None:
    html = outputs["find.md"].html
    assert html is not None
    tags = parse(html).tags
    form = [a for t, a in tags if t == "form"]
    assert len(form) == 1 and "hidden" in form[0] and form[0]["id"] == "cm-filters"
    count = next(a for t, a in tags if a.get("id") == "cm-count")
    assert count["aria-live"] == "polite" and count["role"] == "status"
    assert "4 activities" in html
    assert "<noscript>" in html


def test_every_filter_value_has_a_control_named_as_in_the_url_contract(
    outputs: dict[str, Output], settings: Settings
) -> None:
    html = outputs["find.md"].html
    assert html is not None
    boxes: dict[str, list[str]] = {}
    for tag, attrs in parse(html).tags:
        if tag == "input" and attrs.get("type") == "checkbox":
            boxes.setdefault(attrs["name"] or "", []).append(attrs["value"] or "")
    vocab = settings.vocabulary()
    assert boxes == {
        "category": list(vocab.categories),
        "area": list(vocab.areas),
        "day": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
        "time": ["morning", "afternoon", "evening"],
        "cost": ["free", "paid", "donation"],
        "audience": list(vocab.audiences),
        "access": list(vocab.accessibility),
        "delivery": ["in-person", "online", "telephone", "home-visit"],
    }
    ids = {a.get("id") for _, a in parse(html).tags}
    assert {"cm-q", "cm-postcode", "cm-radius", "cm-clear", "cm-locate"} <= ids
    radius = [a.get("value") for t, a in parse(html).tags if t == "option"]
    assert radius == ["", "1", "3", "10", "30"]


def test_every_control_has_a_label(outputs: dict[str, Output]) -> None:
    html = outputs["find.md"].html + outputs["shortlist.md"].html  # type: ignore[operator]
    tags = parse(html).tags
    labelled = {a.get("for") for t, a in tags if t == "label"}
    for tag, attrs in tags:
        if tag in {"input", "select"} and attrs.get("type") != "checkbox":
            assert attrs.get("id") in labelled, attrs
    # checkboxes sit inside their <label> (checked by the markup builder)
    assert html.count('<label><input type="checkbox"') == html.count('type="checkbox"')


def test_config_points_at_the_site_relative_to_the_page(outputs: dict[str, Output]) -> None:
    config = _config(outputs["find.md"].html or "", "cm-finder-config")
    assert config["base"] == "../"
    assert config["pagefind"] == "../pagefind/"
    assert config["postcodeUrl"] == "https://api.postcodes.io/postcodes/{postcode}"
    assert config["pageSize"] == 50


def test_no_entries_still_makes_both_pages(settings: Settings) -> None:
    outputs = {o.path: o for o in finder.generate([], settings, {})}
    assert json.loads(outputs[finder.DATA_PATH].content)["items"] == []
    assert "0 activities" in (outputs["find.md"].html or "")
    assert list_items(outputs["find.md"].html or "", "cm-all") == []


def test_labels_have_the_schema_ids_in_the_file_format_order() -> None:
    """labels.py is the one table: its ids are the schema's enums, in the schema's order (the
    bits and indexes of activities.json), and the finder and shortlist pages carry it."""
    from build_tools.site import labels

    schema = json.loads((ROOT / "schema" / "entry.schema.json").read_text(encoding="utf-8"))
    props = schema["properties"]
    assert labels.order(labels.COST) == tuple(props["cost"]["enum"])
    assert labels.order(labels.BOOKING) == tuple(props["booking"]["enum"])
    assert labels.order(labels.DELIVERY) == tuple(props["delivery"]["items"]["enum"])
    assert labels.order(labels.REFERRAL) == tuple(props["referral"]["items"]["enum"])
    day_enum = props["schedule"]["items"]["properties"]["days"]["items"]["enum"]
    assert labels.order(labels.DAYS) == tuple(day_enum)
    for table in labels.TABLES.values():
        assert len({name for _, name in table}) == len(table)  # no two ids read the same


def test_the_finder_and_shortlist_pages_carry_the_label_table(outputs: dict[str, Output]) -> None:
    from build_tools.site import labels

    for page in ("find.md", "shortlist.md"):
        html = outputs[page].html or ""
        block = html.split('<script type="application/json" id="cm-labels">', 1)[1]
        data = json.loads(block.split("</script>", 1)[0])
        assert data == labels.data()
        assert data["delivery"][2] == ["telephone", "By phone"]


# --- the finder's split data and the plain list's pages ------------------------------------


def test_split_data_holds_the_same_records_in_parts(
    published: list[Entry], settings: Settings, coords: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(finder, "CHUNK", 2)
    outputs = {o.path: o for o in finder.generate(published, settings, coords)}
    whole = json.loads(outputs[finder.DATA_PATH].content)
    index = json.loads(outputs[finder.INDEX_PATH].content)
    version = _config(outputs["find.md"].html or "", "cm-finder-config")["data"].split("?v=")[1]
    assert index["v"] == version and index["n"] == len(whole["items"]) and index["chunk"] == 2
    assert index["vocab"] == whole["vocab"]
    details = []
    for n in range(-(-len(whole["items"]) // 2)):
        part = json.loads(outputs[finder.DETAILS_PATH.format(n=n)].content)
        assert part["v"] == version and len(part["items"]) <= 2
        details += part["items"]
    places = json.loads(outputs[finder.PLACES_PATH].content)
    assert places["v"] == version
    # every vocabulary of the fixtures is small: its lists are bit masks
    assert sorted(index["masks"]) == ["a", "c", "u", "x"]
    for i, rec in enumerate(whole["items"]):
        for key in finder.INDEX_KEYS:
            value = rec.get(key, 0)
            if key in index["masks"]:
                value = sum(1 << n for n in value or [])
            assert index["cols"][key][i] == value, (rec["i"], key)
        assert details[i] == {k: rec[k] for k in finder.DETAIL_KEYS if k in rec}
        assert places["p"][i] == rec.get("p", 0)
    # the index leaves out what a result shows (summaries, contacts): it is the small part
    assert "s" not in index["cols"] and "ph" not in index["cols"]
    assert not any(rec["s"] in outputs[finder.INDEX_PATH].content for rec in whole["items"])
    config = _config(outputs["find.md"].html or "", "cm-finder-config")
    assert config["index"] == f"../{finder.INDEX_PATH}?v={version}"
    assert config["details"] == f"../{finder.DETAILS_PATH}?v={version}"
    assert config["places"] == f"../{finder.PLACES_PATH}?v={version}" and config["chunk"] == 2


def test_a_large_vocabulary_keeps_its_lists() -> None:
    """Over MASK_BITS terms a bit mask would not fit JavaScript's 32-bit operators: lists."""
    records = [{"i": "a", "n": "A", "c": [0, 31], "a": [1], "u": [], "x": [2]}]
    big = [[f"t{n}", f"T{n}"] for n in range(finder.MASK_BITS + 1)]
    small = [["s0", "S0"], ["s1", "S1"], ["s2", "S2"]]
    vocab = {"category": big, "area": small, "audience": small, "access": small}
    parts = finder.split_data(records, {"region": "", "vocab": vocab}, "v1")
    index = json.loads(parts[0].content)
    assert index["masks"] == ["a", "u", "x"]
    assert index["cols"]["c"] == [[0, 31]] and index["cols"]["a"] == [2]
    assert index["cols"]["u"] == [0] and index["cols"]["x"] == [4]


def test_the_shortlist_files_hold_every_record_under_its_ids_hash(
    published: list[Entry], settings: Settings, coords: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The shortlist page fetches only the files of the activities on the list: each record
    is in file FNV-1a(id) % files, with everything the page prints and nothing else."""
    monkeypatch.setattr(finder, "SHORTLIST_BUCKET", 2)
    outputs = {o.path: o for o in finder.generate(published, settings, coords)}
    whole = json.loads(outputs[finder.DATA_PATH].content)
    config = _config(outputs["shortlist.md"].html or "", "cm-shortlist-config")
    version = _config(outputs["find.md"].html or "", "cm-finder-config")["data"].split("?v=")[1]
    files = -(-len(whole["items"]) // 2)
    assert config == {
        "base": "../",
        "details": f"../{finder.SHORTLIST_PATH}?v={version}",
        "chunks": files,
    }
    found: dict[str, dict] = {}
    for n in range(files):
        part = json.loads(outputs[finder.SHORTLIST_PATH.format(n=n)].content)
        assert part["v"] == version
        for ident, rec in part["items"].items():
            assert finder.bucket(ident, files) == n
            found[ident] = rec
    assert finder.SHORTLIST_PATH.format(n=files) not in outputs
    assert set(found) == {r["i"] for r in whole["items"]}
    for rec in whole["items"]:
        assert found[rec["i"]] == {k: rec[k] for k in finder.SHORTLIST_KEYS if k in rec}
    # the page prints no filter data: no categories, audiences or positions
    assert not any(k in r for r in found.values() for k in ("c", "u", "x", "p", "w", "t"))
    # FNV-1a, 32 bits, as shortlist-page.js computes it (known values of the hash)
    assert finder.bucket("", 1 << 32) == 0x811C9DC5
    assert finder.bucket("a", 1 << 32) == 0xE40C292C
    assert finder.bucket("foobar", 1 << 32) == 0xBF9CF968


def test_the_plain_list_is_split_into_linked_pages(
    published: list[Entry], settings: Settings, coords: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    from build_tools.site import paging

    monkeypatch.setattr(paging, "PAGE_SIZE", 2)
    outputs = {o.path: o for o in finder.generate(published, settings, coords)}
    later = [p for p in outputs if p.startswith("find--page-")]
    pages = ["find.md", *sorted(later, key=lambda p: int(p[len("find--page-") : -3]))]
    assert len(pages) == -(-len(published) // 2) >= 2
    listed: list[str] = []
    for number, path in enumerate(pages, 1):
        html = outputs[path].html or ""
        listed += re.findall(r'<h3><a href="\.\./activities/([a-z0-9-]+)/">', html)
        assert f"Page {number} of {len(pages)}" in html
        for other in pages:  # every page links every other page
            name = other.removesuffix(".md").replace("find.md", "find")
            assert f'href="../{name}/"' in html
        if number > 1:
            assert "finder.js" not in html and 'href="../find/"' in html
    assert listed == [e.id for e in published]  # A to Z, each once
