"""Full-text search: a Pagefind index of the activity pages, built beside the MkDocs build.

Why Pagefind and not Material's search: Material's index for 10,000 activities is one file of
about 24 MB (6 MB compressed) that a phone must download before the first result. Pagefind
splits its index into small chunks and fetches only those a query needs, so the first search
costs a couple of hundred kilobytes whatever the size of the directory.

How it fits 10,000 activities on a 2-core machine (issue 5):

- **On the spare core.** MkDocs renders pages on one core. The activity pages' bodies are known
  as soon as the generators have run (`on_files`), so `start_index` hands them to a background
  process (`python -m build_tools.site.search`), which writes a minimal copy of each page (its
  body, which carries `data-pagefind-body`, at the page's final URL), runs Pagefind over the
  copies and reads back the page hashes while MkDocs renders the templates.
  `SearchJob.finish` (from `on_post_build`) then only waits, writes the id map and swaps the
  new index in. A failure fails the build with Pagefind's output; an abandoned build kills the
  process and removes its folders.
- **In parts.** While it builds an index Pagefind holds about 150 KB a page (1.6 GB at 10,000),
  whatever the size of the HTML. Pages are dealt round-robin into parts of at most
  `PART_PAGES`, each indexed by its own Pagefind process one after the other, so memory peaks
  at one part. The first part is the main index (`pagefind/`), the others `pagefind/part-N/`,
  which the finder adds in the browser with Pagefind's `mergeIndex`: they share the main
  index's script and WebAssembly, and each adds a small entry file, its share of the page
  metadata and, per word searched, one index chunk.
- **Only the text worth searching.** `EXCLUDE` leaves out the labels of the facts list ("When",
  "Cost": on every page, so they match everything), link-only text ("View on map") and
  contact details (phone numbers, e-mail and web addresses: half the distinct words, and no
  use for finding an activity).

- **What each activity is about, at a lower weight.** The minimal copy of each page also carries
  the names and descriptions of its categories and audiences (`topics_html`, in an element of
  its own with `data-pagefind-weight`), so `exercise` finds the physical activities and
  `isolation` the befriending ones, ranked below pages that say the word in their name or
  summary. Only Pagefind's copy has them: the public page stays as it is.
- **For the browser's query logic** (`assets/js/search.js`): `assets/data/search.json`
  (`generate`, a build step) lists the categories and audiences with the words people use for
  them (`schema/synonyms.yml`), and `pagefind/community-map-words.json` every indexed word,
  most frequent first, which the finder loads only to correct a word that finds nothing.

Only activity pages are indexed. The finder filters its own data file, so it needs activity
ids, not Pagefind's page hashes: `community-map-ids.json` (written beside the index) lists,
for each record of `assets/data/activities.json` in order, the hash Pagefind gave its page (a
result's `id`), and the parts to merge. Hashes are unique within a part, not across parts; the
finder resolves the rare hash two parts share by the result's URL. Pagefind runs as a local
program and makes no network request.
"""

from __future__ import annotations

import gzip
import hashlib
import html
import json
import logging
import os
import pickle
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unicodedata
import weakref
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from build_tools.outputs import Output

if TYPE_CHECKING:
    from build_tools.entries.model import Entry
    from build_tools.settings import Settings

log = logging.getLogger("mkdocs.plugins.community-map.search")

