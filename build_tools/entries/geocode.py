"""Coordinates for every in-person activity: from the entry, the committed cache, or a geocoder.

Why this shape: the site build must be reproducible and offline, so it only ever reads
explicit `location.coordinates` and the committed cache (`coordinates_offline`). Filling the
cache is a separate, deliberate moderator command (`community-map geocode`, `main`) that
follows Nominatim's usage policy: a real User-Agent, at most one request per second, a cap
per run, no automatic retries behind our back, and a full stop on 429 or 403.

Order for one entry: explicit coordinates, then the cache (keyed by the normalised address,
so editing the address misses it by itself), then the online geocoder: a structured query
(street, city, postcode, country) first, the postcode alone as a fallback. Only successes
are cached; every failure is reported with its reason.

The pure core (normalising, keys, the cache format, checking a result, the look-up queue)
takes no network and no clock of its own; `main` wires it to geopy and the terminal.
"""

from __future__ import annotations

import datetime as dt
import inspect
import json
import math
import re
import sys
import time
import unicodedata
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TextIO

from build_tools.console import escape_text, shown, write_lines
from build_tools.entries.model import Entry, Location, Problem, normalise_postcode
from build_tools.outputs import write_atomic
from build_tools.settings import DEFAULT_USER_AGENTS, Region, Settings
from build_tools.settings import today as settings_today

PRECISIONS = ("address", "postcode")
QUERY_KINDS = ("structured", "postcode")
RETRY_BACKOFF_SECONDS = 5.0  # a transient failure is retried once, no sooner than this
NOMINATIM_PUBLIC_DOMAIN = "nominatim.openstreetmap.org"
# The structured query's `country` field wants a name; `countrycodes` filters by the code.
COUNTRY_NAMES = {
    "gb": "United Kingdom",
    "ie": "Ireland",
    "fr": "France",
    "de": "Germany",
    "nl": "Netherlands",
    "be": "Belgium",
    "es": "Spain",
    "it": "Italy",
    "us": "United States",
    "ca": "Canada",
    "au": "Australia",
    "nz": "New Zealand",
}
_EMAIL = re.compile(r"[^\s@()<>;,]+@[^\s@()<>;,]+\.[A-Za-z]{2,}")
_URL = re.compile(r"https?://[^\s/$.?#][^\s]*", re.IGNORECASE)
# Sample agents from geopy's documentation, which Nominatim treats as anonymous.
_SAMPLE_AGENTS = {"my-application", "my_app/1", "my_user_agent/1.0", "specify_your_app_name_here"}


class CacheError(Exception):
    """The cache file cannot be trusted; it is reported, never replaced."""

    def __init__(self, path: str, message: str, line: int = 0, column: int = 0) -> None:
        where = f"{path}:{line}:{column}" if line else path
        super().__init__(f"{where}: {message}")
        self.path = path
        self.line = line
        self.column = column
        self.message = message


class ConfigError(Exception):
    """Geocoding cannot start as configured (exit status 2)."""


# --- normalising and keys ----------------------------------------------------------------


def normalise_text(text: str) -> str:
    """Case, spacing and comma spacing do not change where a place is."""
    text = " ".join(unicodedata.normalize("NFKC", text).casefold().split())
    text = re.sub(r"\s*,\s*", ", ", text)
    return text.strip(" ,.")


@dataclass(frozen=True)
class Address:
    """What is sent to the geocoder for one location, already normalised."""

    street: str
    city: str
    postcode: str
    country: str  # ISO 3166-1 alpha-2, lower case

    @classmethod
    def from_location(cls, location: Location, country: str) -> Address:
        return cls(
            street=normalise_text(location.address),
            city=normalise_text(location.town),
            postcode=normalise_postcode(location.postcode),
            country=country.strip().lower(),
        )

    @property
    def key(self) -> str:
        """The cache key: every field that changes the query, and nothing else (not the venue)."""
        return " | ".join((self.street, self.city, self.postcode, self.country))

    @property
    def usable(self) -> bool:
        return bool(self.postcode or (self.street and self.city))

    def one_line(self) -> str:
        return ", ".join(p for p in (self.street, self.city, self.postcode) if p)


