"""The site's pages (build_tools/pages.py), built directly from `Entry` objects."""

from __future__ import annotations

import datetime as dt
import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import escape
from mkdocs.utils.meta import get_data
from pages_fixtures import (
    REPO_URL,
    ROOT,
    coords_of,
    live_payloads,
    make_entry,
    make_settings,
    scan,
    visible_text,
)

from build_tools.outputs import Output
from build_tools.site import pages


def build(entries, settings=None, coords=None) -> dict[str, Output]:
    settings = settings or make_settings()
    published = sorted((e for e in entries if e.published), key=lambda e: e.name.casefold())
    outputs = pages.generate(published, settings, coords_of(entries) if coords is None else coords)
    return {o.path: o for o in outputs}


@pytest.fixture
def walk_page() -> str:
    return build([make_entry()])["activities/mote-park-health-walk.md"].html or ""


# --- front matter --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "title",
    [
        "Tea & Chat",
        '"><svg onload=alert(1)>',
        "</title><script>alert(1)</script>",
        "yes",
        "null",
        "123",
        "- item",
        "key: value",
        "# not a comment",
        "[a, b]",
        "{a: b}",
        "x\n---\ntitle: evil\n---\n",
        "x\u2028y",
        "'single' \"double\"",
        "\\ backslash",
        "Caf\u00e9 \U0001f600 \ufeffBOM",
        "tab\tand\x00nul\x85nel",
    ],
)
def test_front_matter_round_trips_as_escaped_text(title: str) -> None:
    source = pages.front_matter(title, 'Said <b>loudly</b> & "quoted"', hide=["toc"])
    markdown, meta = get_data(source + "Body\n")
    assert markdown.strip() == "Body"
    expected = re.sub(r"[\s\u2028\x00]+", " ", title).strip()
    assert meta["title"] == (
        expected.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&#34;")
        .replace("'", "&#39;")
    )
    assert meta["description"] == "Said &lt;b&gt;loudly&lt;/b&gt; &amp; &#34;quoted&#34;"
    assert meta["hide"] == ["toc"]
    assert set(meta) == {"title", "description", "hide"}


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=1), st.text(), st.lists(st.text(max_size=8), max_size=3))
def test_front_matter_round_trips_any_text(title: str, description: str, hide: list) -> None:
    """Whatever a provider writes, MkDocs reads back the escaped one-line text, and only it."""
    one_line = pages._one_line(title)
    if not one_line:
        with pytest.raises(ValueError):
            pages.front_matter(title)
        return
    markdown, meta = get_data(pages.front_matter(title, description, hide=hide) + "Body\n")
    assert markdown.strip() == "Body"
    assert meta["title"] == str(escape(one_line))
    assert meta.get("description", "") == str(escape(pages._one_line(description)))
    assert meta["hide"] == [str(escape(pages._one_line(h))) for h in hide]


def test_front_matter_needs_a_title_and_plain_values() -> None:
    with pytest.raises(ValueError):
        pages.front_matter("  \n ")
    with pytest.raises(TypeError):
        pages.front_matter("x", when=object())
    with pytest.raises(TypeError):
        pages.front_matter("x", weight=float("nan"))
    with pytest.raises(ValueError):
        pages.front_matter("x", **{"bad key": 1})
    assert "description" not in get_data(pages.front_matter("Title") + "x")[1]


# --- activity page -------------------------------------------------------------------------


def test_activity_page_shows_what_a_person_needs(walk_page: str) -> None:
    text = visible_text(walk_page)
    for phrase in (
        "Mote Park Health Walk",
        "A free, friendly 45-minute walk around Mote Park",
        "Every Tuesday and Thursday, 10:00 to 10:45",
        "First Saturday of the month, 09:30 to 10:30",
        "No walks on bank holidays.",
        "Mote Park Café",
        "Mote Park, Willow Way",
        "ME15 7RN",
        "Cost Free",
        "Drop in: no need to book",
        "You can refer yourself",
        "A professional can refer you",
        "How it runs In person",
        "Age 16 and over",
        "Step-free access",
        "Accessible toilet",
        "Registered charity 1123456",
        "Last checked on 1 October 2026",
        "Report a problem",
        "Update this listing",
    ):
        assert phrase in text, phrase
    assert "Your GP can refer you" not in text
    assert "paused" not in text.lower()
    assert "not been checked" not in text
    page = scan(walk_page)
    [h1] = page.find("h1")
    assert h1.attrs["data-pagefind-meta"] == "title"
    assert page.find("div", **{"class": "cm-activity", "data-pagefind-body": ""})
    assert "<strong>gentle pace</strong>" in walk_page  # the description is Markdown
    assert "<li>Wear comfy shoes</li>" in walk_page


