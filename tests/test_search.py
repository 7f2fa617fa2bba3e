"""The search index: Pagefind over the activity pages only, in parts, built in the background,
and the id map the finder uses."""

from __future__ import annotations

import gc
import gzip
import hashlib
import json
import sys
import time
from pathlib import Path

import pytest

from build_tools.outputs import Output
from build_tools.site import search

PAGE = """<!doctype html><html lang="en-GB"><head><title>{title}</title></head><body>
<header>Site header with the word {header}</header>
<main>{body}</main></body></html>"""

# An activity page's body, as pages.py writes it (the parts search.EXCLUDE leaves out included).
BODY = """<div class="cm-activity" data-pagefind-body><h1 data-pagefind-meta="title">{title}</h1>
<p class="cm-lead">{text}</p><dl class="cm-facts"><div><dt>Cost</dt><dd>Free</dd></div>
<div><dt>Where</dt><dd><address>Mote Park</address><p class="cm-links"><a href="../../map/">View
on map</a></p></dd></div></dl><div class="cm-description"><p>Ring <a href="tel:01622000000">01622
000000</a> or <a href="https://example.org/more" rel="nofollow noopener noreferrer ugc">read
more</a>.</p></div><h2>Contact</h2><ul class="cm-iconlist"><li><span>Phone: <a
href="tel:01622123456">01622 123456</a></span></li><li><span>Email: <a
href="mailto:hello@example.org">hello@example.org</a></span></li><li><span>Website: <a
href="https://walks.example.org/" rel="nofollow ugc">walks.example.org</a></span></li></ul>
<h2>Run by</h2><p><a href="https://trust.example.org/" rel="nofollow ugc">Towpath Trust</a></p>
</div>"""

OTHER = """<!doctype html><html lang="en-GB"><head><title>{title}</title></head><body>
<main><h1>{title}</h1><p>{body}</p></main></body></html>"""

ACTIVITIES = {
    "river-walk": ("River Walk", "Gentle walks along the towpath with kingfishers."),
    "lunch-club": ("Lunch Club", "A hot lunch and a quiz every Friday."),
    "chess-club": ("Chess Club", "Chess and draughts for all ages, boards provided."),
}


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def body(ident: str) -> str:
    title, text = ACTIVITIES[ident]
    return BODY.format(title=title, text=text)


def write_data(site: Path, ids: list[str]) -> None:
    items = [{"i": i} for i in ids]
    write(site / "assets/data/activities.json", json.dumps({"v": 1, "items": items}))


def small_site(root: Path, ids: tuple[str, ...] = ("river-walk", "lunch-club")) -> Path:
    """A written site: activity pages, two other pages, and the finder's data file."""
    site = root / "site"
    for ident in ids:
        write(
            site / f"activities/{ident}/index.html",
            PAGE.format(title=ACTIVITIES[ident][0], header="navigation", body=body(ident)),
        )
    write(site / "index.html", OTHER.format(title="Home", body="Zebras and kingfishers."))
    write(site / "about/index.html", OTHER.format(title="About", body="Zebra crossing."))
    write_data(site, [*sorted(ids), "no-page-yet"])
    return site


def fragments(bundle: Path, pattern: str = "**/fragment/*.pf_fragment") -> dict[str, dict]:
    """Every page fragment of a bundle (by default with its parts), by page hash."""
    out = {}
    for path in bundle.glob(pattern):
        raw = gzip.decompress(path.read_bytes())
        assert raw.startswith(b"pagefind_dcd")
        out[path.name.removesuffix(".pf_fragment")] = json.loads(raw[len(b"pagefind_dcd") :])
    return out


def id_map(site: Path) -> dict:
    return json.loads((site / "pagefind" / search.IDS_FILE).read_text())


def leftovers(site: Path) -> list[str]:
    """Staging folders in the site, and this module's work folders in the temp folder."""
    import tempfile

    found = [p.name for p in site.glob(".pagefind-*")]
    found += [p.name for p in Path(tempfile.gettempdir()).glob("community-map-search-*")]
    return found


@pytest.fixture(autouse=True)
def _no_leftovers_from_other_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Work folders go to a per-test temp folder, so `leftovers` sees only this test's."""
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, search.IndexResult]:
    site = small_site(tmp_path_factory.mktemp("search"))
    return site, search.build_index(site)


