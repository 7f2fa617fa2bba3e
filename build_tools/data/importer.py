"""`community-map import FILE --to DIR`: start a directory from data an area already has.

FILE is a CSV with the downloads' columns (`data/activities.csv`), or Open Referral UK JSON
(a `/services` page, a list of services, or one service). Each row or service becomes one
entry file, `DIR/<area>/<id>.yml`, written only after it passes the same validator providers
face. What cannot be mapped is reported per row or service, with the reason; a row that
would be invalid is reported with its row number (or service id) and the field.

All or nothing: when any row or service is invalid, or any file already exists, nothing is
written, so a corrected file can simply be imported again. Files are written atomically and
never overwrite. (The module is not called `import`: that is a Python keyword.)
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import re
import sys
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from build_tools.console import safe_line, shown
from build_tools.data.exports import CSV_COLUMNS
from build_tools.data.openreferral import FIXED_LISTS, language_names
from build_tools.entries.loader import load_bytes, load_paths
from build_tools.entries.model import DAY_ORDER, Entry
from build_tools.entries.schedule import parse_schedule_lines
from build_tools.entries.validate import Validator
from build_tools.outputs import write_atomic
from build_tools.settings import Settings

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_CELL = 10_000  # characters: no field of an entry is longer (a description is 3,000)
REQUIRED_COLUMNS = (
    "id",
    "name",
    "summary",
    "status",
    "categories",
    "areas",
    "delivery",
    "organisation",
    "cost",
    "booking",
    "referral",
    "last_reviewed",
)
DERIVED_COLUMNS = ("when", "page")  # written by the export from other fields; not read back
FIELD_ORDER = (
    "id",
    "name",
    "summary",
    "description",
    "categories",
    "audiences",
    "areas",
    "organisation",
    "contact",
    "location",
    "delivery",
    "schedule",
    "schedule_note",
    "cost",
    "cost_note",
    "booking",
    "referral",
    "age",
    "accessibility",
    "languages",
    "owners",
    "last_reviewed",
    "status",
)
STATUS_FROM_ORUK = {
    "active": "active",
    "temporarily closed": "paused",
    "inactive": "closed",
    "defunct": "closed",
}
ORUK_DAYS = {
    "MO": "mon",
    "TU": "tue",
    "WE": "wed",
    "TH": "thu",
    "FR": "fri",
    "SA": "sat",
    "SU": "sun",
}


@dataclass
class Record:
    """One row or service on its way to an entry file."""

    label: str  # "row 3" or "service <id>", as messages name it
    data: dict[str, Any]
    notes: list[str] = field(default_factory=list)  # what could not be mapped, and why
    errors: list[str] = field(default_factory=list)
    path: Path | None = None
    text: str = ""


class ImportError_(Exception):
    """The whole file cannot be read: one message, nothing written."""


# --- writing entry files -------------------------------------------------------------------


def _scalar(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return value  # a date: YAML reads it, and the loader keeps it as text
    return json.dumps(value, ensure_ascii=False)  # JSON strings are YAML strings


def _block(text: str, indent: str) -> str | None:
    """Multi-line text as a literal block (`|`), when YAML would read it back unchanged."""
    if "\n" not in text.strip("\n") or text != text.strip() or "\t" in text or "\r" in text:
        return None
    if any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") and c != "\n" for c in text):
        return None
    lines = text.split("\n")
    if lines[0].startswith(" "):
        return None
    return "|\n" + "\n".join(f"{indent}{line}" if line else "" for line in lines) + "\n"


def entry_yaml(data: dict[str, Any]) -> str:
    """An entry as a YAML file in the contract's field order, every string quoted as JSON
    (which YAML reads as the same string), descriptions as readable blocks."""
    out: list[str] = []

    def write(key: str, value: Any, indent: str) -> None:
        if isinstance(value, dict):
            out.append(f"{indent}{key}:")
            for k, v in value.items():
                write(k, v, indent + "  ")
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            out.append(f"{indent}{key}:")
            for item in value:
                first = True
                for k, v in item.items():
                    prefix = f"{indent}  - " if first else f"{indent}    "
                    out.append(f"{prefix}{k}: {_flow(v)}")
                    first = False
        elif isinstance(value, list):
            out.append(f"{indent}{key}: {_flow(value)}")
        elif isinstance(value, str) and (block := _block(value, indent + "  ")):
            out.append(f"{indent}{key}: {block.rstrip(chr(10))}")
        else:
            out.append(f"{indent}{key}: {_scalar(value)}")

    for key in FIELD_ORDER:
        if key in data:
            write(key, data[key], "")
    return "\n".join(out) + "\n"


def _flow(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_scalar(v)}" for k, v in value.items()) + "}"
    return _scalar(value)


# --- CSV ----------------------------------------------------------------------------------


def _cell(value: str) -> str:
    """Undo the export's spreadsheet guard (a leading `'` before = + - @), trim the ends."""
    if len(value) > 1 and value[0] == "'" and value[1] in "=+-@\t\r":
        value = value[1:]
    return value.strip()


def _list(value: str) -> list[str]:
    return [v.strip() for v in re.split(r"[;,]", value) if v.strip()]


def _int_or_text(value: str) -> Any:
    return int(value) if re.fullmatch(r"-?\d{1,4}", value) else value


def _float_or_none(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def csv_records(text: str) -> list[Record]:
    csv.field_size_limit(MAX_CELL * 4)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lstrip("\ufeff") for h in next(reader)]
    except StopIteration:
        raise ImportError_(
            "the file is empty: it needs a header row and one row per activity"
        ) from None
    except csv.Error as exc:
        raise ImportError_(f"the header row cannot be read as CSV ({exc})") from None
    known = set(CSV_COLUMNS)
    unknown = [h for h in header if h not in known]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    duplicated = sorted({h for h in header if header.count(h) > 1})
    problems = []
    for name in unknown:
        close = difflib.get_close_matches(name, CSV_COLUMNS, n=1)
        hint = f" (did you mean `{close[0]}`?)" if close else ""
        problems.append(f"unknown column `{shown(name)}`{hint}")
    if missing:
        problems.append("missing columns: " + ", ".join(f"`{m}`" for m in missing))
    if duplicated:
        problems.append("columns given twice: " + ", ".join(f"`{shown(d)}`" for d in duplicated))
    if problems:
        raise ImportError_(
            "the header row is not the downloads' columns: "
            + "; ".join(problems)
            + f". The columns are: {', '.join(CSV_COLUMNS)}"
        )
    records = []
    row_number = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            row_number += 1
            records.append(
                Record(f"row {row_number}", {}, errors=[f"cannot be read as CSV: {exc}"])
            )
            break
        row_number += 1
        if not any(c.strip() for c in row):
            continue
        label = f"row {row_number}"
        if len(row) != len(header):
            records.append(
                Record(
                    label, {}, errors=[f"has {len(row)} cells, but the header has {len(header)}"]
                )
            )
            continue
        cells = dict(zip(header, row, strict=True))
        huge = [k for k, v in cells.items() if len(v) > MAX_CELL]
        if huge:
            records.append(
                Record(
                    label,
                    {},
                    errors=[
                        f"{k}: is {len(cells[k]):,} characters; no field may be longer than "
                        f"{MAX_CELL:,}"
                        for k in huge
                    ],
                )
            )
            continue
        records.append(_row_record(label, {k: _cell(v) for k, v in cells.items()}))
    if not records:
        raise ImportError_("the file has a header but no rows: nothing to import")
    return records


def _row_record(label: str, cells: dict[str, str]) -> Record:
    get = cells.get
    data: dict[str, Any] = {}
    record = Record(label, data)
    for key in ("id", "name", "summary", "description"):
        if get(key):
            data[key] = get(key)
    for key in ("categories", "audiences", "areas"):
        if get(key):
            data[key] = _list(get(key) or "")
    org = {
        k: v
        for k, v in (
            ("name", get("organisation")),
            ("website", get("organisation_website")),
            ("charity_number", get("charity_number")),
        )
        if v
    }
    if org:
        data["organisation"] = org
    contact = {k: get(k) for k in ("phone", "email", "website") if get(k)}
    if contact:
        data["contact"] = contact
    location: dict[str, Any] = {
        k: get(k) for k in ("venue", "address", "town", "postcode") if get(k)
    }
    lat, lon = _float_or_none(get("latitude") or ""), _float_or_none(get("longitude") or "")
    if location and lat is not None and lon is not None:
        location["coordinates"] = {"lat": lat, "lon": lon}
    if location:
        data["location"] = location
    if get("delivery"):
        data["delivery"] = _list(get("delivery") or "")
    if get("schedule"):
        sessions, problems = parse_schedule_lines(get("schedule") or "")
        record.errors.extend(f"schedule: {p}" for p in problems)
        if sessions:
            data["schedule"] = sessions
    for key in ("schedule_note", "cost", "cost_note", "booking"):
        if get(key):
            data[key] = get(key)
    if get("referral"):
        data["referral"] = _list(get("referral") or "")
    age = {
        k: _int_or_text(get(c) or "") for k, c in (("min", "min_age"), ("max", "max_age")) if get(c)
    }
    if age:
        data["age"] = age
    for key in ("accessibility", "languages", "owners"):
        if get(key):
            data[key] = _list(get(key) or "")
    for key in ("last_reviewed", "status"):
        if get(key):
            data[key] = get(key)
    return record


# --- Open Referral UK ----------------------------------------------------------------------


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:80].rstrip("-") or "activity"


def oruk_services(value: Any) -> list[dict[str, Any]]:
    """The services in a `/services` page, a list, or one service."""
    if isinstance(value, dict) and isinstance(value.get("contents"), list):
        items = value["contents"]
    elif isinstance(value, list):
        items = value
    elif isinstance(value, dict) and "name" in value and "id" in value:
        items = [value]
    else:
        raise ImportError_(
            "this JSON is not Open Referral UK services: give a `/services` page (with "
            "`contents`), a list of services, or one service (with `id` and `name`)"
        )
    if not items:
        raise ImportError_("there are no services in this file: nothing to import")
    return items


class _Terms:
    """Matches taxonomy terms to our lists: our own taxonomy by term id, others by name."""

    def __init__(self, settings: Settings) -> None:
        vocab = settings.vocabulary()
        synonyms = settings.synonyms()
        self.lists: dict[str, dict[str, str]] = {}
        for name, terms in (("categories", vocab.categories), ("audiences", vocab.audiences)):
            names = {t.id: t.id for t in terms.values()}
            names.update({t.name.casefold(): t.id for t in terms.values()})
            for term, words in synonyms.get(name, {}).items():
                for word in words:
                    names.setdefault(word, term)
            self.lists[name] = names
        for name, fixed in FIXED_LISTS.items():
            names = {k: k for k in fixed}
            names.update({label.casefold(): k for k, (label, _) in fixed.items()})
            self.lists[name] = names

    def match(self, term: dict[str, Any], link_type: str) -> tuple[str, str] | None:
        taxonomy = str(term.get("taxonomy") or link_type or "")
        candidates = [str(term.get("term") or ""), str(term.get("name") or "")]
        kinds = [taxonomy] if taxonomy in self.lists else list(self.lists)
        for kind in kinds:
            for candidate in candidates:
                found = self.lists[kind].get(candidate) or self.lists[kind].get(
                    candidate.casefold()
                )
                if found:
                    return kind, found
        return None


def _time(value: Any) -> str:
    match = re.match(r"^(\d{1,2}):(\d{2})", str(value or ""))
    return f"{int(match.group(1)):02d}:{match.group(2)}" if match else ""


def _session(schedule: dict[str, Any], notes: list[str], where: str) -> dict[str, Any] | None:
    freq = str(schedule.get("freq") or "").upper()
    interval = schedule.get("interval") or 1
    start, end = _time(schedule.get("opens_at")), _time(schedule.get("closes_at"))
    days: list[str] = []
    weeks: list[int] = []
    for part in str(schedule.get("byday") or "").upper().split(","):
        match = re.fullmatch(r"\s*(-?\d)?([A-Z]{2})\s*", part)
        if not match or match.group(2) not in ORUK_DAYS:
            continue
        day = ORUK_DAYS[match.group(2)]
        if day not in days:
            days.append(day)
        if match.group(1):
            week = int(match.group(1))
            if week not in weeks:
                weeks.append(week)
    if not freq and not days and schedule.get("notes"):
        return None  # words alone ("by appointment"): kept as the schedule note
    if freq not in ("WEEKLY", "MONTHLY") or not days or not start or not end:
        notes.append(
            f"{where}: a schedule without a weekly or monthly rule, days and times "
            f"(`{shown(schedule.get('description') or freq or 'empty')}`) was left out: "
            "add it to `schedule_note` by hand if it matters"
        )
        return None
    item: dict[str, Any] = {"days": [d for d in DAY_ORDER if d in days], "start": start, "end": end}
    if freq == "MONTHLY":
        item["frequency"] = "monthly"
        item["weeks_of_month"] = weeks or [1]
    elif interval == 2:
        item["frequency"] = "fortnightly"
    elif interval in (1, None):
        item["frequency"] = "weekly"
    else:
        notes.append(f"{where}: every {interval} weeks is not a frequency we list; left out")
        return None
    starts = str(schedule.get("valid_from") or "")[:10]
    if not starts and item["frequency"] == "fortnightly":
        starts = str(schedule.get("dtstart") or "")[:10]
    if starts:
        item["starts_on"] = starts
    if schedule.get("valid_to"):
        item["ends_on"] = str(schedule["valid_to"])[:10]
    return item


def _summary_and_description(text: str) -> tuple[str, str]:
    text = text.strip()
    first, _, rest = text.partition("\n\n")
    if 10 <= len(first) <= 200 and "\n" not in first:
        return first, rest.strip()
    sentence = re.split(r"(?<=[.!?])\s", first, maxsplit=1)[0]
    if 10 <= len(sentence) <= 200:
        return sentence, text
    return (text[:197].rsplit(" ", 1)[0] + "…") if len(text) > 200 else text, text


def service_record(service: Any, settings: Settings, terms: _Terms) -> Record:
    if not isinstance(service, dict):
        return Record("a service", {}, errors=["is not a JSON object"])
    label = f"service {shown(service.get('id') or service.get('name') or '(no id)')}"
    data: dict[str, Any] = {}
    record = Record(label, data)
    notes = record.notes
    name = str(service.get("name") or "")
    data["id"] = _slug(name)
    if name:
        data["name"] = name
    summary, description = _summary_and_description(str(service.get("description") or ""))
    if summary:
        data["summary"] = summary
    if description:
        data["description"] = description
    chosen: dict[str, list[str]] = {k: [] for k in terms.lists}
    for attribute in service.get("attributes") or []:
        term = (attribute or {}).get("taxonomy_term") or {}
        found = terms.match(term, str(attribute.get("link_type") or ""))
        if found is None:
            notes.append(
                f"taxonomy term `{shown(term.get('name') or term.get('term') or '?')}` "
                f"({shown(term.get('taxonomy') or 'no taxonomy')}) matches none of our lists"
            )
        elif found[1] not in chosen[found[0]]:
            chosen[found[0]].append(found[1])
    vocab = settings.vocabulary()
    for key in ("categories", "audiences"):
        if chosen[key]:
            data[key] = chosen[key][:3] if key == "categories" else chosen[key]
    if len(chosen["categories"]) > 3:
        notes.append(f"kept the first three categories of {len(chosen['categories'])}")
    area_names = {t.name.casefold(): t.id for t in vocab.areas.values()}
    areas: list[str] = []
    for area in service.get("service_areas") or []:
        for value in (area.get("service_area"), area.get("name")):
            text = str(value or "")
            if text == "all" or text.casefold() == settings.region.name.casefold():
                areas = ["all"]
                break
            found_area = text if text in vocab.areas else area_names.get(text.casefold())
            if found_area and found_area not in areas:
                areas.append(found_area)
                break
        else:
            notes.append(f"service area `{shown(area.get('name') or '?')}` is not one of our areas")
        if areas == ["all"]:
            break
    org = service.get("organization") or {}
    organisation = {"name": str(org.get("name") or "")} if org.get("name") else {}
    if org.get("website"):
        organisation["website"] = org["website"]
    for identifier in org.get("organization_identifiers") or []:
        if identifier.get("identifier_scheme") == "GB-CHC" and identifier.get("identifier"):
            organisation["charity_number"] = str(identifier["identifier"])
    if organisation:
        data["organisation"] = organisation
    phones = list(service.get("phones") or [])
    for contact in service.get("contacts") or []:
        phones.extend(contact.get("phones") or [])
    contact_data = {}
    if phones and phones[0].get("number"):
        contact_data["phone"] = str(phones[0]["number"])
    email = service.get("email") or next(
        (c.get("email") for c in service.get("contacts") or [] if c.get("email")), ""
    )
    if email:
        contact_data["email"] = email
    if service.get("url"):
        contact_data["website"] = service["url"]
    if contact_data:
        data["contact"] = contact_data
    locations = [s.get("location") or {} for s in service.get("service_at_locations") or []]
    physical = [loc for loc in locations if loc.get("location_type", "physical") == "physical"]
    if len(physical) > 1:
        notes.append(f"has {len(physical)} locations: kept the first; list the others separately")
    accessibility: list[str] = []
    if physical:
        loc = physical[0]
        address = (loc.get("addresses") or [{}])[0]
        location: dict[str, Any] = {}
        if loc.get("name") and loc.get("name") != address.get("address_1"):
            location["venue"] = loc["name"]
        for key, source in (
            ("address", "address_1"),
            ("town", "city"),
            ("postcode", "postal_code"),
        ):
            if address.get(source):
                location[key] = str(address[source])
        if isinstance(loc.get("latitude"), int | float) and isinstance(
            loc.get("longitude"), int | float
        ):
            location["coordinates"] = {"lat": loc["latitude"], "lon": loc["longitude"]}
        data["location"] = location
        names = {t.name.casefold(): t.id for t in vocab.accessibility.values()}
        for item in loc.get("accessibility") or []:
            value = item.get("accessibility")
            found = (
                value
                if value in vocab.accessibility
                else names.get(str(item.get("description") or "").casefold())
            )
            if found and found not in accessibility:
                accessibility.append(found)
            elif not found:
                notes.append(
                    f"accessibility `{shown(item.get('description') or value or '?')}` "
                    "is not in our list"
                )
        if not areas and location.get("town"):
            town = location["town"].casefold()
            match = area_names.get(town) or next(
                (t.id for t in vocab.areas.values() if t.town.casefold() == town), None
            )
            if match:
                areas = [match]
                notes.append(f"area taken from the town `{shown(location['town'])}`")
    if areas:
        data["areas"] = areas
    delivery = chosen["delivery"] or (["in-person"] if physical else [])
    if not chosen["delivery"] and delivery:
        notes.append("delivery not given: `in-person`, because it has a venue")
    if not delivery:  # the schedules' attending_type, in words ("online", "by phone")
        words = " ".join(str(s.get("attending_type") or "") for s in service.get("schedules") or [])
        words = words.casefold()
        delivery = [
            key
            for key, hints in (
                ("online", ("online", "video", "remote")),
                ("telephone", ("phone",)),
                ("home-visit", ("home",)),
            )
            if any(h in words for h in hints)
        ]
        if delivery:
            notes.append(
                f"delivery taken from the schedules' attending type: {', '.join(delivery)}"
            )
    if delivery:
        data["delivery"] = delivery
    sessions = []
    note = ""
    for index, schedule in enumerate(service.get("schedules") or []):
        session = _session(schedule, notes, f"schedule {index + 1}")
        if session:
            sessions.append(session)
        note = note or str(schedule.get("notes") or "")
    if sessions:
        data["schedule"] = sessions
    if note:
        data["schedule_note"] = note
    costs = service.get("cost_options") or []
    if costs:
        cost = costs[0]
        option = str(cost.get("option") or "").casefold()
        if cost.get("amount") == 0 or option == "free":
            data["cost"] = "free"
        elif "donation" in option:
            data["cost"] = "donation"
        else:
            data["cost"] = "paid"
            amount = cost.get("amount")
            described = cost.get("amount_description") or (
                f"£{amount:g}" if isinstance(amount, int | float) else ""
            )
            if described:
                data["cost_note"] = str(described)
        if cost.get("amount_description") and data["cost"] != "paid":
            data["cost_note"] = str(cost["amount_description"])
    else:
        notes.append("no cost given: check it and set `cost`")
    if chosen["booking"]:
        data["booking"] = chosen["booking"][0]
    else:
        data["booking"] = "booking-required"
        notes.append("how to join not given: set to `booking-required` (contact first); check it")
    if chosen["referral"]:
        data["referral"] = chosen["referral"]
    else:
        data["referral"] = ["self"]
        notes.append("who can refer not given: set to `self`; check it")
    age = {}
    for key, source in (("min", "minimum_age"), ("max", "maximum_age")):
        value = service.get(source)
        if isinstance(value, int | float) and float(value).is_integer():
            age[key] = int(value)
    if age:
        data["age"] = age
    if accessibility:
        data["accessibility"] = accessibility
    codes = []
    reverse = {v.casefold(): k for k, v in language_names().items()}
    for language in service.get("languages") or []:
        code = language.get("code") or reverse.get(str(language.get("name") or "").casefold())
        if code and code not in codes:
            codes.append(str(code))
        elif not code:
            notes.append(f"language `{shown(language.get('name') or '?')}` has no code we know")
    if codes:
        data["languages"] = codes
    reviewed = str(service.get("assured_date") or service.get("last_modified") or "")[:10]
    if reviewed:
        data["last_reviewed"] = reviewed
    status = str(service.get("status") or "")
    data["status"] = STATUS_FROM_ORUK.get(status, "active")
    if status not in STATUS_FROM_ORUK:
        notes.append(f"status `{shown(status)}` is not Open Referral's: set to `active`")
    return record


# --- the command -----------------------------------------------------------------------------


def read_records(raw: bytes, settings: Settings) -> list[Record]:
    if len(raw) > MAX_FILE_BYTES:
        raise ImportError_(f"is {len(raw) // (1024 * 1024)} MiB; import at most 50 MiB at a time")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ImportError_(
            f'is not UTF-8 text (line {line}): save it as "CSV UTF-8" (or JSON in UTF-8) '
            "and import it again"
        ) from None
    if "\x00" in text:
        raise ImportError_("contains NUL characters: it is not a CSV or JSON text file")
    if text.lstrip()[:1] in ("{", "["):
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ImportError_(
                f"is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
            ) from None
        terms = _Terms(settings)
        return [service_record(s, settings, terms) for s in oruk_services(value)]
    return csv_records(text)


def _problem_text(problem: Any, record: Record) -> str:
    field_ = problem.field or "(entry)"
    return f"{field_}: {problem.message}"


def plan(records: list[Record], settings: Settings, target: Path) -> None:
    """Validate every record as the entry file it would become; decide each one's path."""
    validator = Validator(settings)
    existing: dict[str, str] = {}
    if target.is_dir():
        entries, _ = load_paths([target], base=target)
        existing = {e.id: e.path for e in entries}
    seen: dict[str, Record] = {}
    built: list[Entry] = []
    for record in records:
        if record.errors:
            continue
        data = record.data
        entry_id = str(data.get("id") or "")
        if record.label.startswith("service") and entry_id in seen:
            number = 2
            while f"{entry_id}-{number}" in seen or f"{entry_id}-{number}" in existing:
                number += 1
            data["id"] = entry_id = f"{entry_id}-{number}"
            record.notes.append(f"another service has the same name: its id is `{entry_id}`")
        record.text = entry_yaml(data)
        area = (data.get("areas") or ["all"])[0]
        folder = area if re.fullmatch(r"[a-z0-9-]+", str(area)) else "all"
        display = f"{folder}/{entry_id}.yml"
        entry, problems = load_bytes(record.text.encode("utf-8"), display, entry_id)
        if entry is not None:
            problems = problems + validator.check_entry(entry)
        errors = [p for p in problems if p.severity == "error"]
        record.errors.extend(_problem_text(p, record) for p in errors)
        if entry_id in seen:
            record.errors.append(
                f"id: `{shown(entry_id)}` is also the id of {seen[entry_id].label}"
            )
            seen[entry_id].errors.append(
                f"id: `{shown(entry_id)}` is also the id of {record.label}"
            )
        else:
            seen[entry_id] = record
        if entry_id in existing:
            record.errors.append(
                f"id: `{shown(entry_id)}` is already in {shown(existing[entry_id])}"
            )
        record.path = target / folder / f"{entry_id}.yml"
        if record.path.exists():
            record.errors.append(
                f"{shown(record.path.as_posix())} already exists; it is never overwritten"
            )
        if entry is not None and not errors:
            built.append(entry)
    for problem in validator.cross_entry(built):
        if problem.severity != "error":
            continue
        for record in records:
            if record.path is not None and record.path.name == Path(problem.path).name:
                record.errors.append(_problem_text(problem, record))


def run_import(
    settings: Settings, source: Path, target: Path, dry_run: bool = False, out: Any = None
) -> int:
    """0 when every row or service was written (or would be, with --dry-run); 1 when any is
    invalid (then nothing is written); 2 when the file cannot be read at all."""
    out = out or sys.stdout
    err = sys.stderr if out is sys.stdout else out

    def say(line: str, stream: Any = None) -> None:
        print(safe_line(line), file=stream or out)

    try:
        raw = source.read_bytes()
    except OSError as exc:
        say(f"{source}: cannot be read ({exc.strerror})", err)
        return 2
    try:
        records = read_records(raw, settings)
    except ImportError_ as exc:
        say(f"{source}: {exc}. Nothing was written.", err)
        return 2
    plan(records, settings, target)
    bad = [r for r in records if r.errors]
    for record in records:
        for note in record.notes:
            say(f"{source}: {record.label}: not mapped: {note}")
        for error in record.errors:
            say(f"{source}: {record.label}: {error}", err)
    if bad:
        say(
            f"{len(bad)} of {len(records)} rows or services are not valid entries: nothing was "
            "written. Fix them and import again.",
            err,
        )
        return 1
    verb = "would write" if dry_run else "wrote"
    for record in records:
        assert record.path is not None
        if not dry_run:
            _write_new(record.path, record.text)
        say(f"{verb} {record.path.as_posix()} ({record.label})")
    say(f"{len(records)} entries {'would be ' if dry_run else ''}written to {target.as_posix()}")
    return 0


def _write_new(path: Path, text: str) -> None:
    """Atomic, and never over an existing file (checked again just before writing)."""
    if path.exists():
        raise FileExistsError(path)
    write_atomic(path, text)


def canonical(entry: Entry) -> dict[str, Any]:
    """Every field of an entry as its typed views read it: what a round trip must keep."""
    loc = entry.location
    return {
        "id": entry.id,
        "name": entry.name,
        "summary": entry.summary,
        "description": entry.description.strip(),
        "categories": entry.categories,
        "audiences": entry.audiences,
        "areas": entry.areas,
        "organisation": dict(entry.organisation),
        "contact": dict(entry.contact),
        "location": loc,
        "delivery": entry.delivery,
        "schedule": entry.schedule,
        "schedule_note": entry.schedule_note,
        "cost": entry.cost,
        "cost_note": entry.cost_note,
        "booking": entry.booking,
        "referral": entry.referral,
        "age": entry.age,
        "accessibility": entry.accessibility,
        "languages": entry.languages,
        "owners": entry.owners,
        "last_reviewed": entry.last_reviewed,
        "status": entry.status,
    }


def records_of(entries: Iterable[Entry]) -> list[dict[str, Any]]:
    return [canonical(e) for e in sorted(entries, key=lambda e: e.id)]


__all__ = ["canonical", "entry_yaml", "read_records", "records_of", "run_import"]
