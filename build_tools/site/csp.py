"""The Content Security Policy every page carries, as a `<meta http-equiv>` (GitHub Pages
sets no headers).

The policy is derived from the settings, never written by hand, so another region with
another tile host or postcode service gets its own without code changes:

- scripts: the site itself, plus the reviewed inline scripts (`inline-scripts.json`, see
  `inline_scripts.py`) that the page carries, by hash; `'wasm-unsafe-eval'` because the
  search index (Pagefind) is WebAssembly, which a policy without it refuses to compile.
  Never `'unsafe-inline'` or `'unsafe-eval'`: an injected `<script>` or `onclick=` cannot run.
- styles: the site's stylesheets, and each `<style>` element of the page by hash (Material's
  colours from `extra.colours`); style *attributes* are allowed (`style-src-attr
  'unsafe-inline'`): Markdown tables align cells with them, colour swatches come from the
  schema and Leaflet's pins are built with them at run time, and an attribute cannot run
  script. `style-src` keeps `'unsafe-inline'` only for browsers older than CSP level 3
  (which ignore the `-elem`/`-attr` directives), so they still show styled pages.
- images: the site, `data:` (Material's and Leaflet's icons are data: URLs in their CSS),
  and the tile host from `tiles.url`; connections: the site and the postcode service from
  `postcode_lookup_url`; frames and workers (the service worker, Pagefind's or the map's
  worker): the site only; no plugins (`object-src 'none'`), `<base>` and form targets
  limited to the site.

`secure(html, policy)` puts the meta first in `<head>` (after the character-set
declaration only, which must stay in the first 1,024 bytes and loads nothing), so the
policy covers every script and stylesheet of the page. It is pure; the plugin calls it on
every page, and `secure_tree` on any other HTML file the build wrote (the map's frame).
"""

from __future__ import annotations

import html as htmlmod
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from build_tools.outputs import write_atomic
from build_tools.settings import Settings
from build_tools.site.inline_scripts import DATA_TYPES, FILE, csp_hash

META_NAME = "Content-Security-Policy"
WASM = "'wasm-unsafe-eval'"  # Pagefind's WebAssembly; no JavaScript eval
SAMPLE = "'report-sample'"  # a refused inline script's first characters, in the report

