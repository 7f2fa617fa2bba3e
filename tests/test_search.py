"""The search index: Pagefind over the activity pages only, and the id map the finder uses."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import pytest

from build_tools import search

PAGE = """<!doctype html><html lang="en-GB"><head><title>{title}</title></head><body>
<header>Site header with the word {header}</header>
<main><div class="cm-activity" data-pagefind-body><h1 data-pagefind-meta="title">{title}</h1>
<p>{body}</p></div></main></body></html>"""

OTHER = """<!doctype html><html lang="en-GB"><head><title>{title}</title></head><body>
<main><h1>{title}</h1><p>{body}</p></main></body></html>"""


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def small_site(root: Path) -> Path:
    site = root / "site"
    write(
        site / "activities/river-walk/index.html",
        PAGE.format(
            title="River Walk",
            header="navigation",
            body="Gentle walks along the towpath with kingfishers.",
        ),
    )
    write(
        site / "activities/lunch-club/index.html",
        PAGE.format(
            title="Lunch Club", header="navigation", body="A hot lunch and a quiz every Friday."
        ),
    )
    write(site / "index.html", OTHER.format(title="Home", body="Zebras and kingfishers."))
    write(site / "about/index.html", OTHER.format(title="About", body="Zebra crossing."))
    items = [{"i": "lunch-club"}, {"i": "river-walk"}, {"i": "no-page-yet"}]
    write(site / "assets/data/activities.json", json.dumps({"v": 1, "items": items}))
    return site


def fragments(bundle: Path) -> dict[str, dict]:
    out = {}
    for path in (bundle / "fragment").glob("*.pf_fragment"):
        raw = gzip.decompress(path.read_bytes())
        assert raw.startswith(b"pagefind_dcd")
        out[path.name.removesuffix(".pf_fragment")] = json.loads(raw[len(b"pagefind_dcd") :])
    return out


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, search.IndexResult]:
    site = small_site(tmp_path_factory.mktemp("search"))
    return site, search.build_index(site)


def test_only_activity_pages_are_indexed(indexed: tuple[Path, search.IndexResult]) -> None:
    site, result = indexed
    assert result.pages == 2
    assert "Indexed 2 pages" in result.output
    pages = fragments(site / "pagefind")
    assert sorted(f["url"] for f in pages.values()) == [
        "/activities/lunch-club/",
        "/activities/river-walk/",
    ]
    # the header outside data-pagefind-body is not part of the indexed text
    assert all("navigation" not in f["content"] for f in pages.values())
    assert all("Zebra" not in f["content"] for f in pages.values())


def test_index_files_are_in_place_and_the_temporary_folder_is_gone(
    indexed: tuple[Path, search.IndexResult],
) -> None:
    site, _ = indexed
    bundle = site / "pagefind"
    assert (bundle / "pagefind.js").is_file()
    assert (bundle / "pagefind-entry.json").is_file()
    assert list(bundle.glob("wasm.en.pagefind"))
    entry = json.loads((bundle / "pagefind-entry.json").read_text())
    assert list(entry["languages"]) == ["en"]  # one English index (stemming)
    assert not (site / ".pagefind-new").exists() and not (site / ".pagefind-old").exists()


def test_id_map_gives_each_record_its_pagefind_page(
    indexed: tuple[Path, search.IndexResult],
) -> None:
    site, result = indexed
    assert result.mapped == 2
    id_map = json.loads((site / "pagefind" / search.IDS_FILE).read_text())
    import hashlib

    raw = (site / "assets/data/activities.json").read_bytes()
    assert id_map["v"] == hashlib.sha256(raw).hexdigest()[:10]
    assert id_map["p"] == "en_"
    hashes = id_map["h"].split(",")
    assert len(hashes) == 3 and hashes[2] == ""  # no page for the third record
    pages = fragments(site / "pagefind")
    assert pages[id_map["p"] + hashes[0]]["url"] == "/activities/lunch-club/"
    assert pages[id_map["p"] + hashes[1]]["url"] == "/activities/river-walk/"


def test_index_site_replaces_an_earlier_index(tmp_path: Path) -> None:
    site = small_site(tmp_path)
    search.index_site(site)
    write(
        site / "activities/lunch-club/index.html",
        PAGE.format(title="Lunch Club", header="x", body="Now with bingo."),
    )
    (site / "activities/river-walk/index.html").unlink()
    (site / "activities/river-walk").rmdir()
    search.index_site(site)
    urls = sorted(f["url"] for f in fragments(site / "pagefind").values())
    assert urls == ["/activities/lunch-club/"]
    assert "bingo" in next(iter(fragments(site / "pagefind").values()))["content"]


def test_a_site_without_activities_gets_no_index(tmp_path: Path) -> None:
    site = tmp_path / "site"
    write(site / "index.html", OTHER.format(title="Home", body="Nothing listed yet."))
    (site / "pagefind").mkdir()  # left from an earlier build
    search.index_site(site)
    assert not (site / "pagefind").exists()


def test_missing_site_folder_raises(tmp_path: Path) -> None:
    with pytest.raises(search.SearchIndexError, match="not a folder"):
        search.index_site(tmp_path / "nowhere")


def test_pagefind_failure_raises_with_its_output(tmp_path: Path) -> None:
    """An activity "page" that is a folder: Pagefind cannot build an index and says why."""
    site = tmp_path / "site"
    (site / "activities" / "broken" / "index.html").mkdir(parents=True)
    with pytest.raises(search.SearchIndexError) as caught:
        search.index_site(site)
    message = str(caught.value)
    assert "Pagefind failed" in message and "not able to build an index" in message
    assert not (site / ".pagefind-new").exists()
    assert not (site / "pagefind").exists()


def test_a_failing_command_leaves_the_old_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = small_site(tmp_path)
    search.index_site(site)
    before = sorted(p.name for p in (site / "pagefind" / "fragment").iterdir())

    def failing(site_dir: Path, subdir: str) -> list[str]:
        return [sys.executable, "-c", "import sys; print('disk on fire'); sys.exit(3)"]

    monkeypatch.setattr(search, "_command", failing)
    with pytest.raises(search.SearchIndexError, match=r"exit code 3[\s\S]*disk on fire"):
        search.index_site(site)
    assert sorted(p.name for p in (site / "pagefind" / "fragment").iterdir()) == before


def test_unreadable_fragments_are_an_error(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    (bundle / "fragment").mkdir(parents=True)
    (bundle / "fragment" / "en_abc.pf_fragment").write_bytes(gzip.compress(b'{"url": "/x/"}'))
    with pytest.raises(search.SearchIndexError, match="unexpected Pagefind fragment format"):
        search._fragment_ids(bundle)
