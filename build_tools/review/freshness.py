"""Freshness: listings whose details have not been confirmed for a long time.

A listing is *due* once its `last_reviewed` is older than `stale_after_days` (its page then
shows "Not checked recently"), and *hidden* once older than `hide_after_days` (about 18
months by default; 0 turns hiding off): a hidden listing leaves the site, the map, the
finder and search, and stays in the open data, until someone confirms it by changing
`last_reviewed`. `community-map stale` lists both, for the monthly "stale listings" issue.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TextIO

from build_tools import console
from build_tools.entries.loader import load_paths
from build_tools.entries.model import Entry, Problem
from build_tools.settings import Settings
from build_tools.settings import today as settings_today

STALE_LABEL = "stale-listings"
STALE_TITLE = "Listings to confirm"
LOGIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}")


def build_date() -> dt.date:
    """The date a build counts from; `SOURCE_DATE_EPOCH` pins it (as for the pages)."""
    return settings_today()


def age_days(entry: Entry, today: dt.date) -> int | None:
    reviewed = entry.last_reviewed
    return None if reviewed is None else (today - reviewed).days


def is_hidden(entry: Entry, settings: Settings, today: dt.date) -> bool:
    """Too long unconfirmed to publish: the `hide_after_days` rule (0 turns it off)."""
    days = age_days(entry, today)
    return settings.hide_after_days > 0 and days is not None and days > settings.hide_after_days


def state(entry: Entry, settings: Settings, today: dt.date) -> str | None:
    """`hidden`, `due` or None (fresh)."""
    days = age_days(entry, today)
    if days is None:
        return None
    if is_hidden(entry, settings, today):
        return "hidden"
    return "due" if days > settings.stale_after_days else None


@dataclass(frozen=True)
class StaleListing:
    id: str
    name: str
    last_reviewed: str
    days: int
    owners: list[str]
    state: str
    path: str


def stale(entries: list[Entry], settings: Settings, today: dt.date) -> list[StaleListing]:
    """Published listings due for confirmation or hidden, oldest first."""
    found = []
    for entry in entries:
        kind = state(entry, settings, today)
        if kind is None or not entry.published:
            continue
        found.append(
            StaleListing(
                entry.id,
                entry.name,
                entry.last_reviewed.isoformat() if entry.last_reviewed else "",
                age_days(entry, today) or 0,
                list(entry.owners),
                kind,
                entry.path,
            )
        )
    return sorted(found, key=lambda s: (-s.days, s.id))


def hidden_notices(entries: list[Entry], settings: Settings, today: dt.date) -> list[Problem]:
    """One line per hidden listing for the build log."""
    out = []
    for entry in entries:
        if entry.published and is_hidden(entry, settings, today):
            line, column = entry.mark(("last_reviewed",))
            out.append(
                Problem(
                    entry.path,
                    line,
                    column,
                    "last_reviewed",
                    f"not confirmed for {age_days(entry, today)} days (over "
                    f"{settings.hide_after_days}): left off the site, the map, the finder "
                    "and search, kept in the open data; update last_reviewed once the "
                    "provider confirms the details",
                    severity="warning",
                    code="hidden",
                )
            )
    return out


def _md(text: str) -> str:
    from build_tools.review.markdown import inert

    return inert(text)


def _path(path: str) -> str:
    return f"`{path}`" if re.fullmatch(r"[A-Za-z0-9_./-]+", path) else _md(path)


def markdown(items: list[StaleListing], settings: Settings, today: dt.date) -> str:
    hidden = [i for i in items if i.state == "hidden"]
    lines = [
        f"# Listings to confirm ({today.isoformat()})",
        "",
        f"{len(items)} listing(s) have not been confirmed for over "
        f"{settings.stale_after_days} days"
        + (
            f"; {len(hidden)} of them, over {settings.hide_after_days} days, are hidden from "
            "the site until confirmed."
            if settings.hide_after_days
            else "."
        ),
        "",
    ]
    if not items:
        return "\n".join([*lines, "Every listing has been confirmed recently."]) + "\n"
    lines += [
        "**How to confirm**: check the details with the provider, then change "
        '`last_reviewed` to the date you checked (or the provider sends the "Add or update '
        'an activity" form with the id and ticks "All the details of this listing are '
        'correct today"). A confirmed listing drops off the next report.',
        "",
        "| Listing | Last confirmed | Days | Owners | State |",
        "|---|---|---|---|---|",
    ]
    for item in items:
        owners = ", ".join(f"@{o}" if LOGIN.fullmatch(o) else _md(o) for o in item.owners)
        owners = owners or "none recorded"
        state_word = "hidden from the site" if item.state == "hidden" else "due"
        lines.append(
            f"| {_md(item.name)} (`{item.id}`, {_path(item.path)}) | {item.last_reviewed} | "
            f"{item.days} | {owners} | {state_word} |"
        )
    return "\n".join(lines) + "\n"


def stale_command(
    settings: Settings,
    *,
    today: str | None = None,
    fmt: str = "markdown",
    issue: bool = False,
    paths: list[Path] | None = None,
    out: TextIO | None = None,
) -> int:
    out = out or sys.stdout
    try:
        day = dt.date.fromisoformat(today) if today else build_date()
    except ValueError:
        out.write(
            console.safe_line(
                f"community-map stale: `{console.shown(today)}` is not a "
                "date: write it as YYYY-MM-DD"
            )
            + "\n"
        )
        return 2
    entries, _ = load_paths(paths or [settings.entries_dir], base=settings.root)
    items = stale(entries, settings, day)
    if issue:
        from build_tools.review.github import GitHub, GitHubError

        try:
            GitHub.from_env().upsert_issue(STALE_LABEL, STALE_TITLE, markdown(items, settings, day))
        except GitHubError as error:
            out.write(console.safe_line(f"community-map stale: {error}") + "\n")
            return 2
    if fmt == "json":
        console.dump_json([{k: v for k, v in asdict(i).items() if k != "path"} for i in items], out)
    else:
        console.write_lines(out, markdown(items, settings, day).rstrip("\n"))
    return 0
