"""Validation: the JSON Schema plus the checks a schema cannot express, as one list of problems.

Every problem names the file, the line, the column and the field, and says what to write
instead: providers fix these files by hand in a web editor. Schema errors come from
jsonschema's `Draft202012Validator` (with its format checker); because that costs about 2 ms
an entry, a compiled jsonschema-rs validator answers the common question "is this entry
valid?" first, and only entries that fail get the full, explained report.
"""

from __future__ import annotations

import datetime as dt
import difflib
import html
import json
import math
import os
import re
import sys
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import phonenumbers

from build_tools import console
from build_tools.console import escape_text, shown
from build_tools.entries import placeholders
from build_tools.entries.loader import field_name, load_paths
from build_tools.entries.model import Entry, Path_, Problem, normalise_postcode, parse_date
from build_tools.settings import Settings, Term, Vocabulary
from build_tools.settings import today as settings_today

try:  # the fast path; the full report never depends on it
    import jsonschema_rs
except ImportError:  # pragma: no cover - jsonschema-rs is a declared dependency
    jsonschema_rs = None

LIST_FILES = {
    "categories": "categories",
    "audiences": "audiences",
    "areas": "areas",
    "accessibility": "accessibility",
}
LINK_SCHEMES = ("https", "http", "mailto", "tel")
WEBMAIL = re.compile(
    r"@(gmail|googlemail|hotmail|outlook|live|yahoo|ymail|icloud|me|aol|msn|btinternet|sky|"
    r"virginmedia|talktalk|protonmail|proton|gmx|mail|zoho|yandex)\.",
    re.IGNORECASE,
)
POSTCODE = re.compile(
    r"^(GIR ?0AA|[A-PR-UWYZ]([0-9]{1,2}|[A-HK-Y][0-9]{1,2}|[0-9][A-HJKS-UW]|"
    r"[A-HK-Y][0-9][ABEHMNPRV-Y]) ?[0-9][ABD-HJLNP-UW-Z]{2})$"
)
HTML_TAG = re.compile(r"<\s*/?\s*[A-Za-z][A-Za-z0-9-]*(\s[^<>]*)?/?\s*>|<!--")
MD_LINK = re.compile(r"\]\(\s*<?([^)\s>]*)")
MD_AUTOLINK = re.compile(r"<([A-Za-z][A-Za-z0-9+.\-]*:[^>\s]*)>")
MD_REF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(\s|$)", re.MULTILINE)
ATX_HEADING = re.compile(r"^ {0,3}(#{1,2})(\s|$)", re.MULTILINE)
SETEXT = re.compile(r"^ {0,3}(=+|-+) *$")
IMAGE = re.compile(r"!\[")
# Invisible and direction-changing characters: Unicode "format" (Cf) and control (Cc) ones.
ONE_LINE_FIELDS = {
    ("name",),
    ("summary",),
    ("schedule_note",),
    ("cost_note",),
    ("organisation", "name"),
    ("location", "venue"),
    ("location", "address"),
    ("location", "town"),
    ("location", "postcode"),
}
PLAIN_TEXT_FIELDS = ONE_LINE_FIELDS


def _char_problem(text: str, multiline: bool) -> str | None:
    if (text.replace("\n", "") if multiline else text).isprintable():
        return None  # the common case, checked in C; below only finds and names the character
    for char in text:
        if char == "\n" and multiline:
            continue
        category = unicodedata.category(char)
        if category in ("Cc", "Cf", "Co", "Cs") or char in "\u2028\u2029":
            if char in "\n\r" and not multiline:
                return "must be on one line: join the lines"
            if char == "\t":
                return "contains a tab character: use spaces"
            name = unicodedata.name(char, "a control character")
            return (
                f"contains an invisible character (U+{ord(char):04X} {name}): retype "
                "the text without it, or paste it as plain text"
            )
    return None


