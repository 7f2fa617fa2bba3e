"""When an activity runs, in plain English ("Every Tuesday and Thursday, 10:00 to 10:45")."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from build_tools.console import shown
from build_tools.entries.model import DAY_ORDER, Entry, Session

DAY_NAMES = dict(
    zip(
        DAY_ORDER,
        ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
        strict=True,
    )
)
ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last"}
# Bands used by the finder's "time of day" filter: [start, end) in minutes since midnight.
BANDS = {"morning": (0, 12 * 60), "afternoon": (12 * 60, 17 * 60), "evening": (17 * 60, 24 * 60)}


def join_words(words: list[str]) -> str:
    """`a`, `a and b`, `a, b and c`."""
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _days(days: tuple[str, ...]) -> str:
    if len(days) == 7:
        return "day"
    if days == DAY_ORDER[:5]:
        return "weekday"
    return join_words([DAY_NAMES[d] for d in days])


def _date_words(value: dt.date, today: dt.date | None) -> str:
    """`10 December` within the build's year, `25 March 2027` otherwise."""
    if today is not None and value.year == today.year:
        return f"{value.day} {value:%B}"
    return text_date(value)


def text_date(value: dt.date) -> str:
    """`25 March 2027`: the GOV.UK style."""
    return f"{value.day} {value:%B %Y}"


def describe_session(session: Session, today: dt.date | None = None) -> str:
    """ "Every other Thursday (next on 10 December), 14:00 to 15:30"; "Every Tuesday until
    2 March 2027, 19:00 to 20:30". With `today`, the next date of a fortnightly session is
    given, and a start date already passed is not."""
    times = f"{session.start} to {session.end}" if session.start and session.end else ""
    days = _days(session.days)
    if session.frequency == "monthly":
        weeks = sorted(session.weeks_of_month, key=lambda w: (w == -1, w))
        which = join_words([ORDINALS.get(w, str(w)) for w in weeks]) or "once"
        when = f"{which.capitalize()} {days} of the month"
    elif session.frequency == "fortnightly":
        when = f"Every other {days}"
    else:
        when = f"Every {days}"
    starts = session.starts_on
    if starts is not None and (today is None or starts > today):
        when += f" from {text_date(starts)}"
    if session.ends_on is not None:
        when += f" until {text_date(session.ends_on)}"
    if session.frequency == "fortnightly" and today is not None and (starts or today) <= today:
        upcoming = next_date(session, today)
        if upcoming is not None:
            when += f" (next on {_date_words(upcoming, today)})"
    return f"{when}, {times}" if times else when


def current(session: Session, today: dt.date) -> bool:
    """Whether the session still has a date on or after `today` (a course past its
    `ends_on` has none)."""
    return session.ends_on is None or next_date(session, today) is not None


def current_sessions(entry: Entry, today: dt.date) -> tuple[Session, ...]:
    return tuple(s for s in entry.schedule if current(s, today))


def ended(entry: Entry, today: dt.date) -> bool:
    """A listing whose every session is past its `ends_on`."""
    return bool(entry.schedule) and not current_sessions(entry, today)


def describe(entry: Entry, today: dt.date | None = None) -> list[str]:
    """One line per session still running on `today` (the build date by default), then the
    schedule note; empty when nothing is said. When every session has ended, one line says
    so, so a listing never looks as if it still meets."""
    today = _build_date(today)
    sessions = current_sessions(entry, today)
    lines = [describe_session(s, today) for s in sessions]
    if entry.schedule and not sessions:
        last = max(s.ends_on for s in entry.schedule if s.ends_on is not None)
        lines.append(
            f"No sessions are planned at the moment: the last one was on {text_date(last)}. "
            "Contact the organiser to ask about new dates"
        )
    if entry.schedule_note:
        lines.append(entry.schedule_note)
    return lines


# --- dates -----------------------------------------------------------------------------------
# A session's dates, for "next on", for leaving ended courses out, and for the calendars'
# first event. A fortnightly session meets in the week (Monday to Sunday) of its `starts_on`
# and every other week after; nothing is before `starts_on` or after `ends_on`.


def _week_of_month_matches(day: dt.date, weeks: tuple[int, ...]) -> bool:
    nth = (day.day - 1) // 7 + 1
    last = (day + dt.timedelta(days=7)).month != day.month
    return nth in weeks or (-1 in weeks and last)