def test_only_activity_pages_are_indexed(indexed: tuple[Path, search.IndexResult]) -> None:
    site, result = indexed
    assert result.pages == 2 and result.parts == 1
    assert "Indexed 2 pages" in result.output
    pages = fragments(site / "pagefind")
    assert sorted(f["url"] for f in pages.values()) == [
        "/activities/lunch-club/",
        "/activities/river-walk/",
    ]
    # the header outside data-pagefind-body is not part of the indexed text
    assert all("navigation" not in f["content"] for f in pages.values())
    assert all("Zebra" not in f["content"] for f in pages.values())


def test_labels_links_and_contact_details_are_not_indexed(
    indexed: tuple[Path, search.IndexResult],
) -> None:
    site, _ = indexed
    walk = next(f for f in fragments(site / "pagefind").values() if "River" in f["content"])
    content = walk["content"]
    for kept in ("kingfishers", "Free", "Mote Park", "Towpath Trust", "read more"):
        assert kept in content, kept
    for left_out in ("Cost", "View", "01622", "hello@", "walks.example.org"):
        assert left_out not in content, left_out


def test_index_files_are_in_place_and_the_temporary_folders_are_gone(
    indexed: tuple[Path, search.IndexResult],
) -> None:
    site, _ = indexed
    bundle = site / "pagefind"
    assert (bundle / "pagefind.js").is_file()
    assert (bundle / "pagefind-entry.json").is_file()
    assert list(bundle.glob("wasm.en.pagefind"))
    entry = json.loads((bundle / "pagefind-entry.json").read_text())
    assert list(entry["languages"]) == ["en"]  # one English index (stemming)
    assert not list(site.glob(".pagefind-*"))
    # a web server running as another user must be able to read every file
    assert all(p.stat().st_mode & 0o004 for p in [bundle, *bundle.rglob("*")])


def test_id_map_gives_each_record_its_pagefind_page(
    indexed: tuple[Path, search.IndexResult],
) -> None:
    site, result = indexed
    assert result.mapped == 2
    ids = id_map(site)
    raw = (site / "assets/data/activities.json").read_bytes()
    assert ids["v"] == hashlib.sha256(raw).hexdigest()[:10]
    assert ids["p"] == "en_" and ids["parts"] == []
    hashes = ids["h"].split(",")
    assert len(hashes) == 3 and hashes[2] == ""  # no page for the third record
    pages = fragments(site / "pagefind")
    assert pages[ids["p"] + hashes[0]]["url"] == "/activities/lunch-club/"
    assert pages[ids["p"] + hashes[1]]["url"] == "/activities/river-walk/"


def test_pages_are_indexed_in_parts_that_the_id_map_lists(tmp_path: Path) -> None:
    site = small_site(tmp_path, tuple(ACTIVITIES))
    result = search.build_index(site, part_pages=1)
    assert result.parts == 3 and result.pages == 3 and result.mapped == 3
    assert result.output.count("Indexed 2 pages") == 3  # an activity and the vocabulary
    bundle = site / "pagefind"
    ids = id_map(site)
    assert ids["parts"] == ["part-1/", "part-2/"]
    for part in ids["parts"]:
        # a part has its own entry, metadata, index and fragments, but uses the main
        # index's script and WebAssembly
        assert (bundle / part / "pagefind-entry.json").is_file()
        assert len(list((bundle / part).glob("*.pf_meta"))) == 1
        assert not list((bundle / part).glob("*.js")) and not list((bundle / part).glob("wasm*"))
    pages = fragments(bundle)
    order = sorted(ACTIVITIES)  # the data file's order
    hashes = ids["h"].split(",")
    assert [pages[ids["p"] + page]["url"] for page in hashes[:3]] == [
        f"/activities/{ident}/" for ident in order
    ]
    assert not leftovers(site)


def test_every_part_has_every_word(tmp_path: Path) -> None:
    """So that a part without a word does not fall back to matching shorter words."""
    site = small_site(tmp_path, tuple(ACTIVITIES))
    search.build_index(site, part_pages=1)
    bundle = site / "pagefind"
    for part in ["", "part-1/", "part-2/"]:
        pages = fragments(bundle / part, "fragment/*.pf_fragment")
        vocabulary = [f for f in pages.values() if f["url"] == "/activities/_vocabulary/"]
        assert len(vocabulary) == 1, part
        words = vocabulary[0]["content"].split()
        for word in ("kingfishers", "quiz", "draughts", "free"):
            assert word in words, (part, word)
        for left_out in ("cm", "div", "href", "script"):  # markup is not text
            assert left_out not in words
    # the vocabulary is nobody's page in the id map
    assert all(h for h in id_map(site)["h"].split(",")[:3])


def test_one_part_has_no_vocabulary_page(indexed: tuple[Path, search.IndexResult]) -> None:
    site, _ = indexed
    urls = [f["url"] for f in fragments(site / "pagefind").values()]
    assert "/activities/_vocabulary/" not in urls