@dataclass(frozen=True)
class Query:
    """One request: its kind (`structured` or `postcode`) and the fields to send."""

    kind: str
    fields: tuple[tuple[str, str], ...]

    @property
    def params(self) -> dict[str, str]:
        return dict(self.fields)

    @property
    def text(self) -> str:
        """The same query as one line, for geocoders without structured search."""
        return ", ".join(v for _, v in self.fields)

    @property
    def precision(self) -> str:
        return "address" if self.kind == "structured" else "postcode"


def queries_for(address: Address) -> list[Query]:
    """Structured first, then the postcode alone: a new building may not be mapped yet."""
    country = COUNTRY_NAMES.get(address.country, "")
    queries: list[Query] = []
    structured = [
        ("street", address.street),
        ("city", address.city),
        ("postalcode", address.postcode),
        ("country", country),
    ]
    structured = [(k, v) for k, v in structured if v]
    if address.street or address.city:
        queries.append(Query("structured", tuple(structured)))
    if address.postcode:
        postcode = [("postalcode", address.postcode), ("country", country)]
        queries.append(Query("postcode", tuple((k, v) for k, v in postcode if v)))
    return queries


# --- the cache ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CacheRecord:
    """One geocoded address, as committed: enough to review the pin and to redo the query."""

    lat: float
    lon: float
    provider: str
    precision: str  # "address" or "postcode"
    query: str  # the query kind that matched: "structured" or "postcode"
    date: str  # ISO date of the look-up

    def as_json(self) -> dict[str, Any]:
        return {
            "date": self.date,
            "lat": self.lat,
            "lon": self.lon,
            "precision": self.precision,
            "provider": self.provider,
            "query": self.query,
        }


def format_cache(records: Mapping[str, CacheRecord]) -> str:
    """Sorted JSON, one key per line: a new or changed address is a one-line diff."""
    if not records:
        return "{}\n"
    lines = [
        f"  {json.dumps(key, ensure_ascii=False)}: "
        f"{json.dumps(records[key].as_json(), ensure_ascii=False, sort_keys=True)}"
        for key in sorted(records)
    ]
    return "{\n" + ",\n".join(lines) + "\n}\n"


def _key_line(text: str, key: str) -> int:
    needle = json.dumps(key, ensure_ascii=False) + ":"
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip().startswith(needle):
            return number
    return 0


def _record(value: Any) -> tuple[CacheRecord | None, str]:
    if not isinstance(value, dict):
        return None, "is not an object"
    for name in ("lat", "lon"):
        number = value.get(name)
        if isinstance(number, bool) or not isinstance(number, int | float):
            return None, f"`{name}` is missing or not a number"
        if not math.isfinite(number):
            return None, f"`{name}` is not a finite number"
    if value.get("precision") not in PRECISIONS:
        return None, "`precision` must be `address` or `postcode`"
    if value.get("query") not in QUERY_KINDS:
        return None, "`query` must be `structured` or `postcode`"
    for name in ("provider", "date"):
        if not isinstance(value.get(name), str) or not value[name]:
            return None, f"`{name}` is missing or not text"
    try:
        dt.date.fromisoformat(value["date"])
    except ValueError:
        return None, "`date` is not an ISO date (YYYY-MM-DD)"
    record = CacheRecord(
        lat=float(value["lat"]),
        lon=float(value["lon"]),
        provider=value["provider"],
        precision=value["precision"],
        query=value["query"],
        date=value["date"],
    )
    return record, ""


