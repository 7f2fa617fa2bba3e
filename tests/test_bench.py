"""The benchmark harness: synthetic entries are valid and realistic, and a small full run works.

No timing thresholds here (the machine is shared): the full benchmark is run by hand and its
table kept in docs/benchmark.md. These tests keep the harness itself working.
"""

from __future__ import annotations

import dataclasses
import gzip
import importlib.util
import io
import re
import shutil
import urllib.request
from collections import Counter
from pathlib import Path

import pytest

from build_tools.bench import runner as bench
from build_tools.bench.synthetic import iter_entries, write_entries
from build_tools.entries.geocode import coordinates_offline
from build_tools.entries.loader import load_paths
from build_tools.entries.validate import validate_entries
from build_tools.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings(ROOT / "mkdocs.yml")


def _cells(report: str) -> dict[str, str]:
    """Table rows of the report: label -> first value cell."""
    found = {}
    for line in report.splitlines():
        parts = [p.strip() for p in line.strip().strip("|").split("|")]
        if len(parts) >= 2 and line.startswith("|"):
            found[parts[0].strip("*").strip()] = parts[1]
    return found


def _seconds(cell: str) -> float:
    match = re.search(r"([\d,]+\.\d+) s", cell)
    assert match, f"no time in {cell!r}"
    return float(match.group(1).replace(",", ""))


def test_synthetic_entries_validate_and_vary(tmp_path: Path, settings: Settings) -> None:
    project = tmp_path / "project"
    entries_dir = project / "entries"
    cache = entries_dir / ".geocode-cache.json"
    made = write_entries(entries_dir, 400, settings, cache_path=cache, seed=7)
    local = dataclasses.replace(settings, root=project, entries_dir=entries_dir)
    assert local.cache_path == cache
    entries, problems = load_paths([entries_dir], base=project)
    problems += validate_entries(entries, local)
    assert len(entries) == 400
    assert [p.format() for p in problems if p.severity == "error"] == []

    # realistic size and variety
    assert 2000 < made.mean_bytes < 2800
    words = [len(e.description.split()) for e in entries]
    assert 180 < sum(words) / len(words) < 320
    assert len({e.name for e in entries}) == 400
    assert len({e.categories[0] for e in entries}) >= 12
    areas = Counter(e.areas[0] for e in entries)
    assert len(areas) == len(settings.vocabulary().areas) + 1  # every area, and "all"
    assert any("**" in e.description and "\n- " in e.description for e in entries)

    # the mix the issue asks for
    online_only = [e for e in entries if not e.in_person and "online" in e.delivery]
    assert 0.05 < len(online_only) / 400 < 0.16
    assert {e.status for e in entries} == {"active", "paused", "closed"}
    no_coords = [e for e in entries if e.in_person and not e.location.has_coordinates]
    assert 0.02 < len(no_coords) / 400 < 0.09

    # in-person entries without coordinates are all found in the generated cache
    coords, warnings = coordinates_offline(entries, local)
    assert warnings == []
    published_in_person = {e.id for e in entries if e.published and e.in_person}
    assert set(coords) == published_in_person
    (south, west), (north, east) = settings.region.bounds
    assert all(south <= lat <= north and west <= lon <= east for lat, lon in coords.values())


def test_same_seed_same_entries(settings: Settings) -> None:
    first = [text for _, _, text, _ in iter_entries(30, settings, seed=3)]
    again = [text for _, _, text, _ in iter_entries(30, settings, seed=3)]
    other = [text for _, _, text, _ in iter_entries(30, settings, seed=4)]
    assert first == again
    assert first != other


