"""The one model every step shares: an `Entry` per activity file, parsed once.

An `Entry` keeps its source path and the position of every value in the YAML (`marks`), so
any later step can point a provider at the exact line. Typed views (`location`, `schedule`,
`last_reviewed`...) are computed from the data on first use; steps after validation rely on
them and never reach into raw dicts.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from build_tools.console import escape_text, safe_line, shown

Path_ = tuple[str | int, ...]  # a path into the data, as jsonschema's `absolute_path`

_UK_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$")

DAY_ORDER = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong (or worth a look) in one file, at one place."""

    path: str
    line: int
    column: int
    field: str
    message: str
    severity: str = "error"  # "error" or "warning"
    code: str = field(default="", compare=False)

    def format(self) -> str:
        """`path:line:column: field: message`, on one line whatever the file name, the field
        name or the message hold (messages quote provider values with `console.shown`)."""
        label = "" if self.severity == "error" else "warning: "
        field_ = shown(self.field, 120) if self.field else "(file)"
        path = escape_text(self.path)
        return safe_line(f"{path}:{self.line}:{self.column}: {field_}: {label}{self.message}")


@dataclass(frozen=True)
class Session:
    """One regular slot in a schedule."""

    days: tuple[str, ...]
    start: str
    end: str
    frequency: str
    weeks_of_month: tuple[int, ...] = ()
    starts_on: dt.date | None = None  # the first session, or any one session's date
    ends_on: dt.date | None = None  # the last session's date, for a course that ends


@dataclass(frozen=True)
class Location:
    venue: str
    address: str
    town: str
    postcode: str
    lat: float | None = None
    lon: float | None = None

    @property
    def has_coordinates(self) -> bool:
        return self.lat is not None and self.lon is not None

    def one_line(self) -> str:
        parts = [self.venue, self.address, self.town, self.postcode]
        return ", ".join(p for p in parts if p)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def parse_date(value: Any) -> dt.date | None:
    """A `YYYY-MM-DD` value as a date; None when absent or not a real date."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and len(value) == 10:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple(v for v in value if isinstance(v, str))
    return ()


@dataclass(frozen=True, eq=False)
class Entry:
    """One activity file: where it came from, what it says, and where each value was written."""

    id: str
    path: str  # as shown to people: relative, with forward slashes
    data: Mapping[str, Any]
    marks: Mapping[Path_, tuple[int, int]] = field(default_factory=dict, repr=False)
    # plain scalars YAML read as something other than text: path -> what was written
    misread: Mapping[Path_, str] = field(default_factory=dict, repr=False)

    def mark(self, path: Path_) -> tuple[int, int]:
        """Line and column (1-based) of the value at `path`, or of its nearest written parent."""
        path = tuple(path)
        while path:
            if path in self.marks:
                return self.marks[path]
            path = path[:-1]
        return self.marks.get((), (1, 1))

    def key_mark(self, path: Path_) -> tuple[int, int]:
        """Where the key of `path` was written (its value may start on a later line)."""
        return self.marks.get(("<key>", *path)) or self.mark(path)

    # Typed views. They tolerate invalid data (validation runs on the same objects).
    @property
    def name(self) -> str:
        return _text(self.data.get("name"))

    @property
    def summary(self) -> str:
        return _text(self.data.get("summary"))

    @property
    def description(self) -> str:
        return _text(self.data.get("description"))

    @property
    def status(self) -> str:
        return _text(self.data.get("status"))

    @property
    def published(self) -> bool:
        """Active and paused entries are on the site; closed ones stay in the data only."""
        return self.status in ("active", "paused")

    @property
    def categories(self) -> tuple[str, ...]:
        return _strings(self.data.get("categories"))

    @property
    def audiences(self) -> tuple[str, ...]:
        return _strings(self.data.get("audiences")) or ("everyone",)

    @property
    def areas(self) -> tuple[str, ...]:
        return _strings(self.data.get("areas"))

    @property
    def delivery(self) -> tuple[str, ...]:
        return _strings(self.data.get("delivery"))

    @property
    def accessibility(self) -> tuple[str, ...]:
        return _strings(self.data.get("accessibility"))

    @property
    def languages(self) -> tuple[str, ...]:
        return _strings(self.data.get("languages")) or ("en",)

    @property
    def referral(self) -> tuple[str, ...]:
        return _strings(self.data.get("referral"))

    @property
    def owners(self) -> tuple[str, ...]:
        return _strings(self.data.get("owners"))

    @property
    def cost(self) -> str:
        return _text(self.data.get("cost"))

    @property
    def cost_note(self) -> str:
        return _text(self.data.get("cost_note"))

    @property
    def booking(self) -> str:
        return _text(self.data.get("booking"))

    @property
    def schedule_note(self) -> str:
        return _text(self.data.get("schedule_note"))

    @property
    def organisation(self) -> Mapping[str, str]:
        org = self.data.get("organisation")
        return {k: v for k, v in org.items() if isinstance(v, str)} if isinstance(org, dict) else {}

    @property
    def contact(self) -> Mapping[str, str]:
        con = self.data.get("contact")
        return {k: v for k, v in con.items() if isinstance(v, str)} if isinstance(con, dict) else {}

    @property
    def age(self) -> tuple[int | None, int | None]:
        age = self.data.get("age")
        if not isinstance(age, dict):
            return None, None
        lo, hi = age.get("min"), age.get("max")
        return (lo if isinstance(lo, int) else None, hi if isinstance(hi, int) else None)

    @cached_property
    def location(self) -> Location | None:
        loc = self.data.get("location")
        if not isinstance(loc, dict):
            return None
        coords = loc.get("coordinates")
        lat = lon = None
        if isinstance(coords, dict):
            lat, lon = coords.get("lat"), coords.get("lon")
            if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lat, lon)):
                lat = lon = None
        return Location(
            venue=_text(loc.get("venue")),
            address=_text(loc.get("address")),
            town=_text(loc.get("town")),
            postcode=_text(loc.get("postcode")),
            lat=float(lat) if lat is not None else None,
            lon=float(lon) if lon is not None else None,
        )

    @property
    def in_person(self) -> bool:
        return "in-person" in self.delivery

    @cached_property
    def schedule(self) -> tuple[Session, ...]:
        sessions = []
        for item in self.data.get("schedule") or ():
            if not isinstance(item, dict):
                continue
            weeks = item.get("weeks_of_month") or []
            sessions.append(
                Session(
                    days=tuple(d for d in DAY_ORDER if d in _strings(item.get("days"))),
                    start=_text(item.get("start")),
                    end=_text(item.get("end")),
                    frequency=_text(item.get("frequency")),
                    weeks_of_month=tuple(w for w in weeks if isinstance(w, int)),
                    starts_on=parse_date(item.get("starts_on")),
                    ends_on=parse_date(item.get("ends_on")),
                )
            )
        return tuple(sessions)

    @property
    def days(self) -> tuple[str, ...]:
        """Every weekday the activity meets on, in week order."""
        found = {d for s in self.schedule for d in s.days}
        return tuple(d for d in DAY_ORDER if d in found)

    @cached_property
    def last_reviewed(self) -> dt.date | None:
        return parse_date(self.data.get("last_reviewed"))


def normalise_postcode(postcode: str) -> str:
    """Upper case, one space before the inward code: "me157rn" and "ME15  7RN" are one key."""
    compact = re.sub(r"\s+", "", unicodedata.normalize("NFKC", postcode)).upper()
    match = _UK_POSTCODE.match(compact)
    if match:
        return f"{match.group(1)} {match.group(2)}"
    return " ".join(unicodedata.normalize("NFKC", postcode).upper().split())