class Validator:
    """One reusable validator for a deployment: schema compiled once, lists loaded once."""

    def __init__(self, settings: Settings, today: dt.date | None = None) -> None:
        self.settings = settings
        self.today = today or settings_today()
        self.vocabulary: Vocabulary = settings.vocabulary()
        schema_path = settings.schema_dir / "entry.schema.json"
        self.schema: dict[str, Any] = json.loads(schema_path.read_text(encoding="utf-8"))
        self._full: Any = None
        self.fast = (
            jsonschema_rs.validator_for(self.schema, validate_formats=True)
            if jsonschema_rs is not None
            else None
        )

    @property
    def full(self) -> Any:
        """jsonschema's validator, made on first use: importing jsonschema costs a second or
        more (its format extras compile grammars), and valid entries never need it."""
        if self._full is None:
            import jsonschema

            self._full = jsonschema.Draft202012Validator(
                self.schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
            )
        return self._full

    # -- the schema ---------------------------------------------------------------------
    def _schema_valid(self, data: Any) -> bool:
        if self.fast is None:
            return False
        try:
            return bool(self.fast.is_valid(data))
        except (ValueError, OverflowError, TypeError):
            return False  # e.g. an integer too large for the fast validator

    def schema_problems(self, entry: Entry) -> list[Problem]:
        if self._schema_valid(entry.data):
            return []
        from jsonschema.exceptions import relevance

        errors = sorted(self.full.iter_errors(entry.data), key=relevance)
        problems: list[Problem] = []
        seen: set[tuple[Path_, str]] = set()
        # A wrong type says all there is to say about a value; a misspelt field name
        # explains the "missing" field it was meant to be.
        typed = {tuple(e.absolute_path) for e in errors if e.validator == "type"}
        meant = {
            (guess[:-1], guess[-1])
            for e in errors
            if e.validator == "additionalProperties"
            for guesses in self._field_guesses(e).values()
            for guess in guesses
        }
        for error in errors:
            path = tuple(error.absolute_path)
            if error.validator != "type" and path in typed:
                continue
            for field, where, message, is_key in self._explain(entry, error):
                if error.validator == "required" and (path, field[-1]) in meant:
                    continue
                if (field, message) in seen:
                    continue
                seen.add((field, message))
                line, column = entry.key_mark(where) if is_key else entry.mark(where)
                problems.append(
                    Problem(
                        entry.path,
                        line,
                        column,
                        field_name(field),
                        message,
                        code=f"schema-{error.validator}",
                    )
                )
        return problems

    def _field_paths(self) -> list[Path_]:
        """Every field an entry can have, as a path (`("location", "postcode")`), not going
        into lists: where a word a provider wrote at the wrong level may belong."""
        if not hasattr(self, "_paths"):
            paths: list[Path_] = []

            def walk(node: dict[str, Any], path: Path_) -> None:
                for name, child in (node.get("properties") or {}).items():
                    paths.append((*path, name))
                    if isinstance(child, dict):
                        walk(child, (*path, name))

            walk(self.schema, ())
            self._paths = paths
        return self._paths

    def _field_guesses(self, error: Any) -> dict[str, list[Path_]]:
        """For each unknown field of an additionalProperties error, the fields it probably
        meant, as full paths: a close spelling at the same level (`sumary` -> `summary`), or a
        field of another group written at the wrong level (`postcode` at the top ->
        `location.postcode`, `adress` -> `location.address`)."""
        level: Path_ = tuple(error.absolute_path)
        allowed = list(error.schema.get("properties", {}))
        value = error.instance
        extras = sorted(set(value) - set(allowed)) if isinstance(value, dict) else []
        guesses: dict[str, list[Path_]] = {}
        others = [p for p in self._field_paths() if p[:-1] != _named(level)]
        for extra in extras:
            word = str(extra).strip().lower().replace(" ", "_").replace("-", "_")
            if word in allowed and word != extra:
                guesses[extra] = [(*level, word)]
                continue
            exact = [p for p in others if p[-1] == word]
            if exact:
                guesses[extra] = sorted(exact, key=lambda p: (p[0] != "contact", p))
                continue
            best: list[tuple[float, int, Path_]] = []
            for name in allowed:
                ratio = difflib.SequenceMatcher(None, word, name).ratio()
                if ratio >= 0.6:
                    best.append((ratio, 1, (*level, name)))
            for path in others:
                ratio = difflib.SequenceMatcher(None, word, path[-1]).ratio()
                if ratio >= 0.75:
                    best.append((ratio, 0, path))
            if best:
                guesses[extra] = [max(best, key=lambda b: (b[0], b[1]))[2]]
        return guesses

    def _hint(self, schema: dict[str, Any], path: Path_) -> str:
        hint = schema.get("x-hint") if isinstance(schema, dict) else None
        return hint or self._schema_at(path).get("x-hint", "")

    def _schema_at(self, path: Path_) -> dict[str, Any]:
        node: dict[str, Any] = self.schema
        for part in path:
            if isinstance(part, int):
                node = node.get("items", {})
            else:
                node = node.get("properties", {}).get(part, {})
        return node

    def _explain(self, entry: Entry, error: Any) -> Iterator[tuple[Path_, Path_, str, bool]]:
        """Plain-English messages for one jsonschema error.

        Yields (the field it is about, where to point, the message, point at the key)."""
        path: Path_ = tuple(error.absolute_path)
        kind = error.validator
        value = error.instance
        hint = self._hint(error.schema, path)
        if kind == "required":
            for name in error.validator_value:
                if isinstance(value, dict) and name not in value:
                    what = self._schema_at((*path, name)).get("x-hint", "")
                    where = f" from `{shown(field_name(path))}`" if path else ""
                    yield (
                        (*path, name),
                        path,
                        (
                            f"is missing{where}: add a line `{name}: ...`"
                            + (f" ({what})" if what else "")
                        ),
                        True,
                    )
            return
        if kind == "additionalProperties":
            allowed = list(error.schema.get("properties", {}))
            guesses = self._field_guesses(error)
            for extra in sorted(set(value) - set(allowed)):
                tip = _field_tip(path, guesses.get(extra, []), allowed)
                yield (
                    (*path, extra),
                    (*path, extra),
                    (f"`{shown(extra)}` is not a field an entry can have: {tip}"),
                    True,
                )
            return
        if kind == "type":
            written = entry.misread.get(path)
            yield (
                path,
                path,
                self._type_message(path, value, error.validator_value, written, hint),
                False,
            )
            return
        if kind == "enum":
            choices = [str(c) for c in error.validator_value]
            same = [c for c in choices if _words(c) == _words(str(value))]  # `In person`
            guess = same or difflib.get_close_matches(str(value), choices, n=1, cutoff=0.6)
            tip = f"did you mean `{guess[0]}`?" if guess else f"write one of: {', '.join(choices)}"
            yield path, path, f"`{shown(value)}` is not allowed here: {tip}", False
            return
        if kind in ("minLength", "maxLength"):
            count = len(value)
            if kind == "minLength":
                text = "is empty" if count == 0 else f"is too short ({count} characters)"
                yield path, path, f"{text}: {hint or 'write more'}", False
            else:
                yield (
                    path,
                    path,
                    (
                        f"is too long ({count} characters, at most "
                        f"{error.validator_value}): shorten it"
                    ),
                    False,
                )
            return
        if kind in ("minItems", "maxItems"):
            if kind == "minItems":
                yield path, path, f"needs at least {error.validator_value} value(s): {hint}", False
            else:
                yield (
                    path,
                    path,
                    (
                        f"has {len(value)} values, at most {error.validator_value} are "
                        f"allowed: keep the most important"
                    ),
                    False,
                )
            return
        if kind == "uniqueItems":
            repeats = sorted({str(v) for v in value if value.count(v) > 1})
            yield (
                path,
                path,
                f"lists {', '.join(f'`{shown(r)}`' for r in repeats)} twice: remove the repeat",
                False,
            )
            return
        if kind == "minProperties":
            yield path, path, f"is empty: {hint}", False
            return
        if kind in ("pattern", "format") and path[-1:] == ("email",) and isinstance(value, str):
            yield path, path, _email_message(value), False
            return
        if kind in ("pattern", "format"):
            if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                yield (
                    path,
                    path,
                    (f"{shown(value)} is not a date that exists: check the day and the month"),
                    False,
                )
                return
            yield (
                path,
                path,
                f"`{shown(value)}` is not written right: {hint or 'check the format'}",
                False,
            )
            return
        if kind in ("minimum", "maximum"):
            yield path, path, f"`{shown(value)}` is out of range: {hint}", False
            return
        message = shown(error.message, 200)
        yield path, path, f"{message}: {hint}" if hint else message, False

    @staticmethod
    def _type_message(
        path: Path_, value: Any, expected: Any, written: str | None, hint: str
    ) -> str:
        expected = expected if isinstance(expected, list) else [expected]
        last = next((p for p in reversed(path) if isinstance(p, str)), "")
        if value is None:
            return f"is empty: {hint or 'write a value'}, or remove the line"
        if "string" in expected and written is not None:
            if last in ("start", "end"):
                return (
                    f'write times in quotes, like "10:00" (without quotes YAML reads '
                    f"{shown(written)} as the number {shown(value)})"
                )
            if last == "phone":
                return (
                    'put the phone number in quotes, like "01622 000111" (without quotes '
                    "YAML reads it as a number and drops the leading zero)"
                )
            if last == "languages" or (path and path[0] == "languages"):
                return (
                    f'write the language code in quotes, like "{shown(written)}" (without quotes '
                    f"YAML reads {shown(written)} as {shown(str(value).lower())})"
                )
            kind = {bool: "yes/no", int: "a number", float: "a number"}.get(type(value), "a value")
            return (
                f'put it in quotes, like "{shown(written)}" (without quotes YAML reads it '
                f"as {kind})"
            )
        words = {
            "string": "text",
            "array": "a list, like [a, b]",
            "object": "a group of fields",
            "integer": "a whole number",
            "number": "a number",
            "boolean": "true or false",
        }
        want = " or ".join(words.get(e, e) for e in expected)
        return f"should be {want}" + (f": {hint}" if hint else "")

    # -- checks the schema cannot express ----------------------------------------------
    def semantic_problems(self, entry: Entry) -> list[Problem]:
        out: list[Problem] = []
        data = entry.data

        def add(
            path: Path_,
            message: str,
            severity: str = "error",
            code: str = "",
            key: bool = False,
            line: int | None = None,
        ) -> None:
            at_line, column = entry.key_mark(path) if key else entry.mark(path)
            if line is not None:
                at_line, column = line, 1
            line = at_line
            out.append(Problem(entry.path, line, column, field_name(path), message, severity, code))

        written_id = data.get("id")
        if isinstance(written_id, str) and written_id != entry.id:
            add(
                ("id",),
                f"is `{shown(written_id)}` but the file is called `{shown(entry.id)}.yml`: make "
                "them the same (change the id, or rename the file)",
                code="id-file",
            )
        self._lists(entry, add)
        self._text(data, (), add)
        loc = data.get("location")
        if isinstance(loc, dict):
            self._location(entry, loc, add)
        delivery = data.get("delivery")
        if isinstance(delivery, list) and "in-person" in delivery and not isinstance(loc, dict):
            add(
                ("delivery",),
                "includes `in-person`, so the entry needs a `location` with the "
                "address, town and postcode",
                code="location-missing",
            )
        contact = data.get("contact")
        if isinstance(contact, dict):
            self._contact(contact, add)
        description = data.get("description")
        if isinstance(description, str):
            self._description(entry, description, add)
        for index, session in enumerate(data.get("schedule") or []):
            if isinstance(session, dict):
                self._session(index, session, add)
        if data.get("cost") == "paid" and not data.get("cost_note"):
            add(
                ("cost",),
                'is `paid`, so add `cost_note:` saying what it costs, like "£3 a session"',
                code="cost-note",
            )
        age = data.get("age")
        if isinstance(age, dict):
            lo, hi = age.get("min"), age.get("max")
            if isinstance(lo, int) and isinstance(hi, int) and lo > hi:
                add(
                    ("age", "min"),
                    f"is {lo}, more than the maximum age {hi}: swap them",
                    code="age",
                )
        reviewed = entry.last_reviewed
        if reviewed is not None:
            if reviewed > self.today:
                add(
                    ("last_reviewed",),
                    f"is {reviewed.isoformat()}, in the future: write the "
                    "date the details were last confirmed with the provider",
                    code="future",
                )
            elif (self.today - reviewed).days > self.settings.stale_after_days:
                add(
                    ("last_reviewed",),
                    f"was {reviewed.isoformat()}, over {self.settings.stale_after_text} ago: "
                    "confirm the details with the provider and update the date",
                    severity="warning",
                    code="stale",
                )
        return out

    def _lists(self, entry: Entry, add: Any) -> None:
        for field, list_name in LIST_FILES.items():
            values = entry.data.get(field)
            if not isinstance(values, list):
                continue
            terms = getattr(self.vocabulary, list_name)
            allowed = list(terms) + (["all"] if field == "areas" else [])
            synonyms = self._synonyms().get(list_name, {})
            for index, value in enumerate(values):
                if not isinstance(value, str) or value in allowed:
                    continue
                guesses = suggest_terms(value, terms, synonyms, extra=allowed[len(terms) :])
                tip = (
                    "did you mean " + " or ".join(f"`{g}`" for g in guesses) + "?"
                    if guesses
                    else f"use a value from schema/{list_name}.yml"
                )
                add(
                    (field, index),
                    f"`{shown(value)}` is not one of the {list_name}: {tip}",
                    code="list",
                )
            if field == "areas" and "all" in values and len(values) > 1:
                add((field,), "`all` already covers every area: write `[all]` alone", code="list")

    def _synonyms(self) -> dict[str, dict[str, tuple[str, ...]]]:
        if not hasattr(self, "_synonym_lists"):
            self._synonym_lists = self.settings.synonyms()
        return self._synonym_lists

    def _text(self, value: Any, path: Path_, add: Any) -> None:
        if isinstance(value, str):
            multiline = path == ("description",)
            problem = _char_problem(value, multiline)
            if problem:
                add(path, problem, code="characters")
            if path in PLAIN_TEXT_FIELDS and HTML_TAG.search(value):
                tag = HTML_TAG.search(value).group(0)  # type: ignore[union-attr]
                message = f"is plain text, but contains HTML (`{shown(tag)}`): remove it"
                add(path, message, code="html")
        elif isinstance(value, dict):
            for key, item in value.items():
                self._text(item, (*path, key), add)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                self._text(item, (*path, index), add)

    def _location(self, entry: Entry, loc: dict[str, Any], add: Any) -> None:
        postcode = loc.get("postcode")
        if isinstance(postcode, str) and not POSTCODE.match(normalise_postcode(postcode)):
            add(
                ("location", "postcode"),
                f"`{shown(postcode)}` is not a full UK postcode: write it like ME15 7RN",
                code="postcode",
            )
        if isinstance(postcode, str) and POSTCODE.match(normalise_postcode(postcode)):
            self._postcode_area(entry, normalise_postcode(postcode), add)
        place = entry.location
        if place is not None and place.has_coordinates:
            region = self.settings.region
            lat, lon = place.lat, place.lon
            if not region.contains(lat, lon):  # type: ignore[arg-type]
                swapped = region.contains(lon, lat)  # type: ignore[arg-type]
                tip = (
                    "lat and lon look swapped: put the latitude first"
                    if swapped
                    else "check the numbers, or remove `coordinates` to have them looked up "
                    "from the address"
                )
                add(
                    ("location", "coordinates"),
                    f"({lat}, {lon}) is outside {region.name}: {tip}",
                    code="bounds",
                )

    def _postcode_area(self, entry: Entry, postcode: str, add: Any) -> None:
        """A warning when the postcode cannot be in the areas the entry lists, or in its town
        when the town is an area's main town: by the postcode district table when it knows
        the district, otherwise by the distance of the entry's coordinates (or its cached
        ones) from the areas' centres. Never the network."""
        areas = self.vocabulary.areas
        if not hasattr(self, "_districts"):
            self._districts = self.settings.postcode_districts()
            self._towns = {_words(t.name): a for a, t in areas.items()}
            self._towns.update({_words(t.town): a for a, t in areas.items() if t.town})
        listed = [a for a in entry.areas if a in areas]
        town_area = self._towns.get(_words(entry.location.town)) if entry.location else None
        shown = console.shown(postcode)

        def names(ids: Iterable[str]) -> str:
            return " or ".join(areas[i].name if i in areas else i for i in ids)

        district = postcode.split(" ")[0]
        found = self._districts.get(district)
        if found:
            if listed and "all" not in entry.areas and not set(found) & set(listed):
                add(
                    ("location", "postcode"),
                    f"`{shown}` is a postcode of {names(found)}, not of {names(listed)} "
                    f"(the {'area' if len(listed) == 1 else 'areas'} this entry lists): check "
                    "the postcode, or change `areas`",
                    severity="warning",
                    code="postcode-area",
                )
            elif town_area and town_area not in found:
                add(
                    ("location", "postcode"),
                    f"`{shown}` is a postcode of {names(found)}, but the town is "
                    f"{console.shown(entry.location.town)}: check the postcode and the town",  # type: ignore[union-attr]
                    severity="warning",
                    code="postcode-area",
                )
            return
        if self._districts and not any(
            d.rstrip("0123456789") == _letters(district) for d in self._districts
        ):
            add(
                ("location", "postcode"),
                f"`{shown}` is not a postcode in {self.settings.region.name}: check it",
                severity="warning",
                code="postcode-area",
            )
            return
        point = self._point(entry)
        if point is None or not listed or "all" in entry.areas:
            return
        centres = [(areas[a].centre, a) for a in listed if areas[a].centre]
        if not centres:
            return
        distance, nearest = min((_km(point, c), a) for c, a in centres)  # type: ignore[arg-type]
        if distance > FAR_KM:
            add(
                ("location", "postcode"),
                f"`{shown}` is {distance:.0f} km from {areas[nearest].name}, the nearest area "
                "this entry lists: check the postcode, the coordinates and the areas",
                severity="warning",
                code="postcode-area",
            )

    def _point(self, entry: Entry) -> tuple[float, float] | None:
        """Where the entry is, offline: its coordinates, else the committed geocode cache."""
        loc = entry.location
        if loc is None:
            return None
        if loc.has_coordinates:
            return loc.lat, loc.lon  # type: ignore[return-value]
        if not hasattr(self, "_cache"):
            from build_tools.entries import geocode

            try:
                self._cache = geocode.load_cache(self.settings.cache_path)
            except geocode.CacheError:
                self._cache = {}  # the build reports a broken cache
            self._address_key = lambda location: (
                geocode.Address.from_location(location, self.settings.region.country).key
            )
        record = self._cache.get(self._address_key(loc))
        return (record.lat, record.lon) if record is not None else None

    def _contact(self, contact: dict[str, Any], add: Any) -> None:
        phone = contact.get("phone")
        if isinstance(phone, str):
            try:
                number = phonenumbers.parse(phone, "GB")
                valid = phonenumbers.is_valid_number(number)
            except phonenumbers.NumberParseException:
                valid, number = False, None
            if not valid:
                add(
                    ("contact", "phone"),
                    f"`{shown(phone)}` is not a valid UK phone number: write it "
                    'with its area code, like "01622 000111"',
                    code="phone",
                )
            elif (
                str(number.national_number).startswith("7")  # type: ignore[union-attr]
                and phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE
            ):
                add(
                    ("contact", "phone"),
                    "is a mobile number: check the provider agreed to publish it",
                    severity="warning",
                    code="mobile",
                )
        email = contact.get("email")
        if isinstance(email, str) and WEBMAIL.search(email):
            add(
                ("contact", "email"),
                "is a personal webmail address: check the provider agreed to publish it",
                severity="warning",
                code="webmail",
            )

    def _description(self, entry: Entry, text: str, add: Any) -> None:
        line0, _ = entry.mark(("description",))

        def add_at(offset: int, message: str, code: str) -> None:
            line = line0 + text.count("\n", 0, offset)
            add(("description",), message, code=code, line=line)

        tag = HTML_TAG.search(text)
        if tag:
            add_at(
                tag.start(),
                f"contains HTML (`{shown(tag.group(0))}`): use Markdown instead: "
                "**bold**, *italics*, [link text](https://example.org)",
                "html",
            )
        image = IMAGE.search(text)
        if image:
            add_at(
                image.start(),
                "contains an image (`![...]`): images are not allowed; "
                "describe it in words or link to it",
                "image",
            )
        for match in ATX_HEADING.finditer(text):
            add_at(
                match.start(),
                f"has a level-{len(match.group(1))} heading "
                f"(`{match.group(1)}`): use `###` at most, or **bold** text",
                "heading",
            )
        offset = 0
        lines = text.split("\n")
        for index, line in enumerate(lines):
            if index and SETEXT.match(line) and lines[index - 1].strip():
                add_at(
                    offset,
                    "underlines a line with `===` or `---`, which makes a big "
                    "heading: use `###` at most, or leave a blank line before `---`",
                    "heading",
                )
            offset += len(line) + 1
        for pattern in (MD_LINK, MD_AUTOLINK, MD_REF):
            for match in pattern.finditer(text):
                url = match.group(1)
                if not _link_ok(url):
                    add_at(
                        match.start(1),
                        f"has a link to `{shown(url, 60)}`: links must start "
                        "with https://, http://, mailto: or tel:",
                        "link",
                    )

    def _session(self, index: int, session: dict[str, Any], add: Any) -> None:
        start, end = session.get("start"), session.get("end")
        valid = re.compile(r"^\d{2}:\d{2}$")
        if (
            isinstance(start, str)
            and isinstance(end, str)
            and valid.match(start)
            and valid.match(end)
            and end <= start
        ):
            add(
                ("schedule", index, "end"),
                f'is "{shown(end)}", not after the start "{shown(start)}": '
                'check the times (24-hour clock, like "14:30")',
                code="times",
            )
        frequency = session.get("frequency")
        if frequency == "monthly" and not session.get("weeks_of_month"):
            add(
                ("schedule", index, "frequency"),
                "is `monthly`, so add `weeks_of_month:` "
                "saying which weeks, like [1] for the first or [-1] for the last",
                code="weeks",
            )
        if session.get("weeks_of_month") and frequency in ("weekly", "fortnightly"):
            add(
                ("schedule", index, "weeks_of_month"),
                "only applies to monthly sessions: remove it, or set `frequency: monthly`",
                code="weeks",
            )
        if frequency == "fortnightly" and "starts_on" not in session:
            add(
                ("schedule", index, "frequency"),
                "is `fortnightly`, so add `starts_on:` with the date of the first session "
                "(or any one session), like 2026-11-04, so people can tell which weeks it meets",
                code="starts-on",
            )
        starts_on = parse_date(session.get("starts_on"))
        ends_on = parse_date(session.get("ends_on"))
        if starts_on is not None and ends_on is not None and ends_on < starts_on:
            add(
                ("schedule", index, "ends_on"),
                f"is {ends_on.isoformat()}, before `starts_on` {starts_on.isoformat()}: "
                "`ends_on` is the date of the last session; check both dates",
                code="ends-on",
            )

    # -- all entries together ------------------------------------------------------------
    def check(self, entries: Iterable[Entry]) -> list[Problem]:
        entries = list(entries)
        problems: list[Problem] = []
        for entry in entries:
            problems.extend(self.check_entry(entry))
        problems.extend(self.cross_entry(entries))
        return problems

    def check_entry(self, entry: Entry) -> list[Problem]:
        schema = self.schema_problems(entry)
        semantic = self.semantic_problems(entry)
        return self._placeholders(entry, schema + semantic)

    @staticmethod
    def _placeholders(entry: Entry, problems: list[Problem]) -> list[Problem]:
        """A value still as `community-map new` wrote it is refused, and that is all there is
        to say about the field (the example postcode is also "not a postcode", and so on)."""
        examples = list(placeholders.found(entry.data))
        if not examples:
            return problems
        fields = {field_name(path) for path, _ in examples}
        kept = [p for p in problems if p.field not in fields]
        for path, message in examples:
            line, column = entry.mark(path)
            kept.append(
                Problem(entry.path, line, column, field_name(path), message, code="placeholder")
            )
        return kept

    @staticmethod
    def cross_entry(entries: list[Entry]) -> list[Problem]:
        """Problems between files: the same id twice (an error), or the same name at the same
        postcode (a warning: probably one activity listed twice). Each file names the others."""

        rules = (
            (
                lambda e: e.id,
                "id",
                "error",
                "id-unique",
                lambda e, others: (
                    f"`{shown(e.id)}` is used by another entry too ({others}): every id "
                    "must be unique; choose another and rename the file to match"
                ),
            ),
        )
        problems: list[Problem] = []
        for key_of, field, severity, code, message in rules:
            groups: dict[Any, list[Entry]] = defaultdict(list)
            for entry in entries:
                key = key_of(entry)
                if key is not None:
                    groups[key].append(entry)
            for same in (g for g in groups.values() if len(g) > 1):
                for entry in same:
                    others = ", ".join(escape_text(o.path) for o in same if o is not entry)
                    line, column = entry.mark((field,))
                    problems.append(
                        Problem(
                            entry.path, line, column, field, message(entry, others), severity, code
                        )
                    )
        for pair in possible_duplicates(entries):
            for entry, other in ((pair.first, pair.second), (pair.second, pair.first)):
                line, column = entry.mark(("name",))
                problems.append(
                    Problem(
                        entry.path,
                        line,
                        column,
                        "name",
                        f"another entry has {pair.reason} ({other.path}): is it a duplicate?",
                        "warning",
                        "duplicate",
                    )
                )
        return problems


