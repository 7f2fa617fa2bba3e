"""The site's own pages: one per activity, the home page, category and area pages, About.

Each page is built here as finished HTML (the plugin skips Markdown for it), with f-strings
rather than a template engine: about a dozen small string joins per activity, so 10,000
pages cost well under a second. Provider text is escaped with markupsafe, descriptions go
through `text.markdown_to_html`, links are built only from `http(s)` addresses, and nothing
provider-written ever reaches a page's front matter unescaped (see `front_matter`).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections import defaultdict
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import yaml
from markupsafe import Markup, escape

from . import schedule, text
from .model import Entry
from .outputs import Output, rel
from .settings import Settings, Term, Vocabulary

__all__ = ["front_matter", "generate", "page_source"]

ACTIVITY_DEPTH_PAGE = "activities/x.md"  # every activity, category and area page is 2 deep
LIST_PAGE = "categories/x.md"

COST = {"free": "Free", "paid": "Paid", "donation": "Donation welcome"}
BOOKING = {
    "drop-in": "Drop in: no need to book",
    "booking-required": "Booking required",
    "referral-only": "By referral only",
}
REFERRAL = {
    "self": "You can refer yourself",
    "professional": "A professional can refer you",
    "gp": "Your GP can refer you",
}
DELIVERY = {
    "in-person": "In person",
    "online": "Online",
    "telephone": "By phone",
    "home-visit": "Home visits",
}
DELIVERY_SCHEMA = {
    "in-person": "InPerson",
    "online": "Online",
    "telephone": "Telephone",
    "home-visit": "HomeVisit",
}
# ISO 639-1 names for the languages most often offered; anything else shows its code.
LANGUAGES = {
    "en": "English", "cy": "Welsh", "gd": "Scottish Gaelic", "ga": "Irish", "pl": "Polish",
    "ro": "Romanian", "lt": "Lithuanian", "lv": "Latvian", "bg": "Bulgarian", "pt": "Portuguese",
    "es": "Spanish", "fr": "French", "de": "German", "it": "Italian", "ne": "Nepali",
    "pa": "Punjabi", "ur": "Urdu", "hi": "Hindi", "bn": "Bengali", "gu": "Gujarati",
    "ta": "Tamil", "ar": "Arabic", "fa": "Persian", "ps": "Pashto", "ku": "Kurdish",
    "tr": "Turkish", "so": "Somali", "ti": "Tigrinya", "am": "Amharic", "uk": "Ukrainian",
    "ru": "Russian", "zh": "Chinese", "yue": "Cantonese", "vi": "Vietnamese", "sq": "Albanian",
    "el": "Greek", "hu": "Hungarian", "cs": "Czech", "sk": "Slovak", "tl": "Tagalog",
    "sl": "Slovenian", "sign": "Sign language",
}
_SPACE = re.compile(r"[\s\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_URL = re.compile(r"^https?://[^\s\x00-\x1f\x7f<>\"'`\\]+$", re.IGNORECASE)


# --- front matter --------------------------------------------------------------------------

def _one_line(value: str) -> str:
    return _SPACE.sub(" ", value).strip()


def _safe_meta(value: Any) -> Any:
    """Strings HTML-escaped on one line; lists and mappings recursively; numbers as they are."""
    if isinstance(value, str):
        return str(escape(_one_line(value)))
    if isinstance(value, bool | int | float) or value is None:
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
    collapsed onto one line (nothing can end the block early) and HTML-escaped (quotes too)
    before `yaml.safe_dump` quotes it; the theme then shows the text exactly as written.
    Never pass these values through `striptags`, which would unescape them again.
    """
    title = _one_line(title)
    if not title:
        raise ValueError("a page needs a title")
    data: dict[str, Any] = {"title": title}
    if _one_line(description):
        data["description"] = description
    data.update(extra)
    body = yaml.safe_dump(
        _safe_meta(data), allow_unicode=True, sort_keys=False, default_flow_style=None,
        width=1_000_000,
    )
    return f"---\n{body}---\n"


