"""Open Referral UK (HSDS 3.0, UK profile): every published listing as a `service`.

Pure mapping from `Entry` objects to the profile's documents, plus the build step that
writes them as static files under `data/openreferral/` (the same documents the read-only
API in `api.py` serves). Every identifier is a uuid5 under the directory's namespace
(`openreferral: namespace:` in mkdocs.yml), derived from the entry id and the part's role,
so the ids are the same across rebuilds and on every host. Optional fields with no value are
left out rather than sent as null.

Our controlled lists are published as taxonomies (categories, audiences, how it runs,
booking and referral), each term with a stable id; a service links its terms through HSDS
`attributes` (each carrying its `taxonomy_term`).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from typing import Any

from build_tools.entries import schedule as schedule_words
from build_tools.entries.model import Entry, Session
from build_tools.outputs import Output
from build_tools.settings import Settings, Term

FOLDER = "data/openreferral"
HSDS_VERSION = "3.0"
PROFILE_URL = "https://github.com/OpenReferralUK/uk-profile"
OPENAPI_URL = "https://raw.githubusercontent.com/OpenReferralUK/uk-profile/main/schema/openapi.json"

STATUS = {"active": "active", "paused": "temporarily closed", "closed": "defunct"}
DAY_CODES = {
    "mon": "MO",
    "tue": "TU",
    "wed": "WE",
    "thu": "TH",
    "fri": "FR",
    "sat": "SA",
    "sun": "SU",
}
ATTENDING = {
    "in-person": "in person",
    "online": "online",
    "telephone": "by phone",
    "home-visit": "home visits",
}
COST_OPTION = {"free": "Free", "paid": "Paid", "donation": "Donation welcome"}

# Lists that are not in schema/*.yml but are part of every entry: published as taxonomies so
# a service carries every choice the entry makes.
FIXED_LISTS: dict[str, dict[str, tuple[str, str]]] = {
    "delivery": {
        "in-person": ("In person", "Meets at a venue."),
        "online": ("Online", "Takes part online, by video or web."),
        "telephone": ("By phone", "Takes place on the telephone."),
        "home-visit": ("Home visits", "Someone comes to the person's home."),
    },
    "booking": {
        "drop-in": ("Drop in", "No need to book: just come along."),
        "booking-required": ("Booking required", "Book a place before going."),
        "referral-only": ("By referral only", "Needs a referral before joining."),
    },
    "referral": {
        "self": ("Self-referral", "People can refer themselves."),
        "professional": ("Professional referral", "A professional can refer someone."),
        "gp": ("GP referral", "A GP can refer someone."),
    },
}
TAXONOMY_TITLES = {
    "categories": ("Activity categories", "What kind of activity or support it is."),
    "audiences": ("Audiences", "Who an activity is for."),
    "delivery": ("How it runs", "In person, online, by phone or at home."),
    "booking": ("How to join", "Drop in, book first, or by referral only."),
    "referral": ("Who can refer", "Who can refer someone to the activity."),
}
TAXONOMY_ORDER = tuple(TAXONOMY_TITLES)


class Ids:
    """uuid5 identifiers under the directory's namespace: one place decides every id."""

    def __init__(self, namespace: str) -> None:
        self.namespace = uuid.UUID(namespace)

    def __call__(self, *parts: str | int) -> str:
        return str(uuid.uuid5(self.namespace, "/".join(str(p) for p in parts)))

    def service(self, entry_id: str) -> str:
        return self("service", entry_id)

    def taxonomy(self, name: str) -> str:
        return self("taxonomy", name)

    def term(self, taxonomy: str, term: str) -> str:
        return self("taxonomy_term", taxonomy, term)

    def organization(self, name: str) -> str:
        return self("organization", " ".join(name.casefold().split()))