EMAIL_NOT_ALLOWED = {
    "?": "a question mark",
    "&": "an ampersand (&)",
    "%": "a percent sign",
    ",": "a comma",
    ";": "a semicolon",
    "<": "an angle bracket",
    ">": "an angle bracket",
    ":": "a colon",
    "/": "a slash",
    "#": "a hash sign",
}


def _email_message(value: str) -> str:
    """Why an `email` is not one plain address, in words: a `?`, `&` or `%` would let a
    listing add hidden recipients or text to the e-mail a link worker sends."""
    example = "write just the address, like walks@example.org"
    if any(c.isspace() for c in value):
        return f"`{shown(value)}` contains a space: {example}, with no spaces or names"
    for char in value:
        if char in EMAIL_NOT_ALLOWED:
            return (
                f"`{shown(value)}` contains {EMAIL_NOT_ALLOWED[char]}: {example}, on its own "
                "(no `?`, `&`, `%`, `,`, `;` or angle brackets, which could add hidden "
                "recipients or text to an e-mail)"
            )
    count = value.count("@")
    if count != 1:
        return f"`{shown(value)}` has {count} `@` signs: {example} (one address, one `@`)"
    return f"`{shown(value)}` is not a complete e-mail address: {example}"


def _words(text: str) -> str:
    """`Mental Health`, `mental_health` and `mental-health` are the same words."""
    return " ".join(re.sub(r"[-_/,.&]+", " ", text.casefold().replace("'", "")).split())