def test_activity_links(walk_page: str) -> None:
    hrefs = [e.attrs["href"] for e in scan(walk_page).find("a")]
    assert "../../categories/physical-activity/" in hrefs
    assert "../../categories/nature-and-gardening/" in hrefs
    assert "../../find/?audience=older-people" in hrefs
    assert "../../areas/maidstone/" in hrefs
    assert "../../map/#activity=mote-park-health-walk" in hrefs
    assert "https://www.openstreetmap.org/directions?to=51.27050,0.54860" in hrefs
    assert "tel:01622000111" in hrefs
    assert "mailto:walks@example.org" in hrefs
    assert "https://walks.example.org/mote-park" in hrefs
    assert "https://walks.example.org" in hrefs
    edit = f"{REPO_URL}/edit/main/entries/maidstone/mote-park-health-walk.yml"
    assert edit in hrefs
    [report] = [h for h in hrefs if "/issues/new?" in h]
    parts = urlsplit(report)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{REPO_URL}/issues/new"
    query = parse_qs(parts.query, strict_parsing=True)
    # the "Report a problem" issue form, its listing_id field filled in
    assert query["template"] == ["report-a-problem.yml"]
    assert query["listing_id"] == ["mote-park-health-walk"]
    assert "Mote Park Health Walk" in query["title"][0]
    assert " " not in parts.query and "\n" not in parts.query  # all URL-encoded


def test_report_link_opens_the_generated_form_with_the_listing_id() -> None:
    settings = make_settings()
    entry = make_entry(id="a-b-c", name="A & B <c>")
    html = build([entry], settings)["activities/a-b-c.md"].html or ""
    [report] = [a.attrs["href"] for a in scan(html).find("a") if "/issues/new?" in a.attrs["href"]]
    query = parse_qs(urlsplit(report).query, strict_parsing=True)
    assert query["listing_id"] == ["a-b-c"]
    form = ROOT / ".github" / "ISSUE_TEMPLATE" / query["template"][0]
    fields = [e.get("id") for e in yaml.safe_load(form.read_text("utf-8"))["body"]]
    assert "listing_id" in fields  # the query names a real field of the committed form


def test_shortlist_button_is_the_contract_markup(walk_page: str) -> None:
    [button] = scan(walk_page).find("button")
    assert button.attrs == {
        "type": "button",
        "class": "cm-shortlist-btn md-button",
        "data-shortlist-id": "mote-park-health-walk",
        "hidden": "",
    }


def test_icons_are_hidden_from_assistive_technology_and_have_text(walk_page: str) -> None:
    svgs = scan(walk_page).find("svg")
    assert len(svgs) >= 5
    assert all(s.attrs.get("aria-hidden") == "true" for s in svgs)


def test_json_ld_describes_the_service(walk_page: str) -> None:
    [script] = [
        s for s in scan(walk_page).find("script") if s.attrs.get("type") == "application/ld+json"
    ]
    data = json.loads(script.text)
    assert data["@type"] == "Service"
    assert data["name"] == "Mote Park Health Walk"
    assert data["provider"] == {
        "@type": "Organization",
        "name": "Maidstone Walking Network",
        "url": "https://walks.example.org",
    }
    place = data["availableChannel"]["serviceLocation"]
    assert place["address"]["postalCode"] == "ME15 7RN"
    assert place["geo"] == {"@type": "GeoCoordinates", "latitude": 51.2705, "longitude": 0.5486}
    assert data["areaServed"] == [{"@type": "AdministrativeArea", "name": "Maidstone"}]


