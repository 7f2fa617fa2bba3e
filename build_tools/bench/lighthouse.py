"""Lighthouse in the benchmark: the phone-like score of each page kind, median of three runs.

Lighthouse (the npm package, pinned) is installed by the benchmark itself into a cache folder
(`~/.cache/community-map/lighthouse-<version>`, or `$CM_LIGHTHOUSE_DIR`) on first use; the
tests do not need it. Each run uses Lighthouse's mobile defaults (a mid-range phone, simulated
slow 4G, 4x CPU slowdown) against the site served gzip-compressed by the benchmark's own
server, with Debian's Chromium (`CHROME_PATH`) and map tiles and the postcode service blocked.
Every page kind is run on its own: one that fails is reported and the others still run.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from build_tools.bench.chromium import CHROMIUM

VERSION = "12.2.3"
RUNS = 3
SHORTLISTED = 5  # activities on the shortlist page when it is measured
TIMEOUT = 300  # seconds for one Lighthouse run on a loaded machine

# (key, label, path from the site root; "{activity}", "{category}", "{area}" filled in, and
# "{shortlist}" with a few activities: Lighthouse starts with empty storage, and a shared
# link (#ids=...) fills an empty shortlist, so the page shows what a link worker prints)
PAGE_KINDS = (
    ("home", "home", ""),
    ("finder", "finder", "find/"),
    ("search", "search results (`find/?q=walk`)", "find/?q=walk"),
    ("map", "map", "map/"),
    ("activity", "an activity", "activities/{activity}/"),
    ("category", "a category", "categories/{category}/"),
    ("area", "an area", "areas/{area}/"),
    ("shortlist", "the shortlist (5 activities)", "shortlist/#ids={shortlist}"),
)

# Lighthouse audits read from each run: (key in our figures, audit id)
AUDITS = (
    ("lcp", "largest-contentful-paint"),
    ("tbt", "total-blocking-time"),
    ("cls", "cumulative-layout-shift"),
    ("fcp", "first-contentful-paint"),
    ("transfer", "total-byte-weight"),
)


def cache_dir() -> Path:
    configured = os.environ.get("CM_LIGHTHOUSE_DIR")
    if configured:
        return Path(configured)
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "community-map" / f"lighthouse-{VERSION}"


def cli_path(folder: Path | None = None) -> Path:
    return (folder or cache_dir()) / "node_modules" / "lighthouse" / "cli" / "index.js"


def installed_version(folder: Path | None = None) -> str | None:
    package = (folder or cache_dir()) / "node_modules" / "lighthouse" / "package.json"
    try:
        return str(json.loads(package.read_text("utf-8")).get("version"))
    except (OSError, ValueError):
        return None


def ensure_installed(say: Callable[[str], None], folder: Path | None = None) -> Path:
    """The Lighthouse CLI, installed with `npm i -E lighthouse@VERSION` when missing."""
    folder = folder or cache_dir()
    if installed_version(folder) == VERSION and cli_path(folder).is_file():
        return cli_path(folder)
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        raise RuntimeError("Lighthouse needs Node.js and npm on the PATH")
    folder.mkdir(parents=True, exist_ok=True)
    manifest = folder / "package.json"
    if not manifest.exists():
        manifest.write_text('{"name": "community-map-lighthouse", "private": true}\n', "utf-8")
    say(f"    installing lighthouse@{VERSION} into {folder} (npm)...")
    done = subprocess.run(
        [npm, "i", "-E", f"lighthouse@{VERSION}", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if done.returncode != 0 or installed_version(folder) != VERSION:
        raise RuntimeError(f"npm could not install lighthouse@{VERSION}: {done.stderr[-800:]}")
    return cli_path(folder)


def blocked_patterns(tile_url: str, postcode_url: str) -> list[str]:
    """Lighthouse `--blocked-url-patterns` for the tile host and the postcode service."""
    out = []
    for url in (tile_url, postcode_url):
        host = urlsplit(url.replace("{s}", "x")).netloc
        if url.split("//", 1)[-1].startswith("{s}."):
            host = "*." + host.split(".", 1)[1]
        if host:
            out.append(f"*{host}*" if not host.startswith("*") else f"{host}*")
    return out


def parse_report(report: dict[str, Any]) -> dict[str, float]:
    """The figures we keep from one Lighthouse JSON report (scores 0-100, times in seconds)."""
    out: dict[str, float] = {}
    for name in ("performance", "accessibility"):
        score = report.get("categories", {}).get(name, {}).get("score")
        if isinstance(score, int | float):
            out[name] = round(score * 100)
    audits = report.get("audits", {})
    for key, audit in AUDITS:
        value = audits.get(audit, {}).get("numericValue")
        if isinstance(value, int | float):
            out[key] = value / 1000 if key in ("lcp", "tbt", "fcp") else float(value)
    if report.get("runtimeError"):
        out["error"] = 1.0
    return out


def run_once(cli: Path, url: str, blocked: list[str]) -> dict[str, float]:
    """One Lighthouse run (mobile defaults) of `url`; raises with its message when it fails."""
    with tempfile.TemporaryDirectory(prefix="cm-lh-") as tmp:
        out = Path(tmp) / "report.json"
        argv = [
            shutil.which("node") or "node",
            str(cli),
            url,
            "--output=json",
            f"--output-path={out}",
            "--only-categories=performance,accessibility",
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
            "--quiet",
            "--max-wait-for-load=60000",
            *(f"--blocked-url-patterns={p}" for p in blocked),
        ]
        env = {**os.environ, "CHROME_PATH": str(CHROMIUM)}
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=TIMEOUT, env=env, cwd=tmp
        )
        if done.returncode != 0 or not out.is_file():
            raise RuntimeError(f"lighthouse exit {done.returncode}: {done.stderr.strip()[-500:]}")
        report = json.loads(out.read_text("utf-8"))
    figures = parse_report(report)
    if "error" in figures or "performance" not in figures:
        problem = (report.get("runtimeError") or {}).get("message", "no performance score")
        raise RuntimeError(f"lighthouse: {problem}")
    return figures


@dataclass
class PageScore:
    """The runs of one page kind and their medians."""

    key: str
    label: str
    url: str
    runs: list[dict[str, float]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def median(self, figure: str) -> float | None:
        values = [r[figure] for r in self.runs if figure in r]
        return statistics.median(values) if values else None


def pages_to_run(site_dir: Path) -> list[tuple[str, str, str]]:
    """(key, label, path) for each page kind the built site has, one example of each."""

    def first(folder: str) -> str | None:
        found = sorted(p.parent.name for p in (site_dir / folder).glob("*/index.html"))
        return found[len(found) // 2] if found else None

    fill = {"activity": first("activities"), "category": first("categories")}
    activities = sorted(p.parent.name for p in (site_dir / "activities").glob("*/index.html"))
    if activities:  # spread over the directory, so over several of the shortlist's files
        step = max(1, len(activities) // SHORTLISTED)
        fill["shortlist"] = ",".join(activities[step // 2 :: step][:SHORTLISTED])
    areas = sorted(p.parent.name for p in (site_dir / "areas").glob("*/index.html"))
    if areas:  # the area with the most listings is the hardest case: pick the largest page
        fill["area"] = max(
            areas, key=lambda a: (site_dir / "areas" / a / "index.html").stat().st_size
        )
    categories = sorted(p.parent.name for p in (site_dir / "categories").glob("*/index.html"))
    if categories:
        fill["category"] = max(
            categories, key=lambda c: (site_dir / "categories" / c / "index.html").stat().st_size
        )
    out = []
    for key, label, path in PAGE_KINDS:
        if "{" in path:
            name = path.split("{", 1)[1].split("}", 1)[0]
            if not fill.get(name):
                continue
            path = path.replace("{" + name + "}", str(fill[name]))
        target = site_dir / path.split("#", 1)[0].split("?", 1)[0] / "index.html"
        if target.is_file():
            out.append((key, label, path))
    return out


def lighthouse_stage(
    site_dir: Path,
    base_url: str,
    tile_url: str,
    postcode_url: str,
    say: Callable[[str], None],
    runs: int = RUNS,
) -> list[PageScore]:
    """`runs` Lighthouse runs of each page kind; failures are recorded, never raised."""
    cli = ensure_installed(say)
    blocked = blocked_patterns(tile_url, postcode_url)
    scores = []
    for key, label, path in pages_to_run(site_dir):
        score = PageScore(key, label, base_url + path)
        for n in range(runs):
            say(f"    lighthouse: {label} ({n + 1}/{runs})")
            try:
                score.runs.append(run_once(cli, score.url, blocked))
            except (RuntimeError, OSError, ValueError, subprocess.TimeoutExpired) as error:
                score.failures.append(f"run {n + 1}: {error}")
                say(f"    lighthouse {label} run {n + 1} failed: {error}")
        scores.append(score)
    return scores
