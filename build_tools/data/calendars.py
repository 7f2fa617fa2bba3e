"""Calendars (RFC 5545): one `.ics` per activity, per area and per category.

Each session is one recurring `VEVENT` (weekly; fortnightly as `INTERVAL=2`; monthly on the
nth or last weekday; `UNTIL` from `ends_on`), in `Europe/London` time with its `VTIMEZONE`,
so a walk at 10:00 stays at 10:00 when the clocks change. `DTSTART` is the first session on
or after `starts_on` (or, without it, on or after `last_reviewed`) and `DTSTAMP` is
`last_reviewed`, so the same entries always give byte-identical files whatever the build date.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard, vRecur

from build_tools.data.openreferral import DAY_CODES, first_date
from build_tools.entries.model import Entry, Session
from build_tools.outputs import Output
from build_tools.settings import Settings

FOLDER = "calendar"
TZID = "Europe/London"
LONDON = ZoneInfo(TZID)


def activity_path(entry_id: str) -> str:
    return f"{FOLDER}/{entry_id}.ics"


def area_path(area: str) -> str:
    return f"{FOLDER}/areas/{area}.ics"


def category_path(category: str) -> str:
    return f"{FOLDER}/categories/{category}.ics"


def london_timezone() -> Timezone:
    """The UK's rules since 1996 as a `VTIMEZONE`: British Summer Time from 01:00 GMT on the
    last Sunday of March to 01:00 GMT on the last Sunday of October. Written with RRULEs (not
    a list of dates) so it holds for every year a recurring event reaches."""
    tz = Timezone()
    tz.add("tzid", TZID)
    summer = TimezoneDaylight()
    summer.add("tzname", "BST")
    summer.add("dtstart", dt.datetime(1996, 3, 31, 1, 0, 0))
    summer.add("tzoffsetfrom", dt.timedelta(hours=0))
    summer.add("tzoffsetto", dt.timedelta(hours=1))
    summer.add("rrule", {"freq": "yearly", "bymonth": 3, "byday": "-1SU"})
    winter = TimezoneStandard()
    winter.add("tzname", "GMT")
    winter.add("dtstart", dt.datetime(1996, 10, 27, 2, 0, 0))
    winter.add("tzoffsetfrom", dt.timedelta(hours=1))
    winter.add("tzoffsetto", dt.timedelta(hours=0))
    winter.add("rrule", {"freq": "yearly", "bymonth": 10, "byday": "-1SU"})
    tz.add_component(summer)
    tz.add_component(winter)
    return tz


def _clock(day: dt.date, hhmm: str) -> dt.datetime:
    hours, minutes = (int(p) for p in hhmm.split(":"))
    return dt.datetime(day.year, day.month, day.day, hours, minutes, tzinfo=LONDON)


def rrule(session: Session) -> vRecur:
    codes = [DAY_CODES[d] for d in session.days]
    rule: dict[str, object] = {"freq": "monthly" if session.frequency == "monthly" else "weekly"}
    if session.frequency == "fortnightly":
        rule["interval"] = 2
    if session.frequency == "monthly":
        weeks = sorted(session.weeks_of_month, key=lambda w: (w == -1, w))
        rule["byday"] = [f"{w}{c}" for w in weeks for c in codes]
    else:
        rule["byday"] = codes
        rule["wkst"] = "MO"  # fortnights count from the week of DTSTART, Monday to Sunday
    if session.ends_on is not None:
        # with a local DTSTART, UNTIL is in UTC: the end of the last day, London time
        last = dt.datetime.combine(session.ends_on, dt.time(23, 59, 59), LONDON)
        rule["until"] = last.astimezone(dt.UTC)
    return vRecur(rule)


def _host(settings: Settings) -> str:
    return urlsplit(settings.site_url).netloc or "community-map.invalid"


def events(entry: Entry, settings: Settings) -> list[Event]:
    """One recurring event per session with a known first date."""
    from build_tools.entries.schedule import describe_session

    page = f"{settings.site_url}activities/{entry.id}/"
    namespace = uuid.UUID(settings.openreferral_namespace)
    loc = entry.location
    where = loc.one_line() if loc is not None and entry.in_person else ""
    if not where and "online" in entry.delivery:
        where = "Online"
    stamp = entry.last_reviewed or dt.date(2000, 1, 1)
    out = []
    for index, session in enumerate(entry.schedule):
        first = first_date(session, entry)
        if first is None or not session.start or not session.end:
            continue
        event = Event()
        uid = uuid.uuid5(namespace, f"calendar/{entry.id}/{index}")
        event.add("uid", f"{uid}@{_host(settings)}")
        event.add("dtstamp", dt.datetime.combine(stamp, dt.time(0, 0), dt.UTC))
        event.add("dtstart", _clock(first, session.start))
        event.add("dtend", _clock(first, session.end))
        event.add("rrule", rrule(session))
        event.add("summary", entry.name)
        lines = [entry.summary, describe_session(session)]
        if entry.schedule_note:
            lines.append(entry.schedule_note)
        if settings.site_url:
            lines.append(f"Details: {page}")
        event.add("description", "\n".join(lines))
        if settings.site_url:
            event.add("url", page)
        if where:
            event.add("location", where)
        if entry.status == "paused":
            event.add("status", "TENTATIVE")
        out.append(event)
    return out


def calendar(name: str, entries: Iterable[Entry], settings: Settings) -> bytes:
    cal = Calendar()
    cal.add("prodid", f"-//{settings.site_name}//Community Map//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", TZID)
    cal.add_component(london_timezone())
    for entry in sorted(entries, key=lambda e: e.id):
        for event in events(entry, settings):
            cal.add_component(event)
    return cal.to_ical()


def has_calendar(entry: Entry) -> bool:
    return any(s.start and s.end and s.days for s in entry.schedule)


def generate(
    entries: list[Entry], settings: Settings, coords: dict[str, tuple[float, float]]
) -> list[Output]:
    """A calendar per published activity with a schedule, and one per area and category."""
    vocab = settings.vocabulary()
    listed = [e for e in entries if e.published and has_calendar(e)]
    outputs = [
        Output(activity_path(e.id), calendar(f"{e.name} ({settings.site_name})", [e], settings))
        for e in listed
    ]
    for aid, term in vocab.areas.items():
        mine = [e for e in listed if aid in e.areas or "all" in e.areas]
        outputs.append(
            Output(area_path(aid), calendar(f"{term.name}: {settings.site_name}", mine, settings))
        )
    for cid, term in vocab.categories.items():
        mine = [e for e in listed if cid in e.categories]
        outputs.append(
            Output(
                category_path(cid), calendar(f"{term.name}: {settings.site_name}", mine, settings)
            )
        )
    return outputs
