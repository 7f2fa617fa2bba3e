"""The site's own pages: one per activity, the home page, category and area pages, About.

Each page is built here as finished HTML (the plugin skips Markdown for it), with f-strings
rather than a template engine: our own work is about 0.15 ms an activity (1.5 s for 10,000);
rendering each description's Markdown costs more than everything else together. Provider
text is escaped with markupsafe, descriptions go through `text.markdown_to_html`, links are
built only from `http(s)` addresses, and nothing provider-written ever reaches a page's
front matter unescaped (see `front_matter`). Activity pages stay out of the MkDocs nav
(`not_in_nav` in mkdocs.yml), so no page lists 10,000 others.
"""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from markupsafe import Markup, escape

from build_tools import text
from build_tools.data import calendars
from build_tools.entries import schedule
from build_tools.entries.model import Entry
from build_tools.outputs import Output, rel
from build_tools.settings import Settings, Term, Vocabulary
from build_tools.settings import today as settings_today
from build_tools.site import labels, paging

__all__ = ["front_matter", "generate", "page_source"]

ACTIVITY_DEPTH_PAGE = "activities/x.md"  # every activity, category and area page is 2 deep

# Fixed labels, from the one table the finder and the scripts use too (labels.py).
COST = labels.names(labels.COST)
BOOKING = labels.names(labels.BOOKING)
REFERRAL = labels.names(labels.REFERRAL)
DELIVERY = labels.names(labels.DELIVERY)
# What `encodeURIComponent` leaves as it is, plus `@`: the scripts build the same links.
MAILTO_SAFE = "@!*'()"
# ISO 639-1 names for the languages most often offered; anything else shows its code.
LANGUAGES = {
    "en": "English",
    "cy": "Welsh",
    "gd": "Scottish Gaelic",
    "ga": "Irish",
    "pl": "Polish",
    "ro": "Romanian",
    "lt": "Lithuanian",
    "lv": "Latvian",
    "bg": "Bulgarian",
    "pt": "Portuguese",
    "es": "Spanish",
    "fr": "French",
    "de": "German",
    "it": "Italian",
    "ne": "Nepali",
    "pa": "Punjabi",
    "ur": "Urdu",
    "hi": "Hindi",
    "bn": "Bengali",
    "gu": "Gujarati",
    "ta": "Tamil",
    "ar": "Arabic",
    "fa": "Persian",
    "ps": "Pashto",
    "ku": "Kurdish",
    "tr": "Turkish",
    "so": "Somali",
    "ti": "Tigrinya",
    "am": "Amharic",
    "uk": "Ukrainian",
    "ru": "Russian",
    "zh": "Chinese",
    "yue": "Cantonese",
    "vi": "Vietnamese",
    "sq": "Albanian",
    "el": "Greek",
    "hu": "Hungarian",
    "cs": "Czech",
    "sk": "Slovak",
    "tl": "Tagalog",
    "sl": "Slovenian",
    "sign": "Sign language",
}
# Whitespace, controls and what YAML cannot hold (lone surrogates, U+FFFE/FFFF): one space.
_SPACE = re.compile(r"[\s\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]+")
_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_URL = re.compile(r"^https?://[^\s\x00-\x1f\x7f<>\"'`\\]+$", re.IGNORECASE)


# --- front matter --------------------------------------------------------------------------


def _one_line(value: str) -> str:
    return _SPACE.sub(" ", value).strip()


def _safe_meta(value: Any) -> Any:
    """Strings HTML-escaped on one line; lists and mappings recursively; numbers as they are."""
    if isinstance(value, str):
        return str(escape(_one_line(value)))
    if isinstance(value, bool | int) or value is None:
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    if isinstance(value, list | tuple):
        return [_safe_meta(v) for v in value]
    if isinstance(value, dict):
        return {_safe_meta(str(k)): _safe_meta(v) for k, v in value.items()}
    raise TypeError(f"front matter values must be text, numbers, lists or mappings: {value!r}")