def parse_cache(text: str, display: str) -> dict[str, CacheRecord]:
    """The cache's records; anything unexpected is a `CacheError` naming the file and line."""

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: dict[str, Any] = {}
        for key, value in pairs:
            if key in seen:
                raise CacheError(
                    display,
                    f"the key {key!r} appears twice (a merge left both?)",
                    _key_line(text, key) if isinstance(key, str) else 0,
                )
            seen[key] = value
        return seen

    try:
        raw = json.loads(text, object_pairs_hook=no_duplicates)
    except json.JSONDecodeError as error:
        raise CacheError(
            display,
            f"is not valid JSON ({error.msg}); fix that line, or restore "
            "the file from git (it is never rewritten while broken)",
            error.lineno,
            error.colno,
        ) from error
    if not isinstance(raw, dict):
        raise CacheError(display, "must hold one JSON object (address -> coordinates)", 1, 1)
    records: dict[str, CacheRecord] = {}
    for key, value in raw.items():
        record, why = _record(value)
        if record is None:
            message = f"the record for `{shown(key)}` {why}"
            raise CacheError(display, message, _key_line(text, key), 1)
        records[key] = record
    return records


def cache_display(settings: Settings) -> str:
    try:
        return settings.cache_path.relative_to(settings.root).as_posix()
    except ValueError:
        return settings.cache_path.as_posix()


def load_cache(path: Path, display: str | None = None) -> dict[str, CacheRecord]:
    """An absent cache is empty; an unreadable or corrupt one is a `CacheError`."""
    display = display or path.as_posix()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except UnicodeDecodeError as error:
        raise CacheError(display, f"is not UTF-8 text ({error.reason})") from error
    except OSError as error:
        raise CacheError(display, f"cannot be read: {error.strerror}") from error
    return parse_cache(text, display)


def save_cache(path: Path, records: Mapping[str, CacheRecord]) -> None:
    """Atomic: a crash mid-write leaves the previous file as it was."""
    write_atomic(path, format_cache(records))


# --- checking an answer ------------------------------------------------------------------


def check_point(lat: Any, lon: Any, region: Region) -> str:
    """Why a point is not a valid pin ("" if it is): never a pin in the sea or abroad."""
    if isinstance(lat, bool) or isinstance(lon, bool):
        return "the coordinates are not numbers"
    try:
        lat, lon = float(lat), float(lon)
    except (TypeError, ValueError):
        return "the coordinates are missing or not numbers"
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return "the coordinates are not finite numbers"
    if lat == 0 and lon == 0:
        return "the coordinates are (0, 0), a placeholder, not a place"
    if not region.contains(lat, lon):
        return f"({lat:.5f}, {lon:.5f}) lies outside {region.name}"
    return ""


def check_user_agent(user_agent: str | None) -> str:
    """Why the User-Agent is refused ("" if it is fine): it must name us and give a contact."""
    agent = (user_agent or "").strip()
    if not agent:
        return "no User-Agent is configured"
    lowered = agent.lower()
    if lowered in DEFAULT_USER_AGENTS or lowered in _SAMPLE_AGENTS or lowered.startswith("geopy/"):
        return f"the User-Agent {agent!r} is a library default or a documentation sample"
    if lowered.startswith(("python-urllib", "python-requests", "curl/", "mozilla/")):
        return f"the User-Agent {agent!r} is a library or browser default"
    if not (_EMAIL.search(agent) or _URL.search(agent)):
        return f"the User-Agent {agent!r} gives no contact (a URL or an e-mail address)"
    return ""


def osm_link(lat: float, lon: float) -> str:
    return (
        f"https://www.openstreetmap.org/?mlat={lat:.6f}&mlon={lon:.6f}#map=18/{lat:.6f}/{lon:.6f}"
    )


# --- offline: what every build uses ------------------------------------------------------


def _explicit(entry: Entry) -> tuple[float, float] | None:
    loc = entry.location
    if loc is not None and loc.has_coordinates:
        return (loc.lat, loc.lon)  # type: ignore[return-value]
    return None