def test_pagefind_filters_and_id(walk_page: str) -> None:
    page = scan(walk_page)
    filters = [
        e.attrs["data-pagefind-filter"] for e in page.elements if "data-pagefind-filter" in e.attrs
    ]
    assert filters == [
        "category:physical-activity",
        "category:nature-and-gardening",
        "area:maidstone",
    ]
    assert page.find("span", data_pagefind_meta="id:mote-park-health-walk")


@pytest.mark.parametrize(
    ("changes", "shown", "absent"),
    [
        ({"cost": "paid", "cost_note": "£3 a session"}, "Cost Paid: £3 a session", "Cost Free"),
        ({"cost": "donation"}, "Cost Donation welcome", "Cost Free"),
        (
            {"booking": "booking-required", "referral": ["gp"]},
            "Booking required Your GP can refer you",
            "Drop in",
        ),
        ({"booking": "referral-only"}, "By referral only", "Drop in"),
        ({"age": {"min": 18, "max": 25}}, "Age 18 to 25", "16 and over"),
        ({"age": {"max": 11}}, "Age Up to 11", "16 and over"),
        ({"age": None}, "Cost Free", "Age"),
        (
            {"delivery": ["online", "telephone", "home-visit"], "location": None},
            "How it runs Online, By phone, Home visits",
            "View on map",
        ),
        ({"languages": ["en", "pl"]}, "Languages English, Polish", "Languages English Cost"),
        ({"areas": ["all"]}, "Serves the whole of Kent and Medway", "areas/maidstone"),
        (
            {"schedule": None, "schedule_note": None},
            "Contact the organiser for times",
            "Every Tuesday",
        ),
        ({"status": "paused"}, "This activity is paused at the moment", "not been checked"),
    ],
)
def test_activity_variants(changes: dict, shown: str, absent: str) -> None:
    html = build([make_entry(**changes)])["activities/mote-park-health-walk.md"].html or ""
    text = visible_text(html)
    assert shown in text
    assert absent not in text and absent not in html


def test_no_map_links_without_a_position() -> None:
    html = build([make_entry()], coords={})["activities/mote-park-health-walk.md"].html or ""
    assert "map/#activity=" not in html
    assert "openstreetmap.org/directions" not in html
    assert "Mote Park, Willow Way" in html


def test_stale_listing_warns(monkeypatch: pytest.MonkeyPatch) -> None:
    entry = make_entry(last_reviewed=dt.date(2025, 1, 1))
    monkeypatch.setenv(
        "SOURCE_DATE_EPOCH", str(int(dt.datetime(2026, 1, 2, tzinfo=dt.UTC).timestamp()))
    )
    text = visible_text(build([entry])["activities/mote-park-health-walk.md"].html or "")
    assert (
        "This listing has not been checked for over a year; contact the organiser before going."
    ) in text
    assert "Last checked on 1 January 2025" in text
    monkeypatch.setenv(
        "SOURCE_DATE_EPOCH", str(int(dt.datetime(2025, 12, 31, tzinfo=dt.UTC).timestamp()))
    )
    text = visible_text(build([entry])["activities/mote-park-health-walk.md"].html or "")
    assert "not been checked" not in text


def test_links_need_a_repo_url() -> None:
    settings = make_settings(repo_url="")
    object.__setattr__(settings, "repo_url", "")
    html = build([make_entry()], settings)["activities/mote-park-health-walk.md"].html or ""
    assert "Report a problem" not in html
    assert "/edit/" not in html


def test_page_source_is_safe_front_matter_and_a_stub() -> None:
    entry = make_entry(name='Tea & "Chat" <script>', summary="Said <b>so</b>")
    output = build([entry])["activities/mote-park-health-walk.md"]
    markdown, meta = get_data(str(output.content))
    assert meta["title"] == "Tea &amp; &#34;Chat&#34; &lt;script&gt;"
    assert meta["description"] == "Said &lt;b&gt;so&lt;/b&gt;"
    assert meta["hide"] == ["toc"]
    assert "<" not in markdown