def front_matter(title: str, description: str = "", **extra: Any) -> str:
    """A YAML front matter block whose values are safe wherever a theme prints them raw.

    MkDocs' and Material's templates do not autoescape: `title` and `description` go
    straight into `<title>`, `<meta content="...">` and the header. So every string is
    collapsed onto one line (nothing can end the block early) and HTML-escaped (quotes too);
    the theme then shows the text exactly as written. Never pass these values through
    `striptags`, which would unescape them again.

    Each value is written as JSON, which YAML reads as the same string, list or mapping
    (double-quoted, on one line): the same result as `yaml.safe_dump`, a hundred times faster,
    which matters with one page per activity.
    """
    title = _one_line(title)
    if not title:
        raise ValueError("a page needs a title")
    data: dict[str, Any] = {"title": title}
    if _one_line(description):
        data["description"] = description
    data.update(extra)
    lines = ["---"]
    for key, value in data.items():
        if not _KEY.match(key):
            raise ValueError(f"front matter keys are plain names: {key!r}")
        lines.append(f"{key}: {json.dumps(_safe_meta(value), ensure_ascii=False)}")
    lines.append("---\n")
    return "\n".join(lines)


def page_source(title: str, description: str = "", **extra: Any) -> str:
    """A generated page's Markdown source: safe front matter and a stub the plugin replaces."""
    return front_matter(title, description, **extra) + "\nGenerated page.\n"


# --- small helpers -------------------------------------------------------------------------


def h(value: object) -> str:
    """Escaped text for HTML content or a double-quoted attribute."""
    return str(escape(value))


def safe_url(value: str) -> str | None:
    """An `http(s)` address fit for an `href`, or None (never `javascript:` and the like)."""
    value = value.strip()
    return value if _URL.match(value) else None


def _display_url(url: str) -> str:
    parts = urlsplit(url)
    shown = parts.netloc + (parts.path if parts.path != "/" else "")
    if parts.query:
        shown += "?" + parts.query
    return shown.removeprefix("www.")


def _tel(phone: str) -> str:
    digits = re.sub(r"[^0-9]", "", phone)
    return ("+" + digits) if phone.strip().startswith("+") else digits


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def age_text(entry: Entry) -> str:
    """ "16 and over", "Up to 11", "18 to 25": the age range in words; "" when open to all."""
    lo, hi = entry.age
    if lo is not None and hi is not None:
        return f"{lo} to {hi}"
    if lo is not None:
        return f"{lo} and over"
    if hi is not None:
        return f"Up to {hi}"
    return ""


def _absolute_site_url(settings: Settings) -> str:
    """The site's address with one trailing slash; "" when unset (pages cite their path)."""
    url = settings.site_url
    return url.rstrip("/") + "/" if url else ""


def _icon(name: str) -> str:
    if not name:
        return ""
    try:
        return str(text.icon(name))
    except KeyError:
        return ""


class _Context:
    """Everything built once per run and shared by every page: vocab links, icons, dates."""

    def __init__(self, settings: Settings, coords: dict[str, tuple[float, float]]) -> None:
        self.settings = settings
        self.vocab: Vocabulary = settings.vocabulary()
        self.coords = coords
        self.today = settings_today()
        self.repo = safe_url(settings.repo_url) or ""
        self.edit_branch = quote(settings.edit_branch)
        self.site_url = _absolute_site_url(settings)
        self.region = settings.region.name
        self.country = settings.region.country.upper()
        self.stale_after = settings.stale_after_days
        up = self.up = rel(ACTIVITY_DEPTH_PAGE, "")  # activity, category, area pages: "../../"
        vocab = self.vocab
        self.category_links = {
            cid: f'<a href="{up}categories/{h(cid)}/">{h(t.name)}</a>'
            for cid, t in vocab.categories.items()
        }
        self.audience_links = {
            aid: f'<a href="{up}find/?audience={h(quote(aid, safe=""))}">{h(t.name)}</a>'
            for aid, t in vocab.audiences.items()
        }
        self.area_links = {
            aid: f'<a href="{up}areas/{h(aid)}/">{h(t.name)}</a>' for aid, t in vocab.areas.items()
        }
        self.access_items = {
            aid: f"<li>{_icon(t.icon)}<span>{h(t.name)}</span></li>"
            for aid, t in vocab.accessibility.items()
        }
        self.category_icons = {cid: _icon(t.icon) for cid, t in vocab.categories.items()}
        self.icons = {
            name: _icon(name)
            for name in (
                "map-marker-outline",
                "directions",
                "phone",
                "email-outline",
                "web",
                "flag-outline",
                "pencil-outline",
                "filter-variant",
                "map-outline",
                "star-outline",
            )
        }
        days = self.stale_after
        self.stale_span = "a year" if days in (365, 366) else _plural(days, "day")