def test_weigher_counts_what_a_page_loads(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "find").mkdir(parents=True)
    (site / "assets" / "data").mkdir(parents=True)
    (site / "assets" / "frame").mkdir(parents=True)
    (site / "assets" / "x.css").write_text("body { color: red; }\n" * 50)
    (site / "assets" / "x.js").write_text("console.log(1);\n" * 50)
    (site / "assets" / "data" / "d.json").write_text('{"a": 1}' * 100)
    (site / "assets" / "frame" / "f.html").write_text(
        '<script src="../x.js"></script><link rel="stylesheet" href="f.css">'
    )
    (site / "assets" / "frame" / "f.css").write_text("p{}" * 10)
    (site / "find" / "index.html").write_text(
        '<link rel="stylesheet" href="../assets/x.css">'
        '<script src="../assets/x.js"></script>'
        '<script src="https://cdn.example.org/a.js"></script>'
        '<iframe src="../assets/frame/f.html"></iframe>'
        '<script type="application/json">{"data": "../assets/data/d.json?v=1"}</script>'
    )
    weight = bench.Weigher(site).page(site / "find" / "index.html")
    kinds = weight["kinds"]
    assert kinds["css"][0] == 2  # the page's and the frame's
    assert kinds["js"][0] == 1  # shared by page and frame: counted once
    assert kinds["frame"][0] == 1
    assert kinds["data"][0] == 1
    assert weight["external"] == ["https://cdn.example.org/a.js"]
    raw_total = sum(p.stat().st_size for p in site.rglob("*") if p.is_file())
    assert weight["raw"] == raw_total
    assert 0 < weight["gz"] < weight["raw"]