BUNDLE = "pagefind"
LANGUAGE = "en"
IDS_FILE = "community-map-ids.json"
WORDS_FILE = "community-map-words.json"
SEARCH_DATA = "assets/data/search.json"
# Categories' and audiences' names and descriptions count for less than a page's own words (1
# for a paragraph, up to 7 for its name); Pagefind allows 0 to 10.
TOPIC_WEIGHT = 0.5
# The word list: indexed words of letters only. The finder corrects a query word of five or
# more letters to one of them, and, with the whole list at hand, asks Pagefind only for words it
# has. Up to this size (gzipped) the list goes in the id map the first search fetches anyway
# (at 10,000 synthetic activities it is about 3 KB); a larger one is fetched only when a word
# finds nothing.
_LISTED = re.compile(r"[a-z]{2,30}")
WORDS_IN_ID_MAP = 40_000
DATA_FILE = Path("assets/data/activities.json")
ACTIVITY_GLOB = "activities/*/index.html"
# Pagefind needs about 150 KB a page: 2,500 pages keep one run near 400 MB, beside the ~700 MB
# MkDocs holds at 10,000 activities. Each extra part adds an entry file and an index chunk to
# a search (and a request each), so parts should not be smaller than they need to be.
PART_PAGES = 2500
PART_DIR = "part-{}/"
# A search term costs one index chunk from each part. Pagefind cuts its index into chunks of
# about 20,000 word positions (CHUNK_SIZE, its default); parts of an N-part index get chunks
# 1/N of that, so a word costs about what it would in one index. Pagefind 1.5 reads the size
# from this (explicitly unstable) variable; a Pagefind without it makes default chunks, and
# only the first search gets heavier.
CHUNK_SIZE = 20000
CHUNK_SIZE_VARIABLE = "PAGEFIND_UNSTABLE_INDEX_CHUNK_SIZE"
# Parts of an activity page's body that are not worth searching (see the module docstring).
EXCLUDE = (
    "dt",  # the labels of the facts list
    ".cm-links",  # "View on map", "Directions"
    ".cm-iconlist a",  # the contact list's phone number, e-mail and web addresses
    'a[href^="tel:"]',
    'a[href^="mailto:"]',
)
# A part's own copies of what the browser loads only from the main index.
_PART_UNUSED = ("pagefind*.js", "pagefind*.css", "wasm.*.pagefind")
_FRESH = f".{BUNDLE}-new"
_OLD = f".{BUNDLE}-old"
_FRAGMENT_MAGIC = b"pagefind_dcd"
_SOURCE = re.compile(r"activities/([a-z0-9]+(?:-[a-z0-9]+)*)\.md")
_ACTIVITY_URL = re.compile(r"/activities/([a-z0-9]+(?:-[a-z0-9]+)*)/(?:index\.html)?$")
_PAGES = re.compile(r"Indexed (\d+) pages?")
_TIMEOUT = 1800
# With more than one part, each part also gets a page listing every word of every part. When
# a word is in none of an index's pages, Pagefind matches the longest word the search term
# starts with ("w" for "walk"): fine for a word the whole site lacks, but a part lacking a
# word the others have would add such stray matches. The page is not an activity (its address
# is not an activity's), so the finder never shows it.
VOCABULARY = "activities/_vocabulary"
_TAG = re.compile(r"<script\b.*?</script>|<[^>]*>", re.S | re.I)
_WORD = re.compile(r"\w+")
_Page = tuple[str, "str | Path"]  # (activity id, its page's body, or its written page)


class SearchIndexError(RuntimeError):
    """Pagefind failed, or wrote something this module cannot read."""


@dataclass(frozen=True)
class IndexResult:
    pages: int  # activity pages Pagefind indexed
    mapped: int  # activities.json records whose page was found in the index
    output: str  # what Pagefind printed
    parts: int = 0  # Pagefind runs (indexes merged in the browser)
    seconds: float = 0.0  # time the background process took


def _command(site_dir: Path, output: Path) -> list[str]:
    exclude = [arg for selector in EXCLUDE for arg in ("--exclude-selectors", selector)]
    return [
        sys.executable,
        "-m",
        "pagefind",
        "--site",
        str(site_dir),
        "--output-path",
        str(output),
        "--glob",
        ACTIVITY_GLOB,
        # one English index: stemming makes "walks" find "walk"
        "--force-language",
        LANGUAGE,
        *exclude,
    ]


def _document(body: str, topics: str = "") -> str:
    """A minimal page around an activity page's body (and its topics): all Pagefind reads."""
    extra = (
        f'<div data-pagefind-body data-pagefind-weight="{TOPIC_WEIGHT}">{topics}</div>'
        if topics
        else ""
    )
    return (
        f'<!doctype html><html lang="{LANGUAGE}"><meta charset="utf-8"><body>{body}{extra}'
        "</body></html>"
    )


# --- what each activity is about, and the browser's search data ----------------------------


def search_data(settings: Settings) -> dict[str, Any]:
    """`assets/data/search.json`: each category and audience (`k` "c" or "u", its id, name `n`,
    description `d`) with the words people use for it (`w`, from schema/synonyms.yml)."""
    vocab = settings.vocabulary()
    synonyms = settings.synonyms()
    groups = []
    for kind, key, terms in (
        ("c", "categories", vocab.categories),
        ("u", "audiences", vocab.audiences),
    ):
        for term in terms.values():
            group: dict[str, Any] = {"k": kind, "id": term.id, "n": term.name}
            if term.description:
                group["d"] = term.description
            words = synonyms.get(key, {}).get(term.id, ())
            if words:
                group["w"] = list(words)
            groups.append(group)
    return {"groups": groups}


