"""Sessions with dates (`starts_on`, `ends_on`): what pages say, and which dates a session
meets on (build_tools/entries/schedule.py), as of the build date."""

from __future__ import annotations

import datetime as dt

import pytest
from pages_fixtures import coords_of, make_entry, make_settings, visible_text

from build_tools import settings as settings_module
from build_tools.entries import schedule
from build_tools.entries.model import Session
from build_tools.site import pages

TODAY = dt.date(2026, 12, 1)  # a Tuesday


def _epoch(day: dt.date) -> str:
    return str(int(dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.UTC).timestamp()))


@pytest.mark.parametrize(
    ("session", "today", "words"),
    [
        (
            Session(("thu",), "14:00", "15:30", "fortnightly", starts_on=dt.date(2026, 9, 3)),
            TODAY,
            "Every other Thursday (next on 10 December), 14:00 to 15:30",
        ),
        (  # the other week of the pair: 3 December is on, so it is next
            Session(("thu",), "14:00", "15:30", "fortnightly", starts_on=dt.date(2026, 9, 10)),
            TODAY,
            "Every other Thursday (next on 3 December), 14:00 to 15:30",
        ),
        (  # next year's date carries its year
            Session(("wed",), "10:00", "11:00", "fortnightly", starts_on=dt.date(2026, 12, 23)),
            dt.date(2026, 12, 24),
            "Every other Wednesday (next on 6 January 2027), 10:00 to 11:00",
        ),
        (
            Session(("tue",), "19:00", "20:30", "weekly", ends_on=dt.date(2027, 3, 25)),
            TODAY,
            "Every Tuesday until 25 March 2027, 19:00 to 20:30",
        ),
        (
            Session(
                ("tue",),
                "19:00",
                "20:30",
                "weekly",
                starts_on=dt.date(2027, 1, 12),
                ends_on=dt.date(2027, 3, 2),
            ),
            TODAY,
            "Every Tuesday from 12 January 2027 until 2 March 2027, 19:00 to 20:30",
        ),
        (  # a start already passed is not worth saying
            Session(("tue",), "10:00", "11:00", "weekly", starts_on=dt.date(2026, 1, 6)),
            TODAY,
            "Every Tuesday, 10:00 to 11:00",
        ),
        (
            Session(("sat",), "09:30", "10:30", "monthly", (-1,)),
            TODAY,
            "Last Saturday of the month, 09:30 to 10:30",
        ),
    ],
)
def test_session_words(session: Session, today: dt.date, words: str) -> None:
    assert schedule.describe_session(session, today) == words


def test_fortnightly_meets_every_other_week_from_its_start() -> None:
    session = Session(
        ("tue", "thu"), "10:00", "11:00", "fortnightly", starts_on=dt.date(2026, 11, 5)
    )
    got = schedule.occurrences(session, dt.date(2026, 11, 1), dt.date(2026, 12, 6))
    # the week of 5 November, not its Tuesday (before the start), then every other week
    assert got == [
        dt.date(2026, 11, 5),
        dt.date(2026, 11, 17),
        dt.date(2026, 11, 19),
        dt.date(2026, 12, 1),
        dt.date(2026, 12, 3),
    ]


def test_monthly_first_and_last_weekday() -> None:
    first = Session(("mon",), "10:00", "11:00", "monthly", (1,))
    last = Session(("fri",), "10:00", "11:00", "monthly", (-1,))
    assert schedule.occurrences(first, dt.date(2027, 1, 1), dt.date(2027, 3, 31)) == [
        dt.date(2027, 1, 4),
        dt.date(2027, 2, 1),
        dt.date(2027, 3, 1),
    ]
    assert schedule.occurrences(last, dt.date(2027, 1, 1), dt.date(2027, 3, 31)) == [
        dt.date(2027, 1, 29),
        dt.date(2027, 2, 26),
        dt.date(2027, 3, 26),
    ]


