"""What a build step produces: files for the site, independent of MkDocs.

Steps return `Output`s; `plugin.py` turns them into MkDocs files. A page's `html`, when
given, is its finished body (already escaped and sanitised by the step): the plugin puts it
in place of Markdown conversion, which is both faster and keeps provider text away from the
Markdown parser.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Output:
    path: str  # site-relative, forward slashes: "activities/x.md", "assets/map/data.json"
    content: str | bytes  # for a page: its Markdown source (front matter + a stub)
    html: str | None = None  # for a page: the finished, safe HTML body


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: Path, content: str | bytes) -> None:
    """Write via a temporary file in the same folder, then rename: never a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = content.encode("utf-8") if isinstance(content, str) else content
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; a web server must read it
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def page_url(path: str) -> str:
    """The directory-style URL MkDocs gives a page: `activities/x.md` -> `activities/x/`."""
    stem = path[:-3] if path.endswith(".md") else path
    if stem == "index" or stem.endswith("/index"):
        stem = stem[: -len("index")]
        return stem
    return stem + "/"


def rel(from_page: str, target: str) -> str:
    """A relative link from a page source (`activities/x.md`) to a site path (`map/`).

    Generated HTML bypasses MkDocs' link rewriting, so it links relatively itself: the site
    then works under any base path and from a folder.
    """
    depth = page_url(from_page).count("/")
    return "../" * depth + target
