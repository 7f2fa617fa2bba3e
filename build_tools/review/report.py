"""The moderation report: what a pull request changes in the listings, in plain English.

Pure functions: the entries of the merge base and of the head (by path), the changed paths
and the validator's problems go in; a `Report` comes out, as plain data (`as_json`), which
`render_markdown` turns into the comment a moderator reads. Fields are described in the
activity page's own words (`schedule.describe_session`, the page's labels), so "When: Every
Tuesday, 10:00 to 10:45 → Every Tuesday, 10:30 to 11:15" reads as the page would.

The comment step renders the Markdown again from the JSON with `render_markdown`, so every
provider string passes through `markdown.inert` on the trusted side, whatever the artifact
carries.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from build_tools import text
from build_tools.entries import schedule
from build_tools.entries.model import Entry, Problem, normalise_postcode
from build_tools.review.markdown import inert
from build_tools.settings import Vocabulary
from build_tools.site.pages import BOOKING, COST, DELIVERY, LANGUAGES, REFERRAL, age_text

LABELS = (
    "new-listing",
    "listing-update",
    "listing-removed",
    "owner-edit",
    "needs-moderator-check",
    "maintainer-review",
    "has-errors",
)
MARKER = "<!-- community-map-review -->"
LARGE_DELETION_LISTINGS = 2  # removing this many listings at once is called out
LARGE_DELETION_SHARE = 0.5  # a description losing over half its words (and 40 or more)
LARGE_DELETION_WORDS = 40
WORD_DIFF_CONTEXT = 3
STATUS_WORDS = {
    "active": "Active (on the site)",
    "paused": "Paused (on the site, marked paused)",
    "closed": "Closed (off the site)",
}
PERSONAL_CODES = {"mobile", "webmail"}
_URL = re.compile(r"https?://[^\s<>()\"'`\]]+", re.IGNORECASE)


# --- fields in the page's words ------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """One fact as the activity page shows it; `value` is a line or a list of items."""

    key: str  # the group's name, e.g. "when"
    label: str  # "When"
    sources: tuple[str, ...]  # the top-level entry fields it is made from
    value: str | tuple[str, ...]


def _names(ids: Iterable[str], terms: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(terms[i].name if i in terms else i for i in ids)


def describe(entry: Entry, vocab: Vocabulary, region: str) -> list[Field]:
    """Every field of `entry`, labelled and worded as the activity page says it."""
    data = entry.data
    loc = entry.location
    cost = COST.get(entry.cost, entry.cost)
    if entry.cost_note:
        cost = f"{cost}: {entry.cost_note}" if cost else entry.cost_note
    contact = entry.contact
    org = entry.organisation
    serves = (
        (f"The whole of {region}",) if "all" in entry.areas else _names(entry.areas, vocab.areas)
    )
    fields = [
        Field("name", "Name", ("name",), entry.name),
        Field("summary", "Summary", ("summary",), entry.summary),
        Field(
            "when",
            "When",
            ("schedule", "schedule_note"),
            tuple(schedule.describe(entry)) or ("Contact the organiser for times",),
        ),
        Field(
            "where",
            "Where",
            ("location",),
            loc.one_line() if loc is not None and entry.in_person else "",
        ),
        Field("serves", "Serves", ("areas",), serves),
        Field("cost", "Cost", ("cost", "cost_note"), cost),
        Field(
            "join",
            "How to join",
            ("booking", "referral"),
            tuple([BOOKING.get(entry.booking, entry.booking)] if entry.booking else [])
            + tuple(REFERRAL.get(r, r) for r in entry.referral),
        ),
        Field(
            "runs", "How it runs", ("delivery",), tuple(DELIVERY.get(d, d) for d in entry.delivery)
        ),
        Field(
            "audiences", "Who it is for", ("audiences",), _names(entry.audiences, vocab.audiences)
        ),
        Field("age", "Age", ("age",), age_text(entry)),
        Field(
            "languages",
            "Languages",
            ("languages",),
            tuple(LANGUAGES.get(c, c.upper()) for c in entry.languages),
        ),
        Field(
            "categories", "Categories", ("categories",), _names(entry.categories, vocab.categories)
        ),
        Field(
            "accessibility",
            "Accessibility",
            ("accessibility",),
            _names(entry.accessibility, vocab.accessibility),
        ),
        Field(
            "contact",
            "Contact",
            ("contact",),
            tuple(
                f"{label}: {contact[key]}"
                for key, label in (("phone", "Phone"), ("email", "Email"), ("website", "Website"))
                if contact.get(key)
            ),
        ),
        Field(
            "organisation",
            "Run by",
            ("organisation",),
            tuple(
                item
                for item in (
                    org.get("name", ""),
                    f"Website: {org['website']}" if org.get("website") else "",
                    f"Registered charity {org['charity_number']}"
                    if org.get("charity_number")
                    else "",
                )
                if item
            ),
        ),
        Field("description", "About this activity", ("description",), entry.description.strip()),
        Field("owners", "Owners (GitHub accounts)", ("owners",), entry.owners),
        Field(
            "checked",
            "Last checked",
            ("last_reviewed",),
            text.long_date(entry.last_reviewed) if entry.last_reviewed else "Not yet checked",
        ),
        Field("status", "Status", ("status",), STATUS_WORDS.get(entry.status, entry.status)),
    ]
    known = {s for f in fields for s in f.sources} | {"id"}
    for key in sorted(k for k in data if k not in known):
        fields.append(Field(key, key, (key,), _plain(data[key])))
    return fields


def _plain(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str, sort_keys=True)


def word_diff(before: str, after: str, context: int = WORD_DIFF_CONTEXT) -> list[str]:
    """A short word-level diff: each changed stretch with a few words either side, as
    "…words [-removed-] {+added+} words…"."""
    a, b = before.split(), after.split()
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    out = []
    for group in matcher.get_grouped_opcodes(context):
        parts = []
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                parts.append(" ".join(a[i1:i2]))
            if tag in ("delete", "replace"):
                parts.append("[-" + " ".join(a[i1:i2]) + "-]")
            if tag in ("insert", "replace"):
                parts.append("{+" + " ".join(b[j1:j2]) + "+}")
        first, last = group[0], group[-1]
        lead = "…" if first[1] > 0 else ""
        tail = "…" if last[2] < len(a) else ""
        out.append(lead + " ".join(p for p in parts if p) + tail)
    return out


def _field_change(old: Field, new: Field) -> dict[str, Any] | None:
    if old.value == new.value:
        return None
    change: dict[str, Any] = {"label": new.label, "key": new.key}
    if new.key == "description":
        change["words"] = word_diff(str(old.value), str(new.value))
        return change
    if isinstance(new.value, tuple) and new.key != "when":
        before, after = list(old.value), list(new.value)
        change["added"] = [v for v in after if v not in before]
        change["removed"] = [v for v in before if v not in after]
        if not change["added"] and not change["removed"]:
            change["before"], change["after"] = ", ".join(before), ", ".join(after)
        return change
    join = "; ".join
    change["before"] = join(old.value) if isinstance(old.value, tuple) else old.value
    change["after"] = join(new.value) if isinstance(new.value, tuple) else new.value
    return change


# --- location -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pin:
    lat: float
    lon: float
    source: str  # "entry", "cache", "looked up for this report"
    precision: str  # "given in the entry", "address", "postcode"


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine, mean Earth radius)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def osm_link(lat: float, lon: float) -> str:
    from build_tools.entries.geocode import osm_link as link

    return link(lat, lon)


# --- the report -----------------------------------------------------------------------------


@dataclass
class EntryReport:
    id: str
    name: str
    path: str
    change: str  # "added", "changed", "removed"
    old_path: str = ""
    status_change: str = ""  # "closed", "reopened" or ""
    fields_changed: list[str] = field(default_factory=list)
    fields: list[dict[str, Any]] = field(default_factory=list)  # added: every field
    changes: list[dict[str, Any]] = field(default_factory=list)  # changed: field by field
    owner_edit: bool = False
    owners: list[str] = field(default_factory=list)  # owners in the base version
    problems: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # what the moderator must act on
    location: dict[str, Any] | None = None
    moved_km: float | None = None

    @property
    def errors(self) -> int:
        return sum(p["severity"] == "error" for p in self.problems)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "path": self.path,
            "old_path": self.old_path,
            "change": self.change,
            "status_change": self.status_change,
            "fields_changed": self.fields_changed,
            "owner_edit": self.owner_edit,
            "owners": self.owners,
            "errors": self.errors,
            "warnings_count": sum(p["severity"] == "warning" for p in self.problems),
            "moved_km": self.moved_km,
            "location": self.location,
            "fields": self.fields,
            "changes": self.changes,
            "problems": self.problems,
            "warnings": self.warnings,
        }


@dataclass
class Report:
    base: str
    head: str
    merge_base: str
    author: str
    entries: list[EntryReport]
    outside_entries: list[str]
    warnings: list[str]  # for the whole pull request
    other_problems: list[dict[str, Any]]  # problems in changed files that are not entries

    @property
    def owner_edit(self) -> bool:
        return bool(self.entries) and all(e.owner_edit for e in self.entries)

    @property
    def errors(self) -> int:
        return sum(e.errors for e in self.entries) + sum(
            p["severity"] == "error" for p in self.other_problems
        )

    @property
    def labels(self) -> list[str]:
        changes = {e.change for e in self.entries}
        wanted = {
            "new-listing": "added" in changes,
            "listing-update": "changed" in changes,
            "listing-removed": "removed" in changes,
            "owner-edit": self.owner_edit,
            "needs-moderator-check": bool(self.entries) and not self.owner_edit,
            "maintainer-review": bool(self.outside_entries),
            "has-errors": self.errors > 0,
        }
        return [label for label in LABELS if wanted[label]]

    @property
    def verdict(self) -> str:
        return verdict_of(self.as_json())

    def as_json(self) -> dict[str, Any]:
        data = {
            "version": 1,
            "base": self.base,
            "head": self.head,
            "merge_base": self.merge_base,
            "author": self.author,
            "labels": self.labels,
            "owner_edit": self.owner_edit,
            "errors": self.errors,
            "entries": [e.as_json() for e in self.entries],
            "outside_entries": self.outside_entries,
            "warnings": self.warnings,
            "other_problems": self.other_problems,
        }
        data["verdict"] = verdict_of(data)
        return data


def _count(n: int, one: str, many: str = "") -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def verdict_of(data: Mapping[str, Any]) -> str:
    """The one line a moderator reads first, from the report's data."""
    entries = data.get("entries") or []
    kinds = [e.get("change") for e in entries]
    parts = []
    for change, word in (("added", "new"), ("changed", "updated"), ("removed", "removed")):
        if kinds.count(change):
            parts.append(f"{kinds.count(change)} {word}")
    for status, word in (("closed", "closed"), ("reopened", "reopened")):
        n = sum(e.get("status_change") == status for e in entries)
        if n:
            parts.append(f"{n} {word}")
    head = (
        f"{_count(len(entries), 'listing')}: {', '.join(parts)}."
        if entries
        else "No listings changed."
    )
    tail = []
    if data.get("errors"):
        tail.append(f"Has {_count(int(data['errors']), 'error')} to fix.")
    if data.get("outside_entries"):
        tail.append("Maintainer review required: this pull request changes code or configuration.")
    if entries:
        tail.append("Owner's edit." if data.get("owner_edit") else "Needs a moderator's check.")
    return " ".join([head, *tail])


