"""When an activity runs, in plain English ("Every Tuesday and Thursday, 10:00 to 10:45")."""

from __future__ import annotations

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