# --- activity page -------------------------------------------------------------------------


def _where(entry: Entry, ctx: _Context) -> str:
    out = ""
    loc = entry.location
    if loc is not None and entry.in_person:
        lines = "<br>".join(h(v) for v in (loc.venue, loc.address, loc.town, loc.postcode) if v)
        out += f"<address>{lines}</address>"
        position = ctx.coords.get(entry.id)
        if position is not None:
            lat, lon = float(position[0]), float(position[1])
            anchor = h(quote(entry.id, safe=""))
            out += (
                f'<p class="cm-links"><a href="{ctx.up}map/#activity={anchor}">'
                f"{ctx.icons['map-marker-outline']}View on map</a> "
                f'<a href="https://www.openstreetmap.org/directions?to={lat:.5f},{lon:.5f}" '
                f'rel="nofollow">{ctx.icons["directions"]}Directions (OpenStreetMap)</a></p>'
            )
    if "all" in entry.areas:
        out += f"<p>Serves the whole of {h(ctx.region)}</p>"
    else:
        links = ", ".join(ctx.area_links[a] for a in entry.areas if a in ctx.area_links)
        if links:
            out += f"<p>Serves {links}</p>"
    return out


def _cost(entry: Entry) -> str:
    label = COST.get(entry.cost, "")
    note = entry.cost_note
    if label and note:
        return f"{label}: {h(note)}"
    return h(label or note)


def _join_how(entry: Entry) -> str:
    items = [BOOKING[entry.booking]] if entry.booking in BOOKING else []
    items += [REFERRAL[r] for r in entry.referral if r in REFERRAL]
    if len(items) <= 1:
        return "".join(items)
    return '<ul class="cm-plain">' + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


def _contact(entry: Entry, ctx: _Context) -> str:
    con = entry.contact
    rows = ""
    phone = con.get("phone", "")
    if phone and _tel(phone).lstrip("+"):
        rows += (
            f'<li>{ctx.icons["phone"]}<span>Phone: <a href="tel:{_tel(phone)}">{h(phone)}'
            "</a></span></li>"
        )
    email = con.get("email", "").strip()
    if email:
        rows += (
            f"<li>{ctx.icons['email-outline']}<span>Email: "
            f'<a href="mailto:{h(quote(email, safe=MAILTO_SAFE))}">{h(email)}</a></span></li>'
        )
    web = safe_url(con.get("website", ""))
    if web:
        rows += (
            f'<li>{ctx.icons["web"]}<span>Website: <a href="{h(web)}" rel="nofollow ugc">'
            f"{h(_display_url(web))}</a></span></li>"
        )
    return f'<h2>Contact</h2><ul class="cm-iconlist">{rows}</ul>' if rows else ""


def _organisation(entry: Entry) -> str:
    org = entry.organisation
    name = org.get("name", "")
    if not name:
        return ""
    web = safe_url(org.get("website", ""))
    shown = f'<a href="{h(web)}" rel="nofollow ugc">{h(name)}</a>' if web else h(name)
    charity = org.get("charity_number", "")
    charity = f"<br>Registered charity {h(charity)}" if charity else ""
    return f"<h2>Run by</h2><p>{shown}{charity}</p>"


def _report_links(entry: Entry, ctx: _Context, page_path: str) -> str:
    if not ctx.repo:
        return ""
    # The "Report a problem with a listing" issue form, with the listing id filled in (a
    # form field is prefilled by a query parameter named after its id).
    query = urlencode(
        {
            "template": "report-a-problem.yml",
            "listing_id": entry.id,
            "title": f"Problem with listing: {entry.name} ({entry.id})",
        },
        quote_via=quote,
    )
    report = h(f"{ctx.repo}/issues/new?{query}")
    edit = h(f"{ctx.repo}/edit/{ctx.edit_branch}/{quote(entry.path)}")
    return (
        f'<p class="cm-links"><a href="{report}" rel="nofollow">{ctx.icons["flag-outline"]}'
        f'Report a problem</a> <a href="{edit}" rel="nofollow">'
        f"{ctx.icons['pencil-outline']}Update this listing</a></p>"
    )