def generate(
    published: list[Entry], settings: Settings, coords: dict[str, tuple[float, float]]
) -> list[Output]:
    """The build step: the search data file the finder's query logic reads."""
    data = json.dumps(search_data(settings), ensure_ascii=False, separators=(",", ":"))
    return [Output(path=SEARCH_DATA, content=data)]


def _topic_texts(groups: list[dict[str, Any]]) -> dict[tuple[str, str], str]:
    texts = {}
    for group in groups:
        name, description = group.get("n", ""), group.get("d", "")
        text = f"<p>{html.escape(name)}</p>"
        if description:
            text += f"<p>{html.escape(description)}</p>"
        texts[(group["k"], group["id"])] = text
    return texts


def topics_html(
    categories: Iterable[str], audiences: Iterable[str], texts: dict[tuple[str, str], str]
) -> str:
    """The topic text Pagefind's copy of a page carries: its categories' and audiences'
    names and descriptions."""
    keys = [("c", c) for c in categories] + [("u", a) for a in audiences]
    return "".join(texts.get(key, "") for key in keys)


def entry_topics(entries: Iterable[Entry], settings: Settings) -> dict[str, str]:
    """Activity id -> its topic text (see `topics_html`)."""
    texts = _topic_texts(search_data(settings)["groups"])
    return {e.id: topics_html(e.categories, e.audiences, texts) for e in entries}


def site_topics(site_dir: Path) -> dict[str, str]:
    """The same, read back from a written site (its data file and search data)."""
    data_path, search_path = site_dir / DATA_FILE, site_dir / SEARCH_DATA
    if not data_path.is_file() or not search_path.is_file():
        return {}
    data = json.loads(data_path.read_text(encoding="utf-8"))
    texts = _topic_texts(json.loads(search_path.read_text(encoding="utf-8")).get("groups", []))
    vocab = data.get("vocab", {})
    cats = [term[0] for term in vocab.get("category", [])]
    auds = [term[0] for term in vocab.get("audience", [])]
    return {
        item["i"]: topics_html(
            (cats[n] for n in item.get("c", []) if n < len(cats)),
            (auds[n] for n in item.get("u", []) if n < len(auds)),
            texts,
        )
        for item in data.get("items", [])
        if "i" in item
    }


# --- the background process --------------------------------------------------------------


def _run_pagefind(argv: list[str], what: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run one Pagefind command; return (pages indexed, its output)."""
    try:
        proc = subprocess.run(
            argv,
            env={**os.environ, **(env or {})},
            capture_output=True,
            text=True,
            check=False,
            timeout=_TIMEOUT,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        raise SearchIndexError(f"Pagefind could not run for {what}: {err}") from err
    output = (proc.stdout or "") + (proc.stderr or "")
    found = _PAGES.search(output)
    if proc.returncode != 0 or found is None:
        raise SearchIndexError(
            f"Pagefind failed (exit code {proc.returncode}) indexing {what}:\n{output}"
        )
    return int(found.group(1)), output


def _fragment_ids(bundle: Path, counts: Counter[str] | None = None) -> dict[str, str]:
    """Activity id for each page hash, read from Pagefind's (gzipped JSON) page fragments;
    counts the words of each activity's indexed text (a fragment's `content`) into `counts`."""
    found: dict[str, str] = {}
    for path in (bundle / "fragment").glob("*.pf_fragment"):
        try:
            raw = gzip.decompress(path.read_bytes())
        except OSError as err:
            raise SearchIndexError(f"cannot read Pagefind fragment {path}: {err}") from err
        if not raw.startswith(_FRAGMENT_MAGIC):
            raise SearchIndexError(f"unexpected Pagefind fragment format in {path}")
        fragment = json.loads(raw[len(_FRAGMENT_MAGIC) :])
        match = _ACTIVITY_URL.search(fragment.get("url", ""))
        if match:
            found[path.name.removesuffix(".pf_fragment")] = match.group(1)
            if counts is not None:
                _count_words(counts, str(fragment.get("content", "")))
    return found


def _write_documents(docs: Path, pages: list[tuple[str, str, str]]) -> None:
    for ident, body, topics in pages:
        folder = docs / "activities" / ident
        folder.mkdir(parents=True)
        (folder / "index.html").write_text(_document(body, topics), encoding="utf-8")


def _text(markup: str) -> str:
    return html.unescape(_TAG.sub(" ", markup))


def _words(markup: str) -> set[str]:
    return set(_WORD.findall(_text(markup).lower()))


def _plain(text: str) -> str:
    """Lower case without accents, as the finder compares words ("Café" is "cafe")."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _count_words(counts: Counter[str], text: str) -> None:
    counts.update(_LISTED.findall(_plain(text).replace("'", "").replace("\u2019", "")))