def suggest_terms(
    value: str,
    terms: dict[str, Term],
    synonyms: dict[str, tuple[str, ...]],
    extra: Iterable[str] = (),
) -> list[str]:
    """The ids a provider probably meant by a value not in a controlled list, best first, at
    most two: the id written another way or the term's display name (`Physical activity`),
    its main town for an area (`Margate` -> `thanet`), a word from `schema/synonyms.yml`
    (`walking` -> `physical-activity`), the start of an id or name (`arts` ->
    `arts-and-creativity`), then a close spelling of an id or name."""
    word = _words(value)
    if not word:
        return []
    ids = [*terms, *extra]
    for rule in (
        lambda i: _words(i) == word,
        lambda i: i in terms and _words(terms[i].name) == word,
        lambda i: i in terms and bool(terms[i].town) and _words(terms[i].town) == word,
        lambda i: word in {_words(w) for w in synonyms.get(i, ())},
    ):
        found = [i for i in ids if rule(i)]
        if found:
            return found[:2]
    starts = [
        i
        for i in ids
        if _words(i).startswith(word)
        or (i in terms and _words(terms[i].name).startswith(word))
        or (i in terms and any(w.startswith(word) for w in _words(terms[i].name).split()))
    ]
    if starts and len(word) >= 3:
        return starts[:2]
    scored: dict[str, float] = {}
    for i in ids:
        names = [_words(i)] + ([_words(terms[i].name)] if i in terms else [])
        names += [_words(w) for w in synonyms.get(i, ())]
        ratio = max(difflib.SequenceMatcher(None, word, n).ratio() for n in names)
        if ratio >= 0.75:
            scored[i] = ratio
    return sorted(scored, key=lambda i: -scored[i])[:1]