def meets_on(session: Session, day: dt.date) -> bool:
    """Whether the session meets on `day`."""
    if DAY_ORDER[day.weekday()] not in session.days:
        return False
    if session.starts_on is not None and day < session.starts_on:
        return False
    if session.ends_on is not None and day > session.ends_on:
        return False
    if session.frequency == "fortnightly":
        anchor = session.starts_on
        if anchor is None:
            return False  # the validator requires starts_on; without it no week is known
        monday = day - dt.timedelta(days=day.weekday())
        anchor_monday = anchor - dt.timedelta(days=anchor.weekday())
        return ((monday - anchor_monday).days // 7) % 2 == 0
    if session.frequency == "monthly":
        return _week_of_month_matches(day, session.weeks_of_month)
    return session.frequency == "weekly"


def occurrences(session: Session, first: dt.date, last: dt.date) -> list[dt.date]:
    """Every date from `first` to `last` (both included) that the session meets on."""
    found = []
    day = first
    while day <= last:
        if meets_on(session, day):
            found.append(day)
        day += dt.timedelta(days=1)
    return found


def next_date(session: Session, today: dt.date) -> dt.date | None:
    """The first date on or after `today` the session meets on; None when it has ended (or
    never meets). Looks about a year ahead (a monthly "fifth Monday" can skip months)."""
    first = max(today, session.starts_on) if session.starts_on else today
    horizon = first + dt.timedelta(days=400)
    last = min(horizon, session.ends_on) if session.ends_on else horizon
    day = first
    while day <= last:
        if meets_on(session, day):
            return day
        day += dt.timedelta(days=1)
    return None


def _minutes(hhmm: str) -> int | None:
    try:
        hours, minutes = hhmm.split(":")
        return int(hours) * 60 + int(minutes)
    except ValueError:
        return None


def _build_date(today: dt.date | None) -> dt.date:
    if today is not None:
        return today
    from build_tools.settings import today as build_date

    return build_date()


def running_days(entry: Entry, today: dt.date | None = None) -> tuple[str, ...]:
    """The weekdays of the sessions still running on `today` (the build date by default)."""
    found = {d for s in current_sessions(entry, _build_date(today)) for d in s.days}
    return tuple(d for d in DAY_ORDER if d in found)


def times_of_day(entry: Entry, today: dt.date | None = None) -> set[str]:
    """Which of morning, afternoon and evening any session still running overlaps."""
    found: set[str] = set()
    for session in current_sessions(entry, _build_date(today)):
        start, end = _minutes(session.start), _minutes(session.end)
        if start is None or end is None:
            continue
        for band, (lo, hi) in BANDS.items():
            if start < hi and end > lo:
                found.add(band)
    return found


# --- the one-line format ---------------------------------------------------------------------
# A session on one line, for people who do not write YAML: the issue form's schedule box and
# the CSV download's `schedule` column both use it, so export → import round-trips. Examples:
#   Tue, Thu 10:00-10:45 weekly
#   Sat 09:30-10:30 monthly week 1
#   Fri 14:00-16:00 monthly weeks 1, last
#   Wed 14:00-15:00 fortnightly from 2026-11-04 until 2027-03-31
LINE_FORMAT_HELP = (
    "one session per line: the days, the times, how often, then optionally which weeks of "
    "the month, `from` the first date and `until` the last date, like "
    "`Tue, Thu 10:00-10:45 weekly`, `Sat 09:30-10:30 monthly week 1` (or `week last`), "
    "`Wed 14:00-15:00 fortnightly from 2026-11-04 until 2027-03-31`"
)
LINE_EXAMPLES = (
    "Tue, Thu 10:00-10:45 weekly",
    "Sat 09:30-10:30 monthly week 1",
    "Wed 14:00-15:00 fortnightly from 2026-11-04 until 2027-03-31",
)
_DAY_WORDS = (
    {d: d for d in DAY_ORDER}
    | {name.lower(): d for d, name in DAY_NAMES.items()}
    | {name.lower() + "s": d for d, name in DAY_NAMES.items()}
    | {
        "tues": "tue",
        "weds": "wed",
        "thur": "thu",
        "thurs": "thu",
    }
)
_WEEK_WORDS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "last": -1}
_TIME = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
FREQUENCIES = ("weekly", "fortnightly", "monthly")


def session_line(session: Session) -> str:
    """A session in the one-line format (the inverse of `parse_session_line`)."""
    days = ", ".join(DAY_NAMES[d][:3] for d in session.days)
    parts = [days, f"{session.start}-{session.end}", session.frequency]
    if session.weeks_of_month:
        weeks = ", ".join("last" if w == -1 else str(w) for w in session.weeks_of_month)
        parts.append(("week " if len(session.weeks_of_month) == 1 else "weeks ") + weeks)
    if session.starts_on:
        parts.append(f"from {session.starts_on.isoformat()}")
    if session.ends_on:
        parts.append(f"until {session.ends_on.isoformat()}")
    return " ".join(parts)