def _write_word_list(bundle: Path, counts: Counter[str]) -> None:
    """Every indexed word worth correcting towards, most frequent first, one string: the
    finder's "did you mean" reads it only when a query word finds nothing."""
    words = sorted(counts, key=lambda w: (-counts[w], w))
    (bundle / WORDS_FILE).write_text(
        json.dumps({"w": " ".join(words)}, separators=(",", ":")), encoding="utf-8"
    )


def _write_vocabulary(docs: Path, words: set[str]) -> None:
    """A page with every word of every part, in each part (see `VOCABULARY`)."""
    folder = docs / VOCABULARY
    folder.mkdir(parents=True)
    text = " ".join(sorted(words))
    (folder / "index.html").write_text(
        _document(f"<div data-pagefind-body><p>{text}</p></div>"), encoding="utf-8"
    )


def _write_json(path: Path, data: object) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data), encoding="utf-8")
    tmp.replace(path)


def run_job(job_file: Path) -> int:
    """The background process: index each part in turn; report to the job's result file.

    Writes `{"parts": [{"pages", "output", "hashes": {hash: id}}], "seconds"}`, or
    `{"error": message}` and exits 1. Stops if the build that started it has gone.
    """
    started = time.perf_counter()
    job = json.loads(job_file.read_text(encoding="utf-8"))
    result = Path(job["result"])
    parts = job["parts"]
    several = len(parts) > 1
    done = []
    try:
        words: set[str] = set()
        counts: Counter[str] = Counter()
        for part in parts:
            docs = Path(part["docs"])
            if part.get("pages"):
                pages_file = Path(part["pages"])
                pages = pickle.loads(pages_file.read_bytes())
                _write_documents(docs, pages)
                pages_file.unlink()
                for _, body, topics in pages if several else ():
                    words |= _words(body + topics)
                del pages
            elif several:
                for path in docs.glob(ACTIVITY_GLOB):
                    words |= _words(path.read_text(encoding="utf-8", errors="replace"))
        for number, part in enumerate(parts, start=1):
            if os.getppid() != job["parent"]:  # the build that wanted this index has gone
                shutil.rmtree(parts[0]["out"], ignore_errors=True)
                shutil.rmtree(job_file.parent, ignore_errors=True)
                return 3
            docs = Path(part["docs"])
            if several:
                _write_vocabulary(docs, words)
            what = f"the activity pages (part {number} of {len(parts)})"
            pages_indexed, output = _run_pagefind(part["argv"], what, part.get("env"))
            hashes = _fragment_ids(Path(part["out"]), counts)
            shutil.rmtree(docs, ignore_errors=True)
            activities = pages_indexed - 1 if several else pages_indexed
            done.append({"pages": activities, "output": output, "hashes": hashes})
        _write_word_list(Path(parts[0]["out"]), counts)
    except SearchIndexError as err:
        _write_json(result, {"error": str(err)})
        return 1
    _write_json(result, {"parts": done, "seconds": time.perf_counter() - started})
    return 0


# --- in the build ------------------------------------------------------------------------


def _discard(process: subprocess.Popen[bytes] | None, *folders: Path) -> None:
    """Stop the background process (and its Pagefind) and remove its folders."""
    if process is not None and process.poll() is None:
        try:
            if hasattr(os, "killpg"):
                os.killpg(process.pid, signal.SIGTERM)  # its own process group: see _start
            else:  # pragma: no cover - not POSIX
                process.terminate()
            process.wait(timeout=10)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)