def _json_ld(entry: Entry, ctx: _Context, page_path: str) -> str:
    """schema.org `Service` data, embedded so `</script>` in any value stays inert."""
    vocab = ctx.vocab
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Service",
        "name": entry.name,
        "description": entry.summary,
        "serviceType": [
            vocab.categories[c].name for c in entry.categories if c in vocab.categories
        ],
    }
    if ctx.site_url:
        data["url"] = ctx.site_url + page_path
    org = entry.organisation
    if org.get("name"):
        provider: dict[str, Any] = {"@type": "Organization", "name": org["name"]}
        if safe_url(org.get("website", "")):
            provider["url"] = org["website"].strip()
        data["provider"] = provider
    if "all" in entry.areas:
        data["areaServed"] = {"@type": "AdministrativeArea", "name": ctx.region}
    else:
        data["areaServed"] = [
            {"@type": "AdministrativeArea", "name": vocab.areas[a].name}
            for a in entry.areas
            if a in vocab.areas
        ]
    audiences = [vocab.audiences[a].name for a in entry.audiences if a in vocab.audiences]
    if audiences:
        data["audience"] = {"@type": "Audience", "audienceType": ", ".join(audiences)}
    if entry.cost == "free":
        data["offers"] = {"@type": "Offer", "price": "0", "priceCurrency": "GBP"}
    channel: dict[str, Any] = {
        "@type": "ServiceChannel",
        "name": ", ".join(DELIVERY[d] for d in entry.delivery if d in DELIVERY),
    }
    con = entry.contact
    if con.get("phone"):
        channel["servicePhone"] = {"@type": "ContactPoint", "telephone": con["phone"]}
    if safe_url(con.get("website", "")):
        channel["serviceUrl"] = con["website"].strip()
    loc = entry.location
    if loc is not None and entry.in_person:
        place: dict[str, Any] = {
            "@type": "Place",
            "address": {
                "@type": "PostalAddress",
                "streetAddress": loc.address,
                "addressLocality": loc.town,
                "postalCode": loc.postcode,
                "addressCountry": ctx.country,
            },
        }
        if loc.venue:
            place["name"] = loc.venue
        if entry.id in ctx.coords:
            lat, lon = ctx.coords[entry.id]
            place["geo"] = {"@type": "GeoCoordinates", "latitude": lat, "longitude": lon}
        channel["serviceLocation"] = place
    data["availableChannel"] = channel
    return f'<script type="application/ld+json">{text.json_for_html(data)}</script>'


def _fact(label: str, value: str) -> str:
    return f"<div><dt>{label}</dt><dd>{value}</dd></div>" if value else ""


PAUSED = (
    '<div class="admonition warning cm-notice" role="note">'
    '<p class="admonition-title">Paused</p>'
    "<p>This activity is paused at the moment. Contact the organiser to find out "
    "when it starts again.</p></div>"
)


