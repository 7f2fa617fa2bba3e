"""The sample site end to end: the real entries/ and mkdocs.yml, built with `--strict`.

Checks pages, counts and links in the written HTML, then opens pages in Chromium for what
only a browser shows: requests made, the skip link, the search form and axe-core's WCAG 2.2
AA rules.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections import Counter
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from pages_fixtures import (
    ROOT,
    BuiltSite,
    known_inline_scripts,  # noqa: F401 - a fixture
    live_payloads,
    sample_site,  # noqa: F401 - a fixture
    scan,
    serve,
    with_browser,
)

from build_tools.entries.loader import load_paths
from build_tools.outputs import page_url
from build_tools.settings import _TolerantLoader, load_settings
from build_tools.site import csp, inline_scripts

pytestmark = pytest.mark.slow
AXE = Path(__import__("axe_playwright_python").__file__).parent / "axe.min.js"


@pytest.fixture(scope="module")
def entries() -> list:
    settings = load_settings(ROOT / "mkdocs.yml")
    found, problems = load_paths([settings.entries_dir], base=settings.root)
    assert not [p for p in problems if p.severity == "error"]
    return found


@pytest.fixture(scope="module")
def site(sample_site: BuiltSite) -> BuiltSite:  # noqa: F811 - the imported fixture
    return sample_site


def _pages(site: BuiltSite) -> list[Path]:
    return [f for f in site.html_files() if "/assets/" not in f.as_posix()]


def test_the_strict_build_passed(site: BuiltSite) -> None:
    assert "Documentation built" in site.log
    assert "WARNING" not in site.log


def test_one_page_per_published_entry_and_none_for_closed(site: BuiltSite, entries) -> None:
    built = {p.parent.name for p in (site.root / "activities").glob("*/index.html")}
    published = {e.id for e in entries if e.published}
    closed = {e.id for e in entries if e.status == "closed"}
    assert closed, "the sample data should include a closed entry"
    assert built == published
    assert not built & closed


def test_home_counts_match_the_entries(site: BuiltSite, entries) -> None:
    home = site.page("")
    published = [e for e in entries if e.published]
    by_category = Counter(c for e in published for c in e.categories)
    shown = dict(
        re.findall(r'href="categories/([a-z0-9-]+)/">.*?cm-tile__count">(\d+) activit', home)
    )
    vocabulary = load_settings(ROOT / "mkdocs.yml").vocabulary()
    assert set(shown) == set(vocabulary.categories)
    assert {k: int(v) for k, v in shown.items()} == {
        c: by_category.get(c, 0) for c in vocabulary.categories
    }
    by_area = Counter(a for e in published for a in e.areas if a != "all")
    areas = dict(
        re.findall(
            r'href="areas/([a-z0-9-]+)/">[^<]+</a> '
            r'<span class="cm-count">\((\d+)\)',
            home,
        )
    )
    assert {k: int(v) for k, v in areas.items()} == {a: by_area.get(a, 0) for a in vocabulary.areas}
    regional = sum(1 for e in published if "all" in e.areas)
    for area in vocabulary.areas:
        page = site.page(f"areas/{area}/")
        assert page.count('<li><a href="../../activities/') == by_area.get(area, 0) + regional
    for category in vocabulary.categories:
        page = site.page(f"categories/{category}/")
        assert page.count('<li><a href="../../activities/') == by_category.get(category, 0)


def test_every_internal_link_resolves(site: BuiltSite) -> None:
    broken = []
    checked = 0
    for file in _pages(site):
        here = file.relative_to(site.root).parent.as_posix()
        for el in scan(file.read_text(encoding="utf-8")).elements:
            for attr in ("href", "src", "action"):
                url = el.attrs.get(attr)
                if url is None or el.attrs.get("rel") == "canonical":
                    continue
                parts = urlsplit(url)
                if parts.scheme or url.startswith(("//", "#")) or not (parts.path or url == ""):
                    continue
                # the 404 page links from the site root (site_url's path is "/")
                base = "" if parts.path.startswith("/") else here
                target = posixpath.normpath(posixpath.join(base, parts.path.lstrip("/")))
                path = site.root / target
                if parts.path.endswith("/") or path.is_dir():
                    path = path / "index.html"
                checked += 1
                if not path.is_file():
                    broken.append(f"{file.relative_to(site.root)}: {attr}={url}")
    assert checked > 1000
    assert broken == []


class _NavLinks(HTMLParser):
    """Links inside the site navigation (Material's tabs and primary sidebar)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        site_nav = "md-tabs" in classes or "md-nav--primary" in classes
        if tag == "nav" and (site_nav or self.depth):
            self.depth += 1
        if tag == "a" and self.depth:
            self._href, self._text = a.get("href") or "", ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav" and self.depth:
            self.depth -= 1
        if tag == "a" and self._href is not None:
            self.links.append((self._href, " ".join(self._text.split())))
            self._href = None

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text += data


def _nav_urls() -> set[str]:
    """The site paths of the pages mkdocs.yml puts in the nav."""
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_TolerantLoader)

    def walk(items: object) -> list[str]:
        found: list[str] = []
        for item in items if isinstance(items, list) else [items]:
            if isinstance(item, dict):
                for value in item.values():
                    found += walk(value)
            elif isinstance(item, str) and item.endswith(".md"):
                found.append(page_url(item))
        return found

    return set(walk(config["nav"]))