def _problem(p: Problem) -> dict[str, Any]:
    return {
        "path": p.path,
        "line": p.line,
        "column": p.column,
        "field": p.field,
        "message": p.message,
        "severity": p.severity,
        "code": p.code,
    }


def _casefold_set(names: Iterable[str]) -> set[str]:
    return {n.casefold().strip().lstrip("@") for n in names}


def _hosts(entry: Entry) -> set[str]:
    urls = [entry.contact.get("website", ""), entry.organisation.get("website", "")]
    urls += _URL.findall(entry.description)
    hosts = set()
    for url in urls:
        try:
            host = (urlsplit(url.strip()).hostname or "").lower()
        except ValueError:
            continue
        if host:
            hosts.add(host.removeprefix("www."))
    return hosts


def _similar(a: str, b: str) -> bool:
    a, b = a.casefold().strip(), b.casefold().strip()
    return a == b or difflib.SequenceMatcher(a=a, b=b).ratio() >= 0.75


def _duplicates(entry: Entry, others: Iterable[Entry]) -> list[str]:
    out = []
    loc = entry.location
    postcode = normalise_postcode(loc.postcode) if loc is not None and loc.postcode else ""
    for other in others:
        if other.id == entry.id or not other.name:
            continue
        other_loc = other.location
        same_place = bool(
            postcode
            and other_loc is not None
            and other_loc.postcode
            and normalise_postcode(other_loc.postcode) == postcode
        )
        if other.name.casefold().strip() == entry.name.casefold().strip():
            out.append(f"A possible duplicate of {other.id} ({other.name}): the same name")
        elif same_place and _similar(entry.name, other.name):
            out.append(
                f"A possible duplicate of {other.id} ({other.name}): the same postcode and "
                "a similar name"
            )
    return out