def activity_html(entry: Entry, ctx: _Context, when: list[str] | None = None) -> str:
    """The body of `activities/<id>/`: everything a person needs to decide and to go."""
    page_path = f"activities/{entry.id}/"
    ident = h(entry.id)
    notices = PAUSED if entry.status == "paused" else ""
    reviewed = entry.last_reviewed
    if reviewed is not None and (ctx.today - reviewed).days > ctx.stale_after:
        notices += (
            '<div class="admonition warning cm-notice" role="note">'
            '<p class="admonition-title">Not checked recently</p>'
            f"<p>This listing has not been checked for over {ctx.stale_span}; contact "
            "the organiser before going.</p></div>"
        )
    when = schedule.describe(entry, ctx.today) if when is None else when
    if schedule.ended(entry, ctx.today):
        notices += (
            '<div class="admonition info cm-notice" role="note">'
            '<p class="admonition-title">No sessions planned</p>'
            "<p>Every session listed here has ended. Contact the organiser to ask about "
            "new dates.</p></div>"
        )
    when_html = "<br>".join(h(line) for line in when) or "Contact the organiser for times"
    if schedule.current_sessions(entry, ctx.today) and calendars.has_calendar(entry):
        when_html += (
            f'<br><a class="cm-calendar" href="{ctx.up}{calendars.activity_path(entry.id)}" '
            f'download="{ident}.ics">{_icon("calendar-plus")}Add to calendar</a> '
            '<span class="cm-meta">(an .ics file for Outlook, Google, Apple and other '
            "calendars)</span>"
        )
    languages = [LANGUAGES.get(code, code.upper()) for code in entry.languages]
    facts = "".join(
        (
            _fact("When", when_html),
            _fact("Where", _where(entry, ctx)),
            _fact("Cost", _cost(entry)),
            _fact("How to join", _join_how(entry)),
            _fact("How it runs", ", ".join(DELIVERY[d] for d in entry.delivery if d in DELIVERY)),
            _fact(
                "Who it is for",
                ", ".join(
                    ctx.audience_links[a] for a in entry.audiences if a in ctx.audience_links
                ),
            ),
            _fact("Age", age_text(entry)),
            _fact("Languages", h(", ".join(languages)) if languages != ["English"] else ""),
            _fact(
                "Categories",
                ", ".join(
                    ctx.category_links[c] for c in entry.categories if c in ctx.category_links
                ),
            ),
        )
    )
    description = (
        f'<h2>About this activity</h2><div class="cm-description">'
        f"{text.markdown_to_html(entry.description)}</div>"
        if entry.description.strip()
        else ""
    )
    access = "".join(ctx.access_items[a] for a in entry.accessibility if a in ctx.access_items)
    if access:
        access = f'<h2>Accessibility</h2><ul class="cm-iconlist">{access}</ul>'
    filters = "".join(
        f'<span hidden data-pagefind-filter="category:{h(c)}"></span>' for c in entry.categories
    )
    filters += "".join(
        f'<span hidden data-pagefind-filter="area:{h(a)}"></span>' for a in entry.areas
    )
    checked = f"Last checked on {text.long_date(reviewed)}" if reviewed else "Not yet checked"
    return (
        '<div class="cm-activity" data-pagefind-body>'
        f'<h1 id="cm-title" data-pagefind-meta="title">{h(entry.name)}</h1>'
        f'<span hidden data-pagefind-meta="id:{ident}"></span>{filters}{notices}'
        f'<p class="cm-lead">{h(entry.summary)}</p>'
        '<p data-pagefind-ignore><button type="button" class="cm-shortlist-btn md-button" '
        f'data-shortlist-id="{ident}" hidden>Add to shortlist</button></p>'
        f'<dl class="cm-facts">{facts}</dl>'
        f"{description}{access}{_contact(entry, ctx)}{_organisation(entry)}"
        f'<div class="cm-checked" data-pagefind-ignore><p>{checked}</p>'
        f"{_report_links(entry, ctx, page_path)}</div>"
        f"</div>{_json_ld(entry, ctx, page_path)}"
    )


# --- lists ---------------------------------------------------------------------------------


def _list_item(entry: Entry, ctx: _Context, when: list[str]) -> str:
    """One activity in a category or area list (both pages are two folders deep)."""
    if "all" in entry.areas:
        where = f"Across {ctx.region}"
    else:
        where = ", ".join(ctx.vocab.areas[a].name for a in entry.areas if a in ctx.vocab.areas)
    loc = entry.location
    if loc is not None and entry.in_person and loc.town:
        where = f"{loc.town} ({where})" if where and where != loc.town else loc.town
    meta = ['<span class="cm-tag">Paused</span>'] if entry.status == "paused" else []
    meta += [h(part) for part in (where, "; ".join(when)) if part]
    return (
        f'<li><a href="{ctx.up}activities/{h(entry.id)}/">{h(entry.name)}</a>'
        f'<p>{h(entry.summary)}</p><p class="cm-meta">{" · ".join(meta)}</p></li>'
    )


def _list(items: Iterable[str]) -> Markup:
    joined = "".join(items)
    if not joined:
        return Markup("<p>No activities are listed here yet.</p>")
    return Markup(f'<ul class="cm-list">{joined}</ul>')


def _pager(name: str, label: str, number: int, pages: int, describe: str = "") -> str:
    """The pager of one page of a list whose first page is `name` (a sibling of this one)."""
    return paging.pager(
        number, pages, lambda n: f"../{paging.sibling_name(name, n)}/", label, describe
    )


def _page_of(number: int, pages: int) -> Markup:
    return (
        Markup(" <small>(page {} of {})</small>").format(number, pages) if pages > 1 else Markup("")
    )


