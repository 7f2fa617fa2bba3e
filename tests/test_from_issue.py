"""`from-issue`: bodies rendered as GitHub renders the generated form, in and out."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import cmarkgfm
import pytest
import yaml
from issue_bodies import load_form, render

from build_tools.cli import main
from build_tools.entries.loader import load_file
from build_tools.review import forms
from build_tools.review.from_issue import build_outcome, summary_markdown
from build_tools.settings import from_options

ROOT = Path(__file__).resolve().parent.parent
FORM = load_form(ROOT / forms.FORMS_DIR / forms.ACTIVITY_FORM)
TODAY = "2026-12-01"
SAMPLE = ROOT / "entries" / "maidstone" / "allington-stroke-club.yml"

NEW = {
    "name": "Hythe Knit and Natter",
    "summary": "A friendly knitting group for all abilities, with tea and cake.",
    "description": "Bring your own wool.\n\n**Beginners** are very welcome.",
    "categories": ["Arts and creativity", "Social and befriending"],
    "audiences": ["Older people"],
    "areas": ["Folkestone and Hythe"],
    "delivery": ["In person"],
    "organisation_name": "Hythe Crafters",
    "organisation_website": "https://crafters.example.org",
    "contact_phone": "01303 000111",
    "contact_email": "knit@example.org",
    "location_venue": "St Leonard's Hall",
    "location_address": "12 High Street",
    "location_town": "Hythe",
    "location_postcode": "CT21 5AA",
    "schedule": "Tue 10:00-12:00 weekly\nSat 09:30-10:30 monthly week last",
    "schedule_note": "Not in August.",
    "cost": "Paid",
    "cost_note": "£2 a session, tea included",
    "booking": "Drop in: no need to book",
    "referral": ["You can refer yourself", "A professional can refer you"],
    "age_min": "18",
    "accessibility": ["Step-free access", "Hearing loop"],
    "languages": "en, pl",
    "owners": ["I run this activity or speak for it"],
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project folder with the real schema and one sample entry (with comments)."""
    shutil.copytree(ROOT / "schema", tmp_path / "schema")
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    folder = tmp_path / "entries" / "maidstone"
    folder.mkdir(parents=True)
    text = SAMPLE.read_text("utf-8")
    text = "# Written by the club's secretary\n" + text.replace(
        "contact:", "# how to reach us (checked by phone)\ncontact:"
    )
    (folder / SAMPLE.name).write_text(text, "utf-8")
    return tmp_path


def run(project: Path, body: str, *extra: str, author: str = "hythe-crafts") -> int:
    path = project / "body.md"
    path.write_text(body, "utf-8")
    args = ["--config", str(project / "mkdocs.yml"), "from-issue", str(path)]
    return main([*args, "--author", author, "--today", TODAY, *extra])


def files(project: Path) -> dict[str, str]:
    return {
        p.relative_to(project).as_posix(): p.read_text("utf-8")
        for p in sorted((project / "entries").rglob("*.yml"))
    }


