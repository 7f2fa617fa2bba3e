"""Open Referral UK (build_tools/data/openreferral.py): every listing as an HSDS 3.0 UK
service, checked against the profile's own schemas."""

from __future__ import annotations

import json
import uuid

import pytest
from oruk_fixtures import ROOT, assert_ids_are_uuid5, check_page, errors
from pages_fixtures import REPO_URL, coords_of, make_entry

from build_tools.data import openreferral
from build_tools.settings import from_options

SITE = "https://directory.example.org/"


def settings(namespace: str = "4b4ca1e4-20d7-4929-94e1-0495d4c3e9c8"):
    return from_options(
        {"region": {"name": "Kent and Medway"}, "openreferral": {"namespace": namespace}},
        ROOT,
        repo_url=REPO_URL,
        site_name="Community Map",
        site_url=SITE,
    )


FORTNIGHTLY = {
    "days": ["wed"],
    "start": "14:00",
    "end": "15:00",
    "frequency": "fortnightly",
    "starts_on": "2026-11-04",
    "ends_on": "2027-03-31",
}
LAST_SATURDAY = {
    "days": ["sat"],
    "start": "10:00",
    "end": "12:00",
    "frequency": "monthly",
    "weeks_of_month": [-1],
}


def entries():
    return [
        make_entry(),  # weekly Tue and Thu, and the first Saturday monthly
        make_entry(
            id="singing-for-the-brain",
            name="Singing for the Brain",
            schedule=[FORTNIGHTLY, LAST_SATURDAY],
            cost="paid",
            cost_note="£3 a session",
            status="paused",
            age={"min": 18, "max": 99},
            audiences=["people-living-with-dementia", "carers"],
        ),
        make_entry(
            id="phone-befriending",
            name="Phone Befriending",
            delivery=["telephone"],
            location=None,
            areas=["all"],
            languages=["en", "pl"],
            organisation={"name": "Kent Friends"},
            schedule=None,
            description=None,
        ),
        make_entry(id="closed-club", name="Closed Club", status="closed"),
    ]


@pytest.fixture(scope="module")
def docs():
    listed = entries()
    return openreferral.documents(listed, settings(), coords_of(listed))


def by_name(docs, name):
    return next(s for s in docs["services"] if s["name"] == name)


def test_every_service_is_valid_against_the_profile(docs) -> None:
    assert [s["name"] for s in docs["services"]] != []
    for service in docs["services"]:
        assert errors("compiled/service.json", service) == []
    assert {s["name"] for s in docs["services"]} == {
        "Mote Park Health Walk",
        "Singing for the Brain",
        "Phone Befriending",
    }  # closed listings are not published


def test_collections_are_valid_pages(docs) -> None:
    check_page(openreferral.page(docs["services"]), "compiled/service.json")
    check_page(openreferral.page(docs["organizations"]), "compiled/organization.json")
    check_page(openreferral.page(docs["service_at_locations"]), "compiled/service_at_location.json")
    check_page(openreferral.page(docs["taxonomies"]), "taxonomy.json")
    check_page(openreferral.page(docs["taxonomy_terms"]), "taxonomy_term.json")
    listed = [openreferral._list_service(s) for s in docs["services"]]
    check_page(openreferral.page(listed), "compiled/service_list.json")


def test_pages_split_and_say_where_they_are() -> None:
    items = list(range(5))
    first, last, beyond = (openreferral.page(items, n, 2) for n in (1, 3, 4))
    assert first["contents"] == [0, 1] and first["first_page"] and not first["last_page"]
    assert first["total_pages"] == 3 and first["total_items"] == 5
    assert last["contents"] == [4] and last["last_page"] and last["size"] == 1
    assert beyond["empty"] and beyond["contents"] == []


def test_every_id_is_a_uuid5_and_nothing_is_null(docs) -> None:
    assert_ids_are_uuid5(docs)
    service_ids = [s["id"] for s in docs["services"]]
    assert len(set(service_ids)) == len(service_ids)


def test_ids_are_stable_and_belong_to_the_namespace() -> None:
    listed = entries()
    once = openreferral.documents(listed, settings(), coords_of(listed))
    again = openreferral.documents(entries(), settings(), coords_of(listed))
    assert json.dumps(once) == json.dumps(again)
    walk_id = by_name(once, "Mote Park Health Walk")["id"]
    namespace = uuid.UUID("4b4ca1e4-20d7-4929-94e1-0495d4c3e9c8")
    assert walk_id == str(uuid.uuid5(namespace, "service/mote-park-health-walk"))
    other = openreferral.documents(listed, settings(str(uuid.uuid4())), coords_of(listed))
    assert by_name(other, "Mote Park Health Walk")["id"] != walk_id