def schedule_lines(entry: Entry) -> str:
    """The whole schedule in the one-line format, one session per line."""
    return "\n".join(session_line(s) for s in entry.schedule)


def parse_session_line(line: str) -> tuple[dict[str, Any] | None, list[str]]:
    """One line of the format as an entry's `schedule` item (YAML-shaped), or the problems
    in plain English. Checks only the line's shape; the validator checks the meaning (end
    after start, `fortnightly` needs a `from` date...)."""
    words = re.sub(r"[,;]", " ", line.strip()).replace("–", "-").replace("—", "-").split()
    problems: list[str] = []
    days: list[str] = []
    index = 0
    while index < len(words) and (words[index].lower() in _DAY_WORDS or words[index] == "and"):
        if words[index] != "and":
            day = _DAY_WORDS[words[index].lower()]
            if day not in days:
                days.append(day)
        index += 1
    if not days:
        first = words[0] if words else ""
        problems.append(
            f"starts with `{shown(first)}`, not a day: begin with the days, like `Tue, Thu`"
            if first
            else "is empty: write the days, the times and how often"
        )
        return None, problems
    rest = words[index:]
    times: list[str] = []
    if rest:
        joined = rest[0]
        if joined.count("-") == 1 and len(rest[0]) > 1 and not joined.startswith("-"):
            times = joined.split("-")
            rest = rest[1:]
        elif len(rest) >= 3 and rest[1].lower() in ("-", "to"):
            times = [rest[0], rest[2]]
            rest = rest[3:]
    clock = []
    for written in times:
        match = _TIME.match(written)
        if match:
            clock.append(f"{int(match.group(1)):02d}:{match.group(2)}")
    if len(clock) != 2:
        problems.append("needs the start and end times after the days, like `10:00-11:30`")
        return None, problems
    item: dict[str, Any] = {
        "days": [d for d in DAY_ORDER if d in days],
        "start": clock[0],
        "end": clock[1],
    }
    if not rest or rest[0].lower() not in FREQUENCIES:
        found = f" (found `{shown(rest[0])}`)" if rest else ""
        problems.append(f"needs how often after the times: weekly, fortnightly or monthly{found}")
        return None, problems
    item["frequency"] = rest[0].lower()
    rest = rest[1:]
    while rest:
        word = rest[0].lower()
        if word in ("week", "weeks"):
            weeks: list[int] = []
            rest = rest[1:]
            taken = len(rest)
            while rest and (rest[0].lower() in _WEEK_WORDS or rest[0].rstrip("stndrh").isdigit()):
                token = rest[0].lower()
                value = _WEEK_WORDS.get(token) or int(token.rstrip("stndrh"))
                if value not in (1, 2, 3, 4, 5, -1):
                    problems.append(
                        f"has week `{shown(rest[0])}`: weeks of the month are 1 to 5, or last"
                    )
                elif value not in weeks:
                    weeks.append(value)
                rest = rest[1:]
            if taken == len(rest):
                problems.append("says `week` without a number: write `week 1` or `week last`")
            item["weeks_of_month"] = weeks
        elif word in ("from", "until"):
            key = "starts_on" if word == "from" else "ends_on"
            value = rest[1] if len(rest) > 1 else ""
            if not _DATE.match(value):
                problems.append(f"needs a date after `{word}`, written YYYY-MM-DD, like 2027-03-31")
                keyword = len(rest) > 1 and rest[1].lower() in ("week", "weeks", "from", "until")
                rest = rest[1:] if keyword else rest[2:]
                continue
            item[key] = value
            rest = rest[2:]
        else:
            problems.append(
                f"has `{shown(rest[0])}` where it expects `week`, `from` or `until` "
                "(or nothing more)"
            )
            break
    return (None if problems else item), problems


def parse_schedule_lines(text: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Every non-empty line as a session; problems say which line ("line 2: ...")."""
    sessions: list[dict[str, Any]] = []
    problems: list[str] = []
    lines = [line for line in text.splitlines() if line.strip()]
    for number, line in enumerate(lines, 1):
        item, found = parse_session_line(line)
        if item is not None:
            sessions.append(item)
        prefix = f"line {number}: " if len(lines) > 1 else ""
        problems.extend(prefix + p for p in found)
    return sessions, problems