@dataclass
class Inputs:
    """Everything the report is made from (the command gathers it with git)."""

    base_entries: dict[str, Entry]  # by path, at the merge base
    head_entries: dict[str, Entry]  # by path, at the head
    changed: list[tuple[str, str, str]]  # (status, path, old path) of entry files
    outside: list[str]  # changed paths that are not entry files
    problems: list[Problem]  # loader and validator problems of the head's changed files
    pins_base: dict[str, Pin]  # by entry id
    pins_head: dict[str, Pin]
    author: str = ""
    base: str = ""
    head: str = ""
    merge_base: str = ""
    region: str = ""


def build_report(inputs: Inputs, vocab: Vocabulary) -> Report:
    """The report for one pull request (pure: no git, no network)."""
    base_by_id = {e.id: e for e in inputs.base_entries.values()}
    head_by_id = {e.id: e for e in inputs.head_entries.values()}
    author = _casefold_set([inputs.author]) if inputs.author else set()
    problems_by_path: dict[str, list[Problem]] = {}
    for problem in sorted(inputs.problems):
        problems_by_path.setdefault(problem.path, []).append(problem)

    reports: dict[str, EntryReport] = {}
    touched_paths: set[str] = set()
    for status, path, old_path in inputs.changed:
        touched_paths.update({path, old_path} - {""})
        new = inputs.head_entries.get(path) if status != "D" else None
        old = inputs.base_entries.get(old_path or path)
        if old is None and new is not None:
            old = base_by_id.get(new.id)  # moved under another name in the same change
        if new is None and old is not None and status == "D" and old.id in head_by_id:
            continue  # the file was moved: its new path carries the change
        if new is None and (old is None or status != "D"):
            continue  # in the head but unreadable: its problems are listed below
        ident = (new or old).id  # type: ignore[union-attr]
        if new is not None and old is not None:
            change = "changed"
        elif new is not None:
            change = "added"
        else:
            change = "removed"
        report = EntryReport(
            id=ident,
            name=(new or old).name,  # type: ignore[union-attr]
            path=new.path if new is not None else old.path,  # type: ignore[union-attr]
            change=change,
            old_path=old.path
            if old is not None and new is not None and old.path != new.path
            else "",
        )
        if old is not None:
            report.owners = list(old.owners)
            report.owner_edit = bool(author) and bool(author & _casefold_set(old.owners))
        if new is not None and old is not None:
            _compare(report, old, new, vocab, inputs.region)
        elif new is not None:
            report.fields = [
                {
                    "label": f.label,
                    "key": f.key,
                    "value": list(f.value) if isinstance(f.value, tuple) else f.value,
                }
                for f in describe(new, vocab, inputs.region)
                if f.value
            ]
            report.fields_changed = sorted(new.data)
        else:
            report.fields_changed = sorted(old.data)  # type: ignore[union-attr]
        if new is not None:
            report.problems = [_problem(p) for p in problems_by_path.get(new.path, [])]
            _warnings(report, old, new, inputs)
            _locate(report, old, new, inputs)
        reports[ident] = report

    entry_paths = {r.path for r in reports.values()}
    other = [
        _problem(p)
        for path in sorted(touched_paths - entry_paths)
        for p in problems_by_path.get(path, [])
    ]
    warnings = []
    removed = sum(r.change == "removed" for r in reports.values())
    if removed >= LARGE_DELETION_LISTINGS:
        warnings.append(
            f"Large deletion: this pull request removes {_count(removed, 'listing')}. Check "
            "each was meant to go (closing a listing with `status: closed` keeps its history)."
        )
    if inputs.outside:
        warnings.append(
            "Maintainer review required: this pull request changes code or configuration "
            f"({_count(len(inputs.outside), 'path')} outside the listings)."
        )
    order = {"added": 0, "changed": 1, "removed": 2}
    entries = sorted(reports.values(), key=lambda r: (order[r.change], r.id))
    return Report(
        base=inputs.base,
        head=inputs.head,
        merge_base=inputs.merge_base,
        author=inputs.author,
        entries=entries,
        outside_entries=sorted(inputs.outside),
        warnings=warnings,
        other_problems=other,
    )


