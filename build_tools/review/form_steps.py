"""The trusted workflow steps around the issue forms, one command each.

- `community-map issue-comment EVENT --body-file FILE`: a sticky comment on the event's
  issue (the problems `from-issue` found), optionally removing a label (`approved-for-pr`,
  so a moderator can approve again once the author has fixed the form).
- `community-map problem-report EVENT`: on a new "Report a problem" issue, read the listing
  id from the body as data, check it against the entries, label the issue, and comment
  naming the listing and mentioning its `owners`.

The event file is GitHub's own payload (`$GITHUB_EVENT_PATH`); the issue's text in it is
untrusted and is only ever quoted inertly. The API client reads `GITHUB_API_URL` and
`GITHUB_TOKEN` from the environment.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any, TextIO

from build_tools import console
from build_tools.entries.loader import load_paths
from build_tools.review import forms
from build_tools.review.from_issue import split_answers
from build_tools.review.markdown import inert
from build_tools.settings import Settings

MAX_COMMENT = 60000  # characters; GitHub refuses comments over 65,536
LOGIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}")
ID = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
REMOVABLE = {"approved-for-pr"}  # the only label issue-comment may take off
PROBLEM_LABELS = {key: f"problem-{key}" for key in forms.PROBLEMS}
UNKNOWN_LISTING = "unknown-listing"


def _marker(name: str) -> str:
    return f"<!-- community-map:{name} -->"


def read_event(path: Path) -> dict[str, Any]:
    """The issue from an event payload: number (a positive integer), body, author, labels."""
    event = json.loads(path.read_text("utf-8"))
    issue = event.get("issue") or {}
    number = issue.get("number")
    if not isinstance(number, int) or isinstance(number, bool) or number <= 0:
        raise ValueError("the event has no issue number")
    return {
        "number": number,
        "body": str(issue.get("body") or ""),
        "author": str((issue.get("user") or {}).get("login") or ""),
        "labels": [str(label.get("name", "")) for label in issue.get("labels") or []],
    }


def _client() -> Any:
    from build_tools.review.github import GitHub

    return GitHub.from_env()


def issue_comment_command(
    event_file: Path,
    *,
    body_file: Path,
    marker: str = "from-issue",
    remove_label: str = "",
    out: TextIO | None = None,
) -> int:
    from build_tools.review.github import GitHubError

    out = out or sys.stdout
    if remove_label and remove_label not in REMOVABLE:
        out.write(f"community-map issue-comment: may only remove {', '.join(sorted(REMOVABLE))}\n")
        return 2
    if not re.fullmatch(r"[a-z0-9-]{1,40}", marker):
        out.write("community-map issue-comment: the marker is lower-case words and hyphens\n")
        return 2
    try:
        issue = read_event(event_file)
        body = body_file.read_text("utf-8")[:MAX_COMMENT]
    except (OSError, ValueError) as error:
        out.write(console.safe_line(f"community-map issue-comment: {error}") + "\n")
        return 2
    try:
        github = _client()
        github.upsert_comment(issue["number"], _marker(marker), _marker(marker) + "\n" + body)
        if remove_label and remove_label in issue["labels"]:
            github.remove_label(issue["number"], remove_label)
    except GitHubError as error:
        out.write(console.safe_line(f"community-map issue-comment: {error}") + "\n")
        return 2
    out.write(f"Commented on issue #{issue['number']}.\n")
    return 0


def problem_report(settings: Settings, body: str) -> tuple[list[str], str]:
    """The labels to add and the comment, for a "Report a problem" body."""
    fields = forms.report_fields()
    answers, _ = split_answers(body, fields)
    raw_id = (answers.get("listing_id") or "").strip().strip("`").lower()
    problem_name = answers.get("problem") or ""
    kind = next((k for k, name in forms.PROBLEMS.items() if name == problem_name), "")
    labels = [forms.REPORT_LABEL] + ([PROBLEM_LABELS[kind]] if kind else [])
    entries, _ = load_paths([settings.entries_dir], base=settings.root)
    by_id = {e.id: e for e in entries}
    entry = by_id.get(raw_id) if ID.fullmatch(raw_id or "-") else None
    what = forms.PROBLEMS.get(kind, "a problem")
    if entry is None:
        labels.append(UNKNOWN_LISTING)
        shown = f"`{raw_id}`" if raw_id and ID.fullmatch(raw_id) else inert(raw_id or "(none)")
        text = (
            f"Thank you for the report. No listing has the id {shown}, so a moderator will "
            "find the listing from the details and reply here."
        )
        return labels, text
    owners = [o for o in entry.owners if LOGIN.fullmatch(o)]
    page = f"{settings.site_url}activities/{entry.id}/" if settings.site_url else ""
    lines = [
        f"Thank you for the report. It is about **{inert(entry.name)}** (`{entry.id}`, "
        f"file `{entry.path}`)" + (f": {page}" if page else "") + ".",
        "",
        f"Reported: {inert(what)}.",
        "",
    ]
    if owners:
        mentions = ", ".join(f"@{o}" for o in owners)
        lines.append(
            f"{mentions}: you are recorded as speaking for this listing. Please check it and "
            'reply here, or send the "Add or update an activity" form with the changes.'
        )
    else:
        lines.append("The listing records no owners, so a moderator will contact the organiser.")
    return labels, "\n".join(lines)


def problem_report_command(
    settings: Settings, event_file: Path, *, out: TextIO | None = None
) -> int:
    from build_tools.review.github import GitHubError

    out = out or sys.stdout
    try:
        issue = read_event(event_file)
    except (OSError, ValueError) as error:
        out.write(console.safe_line(f"community-map problem-report: {error}") + "\n")
        return 2
    labels, text = problem_report(settings, issue["body"][:65536])
    marker = _marker("problem-report")
    try:
        github = _client()
        github.add_labels(issue["number"], labels)
        github.upsert_comment(issue["number"], marker, marker + "\n" + text)
    except GitHubError as error:
        out.write(console.safe_line(f"community-map problem-report: {error}") + "\n")
        return 2
    out.write(console.safe_line(f"Issue #{issue['number']}: labelled {', '.join(labels)}") + "\n")
    return 0
