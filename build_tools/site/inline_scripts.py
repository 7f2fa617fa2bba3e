"""The reviewed list of inline scripts the site may ship (`site_overrides/inline-scripts.json`).

Every `<script>` without `src` (data blocks aside) that any page of the site carries is
listed there by its CSP hash (`sha256-<base64>` of the exact text between the tags), with
where it comes from and why it is inline. The end-to-end tests fail on an inline script
whose hash is not listed, so a new one (from a theme upgrade, a template change, or
anything provider text could produce) is seen and reviewed before it ships; the Content
Security Policy (`csp.py`) allows exactly these hashes (`script-src 'sha256-...'`), and only
on a page that carries the script.

The map frame's script is written by Folium from the region and tiles in `mkdocs.yml`, so a
deployment with other settings reviews and lists its own hash (the failing test names the
unknown ones, with a page that carries each).
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

FILE = "site_overrides/inline-scripts.json"
DATA_TYPES = ("application/json", "application/ld+json")  # data, never run


@dataclass(frozen=True)
class Allowed:
    hash: str  # "sha256-..."
    source: str  # where the script comes from
    why: str  # why it is inline (and safe)


def csp_hash(text: str) -> str:
    """The hash a Content Security Policy uses for an inline script's exact text."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


def load(root: Path) -> list[Allowed]:
    """The reviewed list of a project (its root holds `site_overrides/`)."""
    return load_file(root / FILE)


def load_file(path: Path) -> list[Allowed]:
    """The reviewed list in `path` (the theme's `custom_dir` holds `inline-scripts.json`)."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    allowed = [Allowed(s["hash"], s["source"], s["why"]) for s in raw["scripts"]]
    bad = [a.hash for a in allowed if not a.hash.startswith("sha256-")]
    if bad:
        raise ValueError(f"{FILE}: hashes are written sha256-<base64>: {', '.join(bad)}")
    return allowed


def hashes(root: Path) -> frozenset[str]:
    return frozenset(a.hash for a in load(root))
