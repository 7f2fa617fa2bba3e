"""The workflow steps around the forms, run as the workflows run them, against a fake API."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import cmarkgfm
import pytest
import yaml
from issue_bodies import load_form, render

from build_tools.cli import main
from build_tools.review import forms

ROOT = Path(__file__).resolve().parent.parent
REPORT = load_form(ROOT / forms.FORMS_DIR / forms.REPORT_FORM)
ACTIVITY = load_form(ROOT / forms.FORMS_DIR / forms.ACTIVITY_FORM)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "schema", tmp_path / "schema")
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    folder = tmp_path / "entries" / "maidstone"
    folder.mkdir(parents=True)
    sample = ROOT / "entries" / "maidstone" / "allington-stroke-club.yml"
    data = yaml.safe_load(sample.read_text("utf-8"))
    text = sample.read_text("utf-8").replace(
        "last_reviewed:", "owners: [stroke-club, Second-Owner]\nlast_reviewed:"
    )
    (folder / sample.name).write_text(text, "utf-8")
    assert data["id"] == "allington-stroke-club"
    return tmp_path


def _event(project: Path, issue: dict) -> Path:
    path = project / "event.json"
    path.write_text(json.dumps({"action": "opened", "issue": issue}), "utf-8")
    return path


def _issue(fake, body: str, labels: list[str]) -> dict:
    issue = fake.add_issue("Problem with a listing", body, labels)
    return {**issue, "user": {"login": "member-of-public"}}


def test_problem_report_names_the_listing_and_mentions_its_owners(
    project: Path, fake_github, capsys: pytest.CaptureFixture[str]
) -> None:
    body = render(
        REPORT,
        {
            "listing_id": "allington-stroke-club",
            "problem": "The day or time is wrong",
            "details": "It moved to Tuesdays. @everyone [x](https://evil.example)",
        },
    )
    issue = _issue(fake_github, body, ["listing-problem"])
    config = ["--config", str(project / "mkdocs.yml")]
    assert main([*config, "problem-report", str(_event(project, issue))]) == 0
    number = issue["number"]
    assert set(fake_github.labels_on(number)) == {"listing-problem", "problem-wrong-time"}
    (comment,) = fake_github.comments_on(number)
    text = comment["body"]
    assert "**Allington Stroke Club** (`allington-stroke-club`" in text
    assert "@stroke-club, @Second-Owner: you are recorded as speaking for this listing" in text
    assert "The day or time is wrong" in text
    assert "evil.example" not in text  # the reporter's text is not repeated
    # run again (say the workflow is re-run): still one comment
    assert main([*config, "problem-report", str(_event(project, issue))]) == 0
    assert len(fake_github.comments_on(number)) == 1


def test_problem_report_with_an_unknown_or_hostile_id(project: Path, fake_github) -> None:
    body = render(
        REPORT, {"listing_id": "[click](https://evil.example) @team", "problem": "Something else"}
    )
    issue = _issue(fake_github, body, ["listing-problem"])
    config = ["--config", str(project / "mkdocs.yml")]
    assert main([*config, "problem-report", str(_event(project, issue))]) == 0
    assert "unknown-listing" in fake_github.labels_on(issue["number"])
    (comment,) = fake_github.comments_on(issue["number"])
    html = cmarkgfm.github_flavored_markdown_to_html(comment["body"])
    assert "<a " not in html and "@team" not in html
    assert "No listing has the id" in comment["body"]


def test_issue_comment_posts_the_problems_and_removes_the_label(
    project: Path, fake_github, capsys: pytest.CaptureFixture[str]
) -> None:
    body = render(ACTIVITY, {"name": "Hi"})
    issue = fake_github.add_issue("Listing: ", body, ["listing-form", "approved-for-pr"])
    event = _event(project, {**issue, "user": {"login": "provider"}})
    summary = project / "listing.md"
    config = ["--config", str(project / "mkdocs.yml")]
    # the two steps as the workflow runs them
    assert main([*config, "from-issue", str(event), "--event", "--summary", str(summary)]) == 1
    args = [*config, "issue-comment", str(event), "--body-file", str(summary)]
    assert main([*args, "--marker", "from-issue", "--remove-label", "approved-for-pr"]) == 0
    assert fake_github.labels_on(issue["number"]) == ["listing-form"]
    (comment,) = fake_github.comments_on(issue["number"])
    assert "cannot become a listing yet" in comment["body"]
    html = cmarkgfm.github_flavored_markdown_to_html(comment["body"])
    assert "<li>Summary in one sentence: needs an answer for a new listing</li>" in html
    assert "<!-- community-map:from-issue -->" in comment["body"]
    # only the approval label may be removed
    assert main([*args, "--remove-label", "listing-form"]) == 2
    assert fake_github.labels_on(issue["number"]) == ["listing-form"]


def test_stale_issue_is_one_standing_issue(project: Path, fake_github) -> None:
    config = ["--config", str(project / "mkdocs.yml")]
    assert main([*config, "stale", "--today", "2027-12-01", "--issue"]) == 0
    assert main([*config, "stale", "--today", "2028-01-01", "--issue"]) == 0
    (issue,) = [i for i in fake_github.issues.values() if i["title"] == "Listings to confirm"]
    assert [label["name"] for label in issue["labels"]] == ["stale-listings"]
    assert "(2028-01-01)" in issue["body"] and "@stroke-club" in issue["body"]
    assert "hidden from the site" in issue["body"]