def test_a_complete_new_listing(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(project, render(FORM, NEW)) == 0
    path = project / "entries" / "folkestone-and-hythe" / "hythe-knit-and-natter.yml"
    data = yaml.safe_load(path.read_text("utf-8"))
    assert data == {
        "id": "hythe-knit-and-natter",
        "name": "Hythe Knit and Natter",
        "summary": "A friendly knitting group for all abilities, with tea and cake.",
        "description": "Bring your own wool.\n\n**Beginners** are very welcome.",
        "categories": ["arts-and-creativity", "social-and-befriending"],
        "audiences": ["older-people"],
        "areas": ["folkestone-and-hythe"],
        "organisation": {"name": "Hythe Crafters", "website": "https://crafters.example.org"},
        "contact": {"phone": "01303 000111", "email": "knit@example.org"},
        "location": {
            "venue": "St Leonard's Hall",
            "address": "12 High Street",
            "town": "Hythe",
            "postcode": "CT21 5AA",
        },
        "delivery": ["in-person"],
        "schedule": [
            {"days": ["tue"], "start": "10:00", "end": "12:00", "frequency": "weekly"},
            {
                "days": ["sat"],
                "start": "09:30",
                "end": "10:30",
                "frequency": "monthly",
                "weeks_of_month": [-1],
            },
        ],
        "schedule_note": "Not in August.",
        "cost": "paid",
        "cost_note": "£2 a session, tea included",
        "booking": "drop-in",
        "referral": ["self", "professional"],
        "age": {"min": 18},
        "accessibility": ["step-free-access", "hearing-loop"],
        "languages": ["en", "pl"],
        "owners": ["hythe-crafts"],
        "last_reviewed": dt.date(2026, 12, 1),
        "status": "active",
    }
    # the project's strict loader reads it back without a single problem
    entry, problems = load_file(path, project)
    assert entry is not None and problems == []
    text = path.read_text("utf-8")
    assert 'phone: "01303 000111"' in text and 'start: "10:00"' in text
    out = capsys.readouterr().out
    assert "Wrote entries/folkestone-and-hythe/hythe-knit-and-natter.yml: a new listing" in out


def test_an_update_changes_only_the_answered_field(project: Path) -> None:
    before = files(project)
    answers = {"id": "allington-stroke-club", "contact_email": "club@example.org"}
    assert run(project, render(FORM, answers)) == 0
    after = files(project)
    key = "entries/maidstone/allington-stroke-club.yml"
    old_lines, new_lines = before[key].split("\n"), after[key].split("\n")
    # one line added, right under the phone; comments and everything else untouched
    assert [line for line in new_lines if line not in old_lines] == ["  email: club@example.org"]
    assert [line for line in old_lines if line not in new_lines] == []
    assert (
        new_lines.index("  email: club@example.org")
        == new_lines.index('  phone: "01622 000563"') + 1
    )
    assert "# how to reach us (checked by phone)" in after[key]


def test_an_update_that_moves_confirms_and_claims(project: Path) -> None:
    answers = {
        "id": "allington-stroke-club",
        "location_postcode": "ME16 0DF",
        "status": "Running",
        "schedule": "Mon, Wed 13:30-15:30 weekly",
        "owners": ["I run this activity or speak for it"],
        "last_reviewed": ["All the details of this listing are correct today"],
    }
    assert run(project, render(FORM, answers), author="StrokeClub") == 0
    path = project / "entries" / "maidstone" / "allington-stroke-club.yml"
    data = yaml.safe_load(path.read_text("utf-8"))
    original = yaml.safe_load(SAMPLE.read_text("utf-8"))
    assert data["location"]["postcode"] == "ME16 0DF"
    assert "coordinates" not in data["location"]  # looked up again from the new address
    assert data["status"] == "active"
    assert data["schedule"][0]["days"] == ["mon", "wed"]
    assert data["owners"] == ["StrokeClub"]
    assert data["last_reviewed"] == dt.date(2026, 12, 1)
    unchanged = set(original) - {"location", "status", "schedule", "last_reviewed"}
    assert {k: data[k] for k in unchanged} == {k: original[k] for k in unchanged}
    # owners goes where the schema puts it, before last_reviewed
    text = path.read_text("utf-8")
    assert text.index("owners:") < text.index("last_reviewed:")


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        (
            {"name": "Hythe Knit and Natter"},
            [
                "Summary in one sentence: needs an answer for a new listing",
                "Kind of activity: needs an answer for a new listing",
                "Organisation's name: needs an answer for a new listing",
                "Who can refer: needs an answer for a new listing",
            ],
        ),
        (
            {**NEW, "categories": ["Arts and creativity", "!Knitting"]},
            ["Kind of activity: `Knitting` is not one of the choices; choose from Physical"],
        ),
        (
            {**NEW, "accessibility": ["Step-free access"], "cost": "!Cheap"},
            ["Cost: `Cheap` is not one of the choices"],
        ),
        (
            {**NEW, "summary": "x" * 201},
            ["Summary in one sentence: the answer is 201 characters; the most is 200"],
        ),
        (
            {**NEW, "description": "y" * 3001},
            ["Description: the answer is 3,001 characters; the most is 3,000"],
        ),
        (
            {**NEW, "schedule": "Tue 10:00-12:00 weekly\nEvery other Friday"},
            ["When it runs: line 2: starts with `Every`, not a day"],
        ),
        (
            {**NEW, "cost_note": None},
            ["What it costs: needed when the cost is Paid"],
        ),
        (
            {**NEW, "location_postcode": "CT21"},
            ["Postcode: `CT21` is not a full UK postcode"],
        ),
        (
            {**NEW, "name": "<b>Knit</b> and natter"},
            ["Name of the activity: is plain text, but contains HTML (`<b>`)"],
        ),
        (
            {**NEW, "description": 'Come along <img src=x onerror="alert(1)">'},
            ["Description: contains HTML"],
        ),
        ({"id": "no-such-listing", "name": "Renamed"}, ["no listing has the id `no-such-listing`"]),
        ({"id": "allington-stroke-club"}, ["The form changes nothing"]),
    ],
)
def test_problems_by_question_and_nothing_written(
    project: Path, capsys: pytest.CaptureFixture[str], answers: dict, expected: list[str]
) -> None:
    before = files(project)
    assert run(project, render(FORM, answers)) == 1
    out = capsys.readouterr().out
    for message in expected:
        assert message in out, out
    assert "The form cannot become a listing" in out
    assert files(project) == before


