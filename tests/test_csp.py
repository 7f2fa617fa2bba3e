"""The Content Security Policy (build_tools/site/csp.py): what it allows, from which
settings, and where the meta goes; then a real build for another region's tile host and
postcode service."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pages_fixtures import ROOT, mkdocs_build, scan, write_config

from build_tools.settings import from_options, load_settings
from build_tools.site import csp, inline_scripts

KENT = load_settings(ROOT / "mkdocs.yml")
REVIEWED = inline_scripts.hashes(ROOT)
LEEDS = from_options(
    {
        "region": {
            "name": "Leeds",
            "country": "gb",
            "centre": {"lat": 53.8, "lon": -1.55},
            "bounds": [{"lat": 53.69, "lon": -1.8}, {"lat": 53.95, "lon": -1.29}],
        },
        "tiles": {"url": "https://{s}.tiles.leeds-maps.example/base/{z}/{x}/{y}{r}.png"},
        "postcode_lookup_url": "https://lookup.leeds.example:8443/v2/postcodes/{postcode}",
    },
    ROOT,
    site_name="Community Map – Leeds",
)
PAGE = """<!doctype html>
<html lang="en-GB">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width">
    <style>:root { --c: #005c63; }</style>
    <script>var reviewed = 1;</script>
    <script>alert("injected")</script>
    <script type="application/json" id="cfg">{"a": 1}</script>
    <script type="application/ld+json">{"@type": "Service"}</script>
    <script src="assets/js/menu.js"></script>
  </head>
  <body><p style="text-align: right;">x</p></body>
</html>
"""
REVIEWED_IN_PAGE = inline_scripts.csp_hash("var reviewed = 1;")
INJECTED = inline_scripts.csp_hash('alert("injected")')


def directives(html: str) -> dict[str, list[str]]:
    [text] = csp.policies(html)
    return csp.parse(text)


def test_the_kent_policy_allows_the_site_its_tile_host_and_postcode_service_only() -> None:
    policy = csp.policy(KENT, REVIEWED)
    d = csp.parse(policy.directives())
    assert d["default-src"] == ["'self'"]
    assert d["script-src"] == ["'self'", "'wasm-unsafe-eval'", "'report-sample'"]
    assert d["img-src"] == ["'self'", "data:", "https://tile.openstreetmap.org"]
    assert d["connect-src"] == ["'self'", "https://api.postcodes.io"]
    assert d["frame-src"] == d["worker-src"] == d["base-uri"] == d["form-action"] == ["'self'"]
    assert d["object-src"] == ["'none'"]
    assert d["style-src-elem"] == ["'self'", "'report-sample'"]
    assert d["style-src-attr"] == ["'unsafe-inline'"]


def test_another_region_gets_its_own_hosts_from_its_settings() -> None:
    text = csp.policy(LEEDS, REVIEWED).directives()
    d = csp.parse(text)
    # {s} is Leaflet's subdomain placeholder: every subdomain of the tile host, no more
    assert d["img-src"] == ["'self'", "data:", "https://*.tiles.leeds-maps.example"]
    assert d["connect-src"] == ["'self'", "https://lookup.leeds.example:8443"]
    assert "openstreetmap" not in text and "postcodes.io" not in text


def test_self_hosted_tiles_and_no_postcode_service_add_nothing() -> None:
    settings = from_options(
        {"tiles": {"url": "../tiles/{z}/{x}/{y}.png"}, "postcode_lookup_url": ""}, ROOT
    )
    d = csp.parse(csp.policy(settings, REVIEWED).directives())
    assert d["img-src"] == ["'self'", "data:"]
    assert d["connect-src"] == ["'self'"]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://tile.example.org/{z}/{x}/{y}.png", "https://tile.example.org"),
        ("https://{s}.tile.example.org/{z}/{x}/{y}.png", "https://*.tile.example.org"),
        ("HTTPS://Tiles.Example.org:8080/{z}.png?key=abc", "https://tiles.example.org:8080"),
        ("//tiles.example.org/{z}/{x}/{y}.png", "tiles.example.org"),
        ("/tiles/{z}/{x}/{y}.png", None),
        ("", None),
    ],
)
def test_a_configured_url_becomes_a_source(url: str, expected: str | None) -> None:
    assert csp.source(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "ftp://tiles.example.org/{z}/{x}/{y}.png",
        "https://tiles.{s}.example.org/{z}/{x}/{y}.png",  # a wildcard only as the first label
        "https://tiles.example.org;script-src*/{z}",
        'https://tiles.example.org"onload=x/{z}',
        "https://tiles.example.org:port/{z}",
        "javascript://tiles.example.org/%0aalert(1)",
    ],
)
def test_a_url_a_policy_cannot_name_safely_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match=r"tiles\.url"):
        csp.source(url, "tiles.url")


def test_only_reviewed_inline_scripts_are_allowed_never_unsafe_inline() -> None:
    policy = csp.policy(KENT, {REVIEWED_IN_PAGE, *REVIEWED})
    result = csp.secure(PAGE, policy)
    d = directives(result.html)
    assert f"'{REVIEWED_IN_PAGE}'" in d["script-src"]
    assert f"'{INJECTED}'" not in d["script-src"]
    # only the hashes this page carries, not every reviewed script of the site
    assert [s for s in d["script-src"] if s.startswith("'sha256-")] == [f"'{REVIEWED_IN_PAGE}'"]
    for name in ("script-src", "default-src"):
        assert "'unsafe-inline'" not in d[name] and "'unsafe-eval'" not in d[name]
    assert "script-src-attr" not in d and "script-src-elem" not in d  # script-src rules all
    assert result.unreviewed == (INJECTED,)  # the build reports it
    # the page's <style> by its hash; style attributes are allowed (see the module)
    assert f"'{inline_scripts.csp_hash(':root { --c: #005c63; }')}'" in d["style-src-elem"]
    assert "'unsafe-inline'" not in d["style-src-elem"]


def test_data_blocks_and_external_scripts_are_not_hashed() -> None:
    assert csp.inline_scripts(PAGE) == ["var reviewed = 1;", 'alert("injected")']
    quoted = (
        '<script type="module">import("./a.js")</script><script type=text/javascript>1</script>'
    )
    assert csp.inline_scripts(quoted) == ['import("./a.js")', "1"]


def test_the_meta_comes_first_in_head_after_the_character_set_only() -> None:
    html = csp.secure(PAGE, csp.policy(KENT, REVIEWED)).html
    head = [e for e in scan(html).elements if e.tag not in ("html", "head")][:3]
    assert head[0].tag == "meta" and "charset" in head[0].attrs
    assert head[1].attrs.get("http-equiv") == "Content-Security-Policy"
    assert head[2].attrs.get("name") == "viewport"
    # within the first 1,024 bytes, so the browser still finds the character set early
    assert html.index("charset") < 1024
    # without a character-set declaration, the policy is the very first element
    bare = "<html><head><script src='a.js'></script></head><body></body></html>"
    secured = csp.secure(bare, csp.policy(KENT, REVIEWED)).html
    assert secured.startswith('<html><head>\n<meta http-equiv="Content-Security-Policy"')
    # Folium's frame declares it with http-equiv
    frame = (
        '<html><head>\n  <meta http-equiv="content-type" content="text/html; charset=UTF-8" />'
        '\n<script src="x.js"></script></head></html>'
    )
    tags = [e.attrs for e in scan(csp.secure(frame, csp.Policy()).html).find("meta")]
    assert [t["http-equiv"] for t in tags] == ["content-type", "Content-Security-Policy"]


def test_securing_twice_leaves_exactly_one_policy_and_the_meta_round_trips() -> None:
    policy = csp.policy(LEEDS, REVIEWED)
    once = csp.secure(PAGE, policy).html
    twice = csp.secure(once, policy).html
    assert twice == once
    assert len(csp.policies(twice)) == 1
    assert csp.policies(once) == [policy.directives(styles=[csp_style(PAGE)])]


def csp_style(html: str) -> str:
    [text] = re.findall(r"<style>(.*?)</style>", html, re.S)
    return inline_scripts.csp_hash(text)


def test_a_document_without_head_is_refused() -> None:
    with pytest.raises(ValueError, match="<head>"):
        csp.secure("<p>no head</p>", csp.Policy())


def test_secure_tree_gives_other_html_its_policy_and_leaves_pages_alone(tmp_path: Path) -> None:
    policy = csp.policy(KENT, REVIEWED)
    page = tmp_path / "index.html"
    page.write_text(csp.secure(PAGE, policy).html, encoding="utf-8")
    before = page.read_bytes()
    frame = tmp_path / "assets" / "map" / "frame.html"
    frame.parent.mkdir(parents=True)
    frame.write_text("<html><head></head><body><script>go()</script></body></html>")
    unknown = csp.secure_tree(tmp_path, policy)
    assert page.read_bytes() == before
    assert len(csp.policies(frame.read_text())) == 1
    assert unknown == {"assets/map/frame.html": (inline_scripts.csp_hash("go()"),)}


def test_unreviewed_scripts_are_reported_once_each_with_a_page() -> None:
    report = csp.Unreviewed()
    report.add("a/index.html", ["sha256-x"])
    report.add("b/index.html", ["sha256-x", "sha256-y"])
    report.add("c/index.html", [])
    [x, y] = report.messages()
    assert x.startswith("a/index.html and 1 other page(s): ") and "sha256-x" in x
    assert inline_scripts.FILE in x
    assert y.startswith("b/index.html: ") and "sha256-y" in y


@pytest.mark.slow
def test_a_build_for_another_tile_host_and_postcode_service(tmp_path: Path) -> None:
    """No code changes: another tile host and postcode service in mkdocs.yml give every page
    and the map's frame a policy naming them, and the build says which inline script (the
    map's, which follows the tiles) needs reviewing before the policy lets it run."""
    entries = tmp_path / "entries"
    entries.mkdir()
    for name in ("maidstone/mote-park-health-walk.yml", "ashford/ashford-parkinsons-singing.yml"):
        (entries / Path(name).name).write_bytes((ROOT / "entries" / name).read_bytes())
    config = write_config(
        tmp_path,
        entries,
        tiles={"url": "https://{s}.tiles.leeds-maps.example/{z}/{x}/{y}.png"},
        postcode_lookup_url="https://lookup.leeds.example/v2/postcodes/{postcode}",
    )
    site = tmp_path / "site"
    proc = mkdocs_build(config, site)
    assert proc.returncode == 0, proc.stderr
    files = sorted(site.rglob("*.html"))
    assert len(files) > 20
    for file in files:
        [text] = csp.policies(file.read_text(encoding="utf-8"))
        d = csp.parse(text)
        assert d["img-src"] == ["'self'", "data:", "https://*.tiles.leeds-maps.example"], file
        assert d["connect-src"] == ["'self'", "https://lookup.leeds.example"], file
    frame = (site / "assets/map/frame.html").read_text(encoding="utf-8")
    [script] = csp.inline_scripts(frame)
    assert "leeds-maps" in script
    digest = inline_scripts.csp_hash(script)
    assert digest not in REVIEWED
    assert f"'{digest}'" not in frame  # not allowed until reviewed...
    warnings = [line for line in proc.stderr.splitlines() if "WARNING" in line]
    assert [w for w in warnings if digest in w and "assets/map/frame.html" in w]  # ...and said
    assert not [w for w in warnings if "inline script" in w and digest not in w]


def test_only_the_serve_preview_allows_inline_scripts_for_its_live_reload() -> None:
    """`mkdocs serve` injects a fresh inline script into every page it serves; the preview's
    policy lets it run, a build's never does."""
    from build_tools.plugin import CommunityMapPlugin

    plugin = CommunityMapPlugin()
    plugin.on_startup(command="serve", dirty=False)
    assert plugin.serving
    preview = csp.parse(csp.policy(KENT, REVIEWED, live_reload=True).directives([REVIEWED_IN_PAGE]))
    assert "'unsafe-inline'" in preview["script-src"]
    assert not [s for s in preview["script-src"] if s.startswith("'sha256-")]  # would void it
    assert "'unsafe-eval'" not in preview["script-src"]
    built = CommunityMapPlugin()
    built.on_startup(command="build", dirty=False)
    assert not built.serving
    d = csp.parse(csp.policy(KENT, REVIEWED).directives([REVIEWED_IN_PAGE]))
    assert "'unsafe-inline'" not in d["script-src"]


@pytest.mark.parametrize(
    ("predicate", "wrapped"),
    [
        ("() => window.x", False),
        ("n => n > 1", False),
        ("(a, b) => a === b", False),
        ("async () => 1", False),
        ("function () { return 1; }", False),
        ("location.hash === '#x'", True),
        ("(document.querySelector('.x') || {}).textContent", True),
        ("!document.querySelector('.md-top').hidden", True),
    ],
)
def test_browser_tests_poll_functions_never_eval(predicate: str, wrapped: bool) -> None:
    """conftest.as_function: Playwright evals a bare expression in the page, which the
    policy refuses, so the browser tests' wait_for_function always gets a function."""
    from conftest import as_function

    out = as_function(predicate)
    assert (out != predicate) is wrapped
    assert re.match(r"^\s*(async\s+)?(\(|[A-Za-z_$][\w$]*\s*=>|function\b)", out)
