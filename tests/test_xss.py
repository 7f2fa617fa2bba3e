"""Hostile entries (tests/data/xss/): each is refused by validation or builds into inert pages.

Two sites are built from the fixtures: one through the real pipeline (only what validation
accepts is published), and one with validation switched off, so the page generators and the
theme templates are shown safe on their own. Every HTML file of both is parsed for live
script, and every page is opened in Chromium, which must not show a dialog.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import pytest
from pages_fixtures import (
    DATA,
    ROOT,
    BuiltSite,
    copy_entries,
    known_inline_scripts,  # noqa: F401 - a fixture
    live_payloads,
    mkdocs_build,
    scan,
    serve,
    with_browser,
    write_config,
)

from build_tools import build as site_module
from build_tools.entries.loader import load_paths
from build_tools.entries.model import Entry, Problem
from build_tools.entries.validate import validate_entries
from build_tools.settings import from_options

XSS = DATA / "xss"
FILES = sorted(XSS.glob("*.yml"))
# What must happen to each fixture, fixed per payload: "refused" by validation (an error
# naming the file), or "inert" (accepted, and built into a page with no live script).
EXPECTED = {
    "xss-angle-in-url": "refused",
    "xss-attr-list": "refused",
    "xss-data-url": "refused",
    "xss-entity-script": "refused",
    "xss-front-matter": "refused",
    "xss-img-onerror": "refused",
    "xss-jinja": "refused",
    "xss-js-url": "refused",
    "xss-js-url-entity": "refused",
    "xss-js-url-mixed-case": "refused",
    "xss-js-url-newline": "refused",
    "xss-js-url-space": "refused",
    "xss-js-url-tab": "refused",
    "xss-line-separator": "refused",
    "xss-quote-in-url": "refused",
    "xss-script": "refused",
    "xss-script-breakout": "refused",
    "xss-single-quote": "refused",
    "xss-subtle-attr-list": "inert",
    "xss-subtle-entities": "inert",
    "xss-subtle-jinja": "inert",
    "xss-subtle-quotes": "inert",
    "xss-subtle-template": "inert",
    "xss-svg-onload": "refused",
    "xss-template-literal": "refused",
    "xss-textarea-breakout": "refused",
    "xss-title-breakout": "refused",
}
SITE_NAME = "Community Map – Kent and Medway"
pytestmark = pytest.mark.slow


def _entries() -> list[Entry]:
    entries, problems = load_paths([XSS], base=ROOT)
    assert problems == [], [p.format() for p in problems]
    assert len(entries) == len(FILES)
    return entries


@pytest.fixture(scope="module")
def verdicts() -> dict[str, list[Problem]]:
    """File name -> the errors validation reports for it (empty: accepted)."""
    settings = from_options({"schema_dir": str(ROOT / "schema")}, ROOT)
    entries = _entries()
    errors = [p for p in validate_entries(entries, settings) if p.severity == "error"]
    return {Path(e.path).name: [p for p in errors if p.path == e.path] for e in entries}


@pytest.fixture(scope="module")
def accepted_site(
    tmp_path_factory: pytest.TempPathFactory, verdicts: dict[str, list[Problem]]
) -> BuiltSite:
    """The real build (validation on) of the fixtures validation accepts."""
    accepted = [f for f in FILES if not verdicts[f.name]]
    assert accepted, "validation refuses every fixture: the inert ones must build"
    folder = tmp_path_factory.mktemp("xss-accepted")
    # hide_after_days=0: fixtures dated long ago still get their pages (and stale notices)
    config = write_config(folder, copy_entries(accepted, folder / "entries"), hide_after_days=0)
    result = mkdocs_build(config, folder / "site")
    assert result.returncode == 0, result.stdout + result.stderr
    return BuiltSite(folder / "site", result.stderr)


@pytest.fixture(scope="module")
def unvalidated_site(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    """Every fixture published as if validation had let it through (in-process build)."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    folder = tmp_path_factory.mktemp("xss-unvalidated")
    config = write_config(folder, XSS, hide_after_days=0)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(site_module, "validate_entries", lambda *args, **kwargs: [])
        build(load_config(config_file=str(config), site_dir=str(folder / "site")))
    return BuiltSite(folder / "site", "")