def category_html(
    term: Term,
    entries: Sequence[str],
    ctx: _Context,
    number: int = 1,
    pages: int = 1,
    total: int | None = None,
) -> str:
    """One page of a category's list (`entries` is this page's share of `total`)."""
    page = f"categories/{term.id}.md"
    total = len(entries) if total is None else total
    pager = _pager(
        term.id,
        f"Pages of {term.name}",
        number,
        pages,
        paging.span(number, len(entries), total),
    )
    return str(
        Markup(
            '<h1>{icon}{name}{page_of}</h1><p class="cm-lead">{description}</p>'
            '<p>{count}. <a href="{finder}">Filter these in the finder</a> '
            '(by day, area, cost and more) or <a href="{map}">see the map</a>.</p>{items}{pager}'
            '<p class="cm-feed"><a href="{feed}">Calendar of these activities</a> '
            "(an .ics feed: subscribe to it in your calendar app to see every session)</p>"
        ).format(
            icon=Markup(ctx.category_icons.get(term.id, "")),
            name=term.name,
            page_of=_page_of(number, pages),
            description=term.description,
            count=_plural(total, "activity", "activities"),
            finder=rel(page, f"find/?category={quote(term.id, safe='')}"),
            map=rel(page, "map/"),
            items=_list(entries),
            feed=rel(page, calendars.category_path(term.id)),
            pager=Markup(pager),
        )
    )


def area_html(
    term: Term,
    local: Sequence[str],
    regional: Sequence[str],
    ctx: _Context,
    number: int = 1,
    pages: int = 1,
    totals: tuple[int, int] | None = None,
) -> str:
    """One page of an area's list: its own activities, then the region-wide ones.

    `local` and `regional` are this page's shares; `totals` the whole lists' lengths."""
    page = f"areas/{term.id}.md"
    n_local, n_regional = totals or (len(local), len(regional))
    out = Markup(
        '<h1>{name}{page_of}</h1><p class="cm-lead">Community activities and support in {name}'
        "{town}.</p>"
        '<p><a href="{finder}">Filter these in the finder</a> (by day, category, cost and '
        'more) or <a href="{map}">see the map</a>.</p>'
        '<p class="cm-feed"><a href="{feed}">Calendar of activities in {name}</a> (an .ics '
        "feed: subscribe to it in your calendar app to see every session)</p>"
    ).format(
        name=term.name,
        page_of=_page_of(number, pages),
        town=Markup(", around {}").format(term.town)
        if term.town and term.town != term.name
        else "",
        finder=rel(page, f"find/?area={quote(term.id, safe='')}"),
        map=rel(page, "map/"),
        feed=rel(page, calendars.area_path(term.id)),
    )
    if local or number == 1:
        out += Markup("<h2>In {name} ({count})</h2>{items}").format(
            name=term.name, count=n_local, items=_list(local)
        )
    if regional:
        out += Markup(
            "<h2>Across the region ({count})</h2><p>These cover the whole of {region}, "
            "{name} included.</p>{items}"
        ).format(count=n_regional, region=ctx.region, name=term.name, items=_list(regional))
    describe = paging.span(number, len(local) + len(regional), n_local + n_regional)
    out += Markup(_pager(term.id, f"Pages of {term.name}", number, pages, describe))
    return str(out)


