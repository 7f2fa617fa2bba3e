"""Freshness: `stale` with a fixed today, and hidden listings left off a built site."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import shutil
from pathlib import Path

import pytest
import yaml
from pages_fixtures import BASE_ENTRY, make_entry, make_settings, mkdocs_build, write_config

from build_tools.cli import main
from build_tools.review import freshness

ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 12, 1)


def _entries() -> list:
    return [
        make_entry(id="fresh-walk", name="Fresh Walk", last_reviewed="2026-06-01"),
        make_entry(
            id="due-walk", name="Due Walk", last_reviewed="2025-10-01", owners=["walker-one"]
        ),
        make_entry(id="old-walk", name="Old Walk", last_reviewed="2025-05-01"),
        make_entry(id="closed-walk", name="Closed", last_reviewed="2020-01-01", status="closed"),
    ]


def test_states_and_the_hide_rule() -> None:
    settings = make_settings()
    assert settings.hide_after_days == 548
    fresh, due, old, _closed = _entries()
    assert freshness.state(fresh, settings, TODAY) is None
    assert freshness.state(due, settings, TODAY) == "due"  # 426 days
    assert freshness.state(old, settings, TODAY) == "hidden"  # 579 days
    assert freshness.is_hidden(old, settings, TODAY)
    off = make_settings(hide_after_days=0)
    assert not freshness.is_hidden(old, off, TODAY) and freshness.state(old, off, TODAY) == "due"
    # the day itself is not over the limit
    edge = make_entry(last_reviewed=(TODAY - dt.timedelta(days=548)).isoformat())
    assert not freshness.is_hidden(edge, settings, TODAY)
    items = freshness.stale(_entries(), settings, TODAY)
    assert [(i.id, i.days, i.state) for i in items] == [
        ("old-walk", 579, "hidden"),
        ("due-walk", 426, "due"),
    ]  # closed listings are not chased


def _project(tmp_path: Path) -> Path:
    folder = tmp_path / "entries" / "maidstone"
    folder.mkdir(parents=True)
    for entry in _entries():
        data = dict(entry.data)
        (folder / f"{entry.id}.yml").write_text(
            yaml.safe_dump(data, sort_keys=False, allow_unicode=True), "utf-8"
        )
    shutil.copytree(ROOT / "schema", tmp_path / "schema")
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    return tmp_path


def test_stale_json_and_markdown(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = _project(tmp_path)
    config = ["--config", str(project / "mkdocs.yml")]
    assert main([*config, "stale", "--today", "2026-12-01", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == [
        {
            "id": "old-walk",
            "name": "Old Walk",
            "last_reviewed": "2025-05-01",
            "days": 579,
            "owners": [],
            "state": "hidden",
        },
        {
            "id": "due-walk",
            "name": "Due Walk",
            "last_reviewed": "2025-10-01",
            "days": 426,
            "owners": ["walker-one"],
            "state": "due",
        },
    ]
    assert main([*config, "stale", "--today", "2026-12-01"]) == 0
    out = capsys.readouterr().out
    assert "2 listing(s) have not been confirmed for over 365 days; 1 of them" in out
    assert "| Due Walk (`due-walk`, `entries/maidstone/due-walk.yml`) | 2025-10-01 | 426 |" in out
    assert "@walker-one" in out and "change `last_reviewed`" in out
    # a confirmed listing drops off the next report
    path = project / "entries" / "maidstone" / "due-walk.yml"
    path.write_text(path.read_text().replace("2025-10-01", "2026-11-30"))
    assert main([*config, "stale", "--today", "2026-12-01", "--format", "json"]) == 0
    assert [i["id"] for i in json.loads(capsys.readouterr().out)] == ["old-walk"]
    assert main([*config, "stale", "--today", "someday"]) == 2


def test_build_leaves_hidden_listings_out_of_the_site_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    epoch = int(dt.datetime(2026, 12, 1, tzinfo=dt.UTC).timestamp())
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(epoch))
    settings = make_settings()
    entries = _entries()
    notices = freshness.hidden_notices(entries, settings, TODAY)
    assert [(n.path, n.code) for n in notices] == [("entries/maidstone/old-walk.yml", "hidden")]
    assert "left off the site" in notices[0].message


@pytest.mark.slow
def test_hidden_listing_is_absent_from_the_built_site_and_present_in_open_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    epoch = int(dt.datetime(2026, 12, 1, tzinfo=dt.UTC).timestamp())
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(epoch))
    project = _project(tmp_path)
    config = write_config(tmp_path, project / "entries", search=True)
    site = tmp_path / "site"
    result = mkdocs_build(config, site, strict=True)
    assert result.returncode == 0, result.stdout + result.stderr
    log = result.stdout + result.stderr
    assert "old-walk.yml" in log and "left off the site" in log
    # pages
    assert (site / "activities" / "fresh-walk" / "index.html").is_file()
    assert (site / "activities" / "due-walk" / "index.html").is_file()
    assert not (site / "activities" / "old-walk").exists()
    for page in site.rglob("*.html"):
        assert "Old Walk" not in page.read_text("utf-8"), page
    # map and finder data
    data = site / "assets" / "data"
    for path in (
        site / "assets" / "map" / "frame-data" / "points.json",
        data / "activities.json",
        data / "finder" / "index.json",
    ):
        text = path.read_text("utf-8")
        assert "fresh-walk" in text and "old-walk" not in text, path
    for path in [*(site / "assets").rglob("*.json"), *(site / "assets").rglob("*.html")]:
        assert "old-walk" not in path.read_text("utf-8"), path
    # search: no Pagefind record holds it
    contents = []
    for fragment in (site / "pagefind").rglob("*.pf_fragment"):
        raw = gzip.decompress(fragment.read_bytes())
        contents.append(raw.decode("utf-8", "replace"))
    assert any("Fresh Walk" in c for c in contents)
    assert not any("Old Walk" in c for c in contents)
    # open data keeps it, with its status
    records = json.loads((site / "data" / "activities.json").read_text("utf-8"))
    listed = (
        records
        if isinstance(records, list)
        else next(v for v in records.values() if isinstance(v, list))
    )
    ids = {r["id"]: r for r in listed}
    assert "old-walk" in ids and ids["old-walk"]["status"] == "active"
    assert "old-walk" in (site / "data" / "activities.csv").read_text("utf-8")
    assert BASE_ENTRY["name"] != "Old Walk"