def page_source(title: str, description: str = "", **extra: Any) -> str:
    """A generated page's Markdown source: safe front matter and a stub the plugin replaces."""
    return front_matter(title, description, **extra) + "\nGenerated page.\n"


# --- small helpers -------------------------------------------------------------------------

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


def _today() -> dt.date:
    """The build date; `SOURCE_DATE_EPOCH` pins it for reproducible builds and tests."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
    return dt.date.today()


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _age(entry: Entry) -> str:
    lo, hi = entry.age
    if lo is not None and hi is not None:
        return f"{lo} to {hi}"
    if lo is not None:
        return f"{lo} and over"
    if hi is not None:
        return f"Up to {hi}"
    return ""


def _when(entry: Entry) -> list[str]:
    return schedule.describe(entry)


def _absolute_site_url(settings: Settings) -> str:
    # `site_url` is not part of Settings yet; without it, pages cite their site path.
    url = getattr(settings, "site_url", "") or ""
    return url.rstrip("/") + "/" if url else ""


class _Context:
    """Everything built once per run and shared by every page: vocab links, icons, dates."""

    def __init__(self, published: list[Entry], settings: Settings,
                 coords: dict[str, tuple[float, float]]) -> None:
        self.settings = settings
        self.vocab: Vocabulary = settings.vocabulary()
        self.coords = coords
        self.today = _today()
        self.repo = safe_url(settings.repo_url) or ""
        self.site_url = _absolute_site_url(settings)
        self.region = settings.region.name
        up = rel(ACTIVITY_DEPTH_PAGE, "")
        self.up = up
        self.category_links = {
            cid: Markup('<a href="{}categories/{}/">{}</a>').format(up, cid, term.name)
            for cid, term in self.vocab.categories.items()
        }
        self.audience_links = {
            aid: Markup('<a href="{}find/?audience={}">{}</a>').format(
                up, quote(aid, safe=""), term.name)
            for aid, term in self.vocab.audiences.items()
        }
        self.area_links = {
            aid: Markup('<a href="{}areas/{}/">{}</a>').format(up, aid, term.name)
            for aid, term in self.vocab.areas.items()
        }
        self.access_items = {
            aid: Markup("<li>{}<span>{}</span></li>").format(_icon(term), term.name)
            for aid, term in self.vocab.accessibility.items()
        }
        self.category_icons = {cid: _icon(term) for cid, term in self.vocab.categories.items()}


def _icon(term: Term) -> Markup:
    if not term.icon:
        return Markup("")
    try:
        return text.icon(term.icon)
    except KeyError:
        return Markup("")


# --- activity page -------------------------------------------------------------------------

def _where(entry: Entry, ctx: _Context, page: str) -> Markup:
    parts: list[Markup] = []
    loc = entry.location
    if loc is not None and entry.in_person:
        lines = [v for v in (loc.venue, loc.address, loc.town, loc.postcode) if v]
        parts.append(Markup("<address>{}</address>").format(
            Markup("<br>").join(escape(v) for v in lines)))
        position = ctx.coords.get(entry.id)
        if position is not None:
            lat, lon = position
            links = [
                Markup('<a href="{}map/#activity={}">{}View on map</a>').format(
                    rel(page, ""), quote(entry.id, safe=""),
                    text.icon("map-marker-outline")),
                Markup('<a href="https://www.openstreetmap.org/directions?to={:.5f},{:.5f}" '
                       'rel="nofollow">{}Directions (OpenStreetMap)</a>').format(
                    lat, lon, text.icon("directions")),
            ]
            parts.append(Markup('<p class="cm-links">{}</p>').format(Markup(" ").join(links)))
    areas = entry.areas
    if "all" in areas:
        parts.append(Markup("<p>Serves the whole of {}</p>").format(ctx.region))
    else:
        links = [ctx.area_links[a] for a in areas if a in ctx.area_links]
        if links:
            parts.append(Markup("<p>Serves {}</p>").format(Markup(", ").join(links)))
    return Markup("").join(parts)


def _cost(entry: Entry) -> Markup:
    label = COST.get(entry.cost, "")
    note = entry.cost_note
    if label and note:
        return Markup("{}: {}").format(label, note)
    return escape(label or note)


def _join_how(entry: Entry) -> Markup:
    items = [escape(BOOKING[entry.booking])] if entry.booking in BOOKING else []
    items += [escape(REFERRAL[r]) for r in entry.referral if r in REFERRAL]
    if not items:
        return Markup("")
    if len(items) == 1:
        return items[0]
    return Markup('<ul class="cm-plain">{}</ul>').format(
        Markup("").join(Markup("<li>{}</li>").format(i) for i in items))


def _contact(entry: Entry) -> Markup:
    con = entry.contact
    rows: list[Markup] = []
    phone = con.get("phone", "")
    if phone and _tel(phone).lstrip("+"):
        rows.append(Markup('<li>{}<span>Phone: <a href="tel:{}">{}</a></span></li>').format(
            text.icon("phone"), _tel(phone), phone))
    email = con.get("email", "").strip()
    if email:
        rows.append(Markup('<li>{}<span>Email: <a href="mailto:{}">{}</a></span></li>').format(
            text.icon("email-outline"), quote(email, safe="@.+-_"), email))
    web = safe_url(con.get("website", ""))
    if web:
        rows.append(Markup(
            '<li>{}<span>Website: <a href="{}" rel="nofollow ugc">{}</a></span></li>').format(
            text.icon("web"), web, _display_url(web)))
    if not rows:
        return Markup("")
    return Markup('<h2>Contact</h2><ul class="cm-iconlist">{}</ul>').format(Markup("").join(rows))


def _organisation(entry: Entry) -> Markup:
    org = entry.organisation
    name = org.get("name", "")
    if not name:
        return Markup("")
    web = safe_url(org.get("website", ""))
    shown = (Markup('<a href="{}" rel="nofollow ugc">{}</a>').format(web, name) if web
             else escape(name))
    out = Markup("<h2>Run by</h2><p>{}").format(shown)
    if org.get("charity_number"):
        out += Markup("<br>Registered charity {}").format(org["charity_number"])
    return out + Markup("</p>")


def _report_links(entry: Entry, ctx: _Context, page_path: str) -> Markup:
    if not ctx.repo:
        return Markup("")
    page_url = (ctx.site_url + page_path) if ctx.site_url else page_path
    query = urlencode(
        {
            "title": f"Problem with listing: {entry.name} ({entry.id})",
            "body": (f"Listing: {entry.name}\nID: {entry.id}\nPage: {page_url}\n"
                     f"File: {entry.path}\n\nWhat is wrong or out of date?\n"),
            "labels": "listing-problem",
        },
        quote_via=quote,
    )
    report = f"{ctx.repo}/issues/new?{query}"
    edit = f"{ctx.repo}/edit/{quote(ctx.settings.edit_branch)}/{quote(entry.path)}"
    return Markup(
        '<p class="cm-links"><a href="{}" rel="nofollow">{}Report a problem</a> '
        '<a href="{}" rel="nofollow">{}Update this listing</a></p>').format(
        report, text.icon("flag-outline"), edit, text.icon("pencil-outline"))


def _json_ld(entry: Entry, ctx: _Context, page_path: str) -> Markup:
    """schema.org `Service` data, embedded so `</script>` in any value stays inert."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Service",
        "name": entry.name,
        "description": entry.summary,
        "serviceType": [ctx.vocab.categories[c].name for c in entry.categories
                        if c in ctx.vocab.categories],
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
        data["areaServed"] = [{"@type": "AdministrativeArea", "name": ctx.vocab.areas[a].name}
                              for a in entry.areas if a in ctx.vocab.areas]
    audiences = [ctx.vocab.audiences[a].name for a in entry.audiences
                 if a in ctx.vocab.audiences]
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
                "addressCountry": ctx.settings.region.country.upper(),
            },
        }
        if loc.venue:
            place["name"] = loc.venue
        if entry.id in ctx.coords:
            lat, lon = ctx.coords[entry.id]
            place["geo"] = {"@type": "GeoCoordinates", "latitude": lat, "longitude": lon}
        channel["serviceLocation"] = place
    data["availableChannel"] = channel
    return Markup('<script type="application/ld+json">{}</script>').format(
        Markup(text.json_for_html(data)))


