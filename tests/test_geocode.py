"""Geocoding: offline coordinates for the build, and a polite, reproducible online fill.

A real HTTP server on 127.0.0.1 speaks Nominatim's JSON; geopy's own `Nominatim` client
talks to it. Most tests inject a fake clock so the 1 s spacing costs no time; one test uses
the real clock and checks the spacing the server itself saw.
"""

from __future__ import annotations

import io
import itertools
import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from build_tools.entries import geocode
from build_tools.entries.geocode import (
    Address,
    CacheError,
    CacheRecord,
    check_point,
    check_user_agent,
    coordinates_offline,
    format_cache,
    load_cache,
    normalise_postcode,
    parse_cache,
    save_cache,
)
from build_tools.entries.loader import load_paths
from build_tools.entries.model import Location
from build_tools.settings import Region, Settings, from_options

DATA = Path(__file__).resolve().parent / "data" / "geocode"
UA = "community-map-tests/1.0 (+https://community-map.example.org/about/; data@example.org)"
CACHE_NAME = ".geocode-cache.json"


# --- a scriptable Nominatim on 127.0.0.1 -------------------------------------------------


def answer(lat: object = "51.27", lon: object = "0.52") -> str:
    place = {
        "lat": lat,
        "lon": lon,
        "display_name": "Somewhere, Kent, United Kingdom",
        "importance": 0.4,
    }
    return json.dumps([place])


@dataclass
class Reply:
    status: int = 200
    body: str = field(default_factory=answer)
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Seen:
    path: str
    params: dict[str, str]
    user_agent: str
    started: float  # time.monotonic() on arrival
    fake: float | None  # the fake clock's time on arrival, when there is one


class FakeNominatim:
    """Answers from `replies` (first in, first out), then from `respond(params)`."""

    def __init__(self) -> None:
        self.replies: list[Reply] = []
        self.respond: Callable[[dict[str, str]], Reply] = lambda params: Reply()
        self.requests: list[Seen] = []
        self.fake_clock: Callable[[], float] | None = None
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                started = time.monotonic()
                parts = urlsplit(self.path)
                params = {k: v[0] for k, v in parse_qs(parts.query).items()}
                with fake._lock:
                    fake.requests.append(
                        Seen(
                            parts.path,
                            params,
                            self.headers.get("User-Agent", ""),
                            started,
                            fake.fake_clock() if fake.fake_clock else None,
                        )
                    )
                    reply = fake.replies.pop(0) if fake.replies else fake.respond(params)
                if reply.delay:
                    time.sleep(reply.delay)
                body = reply.body.encode("utf-8")
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(body)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the client gave up (a timeout test)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    @property
    def domain(self) -> str:
        return f"127.0.0.1:{self.server.server_address[1]}"

    def searches(self) -> list[Seen]:
        return [r for r in self.requests if r.path == "/search"]


@pytest.fixture
def nominatim(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeNominatim]:
    for name in (
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ):
        monkeypatch.delenv(name, raising=False)
    fake = FakeNominatim()
    fake.thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


