"""Integrity of the bundled demo dataset, checked on the YAML alone (no application code)."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

DEMO_PATH = Path(__file__).resolve().parents[1] / "src" / "filiera" / "demo" / "data" / "demo.yaml"

# Copied from docs/conventions-for-helpers.md.
ORG_KINDS = {
    "prime",
    "midcap",
    "sme",
    "startup",
    "research",
    "university",
    "public_body",
    "investor",
    "cluster",
    "buyer",
    "other",
}
CAPABILITY_CODES = {
    "air.combat_aircraft",
    "air.rotorcraft",
    "air.uas",
    "air.aerostructures",
    "air.avionics",
    "land.armoured_vehicles",
    "land.weapons",
    "land.soldier_systems",
    "naval.shipbuilding",
    "naval.underwater",
    "naval.naval_systems",
    "space.launchers",
    "space.satellites",
    "space.earth_observation",
    "space.satcom",
    "space.ssa",
    "space.ground_segment",
    "cyber.defence",
    "cyber.cryptography",
    "c4isr.command_control",
    "c4isr.communications",
    "c4isr.isr",
    "electronics.radar",
    "electronics.electro_optics",
    "electronics.electronic_warfare",
    "electronics.microelectronics",
    "munitions.ammunition",
    "munitions.propellants",
    "munitions.explosives",
    "munitions.missiles",
    "propulsion.aero_engines",
    "propulsion.rocket_motors",
    "propulsion.power_energy",
    "materials.composites",
    "materials.metals",
    "materials.protection",
    "additive.metal",
    "additive.polymer",
    "ai_autonomy.ai",
    "ai_autonomy.robotics",
    "ai_autonomy.swarming",
    "simulation.training",
    "simulation.digital_twin",
    "logistics.mro",
    "logistics.supply_chain",
    "testing.test_ranges",
    "testing.certification",
    "testing.qualification",
    "cbrn.detection",
    "cbrn.protection",
    "medical.combat_casualty_care",
}
CAPABILITY_CODES |= {code.split(".")[0] for code in CAPABILITY_CODES}
CAPABILITY_LEVELS = {"claimed", "evidenced", "certified"}
CERTIFICATION_CODES = {
    "en9100",
    "iso9001",
    "aqap2110",
    "aqap2310",
    "iso27001",
    "iso14001",
    "iso45001",
    "nadcap",
    "easa_part21",
    "easa_part145",
    "facility_security_clearance",
}
RELATION_KINDS = {
    "supplier_of",
    "subsidiary_of",
    "joint_venture",
    "mou",
    "investment",
    "alliance",
    "partner",
}

SEED_FILES = {
    "000_1492e5012d442c67.txt",
    "001_52684338360db07c.txt",
    "002_83cfa4acf9553f0e.txt",
    "003_c918fa75a9d502f2.txt",
}
PUBLIC_KNOWLEDGE = "public knowledge"
SECTIONS = ("organisations", "people", "memberships", "relations", "events", "facts")
KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")
COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
NUTS_RE = re.compile(r"^[A-Z]{2}[0-9A-Z]{0,3}$")


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    with DEMO_PATH.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _keys(data: dict[str, Any], section: str) -> set[str]:
    return {record["key"] for record in data[section]}


def _source_of(record: dict[str, Any]) -> Any:
    """Relations keep `source` for the source organisation and cite in `source_ref`."""
    return record.get("source_ref") if "source_ref" in record else record.get("source")


def _all_sources(data: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    for section in SECTIONS:
        for index, record in enumerate(data[section]):
            yield f"{section}[{index}]", _source_of(record)


def _countries(data: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for org in data["organisations"]:
        if "country" in org:
            yield org["key"], org["country"]
        for site in org.get("sites", []):
            yield f"{org['key']} site {site['name']}", site["country"]
    for event in data["events"]:
        if "country" in event:
            yield event["key"], event["country"]


def test_top_level_sections_present(data: dict[str, Any]) -> None:
    assert set(data) == {"dataset", *SECTIONS, "calls", "bids"}
    assert data["dataset"]["name"] == "Filiera demo: ecosystem from the seed news articles"
    assert data["dataset"]["description"].strip()
    assert data["dataset"]["licence_note"].strip()


def test_organisation_count_in_target_range(data: dict[str, Any]) -> None:
    assert 40 <= len(data["organisations"]) <= 70


@pytest.mark.parametrize("section", ["organisations", "people", "events"])
def test_keys_unique_and_snake_case(data: dict[str, Any], section: str) -> None:
    keys = [record["key"] for record in data[section]]
    duplicates = [key for key, count in Counter(keys).items() if count > 1]
    assert not duplicates
    assert all(KEY_RE.match(key) for key in keys), keys


def test_keys_unique_across_organisations_people_and_events(data: dict[str, Any]) -> None:
    orgs, people, events = (_keys(data, s) for s in ("organisations", "people", "events"))
    assert not orgs & people
    assert not orgs & events
    assert not people & events


def test_organisation_names_unique(data: dict[str, Any]) -> None:
    names = [org["name"] for org in data["organisations"]]
    assert len(names) == len(set(names))


def test_people_roles_reference_organisations(data: dict[str, Any]) -> None:
    orgs = _keys(data, "organisations")
    for person in data["people"]:
        assert person["roles"], person["key"]
        for role in person["roles"]:
            assert role["org"] in orgs, (person["key"], role["org"])
            assert role["title"].strip()


def test_memberships_reference_organisations_and_clusters(data: dict[str, Any]) -> None:
    kinds = {org["key"]: org["kind"] for org in data["organisations"]}
    pairs = []
    for membership in data["memberships"]:
        assert membership["org"] in kinds, membership
        assert kinds.get(membership["cluster"]) == "cluster", membership
        assert membership["org"] != membership["cluster"]
        pairs.append((membership["org"], membership["cluster"]))
    assert len(pairs) == len(set(pairs))


def test_relations_reference_organisations_with_known_kinds(data: dict[str, Any]) -> None:
    orgs = _keys(data, "organisations")
    triples = []
    for relation in data["relations"]:
        assert relation["kind"] in RELATION_KINDS, relation
        assert relation["source"] in orgs, relation
        assert relation["target"] in orgs, relation
        assert relation["source"] != relation["target"], relation
        assert relation["description"].strip()
        triples.append((relation["kind"], relation["source"], relation["target"]))
    assert len(triples) == len(set(triples))


def test_events_reference_known_organisations_and_people(data: dict[str, Any]) -> None:
    orgs, people = _keys(data, "organisations"), _keys(data, "people")
    for event in data["events"]:
        assert event["organisers"], event["key"]
        for org in event["organisers"] + event.get("participants", []):
            assert org in orgs, (event["key"], org)
        for person in event.get("people", []):
            assert person in people, (event["key"], person)
        assert "date" in event or "date_note" in event, event["key"]
        assert event["description"]["en"].strip() and event["description"]["it"].strip()


def test_facts_reference_known_subjects_and_are_numeric(data: dict[str, Any]) -> None:
    subjects = _keys(data, "organisations") | _keys(data, "people")
    for fact in data["facts"]:
        for subject in [fact["subject"], *fact.get("also_about", [])]:
            assert subject in subjects, fact
        assert isinstance(fact["value"], int | float) and not isinstance(fact["value"], bool)
        assert fact["unit"].strip() and fact["predicate"].strip()


def test_organisation_kinds_and_codes_from_conventions(data: dict[str, Any]) -> None:
    for org in data["organisations"]:
        assert org["kind"] in ORG_KINDS, org["key"]
        codes = [capability["code"] for capability in org.get("capabilities", [])]
        assert len(codes) == len(set(codes)), org["key"]
        for capability in org.get("capabilities", []):
            assert capability["code"] in CAPABILITY_CODES, (org["key"], capability)
            assert capability["level"] in CAPABILITY_LEVELS, (org["key"], capability)
        for certification in org.get("certifications", []):
            assert certification["code"] in CERTIFICATION_CODES, (org["key"], certification)


def test_country_codes_are_two_upper_case_letters(data: dict[str, Any]) -> None:
    for where, country in _countries(data):
        assert isinstance(country, str) and COUNTRY_RE.match(country), (where, country)


def test_organisation_without_country_explains_why(data: dict[str, Any]) -> None:
    for org in data["organisations"]:
        assert "country" in org or org.get("note", "").strip(), org["key"]


def test_regions_are_nuts_codes_of_the_same_country(data: dict[str, Any]) -> None:
    places = list(data["organisations"])
    places += [site for org in data["organisations"] for site in org.get("sites", [])]
    for place in places:
        if "region" in place:
            assert NUTS_RE.match(place["region"]), place
            assert place["region"][:2] == place["country"], place


def test_site_coordinates_are_plausible(data: dict[str, Any]) -> None:
    for org in data["organisations"]:
        for site in org.get("sites", []):
            assert ("lat" in site) == ("lon" in site), site
            if "lat" in site:
                assert -90 <= site["lat"] <= 90 and -180 <= site["lon"] <= 180, site


def test_organisations_have_english_and_italian_descriptions(data: dict[str, Any]) -> None:
    for org in data["organisations"]:
        description = org["description"]
        assert description.get("en", "").strip(), org["key"]
        assert description.get("it", "").strip(), org["key"]


def test_websites_and_years_well_formed(data: dict[str, Any]) -> None:
    for org in data["organisations"]:
        if "website" in org:
            assert org["website"].startswith("https://"), org["key"]
        if "founded_year" in org:
            assert 1800 <= org["founded_year"] <= 2025, org["key"]


def test_every_record_has_a_valid_source(data: dict[str, Any]) -> None:
    for where, source in _all_sources(data):
        assert isinstance(source, str), where
        if source != PUBLIC_KNOWLEDGE:
            assert source.startswith("seed:"), (where, source)
            assert source.removeprefix("seed:") in SEED_FILES, (where, source)


def test_every_seed_article_is_cited(data: dict[str, Any]) -> None:
    cited = {source.removeprefix("seed:") for _, source in _all_sources(data)}
    assert cited >= SEED_FILES
    listed = {article["file"] for article in data["dataset"]["seed_articles"]}
    assert listed == SEED_FILES


def test_dates_parse_as_dates(data: dict[str, Any]) -> None:
    dated = [*data["events"], *data["relations"], *data["facts"], *data["memberships"]]
    dated += [role for person in data["people"] for role in person["roles"]]
    for record in dated:
        for field in ("date", "since", "as_of"):
            if field in record:
                assert isinstance(record[field], dt.date), (field, record)


def test_luxdefence_launch_event(data: dict[str, Any]) -> None:
    events = {event["key"]: event for event in data["events"]}
    launch = events["luxdefence_launch"]
    assert launch["date"] == dt.date(2025, 11, 24)
    assert launch["country"] == "LU"
    assert "luxdefence" in launch["organisers"]
    assert launch["source"] == "seed:000_1492e5012d442c67.txt"


def test_required_clusters_are_clusters(data: dict[str, Any]) -> None:
    kinds = {org["key"]: org["kind"] for org in data["organisations"]}
    for key in ("luxdefence", "lombardia_aerospace_cluster", "distretto_aerospaziale_piemonte"):
        assert kinds[key] == "cluster", key


def test_calls_and_bids_reference_the_demo(data: dict[str, Any]) -> None:
    """Calls and bids (issue 11) name demo organisations, a credit, a cited source; every
    partner of a bid is invited (the loader invites them all) and maybe answered."""
    kinds = {org["key"]: org["kind"] for org in data["organisations"]}
    calls = {call["key"]: call for call in data["calls"]}
    assert len(calls) == len(data["calls"]) == 3
    for call in data["calls"]:
        assert kinds[call["owner"]] in ("cluster", "buyer"), call["key"]
        assert call["by"].endswith(".demo") and call["credit"].strip()
        assert set(call["capabilities"]) <= CAPABILITY_CODES, call["key"]
        for package in call.get("work_packages", []):
            assert set(package["capabilities"]) <= CAPABILITY_CODES, call["key"]
    for bid in data["bids"]:
        assert bid["call"] in calls and kinds[bid["owner"]] == "cluster"
        orgs = [partner["org"] for partner in bid["partners"]]
        assert len(orgs) == len(set(orgs)) and set(orgs) <= set(kinds)
        assert {p["status"] for p in bid["partners"]} <= {"invited", "accepted", "declined"}
        assert [p.get("role") for p in bid["partners"]].count("coordinator") == 1
    for record in [*data["calls"], *data["bids"]]:
        source = record["source"]
        assert source == PUBLIC_KNOWLEDGE or source.removeprefix("seed:") in SEED_FILES


def test_control_is_declared_only_with_a_country_code(data: dict[str, Any]) -> None:
    for org in data["organisations"]:
        if "controlled_from" in org:
            assert COUNTRY_RE.match(org["controlled_from"]), org["key"]
        if "control_group" in org:
            assert org["control_group"].strip(), org["key"]
    groups = {o["key"]: o.get("control_group") for o in data["organisations"]}
    assert groups["leonardo"] == groups["telespazio"] == "Leonardo"
    assert groups["thales"] == groups["thales_alenia_space_italia"] == "Thales"
