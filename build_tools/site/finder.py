"""The finder ("Find an activity"), the shortlist page and the data file both of them read.

The finder page is the whole directory as one plain list (so it works without JavaScript),
plus filter controls that `finder.js` brings to life. The script does not use that list (a
line at the top of the page hides it before it is laid out): it reads
`assets/data/activities.json`, a compact copy of every published activity (short keys,
numbers instead of repeated words, bit masks for days and times), so at 10,000 activities it
can filter in memory and draw only the first 50 matches instead of touching 10,000 elements.
The shortlist page reads only the activities it shows: `shortlist_data` files them by a hash
of their id (`bucket`), so a list of five fetches at most five small files, never the whole
directory.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from build_tools.entries.model import DAY_ORDER, Entry
from build_tools.entries.schedule import DAY_NAMES, describe, running_days, times_of_day
from build_tools.outputs import Output, rel
from build_tools.settings import Settings, Vocabulary
from build_tools.site import labels, paging
from build_tools.site.pages import front_matter
from build_tools.text import escape, json_for_html

DATA_PATH = "assets/data/activities.json"
# The finder's own split of the same records (finder-data.js): index first, the rest lazily
INDEX_PATH = "assets/data/finder/index.json"
DETAILS_PATH = "assets/data/finder/details-{n}.json"
PLACES_PATH = "assets/data/finder/places.json"
CHUNK = 500  # activities per details file: one or two files for the first results
INDEX_KEYS = ("i", "n", "c", "a", "u", "d", "w", "t", "k", "x", "g", "z")  # what filters test
DETAIL_KEYS = ("s", "h", "l", "o")  # what a result shows besides its name
# The shortlist's own files: every activity's printable record, filed by a hash of its id
SHORTLIST_PATH = "assets/data/shortlist/{n}.json"
SHORTLIST_BUCKET = 100  # activities per shortlist file, on average
SHORTLIST_KEYS = ("n", "s", "o", "h", "l", "d", "k", "cn", "b", "f", "r", "z", "ph", "em", "web")
# Index columns that hold vocabulary positions, and their vocabularies; written as bit masks
# when the vocabulary has at most MASK_BITS terms (JavaScript's bit operators take 32 bits)
_LIST_VOCAB = {"c": "category", "a": "area", "u": "audience", "x": "access"}
MASK_BITS = 30
FIND_PAGE = "find.md"
SHORTLIST_PAGE = "shortlist.md"
FORMAT_VERSION = 1

# Fixed lists, in the order the bit masks and indexes in activities.json use (labels.py).
DELIVERY = labels.order(labels.DELIVERY)
DELIVERY_NAMES = labels.names(labels.DELIVERY)
TIMES = labels.order(labels.TIMES)
TIME_NAMES = labels.names(labels.TIMES)
COSTS = labels.order(labels.COST)
COST_NAMES = labels.names(labels.COST)
BOOKING = labels.order(labels.BOOKING)
REFERRAL = labels.order(labels.REFERRAL)
RADII = (1, 3, 10, 30)
REGION_WIDE = "all"  # an `areas` value: the whole region, so every area filter includes it


def _mask(values: tuple[str, ...] | set[str], order: tuple[str, ...]) -> int:
    return sum(1 << i for i, v in enumerate(order) if v in values)


def _indexes(values: tuple[str, ...], positions: dict[str, int]) -> list[int]:
    return [positions[v] for v in values if v in positions]


class _Positions:
    """Each vocabulary's id -> position, worked out once per build, not per entry."""

    def __init__(self, vocab: Vocabulary) -> None:
        self.categories = {key: i for i, key in enumerate(vocab.categories)}
        self.areas = {key: i for i, key in enumerate(vocab.areas)}
        self.audiences = {key: i for i, key in enumerate(vocab.audiences)}
        self.accessibility = {key: i for i, key in enumerate(vocab.accessibility)}


def _where(entry: Entry) -> str:
    """The meeting place on one line, for activities that have one."""
    loc = entry.location
    return loc.one_line() if entry.in_person and loc is not None else ""