def test_server_sends_gzip_when_asked(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<p>hello</p>" * 100, "utf-8")
    with bench.serve(tmp_path) as url:
        request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.headers["Content-Encoding"] == "gzip"
            assert gzip.decompress(response.read()).decode() == "<p>hello</p>" * 100
        with urllib.request.urlopen(url, timeout=10) as response:
            assert response.headers.get("Content-Encoding") is None
            assert response.read().decode() == "<p>hello</p>" * 100


def test_validate_only_from_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    from build_tools.cli import main

    assert (
        main(["--config", str(ROOT / "mkdocs.yml"), "bench", "--validate-only", "--sizes", "60"])
        == 0
    )
    captured = capsys.readouterr()
    cells = _cells(captured.out)
    assert cells["validation: errors / warnings"] == "0 / 0"
    assert _seconds(cells["validate-only: load + validate"]) > 0
    assert "[60] load" in captured.err  # progress goes to stderr
    assert cells["total (wall, `mkdocs build` subprocess)"] == "—"


def test_output_file_keeps_notes_by_hand(tmp_path: Path, settings: Settings) -> None:
    output = tmp_path / "benchmark.md"
    output.write_text(f"# Old table\n\n{bench.KEEP_MARKER}\n\nA finding.\n", "utf-8")
    code = bench.run_bench(
        settings, [20], validate_only=True, output=output, out=io.StringIO(), err=io.StringIO()
    )
    assert code == 0
    text = output.read_text("utf-8")
    assert "# Old table" not in text
    assert text.startswith("# Benchmark")
    assert text.endswith(f"{bench.KEEP_MARKER}\n\nA finding.\n")
    assert _cells(text)["validation: errors / warnings"] == "0 / 0"


@pytest.mark.slow
def test_small_full_benchmark(tmp_path: Path, settings: Settings) -> None:
    """200 entries through the whole harness: every phase timed, pages weighed, baselines run;
    the phases add up to the build, and the weights are the files on disk."""
    result = bench.measure(
        settings, 200, browser=False, work=tmp_path, keep=True, err=io.StringIO()
    )
    [root] = tmp_path.glob("cm-bench-200-*")
    site = root / "site"
    assert site.is_dir()
    assert result.failures == []
    assert result.validation["entries"] == 200
    assert result.validation["errors"] == 0
    assert result.build is not None and result.build.ok

    report = bench.report([result], bench.dt.datetime.now(bench.dt.UTC), (0.0, 0.0))
    cells = _cells(report)
    phases = [(key, label) for key, label in bench.PHASES if key != "exports"]
    if importlib.util.find_spec("build_tools.data.exports") is not None:
        phases.append(("exports", "exports"))
    for key, label in phases:
        assert result.ours[key] > 0, key
        assert re.fullmatch(r"[\d.,]+ s", cells[label]), label
    for label in [
        "MkDocs itself (total − ours)",
        "validate-only: load + validate",
        "total (wall, `mkdocs build` subprocess)",
    ]:
        assert _seconds(cells[label]) > 0, label
    published = result.generated["active"] + result.generated["paused"]
    assert result.weights["activity_pages"] == published
    for page in ("home", "finder", "map", "activity"):
        assert result.weights[page]["gz"] > 0, page
        assert result.weights[page]["kinds"]["css"][0] >= 1, page
    assert result.weights["pagefind"][0] > 0
    assert result.build.peak_tree > 0

    assert result.bare is not None and result.bare.ok
    assert result.bare.report["pages"] == published + 1  # and the home page
    assert result.bare_plain is not None and result.bare_plain.ok
    assert _seconds(cells["bare build, default plugins (built-in search on)"]) > 0
    assert re.match(r"\*\*\d+\.\d+×\*\*", cells["ratio: our build ÷ bare build (search on)"])

    # The phases add up: the child's start-up and build fit in the measured wall time (the
    # rest is process exit), our steps and MkDocs' own page work fit in the build, and the
    # table's "MkDocs itself" is the wall time less our steps.
    wall, report_ = result.build.wall, result.build.report
    assert report_["startup"] + report_["build"] <= wall + 0.05
    assert wall - (report_["startup"] + report_["build"]) < 0.25 * wall + 1.0
    ours = sum(result.ours.values())
    assert ours + report_["populate"] + report_["render"] <= report_["build"] * 1.05 + 0.05
    assert ours > 0.02 * report_["build"]  # and they are not near zero either
    mkdocs = _seconds(cells["MkDocs itself (total − ours)"])
    assert abs(mkdocs - (wall - ours)) <= 0.06

    # Page weights are the files on disk: each file's size, and the page's total their sum.
    for page in ("home", "finder", "map", "activity"):
        weight = result.weights[page]
        for _kind, rel, raw, gz in weight["files"]:
            data = (site / rel).read_bytes()
            assert raw == len(data), rel
            if rel.endswith((".html", ".css", ".js", ".json")):
                assert gz == len(gzip.compress(data, bench.GZIP_LEVEL)) < raw, rel
        assert weight["raw"] == sum(f[2] for f in weight["files"])
        assert weight["gz"] == sum(f[3] for f in weight["files"])
        assert weight["files"][0][1].endswith("index.html")  # the page itself, first
    pages_on_disk = list(site.glob("activities/*/index.html"))
    assert result.weights["activity_pages"] == len(pages_on_disk)
    everything = [p for p in site.rglob("*") if p.is_file()]
    assert result.weights["site"] == (len(everything), sum(p.stat().st_size for p in everything))
    shutil.rmtree(root)


def test_a_failing_step_is_reported_as_failed(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Synthetic entries that do not validate: the run says so, in the report and its exit."""
    from build_tools.bench import synthetic

    real = synthetic.write_entries

    def with_a_bad_one(folder: Path, count: int, *args: object, **kwargs: object) -> object:
        made = real(folder, count, *args, **kwargs)
        victim = sorted(folder.rglob("*.yml"))[0]
        victim.write_text(victim.read_text("utf-8").replace("cost: ", "cost: priceless #"))
        return made

    monkeypatch.setattr(synthetic, "write_entries", with_a_bad_one)
    out, err = io.StringIO(), io.StringIO()
    code = bench.run_bench(settings, [20], validate_only=True, out=out, err=err)
    assert code == 1
    assert "## Problems in this run" in out.getvalue()
    assert "- 20: 1 synthetic entries do not validate" in out.getvalue()
    assert _cells(out.getvalue())["validation: errors / warnings"].startswith("1 /")
    assert "cost:" in err.getvalue()  # the problem itself, for the person running it


def test_a_failed_build_is_reported_and_nothing_is_left_behind(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = bench.mkdocs_build
    monkeypatch.setattr(
        bench, "mkdocs_build", lambda config, site: real(config.parent / "missing.yml", site)
    )
    result = bench.measure(settings, 20, browser=False, work=tmp_path, err=io.StringIO())
    assert result.build is not None and not result.build.ok
    assert result.failures == [f"the build failed (exit {result.build.returncode})"]
    report = bench.report([result], bench.dt.datetime.now(bench.dt.UTC), (0.0, 0.0))
    assert "the build failed" in report.split("## Problems in this run", 1)[1]
    assert not list(tmp_path.iterdir())  # the temporary folders are removed


def test_lighthouse_report_figures_and_blocked_hosts() -> None:
    from build_tools.bench import lighthouse as lh

    report = {
        "categories": {"performance": {"score": 0.93}, "accessibility": {"score": 1}},
        "audits": {
            "largest-contentful-paint": {"numericValue": 2600.0},
            "total-blocking-time": {"numericValue": 150.0},
            "cumulative-layout-shift": {"numericValue": 0.02},
            "total-byte-weight": {"numericValue": 120_000},
        },
    }
    figures = lh.parse_report(report)
    assert figures == {
        "performance": 93,
        "accessibility": 100,
        "lcp": 2.6,
        "tbt": 0.15,
        "cls": 0.02,
        "transfer": 120_000.0,
    }
    assert lh.blocked_patterns(
        "https://{s}.tile.example.org/{z}/{x}/{y}.png", "https://api.postcodes.io/p/{postcode}"
    ) == ["*.tile.example.org*", "*api.postcodes.io*"]


def test_lighthouse_measures_the_shortlist_with_activities_on_it(tmp_path: Path) -> None:
    """Lighthouse starts with empty storage: the shortlist page is opened with a shared link
    of five activities spread over the directory, which fills the empty list."""
    from build_tools.bench import lighthouse as lh

    for folder in ("shortlist", "find", *(f"activities/a{n:02d}" for n in range(20))):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "index.html").write_text("<p>page</p>", "utf-8")
    pages = {key: path for key, _, path in lh.pages_to_run(tmp_path)}
    assert pages["shortlist"] == "shortlist/#ids=a02,a06,a10,a14,a18"
    assert pages["finder"] == "find/" and pages["activity"] == "activities/a10/"
    assert "category" not in pages  # no such page in this site: not run


def test_lighthouse_table_shows_medians_and_misses() -> None:
    from build_tools.bench.lighthouse import PageScore

    good = {"performance": 97, "accessibility": 100, "lcp": 1.9, "tbt": 0.05, "cls": 0.0}
    slow = {**good, "performance": 60, "tbt": 0.9}
    result = bench.SizeResult(100)
    result.lighthouse = [
        PageScore("home", "home", "u", runs=[good, good, slow]),
        PageScore("map", "map", "u", runs=[slow, slow], failures=["run 3: timed out"]),
    ]
    lines = bench.lighthouse_table(result)
    home = next(line for line in lines if line.startswith("| home |"))
    assert "| 97 | 100 | 1.90 s | 50 ms | 0.000 |" in home and "| 3/3 | met |" in home
    row = next(line for line in lines if line.startswith("| map |"))
    assert "| 60 |" in row and "| 2/3 |" in row
    assert "**missed**: performance ≥ 95, TBT ≤ 200 ms" in row


@pytest.mark.browser
def test_a_failing_browser_step_does_not_stop_the_others(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch, chromium: object
) -> None:
    """A map that never shows a marker fails its step; the finder is still measured."""
    monkeypatch.setattr(bench, "STEP_TIMEOUT_MS", 3_000)
    site = tmp_path / "site"
    (site / "map").mkdir(parents=True)
    (site / "find").mkdir()
    (site / "index.html").write_text("<p>home</p>", "utf-8")
    (site / "map" / "index.html").write_text('<iframe src="about:blank"></iframe>', "utf-8")
    (site / "find" / "index.html").write_text(
        '<html class="cm-finder-ready"><p id="cm-count" data-count="3">3</p>'
        '<form id="cm-filters"><input type="checkbox" name="day" '
        "onchange=\"cmCount()\"></form><input id='cm-q'>"
        "<script>function cmCount(){document.getElementById('cm-count')"
        ".setAttribute('data-count', '1')}</script></html>",
        "utf-8",
    )
    figures = bench.browser_stage(site, settings, io.StringIO(), chromium=chromium)
    failures = figures.get("failures", [])
    assert any(f.startswith("map page: TimeoutError") for f in failures), failures
    assert "markers" not in figures
    assert figures["finder_ready"] > 0
    assert figures["filter_changes"] == 2  # only the day box exists: ticked and unticked
    assert any(f.startswith("search: ") for f in failures), failures  # no search updates