class FakeClock:
    """Time that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fake_clock(nominatim: FakeNominatim) -> FakeClock:
    clock = FakeClock()
    nominatim.fake_clock = clock.clock
    return clock


# --- entries and settings ----------------------------------------------------------------


def write_entry(
    root: Path,
    name: str,
    *,
    address: str = "1 High Street",
    town: str = "Maidstone",
    postcode: str = "ME14 1AA",
    venue: str = "Town Hall",
    coordinates: tuple[float, float] | None = None,
    delivery: str = "[in-person]",
    status: str = "active",
    location: bool = True,
) -> Path:
    lines = [
        f"name: {name.replace('-', ' ').title()}",
        "summary: A test activity.",
        f"delivery: {delivery}",
        f"status: {status}",
    ]
    if location:
        lines += [
            "location:",
            f"  venue: {venue}",
            f"  address: {address}",
            f"  town: {town}",
            f"  postcode: {postcode}",
        ]
        if coordinates:
            lines.append(f"  coordinates: {{lat: {coordinates[0]}, lon: {coordinates[1]}}}")
    path = root / "entries" / f"{name}.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def make_settings(root: Path, server: FakeNominatim | None = None, **geocoder: object) -> Settings:
    options: dict[str, object] = {
        "domain": server.domain if server else "127.0.0.1:9",
        "scheme": "http",
        "user_agent": UA,
        "timeout": 2,
    }
    options.update(geocoder)
    return from_options({"geocoder": options}, root)


@dataclass
class Run:
    code: int
    out: str
    err: str


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def run(
    settings: Settings,
    clock: FakeClock | None = None,
    err: io.StringIO | None = None,
    **kwargs: object,
) -> Run:
    out, err = io.StringIO(), err if err is not None else io.StringIO()
    code = geocode.main(
        settings,
        [settings.entries_dir],
        out=out,
        err=err,
        clock=clock.clock if clock else None,
        sleep=clock.sleep if clock else None,
        **kwargs,
    )  # type: ignore[arg-type]
    return Run(code, out.getvalue(), err.getvalue())


def cache_of(root: Path) -> dict[str, CacheRecord]:
    return load_cache(root / "entries" / CACHE_NAME)


def gaps(times: list[float]) -> list[float]:
    return [b - a for a, b in itertools.pairwise(times)]


# --- pure parts --------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["me15 7rn", "ME157RN", " Me15   7Rn ", "ME15 7RN"])
def test_postcodes_normalise_to_one_form(raw: str) -> None:
    assert normalise_postcode(raw) == "ME15 7RN"


def test_the_key_ignores_case_and_spacing_but_not_the_address() -> None:
    base = Location("Hall", "1 High Street", "Maidstone", "ME14 1AA")
    messy = Location("Other venue", " 1  HIGH street ", "maidstone", "me141aa")
    moved = Location("Hall", "2 High Street", "Maidstone", "ME14 1AA")
    key = Address.from_location(base, "gb").key
    assert Address.from_location(messy, "GB").key == key  # the venue is not part of the query
    assert Address.from_location(moved, "gb").key != key
    assert key == "1 high street | maidstone | ME14 1AA | gb"


def test_cache_format_is_sorted_one_key_per_line_and_round_trips() -> None:
    records = {
        key: CacheRecord(51.0 + i / 10, 0.5, "nominatim", "address", "structured", "2026-11-22")
        for i, key in enumerate(
            [
                "b st | town | ME1 1AA | gb",
                "a st | town | ME1 1AB | gb",
                "c st | town | ME1 1AC | gb",
            ]
        )
    }
    text = format_cache(records)
    lines = text.splitlines()
    assert lines[0] == "{" and lines[-1] == "}" and len(lines) == 5
    keys = [json.loads("{" + line.rstrip(",") + "}").popitem()[0] for line in lines[1:-1]]
    assert keys == sorted(records)
    assert parse_cache(text, "x.json") == records
    assert format_cache(parse_cache(text, "x.json")) == text
    assert format_cache({}) == "{}\n"


def test_a_corrupt_cache_names_the_file_and_line() -> None:
    with pytest.raises(CacheError) as caught:
        parse_cache((DATA / "corrupt-cache.json").read_text(encoding="utf-8"), "c.json")
    assert caught.value.path == "c.json" and caught.value.line == 3
    assert str(caught.value).startswith("c.json:3:")


@pytest.mark.parametrize(
    ("record", "why"),
    [
        (
            '{"lat": "51.2", "lon": 0.5, "precision": "address", "provider": "n", "query": '
            '"structured", "date": "2026-11-22"}',
            "`lat`",
        ),
        (
            '{"lat": 51.2, "lon": 0.5, "precision": "street", "provider": "n", "query": '
            '"structured", "date": "2026-11-22"}',
            "`precision`",
        ),
        (
            '{"lat": 51.2, "lon": 0.5, "precision": "address", "provider": "n", "query": '
            '"structured", "date": "yesterday"}',
            "`date`",
        ),
    ],
)
def test_a_wrong_record_names_its_key_and_line(record: str, why: str) -> None:
    text = '{\n  "a | b | ME1 1AA | gb": ' + record + "\n}\n"
    with pytest.raises(CacheError, match=why) as caught:
        parse_cache(text, "c.json")
    assert caught.value.line == 2


def test_a_key_twice_is_an_error_not_a_silent_choice() -> None:
    line = (
        '"k": {"lat": 51.2, "lon": 0.5, "precision": "address", "provider": "n", '
        '"query": "structured", "date": "2026-11-22"}'
    )
    with pytest.raises(CacheError, match="twice"):
        parse_cache("{\n" + line + ",\n" + line + "\n}", "c.json")


def test_points_that_are_not_pins() -> None:
    kent = Region()
    assert check_point("51.27", "0.52", kent) == ""
    assert "(0, 0)" in check_point(0, 0, kent)
    assert "outside Kent and Medway" in check_point(53.48, -2.24, kent)
    assert "not numbers" in check_point("abc", "0.5", kent)
    assert "not numbers" in check_point(None, None, kent)
    assert "finite" in check_point(float("nan"), 0.5, kent)


@pytest.mark.parametrize(
    "agent",
    [
        "",
        "  ",
        "geopy/2.5.0",
        "community-map",
        "my-application",
        "python-requests/2.32",
        "community-map-kent/1.0",
    ],
)
def test_default_or_anonymous_user_agents_are_refused(agent: str) -> None:
    assert check_user_agent(agent)


def test_the_configured_user_agent_is_accepted(root: Path) -> None:
    from build_tools.settings import load_settings

    assert check_user_agent(load_settings(root / "mkdocs.yml").geocoder.user_agent) == ""
    assert check_user_agent("kent-map/2 (ops@example.org)") == ""


def test_save_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / CACHE_NAME
    first = {"k": CacheRecord(51.2, 0.5, "nominatim", "address", "structured", "2026-11-22")}
    save_cache(path, first)
    before = path.read_bytes()

    def broken_replace(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="No space"):
        save_cache(path, {**first, "k2": first["k"]})
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [CACHE_NAME]


# --- coordinates_offline: what every build uses -------------------------------------------


@pytest.fixture
def no_sockets(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("coordinates_offline opened a socket")

    monkeypatch.setattr(socket.socket, "__init__", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def test_offline_uses_entry_then_cache_and_warns_at_the_location_line(
    tmp_path: Path, no_sockets: None
) -> None:
    write_entry(tmp_path, "explicit", coordinates=(51.2705, 0.5486), postcode="ME15 7RN")
    write_entry(tmp_path, "cached", address="2 Week Street", postcode="ME14 1RF")
    missing = write_entry(tmp_path, "missing", address="3 King Street", postcode="ME14 1BG")
    write_entry(tmp_path, "online", delivery="[online]", location=False)
    write_entry(tmp_path, "closed", status="closed", address="9 Gone Road", postcode="ME1 1AA")
    settings = make_settings(tmp_path)
    save_cache(
        settings.cache_path,
        {
            "2 week street | maidstone | ME14 1RF | gb": CacheRecord(
                51.2760, 0.5212, "nominatim", "address", "structured", "2026-11-22"
            ),
        },
    )
    entries, problems = load_paths([settings.entries_dir], base=tmp_path)
    assert problems == []

    coords, warnings = coordinates_offline(entries, settings)

    assert coords == {"explicit": (51.2705, 0.5486), "cached": (51.2760, 0.5212)}
    assert len(warnings) == 1
    warning = warnings[0]
    location_line = missing.read_text().splitlines().index("location:") + 1
    assert (warning.path, warning.line, warning.field, warning.severity) == (
        "entries/missing.yml",
        location_line,
        "location",
        "warning",
    )
    assert "without a map pin" in warning.message
    assert "community-map geocode" in warning.message and "coordinates" in warning.message


def test_offline_refuses_a_cached_point_outside_the_region(tmp_path: Path) -> None:
    write_entry(tmp_path, "far")
    settings = make_settings(tmp_path)
    save_cache(
        settings.cache_path,
        {
            "1 high street | maidstone | ME14 1AA | gb": CacheRecord(
                53.48, -2.24, "n", "address", "structured", "2026-11-22"
            )
        },
    )
    entries, _ = load_paths([settings.entries_dir], base=tmp_path)
    coords, problems = coordinates_offline(entries, settings)
    assert coords == {}
    assert [p.severity for p in problems] == ["warning"]
    assert "outside Kent and Medway" in problems[0].message


def test_offline_reports_a_corrupt_cache_as_an_error(tmp_path: Path, no_sockets: None) -> None:
    write_entry(tmp_path, "needs-cache")
    settings = make_settings(tmp_path)
    settings.cache_path.write_bytes((DATA / "corrupt-cache.json").read_bytes())
    entries, _ = load_paths([settings.entries_dir], base=tmp_path)
    coords, problems = coordinates_offline(entries, settings)
    errors = [p for p in problems if p.severity == "error"]
    assert coords == {}
    assert [(p.path, p.line) for p in errors] == [("entries/.geocode-cache.json", 3)]
    assert settings.cache_path.read_bytes() == (DATA / "corrupt-cache.json").read_bytes()


# --- main: the online fill ---------------------------------------------------------------

STREETS = ["1 High Street", "2 Week Street", "3 King Street", "4 Gabriel's Hill", "5 Earl Street"]


def test_five_new_addresses_cost_five_spaced_requests_then_none(
    tmp_path: Path, nominatim: FakeNominatim
) -> None:
    """The real clock: the server itself sees starts at least 1 s apart."""
    for i, street in enumerate(STREETS):
        write_entry(tmp_path, f"entry-{i}", address=street, postcode=f"ME14 1A{'ABCDE'[i]}")
    settings = make_settings(tmp_path, nominatim)

    first = run(settings)

    assert first.code == 0, first.out + first.err
    seen = nominatim.searches()
    assert len(seen) == 5
    assert min(gaps([s.started for s in seen])) >= 1.0
    assert {s.user_agent for s in seen} == {UA}
    assert len(cache_of(tmp_path)) == 5

    second = run(settings)
    assert second.code == 0
    assert len(nominatim.requests) == 5  # the rerun asked nothing
    assert "from the cache:         5" in second.out


def test_the_structured_query_and_its_parameters(
    tmp_path: Path, nominatim: FakeNominatim, fake_clock: FakeClock
) -> None:
    write_entry(tmp_path, "walk", address="Mote Park, Willow Way", postcode="me15 7rn")
    nominatim.respond = lambda params: Reply(body=(DATA / "nominatim-search.json").read_text())
    result = run(make_settings(tmp_path, nominatim), fake_clock)

    assert result.code == 0
    (seen,) = nominatim.searches()
    assert seen.params == {
        "street": "mote park, willow way",
        "city": "maidstone",
        "postalcode": "ME15 7RN",
        "country": "United Kingdom",
        "countrycodes": "gb",
        "format": "json",
        "limit": "1",
    }
    record = cache_of(tmp_path)["mote park, willow way | maidstone | ME15 7RN | gb"]
    assert (record.lat, record.lon, record.precision, record.query, record.provider) == (
        51.2705,
        0.5486,
        "address",
        "structured",
        "nominatim",
    )
    assert (
        "https://www.openstreetmap.org/?mlat=51.270500&mlon=0.548600#map=18/51.270500/0.548600"
    ) in result.out
    assert "precision: address" in result.out


def test_postcode_fallback_when_the_structured_query_finds_nothing(
    tmp_path: Path, nominatim: FakeNominatim, fake_clock: FakeClock
) -> None:
    write_entry(tmp_path, "new-build", address="Unit 7, New Road", postcode="ME15 6AA")
    nominatim.replies = [Reply(body="[]"), Reply(body=answer("51.26", "0.53"))]

    result = run(make_settings(tmp_path, nominatim), fake_clock)

    assert result.code == 0, result.out
    first, second = nominatim.searches()
    assert "street" in first.params
    assert second.params == {
        "postalcode": "ME15 6AA",
        "country": "United Kingdom",
        "countrycodes": "gb",
        "format": "json",
        "limit": "1",
    }
    assert second.fake is not None and first.fake is not None
    assert second.fake - first.fake >= 1.0
    (record,) = cache_of(tmp_path).values()
    assert (record.precision, record.query, record.lat) == ("postcode", "postcode", 51.26)
    assert "precision: postcode" in result.out


BAD_BODIES = {
    "empty": ("[]", "nothing found"),
    "not-json": ("this is not json", "not valid JSON"),
    "html": ("<html><body><h1>Bad Gateway</h1></body></html>", "not valid JSON"),
    "no-coordinates": (json.dumps([{"display_name": "Kent", "importance": 0.3}]), "missing"),
    "non-numeric": (answer("fifty-one", "0.52"), "not numbers"),
    "zero-zero": (answer("0", "0"), "(0, 0)"),
    "out-of-region": (answer("53.4808", "-2.2426"), "outside Kent and Medway"),
    "a-string": (json.dumps("hello"), "unexpected answer"),
}


@pytest.mark.parametrize("case", sorted(BAD_BODIES))
def test_no_valid_result_is_never_a_pin(
    tmp_path: Path, nominatim: FakeNominatim, fake_clock: FakeClock, case: str
) -> None:
    body, why = BAD_BODIES[case]
    write_entry(tmp_path, "somewhere")
    nominatim.respond = lambda params: Reply(body=body)

    result = run(make_settings(tmp_path, nominatim), fake_clock)

    assert result.code == 1
    assert [sorted(s.params) for s in nominatim.searches()] == [
        ["city", "country", "countrycodes", "format", "limit", "postalcode", "street"],
        ["country", "countrycodes", "format", "limit", "postalcode"],
    ]
    assert "no valid result" in result.out and why in result.out
    assert "failed:                 1" in result.out
    assert not (tmp_path / "entries" / CACHE_NAME).exists()


def test_a_slow_answer_is_retried_once_later(
    tmp_path: Path, nominatim: FakeNominatim, fake_clock: FakeClock
) -> None:
    write_entry(tmp_path, "slow")
    nominatim.replies = [Reply(delay=1.0)]
    result = run(make_settings(tmp_path, nominatim, timeout=0.3), fake_clock)
    assert result.code == 0, result.out
    first, second = nominatim.searches()
    assert first.params == second.params
    assert second.fake is not None and first.fake is not None
    assert second.fake - first.fake >= geocode.RETRY_BACKOFF_SECONDS
    assert len(cache_of(tmp_path)) == 1


def test_always_slow_fails_after_one_retry(
    tmp_path: Path, nominatim: FakeNominatim, fake_clock: FakeClock
) -> None:
    write_entry(tmp_path, "slow")
    nominatim.respond = lambda params: Reply(delay=1.0)
    result = run(make_settings(tmp_path, nominatim, timeout=0.3), fake_clock)
    assert result.code == 1
    assert len(nominatim.searches()) == 2
    assert "timed out" in result.out and "retried once" in result.out


@pytest.mark.parametrize("status", [500, 503])
def test_a_server_error_is_retried_after_the_other_addresses(
    tmp_path: Path, nominatim: FakeNominatim, fake_clock: FakeClock, status: int
) -> None:
    write_entry(tmp_path, "a-first", address="1 High Street")
    write_entry(tmp_path, "b-second", address="2 Week Street", postcode="ME14 1RF")
    nominatim.replies = [Reply(status=status, body="oops")]

    result = run(make_settings(tmp_path, nominatim), fake_clock)

    assert result.code == 0, result.out
    streets = [s.params["street"] for s in nominatim.searches()]
    assert streets == ["1 high street", "2 week street", "1 high street"]
    starts = [s.fake or 0.0 for s in nominatim.searches()]
    assert min(gaps(starts)) >= 1.0
    assert len(cache_of(tmp_path)) == 2


@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_server_that_keeps_failing_is_asked_twice_then_reported(
    tmp_path: Path, nominatim: FakeNominatim, fake_clock: FakeClock, status: int
) -> None:
    write_entry(tmp_path, "down")
    nominatim.respond = lambda params: Reply(status=status, body="down")
    result = run(make_settings(tmp_path, nominatim), fake_clock)
    assert result.code == 1
    assert len(nominatim.searches()) == 2
    assert f"{status}" in result.out and "entries/down.yml" in result.out
    assert not (tmp_path / "entries" / CACHE_NAME).exists()


def test_connection_refused_is_retried_once_and_reported(
    tmp_path: Path, fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("http_proxy", raising=False)
    monkeypatch.delenv("HTTP_PROXY", raising=False)
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there now
    write_entry(tmp_path, "nobody-home")
    result = run(make_settings(tmp_path, domain=f"127.0.0.1:{port}"), fake_clock)
    assert result.code == 1
    assert "refused" in result.out.lower() and "retried once" in result.out
    assert "requests made:          2" in result.out
    assert fake_clock.sleeps and max(fake_clock.sleeps) >= geocode.RETRY_BACKOFF_SECONDS - 1


def test_429_stops_the_run_and_reports_retry_after(
    tmp_path: Path, nominatim: FakeNominatim, fake_clock: FakeClock
) -> None:
    for i, street in enumerate(STREETS[:3]):
        write_entry(tmp_path, f"entry-{i}", address=street)
    nominatim.respond = lambda params: Reply(
        status=429, body="slow down", headers={"Retry-After": "120"}
    )
    result = run(make_settings(tmp_path, nominatim), fake_clock)
    assert result.code == 1
    assert len(nominatim.searches()) == 1
    assert "429" in result.out and "Retry-After: 120 s" in result.out
    assert "3 addresses left to look up" in result.out
    assert not (tmp_path / "entries" / CACHE_NAME).exists()


def test_403_stops_with_a_user_agent_hint(
    tmp_path: Path, nominatim: FakeNominatim, fake_clock: FakeClock
) -> None:
    write_entry(tmp_path, "a", address="1 High Street")
    write_entry(tmp_path, "b", address="2 High Street")
    nominatim.respond = lambda params: Reply(status=403, body="<html>Access blocked</html>")
    result = run(make_settings(tmp_path, nominatim), fake_clock)
    assert result.code == 1
    assert len(nominatim.searches()) == 1
    assert "403" in result.out and "User-Agent" in result.out


def test_the_request_cap_stops_and_says_how_many_are_left(
    tmp_path: Path, nominatim: FakeNominatim, fake_clock: FakeClock
) -> None:
    for i, street in enumerate(STREETS[:3]):
        write_entry(tmp_path, f"entry-{i}", address=street)
    settings = make_settings(tmp_path, nominatim)

    capped = run(settings, fake_clock, max_requests=2)
    assert capped.code == 1
    assert len(nominatim.searches()) == 2
    assert "skipped (request cap):  1" in capped.out
    assert "1 address left to look up (the cap of 2 requests per run" in capped.out
    assert len(cache_of(tmp_path)) == 2

    rest = run(settings, fake_clock, max_requests=2)
    assert rest.code == 0
    assert len(nominatim.searches()) == 3


def test_the_same_address_twice_is_one_request(
    tmp_path: Path, nominatim: FakeNominatim, fake_clock: FakeClock
) -> None:
    write_entry(tmp_path, "monday-club", address="1 High Street", postcode="ME14 1AA")
    write_entry(
        tmp_path, "friday-club", address="1  HIGH STREET", town="maidstone", postcode="me141aa"
    )
    result = run(make_settings(tmp_path, nominatim), fake_clock)
    assert result.code == 0
    assert len(nominatim.searches()) == 1
    assert "new:                    2" in result.out


def test_changing_the_address_misses_the_cache_but_the_venue_does_not(
    tmp_path: Path, nominatim: FakeNominatim, fake_clock: FakeClock
) -> None:
    settings = make_settings(tmp_path, nominatim)
    write_entry(tmp_path, "club", address="1 High Street")
    assert run(settings, fake_clock).code == 0
    write_entry(tmp_path, "club", address="1 High Street", venue="The New Hall")
    assert run(settings, fake_clock).code == 0
    assert len(nominatim.searches()) == 1
    write_entry(tmp_path, "club", address="10 High Street")
    assert run(settings, fake_clock).code == 0
    assert [s.params["street"] for s in nominatim.searches()] == ["1 high street", "10 high street"]
    assert len(cache_of(tmp_path)) == 2


def test_a_written_cache_is_sorted_lines_and_leaves_no_temp_files(
    tmp_path: Path, nominatim: FakeNominatim, fake_clock: FakeClock
) -> None:
    for i, street in enumerate(reversed(STREETS)):
        write_entry(tmp_path, f"entry-{i}", address=street)
    assert run(make_settings(tmp_path, nominatim), fake_clock).code == 0
    text = (tmp_path / "entries" / CACHE_NAME).read_text(encoding="utf-8")
    assert text == format_cache(parse_cache(text, "x"))
    body = text.splitlines()[1:-1]
    assert len(body) == 5 and body == sorted(body)
    assert not [p for p in (tmp_path / "entries").iterdir() if p.name.endswith(".tmp")]


def test_a_failed_write_keeps_the_old_cache(
    tmp_path: Path, nominatim: FakeNominatim, fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings(tmp_path, nominatim)
    old = {
        "9 old road | maidstone | ME14 1AA | gb": CacheRecord(
            51.27, 0.52, "nominatim", "address", "structured", "2026-01-01"
        )
    }
    save_cache(settings.cache_path, old)
    before = settings.cache_path.read_bytes()
    write_entry(tmp_path, "club")

    def full_disk(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    result = run(settings, fake_clock)
    assert result.code == 1
    assert "could not write" in result.err and "No space" in result.err
    assert settings.cache_path.read_bytes() == before
    assert sorted(p.name for p in settings.cache_path.parent.iterdir()) == [CACHE_NAME, "club.yml"]


def test_a_corrupt_cache_stops_before_any_request(
    tmp_path: Path, nominatim: FakeNominatim, fake_clock: FakeClock
) -> None:
    write_entry(tmp_path, "club")
    settings = make_settings(tmp_path, nominatim)
    settings.cache_path.write_bytes((DATA / "corrupt-cache.json").read_bytes())
    result = run(settings, fake_clock)
    assert result.code == 2
    assert "entries/.geocode-cache.json:3:" in result.err
    assert nominatim.requests == []
    assert settings.cache_path.read_bytes() == (DATA / "corrupt-cache.json").read_bytes()


@pytest.mark.parametrize(
    "agent", ["", "geopy/2.5.0", "my-application", "community-map", "kent-map/1.0"]
)
def test_a_missing_or_default_user_agent_is_a_configuration_error(
    tmp_path: Path, nominatim: FakeNominatim, fake_clock: FakeClock, agent: str
) -> None:
    write_entry(tmp_path, "club")
    result = run(make_settings(tmp_path, nominatim, user_agent=agent), fake_clock)
    assert result.code == 2
    assert "User-Agent" in result.err and "No request was made" in result.err
    assert nominatim.requests == []


def test_the_command_line_user_agent_overrides_the_settings(
    tmp_path: Path, nominatim: FakeNominatim, fake_clock: FakeClock
) -> None:
    write_entry(tmp_path, "club")
    agent = "kent-map-staging/0.2 (ops@example.org)"
    result = run(make_settings(tmp_path, nominatim, user_agent=""), fake_clock, user_agent=agent)
    assert result.code == 0
    assert [s.user_agent for s in nominatim.searches()] == [agent]


def test_offline_needs_no_user_agent_and_makes_no_request(
    tmp_path: Path, nominatim: FakeNominatim, fake_clock: FakeClock
) -> None:
    write_entry(tmp_path, "club", address="1 High Street")
    write_entry(tmp_path, "pinned", coordinates=(51.27, 0.52))
    settings = make_settings(tmp_path, nominatim, user_agent="")
    result = run(settings, fake_clock, offline=True)
    assert result.code == 1
    assert "entries/club.yml: 1 high street, maidstone, ME14 1AA" in result.out
    assert "pinned" not in result.out.split("would be looked up")[1]
    assert nominatim.requests == []
    assert not settings.cache_path.exists()


def test_a_fully_cached_run_needs_no_user_agent(
    tmp_path: Path, nominatim: FakeNominatim, fake_clock: FakeClock
) -> None:
    write_entry(tmp_path, "club")
    assert run(make_settings(tmp_path, nominatim), fake_clock).code == 0
    again = run(make_settings(tmp_path, nominatim, user_agent=""), fake_clock)
    offline = run(make_settings(tmp_path, nominatim, user_agent=""), fake_clock, offline=True)
    assert (again.code, offline.code) == (0, 0)
    assert len(nominatim.requests) == 1


def test_spacing_between_requests_uses_the_injected_clock(
    tmp_path: Path, nominatim: FakeNominatim, fake_clock: FakeClock
) -> None:
    for i, street in enumerate(STREETS):
        write_entry(tmp_path, f"entry-{i}", address=street)
    nominatim.respond = lambda params: Reply(body="[]")  # 10 requests: both queries each
    run(make_settings(tmp_path, nominatim), fake_clock)
    starts = [s.fake or 0.0 for s in nominatim.searches()]
    assert len(starts) == 10
    assert min(gaps(starts)) >= 1.0
    assert len(fake_clock.sleeps) == 9


def test_load_problems_are_printed_and_the_file_skipped(
    tmp_path: Path, nominatim: FakeNominatim, fake_clock: FakeClock
) -> None:
    write_entry(tmp_path, "good")
    (tmp_path / "entries" / "broken.yml").write_text("name: [unclosed\n", encoding="utf-8")
    result = run(make_settings(tmp_path, nominatim), fake_clock)
    assert "entries/broken.yml" in result.err
    assert result.code == 0
    assert len(nominatim.searches()) == 1


def test_progress_only_on_a_terminal(
    tmp_path: Path, nominatim: FakeNominatim, fake_clock: FakeClock
) -> None:
    write_entry(tmp_path, "a", address="1 High Street")
    write_entry(tmp_path, "b", address="2 High Street")
    settings = make_settings(tmp_path, nominatim)
    plain = run(settings, fake_clock)
    assert "\r" not in plain.err and "geocoding: request" not in plain.err
    settings.cache_path.unlink()
    tty = run(settings, fake_clock, err=Terminal())
    assert "\r\x1b[Kgeocoding: request 1" in tty.err
    assert "geocoding: request 2" in tty.err
    assert tty.err.endswith("\r\x1b[K")  # the progress line is cleared at the end


def test_another_geopy_geocoder_by_name_with_its_options(
    tmp_path: Path, nominatim: FakeNominatim, fake_clock: FakeClock
) -> None:
    write_entry(tmp_path, "club")
    settings = make_settings(tmp_path, nominatim, name="pickpoint", api_key="test-key")
    result = run(settings, fake_clock)
    assert result.code == 0, result.out + result.err
    (seen,) = nominatim.requests
    assert (seen.path, seen.params["key"], seen.params["countrycodes"]) == (
        "/v1/forward",
        "test-key",
        "gb",
    )
    assert {r.provider for r in cache_of(tmp_path).values()} == {"pickpoint"}


def test_an_unknown_geocoder_is_a_configuration_error(
    tmp_path: Path, nominatim: FakeNominatim, fake_clock: FakeClock
) -> None:
    write_entry(tmp_path, "club")
    result = run(make_settings(tmp_path, nominatim, name="no-such-geocoder"), fake_clock)
    assert result.code == 2
    assert "no-such-geocoder" in result.err
    assert nominatim.requests == []


def test_online_only_and_closed_entries_need_nothing(
    tmp_path: Path, nominatim: FakeNominatim, fake_clock: FakeClock
) -> None:
    write_entry(tmp_path, "online", delivery="[online]", location=False)
    write_entry(tmp_path, "closed", status="closed")
    result = run(make_settings(tmp_path, nominatim, user_agent=""), fake_clock)
    assert result.code == 0
    assert result.out.startswith("0 published in-person entries")
    assert nominatim.requests == []


def test_command_line_domain_and_scheme_override_the_settings(
    tmp_path: Path, nominatim: FakeNominatim, fake_clock: FakeClock
) -> None:
    write_entry(tmp_path, "club")
    settings = make_settings(tmp_path, domain="nominatim.example.invalid", scheme="https")
    result = run(settings, fake_clock, domain=nominatim.domain, scheme="http")
    assert result.code == 0, result.out + result.err
    assert len(nominatim.searches()) == 1
    assert f"http://{nominatim.domain}" in result.out


def test_every_sample_entry_has_a_pin_offline(root: Path, no_sockets: None) -> None:
    """The committed cache covers the sample entries: `geocode --offline` finds nothing to do."""
    from build_tools.settings import load_settings

    settings = load_settings(root / "mkdocs.yml")
    text = settings.cache_path.read_text(encoding="utf-8")
    assert format_cache(parse_cache(text, "cache")) == text  # exactly what the tool writes
    result = run(settings, offline=True)
    assert result.code == 0, result.out + result.err
    assert "Offline: nothing to look up." in result.out
    entries, _ = load_paths([settings.entries_dir], base=settings.root)
    coords, problems = coordinates_offline(entries, settings)
    assert problems == []
    assert len(coords) == sum(1 for e in entries if e.published and e.in_person)
