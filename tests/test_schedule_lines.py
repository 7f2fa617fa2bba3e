"""The one-line schedule format shared by the issue form and the CSV download."""

from __future__ import annotations

import pytest

from build_tools.entries.model import Entry
from build_tools.entries.schedule import (
    LINE_EXAMPLES,
    parse_schedule_lines,
    parse_session_line,
    session_line,
)


@pytest.mark.parametrize(
    ("line", "item"),
    [
        (
            "Tue, Thu 10:00-10:45 weekly",
            {"days": ["tue", "thu"], "start": "10:00", "end": "10:45", "frequency": "weekly"},
        ),
        (
            "Fri 14:00 - 16:00 monthly weeks 1, last",
            {
                "days": ["fri"],
                "start": "14:00",
                "end": "16:00",
                "frequency": "monthly",
                "weeks_of_month": [1, -1],
            },
        ),
        (
            "wednesdays 9.30 to 11:00 fortnightly from 2026-11-04 until 2027-03-31",
            {
                "days": ["wed"],
                "start": "09:30",
                "end": "11:00",
                "frequency": "fortnightly",
                "starts_on": "2026-11-04",
                "ends_on": "2027-03-31",
            },
        ),
    ],
)
def test_lines_read_as_schedule_items(line: str, item: dict[str, object]) -> None:
    assert parse_session_line(line) == (item, [])


@pytest.mark.parametrize("line", LINE_EXAMPLES)
def test_examples_round_trip(line: str) -> None:
    item, problems = parse_session_line(line)
    assert problems == [] and item is not None
    session = Entry(id="x", path="x.yml", data={"schedule": [item]}).schedule[0]
    assert session_line(session) == line


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("Someday 10:00-11:00 weekly", "starts with `Someday`, not a day"),
        ("Mon 10:00-11:00", "needs how often after the times"),
        ("Mon 10-11 weekly", "needs the start and end times"),
        ("Mon 10:00-11:00 monthly week 9", "has week `9`: weeks of the month are 1 to 5"),
        ("Mon 10:00-11:00 weekly from soon", "needs a date after `from`"),
        ("Mon 10:00-11:00 weekly please", "has `please` where it expects"),
    ],
)
def test_mistakes_are_explained(line: str, message: str) -> None:
    item, problems = parse_session_line(line)
    assert item is None
    assert len(problems) == 1 and message in problems[0], problems


def test_several_lines_name_the_line() -> None:
    sessions, problems = parse_schedule_lines("Tue 10:00-11:00 weekly\n\nMon 10:00 weekly\n")
    assert len(sessions) == 1
    assert problems == ["line 2: needs the start and end times after the days, like `10:00-11:30`"]


def test_provider_text_in_a_message_is_escaped() -> None:
    _, problems = parse_session_line("Mon 10:00-11:00 weekly \x1b[31m")
    assert problems and "\x1b" not in problems[0] and "\\u001b" in problems[0]