def _same(a: Any, b: Any) -> bool:
    return json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)


def _compare(report: EntryReport, old: Entry, new: Entry, vocab: Vocabulary, region: str) -> None:
    keys = sorted(set(old.data) | set(new.data))
    report.fields_changed = [k for k in keys if not _same(old.data.get(k), new.data.get(k))]
    if old.id != new.id:
        report.changes.append(
            {
                "label": "Id (the page's address)",
                "key": "id",
                "before": old.id,
                "after": new.id,
            }
        )
    before = {f.key: f for f in describe(old, vocab, region)}
    for after in describe(new, vocab, region):
        earlier = before.get(after.key, Field(after.key, after.label, after.sources, ""))
        change = _field_change(earlier, after)
        if change is not None:
            report.changes.append(change)
    if old.status != "closed" and new.status == "closed":
        report.status_change = "closed"
    elif old.status == "closed" and new.status != "closed":
        report.status_change = "reopened"
    old_words, new_words = len(old.description.split()), len(new.description.split())
    lost = old_words - new_words
    if lost >= LARGE_DELETION_WORDS and lost > old_words * LARGE_DELETION_SHARE:
        report.warnings.append(
            f"Large deletion: the description lost {lost} of its {old_words} words."
        )


def _warnings(report: EntryReport, old: Entry | None, new: Entry, inputs: Inputs) -> None:
    for problem in report.problems:
        if problem["code"] in PERSONAL_CODES and (
            old is None or not _same(old.data.get("contact"), new.data.get("contact"))
        ):
            what = (
                "a mobile number" if problem["code"] == "mobile" else "a personal webmail address"
            )
            report.warnings.append(
                f"Contact details look personal ({what}): check the provider agreed to publish it."
            )
    name_or_place_changed = old is None or not (
        _same(old.data.get("name"), new.data.get("name"))
        and _same(old.data.get("location"), new.data.get("location"))
    )
    if name_or_place_changed:
        others = [e for e in inputs.head_entries.values() if e.path != new.path]
        report.warnings.extend(_duplicates(new, others))
    known = set()
    for entry in inputs.base_entries.values():
        if entry.id != new.id:
            known |= _hosts(entry)
    fresh = _hosts(new) - (_hosts(old) if old is not None else set()) - known
    for host in sorted(fresh):
        report.warnings.append(
            f"Links to {host}, a domain no other listing uses: check it is the provider's."
        )
    if old is not None and inputs.author and not report.owner_edit:
        added = _casefold_set(new.owners) - _casefold_set(old.owners)
        if _casefold_set([inputs.author]) & added:
            report.warnings.append(
                "The author adds themselves to `owners` in this pull request: that is not an "
                "owner's edit; confirm with the listed owners or the organisation."
            )


