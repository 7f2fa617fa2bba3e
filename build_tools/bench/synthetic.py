"""Synthetic, valid entries for the benchmark: realistic text, spread over the region.

Why synthetic: the benchmark must show how the build scales to 10,000 activities long before
there are that many. The entries look like real ones (about 2.4 KB of YAML, 250 words each,
names, summaries, Markdown descriptions, schedules, costs, accessibility), use every part of
the format the build reads, and lie near the areas' town centres from `schema/areas.yml`.
About 5% are in person without coordinates but with their address in a generated geocode
cache (so the "geocode from cache" phase does real work), about 10% are online only, and a
few are paused or closed. The same seed gives the same files.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from build_tools.settings import Settings, Term
from build_tools.settings import today as settings_today

# --- word lists ---------------------------------------------------------------------------

# Kent and Medway places by area; another region falls back to each area's town.
PLACES: dict[str, list[str]] = {
    "maidstone": [
        "Maidstone",
        "Allington",
        "Bearsted",
        "Shepway",
        "Park Wood",
        "Headcorn",
        "Marden",
        "Staplehurst",
        "Lenham",
        "Coxheath",
    ],
    "ashford": [
        "Ashford",
        "Kennington",
        "Willesborough",
        "Stanhope",
        "Tenterden",
        "Wye",
        "Charing",
        "Hamstreet",
    ],
    "canterbury": [
        "Canterbury",
        "Whitstable",
        "Herne Bay",
        "Sturry",
        "Wincheap",
        "Thanington",
        "Hersden",
        "Chartham",
    ],
    "dartford": [
        "Dartford",
        "Swanscombe",
        "Greenhithe",
        "Stone",
        "Temple Hill",
        "Wilmington",
        "Sutton-at-Hone",
    ],
    "dover": ["Dover", "Deal", "Sandwich", "Aylesham", "Walmer", "River", "Whitfield"],
    "folkestone-and-hythe": [
        "Folkestone",
        "Hythe",
        "New Romney",
        "Lydd",
        "Cheriton",
        "Sandgate",
        "Hawkinge",
    ],
    "gravesham": ["Gravesend", "Northfleet", "Istead Rise", "Meopham", "Higham", "Riverview Park"],
    "medway": [
        "Chatham",
        "Rochester",
        "Gillingham",
        "Strood",
        "Rainham",
        "Walderslade",
        "Hoo",
        "Lordswood",
    ],
    "sevenoaks": [
        "Sevenoaks",
        "Swanley",
        "Edenbridge",
        "Westerham",
        "Otford",
        "Kemsing",
        "New Ash Green",
    ],
    "swale": [
        "Sittingbourne",
        "Faversham",
        "Sheerness",
        "Minster",
        "Milton Regis",
        "Teynham",
        "Queenborough",
    ],
    "thanet": [
        "Margate",
        "Ramsgate",
        "Broadstairs",
        "Cliftonville",
        "Westgate-on-Sea",
        "Birchington",
        "Minster-in-Thanet",
    ],
    "tonbridge-and-malling": [
        "Tonbridge",
        "West Malling",
        "Snodland",
        "Larkfield",
        "Kings Hill",
        "Hildenborough",
        "Aylesford",
    ],
    "tunbridge-wells": [
        "Royal Tunbridge Wells",
        "Southborough",
        "Paddock Wood",
        "Cranbrook",
        "Hawkhurst",
        "Rusthall",
        "Pembury",
    ],
}
POSTCODE_AREAS: dict[str, list[str]] = {
    "maidstone": ["ME14", "ME15", "ME16", "ME17", "TN12"],
    "ashford": ["TN23", "TN24", "TN25", "TN26", "TN30"],
    "canterbury": ["CT1", "CT2", "CT3", "CT5", "CT6"],
    "dartford": ["DA1", "DA2", "DA4", "DA9", "DA10"],
    "dover": ["CT13", "CT14", "CT15", "CT16", "CT17"],
    "folkestone-and-hythe": ["CT18", "CT19", "CT20", "CT21", "TN28", "TN29"],
    "gravesham": ["DA11", "DA12", "DA13"],
    "medway": ["ME1", "ME2", "ME3", "ME4", "ME5", "ME7", "ME8"],
    "sevenoaks": ["TN13", "TN14", "TN15", "BR8", "TN8", "TN16"],
    "swale": ["ME9", "ME10", "ME11", "ME12", "ME13"],
    "thanet": ["CT7", "CT8", "CT9", "CT10", "CT11", "CT12"],
    "tonbridge-and-malling": ["TN9", "TN10", "TN11", "ME6", "ME19", "ME20"],
    "tunbridge-wells": ["TN1", "TN2", "TN3", "TN4", "TN17", "TN18"],
}
DIALLING: dict[str, str] = {
    "maidstone": "01622",
    "ashford": "01233",
    "canterbury": "01227",
    "dartford": "01322",
    "dover": "01304",
    "folkestone-and-hythe": "01303",
    "gravesham": "01474",
    "medway": "01634",
    "sevenoaks": "01732",
    "swale": "01795",
    "thanet": "01843",
    "tonbridge-and-malling": "01732",
    "tunbridge-wells": "01892",
}
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"

# (name pattern, summary pattern) by category; {place} and {venue} are filled in.
KINDS: dict[str, list[tuple[str, str]]] = {
    "physical-activity": [
        (
            "{place} Health Walk",
            "A free, friendly walk around {place} at a gentle pace, led by trained volunteers.",
        ),
        (
            "{place} Walking Football",
            "Walking football for all abilities: no running, no tackling, lots of laughs.",
        ),
        (
            "Chair Yoga at {venue}",
            "Gentle seated yoga to help with balance, breathing and flexibility.",
        ),
        (
            "{place} Tai Chi",
            "Slow, flowing tai chi movements that build strength and calm the mind.",
        ),
        (
            "Strength and Balance {place}",
            "A falls-prevention class that builds strength and confidence step by step.",
        ),
        (
            "{place} Nordic Walking",
            "Walking with poles through parks and countryside around {place}.",
        ),
        (
            "Dance for Health {place}",
            "Easy-to-follow dance sessions to music from the fifties to today.",
        ),
    ],
    "arts-and-creativity": [
        (
            "{place} Community Choir",
            "A relaxed choir singing pop, folk and show tunes; no auditions or reading music.",
        ),
        (
            "Knit and Natter {place}",
            "Bring your knitting or crochet, or learn from scratch, over a cup of tea.",
        ),
        (
            "{place} Watercolour Group",
            "Painting together in a welcoming group, with a short demonstration each week.",
        ),
        (
            "Creative Writing Circle {place}",
            "Short writing exercises and friendly feedback for beginners and old hands.",
        ),
        (
            "{place} Ukulele Club",
            "Learn to strum a few chords and play songs together; ukuleles can be borrowed.",
        ),
        (
            "Stage Door Drama {place}",
            "Drama games, short scenes and a show at the end of each term.",
        ),
    ],
    "nature-and-gardening": [
        (
            "{place} Community Garden",
            "Grow fruit and vegetables together in a shared garden, whatever your experience.",
        ),
        (
            "Green Gym {place}",
            "Outdoor conservation work that keeps you active and looks after local green spaces.",
        ),
        ("{place} Orchard Volunteers", "Pruning, planting and harvesting in a community orchard."),
        (
            "Allotment Buddies {place}",
            "A shared allotment where beginners learn to grow alongside experienced gardeners.",
        ),
    ],
    "social-and-befriending": [
        (
            "{place} Friendship Café",
            "A warm welcome, a hot drink and a chat with neighbours every week.",
        ),
        (
            "Men's Shed {place}",
            "A workshop where men meet, make and mend things, and talk over a cuppa.",
        ),
        (
            "{place} Lunch Club",
            "A two-course lunch and good company for people who would like to eat with others.",
        ),
        ("Tea and Chat at {venue}", "An informal drop-in for anyone who would like some company."),
        (
            "{place} Befriending Calls",
            "A regular friendly phone call from the same trained volunteer.",
        ),
    ],
    "learning-and-skills": [
        (
            "Get Online {place}",
            "Patient one-to-one help with phones, tablets and laptops, including the NHS App.",
        ),
        (
            "{place} English Conversation Club",
            "Practise speaking English in a relaxed group with volunteer tutors.",
        ),
        ("{place} Job Club", "Help with CVs, applications and interviews, with computers to use."),
        (
            "Family Learning {place}",
            "Short courses for parents and carers to learn alongside their children.",
        ),
    ],
    "volunteering": [
        (
            "{place} Volunteer Drivers",
            "Volunteer to drive neighbours to appointments; mileage is paid.",
        ),
        ("{place} Litter Pickers", "Join a friendly monthly litter pick; equipment provided."),
        (
            "Volunteer at {venue}",
            "Help run a community space: welcoming visitors, making tea or gardening.",
        ),
    ],
    "mental-wellbeing": [
        (
            "{place} Wellbeing Walk and Talk",
            "A gentle walk with time to talk, for anyone feeling low or stressed.",
        ),
        (
            "Mindfulness for Beginners {place}",
            "An eight-week course in simple mindfulness practices for everyday life.",
        ),
        (
            "{place} Peer Support Circle",
            "A safe, confidential group to share experiences and support each other.",
        ),
        ("Andy's Talking Group {place}", "A talking group for men: it's okay to talk."),
    ],
    "healthy-living": [
        (
            "{place} Stop Smoking Clinic",
            "Free support and medication to help you quit smoking for good.",
        ),
        ("Cook and Eat Well {place}", "Learn to cook simple, healthy meals on a budget."),
        (
            "{place} Weight Management Course",
            "A twelve-week course on eating well and moving more, with weekly weigh-ins.",
        ),
    ],
    "money-and-benefits": [
        ("{place} Money Advice Clinic", "Free, confidential help with debts, bills and budgeting."),
        (
            "Benefits Check {place}",
            "Find out whether you are getting all the benefits you are entitled to.",
        ),
        ("{place} Debt Advice Surgery", "One-to-one appointments with a trained debt adviser."),
    ],
    "housing-and-home": [
        ("{place} Warm Homes Advice", "Help to keep your home warm and your energy bills down."),
        (
            "Home Safety Checks {place}",
            "A free visit to make your home safer: smoke alarms, trip hazards and more.",
        ),
        (
            "{place} Housing Advice Surgery",
            "Advice on renting, repairs, eviction and finding somewhere to live.",
        ),
    ],
    "carers-support": [
        (
            "{place} Carers' Café",
            "A relaxed get-together for unpaid carers, with information and a listening ear.",
        ),
        (
            "{place} Carers Support Group",
            "Meet other carers, share tips and get practical support.",
        ),
        (
            "Young Carers Club {place}",
            "Time out and fun activities for young people who look after someone.",
        ),
    ],
    "dementia-support": [
        (
            "{place} Dementia Café",
            "A friendly café for people living with dementia and the people who care for them.",
        ),
        (
            "Singing for Memory {place}",
            "Singing familiar songs together, for people with memory problems and their carers.",
        ),
        (
            "{place} Memory Lane Group",
            "Reminiscence, music and activities in a dementia-friendly setting.",
        ),
    ],
    "long-term-conditions": [
        (
            "{place} Breathe Easy Group",
            "Support and gentle exercise for people living with a lung condition.",
        ),
        (
            "{place} Stroke Club",
            "A social club for stroke survivors and their partners, with light exercise.",
        ),
        (
            "{place} Diabetes Support Group",
            "Talks, tips and peer support for people living with diabetes.",
        ),
        ("Parkinson's Exercise {place}", "Exercise classes designed for people with Parkinson's."),
        (
            "{place} Cancer Support Group",
            "A welcoming group for people affected by cancer, their family and friends.",
        ),
    ],
    "food-and-meals": [
        ("{place} Community Kitchen", "Cook and share a meal together, and take home leftovers."),
        ("{place} Food Bank", "Emergency food parcels for people referred by a professional."),
        ("{place} Community Pantry", "Membership food shop: a week's groceries for a few pounds."),
        (
            "{place} Community Fridge",
            "Free surplus food from local shops, for anyone who can use it.",
        ),
    ],
    "transport": [
        (
            "{place} Community Transport",
            "Door-to-door minibus trips for people who cannot use buses.",
        ),
        ("{place} Volunteer Car Scheme", "Lifts to health appointments with volunteer drivers."),
        ("{place} Dial-a-Ride", "A bookable bus for shopping trips and days out."),
    ],
    "information-and-advice": [
        (
            "{place} Advice Drop-in",
            "Free, independent advice on benefits, work, housing and consumer problems.",
        ),
        (
            "{place} Community Navigator",
            "A navigator who helps you find local support and services.",
        ),
        ("{place} Information Hub", "One place to ask about local services, groups and support."),
    ],
}
VENUES = [
    "{place} Community Centre",
    "St {saint}'s Church Hall",
    "{place} Library",
    "{place} Village Hall",
    "{place} Leisure Centre",
    "The {place} Hub",
    "{place} Methodist Church",
    "{place} Baptist Church Hall",
    "{place} Scout Hut",
    "{place} Youth Centre",
    "{place} Sports Pavilion",
    "The Old School, {place}",
]
SAINTS = [
    "Mary",
    "Peter",
    "Paul",
    "John",
    "Andrew",
    "Margaret",
    "Michael",
    "Luke",
    "Stephen",
    "George",
    "Alban",
    "Nicholas",
    "Martin",
    "Faith",
    "Augustine",
]
STREETS = [
    "High Street",
    "Church Road",
    "Station Road",
    "London Road",
    "Mill Lane",
    "Park Avenue",
    "Queen's Road",
    "Victoria Road",
    "The Green",
    "Chapel Street",
    "Albert Road",
    "King Street",
    "Marsh Lane",
    "School Lane",
    "Orchard Way",
    "Hythe Road",
    "Tonbridge Road",
    "Castle Street",
    "Bank Street",
    "Forge Lane",
    "Manor Road",
    "Canterbury Road",
    "Ashford Road",
    "Willow Way",
    "Hop Garden Lane",
]
FIRST_NAMES = [
    "Sue",
    "Jim",
    "Priya",
    "Tom",
    "Margaret",
    "Dev",
    "Anne",
    "Kwame",
    "Linda",
    "Pete",
    "Ruth",
    "Sam",
    "Aisha",
    "Graham",
    "Joan",
    "Tomasz",
    "Helen",
    "Ravi",
    "Brenda",
    "Colin",
    "Fatima",
    "Derek",
    "Olena",
    "Chris",
]
ORG_PATTERNS = [
    "{place} Community Trust",
    "{place} Wellbeing Network",
    "Friends of {place}",
    "{place} Voluntary Action",
    "{place} Together",
    "Age Friendly {place}",
    "{place} Health Partnership",
    "{place} Neighbours",
    "Kent Community Roots",
    "Medway and Kent Wellbeing",
    "{place} Parish Council",
    "Good Company {place}",
]

PARAGRAPH_OPENERS = [
    "{name} is run by {org} for anyone living in or near {place}.",
    "Everyone is welcome at {name}, whether you come every time or just now and then.",
    "{name} started in {year} when a group of neighbours in {place} wanted somewhere to meet.",
    "At {name} you will find a warm welcome and people who are glad to see you.",
]
PARAGRAPH_BODY = [
    "Sessions are relaxed and informal, and there is no pressure to join in with everything.",
    "Our volunteers, led by {person}, will meet you at the door and introduce you to the group.",
    "Many people come because their GP or a link worker suggested it, and stay for the company.",
    "You do not need any experience, special clothing or equipment: just come as you are.",
    "There is always tea, coffee and biscuits, and a quiet corner if you need a break.",
    "We keep groups small so that everyone gets time and attention from the leaders.",
    "If you are nervous about coming on your own, ring us first: someone will look out for you.",
    "Partners, friends and carers are very welcome to come too, and do not have to pay.",
    "The venue has parking nearby and is on the bus route from the town centre.",
    "We follow the advice of local health services and all our leaders are trained and checked.",
    "People tell us that coming along has helped them feel less alone and more confident.",
    "Each session finishes with time to chat, share news and plan what to do next time.",
    "We can usually help with transport if getting here is difficult: please ask when you call.",
    "The group is friendly and mixed, with people of all ages and from all walks of life.",
    "Our leaders can adapt activities for people with limited mobility or other health conditions.",
    "We also run occasional trips and special events, which are announced at sessions.",
    "Information is available in large print and other languages on request.",
    "If you wonder whether the group is right for you, {person} is happy to talk it through.",
]
BULLETS = [
    "comfortable clothes and shoes",
    "a bottle of water",
    "any medication you might need",
    "reading glasses if you use them",
    "a friend, if you would like company",
    "your own project to work on",
    "a packed lunch on longer sessions",
    "your questions: there is no such thing as a silly one",
    "a coat in case of rain",
    "any letters or bills you would like help with",
    "your phone or tablet, if you have one",
]
CLOSERS = [
    "To find out more, call us or [visit our website]({website}).",
    "**New members** are asked to arrive ten minutes early so that we can say hello.",
    "Please let us know *before you come* if you need any adjustments.",
    "We are always looking for **volunteers**: ask {person} if you would like to help.",
]
SCHEDULE_NOTES = [
    "No sessions on bank holidays.",
    "Term time only.",
    "By appointment.",
    "Not in August.",
    "Please check our website before travelling in bad weather.",
    "Closed over Christmas and New Year.",
]
COST_NOTES = [
    "£3 a session",
    "£2, including tea and biscuits",
    "£5 a class, first one free",
    "£25 for the eight-week course",
    "£4.50 for lunch",
    "£1 a visit",
]
LANGUAGES = ["pl", "ro", "ur", "pa", "bn", "ne", "tr", "lt", "ar", "gu"]
TIMES = [
    "09:00",
    "09:30",
    "10:00",
    "10:30",
    "11:00",
    "13:00",
    "13:30",
    "14:00",
    "18:00",
    "18:30",
    "19:00",
]


@dataclass
class SyntheticSet:
    """What was written: the entry files' data (for the baseline pages) and a tally."""

    folder: Path
    records: list[dict[str, Any]] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)
    cache_path: Path | None = None
    tally: Counter[str] = field(default_factory=Counter)
    bytes_written: int = 0

    @property
    def mean_bytes(self) -> float:
        return self.bytes_written / max(1, len(self.paths))


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower().replace("'", "")).strip("-")