def coordinates_offline(
    entries: list[Entry], settings: Settings
) -> tuple[dict[str, tuple[float, float]], list[Problem]]:
    """Entry coordinates, else the committed cache; never the network. Missing pins warn."""
    coords: dict[str, tuple[float, float]] = {}
    problems: list[Problem] = []
    display = cache_display(settings)
    cache: dict[str, CacheRecord] | None = None
    for entry in entries:
        if not (entry.published and entry.in_person):
            continue
        explicit = _explicit(entry)
        if explicit is not None:
            coords[entry.id] = explicit
            continue
        if cache is None:
            try:
                cache = load_cache(settings.cache_path, display)
            except CacheError as error:
                cache = {}
                problems.append(
                    Problem(
                        display,
                        error.line or 1,
                        error.column or 1,
                        "",
                        error.message,
                        code="geocode-cache",
                    )
                )
        line, column = entry.key_mark(("location",))
        loc = entry.location
        if loc is None:
            continue  # validation reports the missing location
        record = cache.get(Address.from_location(loc, settings.region.country).key)
        if record is not None:
            why = check_point(record.lat, record.lon, settings.region)
            if not why:
                coords[entry.id] = (record.lat, record.lon)
                continue
            message = (
                f"the cached coordinates for this address are not used: {why}; it will "
                "be listed without a map pin. Fix the address, or add `coordinates` "
                "({lat: ..., lon: ...}) under `location`"
            )
        else:
            message = (
                "has no coordinates and its address is not in the geocode cache, so it "
                "will be listed without a map pin: run `community-map geocode` (then "
                f"commit {display}), or add `coordinates` "
                "({lat: ..., lon: ...}) under `location`"
            )
        problems.append(
            Problem(
                entry.path,
                line,
                column,
                "location",
                message,
                severity="warning",
                code="no-coordinates",
            )
        )
    return coords, problems