def _pin_json(pin: Pin) -> dict[str, Any]:
    return {
        "lat": round(pin.lat, 6),
        "lon": round(pin.lon, 6),
        "source": pin.source,
        "precision": pin.precision,
        "osm": osm_link(pin.lat, pin.lon),
    }


def _locate(report: EntryReport, old: Entry | None, new: Entry, inputs: Inputs) -> None:
    if not new.in_person:
        return
    moved = (
        old is None
        or not old.in_person
        or not _same(old.data.get("location"), new.data.get("location"))
    )
    if not moved:
        return
    pin = inputs.pins_head.get(new.id)
    if pin is None:
        report.location = {"source": "none", "lat": None, "lon": None, "precision": "", "osm": ""}
        report.warnings.append(
            "No coordinates for this address yet (not in the entry nor the geocode cache): "
            "it will be listed without a map pin until the publish run finds them."
        )
        return
    report.location = _pin_json(pin)
    earlier = inputs.pins_base.get(old.id) if old is not None else None
    if earlier is not None:
        report.moved_km = round(distance_km((earlier.lat, earlier.lon), (pin.lat, pin.lon)), 2)
        report.location["before"] = _pin_json(earlier)


# --- rendering -----------------------------------------------------------------------------

CHANGE_HEADINGS = {"added": "New listing", "changed": "Updated", "removed": "Removed"}


