"""The fixture corpus: every rule has a bad entry with its exact message, line and field.

When a message is improved on purpose, regenerate tests/data/entries/expected.yml by running
`community-map validate --today 2026-11-22` on each bad file and read every changed line.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest
import yaml

from build_tools.entries.loader import load_file, load_paths
from build_tools.entries.validate import Validator, normalise_postcode, validate_entries
from build_tools.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(__file__).resolve().parent / "data" / "entries"
TODAY = dt.date(2026, 11, 22)
EXPECTED: dict[str, list[str]] = yaml.safe_load((CORPUS / "expected.yml").read_text("utf-8"))


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings(ROOT / "mkdocs.yml")


def problems_for(path: Path, settings: Settings) -> list[str]:
    entry, problems = load_file(path, CORPUS)
    if entry is not None:
        problems = problems + validate_entries([entry], settings, today=TODAY)
    return [p.format().split(":", 1)[1] for p in sorted(problems)]


def test_every_bad_file_has_an_expectation() -> None:
    files = {p.name for p in (CORPUS / "bad").glob("*.yml")}
    assert files == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_entry_gives_the_exact_problem(name: str, settings: Settings) -> None:
    assert problems_for(CORPUS / "bad" / name, settings) == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(p.name for p in (CORPUS / "good").glob("*.yml")))
def test_good_entry_passes(name: str, settings: Settings) -> None:
    assert problems_for(CORPUS / "good" / name, settings) == []


def test_the_sample_entries_have_no_errors(settings: Settings) -> None:
    entries, problems = load_paths([ROOT / "entries"], base=ROOT)
    problems += validate_entries(entries, settings, today=TODAY)
    assert [p.format() for p in problems if p.severity == "error"] == []
    assert len(entries) >= 60


def test_duplicate_ids_name_both_files(tmp_path: Path, settings: Settings) -> None:
    source = (CORPUS / "good" / "minimal-entry.yml").read_text("utf-8")
    for folder in ("maidstone", "dover"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "minimal-entry.yml").write_text(source, "utf-8")
    entries, _ = load_paths([tmp_path], base=tmp_path)
    problems = [
        p for p in validate_entries(entries, settings, today=TODAY) if p.code == "id-unique"
    ]
    assert [(p.path, p.line, p.field) for p in problems] == [
        ("dover/minimal-entry.yml", 1, "id"),
        ("maidstone/minimal-entry.yml", 1, "id"),
    ]
    assert "maidstone/minimal-entry.yml" in problems[0].message
    assert "dover/minimal-entry.yml" in problems[1].message


def test_same_name_and_postcode_is_a_warning_on_both(tmp_path: Path, settings: Settings) -> None:
    source = (CORPUS / "good" / "last-week-of-month.yml").read_text("utf-8")
    (tmp_path / "last-week-of-month.yml").write_text(source, "utf-8")
    (tmp_path / "memory-club-copy.yml").write_text(
        source.replace("id: last-week-of-month", "id: memory-club-copy").replace(
            "postcode: ct1 2ab", "postcode: CT12AB"
        ),
        "utf-8",
    )
    entries, _ = load_paths([tmp_path], base=tmp_path)
    problems = validate_entries(entries, settings, today=TODAY)
    assert [(p.path, p.severity, p.code) for p in problems] == [
        ("last-week-of-month.yml", "warning", "duplicate"),
        ("memory-club-copy.yml", "warning", "duplicate"),
    ]


def test_the_fast_path_and_the_full_report_agree(settings: Settings) -> None:
    """jsonschema-rs says "valid" only where jsonschema finds nothing, on every fixture."""
    validator = Validator(settings, TODAY)
    checked = 0
    for path in sorted(CORPUS.glob("*/*.yml")) + sorted((ROOT / "entries").rglob("*.yml")):
        entry, _ = load_file(path)
        if entry is None:
            continue
        full = list(validator.full.iter_errors(entry.data))
        assert validator._schema_valid(entry.data) == (not full), path
        checked += 1
    assert checked > 100


def test_controlled_lists_come_from_configuration(tmp_path: Path) -> None:
    """Another region changes schema/*.yml, not code: a new area becomes valid."""
    schema = tmp_path / "schema"
    schema.mkdir()
    for item in (ROOT / "schema").iterdir():
        (schema / item.name).write_bytes(item.read_bytes())
    (schema / "areas.yml").write_text("leeds: {name: Leeds}\n", "utf-8")
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: X\nplugins:\n  - community-map:\n      region:\n        name: Leeds\n"
        "        bounds: [{lat: 53.6, lon: -1.8}, {lat: 54.0, lon: -1.2}]\n",
        "utf-8",
    )
    settings = load_settings(tmp_path / "mkdocs.yml")
    entry, _ = load_file(CORPUS / "good" / "minimal-entry.yml")
    assert entry is not None
    assert validate_entries([entry], settings, today=TODAY) == []
    leeds = load_file(CORPUS / "good" / "last-week-of-month.yml")[0]
    messages = [p.message for p in validate_entries([leeds], settings, today=TODAY)]
    assert any("`canterbury` is not one of the areas" in m for m in messages)
    assert any("is outside Leeds" in m for m in messages)


@pytest.mark.parametrize(
    ("raw", "normal"),
    [("me157rn", "ME15 7RN"), (" ct1  2ab ", "CT1 2AB"), ("SW1A 1AA", "SW1A 1AA")],
)
def test_postcodes_normalise(raw: str, normal: str) -> None:
    assert normalise_postcode(raw) == normal


def test_billion_laughs_is_refused_quickly(settings: Settings) -> None:
    started = time.perf_counter()
    messages = problems_for(CORPUS / "bad" / "billion-laughs.yml", settings)
    assert time.perf_counter() - started < 1.0
    assert len(messages) == 1 and "anchors and aliases are not allowed" in messages[0]


def test_python_tags_run_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    monkeypatch.chdir(tmp_path)
    messages = problems_for(CORPUS / "bad" / "python-tag.yml", settings)
    assert "uses a YAML tag" in messages[0]
    assert not (tmp_path / "pwned-by-yaml").exists()
    assert list(tmp_path.iterdir()) == []


def _region_copy(tmp_path: Path, drop: str = "") -> Settings:
    """This repository's configuration in a temporary folder, without one schema file."""
    schema = tmp_path / "schema"
    schema.mkdir()
    for item in (ROOT / "schema").iterdir():
        if item.name != drop:
            (schema / item.name).write_bytes(item.read_bytes())
    (tmp_path / "mkdocs.yml").write_bytes((ROOT / "mkdocs.yml").read_bytes())
    return load_settings(tmp_path / "mkdocs.yml")


def _entry_with(tmp_path: Path, source: str, *changes: tuple[str, str]) -> Path:
    text = (CORPUS / "good" / f"{source}.yml").read_text("utf-8")
    for old, new in changes:
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / f"{source}.yml"
    path.write_text(text, "utf-8")
    return path


def test_without_a_district_table_distance_from_the_areas_warns(tmp_path: Path) -> None:
    """A region with no schema/postcode-districts.yml: coordinates more than 25 km from every
    listed area's centre warn; the same entry in the right area does not."""
    settings = _region_copy(tmp_path, drop="postcode-districts.yml")
    assert settings.postcode_districts() == {}
    far = _entry_with(
        tmp_path, "last-week-of-month", ("areas: [canterbury, swale]", "areas: [dartford]")
    )
    assert problems_for(far, settings) == [
        "14:13: location.postcode: warning: `CT1 2AB` is 62 km from Dartford, the nearest "
        "area this entry lists: check the postcode, the coordinates and the areas"
    ]
    near = _entry_with(tmp_path, "last-week-of-month")
    assert problems_for(near, settings) == []


def test_the_geocode_cache_places_an_entry_without_coordinates(tmp_path: Path) -> None:
    settings = _region_copy(tmp_path, drop="postcode-districts.yml")
    entry = _entry_with(
        tmp_path,
        "last-week-of-month",
        ("areas: [canterbury, swale]", "areas: [dartford]"),
        ("  coordinates: {lat: 51.2779, lon: 1.0745}\n", ""),
    )
    assert problems_for(entry, settings) == []  # nowhere known: nothing to say
    from build_tools.entries import geocode

    loaded, _ = load_file(entry)
    assert loaded is not None and loaded.location is not None
    key = geocode.Address.from_location(loaded.location, "gb").key
    record = geocode.CacheRecord(51.2779, 1.0745, "test", "postcode", "postcode", "2026-11-01")
    settings.cache_path.parent.mkdir(parents=True, exist_ok=True)
    geocode.save_cache(settings.cache_path, {key: record})
    assert [m.split(": warning: ")[1][:24] for m in problems_for(entry, settings)] == [
        "`CT1 2AB` is 62 km from "
    ]


def test_every_template_example_is_refused_and_drama_numbers_too() -> None:
    from build_tools.entries import placeholders

    def retyped(path: tuple) -> str:
        return placeholders.value(path).upper() + "."  # retyped, shouted: still the example

    data = {
        "categories": ["physical-activity", placeholders.value(("categories", 0))],
        "schedule": [
            {"start": retyped(("schedule", 0, "start")), "end": retyped(("schedule", 0, "end"))}
        ],
    }
    for placeholder in placeholders.PLACEHOLDERS:
        if placeholder.path[0] not in ("categories", "schedule"):
            node = data
            for part in placeholder.path[:-1]:
                node = node.setdefault(part, {})
            node[placeholder.path[-1]] = retyped(placeholder.path)
    found = dict(placeholders.found(data))
    assert set(found) == {p.path for p in placeholders.PLACEHOLDERS} - {("categories", 0)} | {
        ("categories", 1)
    }
    assert all(
        m.startswith("is still the template's example: replace it with") for m in found.values()
    )
    for drama in ("01632 960123", "+44 20 7946 0999", "07700 900 461", "0118 496 0000"):
        assert placeholders.is_drama_number(drama), drama
    for real in ("01622 000111", "020 7946 1000", "07700 901 461"):
        assert not placeholders.is_drama_number(real), real


def test_the_postcode_district_table_names_real_areas_and_fits_the_samples(
    settings: Settings,
) -> None:
    """Every area of schema/postcode-districts.yml is an area, every area has districts, and
    no sample entry's postcode is called outside its areas (the table errs on the generous
    side: a district crossing a boundary is listed under each area)."""
    table = settings.postcode_districts()
    areas = set(settings.vocabulary().areas)
    assert {a for found in table.values() for a in found} == areas
    entries, _ = load_paths([ROOT / "entries"], base=ROOT)
    checked = [e for e in entries if e.location and e.location.postcode]
    assert len(checked) > 40
    warned = [
        p for p in validate_entries(entries, settings, today=TODAY) if p.code == "postcode-area"
    ]
    assert warned == []


def test_the_stale_warning_names_the_regions_own_period(settings: Settings) -> None:
    """A region that asks for review every 180 days is told "over 180 days", not a year."""
    import dataclasses

    entry, _ = load_file(CORPUS / "good" / "minimal-entry.yml", CORPUS)
    assert entry is not None and entry.last_reviewed is not None
    today = entry.last_reviewed + dt.timedelta(days=200)
    short = dataclasses.replace(settings, stale_after_days=180)
    messages = [p.message for p in validate_entries([entry], short, today=today)]
    assert any("over 180 days ago" in m for m in messages), messages
    assert not [p for p in validate_entries([entry], settings, today=today) if p.code == "stale"]