def test_schedules_use_the_profile_recurrence_model(docs) -> None:
    weekly, monthly = by_name(docs, "Mote Park Health Walk")["schedules"]
    assert (weekly["freq"], weekly["interval"], weekly["byday"]) == ("WEEKLY", 1, "TU,TH")
    assert (weekly["opens_at"], weekly["closes_at"]) == ("10:00:00", "10:45:00")
    assert weekly["dtstart"] == "2026-10-01"  # first on or after last_reviewed (a Thursday)
    assert (monthly["freq"], monthly["byday"]) == ("MONTHLY", "1SA")
    assert monthly["dtstart"] == "2026-10-03"
    assert "valid_from" not in weekly and "valid_to" not in weekly
    fortnightly, last = by_name(docs, "Singing for the Brain")["schedules"]
    assert (fortnightly["freq"], fortnightly["interval"], fortnightly["byday"]) == (
        "WEEKLY",
        2,
        "WE",
    )
    assert fortnightly["dtstart"] == "2026-11-04"
    assert (fortnightly["valid_from"], fortnightly["valid_to"]) == ("2026-11-04", "2027-03-31")
    assert (last["freq"], last["byday"]) == ("MONTHLY", "-1SA")
    # no sessions, only a note: a schedule of words alone, with no recurrence
    (note,) = by_name(docs, "Phone Befriending")["schedules"]
    assert note["description"] == "No walks on bank holidays." and "freq" not in note


def test_fields_map_to_the_profile(docs) -> None:
    walk = by_name(docs, "Mote Park Health Walk")
    assert walk["status"] == "active" and walk["assured_date"] == "2026-10-01"
    assert walk["description"].startswith("A free, friendly 45-minute walk")
    assert walk["url"] == "https://walks.example.org/mote-park"
    assert walk["email"] == "walks@example.org"
    assert walk["phones"][0]["number"] == "01622 000111"
    assert walk["contacts"][0]["phones"] == walk["phones"]
    assert walk["minimum_age"] == 16 and "maximum_age" not in walk
    assert walk["cost_options"] == [
        {
            "id": walk["cost_options"][0]["id"],
            "service_id": walk["id"],
            "option": "Free",
            "amount": 0,
        }
    ]
    (sal,) = walk["service_at_locations"]
    location = sal["location"]
    assert (location["latitude"], location["longitude"]) == (51.2705, 0.5486)
    (address,) = location["addresses"]
    assert (address["address_1"], address["city"], address["postal_code"], address["country"]) == (
        "Mote Park, Willow Way",
        "Maidstone",
        "ME15 7RN",
        "GB",
    )
    assert [a["accessibility"] for a in location["accessibility"]] == [
        "step-free-access",
        "accessible-toilet",
    ]
    assert [a["service_area"] for a in walk["service_areas"]] == ["maidstone"]
    org = walk["organization"]
    assert org["name"] == "Maidstone Walking Network"
    assert org["organization_identifiers"][0]["identifier"] == "1123456"
    terms = {(a["link_type"], a["taxonomy_term"]["term"]) for a in walk["attributes"]}
    assert {
        ("categories", "physical-activity"),
        ("categories", "nature-and-gardening"),
        ("audiences", "older-people"),
        ("delivery", "in-person"),
        ("booking", "drop-in"),
        ("referral", "professional"),
    } <= terms
    singing = by_name(docs, "Singing for the Brain")
    assert singing["status"] == "temporarily closed"
    assert singing["cost_options"][0]["amount_description"] == "£3 a session"
    assert "amount" not in singing["cost_options"][0]
    phone = by_name(docs, "Phone Befriending")
    assert "service_at_locations" not in phone
    assert phone["service_areas"][0]["name"] == "Kent and Medway"
    assert [(lang["code"], lang["name"]) for lang in phone["languages"]] == [
        ("en", "English"),
        ("pl", "Polish"),
    ]
    assert "charity" not in json.dumps(phone["organization"])


def test_taxonomy_terms_are_published_with_stable_ids(docs) -> None:
    names = {t["name"] for t in docs["taxonomies"]}
    assert {"Activity categories", "Audiences"} <= names
    terms = {(t["taxonomy"], t["term"]): t for t in docs["taxonomy_terms"]}
    term = terms[("categories", "physical-activity")]
    namespace = uuid.UUID("4b4ca1e4-20d7-4929-94e1-0495d4c3e9c8")
    assert term["id"] == str(uuid.uuid5(namespace, "taxonomy_term/categories/physical-activity"))
    assert (
        term["term_uri"] == f"{SITE}data/openreferral/taxonomies/categories.json#physical-activity"
    )
    used = {a["taxonomy_term_id"] for s in docs["services"] for a in s["attributes"]}
    assert used <= set(t["id"] for t in docs["taxonomy_terms"])


def test_organisations_group_their_services(docs) -> None:
    org = next(o for o in docs["organizations"] if o["name"] == "Maidstone Walking Network")
    assert sorted(s["name"] for s in org["services"]) == [
        "Mote Park Health Walk",
        "Singing for the Brain",
    ]
    assert all("schedules" not in s for s in org["services"])


def test_the_build_writes_the_static_copy() -> None:
    listed = entries()
    outputs = {
        o.path: o.content for o in openreferral.generate(listed, settings(), coords_of(listed))
    }
    index = json.loads(outputs["data/openreferral/index.json"])
    assert index["version"] == "3.0" and index["openapi_url"].startswith("https://")
    services = json.loads(outputs["data/openreferral/services.json"])
    check_page(services, "compiled/service.json")
    for service in services["contents"]:
        assert json.loads(outputs[f"data/openreferral/services/{service['id']}.json"]) == service
    categories = json.loads(outputs["data/openreferral/taxonomies/categories.json"])
    assert errors("taxonomy.json", categories) == []
