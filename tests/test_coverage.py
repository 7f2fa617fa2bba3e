"""The Coverage page, its CSV downloads and `community-map coverage`."""

from __future__ import annotations

import csv
import gzip
import io
import json
import shutil
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
from pages_fixtures import make_entry, make_settings

from build_tools.bench.synthetic import iter_entries
from build_tools.cli import main
from build_tools.entries.loader import load_bytes, load_paths
from build_tools.entries.model import Entry
from build_tools.entries.validate import possible_duplicates, validate_entries
from build_tools.settings import from_options
from build_tools.site import coverage

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def sample() -> list[Entry]:
    entries, problems = load_paths([ROOT / "entries"], base=ROOT)
    assert not [p for p in problems if p.severity == "error"]
    return entries


def test_counts_match_a_direct_count_of_the_samples(sample: list[Entry]) -> None:
    settings = make_settings()
    result = coverage.compute(sample, settings)
    published = [e for e in sample if e.status in ("active", "paused")]
    closed = [e for e in sample if e.status == "closed"]
    assert closed, "the samples include closed listings, which must not be counted"
    assert result.published == len(published)
    assert result.paused == sum(e.status == "paused" for e in published) > 0
    by_cell: Counter[tuple[str, str]] = Counter()
    for entry in published:
        for area in ["all"] if "all" in entry.areas else entry.areas:
            for category in set(entry.categories):
                by_cell[(area, category)] += 1
    table = result.categories
    for row in table.rows:
        for column in table.columns:
            assert table.count(row.id, column.id) == by_cell[(row.id, column.id)], (row, column)
    region_wide = [e for e in published if "all" in e.areas]
    assert region_wide and table.totals["all"] == len(region_wide)
    # region-wide services are not added to the areas' totals
    maidstone = [e for e in published if "maidstone" in e.areas]
    assert table.totals["maidstone"] == len(maidstone)
    # a paused listing is counted where it belongs
    paused = next(e for e in published if e.status == "paused")
    area = "all" if "all" in paused.areas else paused.areas[0]
    assert table.count(area, paused.categories[0]) >= 1


def test_the_gaps_answer_which_areas_have_no_carers_support(sample: list[Entry]) -> None:
    result = coverage.compute(sample, make_settings())
    table = result.categories
    expected = [
        r.name
        for r in table.rows
        if r.id != "all"
        and not any(
            "carers-support" in e.categories and r.id in e.areas for e in sample if e.published
        )
    ]
    assert expected  # the samples have areas without carers' support
    assert coverage.gaps(table)["Carers' support"] == expected


def test_audience_table_counts_everyone_when_audiences_are_left_out() -> None:
    entries = [
        make_entry(id="walk-one", areas=["swale"], audiences=None),
        make_entry(id="walk-two", areas=["swale"], audiences=["carers", "older-people"]),
        make_entry(id="closed-walk", areas=["swale"], audiences=["carers"], status="closed"),
    ]
    table = coverage.compute(entries, make_settings()).audiences
    assert table.count("swale", "everyone") == 1
    assert table.count("swale", "carers") == 1
    assert table.totals["swale"] == 2


