"""Every workflow in .github/workflows/ linted (rules, zizmor, GitHub's schema), then the
check, comment and publish workflows asserted one by one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import workflow_lint
from workflow_lint import WORKFLOWS, load, triggers, workflow_files

FILES = workflow_files()


def test_there_are_workflows_to_lint() -> None:
    names = {p.name for p in FILES}
    assert {"check.yml", "comment.yml", "publish.yml"} <= names


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_workflow_keeps_the_rules(path: Path) -> None:
    findings = workflow_lint.lint(path)
    assert not findings, "\n".join(map(str, findings))


def test_zizmor_finds_nothing_of_medium_or_high_severity() -> None:
    findings = workflow_lint.zizmor(FILES)
    serious = [
        f"{f['ident']}: {f['desc']} ({f['locations'][0]['symbolic']['key']})"
        for f in findings
        if f["determinations"]["severity"] in ("Medium", "High")
    ]
    assert not serious, "\n".join(serious)


def test_every_zizmor_ignore_gives_its_reason() -> None:
    for path in FILES:
        for line in path.read_text(encoding="utf-8").splitlines():
            match = re.search(r"#\s*zizmor:\s*ignore\[[^\]]+\](.*)", line)
            if match:
                assert len(match.group(1).split()) >= 4, f"{path.name}: no reason: {line}"


def test_workflows_match_githubs_schema() -> None:
    assert workflow_lint.schema_errors(FILES) == ""


# --- the linter itself catches what it should ------------------------------------------------

BAD = """\
name: Bad
on: pull_request_target
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: echo "${{ github.event.pull_request.title }}"
"""


def test_the_linter_catches_a_pwn_request(tmp_path: Path) -> None:
    path = tmp_path / "bad.yml"
    path.write_text(BAD, encoding="utf-8")
    messages = [f.message for f in workflow_lint.lint(path)]
    assert any("pull_request_target" in m for m in messages)
    assert any("missing at the top" in m for m in messages)
    assert any("not pinned by a full 40-character commit SHA" in m for m in messages)
    assert any("persist-credentials: false" in m for m in messages)
    assert any("inside `run:`" in m for m in messages)


def test_zizmor_and_the_schema_catch_it_too(tmp_path: Path) -> None:
    folder = tmp_path / ".github" / "workflows"
    folder.mkdir(parents=True)
    path = folder / "bad.yml"
    path.write_text(BAD, encoding="utf-8")
    idents = {f["ident"] for f in workflow_lint.zizmor([path])}
    assert {"dangerous-triggers", "template-injection", "unpinned-uses"} <= idents
    broken = folder / "broken.yml"
    broken.write_text("name: x\non: push\njobs:\n  a:\n    steps: []\n", encoding="utf-8")
    assert "runs-on" in workflow_lint.schema_errors([broken])


def test_on_is_read_as_a_key_not_true() -> None:
    assert "on" in load(WORKFLOWS / "check.yml")


# --- check ---------------------------------------------------------------------------------


def _steps(workflow: dict, job: str) -> list[dict]:
    return workflow["jobs"][job]["steps"]


def _runs(workflow: dict, job: str) -> list[str]:
    return [s["run"] for s in _steps(workflow, job) if "run" in s]


def _uses(workflow: dict, job: str) -> list[str]:
    return [s["uses"].split("@")[0] for s in _steps(workflow, job) if "uses" in s]


def test_check_runs_on_pull_requests_with_a_read_only_token() -> None:
    check = load(WORKFLOWS / "check.yml")
    assert set(triggers(check)) == {"pull_request"}
    assert check["permissions"] == {"contents": "read"}
    assert check["jobs"]["check"]["permissions"] == {"contents": "read"}
    checkout = _steps(check, "check")[0]
    assert checkout["with"] == {"fetch-depth": 0, "persist-credentials": False}


def test_check_reviews_validates_builds_and_uploads_both_artifacts() -> None:
    check = load(WORKFLOWS / "check.yml")
    assert _runs(check, "check") == [
        "make setup",
        '.venv/bin/community-map review --event "$GITHUB_EVENT_PATH" --geocode '
        "--output-dir review-report",
        ".venv/bin/community-map validate",
        "make site",
    ]
    uploads = [s["with"] for s in _steps(check, "check") if "upload-artifact" in s.get("uses", "")]
    assert [(u["name"], u["path"]) for u in uploads] == [
        ("site", "site/"),
        ("review-report", "review-report/"),
    ]
    # later steps still run when the report finds errors, so the moderator gets everything
    for step in _steps(check, "check")[4:]:
        assert step["if"] == "${{ !cancelled() }}"


def test_make_site_builds_strictly() -> None:
    makefile = (WORKFLOWS.parent.parent / "Makefile").read_text(encoding="utf-8")
    site = makefile.split("\nsite:", 1)[1].split("\n\n", 1)[0]
    assert "mkdocs build --strict" in site


# --- comment -------------------------------------------------------------------------------


def test_comment_is_a_trusted_workflow_run_that_never_runs_the_pull_request() -> None:
    comment = load(WORKFLOWS / "comment.yml")
    assert triggers(comment) == {"workflow_run": {"workflows": ["Check"], "types": ["completed"]}}
    assert comment["permissions"] == {}
    job = comment["jobs"]["comment"]
    assert job["permissions"] == {
        "actions": "read",
        "contents": "read",
        "pull-requests": "write",
    }
    assert "github.event.workflow_run.event == 'pull_request'" in job["if"]
    checkout = _steps(comment, "comment")[0]
    # main (the default ref of a workflow_run), never the pull request's head
    assert checkout["with"] == {"persist-credentials": False}
    text = (WORKFLOWS / "comment.yml").read_text(encoding="utf-8")
    assert "head_sha" not in text.split("concurrency:", 1)[0]
    assert "ref:" not in text
    download = next(
        s for s in _steps(comment, "comment") if "download-artifact" in s.get("uses", "")
    )
    assert download["with"]["run-id"] == "${{ github.event.workflow_run.id }}"
    assert download["with"]["name"] == "review-report"
    assert _runs(comment, "comment")[-1] == (
        '.venv/bin/community-map pr-comment --artifact "$RUNNER_TEMP/review-report" '
        '--event "$GITHUB_EVENT_PATH"'
    )
    last = _steps(comment, "comment")[-1]
    assert last["env"] == {"GITHUB_TOKEN": "${{ github.token }}"}


# --- publish -------------------------------------------------------------------------------


def test_publish_runs_on_main_and_by_hand_in_one_concurrency_group() -> None:
    publish = load(WORKFLOWS / "publish.yml")
    assert triggers(publish) == {"push": {"branches": ["main"]}, "workflow_dispatch": None}
    assert publish["permissions"] == {}
    assert publish["concurrency"] == {"group": "publish", "cancel-in-progress": False}


def test_publish_widens_permissions_only_where_needed() -> None:
    publish = load(WORKFLOWS / "publish.yml")
    assert publish["jobs"]["build"]["permissions"] == {"contents": "write", "pages": "read"}
    assert publish["jobs"]["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    assert publish["jobs"]["deploy"]["needs"] == "build"
    assert publish["jobs"]["deploy"]["environment"]["name"] == "github-pages"


def test_publish_validates_geocodes_builds_with_the_real_address_and_deploys() -> None:
    publish = load(WORKFLOWS / "publish.yml")
    assert _runs(publish, "build") == [
        "make setup",
        ".venv/bin/community-map validate",
        ".venv/bin/community-map publish-geocode --commit",
        "make site",
    ]
    build = next(s for s in _steps(publish, "build") if s.get("run") == "make site")
    assert build["env"] == {"SITE_URL": "${{ steps.pages.outputs.base_url }}"}
    assert _uses(publish, "build") == [
        "actions/checkout",
        "actions/setup-python",
        "actions/configure-pages",
        "actions/upload-pages-artifact",
    ]
    assert _uses(publish, "deploy") == ["actions/deploy-pages"]
    # the one checkout that keeps credentials is in the job that pushes the cache
    assert _steps(publish, "build")[0]["with"]["persist-credentials"] is True


def test_mkdocs_takes_the_site_url_from_the_environment() -> None:
    text = (WORKFLOWS.parent.parent / "mkdocs.yml").read_text(encoding="utf-8")
    assert re.search(r'^site_url: !ENV \[SITE_URL, "https://[^"]+/"\]', text, re.M)
