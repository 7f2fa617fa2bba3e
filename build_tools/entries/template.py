"""`community-map new`: a commented entry for providers to fill in; it validates once every
example value is replaced (the examples are in `placeholders`, which the validator reads)."""

from __future__ import annotations

import datetime as dt
import re
import sys
from pathlib import Path
from typing import TextIO

from build_tools.console import shown, write_lines
from build_tools.entries import placeholders
from build_tools.settings import Settings
from build_tools.settings import today as settings_today

ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")

TEMPLATE = """\
# A Community Map entry. Replace every example value (the validator refuses the file
# until you have), keep the quotes where they are, and delete the optional fields you
# do not need. The full guide: the site's "Add your activity" page.
# Check your file with: community-map validate {path}
id: {id}
# The name people know it by (3 to 120 characters).
name: {name}
# One sentence, 10 to 200 characters, shown in lists and on the map.
summary: {summary}
# Optional: more detail in Markdown (**bold**, *italics*, lists, [links](https://example.org)).
description: |
  {description}
# One to three of the categories in schema/categories.yml.
categories: [{category}]
# Optional: who it is for, from schema/audiences.yml (everyone when left out).
audiences: [everyone]
# The areas it serves (schema/areas.yml), or [all] for the whole region.
areas: [{area}]
organisation:
  name: {organisation}
  # Optional: website and registered charity number (in quotes).
  website: {website}
contact:
  # At least one of phone (in quotes), email and website.
  phone: "{phone}"
  email: {email}
# in-person, online, telephone and/or home-visit. In-person activities need a location.
delivery: [in-person]
location:
  venue: {venue}
  address: {address}
  town: {town}
  postcode: {postcode}
  # Optional: coordinates: {{lat: 51.2705, lon: 0.5486}} (otherwise found from the address).
schedule:
  # Times in quotes, 24-hour clock. frequency: weekly, fortnightly or monthly;
  # monthly needs weeks_of_month, like [1] for the first or [-1] for the last week;
  # fortnightly needs starts_on, the first session's date (YYYY-MM-DD). A course that
  # ends can add ends_on, the last session's date.
  - days: [tue]
    start: "{start}"
    end: "{end}"
    frequency: weekly
# Optional: a short note, like "Term time only".
schedule_note: Please check before your first visit.
# free, paid or donation. paid needs cost_note, like "£3 a session".
cost: free
# drop-in, booking-required or referral-only.
booking: drop-in
# Who can refer: self, professional and/or gp.
referral: [self]
# Optional: accessibility features from schema/accessibility.yml, like
# accessibility: [step-free-access, hearing-loop]
# Optional: GitHub user names who may update this entry.
owners: []
# The date you last confirmed these details (YYYY-MM-DD), not in the future.
last_reviewed: {today}
# active, paused or closed.
status: active
"""


def render(
    settings: Settings, entry_id: str, area: str, path: str, today: dt.date | None = None
) -> str:
    """The template for one new entry: every fact the command cannot know is a placeholder
    from `placeholders.PLACEHOLDERS`, which the validator refuses until it is replaced."""
    vocab = settings.vocabulary()
    term = vocab.areas.get(area)
    town = term.town if term and term.town else placeholders.value(("location", "town"))
    return TEMPLATE.format(
        id=entry_id,
        name=placeholders.value(("name",)),
        summary=placeholders.value(("summary",)),
        description=placeholders.value(("description",)),
        category=placeholders.value(("categories", 0)),
        organisation=placeholders.value(("organisation", "name")),
        website=placeholders.value(("organisation", "website")),
        phone=placeholders.value(("contact", "phone")),
        email=placeholders.value(("contact", "email")),
        venue=placeholders.value(("location", "venue")),
        address=placeholders.value(("location", "address")),
        postcode=placeholders.value(("location", "postcode")),
        start=placeholders.value(("schedule", 0, "start")),
        end=placeholders.value(("schedule", 0, "end")),
        area=area,
        town=town,
        path=path,
        today=(today or settings_today()).isoformat(),
    )


def _print(stream: TextIO, text: str) -> None:
    write_lines(stream, text)


def write_template(
    settings: Settings, entry_id: str, area: str, output: Path | None, today: dt.date | None = None
) -> int:
    """Write the template; 2 (a usage error) for a bad id or area or an existing file."""
    vocab = settings.vocabulary()
    if not ID.match(entry_id) or not 3 <= len(entry_id) <= 80:
        _print(
            sys.stderr,
            f"community-map new: `{shown(entry_id)}` is not a valid id: use 3 to 80 lower-case "
            "letters, digits and single hyphens, like mote-park-health-walk",
        )
        return 2
    if area != "all" and area not in vocab.areas:
        _print(
            sys.stderr,
            f"community-map new: `{shown(area)}` is not an area; choose one of: all, "
            f"{', '.join(vocab.areas)}",
        )
        return 2
    path = output or settings.entries_dir / area / f"{entry_id}.yml"
    if path.stem != entry_id:
        _print(sys.stderr, f"community-map new: the file must be called {shown(entry_id)}.yml")
        return 2
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8") as handle:  # "x": never overwrite
            handle.write(render(settings, entry_id, area, path.as_posix(), today))
    except FileExistsError:
        where = shown(path.as_posix(), 200)
        _print(sys.stderr, f"community-map new: {where} already exists; edit it instead")
        return 2
    where = shown(path.as_posix(), 200)
    _print(sys.stdout, f"Wrote {where}: fill it in, then run community-map validate {where}")
    return 0