def _fact(label: str, value: Markup | str) -> Markup:
    if not value:
        return Markup("")
    return Markup("<div><dt>{}</dt><dd>{}</dd></div>").format(label, value)


def activity_html(entry: Entry, ctx: _Context) -> str:
    """The body of `activities/<id>/`: everything a person needs to decide and to go."""
    page = f"activities/{entry.id}.md"
    page_path = f"activities/{entry.id}/"
    e = escape
    notices: list[Markup] = []
    if entry.status == "paused":
        notices.append(Markup(
            '<div class="admonition warning cm-notice" role="note">'
            '<p class="admonition-title">Paused</p>'
            "<p>This activity is paused at the moment. Contact the organiser to find out "
            "when it starts again.</p></div>"))
    reviewed = entry.last_reviewed
    stale = reviewed is not None and (ctx.today - reviewed).days > ctx.settings.stale_after_days
    if stale:
        days = ctx.settings.stale_after_days
        span = "a year" if days in (365, 366) else _plural(days, "day")
        notices.append(Markup(
            '<div class="admonition warning cm-notice" role="note">'
            '<p class="admonition-title">Not checked recently</p>'
            "<p>This listing has not been checked for over {}; contact the organiser before "
            "going.</p></div>").format(span))

    when = _when(entry)
    when_html = (Markup("<br>").join(e(line) for line in when) if when
                 else Markup("Contact the organiser for times"))
    languages = [LANGUAGES.get(code, code.upper()) for code in entry.languages]
    facts = Markup("").join((
        _fact("When", when_html),
        _fact("Where", _where(entry, ctx, page)),
        _fact("Cost", _cost(entry)),
        _fact("How to join", _join_how(entry)),
        _fact("How it runs", ", ".join(DELIVERY[d] for d in entry.delivery if d in DELIVERY)),
        _fact("Who it is for", Markup(", ").join(
            ctx.audience_links[a] for a in entry.audiences if a in ctx.audience_links)),
        _fact("Age", _age(entry)),
        _fact("Languages", ", ".join(languages) if languages != ["English"] else ""),
        _fact("Categories", Markup(", ").join(
            ctx.category_links[c] for c in entry.categories if c in ctx.category_links)),
    ))
    description = (Markup('<h2>About this activity</h2><div class="cm-description">{}</div>')
                   .format(Markup(text.markdown_to_html(entry.description)))
                   if entry.description.strip() else Markup(""))
    access = [ctx.access_items[a] for a in entry.accessibility if a in ctx.access_items]
    access_html = (Markup('<h2>Accessibility</h2><ul class="cm-iconlist">{}</ul>')
                   .format(Markup("").join(access)) if access else Markup(""))
    filters = Markup("").join(
        Markup('<span hidden data-pagefind-filter="category:{}"></span>').format(c)
        for c in entry.categories)
    filters += Markup("").join(
        Markup('<span hidden data-pagefind-filter="area:{}"></span>').format(a)
        for a in entry.areas)
    checked = (Markup("Last checked on {}").format(text.long_date(reviewed)) if reviewed
               else Markup("Not yet checked"))
    body = Markup(
        '<div class="cm-activity" data-pagefind-body>'
        '<h1 id="cm-title" data-pagefind-meta="title">{name}</h1>'
        '<span hidden data-pagefind-meta="id:{id}"></span>{filters}'
        "{notices}"
        '<p class="cm-lead">{summary}</p>'
        '<p data-pagefind-ignore><button type="button" class="cm-shortlist-btn md-button" '
        'data-shortlist-id="{id}" aria-pressed="false" hidden>Add to shortlist</button></p>'
        '<dl class="cm-facts">{facts}</dl>'
        "{description}{access}{contact}{org}"
        '<div class="cm-checked" data-pagefind-ignore><p>{checked}</p>{report}</div>'
        "</div>{ld}"
    ).format(
        name=entry.name, id=entry.id, filters=filters, notices=Markup("").join(notices),
        summary=entry.summary, facts=facts, description=description, access=access_html,
        contact=_contact(entry), org=_organisation(entry), checked=checked,
        report=_report_links(entry, ctx, page_path), ld=_json_ld(entry, ctx, page_path),
    )
    return str(body)


