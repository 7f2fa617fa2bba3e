"""Calendars (build_tools/data/calendars.py): parsed back with icalendar and expanded with
dateutil's rrule, the occurrences match the schedule, at the same London time across the
changes to and from British Summer Time."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from icalendar import Calendar
from pages_fixtures import coords_of, make_entry, make_settings, scan

from build_tools.data import calendars
from build_tools.entries import schedule
from build_tools.site import pages

LONDON = ZoneInfo("Europe/London")


def session(**fields):
    return {"start": "10:00", "end": "11:30", **fields}


def parse(data: bytes) -> Calendar:
    return Calendar.from_ical(data)


def expand(event, until: dt.datetime) -> list[dt.datetime]:
    """Every start of a recurring event up to `until`, from its own DTSTART and RRULE."""
    start = event.decoded("dtstart")
    rule = event["rrule"].to_ical().decode()
    return list(rrulestr(rule, dtstart=start).between(start, until, inc=True))


def one_event(entry) -> object:
    (event,) = parse(calendars.calendar("test", [entry], make_settings())).walk("VEVENT")
    return event


CASES = [
    # weekly on two days, across the end of BST (25 October 2026)
    (session(days=["tue", "thu"], frequency="weekly"), dt.date(2026, 10, 1), dt.date(2026, 11, 30)),
    # fortnightly from starts_on, across the start of BST (28 March 2027)
    (
        session(days=["wed"], frequency="fortnightly", starts_on="2027-02-03"),
        dt.date(2027, 2, 1),
        dt.date(2027, 5, 31),
    ),
    # first Saturday of the month
    (
        session(days=["sat"], frequency="monthly", weeks_of_month=[1]),
        dt.date(2026, 10, 1),
        dt.date(2027, 4, 30),
    ),
    # last Friday of the month
    (
        session(days=["fri"], frequency="monthly", weeks_of_month=[-1]),
        dt.date(2026, 10, 1),
        dt.date(2027, 4, 30),
    ),
    # a course with an end date, across the end of BST
    (
        session(days=["mon"], frequency="weekly", starts_on="2026-10-05", ends_on="2026-11-09"),
        dt.date(2026, 10, 1),
        dt.date(2027, 1, 31),
    ),
]


@pytest.mark.parametrize(("item", "first", "last"), CASES)
def test_occurrences_match_the_schedule(item, first, last) -> None:
    entry = make_entry(schedule=[item], last_reviewed=dt.date(2026, 10, 1))
    event = one_event(entry)
    until = dt.datetime.combine(last, dt.time(23, 59), LONDON)
    starts = expand(event, until)
    expected = schedule.occurrences(entry.schedule[0], first, last)
    assert [s.date() for s in starts] == expected
    assert len(expected) >= 3
    # always 10:00 London time; the UTC hour moves with the clocks
    assert {s.astimezone(LONDON).time() for s in starts} == {dt.time(10, 0)}
    offsets = {s.astimezone(LONDON).utcoffset() for s in starts}
    if any(d.month in (3, 4, 10) for d in expected) and any(
        d.month in (11, 12, 1, 2) for d in expected
    ):
        assert offsets == {dt.timedelta(0), dt.timedelta(hours=1)}
    assert event.decoded("dtend") - event.decoded("dtstart") == dt.timedelta(minutes=90)


def test_the_course_stops_on_its_last_date() -> None:
    item = session(days=["mon"], frequency="weekly", starts_on="2026-10-05", ends_on="2026-11-09")
    event = one_event(make_entry(schedule=[item]))
    starts = expand(event, dt.datetime(2027, 6, 1, tzinfo=LONDON))
    assert starts[0].date() == dt.date(2026, 10, 5) and starts[-1].date() == dt.date(2026, 11, 9)
    assert len(starts) == 6


def test_dtstart_without_starts_on_is_the_first_session_after_last_reviewed() -> None:
    event = one_event(
        make_entry(
            schedule=[session(days=["fri"], frequency="weekly")], last_reviewed=dt.date(2026, 10, 1)
        )
    )
    assert event.decoded("dtstart") == dt.datetime(2026, 10, 2, 10, 0, tzinfo=LONDON)
    assert str(event["dtstart"].params["TZID"]) == "Europe/London"


def test_the_file_has_a_london_vtimezone_and_the_event_details() -> None:
    settings = make_settings()
    object.__setattr__(settings, "site_url", "https://directory.example.org/")
    cal = parse(calendars.calendar("Walks", [make_entry()], settings))
    (tz,) = cal.walk("VTIMEZONE")
    assert str(tz["tzid"]) == "Europe/London"
    assert {c.name for c in tz.subcomponents} == {"STANDARD", "DAYLIGHT"}
    weekly, monthly = cal.walk("VEVENT")
    assert str(weekly["summary"]) == "Mote Park Health Walk"
    assert str(weekly["url"]) == "https://directory.example.org/activities/mote-park-health-walk/"
    assert "Mote Park Café" in str(weekly["location"])
    assert "Every Tuesday and Thursday" in str(weekly["description"])
    assert weekly["rrule"]["BYDAY"] == ["TU", "TH"]
    assert monthly["rrule"]["BYDAY"] == ["1SA"] and monthly["rrule"]["FREQ"] == ["MONTHLY"]
    assert weekly["uid"] != monthly["uid"]


def test_calendars_are_deterministic_and_uids_stable(monkeypatch: pytest.MonkeyPatch) -> None:
    entries = [make_entry(), make_entry(id="other-walk", name="Other Walk")]
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    once = calendars.generate(entries, make_settings(), {})
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    again = calendars.generate(entries, make_settings(), {})
    assert [(o.path, o.content) for o in once] == [(o.path, o.content) for o in again]
    paths = {o.path for o in once}
    assert {
        "calendar/mote-park-health-walk.ics",
        "calendar/other-walk.ics",
        "calendar/areas/maidstone.ics",
        "calendar/categories/physical-activity.ics",
    } <= paths
    by_path = {o.path: parse(o.content) for o in once}
    assert len(by_path["calendar/areas/maidstone.ics"].walk("VEVENT")) == 4
    assert len(by_path["calendar/areas/dover.ics"].walk("VEVENT")) == 0
    assert len(by_path["calendar/categories/physical-activity.ics"].walk("VEVENT")) == 4


def test_no_calendar_without_a_schedule_or_when_closed() -> None:
    entries = [
        make_entry(id="no-times", schedule=None),
        make_entry(id="closed-walk", status="closed"),
    ]
    paths = {o.path for o in calendars.generate(entries, make_settings(), {})}
    assert "calendar/no-times.ics" not in paths and "calendar/closed-walk.ics" not in paths


def test_pages_link_the_calendars(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1796000000")  # 2026-11-30
    entries = [
        make_entry(),
        make_entry(id="no-times", name="No Times", schedule=None),
        make_entry(
            id="ended-course",
            name="Ended Course",
            schedule=[session(days=["mon"], frequency="weekly", ends_on="2026-11-09")],
        ),
    ]
    outputs = {
        o.path: o.html or "" for o in pages.generate(entries, make_settings(), coords_of(entries))
    }
    links = [
        a
        for a in scan(outputs["activities/mote-park-health-walk.md"]).find("a")
        if a.attrs.get("class") == "cm-calendar"
    ]
    assert [a.attrs["href"] for a in links] == ["../../calendar/mote-park-health-walk.ics"]
    assert "Add to calendar" in outputs["activities/mote-park-health-walk.md"]
    assert "cm-calendar" not in outputs["activities/no-times.md"]
    assert "cm-calendar" not in outputs["activities/ended-course.md"]
    feed = [
        a.attrs["href"]
        for a in scan(outputs["areas/maidstone.md"]).find("a")
        if ".ics" in a.attrs.get("href", "")
    ]
    assert feed == ["../../calendar/areas/maidstone.ics"]
    feed = [
        a.attrs["href"]
        for a in scan(outputs["categories/physical-activity.md"]).find("a")
        if ".ics" in a.attrs.get("href", "")
    ]
    assert feed == ["../../calendar/categories/physical-activity.ics"]