def test_parts_are_a_round_robin_of_the_pages() -> None:
    pages = [(str(n), "x") for n in range(10)]
    parts = search._split(pages, 4)
    assert [[p for p, _ in part] for part in parts] == [
        ["0", "3", "6", "9"],
        ["1", "4", "7"],
        ["2", "5", "8"],
    ]
    assert search._split(pages, 10) == [pages]
    assert search._split([], 10) == [[]]


def outputs(ids: list[str]) -> list[Output]:
    """What the generators give the plugin: activity pages with their bodies, and others."""
    out = [Output(f"activities/{i}.md", "---\n---\nstub", html=body(i)) for i in ids]
    out.append(Output("index.md", "# Home", html="<p>Kingfishers at home</p>"))
    out.append(Output("assets/data/activities.json", "{}"))
    return out


def test_a_background_index_from_the_page_bodies(tmp_path: Path) -> None:
    """The plugin's way: start from the generated bodies before MkDocs writes the site."""
    site = tmp_path / "site"
    job = search.start_index(outputs(sorted(ACTIVITIES)), site, part_pages=2)
    assert job.process is not None and len(job.parts) == 2
    # ... MkDocs writes the site meanwhile, the data file included ...
    write_data(site, sorted(ACTIVITIES))
    search.index_site(site, job)
    ids = id_map(site)
    assert ids["parts"] == ["part-1/"]
    pages = fragments(site / "pagefind")
    assert sorted(f["url"] for f in pages.values()) == [
        "/activities/_vocabulary/",
        *(f"/activities/{i}/" for i in sorted(ACTIVITIES)),
    ]
    assert all("Kingfishers at home" not in f["content"] for f in pages.values())
    assert [pages[ids["p"] + h]["url"] for h in ids["h"].split(",")] == [
        f"/activities/{i}/" for i in sorted(ACTIVITIES)
    ]
    assert job.process.poll() == 0
    assert not leftovers(site)


def test_cancel_stops_the_background_process_and_removes_its_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def slow(site_dir: Path, output: Path) -> list[str]:
        return [sys.executable, "-c", "import time; time.sleep(60)"]

    monkeypatch.setattr(search, "_command", slow)
    site = tmp_path / "site"
    job = search.start_index(outputs(["river-walk"]), site)
    assert job.process is not None and job.work is not None and job.staging is not None
    assert job.work.is_dir() and job.staging.is_dir()
    time.sleep(0.5)  # let it reach Pagefind (here: a sleep)
    clock = time.perf_counter()
    job.cancel()
    assert time.perf_counter() - clock < 5
    assert job.process.poll() is not None
    assert not job.work.exists() and not job.staging.exists()
    assert not (site / "pagefind").exists()
    job.cancel()  # twice is harmless