# --- lists and home ------------------------------------------------------------------------


def _fleet() -> list:
    return [
        make_entry(id="walk-a", name="A Walk"),
        make_entry(
            id="choir-b",
            name="B Choir",
            categories=["arts-and-creativity"],
            areas=["ashford"],
            area_folder="ashford",
            status="paused",
        ),
        make_entry(
            id="helpline-c",
            name="C Helpline",
            categories=["physical-activity"],
            areas=["all"],
            area_folder="all",
            delivery=["telephone"],
            location=None,
        ),
        make_entry(id="closed-d", name="D Closed", status="closed"),
    ]


def test_every_published_entry_gets_a_page_and_closed_ones_none() -> None:
    out = build(_fleet())
    assert {p for p in out if p.startswith("activities/")} == {
        "activities/walk-a.md",
        "activities/choir-b.md",
        "activities/helpline-c.md",
    }


def test_category_pages_list_their_activities() -> None:
    out = build(_fleet())
    html = out["categories/physical-activity.md"].html or ""
    hrefs = [a.attrs["href"] for a in scan(html).find("a")]
    assert "../../activities/walk-a/" in hrefs and "../../activities/helpline-c/" in hrefs
    assert "../../activities/choir-b/" not in hrefs
    assert "../../find/?category=physical-activity" in hrefs
    text = visible_text(html)
    assert "2 activities" in text
    assert "Every Tuesday and Thursday, 10:00 to 10:45" in text
    assert "Across Kent and Medway" in text and "Maidstone" in text
    assert len(scan(html).find("h1")) == 1
    empty = out["categories/transport.md"].html or ""
    assert "No activities are listed here yet" in empty
    assert "Paused" in visible_text(out["categories/arts-and-creativity.md"].html or "")


def test_area_pages_add_region_wide_entries() -> None:
    out = build(_fleet())
    for area in ("maidstone", "ashford", "thanet"):
        html = out[f"areas/{area}.md"].html or ""
        assert "Across the region (1)" in visible_text(html)
        assert "../../activities/helpline-c/" in html
        assert f"../../find/?area={area}" in html
    maidstone = out["areas/maidstone.md"].html or ""
    assert "../../activities/walk-a/" in maidstone
    assert "../../activities/choir-b/" not in maidstone
    assert "In Maidstone (1)" in visible_text(maidstone)


def test_home_counts_search_and_links() -> None:
    out = build(_fleet())
    html = out["index.md"].html or ""
    page = scan(html)
    [form] = page.find("form")
    assert form.attrs["action"] == "find/" and form.attrs["role"] == "search"
    [field] = page.find("input")
    assert field.attrs["name"] == "q" and page.find("label", **{"for": field.attrs["id"]})
    tiles = re.findall(r'href="categories/([a-z-]+)/">.*?cm-tile__count">(\d+) activit', html)
    counts = dict(tiles)
    assert counts["physical-activity"] == "2"
    assert counts["arts-and-creativity"] == "1"
    assert counts["transport"] == "0"
    assert len(counts) == len(make_settings().vocabulary().categories)
    areas = dict(
        re.findall(r'href="areas/([a-z-]+)/">[^<]+</a> <span class="cm-count">\((\d+)', html)
    )
    assert areas["maidstone"] == "1" and areas["ashford"] == "1" and areas["thanet"] == "0"
    hrefs = {a.attrs["href"] for a in page.find("a")}
    assert {"map/", "providers/", "find/", "about/"} <= hrefs
    assert "1 service across the whole of Kent and Medway" in visible_text(html)
    assert "3 activities" in visible_text(html)


def test_about_page_names_the_third_parties_and_licences() -> None:
    settings = make_settings(postcode_lookup_url="https://postcodes.example.net/p/{postcode}")
    text = visible_text(build([make_entry()], settings)["about.md"].html or "")
    for phrase in (
        "no cookies",
        "no analytics",
        "local storage",
        "postcodes.example.net",
        "tile.openstreetmap.org",
        "Open Government Licence v3.0",
        "OpenStreetMap contributors",
        "Open Database Licence (ODbL)",
        "pull request",
        "at least once a year",
    ):
        assert phrase in text, phrase