def _q(value: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(value, ensure_ascii=False)


def _flow(values: list[str], quote: bool = False) -> str:
    return "[" + ", ".join(_q(v) if quote else v for v in values) + "]"


def _postcode(rng: random.Random, area: str) -> str:
    outward = rng.choice(POSTCODE_AREAS.get(area) or ["ME1"])
    return f"{outward} {rng.randint(1, 9)}{rng.choice(INWARD_LETTERS)}{rng.choice(INWARD_LETTERS)}"


def _point(rng: random.Random, term: Term | None, settings: Settings) -> tuple[float, float]:
    (south, west), (north, east) = settings.region.bounds
    centre = term.centre if term is not None and term.centre else settings.region.centre
    lat = rng.gauss(centre[0], 0.035)
    lon = rng.gauss(centre[1], 0.05)
    lat = min(max(lat, south + 0.01), north - 0.01)
    lon = min(max(lon, west + 0.01), east - 0.01)
    return round(lat, 5), round(lon, 5)


def _description(rng: random.Random, fill: dict[str, str]) -> str:
    """About 1,800 characters of Markdown: paragraphs, a list, bold, italics and a link."""

    def sentences(pool: list[str], count: int) -> str:
        return " ".join(s.format(**fill) for s in rng.sample(pool, count))

    parts = [
        rng.choice(PARAGRAPH_OPENERS).format(**fill) + " " + sentences(PARAGRAPH_BODY, 3),
        sentences(PARAGRAPH_BODY, 4),
        "What to bring:\n\n" + "\n".join(f"- {b}" for b in rng.sample(BULLETS, 5)),
        sentences(PARAGRAPH_BODY, 3),
        " ".join(c.format(**fill) for c in rng.sample(CLOSERS, 2)),
    ]
    return "\n\n".join(parts)


def _schedule(rng: random.Random) -> list[str]:
    lines: list[str] = []
    for _ in range(rng.choice((1, 1, 1, 2, 2, 3))):
        start = rng.choice(TIMES)
        hours = rng.choice((1, 1, 2, 2, 3))
        minutes = int(start[:2]) * 60 + int(start[3:]) + hours * 60 - rng.choice((0, 15, 30))
        end = f"{min(minutes // 60, 22):02d}:{minutes % 60:02d}"
        days = sorted(rng.sample(range(7), rng.choice((1, 1, 1, 2, 3))))
        day_names = [("mon", "tue", "wed", "thu", "fri", "sat", "sun")[d] for d in days]
        frequency = rng.choice(("weekly", "weekly", "weekly", "fortnightly", "monthly"))
        lines += [
            f"  - days: {_flow(day_names)}",
            f'    start: "{start}"',
            f'    end: "{end}"',
            f"    frequency: {frequency}",
        ]
        if frequency == "monthly":
            weeks = rng.choice(([1], [2], [3], [-1], [1, 3], [2, 4]))
            lines.append(f"    weeks_of_month: [{', '.join(str(w) for w in weeks)}]")
        if frequency == "fortnightly":  # needs a first date; the week of 2 November 2026
            lines.append(f"    starts_on: 2026-11-{2 + days[0]:02d}")
    return lines


def _one(
    rng: random.Random,
    index: int,
    settings: Settings,
    used_ids: set[str],
    today: dt.date,
) -> tuple[str, str, dict[str, Any]]:
    """(area folder, YAML text, a plain record) for the entry number `index`."""
    vocab = settings.vocabulary()
    areas = list(vocab.areas)
    area = areas[index % len(areas)] if areas else "all"
    term = vocab.areas.get(area)
    places = PLACES.get(area) or [term.town if term and term.town else "Town"]
    place = rng.choice(places)
    town = place if area in PLACES else (term.town if term and term.town else place)
    category = rng.choice([c for c in vocab.categories if c in KINDS] or list(KINDS))
    name_pattern, summary_pattern = rng.choice(KINDS[category])
    venue = rng.choice(VENUES).format(place=place, saint=rng.choice(SAINTS))
    name = name_pattern.format(place=place, venue=venue)
    base = _slug(name)[:70]
    ident = base
    number = 2
    while ident in used_ids:
        ident = f"{base}-{number}"
        number += 1
    used_ids.add(ident)
    if ident != base:
        name = f"{name} {number - 1}"  # "Bearsted Lunch Club 2": a second group, not a copy
    org = rng.choice(ORG_PATTERNS).format(place=place)
    org_slug = _slug(org)[:40]
    website = f"https://{org_slug}.example.org/{ident}"
    fill = {
        "name": name,
        "org": org,
        "place": place,
        "person": rng.choice(FIRST_NAMES),
        "year": str(rng.randint(1985, 2024)),
        "website": website,
        "venue": venue,
    }
    summary = summary_pattern.format(**fill)
    others = [c for c in vocab.categories if c != category]
    categories = [category, *rng.sample(others, rng.choice((0, 0, 1, 1, 2)))]

    roll = rng.random()
    if roll < 0.10:  # online only
        mode = "online"
        delivery = rng.choice((["online"], ["online", "telephone"]))
    elif roll < 0.13:
        mode = "home"
        delivery = ["home-visit", "telephone"]
    else:
        mode = "in-person"
        delivery = ["in-person"] + (["online"] if rng.random() < 0.05 else [])
    region_wide = mode != "in-person" and rng.random() < 0.5
    status_roll = rng.random()
    status = "closed" if status_roll < 0.01 else "paused" if status_roll < 0.03 else "active"

    lines = [
        f"id: {ident}",
        f"name: {_q(name)}",
        f"summary: {_q(summary)}",
        "description: |",
        *(f"  {line}" if line else "" for line in _description(rng, fill).split("\n")),
        f"categories: {_flow(categories)}",
    ]
    record: dict[str, Any] = {
        "id": ident,
        "name": name,
        "summary": summary,
        "categories": categories,
        "area": area,
        "status": status,
        "delivery": delivery,
        "mode": mode,
    }
    if rng.random() < 0.6:
        audiences = rng.sample(list(vocab.audiences), rng.choice((1, 1, 2, 3)))
        lines.append(f"audiences: {_flow(audiences)}")
    lines.append(f"areas: {_flow(['all'] if region_wide else [area])}")
    lines += ["organisation:", f"  name: {_q(org)}"]
    if rng.random() < 0.7:
        lines.append(f"  website: https://{org_slug}.example.org")
    if rng.random() < 0.5:
        lines.append(f'  charity_number: "{rng.randint(1000000, 1199999)}"')
    contact: list[str] = []
    roll = rng.random()
    if roll < 0.85:
        code = DIALLING.get(area, "01622") if not region_wide else rng.choice(("0300", "0800"))
        digits = (
            rng.randint(200000, 999999) if code.startswith("01") else rng.randint(1000000, 9999999)
        )
        contact.append(f'  phone: "{code} {digits}"')
    if rng.random() < 0.6:
        contact.append(
            f"  email: {rng.choice(('hello', 'info', 'groups', 'bookings'))}@{org_slug}.example.org"
        )
    if not contact or rng.random() < 0.5:
        contact.append(f"  website: {website}")
    lines += ["contact:", *contact]

    if mode == "in-person":
        street = f"{rng.randint(1, 180)} {rng.choice(STREETS)}"
        postcode = _postcode(rng, area)
        lines += [
            "location:",
            f"  venue: {_q(venue)}",
            f"  address: {_q(street)}",
            f"  town: {_q(town)}",
            f"  postcode: {postcode}",
        ]
        lat, lon = _point(rng, term, settings)
        from_cache = rng.random() < 0.05
        if not from_cache:
            lines.append(f"  coordinates: {{lat: {lat}, lon: {lon}}}")
        record.update(
            venue=venue,
            address=street,
            town=town,
            postcode=postcode,
            lat=lat,
            lon=lon,
            from_cache=from_cache,
        )
    lines.append(f"delivery: {_flow(delivery)}")
    if rng.random() < 0.85:
        lines += ["schedule:", *_schedule(rng)]
    if rng.random() < 0.3:
        lines.append(f"schedule_note: {_q(rng.choice(SCHEDULE_NOTES))}")
    cost = rng.choices(("free", "donation", "paid"), (55, 20, 25))[0]
    lines.append(f"cost: {cost}")
    if cost == "paid":
        lines.append(f"cost_note: {_q(rng.choice(COST_NOTES))}")
    lines.append(
        f"booking: {rng.choice(('drop-in', 'drop-in', 'booking-required', 'referral-only'))}"
    )
    referral = [r for r in ("self", "professional", "gp") if rng.random() < 0.7] or ["self"]
    lines.append(f"referral: {_flow(referral)}")
    if rng.random() < 0.15:
        lines.append(
            rng.choice(
                ("age: {min: 18}", "age: {min: 50}", "age: {min: 11, max: 18}", "age: {min: 16}")
            )
        )
    if mode == "in-person" and rng.random() < 0.8:
        access = rng.sample(
            list(vocab.accessibility), rng.randint(1, min(5, len(vocab.accessibility)))
        )
        lines.append(f"accessibility: {_flow(access)}")
    if rng.random() < 0.1:
        lines.append(f"languages: {_flow(['en', rng.choice(LANGUAGES)], quote=True)}")
    if rng.random() < 0.3:
        lines.append(f"owners: [{_slug(fill['person'])}-{org_slug[:20].strip('-')}]")
    reviewed = today - dt.timedelta(days=rng.randint(3, 330))
    lines += [f"last_reviewed: {reviewed.isoformat()}", f"status: {status}"]
    record.update(cost=cost)
    folder = "all" if region_wide else area
    return folder, "\n".join(lines) + "\n", record


def iter_entries(
    count: int, settings: Settings, seed: int = 1, today: dt.date | None = None
) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    """(folder, id, YAML text, record) for `count` entries; the same seed, the same entries."""
    rng = random.Random(seed)
    used: set[str] = set()
    today = today or settings_today()
    for index in range(count):
        folder, text, record = _one(rng, index, settings, used, today)
        yield folder, record["id"], text, record


def write_entries(
    folder: Path,
    count: int,
    settings: Settings,
    *,
    cache_path: Path | None = None,
    seed: int = 1,
    today: dt.date | None = None,
) -> SyntheticSet:
    """Write `count` entry files under `folder/<area>/`, and the geocode cache they need."""
    from build_tools.entries.geocode import Address, CacheRecord, format_cache
    from build_tools.entries.model import Location

    today = today or settings_today()
    result = SyntheticSet(folder=folder, cache_path=cache_path)
    cache: dict[str, CacheRecord] = {}
    for sub, ident, text, record in iter_entries(count, settings, seed, today):
        path = folder / sub / f"{ident}.yml"
        path.parent.mkdir(parents=True, exist_ok=True)
        data = text.encode("utf-8")
        path.write_bytes(data)
        result.bytes_written += len(data)
        result.paths.append(path)
        result.records.append(record)
        tally = result.tally
        tally[record["status"]] += 1
        tally[record["mode"]] += 1
        if record.get("from_cache"):
            tally["from-cache"] += 1
            place = Location(record["venue"], record["address"], record["town"], record["postcode"])
            key = Address.from_location(place, settings.region.country).key
            cache[key] = CacheRecord(
                lat=record["lat"],
                lon=record["lon"],
                provider="synthetic",
                precision="address",
                query="structured",
                date=today.isoformat(),
            )
    if cache_path is not None:
        cache_path.parent.mkdir(parents=True, exist_ok=True)
        cache_path.write_text(format_cache(cache), encoding="utf-8")
    return result