def test_a_course_ends_on_its_last_date() -> None:
    course = Session(("wed",), "18:00", "20:00", "weekly", ends_on=dt.date(2026, 12, 9))
    assert schedule.next_date(course, dt.date(2026, 12, 9)) == dt.date(2026, 12, 9)
    assert schedule.next_date(course, dt.date(2026, 12, 10)) is None
    assert schedule.current(course, dt.date(2026, 12, 9))
    assert not schedule.current(course, dt.date(2026, 12, 10))


def _html(entry, monkeypatch: pytest.MonkeyPatch, today: dt.date) -> tuple[str, str]:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", _epoch(today))
    outputs = {o.path: o for o in pages.generate([entry], make_settings(), coords_of([entry]))}
    return (
        visible_text(outputs[f"activities/{entry.id}.md"].html or ""),
        visible_text(outputs["categories/physical-activity.md"].html or ""),
    )


def test_pages_leave_out_sessions_that_have_ended(monkeypatch: pytest.MonkeyPatch) -> None:
    entry = make_entry(
        schedule=[
            {
                "days": ["wed"],
                "start": "18:00",
                "end": "20:00",
                "frequency": "weekly",
                "starts_on": "2026-10-07",
                "ends_on": "2026-11-11",
            },
            {
                "days": ["fri"],
                "start": "10:00",
                "end": "12:00",
                "frequency": "weekly",
                "starts_on": "2027-01-08",
                "ends_on": "2027-02-12",
            },
        ]
    )
    page, listing = _html(entry, monkeypatch, TODAY)
    assert "Every Friday from 8 January 2027 until 12 February 2027, 10:00 to 12:00" in page
    assert "Wednesday" not in page
    assert "Every Friday from 8 January 2027" in listing and "Wednesday" not in listing
    assert "No sessions planned" not in page
    # before the first course ended, both show
    page, _ = _html(entry, monkeypatch, dt.date(2026, 11, 11))
    assert "Every Wednesday until 11 November 2026, 18:00 to 20:00" in page


def test_a_listing_with_no_sessions_left_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    entry = make_entry(
        schedule=[
            {
                "days": ["tue"],
                "start": "19:00",
                "end": "20:30",
                "frequency": "weekly",
                "ends_on": "2026-11-24",
            }
        ]
    )
    page, listing = _html(entry, monkeypatch, TODAY)
    assert "No sessions planned" in page
    assert "Every session listed here has ended" in page
    assert "No sessions are planned at the moment: the last one was on 24 November 2026" in page
    assert "Every Tuesday" not in page
    assert "No sessions are planned at the moment" in listing
    page, _ = _html(entry, monkeypatch, dt.date(2026, 11, 24))
    assert "No sessions planned" not in page and "Every Tuesday until 24 November 2026" in page


def test_today_is_the_build_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", _epoch(dt.date(2027, 2, 3)))
    assert settings_module.today() == dt.date(2027, 2, 3)
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert settings_module.today() == dt.date.today()


def test_finder_filters_ignore_ended_sessions(monkeypatch: pytest.MonkeyPatch) -> None:
    from build_tools.site import finder

    entry = make_entry(
        schedule=[
            {"days": ["mon"], "start": "18:00", "end": "20:00", "frequency": "weekly"},
            {
                "days": ["fri"],
                "start": "10:00",
                "end": "11:00",
                "frequency": "weekly",
                "ends_on": "2026-11-27",
            },
        ]
    )
    monkeypatch.setenv("SOURCE_DATE_EPOCH", _epoch(TODAY))
    assert schedule.running_days(entry) == ("mon",)
    assert schedule.times_of_day(entry) == {"evening"}
    record = finder.record(entry, make_settings().vocabulary(), {})
    assert record["w"] == 1  # Monday only
    monkeypatch.setenv("SOURCE_DATE_EPOCH", _epoch(dt.date(2026, 11, 27)))
    assert schedule.running_days(entry) == ("mon", "fri")