FAR_KM = 25  # further than this from every listed area's centre is "far outside" them


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in kilometres."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def _letters(district: str) -> str:
    """The postcode area of a district: `ME` of `ME15`, `SW` of `SW1A`."""
    return re.match(r"[A-Z]*", district).group(0)  # type: ignore[union-attr]


def _named(path: Path_) -> Path_:
    """A path without its list positions, as the schema's field paths are written."""
    return tuple(p for p in path if not isinstance(p, int))


def _field_tip(level: Path_, guesses: list[Path_], allowed: list[str]) -> str:
    """ "did you mean ...?" for an unknown field, saying where a field of another group goes."""
    if not guesses:
        return f"the fields allowed here are {', '.join(allowed)}"
    same = [g for g in guesses if _named(g[:-1]) == _named(level)]
    if same:
        return f"did you mean `{same[0][-1]}`?"
    names = " or ".join(f"`{field_name(g)}`" for g in guesses)
    groups = " or ".join(f"`{field_name(g[:-1])}:`" for g in guesses)
    return f"did you mean {names}? Write `{guesses[0][-1]}:` indented under {groups}"


@dataclass(frozen=True)
class DuplicatePair:
    """Two entries that probably list one activity twice, and why we think so."""

    first: Entry
    second: Entry
    reason: str  # "the same name and postcode", "a very similar name and the same organisation"