def _clean(value: Any) -> Any:
    """Leave out what has no value (None, "", [] and {}), at every depth."""
    if isinstance(value, dict):
        out = {k: _clean(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v not in (None, "", [], {})}
    if isinstance(value, list):
        return [_clean(v) for v in value if v not in (None, "", [], {})]
    return value


# --- the taxonomy ------------------------------------------------------------------------------


def taxonomy_terms(settings: Settings) -> dict[str, dict[str, Term]]:
    """Every published list, by taxonomy name, in a fixed order."""
    vocab = settings.vocabulary()
    lists: dict[str, dict[str, Term]] = {
        "categories": vocab.categories,
        "audiences": vocab.audiences,
    }
    for name, terms in FIXED_LISTS.items():
        lists[name] = {k: Term(id=k, name=n, description=d) for k, (n, d) in terms.items()}
    return lists


def taxonomy_uri(settings: Settings, name: str) -> str:
    return f"{settings.site_url}{FOLDER}/taxonomies/{name}.json" if settings.site_url else ""


def term_document(settings: Settings, ids: Ids, taxonomy: str, term: Term) -> dict[str, Any]:
    return _clean(
        {
            "id": ids.term(taxonomy, term.id),
            "name": term.name,
            "description": term.description or term.name,
            "taxonomy": taxonomy,
            "taxonomy_id": ids.taxonomy(taxonomy),
            "term": term.id,
            "term_uri": f"{taxonomy_uri(settings, taxonomy)}#{term.id}"
            if settings.site_url
            else "",
        }
    )


def taxonomies(settings: Settings) -> list[dict[str, Any]]:
    """The published taxonomies, each with its terms."""
    ids = Ids(settings.openreferral_namespace)
    out = []
    for name, terms in taxonomy_terms(settings).items():
        title, description = TAXONOMY_TITLES[name]
        out.append(
            _clean(
                {
                    "id": ids.taxonomy(name),
                    "name": title,
                    "description": f"{description} ({settings.site_name})",
                    "uri": taxonomy_uri(settings, name),
                    "version": "1",
                    "taxonomy_terms": [
                        term_document(settings, ids, name, t) for t in terms.values()
                    ],
                }
            )
        )
    return out


# --- one entry -------------------------------------------------------------------------------


def _time(hhmm: str) -> str:
    return f"{hhmm}:00" if len(hhmm) == 5 else hhmm


def first_date(session: Session, entry: Entry) -> Any:
    """The first session on or after `starts_on` (or, without it, `last_reviewed`): a
    deterministic DTSTART for schedules and calendars."""
    anchor = session.starts_on or entry.last_reviewed
    if anchor is None:
        return None
    return schedule_words.next_date(session, anchor)


def byday(session: Session) -> str:
    codes = [DAY_CODES[d] for d in session.days]
    if session.frequency == "monthly":
        weeks = sorted(session.weeks_of_month, key=lambda w: (w == -1, w))
        return ",".join(f"{w}{c}" for w in weeks for c in codes)
    return ",".join(codes)


def schedule_document(
    entry: Entry, session: Session, index: int, ids: Ids, service_id: str
) -> dict[str, Any]:
    start = first_date(session, entry)
    attending = [ATTENDING[d] for d in entry.delivery if d in ATTENDING]
    return _clean(
        {
            "id": ids("schedule", entry.id, index),
            "service_id": service_id,
            "valid_from": session.starts_on.isoformat() if session.starts_on else "",
            "valid_to": session.ends_on.isoformat() if session.ends_on else "",
            "dtstart": start.isoformat() if start else "",
            "freq": "MONTHLY" if session.frequency == "monthly" else "WEEKLY",
            "interval": 2 if session.frequency == "fortnightly" else 1,
            "byday": byday(session),
            "description": schedule_words.describe_session(session),
            "opens_at": _time(session.start),
            "closes_at": _time(session.end),
            "attending_type": schedule_words.join_words(attending),
            "notes": entry.schedule_note,
        }
    )


def _note_only(entry: Entry, ids: Ids, service_id: str) -> list[dict[str, Any]]:
    """No regular sessions but a note ("by appointment"): a schedule of words alone."""
    if not entry.schedule_note:
        return []
    return [
        {
            "id": ids("schedule", entry.id, "note"),
            "service_id": service_id,
            "description": entry.schedule_note,
            "notes": entry.schedule_note,
        }
    ]


def _attributes(entry: Entry, settings: Settings, ids: Ids, service_id: str) -> list[dict]:
    lists = taxonomy_terms(settings)
    chosen = {
        "categories": entry.categories,
        "audiences": entry.audiences,
        "delivery": entry.delivery,
        "booking": (entry.booking,) if entry.booking else (),
        "referral": entry.referral,
    }
    out = []
    for taxonomy in TAXONOMY_ORDER:
        for value in chosen[taxonomy]:
            term = lists[taxonomy].get(value)
            if term is None:
                continue
            term_doc = term_document(settings, ids, taxonomy, term)
            out.append(
                {
                    "id": ids("attribute", entry.id, taxonomy, value),
                    "link_id": service_id,
                    "link_type": taxonomy,
                    "link_entity": "service",
                    "taxonomy_term_id": term_doc["id"],
                    "taxonomy_term": term_doc,
                }
            )
    return out


def organization_document(entry: Entry, settings: Settings, ids: Ids) -> dict[str, Any]:
    org = entry.organisation
    name = org.get("name", "")
    org_id = ids.organization(name)
    identifiers = []
    if org.get("charity_number"):
        identifiers.append(
            {
                "id": ids("organization_identifier", org_id, "GB-CHC"),
                "organization_id": org_id,
                "identifier_scheme": "GB-CHC",
                "identifier_type": "Registered charity number",
                "identifier": org["charity_number"],
            }
        )
    return _clean(
        {
            "id": org_id,
            "name": name,
            "description": f"{name} runs activities listed in {settings.site_name}.",
            "website": org.get("website", ""),
            "organization_identifiers": identifiers,
        }
    )


def location_document(
    entry: Entry, settings: Settings, ids: Ids, coords: dict[str, tuple[float, float]]
) -> dict[str, Any] | None:
    loc = entry.location
    if loc is None or not entry.in_person:
        return None
    location_id = ids("location", entry.id)
    position = coords.get(entry.id)
    vocab = settings.vocabulary()
    access = [
        {
            "id": ids("accessibility", entry.id, value),
            "location_id": location_id,
            "description": vocab.accessibility[value].name,
            "details": vocab.accessibility[value].description,
            "accessibility": value,
        }
        for value in entry.accessibility
        if value in vocab.accessibility
    ]
    return _clean(
        {
            "id": location_id,
            "location_type": "physical",
            "name": loc.venue or loc.address,
            "latitude": round(position[0], 6) if position else None,
            "longitude": round(position[1], 6) if position else None,
            "addresses": [
                {
                    "id": ids("address", entry.id),
                    "location_id": location_id,
                    "address_1": loc.address,
                    "city": loc.town,
                    "state_province": settings.region.name,
                    "postal_code": loc.postcode,
                    "country": settings.region.country.upper(),
                    "address_type": "physical",
                }
            ],
            "accessibility": access,
        }
    )


def service_document(
    entry: Entry, settings: Settings, coords: dict[str, tuple[float, float]]
) -> dict[str, Any]:
    """One entry as a full HSDS 3.0 UK `service`, with its organisation, location, contacts,
    schedules, costs, areas, languages and taxonomy terms."""
    ids = Ids(settings.openreferral_namespace)
    service_id = ids.service(entry.id)
    vocab = settings.vocabulary()
    organization = organization_document(entry, settings, ids)
    location = location_document(entry, settings, ids, coords)
    contact = entry.contact
    lo, hi = entry.age
    reviewed = entry.last_reviewed
    description = entry.summary
    if entry.description.strip():
        description = f"{entry.summary}\n\n{entry.description.strip()}"
    if "all" in entry.areas:
        areas = [("all", settings.region.name)]
    else:
        areas = [(a, vocab.areas[a].name) for a in entry.areas if a in vocab.areas]
    phones = (
        [
            {
                "id": ids("phone", entry.id),
                "number": contact["phone"],
                "description": "Telephone",
            }
        ]
        if contact.get("phone")
        else []
    )
    return _clean(
        {
            "id": service_id,
            "organization_id": organization["id"],
            "name": entry.name,
            "description": description,
            "url": contact.get("website", ""),
            "email": contact.get("email", ""),
            "status": STATUS.get(entry.status, "active"),
            "minimum_age": lo,
            "maximum_age": hi,
            "assured_date": reviewed.isoformat() if reviewed else "",
            "last_modified": f"{reviewed.isoformat()}T00:00:00Z" if reviewed else "",
            "alert": "This activity is paused at the moment." if entry.status == "paused" else "",
            "schedules": [
                schedule_document(entry, s, i, ids, service_id)
                for i, s in enumerate(entry.schedule)
            ]
            or _note_only(entry, ids, service_id),
            "service_areas": [
                {
                    "id": ids("service_area", entry.id, area),
                    "service_id": service_id,
                    "name": name,
                    "service_area": area,
                }
                for area, name in areas
            ],
            "service_at_locations": [
                {
                    "id": ids("service_at_location", entry.id),
                    "service_id": service_id,
                    "location_id": location["id"],
                    "location": location,
                }
            ]
            if location
            else [],
            "languages": [
                {
                    "id": ids("language", entry.id, code),
                    "service_id": service_id,
                    "name": language_names().get(code, code),
                    "code": code,
                }
                for code in entry.languages
            ],
            "organization": organization,
            "cost_options": [
                {
                    "id": ids("cost_option", entry.id),
                    "service_id": service_id,
                    "option": COST_OPTION.get(entry.cost, entry.cost),
                    "amount": 0 if entry.cost == "free" else None,
                    "amount_description": entry.cost_note,
                }
            ]
            if entry.cost
            else [],
            "contacts": [
                {
                    "id": ids("contact", entry.id),
                    "service_id": service_id,
                    "name": organization["name"],
                    "email": contact.get("email", ""),
                    "phones": phones,
                }
            ],
            "phones": phones,
            "attributes": _attributes(entry, settings, ids, service_id),
        }
    )


# --- the collections ---------------------------------------------------------------------------


def page(items: list[Any], number: int = 1, size: int | None = None) -> dict[str, Any]:
    """An HSDS `Page`: `size` items from page `number` (1-based); all on one page by default."""
    per = size if size is not None else max(len(items), 1)
    total_pages = max(1, -(-len(items) // per))
    contents = items[(number - 1) * per : number * per]
    return {
        "total_items": len(items),
        "total_pages": total_pages,
        "page_number": number,
        "size": len(contents),
        "first_page": number == 1,
        "last_page": number >= total_pages,
        "empty": not contents,
        "contents": contents,
    }


def documents(
    entries: Iterable[Entry], settings: Settings, coords: dict[str, tuple[float, float]]
) -> dict[str, list[dict[str, Any]]]:
    """Every collection the API serves, each in a stable order (by id)."""
    services = sorted(
        (service_document(e, settings, coords) for e in entries if e.published),
        key=lambda s: s["id"],
    )
    organizations: dict[str, dict[str, Any]] = {}
    for service in services:
        org = organizations.setdefault(
            service["organization"]["id"], {**service["organization"], "services": []}
        )
        org["services"].append(_list_service(service))
    for org in organizations.values():
        org["services"].sort(key=lambda s: s["id"])
    service_at_locations = []
    for service in services:
        for sal in service.get("service_at_locations", []):
            service_at_locations.append({**sal, "service": _list_service(service)})
    service_at_locations.sort(key=lambda s: s["id"])
    taxa = taxonomies(settings)
    terms = sorted((t for tax in taxa for t in tax["taxonomy_terms"]), key=lambda t: t["id"])
    return {
        "services": services,
        "organizations": sorted(organizations.values(), key=lambda o: o["id"]),
        "service_at_locations": service_at_locations,
        "taxonomies": sorted(taxa, key=lambda t: t["id"]),
        "taxonomy_terms": terms,
    }


def _list_service(service: dict[str, Any]) -> dict[str, Any]:
    """A service as the profile's lists show it: its own fields and its organisation."""
    nested = {
        "schedules",
        "service_areas",
        "service_at_locations",
        "languages",
        "funding",
        "cost_options",
        "contacts",
        "phones",
        "attributes",
    }
    return {k: v for k, v in service.items() if k not in nested}


def api_details(settings: Settings) -> dict[str, Any]:
    return {"version": HSDS_VERSION, "profile": PROFILE_URL, "openapi_url": OPENAPI_URL}


def dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=False, separators=(",", ":"))


def generate(
    entries: list[Entry], settings: Settings, coords: dict[str, tuple[float, float]]
) -> list[Output]:
    """The static copy of the API: `index.json`, one page per collection, and one file per
    item (`services/<id>.json`...), so a plain static host serves what the API would."""
    docs = documents(entries, settings, coords)
    outputs = [Output(f"{FOLDER}/index.json", dump(api_details(settings)))]
    for name, items in docs.items():
        outputs.append(Output(f"{FOLDER}/{name}.json", dump(page(items))))
        for item in items:
            outputs.append(Output(f"{FOLDER}/{name}/{item['id']}.json", dump(item)))
    names = taxonomy_terms(settings)
    for name, taxonomy in zip(names, taxonomies(settings), strict=True):  # for term_uri links
        outputs.append(Output(f"{FOLDER}/taxonomies/{name}.json", dump(taxonomy)))
    return outputs


def language_names() -> dict[str, str]:
    """The language names the activity pages use (imported late: pages imports this module
    through the calendars)."""
    from build_tools.site.pages import LANGUAGES

    return LANGUAGES