@dataclass
class SearchJob:
    """The search index being built in the background; `finish` or `cancel` it."""

    site_dir: Path
    staging: Path | None = None  # the new index, in `site_dir`, until it replaces the old one
    work: Path | None = None  # page copies, the job and its log (in the system's temp folder)
    parts: list[str] = field(default_factory=list)  # the bundle's folder for each part
    process: subprocess.Popen[bytes] | None = None

    def __post_init__(self) -> None:
        # Runs at most once: on finish, on cancel, or when the job is dropped or Python exits.
        self._cleanup = weakref.finalize(
            self, _discard, self.process, *(p for p in (self.work, self.staging) if p)
        )

    def cancel(self) -> None:
        self._cleanup()

    def finish(self) -> IndexResult:
        """Wait for the background process, then put the new index in place."""
        try:
            return self._finish()
        finally:
            self._cleanup()

    def _finish(self) -> IndexResult:
        if self.process is None or self.staging is None or self.work is None:
            log.warning("search: no activity pages in %s, so no search index", self.site_dir)
            _remove(self.site_dir / BUNDLE)
            return IndexResult(pages=0, mapped=0, output="")
        try:
            code = self.process.wait(timeout=_TIMEOUT)
        except subprocess.TimeoutExpired as err:
            raise SearchIndexError(f"the search index took over {_TIMEOUT} s") from err
        result_file = self.work / "result.json"
        report = json.loads(result_file.read_text("utf-8")) if result_file.is_file() else {}
        if "error" in report:
            raise SearchIndexError(report["error"])
        if code != 0 or "parts" not in report:
            output = (self.work / "log.txt").read_text("utf-8", errors="replace")
            raise SearchIndexError(f"the search index process failed (exit code {code}):\n{output}")
        by_id: dict[str, str] = {}
        for part in report["parts"]:
            by_id.update((ident, page) for page, ident in part["hashes"].items())
        for folder in self.parts[1:]:
            for pattern in _PART_UNUSED:
                for path in (self.staging / folder).glob(pattern):
                    path.unlink()
        mapped = _write_id_map(self.site_dir, self.staging, by_id, self.parts[1:])
        _swap(self.staging, self.site_dir / BUNDLE)
        return IndexResult(
            pages=sum(p["pages"] for p in report["parts"]),
            mapped=mapped,
            output="\n".join(p["output"] for p in report["parts"]),
            parts=len(report["parts"]),
            seconds=report.get("seconds", 0.0),
        )