def home_html(
    published: list[Entry],
    ctx: _Context,
    by_category: dict[str, list[str]],
    by_area: dict[str, list[str]],
    regional: int,
) -> str:
    tiles = Markup("").join(
        Markup(
            '<li><a href="categories/{id}/">{icon}<span class="cm-tile__name">{name}'
            '</span><span class="cm-tile__count">{count}</span></a></li>'
        ).format(
            id=cid,
            icon=Markup(ctx.category_icons.get(cid, "")),
            name=term.name,
            count=_plural(len(by_category.get(cid, [])), "activity", "activities"),
        )
        for cid, term in ctx.vocab.categories.items()
    )
    areas = Markup("").join(
        Markup(
            '<li><a href="areas/{id}/">{name}</a> <span class="cm-count">({count})</span></li>'
        ).format(id=aid, name=term.name, count=len(by_area.get(aid, [])))
        for aid, term in ctx.vocab.areas.items()
    )
    regional_note = (
        Markup("<p>{} across the whole of {} appear on every area page.</p>").format(
            _plural(regional, "service"), ctx.region
        )
        if regional
        else ""
    )
    return str(
        Markup(
            "<h1>Find local activities and support in {region}</h1>"
            '<p class="cm-lead">A free directory of {count} in {region}: walking groups, '
            "befriending, men's sheds, dementia cafés, debt advice and much more. For anyone "
            "looking for something to do or some support nearby, and for the GPs, link workers "
            "and care navigators who help them.</p>"
            '<form class="cm-search" action="find/" role="search" aria-label="Activities">'
            '<label for="cm-q">Search activities</label>'
            '<div class="cm-search__row"><input id="cm-q" name="q" type="search" '
            'autocomplete="off" placeholder="For example: walking, singing, carers">'
            '<button type="submit" class="md-button md-button--primary">Search</button></div>'
            "</form>"
            '<p class="cm-links"><a href="find/">{find}Filter by day, area, cost and more</a> '
            '<a href="map/">{map}See them on a map</a> '
            '<a href="shortlist/">{star}Your shortlist</a></p>'
            "<h2>Browse by category</h2>"
            '<ul class="cm-tiles">{tiles}</ul>'
            "<h2>Browse by area</h2>"
            '<ul class="cm-areas">{areas}</ul>{regional}'
            "<h2>How to add your activity</h2>"
            "<p>Listing is free for any group, charity or service in {region}. "
            '<a href="providers/">Find out how to add or update your activity</a>.</p>'
            '<p><a href="about/">About this directory, your privacy and the data</a></p>'
        ).format(
            region=ctx.region,
            count=_plural(len(published), "activity", "activities"),
            find=text.icon("filter-variant"),
            map=text.icon("map-outline"),
            star=text.icon("star-outline"),
            tiles=tiles,
            areas=areas,
            regional=regional_note,
        )
    )


def _host(url: str) -> str:
    return urlsplit(url.replace("{", "").replace("}", "")).netloc or url


def about_html(ctx: _Context) -> str:
    s = ctx.settings
    repo = ctx.repo
    tiles = _host(s.tiles.url)
    postcodes = _host(s.postcode_lookup_url)
    years = s.stale_after_text
    repo_bits = (
        Markup(
            "<p>The listings, the code and every change are public on "
            '<a href="{repo}">GitHub</a>. To report something wrong with a listing, use '
            '"Report a problem" at the bottom of its page, or '
            '<a href="{repo}/issues/new?labels=listing-problem">open an issue</a>.</p>'
        ).format(repo=repo)
        if repo
        else Markup("")
    )
    return str(
        Markup(
            "<h1>About this directory</h1>"
            '<p class="cm-lead">{site} lists community activities and support in {region}: '
            "groups, clubs, classes, advice and services that help people stay well and "
            "connected.</p>"
            "<p>It is for everyone: people looking for something to do or some support, "
            "and the GPs, social prescribing link workers and care navigators who help them.</p>"
            "<h2>How listings are added and checked</h2>"
            "<p>Organisers add and update their own listings. Every change is a pull request "
            "that a volunteer moderator reviews before it appears. Each listing shows when it "
            "was last checked; listings are checked with the organiser at least once a year, and "
            "a listing not checked for over {years} carries a warning. "
            '<a href="../providers/">How to add or update your activity</a>.</p>{repo_bits}'
            "<h2>Your privacy</h2>"
            "<ul>"
            "<li>This site sets no cookies and uses no analytics or tracking.</li>"
            "<li>Your shortlist is kept in your browser's local storage on your device. It is "
            "never sent to us or anyone else; clear it from the shortlist page.</li>"
            "<li>If you search near a postcode, only that postcode is sent to "
            "<strong>{postcodes}</strong> to find where it is, and only when you ask.</li>"
            "<li>The map's images (tiles) come from <strong>{tiles}</strong>, OpenStreetMap's "
            "tile servers, which see your IP address like any website you visit. "
            'Read the <a href="https://osmfoundation.org/wiki/Privacy_Policy">OpenStreetMap '
            "Foundation privacy policy</a>.</li>"
            "<li>Nothing else on this site makes a request to another website.</li>"
            "</ul>"
            "<h2>Data and licences</h2>"
            "<p>The listings are open data, published under the "
            '<a href="https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/">'
            "Open Government Licence v3.0</a>: you may copy and reuse them, saying where they "
            "came from.</p>"
            "<p>Maps use data © "
            '<a href="https://www.openstreetmap.org/copyright">OpenStreetMap contributors</a>, '
            "available under the Open Database Licence (ODbL).</p>"
            "<h2>Accessibility</h2>"
            "<p>This site aims to meet the Web Content Accessibility Guidelines (WCAG) 2.2 at "
            "level AA. It works without JavaScript (except the map and the shortlist), with a "
            "keyboard and with screen readers. If something does not work for you, please tell "
            "us.</p>"
        ).format(
            site=s.site_name,
            region=ctx.region,
            years=years,
            repo_bits=repo_bits,
            postcodes=postcodes,
            tiles=tiles,
        )
    )