# --- online: the look-up queue -----------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """What one request came to.

    `status`: "ok" (a valid point), "none" (no valid result: try the next query),
    "retry" (timeout, 5xx, refused: worth one later try), "fail" (give up on this address),
    "stop" (429, 403, quota: stop the whole run).
    """

    status: str
    reason: str = ""
    lat: float = 0.0
    lon: float = 0.0
    retry_after: int | None = None


@dataclass
class Outcome:
    """The result of a run of the queue, per address key."""

    found: dict[str, tuple[Query, Answer]] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)  # keys never finished (cap or stop)
    stop_reason: str = ""
    capped: bool = False
    requests: int = 0


class Spacing:
    """At least `min_delay` seconds from the end of one request to the start of the next.

    Our own limiter rather than geopy's `RateLimiter`, which swallows errors and ignores
    Retry-After; the clock and sleep are injectable so tests need not wait.
    """

    def __init__(
        self, min_delay: float, clock: Callable[[], float], sleep: Callable[[float], None]
    ) -> None:
        self.min_delay = min_delay
        self.clock = clock
        self.sleep = sleep
        self._ready_at = -math.inf

    def wait(self, not_before: float = -math.inf) -> float:
        """Sleep until a request may start; return the start time."""
        target = max(self._ready_at, not_before)
        now = self.clock()
        if now < target:
            self.sleep(target - now)
            now = self.clock()
        return now

    def done(self) -> None:
        self._ready_at = self.clock() + self.min_delay


def run_queue(
    addresses: Iterable[Address],
    ask: Callable[[Query], Answer],
    spacing: Spacing,
    max_requests: int,
    progress: Callable[[int, Address, Query], None] | None = None,
) -> Outcome:
    """Look up each address once (plus one later retry of a transient failure), politely."""
    outcome = Outcome()
    # (address, index of its query, already retried?, not before)
    queue: deque[tuple[Address, int, bool, float]] = deque(
        (a, 0, False, -math.inf) for a in addresses
    )
    notes: dict[str, list[str]] = {}
    while queue:
        address, index, retried, not_before = queue.popleft()
        queries = queries_for(address)
        query = queries[index]
        if outcome.requests >= max_requests:
            outcome.capped = True
            outcome.skipped = [address.key] + [a.key for a, *_ in queue]
            break
        spacing.wait(not_before)
        if progress is not None:
            progress(outcome.requests + 1, address, query)
        try:
            answer = ask(query)
        finally:
            spacing.done()
            outcome.requests += 1
        label = f"{query.kind} query"
        if answer.status == "ok":
            outcome.found[address.key] = (query, answer)
        elif answer.status == "none":
            notes.setdefault(address.key, []).append(f"{label}: {answer.reason}")
            if index + 1 < len(queries):
                queue.appendleft((address, index + 1, False, -math.inf))
            else:
                outcome.failed[address.key] = (
                    "no valid result (" + "; ".join(notes[address.key]) + ")"
                )
        elif answer.status == "retry" and not retried:
            notes.setdefault(address.key, []).append(f"{label}: {answer.reason}")
            queue.append((address, index, True, spacing.clock() + RETRY_BACKOFF_SECONDS))
        elif answer.status == "stop":
            outcome.stop_reason = answer.reason
            outcome.skipped = [address.key] + [a.key for a, *_ in queue]
            break
        else:  # "fail", or "retry" a second time
            last = (
                f"retried once later: {answer.reason}" if retried else (f"{label}: {answer.reason}")
            )
            outcome.failed[address.key] = "; ".join([*notes.get(address.key, []), last])
    return outcome


# --- geopy: one request, mapped to an `Answer` -------------------------------------------


def _geopy_answer(
    call: Callable[[], Any], region: Region, timeout: float, from_raw: bool = False
) -> Answer:
    """Run one geopy call; map every exception to an outcome (nothing is swallowed)."""
    from geopy import exc

    try:
        location = call()
    except exc.GeocoderRateLimited as error:
        after = error.retry_after
        wait = f"Retry-After: {after} s" if after is not None else "no Retry-After given"
        return Answer(
            "stop",
            f"the geocoder answered 429 Too Many Requests ({wait}); "
            "stopped for this run: wait before running again",
            retry_after=after,
        )
    except exc.GeocoderInsufficientPrivileges as error:
        return Answer(
            "stop",
            f"the geocoder refused the request (403 Forbidden: {error}); "
            "Nominatim blocks requests without a User-Agent naming the deployment "
            "and a contact: set `geocoder.user_agent` in mkdocs.yml or pass "
            "--user-agent",
        )
    except (exc.GeocoderQuotaExceeded, exc.GeocoderAuthenticationFailure) as error:
        return Answer(
            "stop",
            f"the geocoder refused further requests "
            f"({type(error).__name__}: {error}); check the account or key",
        )
    except exc.GeocoderTimedOut as error:  # geopy also maps 503 and 504 here
        if "timed out" in str(error).lower():
            return Answer("retry", f"timed out (no answer within {timeout:g} s)")
        return Answer("retry", f"temporarily unavailable ({shown(error, 160)})")
    except exc.GeocoderParseError:
        return Answer("none", "the answer is not valid JSON")
    except exc.GeocoderQueryError as error:
        return Answer("none", f"the geocoder rejected the query: {shown(error, 160)}")
    except (exc.GeocoderUnavailable, exc.GeocoderServiceError) as error:
        return Answer("retry", f"service error ({shown(error, 160)})")
    except exc.GeopyError as error:
        return Answer("fail", f"{type(error).__name__}: {shown(error, 160)}")
    except (ValueError, TypeError) as error:
        why = shown(error, 160)
        return Answer("none", f"the coordinates in the answer are not numbers ({why})")
    except (AttributeError, KeyError, IndexError) as error:
        return Answer("none", f"unexpected answer ({type(error).__name__}: {shown(error, 160)})")
    if location is None:
        return Answer("none", "nothing found")
    raw = getattr(location, "raw", None)
    if from_raw and isinstance(raw, Mapping):
        # geopy turns missing coordinates into (0.0, 0.0): check what was actually sent
        lat, lon = raw.get("lat"), raw.get("lon")
    else:
        lat, lon = location.latitude, location.longitude
    why = check_point(lat, lon, region)
    if why:
        return Answer("none", why)
    return Answer("ok", lat=round(float(lat), 6), lon=round(float(lon), 6))


@dataclass(frozen=True)
class Provider:
    """A configured geopy geocoder and how to ask it one `Query`."""

    name: str
    description: str
    ask: Callable[[Query], Answer]


def make_provider(settings: Settings, user_agent: str) -> Provider:
    """Build the geopy geocoder named in the settings, with no automatic retries."""
    from geopy import exc
    from geopy.adapters import URLLibAdapter
    from geopy.geocoders import Nominatim, get_geocoder_for_service

    geo = settings.geocoder
    try:
        cls = get_geocoder_for_service(geo.name)
    except exc.GeocoderNotFound as error:
        raise ConfigError(f"unknown geocoder {geo.name!r} in mkdocs.yml ({error})") from error
    accepted = inspect.signature(cls.__init__).parameters
    kwargs: dict[str, Any] = {
        "user_agent": user_agent,
        "timeout": geo.timeout,
        "adapter_factory": URLLibAdapter,
    }
    nominatim_like = issubclass(cls, Nominatim)
    if "domain" in accepted and (nominatim_like or geo.domain != NOMINATIM_PUBLIC_DOMAIN):
        kwargs["domain"] = geo.domain
    if "scheme" in accepted:
        kwargs["scheme"] = geo.scheme
    kwargs.update(geo.options)
    try:
        geocoder = cls(**kwargs)
    except (exc.ConfigurationError, TypeError) as error:
        raise ConfigError(f"cannot set up the {geo.name!r} geocoder: {error}") from error
    country = settings.region.country.lower()
    geocode_params = inspect.signature(geocoder.geocode).parameters
    extra = {"country_codes": country} if "country_codes" in geocode_params else {}

    def ask(query: Query) -> Answer:
        payload: Any = query.params if nominatim_like else query.text
        return _geopy_answer(
            lambda: geocoder.geocode(payload, exactly_one=True, **extra),
            settings.region,
            geo.timeout,
            from_raw=nominatim_like,
        )

    scheme = kwargs.get("scheme", "")
    where = f"{scheme}://{kwargs['domain']}" if "domain" in kwargs else "its default address"
    return Provider(geo.name, f"{geo.name} at {where}", ask)


# --- the command -------------------------------------------------------------------------


@dataclass
class _Need:
    """Entries that share one address share one look-up."""

    address: Address
    entries: list[Entry] = field(default_factory=list)


def _n(count: int, singular: str, plural: str = "") -> str:
    return f"{count} {singular if count == 1 else (plural or singular + 's')}"


def _entries(needs: Iterable[_Need]) -> int:
    return sum(len(n.entries) for n in needs)


@dataclass
class _Plan:
    """Where each published in-person entry's coordinates come from, before any request."""

    from_entry: list[Entry] = field(default_factory=list)
    from_cache: list[Entry] = field(default_factory=list)
    unusable: list[tuple[Entry, str]] = field(default_factory=list)
    needs: dict[str, _Need] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return (
            len(self.from_entry)
            + len(self.from_cache)
            + len(self.unusable)
            + _entries(self.needs.values())
        )