# --- safety without validation -------------------------------------------------------------

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "</script><script>alert(1)</script>",
    "`${alert(1)}`",
    '"><svg onload=alert(1)>',
    "'><svg/onload=alert(1)>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
]
URLS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "java\tscript:alert(1)",
    "&#106;avascript:alert(1)",
    " javascript:alert(1)",
    "data:text/html,<b>x</b>",
    'https://x.example/"onmouseover="alert(1)',
    "https://x.example/ onclick=alert(1)",
]


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("url", URLS[:3])
def test_unvalidated_payloads_stay_inert(payload: str, url: str) -> None:
    text = f"Club {payload}"
    entry = make_entry(
        name=text,
        summary=text,
        schedule_note=text,
        cost="paid",
        cost_note=text,
        description=f"{text}\n\n[x]({url}) <{url}> {{: onclick=alert(1)}}\n\n{payload}",
        categories=["physical-activity", payload],
        audiences=["everyone", payload],
        areas=["maidstone", payload],
        accessibility=["step-free-access", payload],
        delivery=["in-person", payload],
        referral=["self", payload],
        languages=["en", payload],
        organisation={"name": text, "website": url, "charity_number": payload},
        contact={"phone": f"01622 {payload}", "email": f"{payload}@x.example", "website": url},
        location={
            "venue": text,
            "address": text,
            "town": text,
            "postcode": payload,
            "coordinates": {"lat": 51.27, "lon": 0.54},
        },
        status="paused",
    )
    out = build([entry])
    for output in out.values():
        if output.html is not None:
            assert live_payloads(output.html) == [], output.path
            assert "<svg onload" not in output.html and "<img" not in output.html
            hrefs = [a.attrs.get("href", "") for a in scan(output.html).find("a")]
            assert not any("script:" in h.lower().replace("\t", "") for h in hrefs)
    html = out["activities/mote-park-health-walk.md"].html or ""
    [script] = [
        s for s in scan(html).find("script") if s.attrs.get("type") == "application/ld+json"
    ]
    assert json.loads(script.text)["name"] == text  # intact data, inert markup
    assert text in visible_text(html)  # shown as text, exactly as written
    meta = get_data(str(out["activities/mote-park-health-walk.md"].content))[1]
    assert "<" not in meta["title"] and '"' not in meta["title"]


@pytest.mark.parametrize("url", URLS)
def test_only_http_links_become_links(url: str) -> None:
    entry = make_entry(
        organisation={"name": "Org", "website": url},
        contact={"website": url, "phone": "01622 000111"},
    )
    html = build([entry])["activities/mote-park-health-walk.md"].html or ""
    assert live_payloads(html) == []
    hrefs = [a.attrs["href"] for a in scan(html).find("a")]
    assert not any(h.startswith(("https://x.example", "data:")) for h in hrefs)


def test_ids_that_are_not_slugs_are_refused() -> None:
    with pytest.raises(ValueError, match="cannot be page names"):
        build([make_entry(id="../../etc/x")])
    with pytest.raises(ValueError):
        build([make_entry(id='x"><script>')])


def test_a_hostile_email_never_adds_recipients_to_the_mail_link() -> None:
    """Validation refuses it; were it published anyway, the page's link (built with quote)
    is the one the shortlist builds with encodeURIComponent: one recipient, nothing else."""
    hostile = "quit@clinic.example.org?cc=x%40evil.example&bcc=y@evil.example&body=hi"
    entry = make_entry(contact={"email": hostile, "phone": "01622 000111"})
    html = build([entry])["activities/mote-park-health-walk.md"].html or ""
    [href] = [e.attrs["href"] for e in scan(html).find("a") if "mailto:" in e.attrs["href"]]
    assert href == (
        "mailto:quit@clinic.example.org%3Fcc%3Dx%2540evil.example%26bcc%3Dy@evil.example"
        "%26body%3Dhi"
    )