_NAME_NOISE = re.compile(r"[^\w\s]|\b(the|and)\b")
SIMILAR_NAMES = 0.9  # difflib ratio of the normalised names


def _name_key(name: str) -> str:
    return " ".join(_NAME_NOISE.sub(" ", name.casefold().replace("&", " and ")).split())


def possible_duplicates(entries: Iterable[Entry]) -> list[DuplicatePair]:
    """Pairs with the same or a very similar name at the same postcode or from the same
    organisation: the one duplicate check, shared by the validator (a warning on both files)
    and the coverage page (a list for moderators). Names are compared only within a postcode
    or an organisation, so 10,000 entries cost a few thousand comparisons, not 50 million."""
    blocks: dict[tuple[str, str], list[Entry]] = defaultdict(list)
    for entry in entries:
        if not entry.name:
            continue
        loc = entry.location
        if loc is not None and loc.postcode and entry.in_person:
            blocks[("postcode", normalise_postcode(loc.postcode))].append(entry)
        org = entry.organisation.get("name", "")
        if org:
            blocks[("organisation", _name_key(org))].append(entry)
    found: dict[tuple[str, str], DuplicatePair] = {}
    for (kind, _), group in sorted(blocks.items(), key=lambda item: item[0]):
        if len(group) < 2 or len(group) > 200:  # a huge block is a big provider, not a twin
            continue
        keys = [_name_key(e.name) for e in group]
        for i in range(len(group)):
            for j in range(i + 1, len(group)):
                a, b = sorted((group[i], group[j]), key=lambda e: e.path)
                pair_key = (a.path, b.path)
                if a.id == b.id or pair_key in found:
                    continue
                same = keys[i] == keys[j]
                if not same and difflib.SequenceMatcher(None, keys[i], keys[j]).ratio() < (
                    SIMILAR_NAMES
                ):
                    continue
                what = "the same name" if same else "a very similar name"
                where = "postcode" if kind == "postcode" else "organisation"
                found[pair_key] = DuplicatePair(a, b, f"{what} and the same {where}")
    return sorted(found.values(), key=lambda p: (p.first.path, p.second.path))


