"""When an activity runs, in plain English ("Every Tuesday and Thursday, 10:00 to 10:45")."""

from __future__ import annotations

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


def describe_session(session: Session) -> str:
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
    return f"{when}, {times}" if times else when


def describe(entry: Entry) -> list[str]:
    """One line per session, then the schedule note; empty when nothing is said."""
    lines = [describe_session(s) for s in entry.schedule]
    if entry.schedule_note:
        lines.append(entry.schedule_note)
    return lines


def _minutes(hhmm: str) -> int | None:
    try:
        hours, minutes = hhmm.split(":")
        return int(hours) * 60 + int(minutes)
    except ValueError:
        return None


def times_of_day(entry: Entry) -> set[str]:
    """Which of morning, afternoon and evening any session overlaps."""
    found: set[str] = set()
    for session in entry.schedule:
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
