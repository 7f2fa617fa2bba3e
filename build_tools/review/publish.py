"""The publish workflow's geocoding step: look up missing pins within the usage policy,
commit the updated cache back to the branch when it changed, and never fail the run for a
geocoder outage (the listing goes out without a pin, and the run's summary says which)."""

from __future__ import annotations

import io
import os
import sys
from dataclasses import replace
from typing import TextIO

from build_tools import console
from build_tools.entries import geocode
from build_tools.review import gitread
from build_tools.settings import Settings

PUBLISH_MAX_REQUESTS = 50  # a merge adds a few listings; the rest waits for the next run


def publish_geocode(
    settings: Settings,
    *,
    commit: bool = False,
    max_requests: int | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """0 whatever the geocoder did; 2 only for a broken configuration or cache."""
    out = out or sys.stdout
    err = err or sys.stderr
    cap = (
        max_requests
        if max_requests is not None
        else min(settings.geocoder.max_requests, PUBLISH_MAX_REQUESTS)
    )
    settings = replace(settings, geocoder=replace(settings.geocoder, max_requests=cap))
    report, problems = io.StringIO(), io.StringIO()
    status = geocode.main(settings, [settings.entries_dir], out=report, err=problems)
    text = report.getvalue() + problems.getvalue()
    console.write_lines(out, text.rstrip("\n"))
    if status == 2:
        return 2
    summary_lines = ["## Geocoding", ""]
    if status == 1:
        summary_lines.append(
            "Some listings are published without a map pin this time (the geocoder found "
            "nothing, was unreachable, or the request cap was reached):"
        )
    summary_lines += [
        "",
        "```text",
        *(console.safe_line(line) for line in text.splitlines()),
        "```",
    ]
    committed = ""
    if commit:
        committed = _commit_cache(settings, err)
        if committed:
            summary_lines += ["", f"Committed the updated geocode cache: {committed}."]
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary and os.environ.get("GITHUB_ACTIONS") == "true":
        with open(summary, "a", encoding="utf-8") as handle:
            handle.write("\n".join(summary_lines) + "\n")
    return 0


def _commit_cache(settings: Settings, err: TextIO) -> str:
    """Commit the cache file alone and push it; "" when it did not change or pushing failed
    (the site is still published: the pins are in this build, the cache waits for next time)."""
    repo = gitread.top_level(settings.root)
    path = str(settings.cache_path.resolve().relative_to(repo.resolve()))
    try:
        if not gitread.git(repo, "status", "--porcelain", "--", path).strip():
            return ""
        gitread.git(repo, "add", "--", path)
        gitread.git(
            repo,
            "-c",
            "user.name=github-actions[bot]",
            "-c",
            "user.email=41898282+github-actions[bot]@users.noreply.github.com",
            "commit",
            "-m",
            "Geocode cache: coordinates for newly published listings",
            "--",
            path,
        )
        sha = gitread.git(repo, "rev-parse", "HEAD").decode().strip()
        gitread.git(repo, "push", "origin", f"HEAD:refs/heads/{settings.edit_branch}")
    except gitread.GitError as error:
        err.write(console.safe_line(f"publish-geocode: the cache was not pushed: {error}") + "\n")
        return ""
    return sha[:12]