def test_a_dropped_job_is_cleaned_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A build that dies without cancelling (say, Ctrl-C) leaves no process or folder behind."""

    def slow(site_dir: Path, output: Path) -> list[str]:
        return [sys.executable, "-c", "import time; time.sleep(60)"]

    monkeypatch.setattr(search, "_command", slow)
    job = search.start_index(outputs(["river-walk"]), tmp_path / "site")
    process, work = job.process, job.work
    assert process is not None and work is not None
    del job
    gc.collect()
    assert process.poll() is not None
    assert not work.exists() and not leftovers(tmp_path / "site")


def test_index_site_replaces_an_earlier_index(tmp_path: Path) -> None:
    site = small_site(tmp_path)
    search.index_site(site)
    write(
        site / "activities/lunch-club/index.html",
        PAGE.format(title="Lunch Club", header="x", body=BODY.format(title="Lunch", text="Bingo!")),
    )
    (site / "activities/river-walk/index.html").unlink()
    (site / "activities/river-walk").rmdir()
    search.index_site(site)
    urls = sorted(f["url"] for f in fragments(site / "pagefind").values())
    assert urls == ["/activities/lunch-club/"]
    assert "Bingo" in next(iter(fragments(site / "pagefind").values()))["content"]
    assert not leftovers(site)


def test_a_site_without_activities_gets_no_index(tmp_path: Path) -> None:
    site = tmp_path / "site"
    write(site / "index.html", OTHER.format(title="Home", body="Nothing listed yet."))
    (site / "pagefind").mkdir()  # left from an earlier build
    search.index_site(site)
    assert not (site / "pagefind").exists()
    job = search.start_index(outputs([]), site)
    assert job.process is None
    assert job.finish().pages == 0


def test_missing_site_folder_raises(tmp_path: Path) -> None:
    with pytest.raises(search.SearchIndexError, match="not a folder"):
        search.index_site(tmp_path / "nowhere")


def test_pagefind_failure_raises_with_its_output(tmp_path: Path) -> None:
    """An activity page with nothing in it: Pagefind cannot build an index and says why."""
    site = tmp_path / "site"
    job = search.start_index([Output("activities/empty.md", "", html="")], site)
    with pytest.raises(search.SearchIndexError) as caught:
        search.index_site(site, job)
    message = str(caught.value)
    assert "Pagefind failed" in message and "not able to build an index" in message
    assert "part 1 of 1" in message
    assert not (site / "pagefind").exists()
    assert not leftovers(site)


def test_a_failing_command_leaves_the_old_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = small_site(tmp_path)
    search.index_site(site)
    before = sorted(p.name for p in (site / "pagefind" / "fragment").iterdir())

    def failing(site_dir: Path, output: Path) -> list[str]:
        return [sys.executable, "-c", "import sys; print('disk on fire'); sys.exit(3)"]

    monkeypatch.setattr(search, "_command", failing)
    with pytest.raises(search.SearchIndexError, match=r"exit code 3[\s\S]*disk on fire"):
        search.index_site(site)
    assert sorted(p.name for p in (site / "pagefind" / "fragment").iterdir()) == before
    assert not leftovers(site)


def test_a_crashed_background_process_is_an_error_with_its_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not Pagefind but the process around it fails: what it printed is in the error."""

    def crashing(job_file: Path) -> list[str]:
        return [sys.executable, "-c", "import sys; print('Traceback: it broke'); sys.exit(1)"]

    monkeypatch.setattr(search, "_worker_command", crashing)
    site = tmp_path / "site"
    job = search.start_index(outputs(["river-walk"]), site)
    with pytest.raises(search.SearchIndexError, match=r"exit code 1[\s\S]*Traceback: it broke"):
        job.finish()
    assert not leftovers(site)