def _schema_with_populations(tmp_path: Path, populations: dict[str, int]) -> Path:
    schema = tmp_path / "schema"
    shutil.copytree(ROOT / "schema", schema)
    lines = []
    for line in (schema / "areas.yml").read_text(encoding="utf-8").splitlines():
        key = line.split(":", 1)[0]
        if key in populations and line.rstrip().endswith("}}"):
            line = line.rstrip()[:-1] + f", population: {populations[key]}}}"
        lines.append(line)
    (schema / "areas.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return schema


def test_populations_give_figures_per_10000(tmp_path: Path) -> None:
    schema = _schema_with_populations(tmp_path, {"swale": 150000, "dover": 120000})
    settings = from_options({"schema_dir": str(schema)}, ROOT)
    entries = [
        make_entry(id=f"walk-{n}", areas=["swale"], categories=["physical-activity"])
        for n in range(3)
    ]
    result = coverage.compute(entries, settings)
    swale = next(r for r in result.categories.rows if r.id == "swale")
    dover = next(r for r in result.categories.rows if r.id == "dover")
    assert swale.population == 150000
    assert result.rate(swale, 3) == 0.2
    assert result.rate(dover, 0) == 0.0
    maidstone = next(r for r in result.categories.rows if r.id == "maidstone")
    assert result.rate(maidstone, 3) is None  # no population given
    rows = list(csv.reader(io.StringIO(coverage.to_csv(result.categories, result))))
    header = rows[0]
    assert header[0] == "area" and header[1] == "Physical activity"
    assert "population" in header and "Physical activity per 10,000" in header
    swale_row = next(r for r in rows if r[0] == "Swale")
    assert swale_row[header.index("population")] == "150000"
    assert swale_row[header.index("Physical activity per 10,000")] == "0.2"
    html = coverage.page_html(result, settings)
    assert "per 10,000 residents in brackets" in html
    assert 'data-cm-sort="0.2"' in html
    # a changed population changes the figure
    schema2 = _schema_with_populations(tmp_path / "again", {"swale": 30000})
    result2 = coverage.compute(entries, from_options({"schema_dir": str(schema2)}, ROOT))
    swale2 = next(r for r in result2.categories.rows if r.id == "swale")
    assert result2.rate(swale2, 3) == 1.0


def test_without_populations_the_page_says_how_to_add_them(sample: list[Entry]) -> None:
    settings = make_settings()
    html = coverage.page_html(coverage.compute(sample, settings), settings)
    assert "add each area's population to <code>schema/areas.yml</code>" in html
    header = coverage.to_csv(
        coverage.compute(sample, settings).categories, coverage.compute(sample, settings)
    ).splitlines()[0]
    assert "population" not in header


class _Table(HTMLParser):
    """Collects what the accessibility checks need: captions, header scopes, links, cells."""

    def __init__(self) -> None:
        super().__init__()
        self.captions: list[str] = []
        self.scopes: Counter[str] = Counter()
        self.links: list[tuple[str, str]] = []
        self.regions: list[dict[str, str | None]] = []
        self.none_cells = 0
        self._in: list[str] = []
        self._href: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self._in.append(tag)
        if tag == "th":
            self.scopes[a.get("scope") or ""] += 1
        if tag == "div" and a.get("role") == "region":
            self.regions.append(a)
        if tag == "td" and "cm-cov-none" in (a.get("class") or ""):
            self.none_cells += 1
        if tag == "a":
            self._href, self._text = a.get("href"), ""
        if tag == "caption":
            self._text = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((self._href, self._text))
            self._href = None
        if tag == "caption":
            self.captions.append(self._text)
        if self._in:
            self._in.pop()

    def handle_data(self, data: str) -> None:
        self._text += data


def test_the_page_is_a_real_accessible_table_with_finder_links(sample: list[Entry]) -> None:
    settings = make_settings()
    result = coverage.compute(sample, settings)
    parsed = _Table()
    parsed.feed(coverage.page_html(result, settings))
    assert parsed.captions == ["Activities by area and category", "Activities by area and audience"]
    assert parsed.scopes["row"] == 2 * len(result.categories.rows)
    assert parsed.scopes[""] == 0  # every header cell says what it heads
    assert len(parsed.regions) == 2
    assert all(r.get("tabindex") == "0" and r.get("aria-labelledby") for r in parsed.regions)
    cells = len(result.categories.rows) * len(result.categories.columns)
    assert parsed.none_cells > 0  # empty cells are marked in words...
    finder = [(h, t) for h, t in parsed.links if h.startswith("../find/?")]
    # ...and every non-empty area cell of both tables is a link, with a name that says what
    expected = sum(
        1
        for t in (result.categories, result.audiences)
        for r in t.rows
        if r.id != "all"
        for c in t.columns
        if t.count(r.id, c.id)
    )
    assert len(finder) == expected < cells * 2
    href, text = next(
        (h, t) for h, t in finder if "category=dementia-support" in h and "area=maidstone" in h
    )
    assert href == "../find/?area=maidstone&category=dementia-support"
    number = result.categories.count("maidstone", "dementia-support")
    assert text == f"{number}: Dementia support in Maidstone"
    assert ("../data/coverage-categories.csv", "by category") in parsed.links


def test_provider_text_never_reaches_the_page_raw() -> None:
    hostile = make_entry(
        id="hostile-walk",
        name='<img src=x onerror=alert(1)> "Walk"',
        organisation={"name": "<script>alert(1)</script>"},
    )
    twin = make_entry(
        id="hostile-walk-two",
        name='<img src=x onerror=alert(1)> "Walk"',
        organisation={"name": "<script>alert(1)</script>"},
    )
    settings = make_settings()
    html = coverage.page_html(coverage.compute([hostile, twin], settings), settings)
    assert "<img" not in html and "<script>alert" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html  # shown as text in the duplicates list


def test_possible_duplicates_are_the_validators_own(tmp_path: Path) -> None:
    settings = make_settings()
    a = make_entry(id="mote-park-health-walk")
    b = make_entry(id="mote-park-health-walks", name="Mote Park Health Walks")
    c = make_entry(
        id="other-walk",
        name="Whatman Park Health Walk",
        location={"address": "Whatman Park", "town": "Maidstone", "postcode": "ME14 1AA"},
    )
    pairs = possible_duplicates([a, b, c])
    assert [(p.first.id, p.second.id) for p in pairs] == [
        ("mote-park-health-walk", "mote-park-health-walks")
    ]
    assert pairs[0].reason == "a very similar name and the same organisation"
    warnings = [p for p in validate_entries([a, b, c], settings) if p.code == "duplicate"]
    assert sorted(p.path for p in warnings) == sorted([a.path, b.path])
    assert all("is it a duplicate?" in p.message for p in warnings)
    html = coverage.page_html(coverage.compute([a, b, c], settings), settings)
    assert f"<code>{a.path}</code> and <code>{b.path}</code>" in html


def test_cli_prints_markdown_csv_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    config = ["--config", str(ROOT / "mkdocs.yml")]
    assert main([*config, "coverage"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("# Coverage in Kent and Medway")
    assert "| Area | Total | Physical activity |" in text
    assert main([*config, "coverage", "--format", "csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0][0] == "area" and rows[-1][0] == "Region-wide (Kent and Medway)"
    assert len(rows) == 1 + 13 + 1
    assert main([*config, "coverage", "--format", "csv", "--table", "audiences"]) == 0
    assert "Carers" in capsys.readouterr().out.splitlines()[0]
    assert main([*config, "coverage", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (
        data["published"]
        == sum(r["total"] for r in data["categories"]["rows"]) - _multi_area_extra()
    )
    assert {"categories", "audiences", "gaps", "possible_duplicates"} <= set(data)


def _multi_area_extra() -> int:
    entries, _ = load_paths([ROOT / "entries"], base=ROOT)
    return sum(len(e.areas) - 1 for e in entries if e.published and "all" not in e.areas)


def test_an_unreadable_file_is_named_and_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "broken.yml").write_text("name: [unclosed\n", encoding="utf-8")
    assert main(["--config", str(ROOT / "mkdocs.yml"), "coverage", str(tmp_path)]) == 1
    assert "broken.yml" in capsys.readouterr().err


def test_the_page_stays_under_50_kb_gzipped_at_10000() -> None:
    settings = make_settings()
    entries = []
    for folder, ident, text, _ in iter_entries(10_000, settings, seed=3):
        entry, problems = load_bytes(text.encode(), f"entries/{folder}/{ident}.yml", ident)
        assert entry is not None, problems
        entries.append(entry)
    outputs = coverage.generate([e for e in entries if e.published], settings, {})
    page = next(o for o in outputs if o.path == coverage.PAGE)
    size = len(gzip.compress(page.html.encode("utf-8")))
    assert size < 50_000, size
    assert coverage.compute(entries, settings).published > 9000