def plan(entries: Iterable[Entry], cache: Mapping[str, CacheRecord], settings: Settings) -> _Plan:
    """Sort entries into: coordinates in the entry, in the cache, to look up, impossible."""
    result = _Plan()
    for entry in entries:
        if not (entry.published and entry.in_person):
            continue
        if _explicit(entry) is not None:
            result.from_entry.append(entry)
            continue
        loc = entry.location
        if loc is None:
            result.unusable.append((entry, "in person but has no `location`"))
            continue
        address = Address.from_location(loc, settings.region.country)
        record = cache.get(address.key)
        if record is not None and not check_point(record.lat, record.lon, settings.region):
            result.from_cache.append(entry)
        elif not address.usable:
            result.unusable.append((entry, "the location has no postcode, nor street and town"))
        else:
            result.needs.setdefault(address.key, _Need(address)).entries.append(entry)
    return result


def _print(stream: TextIO, text: str) -> None:
    """Like `print`, each line through `console.safe_line` (provider text reaches logs)."""
    write_lines(stream, text)


def _shown_address(address: Address) -> str:
    return shown(address.one_line(), 120)


def main(
    settings: Settings,
    paths: list[Path],
    *,
    domain: str | None = None,
    scheme: str | None = None,
    user_agent: str | None = None,
    max_requests: int | None = None,
    offline: bool = False,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
    clock: Callable[[], float] | None = None,
    sleep: Callable[[float], None] | None = None,
) -> int:
    """`community-map geocode`: fill the cache; 0 all pinned, 1 some unpinned, 2 config error."""
    from build_tools.entries.loader import load_paths

    overrides = {
        k: v
        for k, v in (
            ("domain", domain),
            ("scheme", scheme),
            ("user_agent", user_agent),
            ("max_requests", max_requests),
        )
        if v is not None
    }
    geo = replace(settings.geocoder, **overrides)
    settings = replace(settings, geocoder=geo)
    display = cache_display(settings)

    entries, problems = load_paths(paths or [settings.entries_dir], base=settings.root)
    broken = {p.path for p in problems if p.severity == "error"}
    for problem in sorted(problems):
        _print(err, problem.format())
    if broken:
        _print(err, f"skipping {_n(len(broken), 'file')} that could not be read")
    entries = [e for e in entries if e.path not in broken]

    try:
        cache = load_cache(settings.cache_path, display)
    except CacheError as error:
        _print(err, f"error: the geocode cache is corrupt: {error}")
        return 2

    work = plan(entries, cache, settings)
    _print(
        out,
        f"{_n(work.total, 'published in-person entry', 'published in-person entries')}: "
        f"{len(work.from_entry)} with coordinates in the entry, {len(work.from_cache)} from "
        f"the cache ({display}).",
    )
    if offline:
        return _report_offline(work, out)

    outcome = Outcome()
    provider_name = geo.name
    if work.needs and geo.max_requests > 0:
        why = check_user_agent(geo.user_agent)
        if why:
            _print(
                err,
                f"error: {why}. Geocoding needs a User-Agent that names this deployment and "
                "gives a contact (a URL or an e-mail address), as Nominatim's usage policy "
                "requires: set `geocoder: user_agent:` in mkdocs.yml or pass --user-agent, "
                'e.g. "community-map-kent/1.0 (+https://example.org/about; '
                'data@example.org)". No request was made.',
            )
            return 2
        try:
            provider = make_provider(settings, geo.user_agent)
        except ConfigError as error:
            _print(err, f"error: {error}. No request was made.")
            return 2
        provider_name = provider.name
        expected = min(len(work.needs), geo.max_requests) * geo.min_delay_seconds
        _print(
            out,
            f"Looking up {_n(len(work.needs), 'address', 'addresses')} with "
            f"{provider.description}: at most one request every {geo.min_delay_seconds:g} s "
            f"(about {expected:.0f} s or more), at most {geo.max_requests} this run.",
        )
        outcome = _run(settings, list(work.needs.values()), provider, cache, err, clock, sleep)
        if outcome.found:
            try:
                save_cache(settings.cache_path, cache)
            except OSError as error:
                _print(
                    err,
                    f"error: could not write {display}: {error}; the previous cache is "
                    "unchanged and the new results are lost",
                )
                return 1
    elif work.needs:  # a cap of 0: nothing may be asked
        outcome.capped = True
        outcome.skipped = list(work.needs)
    return _report(work, outcome, provider_name, geo.max_requests, display, out)