def test_unreadable_fragments_are_an_error(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    (bundle / "fragment").mkdir(parents=True)
    (bundle / "fragment" / "en_abc.pf_fragment").write_bytes(gzip.compress(b'{"url": "/x/"}'))
    with pytest.raises(search.SearchIndexError, match="unexpected Pagefind fragment format"):
        search._fragment_ids(bundle)


def test_parts_get_proportionally_smaller_index_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A word costs one chunk per part: with N parts, chunks are 1/N of Pagefind's default."""

    def report_chunk_size(site_dir: Path, output: Path) -> list[str]:
        variable = search.CHUNK_SIZE_VARIABLE
        code = f"import os; print('chunk', os.environ.get({variable!r}, 'default'))"
        code += "; print('Indexed 1 page')"
        return [sys.executable, "-c", code]

    monkeypatch.setattr(search, "_command", report_chunk_size)
    monkeypatch.delenv(search.CHUNK_SIZE_VARIABLE, raising=False)
    site = small_site(tmp_path, tuple(ACTIVITIES))
    assert search.build_index(site).output.count("chunk default") == 1
    result = search.build_index(site, part_pages=1)
    assert result.output.count(f"chunk {search.CHUNK_SIZE // 3}") == 3


def test_the_build_starts_the_index_early_and_aborts_it_cleanly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`site.start_search` (from `on_files`) and `site.abort` (a failed or stopped build)."""
    from build_tools import build as site_build

    def slow(site_dir: Path, output: Path) -> list[str]:
        return [sys.executable, "-c", "import time; time.sleep(60)"]

    monkeypatch.setattr(search, "_command", slow)
    result = site_build.SiteBuild(entries=[], problems=[], outputs=outputs(["river-walk"]))
    site_build.start_search(result, tmp_path / "site")
    job = result.search
    assert job is not None and job.process is not None and job.process.poll() is None
    assert "search start" in result.timings
    site_build.abort(result)
    assert result.search is None and job.process.poll() is not None
    assert not leftovers(tmp_path / "site")
    site_build.abort(result)  # nothing left to stop
    site_build.abort(None)


# --- what each activity is about, the browser's search data and the word list ------------


def settings():
    from build_tools.settings import from_options

    return from_options({}, Path(__file__).resolve().parent.parent, site_name="Test Map")


def test_the_search_data_lists_every_category_and_audience_with_its_words() -> None:
    s = settings()
    vocab, synonyms = s.vocabulary(), s.synonyms()
    [out] = search.generate([], s, {})
    assert out.path == search.SEARCH_DATA == "assets/data/search.json"
    groups = json.loads(out.content)["groups"]
    assert [(g["k"], g["id"]) for g in groups] == [("c", c) for c in vocab.categories] + [
        ("u", a) for a in vocab.audiences
    ]
    by_id = {(g["k"], g["id"]): g for g in groups}
    befriending = by_id[("c", "social-and-befriending")]
    assert befriending["n"] == vocab.categories["social-and-befriending"].name
    assert befriending["d"] == vocab.categories["social-and-befriending"].description
    assert befriending["w"] == list(synonyms["categories"]["social-and-befriending"])
    assert "isolation" in befriending["w"]
    assert all(
        "w" not in g for g in groups if g["id"] not in synonyms["audiences"] and g["k"] == "u"
    )


def test_topic_text_is_escaped_and_follows_the_entry() -> None:
    texts = search._topic_texts(
        [
            {"k": "c", "id": "walks", "n": "Walks & <rambles>", "d": "Gentle exercise."},
            {"k": "u", "id": "older", "n": "Older people"},
        ]
    )
    html = search.topics_html(["walks", "unknown"], ["older"], texts)
    assert html == ("<p>Walks &amp; &lt;rambles&gt;</p><p>Gentle exercise.</p><p>Older people</p>")
    doc = search._document("<div data-pagefind-body>x</div>", html)
    assert (
        f'<div data-pagefind-body data-pagefind-weight="{search.TOPIC_WEIGHT}">{html}</div>' in doc
    )
    assert search._document("<p>x</p>").count("data-pagefind-weight") == 0


TOPIC_GROUPS = [
    {"k": "c", "id": "physical", "n": "Physical activity", "d": "Exercise and keep fit."},
    {"k": "u", "id": "older", "n": "Older people"},
]


def test_topics_are_indexed_below_the_page_and_only_in_pagefinds_copy(tmp_path: Path) -> None:
    """From the bodies (the build's way) and from a written site (its data file and search
    data): the same topic text, in the fragment's content, and the public page unchanged."""
    texts = search._topic_texts(TOPIC_GROUPS)
    topics = {"river-walk": search.topics_html(["physical"], ["older"], texts)}
    site = tmp_path / "built"
    job = search.start_index(outputs(["river-walk", "lunch-club"]), site, topics=topics)
    write_data(site, ["lunch-club", "river-walk"])
    search.index_site(site, job)
    by_url = {f["url"]: f["content"] for f in fragments(site / "pagefind").values()}
    assert "Exercise and keep fit." in by_url["/activities/river-walk/"]
    assert "Older people" in by_url["/activities/river-walk/"]
    assert "Exercise" not in by_url["/activities/lunch-club/"]

    written = small_site(tmp_path / "written")
    page = (written / "activities/river-walk/index.html").read_text()
    data = {
        "vocab": {"category": [["physical", "Physical activity"]], "audience": [["older", "x"]]},
        "items": [{"i": "lunch-club"}, {"i": "river-walk", "c": [0], "u": [0]}],
    }
    write(written / search.DATA_FILE, json.dumps(data))
    write(written / search.SEARCH_DATA, json.dumps({"groups": TOPIC_GROUPS}))
    assert search.site_topics(written) == {"lunch-club": "", **topics}
    search.build_index(written)
    by_url = {f["url"]: f["content"] for f in fragments(written / "pagefind").values()}
    assert "Exercise and keep fit." in by_url["/activities/river-walk/"]
    assert (written / "activities/river-walk/index.html").read_text() == page


def test_the_word_list_has_the_indexed_words_most_frequent_first(
    indexed: tuple[Path, search.IndexResult],
) -> None:
    site, _ = indexed
    words = json.loads((site / "pagefind" / search.WORDS_FILE).read_text())["w"].split(" ")
    assert len(words) == len(set(words))
    for word in ("kingfishers", "towpath", "gentle", "lunch", "quiz", "friday"):
        assert word in words, word
    # words of both pages come before words of one
    assert words.index("free") < words.index("kingfishers")
    assert "hot" in words  # short words too: the finder asks Pagefind only for listed words
    # not indexed, so not listed: labels, contact details, the site's header; single letters
    for absent in ("cost", "hello", "example", "navigation", "zebra", "a"):
        assert absent not in words, absent
    # a list this small travels in the id map the first search fetches anyway
    assert id_map(site)["w"] == " ".join(words)


def test_a_large_word_list_stays_out_of_the_id_map(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "WORDS_IN_ID_MAP", 10)
    site = small_site(tmp_path)
    search.build_index(site)
    assert "w" not in id_map(site)
    assert "kingfishers" in json.loads((site / "pagefind" / search.WORDS_FILE).read_text())["w"]