def record(
    entry: Entry, vocab: _Positions, coords: dict[str, tuple[float, float]]
) -> dict[str, Any]:
    """The compact JSON record of one activity (keys are documented in finder.js)."""
    rec: dict[str, Any] = {
        "i": entry.id,
        "n": entry.name,
        "s": entry.summary,
        "c": _indexes(entry.categories, vocab.categories),
        "a": _indexes(entry.areas, vocab.areas),
        "u": _indexes(entry.audiences, vocab.audiences),
        "d": _mask(entry.delivery, DELIVERY),
        "w": _mask(running_days(entry), DAY_ORDER),  # ended courses' days do not count
        "t": _mask(times_of_day(entry), TIMES),
        "k": COSTS.index(entry.cost) if entry.cost in COSTS else -1,
        "b": BOOKING.index(entry.booking) if entry.booking in BOOKING else -1,
        "f": _mask(entry.referral, REFERRAL),
        "r": entry.last_reviewed.isoformat() if entry.last_reviewed else "",
    }
    where = _where(entry)
    if where:
        rec["l"] = where
    if REGION_WIDE in entry.areas:
        rec["g"] = 1
    access = _indexes(entry.accessibility, vocab.accessibility)
    if access:
        rec["x"] = access
    org = entry.organisation.get("name", "")
    if org and org != entry.name:
        rec["o"] = org
    when = describe(entry)
    if when:
        rec["h"] = when
    if entry.cost_note:
        rec["cn"] = entry.cost_note
    for key, field in (("ph", "phone"), ("em", "email"), ("web", "website")):
        value = entry.contact.get(field)
        if value:
            rec[key] = value
    position = coords.get(entry.id)
    if position is not None and entry.in_person:
        rec["p"] = [round(position[0], 4), round(position[1], 4)]
    if entry.status == "paused":
        rec["z"] = 1
    return rec


def data_file(
    published: list[Entry],
    vocab: Vocabulary,
    coords: dict[str, tuple[float, float]],
    region: str = "",
) -> str:
    """activities.json: vocabularies once, then one compact record per published entry."""
    payload = data_payload(published, vocab, coords, region)
    # ensure_ascii=False keeps names readable and small; the file is served as JSON, never
    # pasted into HTML, so it needs no HTML escaping.
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def data_payload(
    published: list[Entry],
    vocab: Vocabulary,
    coords: dict[str, tuple[float, float]],
    region: str = "",
) -> dict[str, Any]:
    """What activities.json holds, before it is written."""
    positions = _Positions(vocab)
    payload = {
        "v": FORMAT_VERSION,
        "region": region,
        "vocab": {
            "category": [[t.id, t.name] for t in vocab.categories.values()],
            "area": [[t.id, t.name] for t in vocab.areas.values()],
            "audience": [[t.id, t.name] for t in vocab.audiences.values()],
            "access": [[t.id, t.name] for t in vocab.accessibility.values()],
        },
        "items": [record(e, positions, coords) for e in published if e.published],
    }
    return payload


