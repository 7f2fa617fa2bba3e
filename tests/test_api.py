"""The read-only Open Referral UK API (build_tools/data/api.py), served by a real uvicorn on
127.0.0.1 from the JSON the build writes, checked endpoint by endpoint against the profile."""

from __future__ import annotations

import datetime as dt
import json
import socket
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from oruk_fixtures import assert_ids_are_uuid5, check_page, errors

from build_tools.data import openreferral
from build_tools.data.api import distance_m
from build_tools.entries.geocode import coordinates_offline
from build_tools.entries.loader import load_paths
from build_tools.outputs import write_atomic
from build_tools.settings import load_settings

uvicorn = pytest.importorskip("uvicorn", reason="the API's optional extra is not installed")
pytest.importorskip("starlette", reason="the API's optional extra is not installed")

ROOT = Path(__file__).resolve().parent.parent
MOTE_PARK = (51.2705, 0.5486)


@pytest.fixture(scope="module")
def sample():
    settings = load_settings(ROOT / "mkdocs.yml")
    entries, _ = load_paths([settings.entries_dir], base=settings.root)
    coords, _ = coordinates_offline(entries, settings)
    return settings, entries, coords


@pytest.fixture(scope="module")
def api(sample, tmp_path_factory):
    """The API over a site folder holding what the build step writes."""
    from build_tools.data.api import create_app

    settings, entries, coords = sample
    site = tmp_path_factory.mktemp("site")
    for output in openreferral.generate(entries, settings, coords):
        write_atomic(site / output.path, output.content)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(create_app(site), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    thread.join(10)


def call(base: str, path: str, method: str = "GET"):
    request = urllib.request.Request(base + path, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, headers, body = response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        status, headers, body = exc.code, exc.headers, exc.read()
    assert headers["access-control-allow-origin"] == "*", path
    assert headers["content-type"].startswith("application/json"), path
    return status, json.loads(body)


def get(base: str, path: str):
    status, body = call(base, path)
    assert status == 200, (path, body)
    return body


def all_services(base: str) -> list[dict]:
    return get(base, "/services?per_page=1000")["contents"]


def test_root_describes_the_api(api) -> None:
    body = get(api, "/")
    assert body["version"] == "3.0"
    assert body["profile"].startswith("https://") and body["openapi_url"].endswith(".json")


def test_services_are_paginated_and_valid(api, sample) -> None:
    published = [e for e in sample[1] if e.published]
    first = get(api, "/services")
    check_page(first, "compiled/service.json")
    assert first["total_items"] == len(published) and first["size"] == 50
    assert first["first_page"] and not first["last_page"] and first["total_pages"] == 2
    everything = all_services(api)
    assert len(everything) == len(published)
    second = get(api, "/services?page=2&per_page=5")
    assert second["contents"] == everything[5:10]
    assert (second["page_number"], second["size"], second["first_page"]) == (2, 5, False)
    pages = -(-len(published) // 5)
    last = get(api, f"/services?page={pages}&per_page=5")
    assert last["last_page"] and last["contents"] == everything[(pages - 1) * 5 :]
    beyond = get(api, f"/services?page={pages + 1}&per_page=5")
    assert beyond["empty"] and beyond["contents"] == [] and beyond["size"] == 0
    assert_ids_are_uuid5(everything)


def test_one_service_and_unknown_ids(api) -> None:
    service = all_services(api)[0]
    assert get(api, f"/services/{service['id']}") == service
    assert errors("compiled/service.json", service) == []
    for path in (
        "/services/00000000-0000-0000-0000-000000000000",
        "/services/not-an-id",
        "/organizations/nope",
        "/taxonomies/nope",
        "/taxonomy_terms/nope",
        "/service_at_locations/nope",
    ):
        status, body = call(api, path)
        assert status == 404 and "no " in body["error"], path


def test_search_and_taxonomy_filters(api, sample) -> None:
    published = [e for e in sample[1] if e.published]
    found = get(api, "/services?search=walk&per_page=1000")["contents"]
    assert found and all("walk" in json.dumps(s).casefold() for s in found)
    assert len(found) < len(published)
    assert get(api, "/services?search=zzzzqqq")["empty"] is True
    terms = get(api, "/taxonomy_terms?per_page=1000")["contents"]
    physical = next(t for t in terms if t["term"] == "physical-activity")
    listed = get(api, f"/services?taxonomy_term_id={physical['id']}&per_page=1000")["contents"]
    assert len(listed) == sum("physical-activity" in e.categories for e in published)
    assert all(physical["id"] in {a["taxonomy_term_id"] for a in s["attributes"]} for s in listed)
    taxonomies = get(api, "/taxonomies")["contents"]
    audiences = next(t for t in taxonomies if t["name"] == "Audiences")
    in_taxonomy = get(api, f"/services?taxonomy_id={audiences['id']}&per_page=1000")
    assert in_taxonomy["total_items"] == len(published)  # every listing has an audience
    org = all_services(api)[0]["organization"]
    mine = get(api, f"/services?organization_id={org['id']}&per_page=1000")["contents"]
    assert mine and all(s["organization"]["id"] == org["id"] for s in mine)


def test_modified_after_age_and_day(api, sample) -> None:
    published = [e for e in sample[1] if e.published]
    recent = get(api, "/services?modified_after=2026-10-01T00:00:00Z&per_page=1000")
    assert recent["total_items"] == sum(e.last_reviewed >= dt.date(2026, 10, 1) for e in published)
    assert 0 < recent["total_items"] < len(published)
    children = get(api, "/services?maximum_age=10&per_page=1000")["contents"]
    assert all(s.get("minimum_age", 0) <= 10 for s in children)
    assert len(children) < len(published)
    saturday = get(api, "/services?day=SA&per_page=1000")["contents"]
    assert saturday and all(
        any("SA" in sch["byday"] for sch in s.get("schedules", [])) for s in saturday
    )


def test_proximity_by_postcode_and_coordinates(api) -> None:
    near = get(api, "/services?lat=51.2705&lon=0.5486&proximity=3000&per_page=1000")["contents"]
    assert near
    distances = []
    for service in near:
        places = [
            (sal["location"]["latitude"], sal["location"]["longitude"])
            for sal in service["service_at_locations"]
        ]
        distances.append(min(distance_m(MOTE_PARK, p) for p in places))
    assert all(d <= 3000 for d in distances) and distances == sorted(distances)
    everything = all_services(api)
    assert len(near) < len(everything)
    by_postcode = get(api, "/services?postcode=me15%207rn&proximity=3000&per_page=1000")
    assert by_postcode["total_items"] > 0
    district = get(api, "/services?postcode=ME15&proximity=5000&per_page=1000")
    assert district["total_items"] > 0
    sal = get(api, "/service_at_locations?lat=51.2705&lon=0.5486&proximity=3000&per_page=1000")
    assert sal["total_items"] == len(near)


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("page=0", "page"),
        ("page=abc", "page"),
        ("per_page=100000", "per_page"),
        ("per_page=-1", "per_page"),
        ("proximity=1000", "proximity"),
        ("lat=51.2", "lon"),
        ("lat=91&lon=0", "lat"),
        ("lat=nan&lon=0", "lat"),
        ("postcode=ZZ99%209ZZ", "postcode"),
        ("modified_after=yesterday", "modified_after"),
        ("day=XX", "day"),
        ("minimum_age=old", "minimum_age"),
    ],
)
def test_bad_parameters_are_json_400s(api, query: str, parameter: str) -> None:
    status, body = call(api, f"/services?{query}")
    assert status == 400
    assert body["parameter"] == parameter and body["status"] == 400 and body["error"]


def test_other_collections_validate(api) -> None:
    check_page(get(api, "/organizations?per_page=1000"), "compiled/organization.json")
    org = get(api, "/organizations")["contents"][0]
    assert get(api, f"/organizations/{org['id']}") == org
    assert all(s["organization_id"] == org["id"] for s in org["services"])
    check_page(get(api, "/service_at_locations?per_page=1000"), "compiled/service_at_location.json")
    sal = get(api, "/service_at_locations")["contents"][0]
    assert get(api, f"/service_at_locations/{sal['id']}") == sal
    assert sal["service"]["id"] == sal["service_id"]
    check_page(get(api, "/taxonomies"), "taxonomy.json")
    taxonomy = get(api, "/taxonomies")["contents"][0]
    assert get(api, f"/taxonomies/{taxonomy['id']}") == taxonomy
    check_page(get(api, "/taxonomy_terms?per_page=1000"), "taxonomy_term.json")
    terms = get(api, f"/taxonomy_terms?taxonomy_id={taxonomy['id']}&per_page=1000")
    assert terms["total_items"] == len(taxonomy["taxonomy_terms"])
    term = terms["contents"][0]
    assert get(api, f"/taxonomy_terms/{term['id']}") == term
    found = get(api, "/organizations?search=walking")["contents"]
    assert found and all("walking" in o["name"].casefold() for o in found)


def test_read_only_and_unknown_paths(api) -> None:
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        status, body = call(api, "/services", method)
        assert status == 405 and "read-only" in body["error"], method
    status, body = call(api, "/nothing-here")
    assert status == 404 and body["error"] == "no such endpoint"


def test_the_command_explains_a_missing_site(tmp_path: Path, capsys) -> None:
    from build_tools import cli

    assert cli.main(["openreferral-api", "--site-dir", str(tmp_path)]) == 2
    assert "build the site first" in capsys.readouterr().err


def test_the_command_serves_a_built_site(sample, tmp_path: Path) -> None:
    import subprocess
    import sys

    settings, entries, coords = sample
    for output in openreferral.generate(entries[:5], settings, coords):
        write_atomic(tmp_path / output.path, output.content)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "build_tools.cli", "openreferral-api"),
            *("--site-dir", str(tmp_path), "--host", "127.0.0.1", "--port", str(port)),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                body = get(f"http://127.0.0.1:{port}", "/services")
                break
            except (urllib.error.URLError, ConnectionError):
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                assert time.monotonic() < deadline, "the API did not start"
                time.sleep(0.2)
        assert body["total_items"] == sum(e.published for e in entries[:5])
    finally:
        process.terminate()
        process.wait(10)
