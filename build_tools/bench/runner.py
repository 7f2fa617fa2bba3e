"""`community-map bench`: how the whole build scales, measured on synthetic entries.

For each size it writes synthetic, valid entries (`synthetic.py`) into a temporary copy of the
project (mkdocs.yml, docs/, schema/, site_overrides/), then:

1. times load + validate in this process (`--validate-only` stops here: the issue-2 target);
2. runs a real MkDocs build of the copy in a subprocess (so its memory is its own), reading
   the plugin's per-phase `timings` and MkDocs' own share;
3. times a bare MkDocs + Material build of the same number of plain Markdown pages (same text,
   not in the nav, MkDocs' default plugins, i.e. its built-in search), and once more with
   `plugins: []`, so the project's overhead is a ratio that holds on a noisy machine;
4. weighs the home, finder, map and an activity page (raw and gzipped, with what each loads),
   the search index and the map data;
5. with `--browser`, measures the map, the finder and search in headless Chromium, served
   gzip-compressed from 127.0.0.1 with map tiles answered locally; each step reports its
   own failure and the others still run;
6. with `--lighthouse N` (default 3, largest size only), runs Lighthouse (`lighthouse.py`)
   N times per page kind and tabulates the medians against the targets.

`--site DIR` skips 1-4 and measures a site already built (keep one with `--keep`), so the
browser and Lighthouse stages can be repeated without rebuilding.

Progress goes to stderr, the table (Markdown) to stdout and, with `--output`, to a file.
Figures on a shared 2-core machine drift by 25% between runs: read the ratios.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import functools
import gzip
import http.server
import json
import os
import platform
import re
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, ClassVar, TextIO
from urllib.parse import unquote, urljoin, urlsplit

from build_tools import console
from build_tools.bench.chromium import CHROMIUM, CHROMIUM_ARGS
from build_tools.settings import Settings, load_settings

KEEP_MARKER = "<!-- Below this line: notes by hand, kept when the benchmark rewrites the file. -->"
PROJECT_PARTS = ("mkdocs.yml", "docs", "schema", "site_overrides")
GZIP_LEVEL = 6  # what a typical web server sends
# How long one browser step waits for something to appear (ms): generous, because a loaded
# 2-core machine with the CPU throttled 4x is far slower than a phone at this.
STEP_TIMEOUT_MS = 180_000
COMPRESSIBLE = {".html", ".css", ".js", ".mjs", ".json", ".svg", ".xml", ".txt", ".map"}

# Our phases, in build order: (key in `SiteBuild.timings`, label in the table).
PHASES = (
    ("load", "load"),
    ("validate", "validate"),
    ("geocode", "geocode from cache"),
    ("pages", "pages"),
    ("finder", "finder"),
    ("map", "map"),
    ("exports", "exports"),
    ("search", "search index (Pagefind)"),
)

# The targets at 10,000 activities (issues 2 and 5): (label, key, limit, unit, lower is better)
TARGETS = (
    ("full build ≤ 1.3 × bare MkDocs build (search on)", "ratio", 1.3, "×"),
    ("peak memory < 1.5 GB (process tree, sampled)", "peak_tree", 1.5e9, "B"),
    ("validation of all entries < 10 s (load + validate)", "validate_only", 10.0, "s"),
    ("map page total transfer < 1.5 MB gzipped", "map_transfer", 1.5e6, "B"),
    ("markers on screen within 3 s", "markers", 3.0, "s"),
    ("no long task over 200 ms after load (pan/zoom)", "longtask", 0.2, "s"),
    ("finder: full list and filters ready within 2 s", "finder_ready", 2.0, "s"),
    ("finder: a filter change updates results within 100 ms", "filter_change", 0.1, "s"),
    ("search: first results with ≤ 300 KB transferred", "search_bytes", 300e3, "B"),
    # issue 11: a cheap phone
    ("map: at most 500 KB gzipped, measured", "map_transfer", 500e3, "B"),
    ("map at 4× slowdown: no task over 200 ms while loading", "phone_longtask_load", 0.2, "s"),
    ("map at 4× slowdown: no task over 200 ms panning/zooming", "phone_longtask", 0.2, "s"),
    ("finder: ≤ 300 KB gzipped before the first results", "finder_first_bytes", 300e3, "B"),
    ("finder at 4× slowdown: filter change painted ≤ 100 ms", "phone_filter_change", 0.1, "s"),
    ("largest category page ≤ 50 KB gzipped", "category_max_html", 50e3, "B"),
    ("largest area page ≤ 50 KB gzipped", "area_max_html", 50e3, "B"),
)

# Lighthouse targets for every page kind (issue 11): (label, figure, limit, higher is better)
LIGHTHOUSE_TARGETS = (
    ("performance ≥ 95", "performance", 95, True),
    ("LCP ≤ 2.5 s", "lcp", 2.5, False),
    ("TBT ≤ 200 ms", "tbt", 0.2, False),
    ("CLS ≤ 0.1", "cls", 0.1, False),
    ("accessibility 100", "accessibility", 100, True),
)


def _say(err: TextIO, message: str) -> None:
    console.write_lines(err, message, flush=True)


# --- measuring a subprocess ----------------------------------------------------------------


@dataclass
class ChildRun:
    """One subprocess: wall time, exit code, memory, output and what it reported."""

    wall: float
    returncode: int
    max_rss: int  # bytes: the largest single process in its tree (kernel's ru_maxrss)
    peak_tree: int  # bytes: the largest sampled sum over its live process tree (PSS)
    stdout: str
    stderr: str
    report: dict[str, Any] = field(default_factory=dict)
    cpu: float = 0.0  # seconds of user + system time, the process and its children

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def _ppids() -> dict[int, int]:
    found: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                raw = handle.read()
        except OSError:
            continue
        rest = raw[raw.rfind(b")") + 2 :].split()
        if len(rest) > 1:
            found[int(entry.name)] = int(rest[1])
    return found


def _memory(pid: int) -> int:
    """Proportional set size (shared pages split between sharers), else resident size."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _tree_memory(root: int) -> int:
    parents = _ppids()
    children: dict[int, list[int]] = {}
    for pid, ppid in parents.items():
        children.setdefault(ppid, []).append(pid)
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += _memory(pid)
        todo.extend(children.get(pid, ()))
    return total