def _run(
    settings: Settings,
    needs: list[_Need],
    provider: Provider,
    cache: dict[str, CacheRecord],
    err: TextIO,
    clock: Callable[[], float] | None,
    sleep: Callable[[float], None] | None,
) -> Outcome:
    """Run the queue with progress on a terminal; put the successes in `cache`."""
    geo = settings.geocoder
    spacing = Spacing(geo.min_delay_seconds, clock or time.monotonic, sleep or time.sleep)
    tty = bool(getattr(err, "isatty", lambda: False)())

    def progress(number: int, address: Address, query: Query) -> None:
        text = f"geocoding: request {number} of up to {min(geo.max_requests, 2 * len(needs))}"
        err.write(f"\r\x1b[K{text} ({query.kind}): {_shown_address(address)}"[:110])
        err.flush()

    today = settings_today().isoformat()
    try:
        outcome = run_queue(
            [n.address for n in needs],
            provider.ask,
            spacing,
            geo.max_requests,
            progress if tty else None,
        )
    finally:
        if tty:
            err.write("\r\x1b[K")
            err.flush()
    for key, (query, answer) in outcome.found.items():
        cache[key] = CacheRecord(
            lat=answer.lat,
            lon=answer.lon,
            provider=provider.name,
            precision=query.precision,
            query=query.kind,
            date=today,
        )
    return outcome