_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.I | re.S)
_STYLE = re.compile(r"<style\b[^>]*>(.*?)</style\s*>", re.I | re.S)
_TYPE = re.compile(r"""\btype\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)
_SRC = re.compile(r"\bsrc\s*=", re.I)
_HEAD = re.compile(r"<head\b[^>]*>", re.I)
# a character-set declaration right at the start of <head>: it stays first
_CHARSET = re.compile(
    r"""\s*<meta\s+(?:charset\s*=|http-equiv\s*=\s*["']?content-type)[^>]*>""", re.I
)
_EXISTING = re.compile(
    r"""<meta\s+http-equiv\s*=\s*["']?content-security-policy["']?[^>]*>""", re.I
)
_CONTENT = re.compile(r'\bcontent\s*=\s*"([^"]*)"', re.I)
_HOST = re.compile(r"^(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*$")
_PROBE = 2048  # bytes of a file read to see whether it already carries a policy


@dataclass(frozen=True)
class Policy:
    """What a deployment allows besides the site itself; a page adds its own hashes."""

    scripts: frozenset[str] = frozenset()  # the reviewed inline scripts, "sha256-..."
    images: tuple[str, ...] = ()  # the tile host
    connect: tuple[str, ...] = ()  # the postcode service
    # `mkdocs serve` only: its live-reload script is inline and new on every request, so the
    # preview allows inline scripts (no hashes, which would switch 'unsafe-inline' off)
    live_reload: bool = False

    def directives(self, scripts: Iterable[str] = (), styles: Iterable[str] = ()) -> str:
        """The policy text for a page with these inline script and `<style>` hashes."""
        quoted_scripts = " ".join(f"'{h}'" for h in sorted(set(scripts)))
        if self.live_reload:
            quoted_scripts = "'unsafe-inline'"
        quoted_styles = " ".join(f"'{h}'" for h in sorted(set(styles)))
        parts = [
            ("default-src", "'self'"),
            ("script-src", f"'self' {WASM} {SAMPLE} {quoted_scripts}"),
            ("style-src", "'self' 'unsafe-inline'"),  # only browsers before CSP level 3
            ("style-src-elem", f"'self' {SAMPLE} {quoted_styles}"),
            ("style-src-attr", "'unsafe-inline'"),
            ("img-src", " ".join(("'self'", "data:", *self.images))),
            ("connect-src", " ".join(("'self'", *self.connect))),
            ("frame-src", "'self'"),
            ("worker-src", "'self'"),
            ("object-src", "'none'"),
            ("base-uri", "'self'"),
            ("form-action", "'self'"),
        ]
        return "; ".join(f"{name} {' '.join(value.split())}" for name, value in parts)


def source(url: str, what: str = "URL") -> str | None:
    """The CSP source of a configured URL template (`https://{s}.tile.example.org/{z}/...`
    gives `https://*.tile.example.org`), or None when it is empty or on the site itself.

    Raises ValueError for a URL a policy cannot name (another scheme, a placeholder inside
    the host other than its first label), rather than allowing more than was configured."""
    url = url.strip()
    if not url or not re.match(r"^([a-z][a-z0-9+.-]*:)?//", url, re.I):
        return None  # empty, or a path on the site: covered by 'self'
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("", "https", "http"):
        raise ValueError(f"{what} {url!r}: only http(s) URLs can be allowed")
    netloc = parts.netloc.rsplit("@", 1)[-1].lower()
    host, _, port = netloc.partition(":") if not netloc.startswith("[") else (netloc, "", "")
    labels = host.split(".")
    if "{" in labels[0]:
        labels[0] = "*"  # a subdomain placeholder ({s}): the host's every subdomain
    host = ".".join(labels)
    if not _HOST.match(host) or (port and not port.isdigit()):
        raise ValueError(
            f"{what} {url!r}: a policy can only name a plain host (a placeholder such as "
            "{s} may stand for its first label)"
        )
    origin = f"{scheme}://{host}" if scheme else host  # "//host/...": the page's scheme
    return origin + (f":{port}" if port else "")


def policy(settings: Settings, reviewed: Collection[str], *, live_reload: bool = False) -> Policy:
    """The deployment's policy: reviewed inline-script hashes, the tile host, the postcode
    service (each from the settings, so a new region needs no code)."""
    tiles = source(settings.tiles.url, "tiles.url")
    postcodes = source(settings.postcode_lookup_url, "postcode_lookup_url")
    return Policy(
        scripts=frozenset(reviewed),
        images=(tiles,) if tiles else (),
        connect=(postcodes,) if postcodes else (),
        live_reload=live_reload,
    )


def inline_scripts(html: str) -> list[str]:
    """The text of every inline script that would run (data blocks and `src` scripts aside)."""
    found = []
    for match in _SCRIPT.finditer(html):
        attrs, text = match.group(1), match.group(2)
        kind = _TYPE.search(attrs)
        value = next((g for g in kind.groups() if g is not None), "") if kind else ""
        if _SRC.search(attrs) or value.strip().lower() in DATA_TYPES:
            continue
        found.append(text)
    return found


@dataclass(frozen=True)
class Secured:
    html: str
    unreviewed: tuple[str, ...] = field(default=())  # inline scripts the policy refuses


def secure(html: str, policy: Policy) -> Secured:
    """The page with its policy as the first thing in `<head>` (any earlier policy meta is
    replaced, so there is exactly one), and the hashes of its inline scripts that are not
    reviewed: the browser will refuse to run those, so the build reports them."""
    hashes = [csp_hash(text) for text in inline_scripts(html)]
    allowed = [h for h in hashes if h in policy.scripts]
    unknown = tuple(dict.fromkeys(h for h in hashes if h not in policy.scripts))
    styles = [csp_hash(m.group(1)) for m in _STYLE.finditer(html)]
    html = _without_policies(html)
    head = _HEAD.search(html)
    if head is None:
        raise ValueError("a page without <head> cannot carry a Content Security Policy")
    at = head.end()
    charset = _CHARSET.match(html, at)
    if charset is not None:
        at = charset.end()
    # single quotes need no escaping in a double-quoted attribute (and would triple its size)
    content = htmlmod.escape(policy.directives(allowed, styles), quote=False).replace('"', "&quot;")
    meta = f'\n<meta http-equiv="{META_NAME}" content="{content}">'
    return Secured(html[:at] + meta + html[at:], unknown)


def _without_policies(html: str) -> str:
    """The page without any policy meta (and the line break before it, as `secure` writes
    it), so securing a page twice changes nothing."""
    parts, last = [], 0
    for match in _EXISTING.finditer(html):
        start = match.start()
        if start and html[start - 1] == "\n":
            start -= 1
        parts.append(html[last:start])
        last = match.end()
    return "".join(parts) + html[last:] if parts else html


def has_policy(html: str) -> bool:
    return _EXISTING.search(html) is not None


def policies(html: str) -> list[str]:
    """The text of every policy meta in a page (for checks: a shipped page has exactly one)."""
    found = []
    for match in _EXISTING.finditer(html):
        content = _CONTENT.search(match.group(0))
        found.append(htmlmod.unescape(content.group(1)) if content else "")
    return found


def parse(text: str) -> dict[str, list[str]]:
    """A policy's directives: name -> its sources, in order."""
    out: dict[str, list[str]] = {}
    for part in text.split(";"):
        words = part.split()
        if words:
            out[words[0].lower()] = words[1:]
    return out


def secure_tree(site_dir: Path, policy: Policy) -> dict[str, tuple[str, ...]]:
    """Give every HTML file under `site_dir` that has no policy yet its own (the files the
    build writes beside MkDocs' pages, such as the map's frame); returns the unreviewed
    inline scripts by file. Pages already secured are only peeked at (their first bytes)."""
    unknown: dict[str, tuple[str, ...]] = {}
    for path in sorted(site_dir.rglob("*.html")):
        with path.open("rb") as handle:
            start = handle.read(_PROBE).decode("utf-8", "replace")
        if has_policy(start):
            continue
        result = secure(path.read_text(encoding="utf-8"), policy)
        write_atomic(path, result.html)
        if result.unreviewed:
            unknown[path.relative_to(site_dir).as_posix()] = result.unreviewed
    return unknown


@dataclass
class Unreviewed:
    """Inline scripts the policy refuses, gathered over a build: one message per script,
    naming a page that carries it, rather than one per page."""

    pages: dict[str, list[str]] = field(default_factory=dict)  # hash -> pages

    def add(self, where: str, hashes: Iterable[str]) -> None:
        for digest in hashes:
            self.pages.setdefault(digest, []).append(where)

    def messages(self) -> list[str]:
        out = []
        for digest, where in self.pages.items():
            more = f" and {len(where) - 1} other page(s)" if len(where) > 1 else ""
            out.append(
                f"{where[0]}{more}: an inline script that is not in the reviewed list, so the "
                f"Content Security Policy will refuse to run it: {digest}. Review the script "
                f"and add its hash to {FILE} (README: Content security policy)."
            )
        return out