def run_child(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> ChildRun:
    """Run a command; sample its process tree's memory; reap it with wait4 for ru_maxrss."""
    report = Path(tempfile.mkstemp(prefix="cm-bench-", suffix=".json")[1])
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", **(env or {}), "CM_BENCH_REPORT": str(report)}
    peak = [0]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as errf:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=errf)
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                with contextlib.suppress(Exception):
                    peak[0] = max(peak[0], _tree_memory(proc.pid))
                done.wait(0.2)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        done.set()
        sampler.join()
        out.seek(0)
        errf.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = errf.read().decode("utf-8", "replace")
    try:
        data = json.loads(report.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        data = {}
    report.unlink(missing_ok=True)
    return ChildRun(
        wall=wall,
        returncode=proc.returncode,
        max_rss=usage.ru_maxrss * 1024,
        peak_tree=max(peak[0], usage.ru_maxrss * 1024),
        stdout=stdout,
        stderr=stderr,
        report=data,
        cpu=usage.ru_utime + usage.ru_stime,
    )


def child_main(argv: list[str]) -> int:
    """Inside the subprocess: exactly `mkdocs build`, plus a report of where time went."""
    import logging
    import resource

    config_file, site_dir, launched = argv[0], argv[1], float(argv[2])
    before_imports = time.time()
    from mkdocs.commands import build as mk_build
    from mkdocs.config import load_config

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    parts = {"populate": 0.0, "render": 0.0, "pages": 0}

    def timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            clock = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                parts[name] += time.perf_counter() - clock
                if name == "render":
                    parts["pages"] += 1

        return wrapper

    # MkDocs' own per-page work: read + convert (with plugin page events), templates + write
    mk_build._populate_page = timed("populate", mk_build._populate_page)  # type: ignore[attr-defined]
    mk_build._build_page = timed("render", mk_build._build_page)  # type: ignore[attr-defined]
    config = load_config(config_file=config_file, site_dir=site_dir)
    started = time.time()
    config.plugins.on_startup(command="build", dirty=False)
    try:
        mk_build.build(config, dirty=False)
    finally:
        config.plugins.on_shutdown()
    finished = time.time()
    plugin = config.plugins.get("community-map")
    result = getattr(plugin, "result", None)
    report = {
        "ours": dict(getattr(result, "timings", {}) or {}),
        "startup": started - launched,
        "imports_and_config": started - before_imports,
        "build": finished - started,
        "populate": parts["populate"],
        "render": parts["render"],
        "pages": parts["pages"],
        "entries": len(getattr(result, "entries", []) or []),
        "errors": len(getattr(result, "errors", []) or []) if result is not None else 0,
        "warnings": len(getattr(result, "warnings", []) or []) if result is not None else 0,
        "self_max_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "children_max_rss": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024,
    }
    Path(os.environ["CM_BENCH_REPORT"]).write_text(json.dumps(report), encoding="utf-8")
    return 0


def mkdocs_build(config_file: Path, site_dir: Path) -> ChildRun:
    code = (
        "import sys; from build_tools.bench.runner import child_main; "
        "sys.exit(child_main(sys.argv[1:]))"
    )
    argv = [sys.executable, "-c", code, str(config_file), str(site_dir), repr(time.time())]
    return run_child(argv, cwd=config_file.parent)


# --- the project copy and the bare baseline ------------------------------------------------


def copy_project(settings: Settings, dest: Path) -> Settings:
    """mkdocs.yml, docs/, schema/ and site_overrides/ into `dest`; settings read from there."""
    dest.mkdir(parents=True, exist_ok=True)
    for part in PROJECT_PARTS:
        source = settings.root / part
        if source.is_dir():
            shutil.copytree(source, dest / part)
        elif source.is_file():
            shutil.copy2(source, dest / part)
    return load_settings(dest / "mkdocs.yml")


def _details(record: dict[str, Any]) -> list[str]:
    where = ", ".join(record[k] for k in ("venue", "address", "town", "postcode") if record.get(k))
    lines = [
        f"- **Categories:** {', '.join(c.replace('-', ' ') for c in record['categories'])}",
        f"- **Area:** {record['area'].replace('-', ' ')}",
        f"- **How:** {', '.join(record['delivery'])}",
        f"- **Cost:** {record['cost']}",
    ]
    if where:
        lines.append(f"- **Where:** {where}")
    return lines


def write_bare_project(
    dest: Path, entry_files: list[Path], records: list[dict[str, Any]], search: bool
) -> Path:
    """A plain MkDocs + Material project with one Markdown page per published entry.

    The page holds the same text as the activity page (name, summary, description, details),
    read back from the entry file so it is exactly the same words. Pages are left out of the
    nav, as the project's are.
    """
    import yaml

    docs = dest / "docs"
    (docs / "activities").mkdir(parents=True, exist_ok=True)
    (docs / "index.md").write_text("# Baseline\n\nPlain pages, not in the nav.\n", "utf-8")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    for path, record in zip(entry_files, records, strict=True):
        if record["status"] == "closed":
            continue
        data = yaml.load(path.read_text("utf-8"), Loader=loader)
        page = [
            "---",
            f"title: {json.dumps(data['name'])}",
            "---",
            "",
            f"# {data['name']}",
            "",
            data["summary"],
            "",
            data.get("description", ""),
            "",
            "## Details",
            "",
            *_details(record),
            "",
        ]
        (docs / "activities" / f"{record['id']}.md").write_text("\n".join(page), "utf-8")
    config = [
        "site_name: Bare baseline",
        "site_url: https://example.org/",
        "theme:",
        "  name: material",
        "  font: false",
        "nav:",
        "  - Home: index.md",
        "not_in_nav: |",
        "  /activities/",
    ]
    if not search:
        config.append("plugins: []")
    (dest / "mkdocs.yml").write_text("\n".join(config) + "\n", "utf-8")
    return dest / "mkdocs.yml"


# --- page weights ----------------------------------------------------------------------------


class _Refs(HTMLParser):
    """Stylesheets, scripts and iframes a page loads."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.refs: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "link" and "stylesheet" in a.get("rel", "").split() and a.get("href"):
            self.refs.append(("css", a["href"]))
        elif tag == "script" and a.get("src"):
            self.refs.append(("js", a["src"]))
        elif tag == "iframe" and a.get("src"):
            self.refs.append(("frame", a["src"]))
        elif tag == "img" and a.get("src") and not a["src"].startswith("data:"):
            self.refs.append(("img", a["src"]))


_JSON_REF = re.compile(r"""["']([^"'\s<>]+?\.json)(?:\?[^"'\s<>]*)?["']""")


class Weigher:
    """Raw and gzipped sizes of site files, each file compressed once."""

    def __init__(self, site_dir: Path) -> None:
        self.site = site_dir
        self._gz: dict[Path, tuple[int, int]] = {}

    def size(self, path: Path) -> tuple[int, int]:
        if path not in self._gz:
            data = path.read_bytes()
            gz = len(gzip.compress(data, GZIP_LEVEL)) if path.suffix in COMPRESSIBLE else len(data)
            self._gz[path] = (len(data), gz)
        return self._gz[path]

    def resolve(self, page: Path, ref: str) -> Path | None:
        base = "http://site/" + page.relative_to(self.site).as_posix()
        url = urlsplit(urljoin(base, ref))
        if url.netloc != "site":
            return None
        rel = unquote(url.path).lstrip("/")
        target = self.site / rel
        if rel == "" or rel.endswith("/"):
            target = target / "index.html"
        return target if target.is_file() else None

    def page(self, page: Path) -> dict[str, Any]:
        """The page and everything it loads: per kind (html, css, js, frame, data) raw and gz."""
        seen: set[Path] = set()
        kinds: dict[str, list[int]] = {}
        files: list[tuple[str, str, int, int]] = []
        external: list[str] = []

        def add(kind: str, path: Path) -> None:
            if path in seen:
                return
            seen.add(path)
            raw, gz = self.size(path)
            bucket = kinds.setdefault(kind, [0, 0, 0])
            bucket[0] += 1
            bucket[1] += raw
            bucket[2] += gz
            files.append((kind, path.relative_to(self.site).as_posix(), raw, gz))

        def walk(doc: Path, kind: str) -> None:
            add(kind, doc)
            text = doc.read_text("utf-8", "replace")
            parser = _Refs()
            parser.feed(text)
            for ref_kind, ref in parser.refs:
                target = self.resolve(doc, ref)
                if target is None:
                    if urlsplit(ref).scheme in ("http", "https"):
                        external.append(ref)
                    continue
                if ref_kind == "frame":
                    walk(target, "frame")
                else:
                    add(ref_kind, target)
            for match in _JSON_REF.finditer(text):
                target = self.resolve(doc, match.group(1))
                if target is not None:
                    add("data", target)

        walk(page, "html")
        raw = sum(k[1] for k in kinds.values())
        gz = sum(k[2] for k in kinds.values())
        return {"kinds": kinds, "files": files, "raw": raw, "gz": gz, "external": external}


