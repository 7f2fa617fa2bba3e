"""`community-map import` (build_tools/data/importer.py): CSV and Open Referral UK in, valid
entry files out; round trips keep every field; bad input is reported and writes nothing."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from build_tools import cli
from build_tools.data import exports, importer, openreferral
from build_tools.entries.loader import load_paths
from build_tools.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = load_settings(ROOT / "mkdocs.yml")


@pytest.fixture(scope="module")
def sample():
    entries, problems = load_paths([SETTINGS.entries_dir], base=SETTINGS.root)
    assert problems == []
    # the coordinates as written (no geocode cache), so a round trip can be exact
    coords = {
        e.id: (e.location.lat, e.location.lon)
        for e in entries
        if e.location is not None and e.location.has_coordinates
    }
    return entries, coords


def csv_text(entries, coords) -> str:
    outputs = {o.path: o.content for o in exports.build_exports(entries, SETTINGS, coords)}
    return outputs["data/activities.csv"]


def run(source: Path, target: Path, *extra: str) -> tuple[int, str]:
    buffer = io.StringIO()
    code = importer.run_import(SETTINGS, source, target, dry_run="--dry-run" in extra, out=buffer)
    return code, buffer.getvalue()


def files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.yml")) if folder.exists() else []


def test_csv_round_trip_keeps_every_field(sample, tmp_path: Path) -> None:
    entries, coords = sample
    source = tmp_path / "activities.csv"
    source.write_text(csv_text(entries, coords), encoding="utf-8")
    code, output = run(source, tmp_path / "entries")
    assert code == 0, output
    imported, problems = load_paths([tmp_path / "entries"], base=tmp_path)
    assert problems == []
    assert importer.records_of(imported) == importer.records_of(entries)
    assert any(e.description for e in imported) and any(e.owners for e in imported)
    assert any(s.starts_on for e in imported for s in e.schedule)
    # written where the guide says: entries/<area>/<id>.yml
    assert (tmp_path / "entries" / "maidstone" / "mote-park-health-walk.yml").is_file()


def test_oruk_round_trip_keeps_what_the_profile_carries(sample, tmp_path: Path) -> None:
    entries, coords = sample
    published = [e for e in entries if e.published]
    docs = openreferral.documents(entries, SETTINGS, coords)
    source = tmp_path / "services.json"
    source.write_text(json.dumps(openreferral.page(docs["services"])), encoding="utf-8")
    code, output = run(source, tmp_path / "entries")
    assert code == 0, output
    imported, problems = load_paths([tmp_path / "entries"], base=tmp_path)
    assert problems == []
    assert len(imported) == len(published)
    not_carried = {"id", "owners"}  # HSDS has no slug and no GitHub owners
    before = {e.name: importer.canonical(e) for e in published}
    after = {e.name: importer.canonical(e) for e in imported}
    for name, fields in before.items():
        for key, value in fields.items():
            if key not in not_carried:
                assert after[name][key] == value, (name, key)


def test_oruk_shapes_one_service_and_a_list(sample, tmp_path: Path) -> None:
    entries, coords = sample
    services = openreferral.documents(entries[:3], SETTINGS, coords)["services"]
    one = tmp_path / "one.json"
    one.write_text(json.dumps(services[0]), encoding="utf-8")
    assert run(one, tmp_path / "a")[0] == 0 and len(files(tmp_path / "a")) == 1
    many = tmp_path / "many.json"
    many.write_text(json.dumps(services), encoding="utf-8")
    assert run(many, tmp_path / "b")[0] == 0 and len(files(tmp_path / "b")) == len(services)


def test_foreign_oruk_terms_map_by_name_and_the_rest_is_listed(tmp_path: Path) -> None:
    service = {
        "id": "ac148810-d857-441c-9679-408f346de14b",
        "name": "Community Counselling",
        "description": "Counselling from trained professionals for anyone feeling low.",
        "status": "active",
        "assured_date": "2026-09-01",
        "email": "help@example.org",
        "organization": {"id": "x", "name": "Example Org", "description": "An org"},
        "service_areas": [{"id": "y", "name": "Maidstone"}],
        "attributes": [
            {
                "id": "1",
                "taxonomy_term": {"id": "t1", "name": "Mental wellbeing", "description": ""},
            },
            {"id": "2", "taxonomy_term": {"id": "t2", "name": "Bereavement", "description": ""}},
        ],
        "cost_options": [{"id": "c", "option": "Per session", "amount": 35}],
        "schedules": [
            {
                "id": "s",
                "freq": "WEEKLY",
                "interval": 1,
                "byday": "MO,WE",
                "opens_at": "10:00:00",
                "closes_at": "18:00:00",
                "attending_type": "Online, by video call",
            },
            {"id": "s2", "freq": "DAILY", "description": "Every day"},
        ],
        "languages": [{"id": "l", "name": "Polish"}],
    }
    source = tmp_path / "foreign.json"
    source.write_text(json.dumps({"contents": [service]}), encoding="utf-8")
    code, output = run(source, tmp_path / "entries")
    assert code == 0, output
    assert "`Bereavement` (no taxonomy) matches none of our lists" in output
    assert "schedule 2: a schedule without a weekly or monthly rule" in output
    assert "how to join not given" in output
    (entry,), _ = load_paths([tmp_path / "entries"], base=tmp_path)
    assert entry.id == "community-counselling" and entry.categories == ("mental-wellbeing",)
    assert entry.cost == "paid" and entry.cost_note == "£35"
    assert entry.schedule[0].days == ("mon", "wed") and entry.schedule[0].start == "10:00"
    assert entry.languages == ("pl",) and entry.areas == ("maidstone",)
    assert entry.delivery == ("online",) and entry.contact == {"email": "help@example.org"}


def test_dry_run_writes_nothing(sample, tmp_path: Path) -> None:
    entries, coords = sample
    source = tmp_path / "activities.csv"
    source.write_text(csv_text(entries[:4], coords), encoding="utf-8")
    code, output = run(source, tmp_path / "entries", "--dry-run")
    assert code == 0 and output.count("would write") == 4
    assert files(tmp_path / "entries") == []


def test_never_overwrites_and_then_writes_nothing(sample, tmp_path: Path) -> None:
    entries, coords = sample
    source = tmp_path / "activities.csv"
    source.write_text(csv_text(entries[:4], coords), encoding="utf-8")
    assert run(source, tmp_path / "entries")[0] == 0
    first = {p: p.read_bytes() for p in files(tmp_path / "entries")}
    code, output = run(source, tmp_path / "entries")
    assert code == 1
    assert "already in" in output and "nothing was written" in output
    assert {p: p.read_bytes() for p in files(tmp_path / "entries")} == first


def _rows(entries, coords) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(csv_text(entries, coords).lstrip("\ufeff"))))


def _write_rows(path: Path, rows: list[dict[str, str]], header=None) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header or list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def test_invalid_rows_are_reported_by_row_and_field(sample, tmp_path: Path) -> None:
    entries, coords = sample
    rows = _rows(entries[:4], coords)
    rows[1]["cost"] = "cheap"
    rows[2]["postcode"] = "ME16 8L"
    rows[3]["schedule"] = "Someday 10:00-11:00 weekly"
    rows.append(dict(rows[0]))  # a duplicate id
    source = tmp_path / "bad.csv"
    _write_rows(source, rows)
    code, output = run(source, tmp_path / "entries")
    assert code == 1
    assert "row 3: cost:" in output
    assert "row 4: location.postcode:" in output and "not a full UK postcode" in output
    assert "row 5: schedule: starts with `Someday`, not a day" in output
    assert f"row 2: id: `{rows[0]['id']}` is also the id of row 6" in output
    assert "nothing was written" in output
    assert files(tmp_path / "entries") == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"identifier,title\r\nx,y\r\n", "unknown column `identifier`"),
        (b"id,name,summry\r\n", "did you mean `summary`"),
        ("id,name\r\ncaf\xe9,x\r\n".encode("latin-1"), "is not UTF-8 text (line 2)"),
        (b"", "the file is empty"),
        (b'{"services": 3}', "is not Open Referral UK services"),
        (b'{"contents": []}', "there are no services"),
        (b"[1, 2", "is not valid JSON"),
        (b"id,na\x00me\r\n", "NUL characters"),
    ],
)
def test_malformed_files_are_refused_whole(tmp_path: Path, content: bytes, message: str) -> None:
    source = tmp_path / "input"
    source.write_bytes(content)
    code, output = run(source, tmp_path / "entries")
    assert code == 2 and message in output and "Nothing was written" in output
    assert not (tmp_path / "entries").exists()


def test_huge_cells_and_short_rows_are_per_row(sample, tmp_path: Path) -> None:
    entries, coords = sample
    rows = _rows(entries[:2], coords)
    rows[0]["description"] = "x" * 20_000
    source = tmp_path / "huge.csv"
    _write_rows(source, rows)
    with source.open("a", encoding="utf-8") as handle:
        handle.write("only,three,cells\r\n")
    code, output = run(source, tmp_path / "entries")
    assert code == 1
    assert "row 2: description: is 20,000 characters" in output
    assert "row 4: has 3 cells" in output
    assert files(tmp_path / "entries") == []


def test_oruk_services_that_would_be_invalid_name_their_id(tmp_path: Path) -> None:
    source = tmp_path / "bad.json"
    source.write_text(json.dumps([{"id": "abc-123", "name": "X", "status": "active"}]), "utf-8")
    code, output = run(source, tmp_path / "entries")
    assert code == 1 and "service abc-123: " in output and "categories" in output
    assert files(tmp_path / "entries") == []


def test_provider_text_in_messages_is_escaped(sample, tmp_path: Path) -> None:
    entries, coords = sample
    rows = _rows(entries[:1], coords)
    rows[0]["schedule"] = "\x1b[31mEvil\u202e 10:00-11:00 weekly"
    source = tmp_path / "evil.csv"
    _write_rows(source, rows)
    code, output = run(source, tmp_path / "entries")
    assert code == 1 and "\x1b" not in output and "\u202e" not in output


def test_the_command_and_an_empty_directory_builds(sample, tmp_path: Path, capsys) -> None:
    entries, coords = sample
    source = tmp_path / "activities.csv"
    source.write_text(csv_text(entries[:5], coords), encoding="utf-8")
    target = tmp_path / "entries"
    assert cli.main(["import", str(source), "--to", str(target)]) == 0
    assert "5 entries written" in capsys.readouterr().out
    from build_tools import build
    from build_tools.settings import from_options

    settings = from_options({"entries_dir": str(target)}, ROOT)
    result = build.build(settings)
    assert result.errors == []
    assert sum(o.path.startswith("activities/") for o in result.outputs) == sum(
        e.published for e in entries[:5]
    )