# --- lists ---------------------------------------------------------------------------------

def _list_item(entry: Entry, ctx: _Context) -> Markup:
    """One activity in a category or area list (both pages are two folders deep)."""
    if "all" in entry.areas:
        where = f"Across {ctx.region}"
    else:
        where = ", ".join(ctx.vocab.areas[a].name for a in entry.areas if a in ctx.vocab.areas)
    loc = entry.location
    if loc is not None and entry.in_person and loc.town:
        where = f"{loc.town} ({where})" if where and where != loc.town else loc.town
    when = "; ".join(_when(entry))
    meta = [Markup('<span class="cm-tag">Paused</span>')] if entry.status == "paused" else []
    meta += [escape(part) for part in (where, when) if part]
    return Markup(
        '<li><a href="{up}activities/{id}/">{name}</a><p>{summary}</p>'
        '<p class="cm-meta">{meta}</p></li>').format(
        up=ctx.up, id=entry.id, name=entry.name, summary=entry.summary,
        meta=Markup(" · ").join(meta))


def _list(items: Iterable[Markup]) -> Markup:
    joined = Markup("").join(items)
    if not joined:
        return Markup("<p>No activities are listed here yet.</p>")
    return Markup('<ul class="cm-list">{}</ul>').format(joined)


def category_html(term: Term, entries: list[Markup], ctx: _Context) -> str:
    page = f"categories/{term.id}.md"
    return str(Markup(
        "<h1>{icon}{name}</h1><p class=\"cm-lead\">{description}</p>"
        '<p>{count}. <a href="{finder}">Filter these in the finder</a> '
        '(by day, area, cost and more) or <a href="{map}">see the map</a>.</p>{items}'
    ).format(
        icon=ctx.category_icons.get(term.id, ""), name=term.name, description=term.description,
        count=_plural(len(entries), "activity", "activities"),
        finder=rel(page, f"find/?category={quote(term.id, safe='')}"),
        map=rel(page, "map/"), items=_list(entries),
    ))


