"""Full-text search: a Pagefind index of the activity pages, built after the site is written.

Why Pagefind and not Material's search: Material's index for 10,000 activities is one file of
about 24 MB (6 MB compressed) that a phone must download before the first result. Pagefind
splits its index into small chunks and fetches only those a query needs, so the first search
costs a couple of hundred kilobytes whatever the size of the directory.

Only activity pages are indexed (the glob below, and their `data-pagefind-body` element).
The finder filters its own data file, so it needs activity ids, not Pagefind's page hashes:
`community-map-ids.json` (written beside the index) lists, for each record of
`assets/data/activities.json` in order, the hash Pagefind gave its page (a result's `id`).
Pagefind runs as a local program and makes no network request.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .outputs import write_atomic

log = logging.getLogger("mkdocs.plugins.community-map.search")

BUNDLE = "pagefind"
LANGUAGE = "en"
IDS_FILE = "community-map-ids.json"
DATA_FILE = Path("assets/data/activities.json")
ACTIVITY_GLOB = "activities/*/index.html"
_FRAGMENT_MAGIC = b"pagefind_dcd"
_ACTIVITY_URL = re.compile(r"/activities/([a-z0-9]+(?:-[a-z0-9]+)*)/(?:index\.html)?$")
_PAGES = re.compile(r"Indexed (\d+) pages?")


class SearchIndexError(RuntimeError):
    """Pagefind failed, or wrote something this module cannot read."""


@dataclass(frozen=True)
class IndexResult:
    pages: int  # pages Pagefind indexed
    mapped: int  # activities.json records whose page was found in the index
    output: str  # what Pagefind printed


def _command(site_dir: Path, subdir: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pagefind",
        "--site",
        str(site_dir),
        "--output-subdir",
        subdir,
        "--glob",
        ACTIVITY_GLOB,
        # one English index: stemming makes "walks" find "walk"
        "--force-language",
        LANGUAGE,
    ]


def run_pagefind(site_dir: Path, subdir: str = BUNDLE) -> tuple[int, str]:
    """Run the Pagefind program over `site_dir`; return (pages indexed, its output)."""
    proc = subprocess.run(
        _command(site_dir, subdir), capture_output=True, text=True, check=False, timeout=1800
    )
    output = (proc.stdout or "") + (proc.stderr or "")
    found = _PAGES.search(output)
    if proc.returncode != 0 or found is None:
        raise SearchIndexError(
            f"Pagefind failed (exit code {proc.returncode}) indexing {site_dir}:\n{output}"
        )
    return int(found.group(1)), output


def _fragment_ids(bundle: Path) -> dict[str, str]:
    """Activity id for each page hash, read from Pagefind's (gzipped JSON) page fragments."""
    found: dict[str, str] = {}
    for path in (bundle / "fragment").glob("*.pf_fragment"):
        try:
            raw = gzip.decompress(path.read_bytes())
        except OSError as err:
            raise SearchIndexError(f"cannot read Pagefind fragment {path}: {err}") from err
        if not raw.startswith(_FRAGMENT_MAGIC):
            raise SearchIndexError(f"unexpected Pagefind fragment format in {path}")
        url = json.loads(raw[len(_FRAGMENT_MAGIC) :]).get("url", "")
        match = _ACTIVITY_URL.search(url)
        if match:
            found[path.name.removesuffix(".pf_fragment")] = match.group(1)
    return found


def _write_id_map(site_dir: Path, bundle: Path) -> int:
    """Write the hash list the finder needs; return how many records it covers."""
    data_path = site_dir / DATA_FILE
    if not data_path.is_file():
        return 0
    raw = data_path.read_bytes()
    items = json.loads(raw).get("items", [])
    by_id = {activity: page for page, activity in _fragment_ids(bundle).items()}
    hashes = [by_id.get(item.get("i", ""), "") for item in items]
    # Every hash starts with the language ("en_"): say it once. The rest go in one
    # comma-separated string, about half the size of a JSON list of strings.
    prefix = f"{LANGUAGE}_"
    if any(h and not h.startswith(prefix) for h in hashes):
        raise SearchIndexError(f"Pagefind page hashes without the {prefix!r} prefix")
    payload = {
        # the finder uses the map only with the data file it was made from
        "v": hashlib.sha256(raw).hexdigest()[:10],
        "p": prefix,
        "h": ",".join(h.removeprefix(prefix) for h in hashes),
    }
    write_atomic(bundle / IDS_FILE, json.dumps(payload, separators=(",", ":")))
    return sum(1 for h in hashes if h)


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    elif path.exists():
        path.unlink()


def build_index(site_dir: Path) -> IndexResult:
    """Index the activity pages of a written site into `site_dir/pagefind/`.

    Pagefind writes into a fresh folder that then replaces the old one, so a site being
    served never sees half of one index and half of another.
    """
    site_dir = Path(site_dir)
    if not site_dir.is_dir():
        raise SearchIndexError(f"no site to index: {site_dir} is not a folder")
    if next(site_dir.glob(ACTIVITY_GLOB), None) is None:
        log.warning("search: no activity pages in %s, so no search index", site_dir)
        shutil.rmtree(site_dir / BUNDLE, ignore_errors=True)
        return IndexResult(pages=0, mapped=0, output="")
    fresh = site_dir / f".{BUNDLE}-new"
    shutil.rmtree(fresh, ignore_errors=True)
    try:
        pages, output = run_pagefind(site_dir, fresh.name)
        mapped = _write_id_map(site_dir, fresh)
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise
    final = site_dir / BUNDLE
    old = site_dir / f".{BUNDLE}-old"
    _remove(old)
    if final.exists():
        final.rename(old)
    fresh.rename(final)
    _remove(old)
    return IndexResult(pages=pages, mapped=mapped, output=output)


def index_site(site_dir: Path) -> None:
    """Called by `site.post_build`: build the search index, or raise with Pagefind's output."""
    result = build_index(site_dir)
    if result.pages:
        log.info("search: indexed %d activity pages", result.pages)