def test_every_fixture_has_its_outcome_fixed() -> None:
    assert sorted(f.stem for f in FILES) == sorted(EXPECTED)
    assert {"refused", "inert"} == set(EXPECTED.values())


@pytest.mark.parametrize("file", FILES, ids=lambda f: f.stem)
def test_validation_gives_each_payload_its_fixed_outcome(
    file: Path, verdicts: dict[str, list[Problem]]
) -> None:
    errors = verdicts[file.name]
    if EXPECTED[file.stem] == "refused":
        assert errors, f"{file.name} was meant to be refused, and validation accepts it"
        # refused for the payload itself (HTML, a bad link), not only for a side issue
        assert {p.code for p in errors} & {"html", "link", "characters"}, errors
    else:
        assert errors == [], [p.format() for p in errors]


def test_the_fixtures_cover_the_payloads() -> None:
    text = "\n".join(f.read_text(encoding="utf-8") for f in FILES)
    for payload in (
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "</script><script>alert(1)</script>",
        "${alert(1)}",
        '"><svg onload=alert(1)>',
        "JaVaScRiPt:",
        "java\\tscript:",
        "&#106;avascript:",
        "' javascript:",
        "[x](javascript:alert(1))",
        "{: onclick=alert(1)}",
    ):
        assert payload in text, payload


@pytest.mark.parametrize("file", FILES, ids=lambda f: f.stem)
def test_each_payload_is_refused_or_inert(
    file: Path,
    verdicts: dict[str, list[Problem]],
    accepted_site: BuiltSite,
    unvalidated_site: BuiltSite,
    known_inline_scripts: frozenset[str],  # noqa: F811
) -> None:
    known = known_inline_scripts
    page = f"activities/{file.stem}/index.html"
    errors = verdicts[file.name]
    if EXPECTED[file.stem] == "refused":  # it names the file and is left off the real site
        assert errors and all(p.path.endswith(file.name) and p.message for p in errors)
        assert not (accepted_site.root / page).exists()
    else:
        assert errors == []
        html_text = (accepted_site.root / page).read_text(encoding="utf-8")
        assert live_payloads(html_text, known) == []
    # and the pages are safe on their own, even had validation let it through
    html_text = (unvalidated_site.root / page).read_text(encoding="utf-8")
    assert live_payloads(html_text, known) == []


def test_a_real_build_with_every_fixture_fails_and_names_them(
    tmp_path: Path,
    verdicts: dict[str, list[Problem]],
) -> None:
    refused = [f.name for f in FILES if EXPECTED[f.stem] == "refused"]
    assert refused and all(verdicts[name] for name in refused)
    config = write_config(tmp_path, XSS)
    result = mkdocs_build(config, tmp_path / "site")
    assert result.returncode != 0
    for name in refused:
        assert name in result.stdout + result.stderr, name
    assert not (tmp_path / "site" / "activities").exists()


def _html_files(*sites: BuiltSite | None) -> list[Path]:
    return [f for s in sites if s is not None for f in s.html_files()]


def test_no_page_of_either_site_has_live_script(
    accepted_site: BuiltSite | None,
    unvalidated_site: BuiltSite,
    known_inline_scripts: frozenset[str],  # noqa: F811
) -> None:
    files = _html_files(accepted_site, unvalidated_site)
    assert len(files) > len(FILES)
    problems = {
        str(f): live_payloads(f.read_text(encoding="utf-8"), known_inline_scripts) for f in files
    }
    assert {k: v for k, v in problems.items() if v} == {}