def _value_md(value: Any, limit: int = 300) -> str:
    if isinstance(value, list):
        return "; ".join(inert(v, 200) for v in value)
    return inert(value, limit)


def _str_of(value: Any) -> str:
    return value if isinstance(value, str) else str(value or "")


def _problem_md(p: Mapping[str, Any]) -> str:
    where = f"{p.get('path', '')}:{int(p.get('line') or 0)}:{int(p.get('column') or 0)}"
    label = "error" if p.get("severity") == "error" else "warning"
    name = p.get("field") or "(file)"
    message = _str_of(p.get("message"))[:400]
    return f"- **{label}** {inert(f'{where}: {name}: {message}')}"


def render_markdown(data: Mapping[str, Any], *, marker: bool = True) -> str:
    """The report as GitHub-flavoured Markdown. Every value from the data is made inert, so
    this is safe on data from an untrusted artifact too."""
    lines = [MARKER] if marker else []
    # the verdict is our own words and counts, whatever the data holds
    lines += ["## Listing review", "", f"**{verdict_of(data)}**", ""]
    labels = [label for label in data.get("labels") or [] if label in LABELS]
    if labels:
        lines += ["Labels: " + ", ".join(inert(label) for label in labels), ""]
    for warning in data.get("warnings") or []:
        lines += [f"> [!WARNING]\n> {inert(warning, 400)}", ""]
    outside = data.get("outside_entries") or []
    if outside:
        lines.append("Changed outside the listings:")
        lines += [f"- {inert(p, 200)}" for p in outside[:50]]
        if len(outside) > 50:
            lines.append(f"- and {len(outside) - 50} more")
        lines.append("")
    for entry in data.get("entries") or []:
        lines += _entry_md(entry)
    other = data.get("other_problems") or []
    if other:
        lines += ["### Files that could not be read as listings", ""]
        lines += [_problem_md(p) for p in other]
        lines.append("")
    author = data.get("author")
    if author:
        lines += [f"Author: {inert(author)}", ""]
    head = str(data.get("head") or "")
    if head:
        lines += [f"Head commit: {inert(head[:12])}", ""]
    return "\n".join(lines).rstrip() + "\n"