def weigh_site(site_dir: Path) -> dict[str, Any]:
    """Home, finder, map and activity pages; the search index; the map data; the site."""
    weigher = Weigher(site_dir)
    out: dict[str, Any] = {}
    activities = sorted(site_dir.glob("activities/*/index.html"))
    for key, rel in (
        ("home", "index.html"),
        ("finder", "find/index.html"),
        ("map", "map/index.html"),
    ):
        if (site_dir / rel).is_file():
            out[key] = weigher.page(site_dir / rel)
    if activities:
        out["activity"] = weigher.page(activities[len(activities) // 2])
        sample = activities[:: max(1, len(activities) // 200)]
        sizes = [weigher.size(p) for p in sample]
        out["activity_mean"] = (
            statistics.mean(s[0] for s in sizes),
            statistics.mean(s[1] for s in sizes),
        )
    out["activity_pages"] = len(activities)
    for key, folder in (("category", "categories"), ("area", "areas")):
        listing = sorted(site_dir.glob(f"{folder}/*/index.html"))
        if listing:  # the largest page of the kind: the one a target is about
            sizes = {p: weigher.size(p)[1] for p in listing}
            out[key] = weigher.page(max(listing, key=lambda p: sizes[p]))
            out[f"{key}_max_html"] = max(sizes.values())
    bundle = site_dir / "pagefind"
    if bundle.is_dir():
        pf = [p for p in bundle.rglob("*") if p.is_file()]
        out["pagefind"] = (len(pf), sum(p.stat().st_size for p in pf))
    # the frame and the points its worker fetches (popup text comes later, a chunk at a time)
    map_data = [site_dir / "assets/map/frame.html", site_dir / "assets/map/frame-data/points.json"]
    found = [weigher.size(p) for p in map_data if p.is_file()]
    if found:
        out["map_data"] = (sum(f[0] for f in found), sum(f[1] for f in found))
    data = site_dir / "assets/data/activities.json"
    if data.is_file():
        out["finder_data"] = weigher.size(data)
    every = [p for p in site_dir.rglob("*") if p.is_file()]
    out["site"] = (len(every), sum(p.stat().st_size for p in every))
    return out


# --- the browser stage ---------------------------------------------------------------------


def _blank_png() -> bytes:
    """A 1x1 light grey PNG: the local stand-in for every map tile."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xf2\xef\xe9"))
        + chunk(b"IEND", b"")
    )


class _GzipHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the site, gzip-compressed when asked, as a real web server would."""

    cache: ClassVar[dict[tuple[Path, int], bytes]] = {}

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-cache")  # every test and run sees fresh files
        super().end_headers()

    def do_GET(self) -> None:
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        wants = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (wants and path.is_file() and path.suffix in COMPRESSIBLE):
            super().do_GET()
            return
        key = (path, path.stat().st_mtime_ns)  # a file changed since (a new deployment)
        body = self.cache.get(key)
        if body is None:
            body = gzip.compress(path.read_bytes(), GZIP_LEVEL)
            self.cache[key] = body
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextlib.contextmanager
def serve(site_dir: Path) -> Iterator[str]:
    """A static server for a built site on 127.0.0.1 (the benchmark's and every test's)."""
    handler = functools.partial(type("H", (_GzipHandler,), {"cache": {}}), directory=str(site_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


_LONGTASKS = """
(() => {
  window.__cmLong = [];
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__cmLong.push([e.startTime, e.duration]);
    }).observe({type: "longtask", buffered: true});
  } catch (e) {}
})();
"""

_FOUND_MARKER = """() => {
  const m = document.querySelector(".marker-cluster, .leaflet-marker-icon");
  if (!m) return false;
  const r = m.getBoundingClientRect();
  return r.width > 0 && r.height > 0 ? performance.timeOrigin + performance.now() : false;
}"""

_FINDER_READY = """() => {
  const c = document.querySelector("#cm-count[data-count]");
  const ready = document.documentElement.classList.contains("cm-finder-ready");
  return c && ready ? performance.timeOrigin + performance.now() : false;
}"""

_FILTER_CHANGE = """async (selector) => {
  const box = document.querySelector(selector);
  if (!box) return null;
  const count = document.getElementById("cm-count");
  const before = count.getAttribute("data-count");
  const t0 = performance.now();
  box.click();
  const script = performance.now() - t0;
  await new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)));
  return {script, painted: performance.now() - t0, before, after: count.getAttribute("data-count")};
}"""


def _transfer(
    requests: list[Any], since: float = 0.0, only: str | tuple[str, ...] = ""
) -> tuple[int, int]:
    """(bytes, count) of finished local responses: encoded body plus headers (of those whose
    address has one of `only`, if given)."""
    wanted = (only,) if isinstance(only, str) else only
    total = count = 0
    for stamp, request in requests:
        if stamp < since or (only and not any(w in request.url for w in wanted)):
            continue
        if not request.url.startswith("http://127.0.0.1"):
            continue
        try:
            sizes = request.sizes()
        except Exception:  # a request torn down with its page
            continue
        total += sizes.get("responseBodySize", 0) + sizes.get("responseHeadersSize", 0)
        count += 1
    return total, count


def browser_stage(
    site_dir: Path,
    settings: Settings,
    err: TextIO,
    throttle: float = 1.0,
    chromium: Any = None,
) -> dict[str, Any]:
    """Map, finder and search figures from headless Chromium.

    `throttle` > 1 slows the page's CPU that many times (Chromium's own emulation), a rough
    stand-in for a cheap phone; the network stays loopback-fast either way. Each step (the
    map, the finder, search) reports its own failure in `failures` and the others still run.
    `chromium`: a browser already launched (the tests share one), else one is started."""
    from playwright.sync_api import sync_playwright

    results: dict[str, Any] = {"third_party": []}
    tile_host = urlsplit(settings.tiles.url).netloc
    tile_pattern = re.compile(
        r"^https?://" + re.escape(tile_host).replace(r"\{s\}", "[^./]+") + "/"
    )
    external = re.compile(r"^(?!https?://127\.0\.0\.1[:/])(https?|wss?)://")
    tile = _blank_png()

    def route(r: Any) -> None:
        if tile_pattern.match(r.request.url):
            r.fulfill(status=200, content_type="image/png", body=tile)
        else:
            results["third_party"].append(r.request.url)
            r.abort()

    with contextlib.ExitStack() as stack:
        base = stack.enter_context(serve(site_dir))
        browser = chromium  # one already started (the tests'), else our own
        if browser is None:
            pw = stack.enter_context(sync_playwright())
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            stack.callback(browser.close)

        def fresh() -> tuple[Any, Any, list[Any]]:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.route(external, route)
            context.add_init_script(_LONGTASKS)
            page = context.new_page()
            if throttle > 1:
                cdp = context.new_cdp_session(page)
                cdp.send("Emulation.setCPUThrottlingRate", {"rate": throttle})
            log: list[Any] = []
            page.on("requestfinished", lambda r: log.append((time.perf_counter(), r)))
            return context, page, log

        def step(name: str, fn: Callable[[], None]) -> None:
            """One step of the stage: its failure is reported and the others still run."""
            _say(err, f"    browser: {name}")
            try:
                fn()
            except Exception as error:  # a timeout, a closed page, a missing element
                message = str(error).strip().splitlines()[0] if str(error).strip() else ""
                results.setdefault("failures", []).append(
                    f"{name}: {type(error).__name__}: {message}"
                )
                _say(err, f"    browser: {name} failed: {type(error).__name__}: {message}")

        def map_page() -> None:
            context, page, log = fresh()
            try:
                _map_step(page, log, base, results)
            finally:
                context.close()

        def finder_and_search() -> None:
            context, page, log = fresh()
            try:
                step("finder", lambda: _finder_step(page, log, base, results))
                step("search", lambda: _search_step(page, log, results, err))
            finally:
                context.close()

        step("map page", map_page)
        step("finder page", finder_and_search)
    return results


def _map_step(page: Any, log: list[Any], base: str, results: dict[str, Any]) -> None:
    """Markers on screen, transfer, then long tasks while panning and zooming.

    Markers are waited for with a locator (re-resolved each time, so a frame that is
    replaced or slow to attach does not stall the wait), not a polling function."""
    page.goto(base + "map/", wait_until="commit")
    origin = page.evaluate("performance.timeOrigin")
    frame_el = page.wait_for_selector("iframe", timeout=STEP_TIMEOUT_MS)
    markers = page.frame_locator("iframe").locator(".marker-cluster, .leaflet-marker-icon")
    markers.first.wait_for(state="visible", timeout=STEP_TIMEOUT_MS)
    frame = frame_el.content_frame()
    stamp = frame.evaluate("performance.timeOrigin + performance.now()")
    results["markers"] = (stamp - origin) / 1000
    page.wait_for_load_state("load", timeout=STEP_TIMEOUT_MS)
    with contextlib.suppress(Exception):
        page.wait_for_load_state("networkidle", timeout=30_000)
    results["map_transfer"], results["map_requests"] = _transfer(log)
    marks = {f: f.evaluate("performance.now()") for f in page.frames}
    box = frame_el.bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    for dx, dy in ((-260, -140), (300, 200), (-80, 160)):
        page.mouse.move(cx, cy)
        page.mouse.down()
        page.mouse.move(cx + dx, cy + dy, steps=12)
        page.mouse.up()
        page.wait_for_timeout(400)
    for delta in (-300, -300, -300, 300, 300, 300):
        page.mouse.move(cx, cy)
        page.mouse.wheel(0, delta)
        page.wait_for_timeout(500)
    cluster = frame.query_selector(".marker-cluster")
    if cluster is not None and cluster.is_visible():
        with contextlib.suppress(Exception):
            cluster.click(timeout=2_000)
    page.wait_for_timeout(1500)
    after: list[float] = []
    during_load: list[float] = []
    for f, mark in marks.items():
        with contextlib.suppress(Exception):
            for start, duration in f.evaluate("window.__cmLong || []"):
                (after if start >= mark else during_load).append(duration / 1000)
    results["longtask"] = max(after, default=0.0)
    results["longtasks_over_200"] = sum(1 for d in after if d > 0.2)
    results["longtask_load"] = max(during_load, default=0.0)
    results["longtasks_load_over_200"] = sum(1 for d in during_load if d > 0.2)


def _finder_step(page: Any, log: list[Any], base: str, results: dict[str, Any]) -> None:
    since = time.perf_counter()
    page.goto(base + "find/", wait_until="commit")
    origin = page.evaluate("performance.timeOrigin")
    stamp = page.wait_for_function(_FINDER_READY, polling=100, timeout=STEP_TIMEOUT_MS)
    results["finder_ready"] = (stamp.json_value() - origin) / 1000
    results["finder_first_bytes"], _ = _transfer(log, since)
    with contextlib.suppress(Exception):
        page.wait_for_load_state("networkidle", timeout=30_000)
    results["finder_transfer"], _ = _transfer(log)
    changes: list[float] = []
    for name in ("category", "day", "area", "cost", "access"):
        selector = f'#cm-filters input[type="checkbox"][name="{name}"]'
        for _ in range(2):  # tick, then untick
            found = page.evaluate(_FILTER_CHANGE, selector)
            if found:
                changes.append(found["painted"] / 1000)
    if changes:
        results["filter_change"] = max(changes)
        results["filter_change_median"] = statistics.median(changes)
        results["filter_changes"] = len(changes)


# What the first search downloads: the index, and the query logic with its data (issue 16).
SEARCH_FILES = ("/pagefind/", "/assets/js/search.js", "/assets/data/search.json")


def _search_step(page: Any, log: list[Any], results: dict[str, Any], err: TextIO) -> None:
    before = page.get_attribute("#cm-count", "data-count")
    since = time.perf_counter()
    page.fill("#cm-q", "walk")
    page.wait_for_function(
        "(b) => document.querySelector('#cm-count').getAttribute('data-count') !== b",
        arg=before,
        polling=50,
        timeout=STEP_TIMEOUT_MS,
    )
    results["search_time"] = time.perf_counter() - since
    with contextlib.suppress(Exception):
        page.wait_for_load_state("networkidle", timeout=30_000)
    page.wait_for_timeout(500)
    results["search_bytes"], results["search_requests"] = _transfer(log, since, SEARCH_FILES)
    results["search_used_index"] = any(
        ".pf_index" in r.url or ".pf_meta" in r.url for s, r in log if s >= since
    )


# --- one size ----------------------------------------------------------------------------


@dataclass
class SizeResult:
    size: int
    generated: dict[str, Any] = field(default_factory=dict)
    validation: dict[str, Any] = field(default_factory=dict)
    build: ChildRun | None = None
    bare: ChildRun | None = None
    bare_plain: ChildRun | None = None
    weights: dict[str, Any] = field(default_factory=dict)
    browser: dict[str, Any] = field(default_factory=dict)
    phone: dict[str, Any] = field(default_factory=dict)  # the browser stage, CPU throttled
    throttle: float = 1.0
    failures: list[str] = field(default_factory=list)
    lighthouse: list[Any] = field(default_factory=list)  # lighthouse.PageScore, per page kind
    site: str = ""  # set when an existing site was measured (`--site`)

    @property
    def ours(self) -> dict[str, float]:
        return dict(self.build.report.get("ours", {})) if self.build else {}

    def figure(self, key: str) -> float | None:
        """A figure the targets are judged on (None when it was not measured)."""
        if key == "ratio":
            if self.build and self.bare and self.build.ok and self.bare.ok:
                return self.build.wall / self.bare.wall
            return None
        if key == "peak_tree":
            return float(self.build.peak_tree) if self.build else None
        if key == "validate_only":
            v = self.validation
            return v["load"] + v["validate"] if v else None
        if key in ("category_max_html", "area_max_html"):
            value = self.weights.get(key)
        elif key.startswith("phone_"):
            value = self.phone.get(key.removeprefix("phone_"))
        else:
            value = self.browser.get(key)
        return float(value) if isinstance(value, int | float) else None


def measure(
    settings: Settings,
    size: int,
    *,
    validate_only: bool = False,
    browser: bool = False,
    throttle: float = 4.0,
    baselines: bool = True,
    work: Path | None = None,
    keep: bool = False,
    err: TextIO | None = None,
    lighthouse: int = 0,
) -> SizeResult:
    """Generate `size` entries and measure everything asked for; never raises for a build."""
    from build_tools.bench.synthetic import write_entries
    from build_tools.entries.loader import load_paths
    from build_tools.entries.validate import validate_entries

    err = err or sys.stderr
    result = SizeResult(size)
    root = Path(tempfile.mkdtemp(prefix=f"cm-bench-{size}-", dir=work))
    say = functools.partial(_say, err)
    try:
        project = copy_project(settings, root / "project")
        clock = time.perf_counter()
        made = write_entries(project.entries_dir, size, project, cache_path=project.cache_path)
        result.generated = {
            "seconds": time.perf_counter() - clock,
            "mean_bytes": made.mean_bytes,
            **dict(made.tally),
        }
        say(
            f"[{size:,}] wrote {size:,} entries ({made.mean_bytes:,.0f} bytes each on average) "
            f"in {result.generated['seconds']:.1f} s: {dict(made.tally)}"
        )

        cpu = _cpu()
        clock = time.perf_counter()
        entries, problems = load_paths([project.entries_dir], base=project.root)
        loaded = time.perf_counter()
        problems = problems + validate_entries(entries, project)
        done = time.perf_counter()
        errors = [p for p in problems if p.severity == "error"]
        result.validation = {
            "load": loaded - clock,
            "validate": done - loaded,
            "cpu": _cpu() - cpu,
            "entries": len(entries),
            "errors": len(errors),
            "warnings": len(problems) - len(errors),
        }
        say(
            f"[{size:,}] load {loaded - clock:.2f} s + validate {done - loaded:.2f} s: "
            f"{len(entries):,} entries, {len(errors)} errors, "
            f"{result.validation['warnings']} warnings"
        )
        for problem in errors[:20]:
            say("    " + problem.format())
        if errors:
            result.failures.append(f"{len(errors)} synthetic entries do not validate")
        if validate_only or errors:
            return result
        del entries, problems

        say(f"[{size:,}] mkdocs build of the project (subprocess)...")
        site_dir = root / "site"
        result.build = mkdocs_build(project.root / "mkdocs.yml", site_dir)
        if not result.build.ok:
            result.failures.append(f"the build failed (exit {result.build.returncode})")
            say(result.build.stderr[-3000:])
            return result
        say(
            f"[{size:,}] built in {result.build.wall:.1f} s, "
            f"peak {result.build.peak_tree / 1e6:,.0f} MB "
            f"(largest process {result.build.max_rss / 1e6:,.0f} MB); "
            f"ours: {_short(result.ours)}"
        )
        site_stages(result, site_dir, project, browser, throttle, lighthouse, err)
        if not keep:
            shutil.rmtree(site_dir, ignore_errors=True)

        if baselines:
            for attr, search, label in (
                ("bare", True, "search plugin on"),
                ("bare_plain", False, "plugins: []"),
            ):
                say(f"[{size:,}] bare MkDocs build of the same pages ({label})...")
                bare_root = root / f"bare-{attr}"
                config = write_bare_project(bare_root, made.paths, made.records, search)
                run = mkdocs_build(config, bare_root / "site")
                setattr(result, attr, run)
                if not run.ok:
                    result.failures.append(f"the bare build ({label}) failed")
                    say(run.stderr[-3000:])
                else:
                    say(
                        f"[{size:,}] bare ({label}): {run.wall:.1f} s, "
                        f"{run.report.get('pages', 0):,} pages, peak {run.peak_tree / 1e6:,.0f} MB"
                    )
                if not keep:
                    shutil.rmtree(bare_root, ignore_errors=True)
        return result
    finally:
        if keep:
            say(f"[{size:,}] kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)


def site_stages(
    result: SizeResult,
    site_dir: Path,
    settings: Settings,
    browser: bool,
    throttle: float,
    lighthouse: int,
    err: TextIO,
) -> None:
    """Weights, the browser stage (plain, then CPU-throttled) and Lighthouse on a built site.

    Each stage, and each step inside one, reports its own failure; the others still run."""
    say = functools.partial(_say, err)
    try:
        result.weights = weigh_site(site_dir)
    except Exception as error:  # pragma: no cover - a site that cannot be read
        result.failures.append(f"weights failed: {error}")
    if browser and not CHROMIUM.exists():
        result.failures.append(f"no browser stage: {CHROMIUM} is missing")
        return
    if browser:
        runs = [(1.0, "browser", "")]
        if throttle > 1:
            runs.append((throttle, "phone", f", CPU {throttle:g}× slower"))
        for rate, attr, label in runs:
            say(f"[{result.size:,}] browser stage (headless Chromium{label})...")
            try:
                figures = browser_stage(site_dir, settings, err, rate)
            except Exception as error:
                result.failures.append(f"browser stage{label} failed: {error}")
                say(f"    browser stage{label} failed: {error}")
                continue
            setattr(result, attr, figures)
            if attr == "phone":
                result.throttle = rate
            result.failures += [f"browser{label}: {f}" for f in figures.get("failures", [])]
    if lighthouse > 0:
        from build_tools.bench.lighthouse import lighthouse_stage

        say(f"[{result.size:,}] Lighthouse, {lighthouse} run(s) per page kind...")
        try:
            with serve(site_dir) as base:
                result.lighthouse = lighthouse_stage(
                    site_dir,
                    base,
                    settings.tiles.url,
                    settings.postcode_lookup_url,
                    say,
                    runs=lighthouse,
                )
        except Exception as error:
            result.failures.append(f"Lighthouse stage failed: {error}")
            say(f"    Lighthouse stage failed: {error}")
            return
        for score in result.lighthouse:
            result.failures += [f"Lighthouse {score.label}: {f}" for f in score.failures]


def measure_site(
    settings: Settings,
    site_dir: Path,
    *,
    browser: bool = True,
    throttle: float = 4.0,
    lighthouse: int = 0,
    err: TextIO | None = None,
) -> SizeResult:
    """The site stages on a site already built (`--site`): build once, measure many times."""
    err = err or sys.stderr
    pages = len(list(site_dir.glob("activities/*/index.html")))
    result = SizeResult(pages, site=str(site_dir))
    site_stages(result, site_dir, settings, browser, throttle, lighthouse, err)
    return result


def _cpu() -> float:
    """User + system seconds of this process and its finished children (the loader's pool)."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _short(timings: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:.2f} s" for k, v in timings.items())


# --- the table --------------------------------------------------------------------------------


def _s(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.3f} s" if value < 0.1 else f"{value:,.2f} s"


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value * 1000:,.0f} ms"


def _b(value: float | None) -> str:
    """Decimal units: 1 KB = 1,000 bytes, 1 MB = 1,000,000 bytes."""
    if value is None:
        return "—"
    if value >= 1e6:
        return f"{value / 1e6:,.2f} MB"
    return f"{value / 1e3:,.1f} KB"


def _raw_gz(pair: tuple[float, float] | None) -> str:
    return "—" if not pair else f"{_b(pair[0])} / {_b(pair[1])}"


def _page(weight: dict[str, Any] | None) -> list[str]:
    if not weight:
        return ["—", "—"]
    kinds = weight["kinds"]
    html = kinds.get("html", [0, 0, 0])
    parts = []
    for kind, label in (("css", "CSS"), ("js", "JS"), ("frame", "frame"), ("data", "data")):
        if kind in kinds:
            n, _, gz = kinds[kind]
            parts.append(f"{label} {n}: {_b(gz)}")
    return [f"{_b(html[1])} / {_b(html[2])}", f"**{_b(weight['gz'])}** ({'; '.join(parts)})"]


def rows(results: list[SizeResult]) -> list[tuple[str, list[str]]]:
    """(label, one cell per size) for the whole table; section rows have no cells."""
    out: list[tuple[str, list[str]]] = []

    def row(label: str, cell: Callable[[SizeResult], str]) -> None:
        out.append((label, [cell(r) for r in results]))

    def section(label: str) -> None:
        out.append((f"**{label}**", ["" for _ in results]))

    section("Entries")
    row(
        "entries (active / paused / closed)",
        lambda r: (
            f"{r.size:,} ({r.generated.get('active', 0):,} / {r.generated.get('paused', 0):,} / "
            f"{r.generated.get('closed', 0):,})"
            if r.generated
            else "—"
        ),
    )
    row(
        "in person (of which from the geocode cache) / online only / home visits",
        lambda r: (
            f"{r.generated.get('in-person', 0):,} ({r.generated.get('from-cache', 0):,}) / "
            f"{r.generated.get('online', 0):,} / {r.generated.get('home', 0):,}"
            if r.generated
            else "—"
        ),
    )
    row("mean entry file size", lambda r: _b(r.generated.get("mean_bytes")))
    row(
        "validation: errors / warnings",
        lambda r: f"{r.validation['errors']} / {r.validation['warnings']}" if r.validation else "—",
    )
    section("Validation only (in the bench process)")
    row(
        "validate-only: load + validate",
        lambda r: (
            f"{_s(r.figure('validate_only'))} ({r.validation['load']:.2f} + "
            f"{r.validation['validate']:.2f}; CPU {r.validation['cpu']:.1f} s)"
            if r.validation
            else "—"
        ),
    )
    section("Full build: our phases (inside `mkdocs build`)")
    known = dict(PHASES)
    extra = [k for r in results for k in r.ours if k not in known]  # a phase added since
    for key, label in [*PHASES, *((k, k) for k in dict.fromkeys(extra))]:
        row(label, lambda r, key=key: _s(r.ours.get(key)) if r.build else "—")

    def mkdocs_share(r: SizeResult) -> float | None:
        if not r.build or not r.build.ok:
            return None
        return r.build.wall - sum(r.ours.values())

    row("MkDocs itself (total − ours)", lambda r: _s(mkdocs_share(r)))
    row(
        "  of which: start-up (Python, imports, config)",
        lambda r: _s(r.build.report.get("startup")) if r.build and r.build.report else "—",
    )
    row(
        "  of which: read + convert pages (incl. plugin page events)",
        lambda r: _s(r.build.report.get("populate")) if r.build and r.build.report else "—",
    )
    row(
        "  of which: templates + write pages",
        lambda r: _s(r.build.report.get("render")) if r.build and r.build.report else "—",
    )
    row(
        "**total (wall, `mkdocs build` subprocess)**",
        lambda r: f"**{_s(r.build.wall)}**" if r.build else "—",
    )
    row(
        "total CPU time (user + sys, the build and its children)",
        lambda r: _s(r.build.cpu) if r.build else "—",
    )
    row(
        "pages built by MkDocs",
        lambda r: f"{r.build.report.get('pages', 0):,}" if r.build and r.build.report else "—",
    )
    row(
        "peak memory: process tree (sum of PSS, sampled 5/s)",
        lambda r: _b(r.build.peak_tree) if r.build else "—",
    )
    row(
        "peak memory: largest single process (ru_maxrss)",
        lambda r: _b(r.build.max_rss) if r.build else "—",
    )
    row(
        "  MkDocs Python process / its children (Pagefind, loader pool)",
        lambda r: (
            f"{_b(r.build.report.get('self_max_rss'))} / "
            f"{_b(r.build.report.get('children_max_rss'))}"
            if r.build and r.build.report
            else "—"
        ),
    )
    section("Bare MkDocs + Material, same pages, not in the nav")
    row(
        "bare build, default plugins (built-in search on)",
        lambda r: _s(r.bare.wall) if r.bare else "—",
    )
    row(
        "**ratio: our build ÷ bare build (search on)**",
        lambda r: f"**{r.figure('ratio'):.2f}×**" if r.figure("ratio") is not None else "—",
    )
    row("bare build, `plugins: []`", lambda r: _s(r.bare_plain.wall) if r.bare_plain else "—")
    row(
        "ratio: our build ÷ bare build (`plugins: []`)",
        lambda r: (
            f"{r.build.wall / r.bare_plain.wall:.2f}×"
            if r.build and r.bare_plain and r.bare_plain.ok and r.build.ok
            else "—"
        ),
    )
    row(
        "ratio by CPU time (user + sys), search on: less sensitive to other load",
        lambda r: (
            f"{r.build.cpu / r.bare.cpu:.2f}× ({r.build.cpu:,.1f} s ÷ {r.bare.cpu:,.1f} s)"
            if r.build and r.bare and r.bare.ok and r.build.ok and r.bare.cpu
            else "—"
        ),
    )
    row("bare build peak memory (search on)", lambda r: _b(r.bare.peak_tree) if r.bare else "—")
    section("Weights (raw / gzipped; transfer = gzipped page and everything it loads)")
    for key, label in (
        ("home", "home"),
        ("finder", "finder"),
        ("map", "map"),
        ("activity", "an activity page"),
        ("category", "the largest category page"),
        ("area", "the largest area page"),
    ):
        row(f"{label}: HTML", lambda r, key=key: _page(r.weights.get(key))[0])
        row(f"{label}: transfer", lambda r, key=key: _page(r.weights.get(key))[1])
    row("activity pages: mean HTML", lambda r: _raw_gz(r.weights.get("activity_mean")))
    row(
        "finder data (`assets/data/activities.json`)",
        lambda r: _raw_gz(r.weights.get("finder_data")),
    )
    row("map data (frame + points; popups later)", lambda r: _raw_gz(r.weights.get("map_data")))
    row(
        "search index: Pagefind folder (files, bytes on disk)",
        lambda r: (
            f"{r.weights['pagefind'][0]:,} files, {_b(r.weights['pagefind'][1])}"
            if "pagefind" in r.weights
            else "—"
        ),
    )
    row(
        "whole site (files, bytes)",
        lambda r: (
            f"{r.weights['site'][0]:,} files, {_b(r.weights['site'][1])}"
            if "site" in r.weights
            else "—"
        ),
    )
    section("In the browser (headless Chromium, gzip from 127.0.0.1, tiles answered locally)")
    row(
        "map: transfer, measured (requests)",
        lambda r: (
            f"{_b(r.browser['map_transfer'])} ({r.browser['map_requests']})"
            if "map_transfer" in r.browser
            else "—"
        ),
    )
    row("map: markers on screen (from navigation)", lambda r: _s(r.browser.get("markers")))
    row(
        "map: longest task after load, panning and zooming (tasks > 200 ms)",
        lambda r: (
            f"{_ms(r.browser['longtask'])} ({r.browser['longtasks_over_200']})"
            if "longtask" in r.browser
            else "—"
        ),
    )
    row(
        "map: longest task while loading (tasks > 200 ms)",
        lambda r: (
            f"{_ms(r.browser['longtask_load'])} ({r.browser.get('longtasks_load_over_200', 0)})"
            if "longtask_load" in r.browser
            else "—"
        ),
    )
    row(
        "finder: full list and filters ready (from navigation)",
        lambda r: _s(r.browser.get("finder_ready")),
    )
    row(
        "finder: transferred before the first results are usable",
        lambda r: _b(r.browser.get("finder_first_bytes")),
    )
    row(
        "finder: transfer, measured (after the network is idle)",
        lambda r: _b(r.browser.get("finder_transfer")),
    )
    row(
        "finder: filter change to results painted (max / median of n)",
        lambda r: (
            f"{_ms(r.browser['filter_change'])} / {_ms(r.browser['filter_change_median'])} "
            f"(n={r.browser['filter_changes']})"
            if "filter_change" in r.browser
            else "—"
        ),
    )
    row(
        "search: first query transfer, `pagefind/*` and search.js (requests)",
        lambda r: (
            f"{_b(r.browser['search_bytes'])} ({r.browser['search_requests']})"
            + ("" if r.browser.get("search_used_index") else " — index not used!")
            if "search_bytes" in r.browser
            else "—"
        ),
    )
    row("search: typing to results shown", lambda r: _s(r.browser.get("search_time")))
    row(
        "third-party requests (other than tiles)",
        lambda r: str(len(r.browser.get("third_party", []))) if r.browser else "—",
    )
    section("The same, CPU slowed down (a rough stand-in for a cheap phone)")
    row("CPU slow-down", lambda r: f"{r.throttle:g}×" if r.phone else "—")
    row("map: markers on screen", lambda r: _s(r.phone.get("markers")))
    row(
        "map: longest task after load (tasks > 200 ms)",
        lambda r: (
            f"{_ms(r.phone['longtask'])} ({r.phone['longtasks_over_200']})"
            if "longtask" in r.phone
            else "—"
        ),
    )
    row(
        "map: longest task while loading (tasks > 200 ms)",
        lambda r: (
            f"{_ms(r.phone['longtask_load'])} ({r.phone.get('longtasks_load_over_200', 0)})"
            if "longtask_load" in r.phone
            else "—"
        ),
    )
    row("finder: full list and filters ready", lambda r: _s(r.phone.get("finder_ready")))
    row(
        "finder: filter change to results painted (max / median)",
        lambda r: (
            f"{_ms(r.phone['filter_change'])} / {_ms(r.phone['filter_change_median'])}"
            if "filter_change" in r.phone
            else "—"
        ),
    )
    row("search: typing to results shown", lambda r: _s(r.phone.get("search_time")))
    return out


def table(results: list[SizeResult]) -> str:
    header = "| | " + " | ".join(f"{r.size:,} activities" for r in results) + " |"
    lines = [header, "|---|" + "---:|" * len(results)]
    for label, cells in rows(results):
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def targets(result: SizeResult) -> list[tuple[str, str, str]]:
    """(target, measured at this size, met / missed / not measured)."""
    out = []
    for label, key, limit, unit in TARGETS:
        value = result.figure(key)
        if value is None:
            out.append((label, "—", "not measured"))
            continue
        shown = {"×": f"{value:.2f}×", "B": _b(value), "s": _s(value)}[unit]
        if "longtask" in key or "filter_change" in key:
            shown = _ms(value) + (" longest" if "longtask" in key else "")
        met = value <= limit
        out.append((label, shown, "met" if met else "**missed**"))
    return out


def _versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    found = []
    for name in ("mkdocs", "mkdocs-material", "pagefind", "folium", "PyYAML", "jsonschema-rs"):
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            continue
    return ", ".join(found)


def _machine() -> str:
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = ""
    with contextlib.suppress(OSError, ValueError, IndexError):
        kb = int(Path("/proc/meminfo").read_text().split("\n")[0].split()[1])
        memory = f", {kb / 1e6:.0f} GB RAM"
    chromium = ""
    if CHROMIUM.exists():
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            chromium = (
                "; "
                + subprocess.run(
                    [str(CHROMIUM), "--version"], capture_output=True, text=True, timeout=30
                ).stdout.strip()
            )
    return (
        f"{os.cpu_count()} cores (nproc){', ' + cpu if cpu else ''}{memory}; "
        f"Python {platform.python_version()}; {_versions()}{chromium}"
    )


def lighthouse_table(result: SizeResult) -> list[str]:
    """Medians per page kind, and which of the issue's targets each misses."""
    from build_tools.bench.lighthouse import VERSION

    if not result.lighthouse:
        return []
    runs = max(len(s.runs) + len(s.failures) for s in result.lighthouse)
    lines = [
        f"## Lighthouse {VERSION} at {result.size:,} activities (mobile defaults, median of "
        f"{runs} runs)",
        "",
        "| page | performance | accessibility | LCP | TBT | CLS | transfer | runs | targets |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for score in result.lighthouse:
        m = score.median

        def num(value: float | None, fmt: str) -> str:
            return "—" if value is None else format(value, fmt)

        missed = []
        for label, key, limit, higher in LIGHTHOUSE_TARGETS:
            value = m(key)
            if value is not None and (value < limit if higher else value > limit):
                missed.append(label)
        verdict = (
            "no runs"
            if not score.runs
            else ("met" if not missed else "**missed**: " + ", ".join(missed))
        )
        lines.append(
            f"| {score.label} | {num(m('performance'), '.0f')} | "
            f"{num(m('accessibility'), '.0f')} | "
            f"{_s(m('lcp'))} | {_ms(m('tbt'))} | {num(m('cls'), '.3f')} | "
            f"{_b(m('transfer'))} | {len(score.runs)}/{len(score.runs) + len(score.failures)} | "
            f"{verdict} |"
        )
    return [*lines, ""]


def report(results: list[SizeResult], started: dt.datetime, load: tuple[float, float]) -> str:
    """The whole Markdown document: machine, table, targets."""
    largest = max(results, key=lambda r: r.size)
    lines = [
        "# Benchmark",
        "",
        "How the build scales with the number of activities, measured on synthetic, valid "
        "entries (`community-map bench`, see `build_tools/bench.py`). The full benchmark is "
        "run by hand (`make bench`); a 200-entry version runs in the test suite to keep it "
        "working. The machine is shared and its speed drifts by up to 25% between runs: "
        "compare figures within one run, and read the ratios.",
        "",
        f"- **Date:** {started:%Y-%m-%d %H:%M} UTC",
        f"- **Machine:** {_machine()}",
        f"- **Load average** at the start / end: {load[0]:.2f} / {load[1]:.2f}",
        "",
        "## Results",
        "",
        table(results),
        "",
        f"## Targets at {largest.size:,} activities",
        "",
        "| target | measured | |",
        "|---|---:|---|",
        *(f"| {t} | {m} | {s} |" for t, m, s in targets(largest)),
        "",
        *(line for r in results for line in lighthouse_table(r)),
        "## How it is measured",
        "",
        "- Entries: about 2.3 KB of YAML and 250 words each; in-person ones lie near their "
        "area's town centre (`schema/areas.yml`); about 5% have no coordinates but are in a "
        "generated geocode cache, about 10% are online only, a few are paused or closed "
        "(closed ones are not published).",
        "- Validate-only: `loader.load_paths` + `validate.validate_entries` in the bench "
        "process, the same code the build runs.",
        "- Full build: a real `mkdocs build` of a temporary copy of mkdocs.yml, docs/, schema/ "
        "and site_overrides/ in a subprocess. Our phases are the plugin's `SiteBuild.timings`; "
        "MkDocs itself is the subprocess's wall time minus ours. Peak memory is sampled from "
        "/proc (sum of the proportional set size of the build and its children: the loader's "
        "process pool, Pagefind) and checked against the kernel's ru_maxrss.",
        "- Bare baseline: MkDocs + Material with one plain Markdown page per published "
        "activity (its name, summary, description and details), pages not in the nav, "
        "MkDocs' default plugins (built-in search) and, second, `plugins: []`.",
        "- Weights: gzip level 6; 1 KB = 1,000 bytes. A page's transfer counts its HTML, the "
        "CSS and JS it links, the iframes it embeds with what they load, and the JSON files it "
        "names (the finder's data).",
        "- Browser: headless Chromium (desktop viewport 1280×900, no CPU throttling), the site "
        "served gzip-compressed by a stdlib server on 127.0.0.1, map tiles answered by a "
        "local blank tile. Markers: first `.marker-cluster` or marker visible in the map frame, "
        "from the page's navigation start. Long tasks: `PerformanceObserver('longtask')` in "
        "every frame, after markers and `load`, while dragging the map three times, zooming "
        "in and out three steps and clicking a cluster. Finder: until `cm-finder-ready` is set "
        "and the result count is written; a filter change is a checkbox click until the next "
        "frame is painted (five filters, ticked and unticked). Search: every `pagefind/*` "
        "response, search.js and its data (encoded body and headers) after typing `walk` in "
        "the finder's search box. "
        "Targets are judged on the unthrottled run; the second run repeats it with Chromium's "
        "CPU throttling (`Emulation.setCPUThrottlingRate`), the network still loopback-fast.",
        "- Lighthouse: the npm package, pinned, installed by the benchmark into a cache folder "
        "(`build_tools/bench/lighthouse.py`); mobile defaults (simulated slow 4G, 4× CPU "
        "slowdown), Debian's Chromium headless, the site served gzip-compressed by the same "
        "local server, map tiles and the postcode service blocked; each page kind run several "
        "times (the largest category and area pages, a middle activity page), medians shown. "
        'Finder "before the first results": everything transferred from navigation until the '
        "result count is written and the filters are ready.",
        "- The targets at 10,000 are judged in decimal units: 1.5 GB = 1.5 × 10⁹ bytes (1.4 GiB).",
        "",
    ]
    failures = [f"{r.size:,}: {f}" for r in results for f in r.failures]
    if failures:
        lines += ["## Problems in this run", "", *(f"- {f}" for f in failures), ""]
    return "\n".join(lines)


def run_bench(
    settings: Settings,
    sizes: list[int],
    *,
    validate_only: bool = False,
    output: Path | None = None,
    browser: bool = True,
    throttle: float = 4.0,
    baselines: bool = True,
    keep: bool = False,
    out: TextIO | None = None,
    err: TextIO | None = None,
    lighthouse: int = 3,
    site: Path | None = None,
) -> int:
    """Measure each size; print the report; 0 when everything ran, 1 when something failed.

    Missed targets do not fail the command: they are in the report for people to act on.
    """
    out, err = out or sys.stdout, err or sys.stderr
    if not sizes or any(n < 1 for n in sizes):
        _say(err, "error: sizes must be positive numbers of entries")
        return 2
    started = dt.datetime.now(dt.UTC)
    load_start = os.getloadavg()[0]
    results = []
    if site is not None:  # measure a site built before (`--keep`): no entries, no build
        if not (site / "index.html").is_file():
            _say(err, f"error: {site} is not a built site (no index.html)")
            return 2
        results.append(
            measure_site(
                settings, site, browser=browser, throttle=throttle, lighthouse=lighthouse, err=err
            )
        )
    for size in sizes if site is None else []:
        results.append(
            measure(
                settings,
                size,
                validate_only=validate_only,
                browser=browser,
                throttle=throttle,
                baselines=baselines,
                keep=keep,
                err=err,
                lighthouse=lighthouse if size == max(sizes) else 0,  # the largest size only
            )
        )
    text = report(results, started, (load_start, os.getloadavg()[0]))
    console.write_lines(out, text)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        old = output.read_text(encoding="utf-8") if output.is_file() else ""
        if KEEP_MARKER in old:  # notes written by hand survive a new run
            text = text.rstrip("\n") + "\n\n" + old[old.index(KEEP_MARKER) :]
        output.write_text(text, encoding="utf-8")
        _say(err, f"wrote {output}")
    return 1 if any(r.failures for r in results) else 0


def main(argv: list[str] | None = None) -> int:
    """`python -m build_tools.bench.runner`: `community-map bench`, with more switches."""
    parser = argparse.ArgumentParser(
        prog="python -m build_tools.bench.runner",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--config", type=Path, default=None)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--validate-only", action="store_true")
    parser.add_argument("--output", type=Path, default=None)
    parser.add_argument(
        "--browser",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="measure the map, finder and search in headless Chromium",
    )
    parser.add_argument(
        "--baselines",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also time bare MkDocs builds of the same pages",
    )
    parser.add_argument(
        "--cpu-throttle",
        type=float,
        default=4.0,
        help="also run the browser stage with the CPU this many times slower (1: skip)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folders")
    _lighthouse_options(parser)
    args = parser.parse_args(argv)
    return run_bench(
        load_settings(args.config),
        args.sizes,
        validate_only=args.validate_only,
        output=args.output,
        browser=args.browser,
        throttle=args.cpu_throttle,
        baselines=args.baselines,
        keep=args.keep,
        lighthouse=args.lighthouse,
        site=args.site,
    )


def _lighthouse_options(parser: argparse.ArgumentParser) -> None:
    """`--lighthouse N` and `--site DIR`, shared with `community-map bench`."""
    parser.add_argument(
        "--lighthouse",
        type=int,
        default=3,
        metavar="RUNS",
        help="Lighthouse runs per page kind at the largest size (0: skip); needs Node and npm",
    )
    parser.add_argument(
        "--site",
        type=Path,
        default=None,
        help="measure this already built site (weights, browser, Lighthouse) instead of "
        "generating and building one: build once with --keep, measure many times",
    )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