def area_html(term: Term, local: list[Markup], regional: list[Markup], ctx: _Context) -> str:
    page = f"areas/{term.id}.md"
    out = Markup(
        "<h1>{name}</h1><p class=\"cm-lead\">Community activities and support in {name}"
        "{town}.</p>"
        '<p><a href="{finder}">Filter these in the finder</a> (by day, category, cost and '
        'more) or <a href="{map}">see the map</a>.</p>'
        "<h2>In {name} ({count})</h2>{items}"
    ).format(
        name=term.name,
        town=Markup(", around {}").format(term.town) if term.town and term.town != term.name
        else "",
        finder=rel(page, f"find/?area={quote(term.id, safe='')}"),
        map=rel(page, "map/"), count=len(local), items=_list(local),
    )
    if regional:
        out += Markup(
            "<h2>Across the region ({count})</h2><p>These cover the whole of {region}, "
            "{name} included.</p>{items}").format(
            count=len(regional), region=ctx.region, name=term.name, items=_list(regional))
    return str(out)


def home_html(published: list[Entry], ctx: _Context,
              by_category: dict[str, list[Markup]], by_area: dict[str, list[Markup]],
              regional: int) -> str:
    tiles = Markup("").join(
        Markup('<li><a href="categories/{id}/">{icon}<span class="cm-tile__name">{name}'
               '</span><span class="cm-tile__count">{count}</span></a></li>').format(
            id=cid, icon=ctx.category_icons.get(cid, ""), name=term.name,
            count=_plural(len(by_category.get(cid, [])), "activity", "activities"))
        for cid, term in ctx.vocab.categories.items())
    areas = Markup("").join(
        Markup('<li><a href="areas/{id}/">{name}</a> <span class="cm-count">({count})</span>'
               "</li>").format(id=aid, name=term.name, count=len(by_area.get(aid, [])))
        for aid, term in ctx.vocab.areas.items())
    regional_note = (Markup("<p>{} across the whole of {} appear on every area page.</p>")
                     .format(_plural(regional, "service"), ctx.region) if regional else "")
    return str(Markup(
        '<h1>Find local activities and support in {region}</h1>'
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
        region=ctx.region, count=_plural(len(published), "activity", "activities"),
        find=text.icon("filter-variant"), map=text.icon("map-outline"),
        star=text.icon("star-outline"), tiles=tiles, areas=areas, regional=regional_note,
    ))