def split_data(records: list[dict[str, Any]], data: dict[str, Any], version: str) -> list[Output]:
    """The finder's data in parts, so the first results need only the index (about a sixth).

    index.json holds, per activity, what the filters test, as columns (one list per key:
    smaller gzipped than a list of records); details-N.json what a result shows; places.json
    the positions, fetched only to sort by distance. All carry the build's version.

    The lists of vocabulary positions (categories, areas, audiences, accessibility) are
    written as bit masks when the vocabulary is small enough (`masks` names them): one
    number per activity instead of a list is a quarter less to download and far less to
    parse on a phone (40,000 small arrays at 10,000 activities)."""
    sizes = {key: len(data["vocab"][name]) for key, name in _LIST_VOCAB.items()}
    masks = [key for key in _LIST_VOCAB if sizes[key] <= MASK_BITS]
    cols: dict[str, list[Any]] = {key: [] for key in INDEX_KEYS}
    for rec in records:
        for key in INDEX_KEYS:
            value = rec.get(key, 0)  # 0: none
            if key in masks:
                value = sum(1 << i for i in set(value or ()))
            cols[key].append(value)
    compact = {"ensure_ascii": False, "separators": (",", ":")}
    index = {
        "v": version,
        "region": data["region"],
        "vocab": data["vocab"],
        "n": len(records),
        "chunk": CHUNK,
        "masks": masks,
        "cols": cols,
    }
    out = [Output(path=INDEX_PATH, content=json.dumps(index, **compact))]  # type: ignore[arg-type]
    for n in range(0, max(1, -(-len(records) // CHUNK))):
        part = [
            {k: r[k] for k in DETAIL_KEYS if k in r} for r in records[n * CHUNK : (n + 1) * CHUNK]
        ]
        body = json.dumps({"v": version, "items": part}, **compact)  # type: ignore[arg-type]
        out.append(Output(path=DETAILS_PATH.format(n=n), content=body))
    places = {"v": version, "p": [r.get("p", 0) for r in records]}
    out.append(Output(path=PLACES_PATH, content=json.dumps(places, **compact)))  # type: ignore[arg-type]
    return out


def bucket(ident: str, buckets: int) -> int:
    """The shortlist file an activity is in: FNV-1a (32 bits) of its id, modulo `buckets`.

    shortlist-page.js computes the same (ids are ASCII), so it fetches just the files of the
    activities on the list; unlike a position, an id needs no index to look it up."""
    h = 0x811C9DC5
    for ch in ident:
        h = ((h ^ ord(ch)) * 0x01000193) & 0xFFFFFFFF
    return h % buckets


def shortlist_buckets(count: int) -> int:
    return max(1, -(-count // SHORTLIST_BUCKET))


def shortlist_data(records: list[dict[str, Any]], version: str) -> list[Output]:
    """The shortlist's files: {v, items: {id: record}}, each record what the page prints."""
    buckets = shortlist_buckets(len(records))
    parts: list[dict[str, Any]] = [{} for _ in range(buckets)]
    for rec in records:
        parts[bucket(rec["i"], buckets)][rec["i"]] = {k: rec[k] for k in SHORTLIST_KEYS if k in rec}
    compact = {"ensure_ascii": False, "separators": (",", ":")}
    return [
        Output(
            path=SHORTLIST_PATH.format(n=n),
            content=json.dumps({"v": version, "items": part}, **compact),  # type: ignore[arg-type]
        )
        for n, part in enumerate(parts)
    ]


def _source(title: str, description: str) -> str:
    """The Markdown source of one of this module's pages: safe front matter and a stub."""
    return front_matter(title, description, hide=["navigation", "toc"]) + "\nGenerated page.\n"


def _checkboxes(param: str, legend: str, options: list[tuple[str, str]], hint: str = "") -> str:
    boxes = "".join(
        f'<li><label><input type="checkbox" name="{param}" value="{escape(value)}"> '
        f"{escape(label)}</label></li>"
        for value, label in options
    )
    hint_html = f'<p class="cm-hint">{escape(hint)}</p>' if hint else ""
    return (
        f'<details class="cm-filter" data-param="{param}"><summary>{escape(legend)}'
        f' <span class="cm-filter__n"></span></summary>'
        f'<fieldset><legend class="cm-visually-hidden">{escape(legend)}</legend>{hint_html}'
        f'<ul class="cm-filter__options">{boxes}</ul></fieldset></details>'
    )


def _filters(vocab: Vocabulary) -> str:
    groups = [
        _checkboxes("category", "Category", [(t.id, t.name) for t in vocab.categories.values()]),
        _checkboxes("area", "Area", [(t.id, t.name) for t in vocab.areas.values()]),
        _checkboxes("day", "Day", [(d, DAY_NAMES[d]) for d in DAY_ORDER]),
        _checkboxes("time", "Time of day", [(t, TIME_NAMES[t]) for t in TIMES]),
        _checkboxes("cost", "Cost", [(c, COST_NAMES[c]) for c in COSTS]),
        _checkboxes(
            "audience", "Who it is for", [(t.id, t.name) for t in vocab.audiences.values()]
        ),
        _checkboxes(
            "access",
            "Accessibility",
            [(t.id, t.name) for t in vocab.accessibility.values()],
            hint="Shows activities that have every feature you tick.",
        ),
        _checkboxes("delivery", "How it is run", [(d, DELIVERY_NAMES[d]) for d in DELIVERY]),
    ]
    radius = "".join(f'<option value="{r}">{r} km</option>' for r in RADII)
    return f"""<form id="cm-filters" class="cm-filters" role="search"
aria-label="Filter activities" hidden>
<div class="cm-field cm-field--q"><label for="cm-q">Search by word</label>
<input id="cm-q" name="q" type="search" autocomplete="off" spellcheck="false"
aria-describedby="cm-q-hint">
<p id="cm-q-hint" class="cm-hint">For example: walking, dementia, debt advice</p></div>
<fieldset class="cm-near"><legend>Near me</legend>
<div class="cm-near__row">
<div class="cm-field"><label for="cm-postcode">UK postcode</label>
<input id="cm-postcode" name="postcode" type="text" autocomplete="postal-code"
autocapitalize="characters" spellcheck="false" size="9" maxlength="10"
aria-describedby="cm-near-error"></div>
<button type="button" id="cm-postcode-go" class="md-button">Find near this postcode</button>
<button type="button" id="cm-locate" class="md-button">Use my location</button>
<div class="cm-field"><label for="cm-radius">Within</label>
<select id="cm-radius" name="radius"><option value="">any distance</option>{radius}</select></div>
</div>
<p class="cm-hint">Your postcode is sent to postcodes.io to find where it is, only when you ask.
Your location stays in your browser.</p>
<p id="cm-near-status" class="cm-near__status" role="status"></p>
<p id="cm-near-error" class="cm-error" role="alert"></p>
</fieldset>
<div class="cm-filter-groups">{"".join(groups)}</div>
<p class="cm-filters__actions"><button type="button" id="cm-clear" class="md-button">Clear
filters</button></p>
</form>"""


def _area_names(entry: Entry, vocab: Vocabulary, region: str) -> str:
    if REGION_WIDE in entry.areas:
        return f"Across {region}" if region else "Region-wide"
    return ", ".join(vocab.areas[a].name for a in entry.areas if a in vocab.areas)


def _static_item(entry: Entry, vocab: Vocabulary, page: str, region: str) -> str:
    """One result in the list every visitor gets first: name, summary, where, when, cost."""
    areas = _area_names(entry, vocab, region)
    parts = [p for p in (areas, "; ".join(describe(entry)), COST_NAMES.get(entry.cost, "")) if p]
    paused = ' <span class="cm-tag">Paused</span>' if entry.status == "paused" else ""
    href = rel(page, f"activities/{entry.id}/")
    return (
        f'<li class="cm-r"><h3><a href="{href}">{escape(entry.name)}</a>{paused}</h3>'
        f"<p>{escape(entry.summary)}</p>"
        f'<p class="cm-r__m">{escape(" · ".join(parts))}</p></li>'
    )


def _activities(n: int) -> str:
    return "1 activity" if n == 1 else f"{n:,} activities"


# Runs before the long list is parsed: with JavaScript the finder draws its own results, so
# the browser need not lay out every activity (at 10,000 that alone takes seconds on a
# phone). If finder.js never starts (blocked, failed to download), the plain list comes back.
_EARLY_SCRIPT = (
    'document.documentElement.classList.add("cm-finder-js");'
    'window.addEventListener("load",function(){var c=document.documentElement.classList;'
    'if(!c.contains("cm-finder-started"))c.remove("cm-finder-js")});'
)


def _plain_pager(number: int, pages: int, shown: int, total: int) -> str:
    """Links between the pages of the plain A to Z list (find/, find--page-2/, ...)."""
    return paging.pager(
        number,
        pages,
        lambda n: f"../{paging.sibling_name('find', n)}/",
        "Pages of every activity, A to Z",
        paging.span(number, shown, total),
    )


def plain_pages(published: list[Entry], settings: Settings) -> list[Output]:
    """The plain A to Z list after its first page (which is the finder itself), no script."""
    vocab = settings.vocabulary()
    chunks = paging.split(published)
    out = []
    for number, chunk in enumerate(chunks[1:], 2):
        path = f"{paging.sibling_name('find', number)}.md"
        items = "".join(_static_item(e, vocab, path, settings.region.name) for e in chunk)
        title = f"Every activity, A to Z: page {number} of {len(chunks)}"
        html = f"""<div class="cm-finder cm-finder--plain">
<h1>Every activity, A to Z <small>(page {number} of {len(chunks)})</small></h1>
<p class="cm-lead">The whole directory as a plain list. To search, filter by day, area and cost,
or find what is near a postcode, use <a href="{rel(path, "find/")}">Find an activity</a>.</p>
<ol class="cm-results" start="{(number - 1) * paging.PAGE_SIZE + 1}"
aria-label="Activities, page {number}">{items}</ol>
{_plain_pager(number, len(chunks), len(chunk), len(published))}
</div>
"""
        content = _source(title, "Every community activity in the directory, from A to Z.")
        out.append(Output(path=path, content=content, html=html))
    return out


def finder_page(
    published: list[Entry], settings: Settings, data_url: str, split: dict[str, Any] | None = None
) -> Output:
    """The finder: filters, and the first page of the plain list for browsers without script.

    `split`: the URLs of the finder's own data parts (index, details, places) and the
    number of activities per details file."""
    vocab = settings.vocabulary()
    config = {
        "data": data_url,
        "base": rel(FIND_PAGE, ""),
        "pagefind": rel(FIND_PAGE, "pagefind/"),
        "postcodeUrl": settings.postcode_lookup_url,
        "pageSize": 50,
        **(split or {}),
    }
    chunks = paging.split(published)
    first = chunks[0]
    items = "".join(_static_item(e, vocab, FIND_PAGE, settings.region.name) for e in first)
    pager = _plain_pager(1, len(chunks), len(first), len(published))
    script = rel(FIND_PAGE, "assets/js/finder.js")
    data_script = rel(FIND_PAGE, "assets/js/finder-data.js")
    html = f"""<div class="cm-finder">
<script>{_EARLY_SCRIPT}</script>
<h1>Find an activity</h1>
<p class="cm-lead">Every activity in the directory, from A to Z. Search by word, narrow the list by
day, area, cost and more, or find what is near a postcode.</p>
<script type="application/json" id="cm-finder-config">{json_for_html(config)}</script>
{labels.data_block()}
{_filters(vocab)}
<noscript><p class="cm-note">Searching and filtering need JavaScript, which is turned off or not
available. Here is every activity, from A to Z.</p></noscript>
<h2 id="cm-results-title" class="cm-results-title">Activities</h2>
<p id="cm-count" class="cm-count" role="status" aria-live="polite"
aria-atomic="true">{_activities(len(published))}, from A to Z</p>
<ol id="cm-all" class="cm-results" aria-labelledby="cm-results-title">{items}</ol>
{pager}
<ol id="cm-results" class="cm-results" aria-labelledby="cm-results-title" hidden></ol>
<div id="cm-other" hidden><h2 id="cm-other-title" class="cm-results-title">Available online, by
phone or at home</h2>
<p class="cm-hint">These have no meeting place, so they are not sorted by distance.</p>
<ol id="cm-other-results" class="cm-results" aria-labelledby="cm-other-title"></ol></div>
<p class="cm-more"><button type="button" id="cm-more" class="md-button" hidden>Show
more</button></p>
</div>
<script src="{data_script}" defer></script>
<script src="{script}" defer></script>
"""
    content = _source(
        "Find an activity", "Search and filter every community activity in the directory."
    )
    return Output(path=FIND_PAGE, content=content, html=html)


def shortlist_page(settings: Settings, files: dict[str, Any]) -> Output:
    """The shortlist page. `files`: the URL of its data files ("details", with {n}) and how
    many there are ("chunks"): the offline worker keeps every one (sw.js, dataOf)."""
    config = {"base": rel(SHORTLIST_PAGE, ""), **files}
    script = rel(SHORTLIST_PAGE, "assets/js/shortlist-page.js")
    finder = rel(SHORTLIST_PAGE, "find/")
    html = f"""<div class="cm-shortlist">
<h1 id="cm-sl-title">Your shortlist</h1>
<p class="cm-sl-date" id="cm-sl-date" hidden></p>
<script type="application/json" id="cm-shortlist-config">{json_for_html(config)}</script>
{labels.data_block()}
<noscript><p class="cm-note">Your shortlist is kept in this browser and needs JavaScript to show.
Without it, you can still <a href="{finder}">find an activity</a> and note its
details.</p></noscript>
<div id="cm-sl-app" hidden>
<p class="cm-lead cm-no-print">Activities you add with “Add to shortlist” are kept in this browser
only: nothing is sent anywhere. Print the list or share a link to it.</p>
<div id="cm-sl-import" class="cm-sl-import cm-no-print" role="region"
aria-labelledby="cm-sl-import-title" hidden>
<h2 id="cm-sl-import-title">A shared shortlist</h2>
<p id="cm-sl-import-text"></p>
<p><button type="button" id="cm-sl-import-add" class="md-button md-button--primary">Add them to my
shortlist</button>
<button type="button" id="cm-sl-import-replace" class="md-button">Replace my shortlist</button>
<button type="button" id="cm-sl-import-ignore" class="md-button">Ignore</button></p>
</div>
<div class="cm-sl-controls cm-no-print">
<div class="cm-field"><label for="cm-sl-name">Name to print on the list (optional)</label>
<input id="cm-sl-name" type="text" autocomplete="off" maxlength="80"
aria-describedby="cm-sl-name-hint">
<p id="cm-sl-name-hint" class="cm-hint">For example the name of the person you are helping. It is
not saved.</p></div>
<p class="cm-sl-buttons"><button type="button" id="cm-sl-print"
class="md-button md-button--primary">Print</button>
<button type="button" id="cm-sl-clear" class="md-button">Clear shortlist</button></p>
</div>
<p id="cm-sl-status" class="cm-count" role="status" aria-live="polite" aria-atomic="true"></p>
<ol id="cm-sl-items" class="cm-sl-items"></ol>
<p id="cm-sl-empty" class="cm-note" hidden>Your shortlist is empty. <a href="{finder}">Find an
activity</a> and choose “Add to shortlist”.</p>
<div id="cm-sl-share" class="cm-sl-share cm-no-print" hidden>
<h2>Share this shortlist</h2>
<div class="cm-field"><label for="cm-sl-link">Link to this shortlist</label>
<input id="cm-sl-link" type="text" readonly aria-describedby="cm-sl-link-hint">
<p id="cm-sl-link-hint" class="cm-hint">Anyone who opens the link sees the same activities. It
holds only the activities, no names.</p></div>
<p><button type="button" id="cm-sl-copy" class="md-button">Copy link</button> <span
id="cm-sl-copied" role="status" aria-live="polite"></span></p>
</div>
</div>
</div>
<script src="{script}" defer></script>
"""
    content = _source("Shortlist", "The activities you have chosen, ready to print or share.")
    return Output(path=SHORTLIST_PAGE, content=content, html=html)


def generate(
    published: list[Entry], settings: Settings, coords: dict[str, tuple[float, float]]
) -> list[Output]:
    published = [e for e in published if e.published]
    payload = data_payload(published, settings.vocabulary(), coords, settings.region.name)
    data = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    # The version query makes browsers fetch the file again after each change of content.
    version = hashlib.sha256(data.encode("utf-8")).hexdigest()[:10]
    split = {
        "index": rel(FIND_PAGE, f"{INDEX_PATH}?v={version}"),
        "details": rel(FIND_PAGE, f"{DETAILS_PATH}?v={version}"),
        "places": rel(FIND_PAGE, f"{PLACES_PATH}?v={version}"),
        "chunk": CHUNK,
        "chunks": max(1, -(-len(payload["items"]) // CHUNK)),  # details files (offline)
    }
    return [
        Output(path=DATA_PATH, content=data),
        *split_data(payload["items"], payload, version),
        finder_page(published, settings, rel(FIND_PAGE, f"{DATA_PATH}?v={version}"), split),
        *plain_pages(published, settings),
        *shortlist_data(payload["items"], version),
        shortlist_page(
            settings,
            {
                "details": rel(SHORTLIST_PAGE, f"{SHORTLIST_PATH}?v={version}"),
                "chunks": shortlist_buckets(len(payload["items"])),
            },
        ),
    ]
