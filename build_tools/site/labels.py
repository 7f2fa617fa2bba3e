"""Every fixed label a visitor reads, and the orders `activities.json` encodes them in.

The activity pages, the finder's plain list and filters (Python) and the finder, shortlist
and map scripts (JavaScript) all say "By phone", "Donation welcome", "Booking required" from
here: the pages import these tables, and the scripts read the same tables from a
`<script type="application/json" id="cm-labels">` block (`data_block()`) on the pages that
load them, instead of copies kept in step by hand. The ids and their order are the schema's
(`schema/entry.schema.json` enums, checked by a test); a bit mask or index in
`activities.json` means position in these tuples, so the order here is the file format.
"""

from __future__ import annotations

from typing import Any

from build_tools.entries.model import DAY_ORDER
from build_tools.entries.schedule import DAY_NAMES
from build_tools.text import json_for_html

LABELS_ID = "cm-labels"

# (id, what a visitor reads), in the order of the bits and indexes in activities.json.
DELIVERY: tuple[tuple[str, str], ...] = (
    ("in-person", "In person"),
    ("online", "Online"),
    ("telephone", "By phone"),
    ("home-visit", "Home visits"),
)
COST: tuple[tuple[str, str], ...] = (
    ("free", "Free"),
    ("paid", "Paid"),
    ("donation", "Donation welcome"),
)
BOOKING: tuple[tuple[str, str], ...] = (
    ("drop-in", "Drop in: no need to book"),
    ("booking-required", "Booking required"),
    ("referral-only", "By referral only"),
)
REFERRAL: tuple[tuple[str, str], ...] = (
    ("self", "You can refer yourself"),
    ("professional", "A professional can refer you"),
    ("gp", "Your GP can refer you"),
)
TIMES: tuple[tuple[str, str], ...] = (
    ("morning", "Morning (before 12:00)"),
    ("afternoon", "Afternoon (12:00 to 17:00)"),
    ("evening", "Evening (from 17:00)"),
)
DAYS: tuple[tuple[str, str], ...] = tuple((d, DAY_NAMES[d]) for d in DAY_ORDER)

TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "delivery": DELIVERY,
    "cost": COST,
    "booking": BOOKING,
    "referral": REFERRAL,
    "time": TIMES,
    "day": DAYS,
}


def order(table: tuple[tuple[str, str], ...]) -> tuple[str, ...]:
    """The ids of a table, in file-format order."""
    return tuple(key for key, _ in table)


def names(table: tuple[tuple[str, str], ...]) -> dict[str, str]:
    """id -> label."""
    return dict(table)


def data() -> dict[str, Any]:
    """The tables as the scripts read them: `{"delivery": [["in-person", "In person"], ...]}`."""
    return {name: [list(pair) for pair in table] for name, table in TABLES.items()}


def data_block() -> str:
    """The JSON data block the finder and shortlist scripts read their labels from."""
    return f'<script type="application/json" id="{LABELS_ID}">{json_for_html(data())}</script>'