def _link_ok(url: str) -> bool:
    cleaned = html.unescape(url)
    cleaned = "".join(ch for ch in cleaned if ch.isprintable() and not ch.isspace())
    if ":" not in cleaned:
        return False
    scheme = cleaned.split(":", 1)[0].lower()
    return scheme in LINK_SCHEMES


def validate_entries(
    entries: list[Entry], settings: Settings, today: dt.date | None = None
) -> list[Problem]:
    """All problems of all entries, sorted by file and line."""
    return sorted(Validator(settings, today).check(entries))


def validate_command(
    settings: Settings,
    paths: list[Path],
    *,
    strict: bool = False,
    fmt: str = "text",
    today: str | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    day = dt.date.fromisoformat(today) if today else None
    progress = console.Progress(err, "Reading entries")
    entries, problems = load_paths(paths, base=Path.cwd(), progress=progress)
    progress.close()
    problems = sorted(problems + validate_entries(entries, settings, today=day))
    files = len({e.path for e in entries} | {p.path for p in problems})
    if fmt == "json":
        console.dump_json({"files": files, "problems": [p.__dict__ for p in problems]}, out)
    else:
        for problem in problems:
            out.write(problem.format() + "\n")  # one safe line (Problem.format)
        out.write(console.safe_line(console.summary_line(problems, files)) + "\n")
    if os.environ.get("GITHUB_ACTIONS") == "true":
        # Annotations beside the text; with JSON they go to stderr so stdout stays JSON
        # (the runner reads workflow commands from both).
        stream = err if fmt == "json" else out
        for problem in problems:
            stream.write(console.github_annotation(problem) + "\n")
    failing = [p for p in problems if p.severity == "error" or strict]
    return 1 if failing else 0