def _entry_md(entry: Mapping[str, Any]) -> list[str]:
    change = entry.get("change", "")
    heading = CHANGE_HEADINGS.get(change, "Changed")
    lines = [
        f"### {heading}: {inert(entry.get('name') or entry.get('id'), 120)} "
        f"({inert(entry.get('id'))})",
        "",
    ]
    path = inert(entry.get("path", ""), 200)
    old_path = entry.get("old_path")
    lines.append(f"File: {path}" + (f" (moved from {inert(old_path, 200)})" if old_path else ""))
    status = entry.get("status_change")
    if status == "closed":
        lines += [
            "",
            "> [!IMPORTANT]",
            "> **Status changed to closed**: this listing will come off the site.",
        ]
    elif status == "reopened":
        lines += [
            "",
            "> [!IMPORTANT]",
            "> **Status changed from closed**: this listing will be back on the site.",
        ]
    lines.append("")
    owners = entry.get("owners") or []
    if change == "added":
        lines.append("Ownership: a new listing always needs a moderator's check.")
    elif entry.get("owner_edit"):
        lines.append(
            "Ownership: **owner's edit** (the author is an owner of this listing on main)."
        )
    else:
        who = ", ".join(inert(o) for o in owners) if owners else "nobody"
        lines.append(f"Ownership: the author is not an owner of this listing (owners: {who}).")
    lines.append("")
    if change == "added":
        lines += ["| Field | As the page will show it |", "| --- | --- |"]
        for item in entry.get("fields") or []:
            limit = 1500 if item.get("key") == "description" else 300
            value = _value_md(item.get("value", ""), limit)
            lines.append(f"| {inert(item.get('label', ''))} | {value} |")
        lines.append("")
    elif change == "changed":
        rows = entry.get("changes") or []
        if rows:
            lines += ["| Field | Before → after |", "| --- | --- |"]
            for row in rows:
                lines.append(f"| {inert(row.get('label', ''))} | {_change_md(row)} |")
            lines.append("")
        else:
            fields = ", ".join(inert(f) for f in entry.get("fields_changed") or [])
            lines += [f"Changed, with no difference on the page: {fields or 'layout only'}.", ""]
    else:
        lines += [
            "This listing's file is deleted: it will come off the site and out of the open data.",
            "",
        ]
    location = entry.get("location")
    if location:
        lines += _location_md(location, entry.get("moved_km"))
    warnings = entry.get("warnings") or []
    if warnings:
        lines.append("To check:")
        lines += [f"- {inert(w, 300)}" for w in warnings]
        lines.append("")
    problems = entry.get("problems") or []
    if problems:
        lines.append("Validation:")
        lines += [_problem_md(p) for p in problems]
        lines.append("")
    return lines


def _change_md(row: Mapping[str, Any]) -> str:
    if "words" in row:
        return "<br>".join(inert(w, 300) for w in row["words"][:6]) or "(spacing only)"
    if "added" in row or "removed" in row:
        parts = []
        if row.get("added"):
            parts.append("added: " + "; ".join(inert(v, 200) for v in row["added"]))
        if row.get("removed"):
            parts.append("removed: " + "; ".join(inert(v, 200) for v in row["removed"]))
        if parts:
            return "<br>".join(parts)
    before = inert(row.get("before") or "(none)", 300)
    after = inert(row.get("after") or "(none)", 300)
    return f"{before} → {after}"


def _location_md(location: Mapping[str, Any], moved: Any) -> list[str]:
    if location.get("lat") is None:
        return ["Location: no coordinates yet (listed without a map pin until found).", ""]
    lat, lon = float(location["lat"]), float(location["lon"])
    source = inert(location.get("source", ""))
    precision = inert(location.get("precision", ""))
    line = f"Location: {lat:.6f}, {lon:.6f} (source: {source}; precision: {precision})"
    if isinstance(moved, int | float):
        line += f", moved {float(moved):.2f} km"
    return [line + f". [Check the pin on OpenStreetMap]({osm_link(lat, lon)})", ""]
