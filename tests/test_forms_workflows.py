"""The issue-form, problem-report and freshness workflows: wiring only, safely.

The moderation issue's `tests/test_workflows.py` lints every workflow the same way; these
assertions are the ones specific to these three."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
NAMES = ("listing-from-issue.yml", "problem-report.yml", "freshness.yml")
PINNED = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")
PROJECT_COMMAND = re.compile(
    r"^(community-map [a-z-]+( |$)|make [a-z-]+|python -m pip install --quiet (\.|\"\.\[links\]\"))"
)


def load(name: str) -> dict:
    text = (WORKFLOWS / name).read_text("utf-8")
    data = yaml.safe_load(text)
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads `on:` as true
    return data


def steps(workflow: dict) -> list[tuple[str, dict]]:
    return [(job, step) for job, body in workflow["jobs"].items() for step in body["steps"]]


@pytest.mark.parametrize("name", NAMES)
def test_static_rules(name: str) -> None:
    workflow = load(name)
    assert workflow["permissions"] == {}, "the top-level token grants nothing"
    assert "pull_request_target" not in workflow["on"]
    for job, body in workflow["jobs"].items():
        assert "permissions" in body, job
        assert body.get("timeout-minutes"), job
    text = (WORKFLOWS / name).read_text("utf-8")
    for job, step in steps(workflow):
        if "uses" in step:
            assert PINNED.match(step["uses"]), step["uses"]
            line = next(x for x in text.splitlines() if step["uses"] in x)
            assert re.search(r"# v\d+(\.\d+)*$", line), f"no version comment: {line}"
            if step["uses"].startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False
        if "run" in step:
            script = step["run"]
            assert "${{" not in script, f"{job}: expression in a script: {script}"
            assert "\n" not in script.strip(), f"{job}: one command per step"
            assert PROJECT_COMMAND.match(script), f"{job}: not a project command: {script}"
        for value in (step.get("env") or {}).values():
            assert "github.event" not in str(value), "untrusted text in env is not needed here"


def test_listing_from_issue_wiring() -> None:
    workflow = load("listing-from-issue.yml")
    assert workflow["on"] == {"issues": {"types": ["labeled"]}}
    job = workflow["jobs"]["listing"]
    assert "github.event.label.name == 'approved-for-pr'" in job["if"]
    assert "'listing-form'" in job["if"]
    assert job["permissions"] == {
        "contents": "write",
        "pull-requests": "write",
        "issues": "write",
    }
    by_id = {s.get("id"): s for _, s in steps(workflow)}
    runs = [s["run"] for _, s in steps(workflow) if "run" in s]
    assert any(r.startswith('community-map from-issue "$GITHUB_EVENT_PATH" --event') for r in runs)
    comment = next(s for _, s in steps(workflow) if "issue-comment" in s.get("run", ""))
    assert comment["if"] == "steps.entry.outcome == 'failure'"
    assert "--remove-label approved-for-pr" in comment["run"]
    assert by_id["entry"]["continue-on-error"] is True
    pr = next(s for _, s in steps(workflow) if "create-pull-request" in s.get("uses", ""))
    assert pr["if"] == "steps.entry.outcome == 'success'"
    assert pr["with"]["branch"] == "listing/${{ github.event.issue.number }}"
    assert pr["with"]["add-paths"] == "entries/**"
    assert pr["with"]["token"] == "${{ steps.app-token.outputs.token || github.token }}"
    assert pr["with"]["body-path"] == "${{ runner.temp }}/listing.md"
    app = by_id["app-token"]
    assert app["if"] == "vars.LISTINGS_APP_CLIENT_ID != ''"
    assert app["with"]["permission-contents"] == "write"


def test_problem_report_and_freshness_wiring() -> None:
    report = load("problem-report.yml")
    assert report["on"] == {"issues": {"types": ["opened"]}}
    job = report["jobs"]["triage"]
    assert "'listing-problem'" in job["if"]
    assert job["permissions"] == {"contents": "read", "issues": "write"}
    fresh = load("freshness.yml")
    assert fresh["on"]["schedule"][0]["cron"].split()[2:] == ["1", "*", "*"]  # monthly
    assert "workflow_dispatch" in fresh["on"]
    runs = {job: [s.get("run", "") for s in body["steps"]] for job, body in fresh["jobs"].items()}
    assert "community-map stale --issue" in runs["stale"]
    assert "community-map links --state .link-state/state.json --issue" in runs["links"]
    cache = next(
        s for s in fresh["jobs"]["links"]["steps"] if "actions/cache@" in s.get("uses", "")
    )
    assert cache["with"]["path"] == ".link-state"
    assert cache["with"]["restore-keys"] == "link-state-"
    for body in fresh["jobs"].values():
        assert body["permissions"] == {"contents": "read", "issues": "write"}


def _tool(name: str) -> str:
    found = shutil.which(name) or str(Path(sys.executable).parent / name)
    if not Path(found).exists():
        pytest.fail(f"{name} is not installed: it is in the test extra")
    return found


def test_zizmor_and_the_workflow_schema() -> None:
    paths = [str(WORKFLOWS / n) for n in NAMES]
    zizmor = subprocess.run(
        [_tool("zizmor"), "--offline", "--min-severity", "medium", "--format", "plain", *paths],
        capture_output=True,
        text=True,
        check=False,
    )
    assert zizmor.returncode == 0, zizmor.stdout + zizmor.stderr
    schema = subprocess.run(
        [_tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *paths],
        capture_output=True,
        text=True,
        check=False,
    )
    assert schema.returncode == 0, schema.stdout + schema.stderr