def _report_offline(work: _Plan, out: TextIO) -> int:
    """What a real run would need, without asking anyone."""
    for entry, why in work.unusable:
        _print(out, f"  cannot look up {escape_text(entry.path)}: {why}")
    if not work.needs:
        _print(out, "Offline: nothing to look up.")
        return 1 if work.unusable else 0
    _print(
        out,
        f"Offline: no request made. {_n(len(work.needs), 'address', 'addresses')} would be "
        "looked up:",
    )
    for need in work.needs.values():
        for entry in need.entries:
            _print(out, f"  {escape_text(entry.path)}: {_shown_address(need.address)}")
    _print(
        out,
        "Run `community-map geocode` without --offline to look them up (or add "
        "`coordinates` to the entries).",
    )
    return 1


def _report(
    work: _Plan, outcome: Outcome, provider: str, cap: int, display: str, out: TextIO
) -> int:
    """The summary: every entry counted once, every failure with its reason."""
    needs = work.needs
    new = [(need, outcome.found[k]) for k, need in needs.items() if k in outcome.found]
    failed = [(need, outcome.failed[k]) for k, need in needs.items() if k in outcome.failed]
    skipped = [needs[k] for k in outcome.skipped if k in needs]
    left = "skipped (request cap):" if outcome.capped else "not looked up:"
    _print(out, "\nSummary")
    for label, value in (
        ("from entry coordinates:", len(work.from_entry)),
        ("from the cache:", len(work.from_cache)),
        ("new:", _entries(n for n, _ in new)),
        ("failed:", _entries(n for n, _ in failed) + len(work.unusable)),
        (left, _entries(skipped)),
        ("requests made:", outcome.requests),
    ):
        _print(out, f"  {label:<24}{value}")
    if new:
        _print(out, f"\nNew coordinates (from {provider}, saved in {display}); check each pin:")
        for need, (query, answer) in new:
            for entry in need.entries:
                _print(
                    out,
                    f"  {escape_text(entry.path)}: {answer.lat:.6f}, {answer.lon:.6f} "
                    f"(precision: {query.precision}, {query.kind} query) "
                    f"{osm_link(answer.lat, answer.lon)}",
                )
    if failed or work.unusable:
        _print(out, "\nFailed (listed without a map pin until fixed):")
        for need, why in failed:
            for entry in need.entries:
                _print(
                    out,
                    f"  {escape_text(entry.path)}: {_shown_address(need.address)}: "
                    f"{shown(why, 200)}",
                )
        for entry, why in work.unusable:
            _print(out, f"  {escape_text(entry.path)}: {why}")
        _print(
            out, "  Check the address, or add `coordinates: {lat: ..., lon: ...}` under `location`."
        )
    if outcome.stop_reason:
        _print(out, f"\nStopped: {shown(outcome.stop_reason, 200)}.")
    if skipped:
        why = (
            f"the cap of {cap} requests per run was reached"
            if outcome.capped
            else "geocoding stopped"
        )
        _print(
            out,
            f"\n{_n(len(skipped), 'address', 'addresses')} left to look up ({why}); run "
            "`community-map geocode` again later:",
        )
        for need in skipped:
            for entry in need.entries:
                _print(out, f"  {escape_text(entry.path)}: {_shown_address(need.address)}")
    return 1 if failed or work.unusable or skipped else 0