def test_activity_pages_are_not_in_the_navigation(site: BuiltSite) -> None:
    nav = _nav_urls()
    assert "activities/mote-park-health-walk/" not in nav
    samples = [
        "",
        "activities/mote-park-health-walk/",
        "categories/physical-activity/",
        "areas/maidstone/",
        "about/",
    ]
    for path in samples:
        parser = _NavLinks()
        parser.feed(site.page(path))
        targets = set()
        for href, _ in parser.links:
            parts = urlsplit(href)
            if parts.scheme:
                continue  # the repository link
            target = posixpath.normpath(posixpath.join(path, parts.path)) + "/"
            targets.add("" if target == "./" else target)
        assert targets, path
        assert targets <= nav, (path, targets - nav)
        assert not [t for t in targets if t.startswith(("activities/", "categories/", "areas/"))]


def test_every_page_is_british_english_and_activity_pages_are_searchable(site: BuiltSite) -> None:
    for file in _pages(site):
        head = file.read_text(encoding="utf-8")[:400]
        assert '<html lang="en-GB"' in head, file
    activity = site.page("activities/mote-park-health-walk/")
    assert "data-pagefind-body" in activity
    assert "data-pagefind-body" not in site.page("categories/physical-activity/")
    [title] = re.findall(r"<title>(.*?)</title>", activity)
    assert unescape(title) == "Mote Park Health Walk - Community Map – Kent and Medway"
    [ld] = [
        s for s in scan(activity).find("script") if s.attrs.get("type") == "application/ld+json"
    ]
    assert json.loads(ld.text)["name"] == "Mote Park Health Walk"


def test_no_third_party_request_in_the_html(site: BuiltSite) -> None:
    loads = {
        "script": "src",
        "img": "src",
        "iframe": "src",
        "source": "src",
        "video": "src",
        "audio": "src",
        "embed": "src",
        "object": "data",
    }
    offenders = []
    for file in _pages(site):
        text = file.read_text(encoding="utf-8")
        for el in scan(text).elements:
            urls = []
            if el.tag in loads and loads[el.tag] in el.attrs:
                urls.append(el.attrs[loads[el.tag]])
            if el.tag == "link" and el.attrs.get("rel") not in ("canonical", "alternate"):
                urls.append(el.attrs.get("href", ""))
            urls += re.findall(r"url\(\s*['\"]?([^)'\"]+)", el.attrs.get("style", ""))
            offenders += [
                f"{file.relative_to(site.root)}: <{el.tag}> {u}"
                for u in urls
                if re.match(r"^([a-z][a-z0-9+.-]*:)?//", u, re.I)
            ]
        offenders += [
            f"{file}: inline @import/url"
            for m in re.finditer(r"<style[^>]*>(.*?)</style>", text, re.S)
            if re.search(r"url\(\s*['\"]?(https?:)?//", m.group(1))
        ]
    for css in site.root.rglob("*.css"):
        for url in re.findall(r"url\(\s*['\"]?((?:https?:)?//[^)'\"]+)", css.read_text()):
            offenders.append(f"{css.relative_to(site.root)}: {url}")
    assert offenders == []


def test_no_inline_handlers_or_script_urls(
    site: BuiltSite,
    known_inline_scripts: frozenset[str],  # noqa: F811
) -> None:
    """The contract: no `on*=` attributes, no `javascript:` links, scripts from assets/, and
    inline scripts only from the reviewed list (site_overrides/inline-scripts.json)."""
    assert len(known_inline_scripts) <= 12  # a handful of fixed snippets, not one per page
    assert live_payloads("<script>alert(1)</script>", known_inline_scripts)  # the check bites
    found = {
        str(f.relative_to(site.root)): live_payloads(
            f.read_text(encoding="utf-8"), known_inline_scripts
        )
        for f in site.html_files()
    }
    assert {k: v for k, v in found.items() if v} == {}
    # and the list holds nothing the site no longer ships (each entry is a live allowance)
    used = {
        inline_scripts.csp_hash(el.text)
        for f in site.html_files()
        for el in scan(f.read_text(encoding="utf-8")).find("script")
        if "src" not in el.attrs and el.attrs.get("type", "") not in inline_scripts.DATA_TYPES
    }
    assert used == set(known_inline_scripts)