def _host(url: str) -> str:
    return urlsplit(url.replace("{", "").replace("}", "")).netloc or url


def about_html(ctx: _Context) -> str:
    s = ctx.settings
    repo = ctx.repo
    tiles = _host(s.tiles.url)
    postcodes = _host(s.postcode_lookup_url)
    years = "a year" if s.stale_after_days in (365, 366) else _plural(s.stale_after_days, "day")
    repo_bits = (
        Markup('<p>The listings, the code and every change are public on '
               '<a href="{repo}">GitHub</a>. To report something wrong with a listing, use '
               '"Report a problem" at the bottom of its page, or '
               '<a href="{repo}/issues/new?labels=listing-problem">open an issue</a>.</p>'
               ).format(repo=repo)
        if repo else Markup(""))
    return str(Markup(
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
    ).format(site=s.site_name, region=ctx.region, years=years, repo_bits=repo_bits,
             postcodes=postcodes, tiles=tiles))


# --- the generator -------------------------------------------------------------------------

def generate(published: list[Entry], settings: Settings,
             coords: dict[str, tuple[float, float]]) -> list[Output]:
    """Activity, home, category, area and About pages for the published entries."""
    bad = [e.path for e in published if not _ID.match(e.id)]
    if bad:  # validation refuses these; an id becomes a path and a URL, so never guess
        raise ValueError(f"entries with ids that cannot be page names: {', '.join(bad)}")
    ctx = _Context(published, settings, coords)
    outputs: list[Output] = []
    by_category: dict[str, list[Markup]] = defaultdict(list)
    by_area: dict[str, list[Markup]] = defaultdict(list)
    regional: list[Markup] = []
    for entry in published:
        path = f"activities/{entry.id}.md"
        outputs.append(Output(
            path=path,
            content=page_source(entry.name, entry.summary, hide=["toc"]),
            html=activity_html(entry, ctx),
        ))
        item = _list_item(entry, ctx)
        for cid in entry.categories:
            by_category[cid].append(item)
        if "all" in entry.areas:
            regional.append(item)
        else:
            for aid in entry.areas:
                by_area[aid].append(item)

    for cid, term in ctx.vocab.categories.items():
        outputs.append(Output(
            path=f"categories/{cid}.md",
            content=page_source(term.name, term.description or f"{term.name} in {ctx.region}",
                                hide=["toc"]),
            html=category_html(term, by_category.get(cid, []), ctx),
        ))
    for aid, term in ctx.vocab.areas.items():
        outputs.append(Output(
            path=f"areas/{aid}.md",
            content=page_source(term.name, f"Community activities and support in {term.name}",
                                hide=["toc"]),
            html=area_html(term, by_area.get(aid, []), regional, ctx),
        ))
    outputs.append(Output(
        path="index.md",
        content=page_source("Home", settings.region.name and
                            f"Local groups and activities for health and wellbeing across "
                            f"{ctx.region}.", hide=["navigation", "toc"]),
        html=home_html(published, ctx, by_category, by_area, len(regional)),
    ))
    outputs.append(Output(
        path="about.md",
        content=page_source("About", f"About {settings.site_name}: privacy, data and "
                            "how listings are checked.", hide=["toc"]),
        html=about_html(ctx),
    ))
    return outputs