def test_markdown_in_answers_is_kept_as_text(project: Path) -> None:
    answers = {**NEW, "name": "Knit [and](https://evil.example) natter @everyone"}
    assert run(project, render(FORM, answers)) == 0
    (path,) = (project / "entries" / "folkestone-and-hythe").glob("*.yml")
    assert yaml.safe_load(path.read_text("utf-8"))["name"] == answers["name"]


def test_a_heading_inside_an_answer_cannot_answer_another_question(project: Path) -> None:
    sneaky = {**NEW, "description": "Hello\n\n### Who can refer\n\n- [X] Your GP can refer you"}
    before = files(project)
    assert run(project, render(FORM, sneaky)) == 1
    assert files(project) == before


def test_a_body_over_the_limit_is_refused(project: Path, capsys: pytest.CaptureFixture) -> None:
    assert run(project, render(FORM, NEW) + "z" * 70000) == 1
    assert "characters long; a form is at most 65,536" in capsys.readouterr().out


def test_a_body_that_is_not_the_form(project: Path, capsys: pytest.CaptureFixture) -> None:
    assert run(project, "Please add our group, we meet on Tuesdays") == 1
    assert "not a submitted" in capsys.readouterr().out


def test_the_event_file_and_outputs_as_the_workflow_runs_it(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    event = project / "event.json"
    event.write_text(
        json.dumps({"issue": {"number": 42, "body": render(FORM, NEW), "user": {"login": "kc"}}})
    )
    outputs = project / "github_output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(outputs))
    summary = project / "pr-body.md"
    args = ["--config", str(project / "mkdocs.yml"), "from-issue", str(event), "--event"]
    assert main([*args, "--summary", str(summary), "--today", TODAY]) == 0
    assert "id=hythe-knit-and-natter\n" in outputs.read_text()
    assert "path=entries/folkestone-and-hythe/hythe-knit-and-natter.yml\n" in outputs.read_text()
    body = summary.read_text()
    assert "Closes #42." in body and "| Kind of activity |" in body
    # the moderation report of `community-map review`, since such a pull request gets no
    # checks of its own when opened with the workflow's token
    assert "## Moderation report" in body
    assert "1 listing: 1 new. Needs a moderator" in body
    assert "new\\-listing" in body
    data = yaml.safe_load(
        (project / "entries/folkestone-and-hythe/hythe-knit-and-natter.yml").read_text()
    )
    assert data["owners"] == ["kc"]


def test_summaries_built_from_issue_text_are_inert(project: Path) -> None:
    settings = from_options({}, project)
    nasty = "[click](https://evil.example) ![x](https://evil.example/i.png) @team"
    outcome = build_outcome(
        settings,
        render(FORM, {**NEW, "summary": nasty + " tell everyone"}),
        author="kc",
        today=dt.date(2026, 12, 1),
    )
    assert not outcome.problems
    html = cmarkgfm.github_flavored_markdown_to_html(summary_markdown(outcome, 7))
    assert "<a " not in html and "<img" not in html and "<b>" not in html
    assert "@team" not in html  # GitHub would link a mention
    bad = build_outcome(
        settings,
        render(FORM, {**NEW, "cost": "!- [ ] <script>", "name": "<b>Hi</b> @team"}),
        today=dt.date(2026, 12, 1),
    )
    assert len(bad.problems) == 2
    html = cmarkgfm.github_flavored_markdown_to_html(summary_markdown(bad, 7))
    assert "<script" not in html and "<input" not in html and "<b>" not in html
    assert "@team" not in html