def test_every_html_file_carries_one_content_security_policy_first_in_its_head(
    site: BuiltSite,
    known_inline_scripts: frozenset[str],  # noqa: F811
) -> None:
    """Pages, 404.html and the map's frame alike: exactly one policy, before any script or
    stylesheet, allowing exactly the reviewed inline scripts that file carries."""
    settings = load_settings(ROOT / "mkdocs.yml")
    expected = csp.policy(settings, known_inline_scripts)
    files = site.html_files()
    assert {"404.html", "assets/map/frame.html", "index.html"} <= {
        f.relative_to(site.root).as_posix() for f in files
    }
    wrong = []
    for file in files:
        name = file.relative_to(site.root).as_posix()
        html = file.read_text(encoding="utf-8")
        found = csp.policies(html)
        if len(found) != 1:
            wrong.append(f"{name}: {len(found)} policies")
            continue
        elements = scan(html).elements
        head = [e for e in elements if e.tag not in ("html", "head")]
        first = next(i for i, e in enumerate(head) if e.attrs.get("http-equiv") == csp.META_NAME)
        before = [e for e in head[:first] if not _declares_charset(e)]
        if before or elements[1].tag != "head":
            wrong.append(f"{name}: {[e.tag for e in before]} before the policy")
        scripts = {inline_scripts.csp_hash(t) for t in csp.inline_scripts(html)}
        styles = [inline_scripts.csp_hash(e.text) for e in scan(html).find("style")]
        if found[0] != expected.directives(scripts & known_inline_scripts, styles):
            wrong.append(f"{name}: {found[0]}")
    assert wrong == []


def _declares_charset(element: Any) -> bool:
    return element.tag == "meta" and (
        "charset" in element.attrs or element.attrs.get("http-equiv", "").lower() == "content-type"
    )


def test_no_empty_tabindex_on_any_page(site: BuiltSite) -> None:
    """The W3C checker's one error in our markup: Material writes `tabindex=""` on the label
    of an expanded navigation section (About's, on the About page). It is removed, and the
    label itself, which names the section's navigation, stays."""
    about = site.page("about/")
    assert re.search(r'<label class="md-nav__link" for="__nav_\d+" id="__nav_\d+_label"', about)
    offenders = [
        path.relative_to(site.root).as_posix()
        for path in site.html_files()
        if re.search(r'tabindex=""', path.read_text("utf-8"))
    ]
    assert offenders == []


def test_pages_stay_light(site: BuiltSite) -> None:
    sizes = {
        f.parent.name: f.stat().st_size for f in (site.root / "activities").glob("*/index.html")
    }
    assert max(sizes.values()) < 32_000, max(sizes.items(), key=lambda kv: kv[1])
    assert (site.root / "index.html").stat().st_size < 40_000


# --- in a browser --------------------------------------------------------------------------

BROWSER_PAGES = [
    "",
    "activities/mote-park-health-walk/",
    "activities/allington-stroke-club/",
    "categories/physical-activity/",
    "areas/maidstone/",
    "about/",
]


@pytest.mark.browser
def test_in_a_browser(site: BuiltSite) -> None:
    with serve(site.root) as base:
        with_browser(lambda browser: _browse(browser, base))


def _browse(browser: Any, base: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    context.on("request", lambda r: requests.append(r.url))
    context.route(re.compile(r"^(?!http://127\.0\.0\.1)"), lambda route: route.abort())
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    # the skip link is the first stop, shows itself, and moves focus to the content
    page.goto(base + "activities/mote-park-health-walk/")
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "() => { const a = document.activeElement; return [a.className, a.getAttribute('href'),"
        " a.textContent.trim()]; }"
    )
    assert focused[0].split()[0] == "md-skip"
    assert focused[1:] == ["#cm-main", "Skip to main content"]
    page.wait_for_timeout(400)
    assert page.evaluate("() => getComputedStyle(document.activeElement).opacity") == "1"
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "cm-main"

    # the home page's search box works as a plain form: it opens the finder with q
    page.goto(base)
    page.fill("input[name=q]", "walk")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/find/\?q=walk$"))

    for path in BROWSER_PAGES:
        for width in (1280, 375):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(base + path, wait_until="load")
            page.evaluate(AXE.read_text(encoding="utf-8"))
            result = page.evaluate(
                "() => axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a',"
                " 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})"
            )
            violations = [
                (v["id"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]
            ]
            assert violations == [], (path, width, violations)
    context.close()
    assert [u for u in requests if not u.startswith(base)] == []
    assert errors == []