def test_structured_data_stays_data(unvalidated_site: BuiltSite) -> None:
    for file in FILES:
        text = unvalidated_site.page(f"activities/{file.stem}/")
        blocks = [
            s for s in scan(text).find("script") if s.attrs.get("type") == "application/ld+json"
        ]
        assert len(blocks) == 1, file.stem
        data = json.loads(blocks[0].text)
        assert data["name"].startswith("Club ")
        assert "</script" not in blocks[0].text.lower()


def test_titles_show_the_name_as_text_neither_live_nor_escaped_twice(
    unvalidated_site: BuiltSite,
) -> None:
    entries = {e.id: e for e in _entries()}
    for entry_id, entry in entries.items():
        page = unvalidated_site.page(f"activities/{entry_id}/")
        name = re.sub(r"[\s\u2028\u2029]+", " ", entry.name).strip()
        [title] = re.findall(r"<title>(.*?)</title>", page, re.S)
        assert "<" not in title and '"' not in title
        assert html.unescape(title.strip()) == f"{name} - {SITE_NAME}"
        [description] = re.findall(r'<meta name="description" content="([^"]*)">', page)
        assert (
            html.unescape(description) == re.sub(r"[\s\u2028\u2029]+", " ", entry.summary).strip()
        )
        topic = page.split('data-md-component="header-topic"', 1)[1].split("</span>", 1)[0]
        assert html.unescape(re.sub(r"<[^>]+>", "", topic)).strip().endswith(name)


@pytest.mark.browser
def test_no_dialog_opens_in_a_browser(
    accepted_site: BuiltSite | None,
    unvalidated_site: BuiltSite,
) -> None:
    with_browser(lambda browser: _visit_all(browser, [accepted_site, unvalidated_site]))


def _visit_all(browser: Any, sites: list[BuiltSite | None]) -> None:
    ids = json.dumps([f.stem for f in FILES])
    dialogs: list[str] = []

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    for built in sites:
        if built is None:
            continue
        with serve(built.root) as base:
            context = browser.new_context()
            # a shortlist holding every hostile entry, so the shortlist page renders them
            context.add_init_script(
                f"localStorage.setItem('community-map:shortlist', {json.dumps(ids)});"
            )
            context.route(re.compile(r"^(?!http://127\.0\.0\.1)"), lambda route: route.abort())
            page = context.new_page()
            page.on("dialog", on_dialog)
            for file in built.html_files():
                if "xss-" not in file.read_text(encoding="utf-8"):
                    continue  # shows no hostile entry (an empty category, say)
                path = file.relative_to(built.root).as_posix()
                url = base + (path[: -len("index.html")] if path.endswith("index.html") else path)
                seen = len(dialogs)
                page.goto(url, wait_until="load")
                for button in page.query_selector_all("button.cm-shortlist-btn"):
                    if button.is_visible():
                        button.click()
                page.wait_for_timeout(30)
                assert len(dialogs) == seen, f"a dialog opened on {url}: {dialogs[seen:]}"
            for query in ("alert", "script", "Club"):
                page.goto(base + f"find/?q={query}", wait_until="load")
                page.wait_for_timeout(300)
            page.goto(base + "shortlist/", wait_until="load")
            page.wait_for_timeout(300)
            context.close()
            assert dialogs == []


def test_template_syntax_in_provider_text_is_never_evaluated(
    accepted_site: BuiltSite | None,
    unvalidated_site: BuiltSite,
) -> None:
    for built in (accepted_site, unvalidated_site):
        if built is None:
            continue
        page = built.page("activities/xss-subtle-jinja/")
        assert "Tea {{ 7*7 }} {% if true %}chat{% endif %} {# note #}" in html.unescape(page)
        for file in built.root.rglob("*"):
            if file.suffix in {".html", ".json", ".js", ".csv", ".txt", ".xml", ".geojson"}:
                assert "Tea 49" not in file.read_text(encoding="utf-8", errors="replace"), file