# Material renders a navigation section's label with `tabindex=""` (an empty value, which the
# HTML standard does not allow) when the section is expanded in the navigation tabs, as the
# About and "Add your activity" sections are on their own pages. An empty tabindex means no
# tabindex to browsers, so dropping the attribute changes nothing but the markup's validity.
_EMPTY_TABINDEX = re.compile(r'(<label\b[^>]*?)\s+tabindex=""')


def valid_theme_markup(html: str) -> str:
    """A rendered page without the theme's invalid empty `tabindex` on section labels."""
    if 'tabindex=""' not in html:
        return html
    return _EMPTY_TABINDEX.sub(r"\1", html)


# --- the generator -------------------------------------------------------------------------


def generate(
    published: list[Entry], settings: Settings, coords: dict[str, tuple[float, float]]
) -> list[Output]:
    """Activity, home, category, area and About pages for the published entries."""
    bad = [e.path for e in published if not _ID.match(e.id)]
    if bad:  # validation refuses these; an id becomes a path and a URL, so never guess
        raise ValueError(f"entries with ids that cannot be page names: {', '.join(bad)}")
    ctx = _Context(settings, coords)
    outputs: list[Output] = []
    by_category: dict[str, list[str]] = defaultdict(list)
    by_area: dict[str, list[str]] = defaultdict(list)
    regional: list[str] = []
    for entry in published:
        when = schedule.describe(entry, ctx.today)
        outputs.append(
            Output(
                path=f"activities/{entry.id}.md",
                content=page_source(entry.name, entry.summary, hide=["toc"]),
                html=activity_html(entry, ctx, when),
            )
        )
        item = _list_item(entry, ctx, when)
        for cid in entry.categories:
            by_category[cid].append(item)
        if "all" in entry.areas:
            regional.append(item)
        else:
            for aid in entry.areas:
                by_area[aid].append(item)

    for cid, term in ctx.vocab.categories.items():
        listed = by_category.get(cid, [])
        chunks = paging.split(listed)
        for number, chunk in enumerate(chunks, 1):
            title = term.name if number == 1 else f"{term.name}, page {number} of {len(chunks)}"
            outputs.append(
                Output(
                    path=f"categories/{paging.sibling_name(cid, number)}.md",
                    content=page_source(
                        title, term.description or f"{term.name} in {ctx.region}", hide=["toc"]
                    ),
                    html=category_html(term, chunk, ctx, number, len(chunks), len(listed)),
                )
            )
    for aid, term in ctx.vocab.areas.items():
        local = by_area.get(aid, [])
        both = [("local", i) for i in local] + [("regional", i) for i in regional]
        chunks = paging.split(both)
        for number, chunk in enumerate(chunks, 1):
            title = term.name if number == 1 else f"{term.name}, page {number} of {len(chunks)}"
            outputs.append(
                Output(
                    path=f"areas/{paging.sibling_name(aid, number)}.md",
                    content=page_source(
                        title, f"Community activities and support in {term.name}", hide=["toc"]
                    ),
                    html=area_html(
                        term,
                        [i for kind, i in chunk if kind == "local"],
                        [i for kind, i in chunk if kind == "regional"],
                        ctx,
                        number,
                        len(chunks),
                        (len(local), len(regional)),
                    ),
                )
            )
    outputs.append(
        Output(
            path="index.md",
            content=page_source(
                "Home",
                f"Local groups and activities for health and wellbeing across {ctx.region}.",
                hide=["navigation", "toc"],
            ),
            html=home_html(published, ctx, by_category, by_area, len(regional)),
        )
    )
    outputs.append(
        Output(
            path="about.md",
            content=page_source(
                "About",
                f"About {settings.site_name}: privacy, data and how listings are checked.",
                hide=["toc"],
            ),
            html=about_html(ctx),
        )
    )
    return outputs