def _split(items: list[_Page], part_pages: int | None) -> list[list[_Page]]:
    """Round-robin, so each part is a fair sample of the whole (Pagefind ranks each part
    by its own word statistics, and merged results are compared by score)."""
    size = max(1, part_pages or PART_PAGES)
    count = max(1, -(-len(items) // size))
    return [items[k::count] for k in range(count)]


def _start(
    site_dir: Path,
    items: list[_Page],
    part_pages: int | None = None,
    topics: dict[str, str] | None = None,
) -> SearchJob:
    """Start indexing `items`: (activity id, page body) or (activity id, written page), each
    with its topic text from `topics` (activity id -> `topics_html`)."""
    topics = topics or {}
    site_dir.mkdir(parents=True, exist_ok=True)
    for stale in (*site_dir.glob(f"{_FRESH}*"), *site_dir.glob(f"{_OLD}*")):
        _remove(stale)  # left by a build that was killed
    if not items:
        return SearchJob(site_dir)
    work = Path(tempfile.mkdtemp(prefix="community-map-search-"))
    staging = Path(tempfile.mkdtemp(prefix=f"{_FRESH}-", dir=site_dir))
    staging.chmod(0o755)  # mkdtemp makes 0700; a web server must read the index
    try:
        parts = []
        folders = []
        groups = _split(items, part_pages)
        for number, group in enumerate(groups):
            folder = "" if number == 0 else PART_DIR.format(number)
            docs = work / f"docs-{number}"
            spec: dict[str, object] = {
                "docs": str(docs),
                "out": str(staging / folder),
                "argv": _command(docs, staging / folder),
            }
            if len(groups) > 1:
                spec["env"] = {CHUNK_SIZE_VARIABLE: str(max(1, CHUNK_SIZE // len(groups)))}
            bodies = [
                (ident, page, topics.get(ident, ""))
                for ident, page in group
                if isinstance(page, str)
            ]
            if bodies:  # written by the background process, off the build's core
                spec["pages"] = str(work / f"pages-{number}.pickle")
                Path(spec["pages"]).write_bytes(pickle.dumps(bodies, pickle.HIGHEST_PROTOCOL))
            for ident, page in group:
                if isinstance(page, Path):
                    _link(page, docs / "activities" / ident / "index.html", topics.get(ident))
            parts.append(spec)
            folders.append(folder)
        job_file = work / "job.json"
        _write_json(
            job_file,
            {"parent": os.getpid(), "parts": parts, "result": str(work / "result.json")},
        )
        with open(work / "log.txt", "wb") as log_file:
            process = subprocess.Popen(
                _worker_command(job_file),
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # one process group: cancel stops it and its Pagefind
            )
    except BaseException:
        _discard(None, work, staging)
        raise
    return SearchJob(site_dir, staging=staging, work=work, parts=folders, process=process)


def _worker_command(job_file: Path) -> list[str]:
    return [sys.executable, "-m", "build_tools.site.search", str(job_file)]


def _link(source: Path, target: Path, topics: str | None = None) -> None:
    """Put a written page among the copies to index: linked, or copied with its topics."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if topics:
        page = source.read_text(encoding="utf-8", errors="replace")
        extra = f'<div data-pagefind-body data-pagefind-weight="{TOPIC_WEIGHT}">{topics}</div>'
        end = page.rfind("</body>")
        page = page[:end] + extra + page[end:] if end != -1 else page + extra
        target.write_text(page, encoding="utf-8")
        return
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def start_index(
    outputs: Iterable[Output],
    site_dir: Path,
    part_pages: int | None = None,
    topics: dict[str, str] | None = None,
) -> SearchJob:
    """Start indexing the activity pages among `outputs` (from their bodies) in the background.

    Called as soon as the pages are generated; `finish()` the job after MkDocs has written the
    site (the id map needs the written `activities.json`). `topics`: see `entry_topics`.
    """
    pages: list[_Page] = []
    for output in outputs:
        match = _SOURCE.fullmatch(output.path)
        if match and output.html is not None:
            pages.append((match.group(1), output.html))
    return _start(Path(site_dir), pages, part_pages, topics)


def _write_id_map(site_dir: Path, bundle: Path, by_id: dict[str, str], parts: list[str]) -> int:
    """Write the hash list the finder needs; return how many records it covers."""
    data_path = site_dir / DATA_FILE
    if not data_path.is_file():
        return 0
    raw = data_path.read_bytes()
    items = json.loads(raw).get("items", [])
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
        "parts": parts,  # indexes to merge, relative to this folder
    }
    words_file = bundle / WORDS_FILE
    if words_file.is_file():
        words = json.loads(words_file.read_text(encoding="utf-8")).get("w", "")
        if len(gzip.compress(words.encode("utf-8"))) <= WORDS_IN_ID_MAP:
            payload["w"] = words  # the word list (see WORDS_IN_ID_MAP)
    # a plain write (the umask's mode): the whole folder is swapped in at once
    (bundle / IDS_FILE).write_text(json.dumps(payload, separators=(",", ":")), encoding="utf-8")
    return sum(1 for h in hashes if h)


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    elif path.exists():
        path.unlink()


def _swap(fresh: Path, final: Path) -> None:
    """Replace `final` by `fresh` with renames, so a site being served never sees half of one
    index and half of another."""
    old = final.with_name(_OLD)
    _remove(old)
    if final.exists():
        final.rename(old)
    fresh.rename(final)
    _remove(old)


def build_index(site_dir: Path, part_pages: int | None = None) -> IndexResult:
    """Index the activity pages of a written site into `site_dir/pagefind/` (and wait)."""
    site_dir = Path(site_dir)
    if not site_dir.is_dir():
        raise SearchIndexError(f"no site to index: {site_dir} is not a folder")
    pages: list[_Page] = [
        (path.parent.name, path) for path in sorted(site_dir.glob(ACTIVITY_GLOB)) if path.is_file()
    ]
    return _start(site_dir, pages, part_pages, site_topics(site_dir)).finish()


def index_site(site_dir: Path, job: SearchJob | None = None) -> None:
    """Called by `site.post_build`: finish `job` (or index the written site), or raise with
    Pagefind's output."""
    result = job.finish() if job is not None else build_index(site_dir)
    if result.pages:
        log.info(
            "search: indexed %d activity pages in %d part(s) (%.1f s in the background)",
            result.pages,
            result.parts,
            result.seconds,
        )


if __name__ == "__main__":
    sys.exit(run_job(Path(sys.argv[1])))
