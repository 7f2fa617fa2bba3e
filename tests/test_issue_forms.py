"""The issue forms are generated from the schema, and `issue-forms --check` catches drift."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from build_tools.cli import main
from build_tools.review import forms
from build_tools.settings import from_options

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / forms.FORMS_DIR


def _form(name: str) -> dict:
    return yaml.safe_load((TEMPLATES / name).read_text("utf-8"))


def test_committed_forms_match_the_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(ROOT / "mkdocs.yml"), "issue-forms", "--check"]) == 0
    assert "match the schema" in capsys.readouterr().out


def test_activity_form_has_one_field_per_entry_field_with_path_ids() -> None:
    form = _form(forms.ACTIVITY_FORM)
    ids = [e["id"] for e in form["body"] if e["type"] != "markdown"]
    for expected in (
        "id",
        "name",
        "summary",
        "description",
        "categories",
        "areas",
        "organisation_name",
        "organisation_website",
        "contact_phone",
        "contact_email",
        "location_postcode",
        "schedule",
        "cost",
        "cost_note",
        "booking",
        "referral",
        "age_min",
        "accessibility",
        "languages",
        "status",
        "owners",
        "last_reviewed",
    ):
        assert expected in ids
    assert len(ids) == len(set(ids))
    by_id = {e["id"]: e for e in form["body"] if e["type"] != "markdown"}
    # controlled lists offer the display names, from schema/*.yml
    categories = by_id["categories"]
    assert categories["type"] == "dropdown" and categories["attributes"]["multiple"] is True
    assert "Physical activity" in categories["attributes"]["options"]
    assert "physical-activity" not in categories["attributes"]["options"]
    assert "The whole region" in by_id["areas"]["attributes"]["options"]
    access = [o["label"] for o in by_id["accessibility"]["attributes"]["options"]]
    assert "Step-free access" in access
    # the schedule box explains the one-line format and shows valid lines
    sched = by_id["schedule"]
    assert sched["type"] == "textarea"
    assert "Tue, Thu 10:00-10:45 weekly" in sched["attributes"]["placeholder"]
    assert "one session per line" in sched["attributes"]["description"]
    owner = by_id["owners"]["attributes"]["options"]
    assert owner == [{"label": "I run this activity or speak for it"}]
    # an update answers only some questions, so GitHub must not insist on any
    assert all(not e.get("validations", {}).get("required") for e in by_id.values())


def test_report_form_and_config() -> None:
    form = _form(forms.REPORT_FORM)
    fields = {e["id"]: e for e in form["body"] if e["type"] != "markdown"}
    assert list(fields) == ["listing_id", "problem", "details"]
    assert fields["listing_id"]["validations"]["required"] is True
    options = fields["problem"]["attributes"]["options"]
    assert len(options) == 6 and "Something else" in options
    assert form["labels"] == ["listing-problem"]
    config = _form(forms.CONFIG)
    assert config["blank_issues_enabled"] is False
    assert config["contact_links"][0]["url"].endswith("/providers/")


def _copy_project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    shutil.copytree(ROOT / "schema", project / "schema")
    shutil.copytree(TEMPLATES, project / forms.FORMS_DIR)
    shutil.copy(ROOT / "mkdocs.yml", project / "mkdocs.yml")
    (project / "entries").mkdir()
    return project


def test_check_detects_a_form_edited_by_hand(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _copy_project(tmp_path)
    config = str(project / "mkdocs.yml")
    assert main(["--config", config, "issue-forms", "--check"]) == 0
    path = project / forms.FORMS_DIR / forms.ACTIVITY_FORM
    path.write_text(path.read_text("utf-8").replace("Name of the activity", "Name"), "utf-8")
    capsys.readouterr()
    assert main(["--config", config, "issue-forms", "--check"]) == 1
    out = capsys.readouterr().out
    assert f"{forms.FORMS_DIR}/{forms.ACTIVITY_FORM}: differs" in out
    assert "community-map issue-forms" in out
    # writing puts it right, and --check agrees again
    assert main(["--config", config, "issue-forms"]) == 0
    assert main(["--config", config, "issue-forms", "--check"]) == 0
    (project / forms.FORMS_DIR / forms.CONFIG).unlink()
    assert main(["--config", config, "issue-forms", "--check"]) == 1
    assert "config.yml: is missing" in capsys.readouterr().out


def test_check_detects_a_schema_change(tmp_path: Path) -> None:
    project = _copy_project(tmp_path)
    config = str(project / "mkdocs.yml")
    categories = project / "schema" / "categories.yml"
    categories.write_text(
        categories.read_text("utf-8") + "sport:\n  name: Team sport\n  description: Games.\n",
        "utf-8",
    )
    assert main(["--config", config, "issue-forms", "--check"]) == 1
    assert main(["--config", config, "issue-forms"]) == 0
    settings = from_options({}, project)
    form = forms.activity_form(settings)
    by_id = {e.get("id"): e for e in form["body"]}
    assert "Team sport" in by_id["categories"]["attributes"]["options"]
    schema = project / "schema" / "entry.schema.json"
    schema.write_text(
        schema.read_text("utf-8").replace('"maxLength": 120,', '"maxLength": 90,', 1), "utf-8"
    )
    assert main(["--config", config, "issue-forms", "--check"]) == 1


def test_preview_shows_the_forms_own_words_escaped() -> None:
    from build_tools.review.form_preview import preview_html

    form = _form(forms.ACTIVITY_FORM)
    html = preview_html(form)
    assert "Id of the listing to update" in html and "Physical activity" in html
    assert "I run this activity or speak for it" in html
    hostile = {
        "name": "<script>x</script>",
        "description": "d",
        "body": [{"type": "input", "id": "a", "attributes": {"label": "<img src=x>"}}],
    }
    out = preview_html(hostile)
    assert "<script>x" not in out and "<img src=x>" not in out
    # the guide's screenshots exist for the docs page that shows them
    for image in ("form-activity.png", "form-report.png"):
        assert (ROOT / "docs" / "providers" / "img" / image).stat().st_size > 10_000
