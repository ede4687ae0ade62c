"""Matchmaking on SQLite and PostgreSQL: languages, filters, reasons, visibility, needs, theses."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from filiera.access.viewer import Viewer
from filiera.app import create_app
from filiera.cli.main import app as cli
from filiera.db import Database
from filiera.match.concepts import lexicon
from filiera.match.engine import MatchFilters
from filiera.match.service import match
from filiera.match.text import detect_language, stems
from filiera.settings import Settings
from support.auth import bearer, token_for
from support.dataset import Dataset, build

SUPPLIERS = {
    "shells": {
        "name": "Ostrava Shell Works s.r.o.",
        "kind": "sme",
        "country": "CZ",
        "descriptions": {
            "en": "Forging and machining of 155 mm artillery shells and "
            "projectile bodies; ammunition production lines."
        },
        "capabilities": [{"code": "munitions.ammunition", "level": "evidenced"}],
        "certifications": [{"code": "iso9001"}],
    },
    "cuas": {
        "name": "Sentinella Radar Srl",
        "kind": "startup",
        "country": "IT",
        "region": "ITC41",
        "descriptions": {
            "en": "Counter-drone radar that detects small unmanned aircraft "
            "and hands them over to jammers."
        },
        "capabilities": [{"code": "air.uas"}, {"code": "electronics.radar"}],
    },
    "explosives": {
        "name": "Nordic Energetics AB",
        "kind": "midcap",
        "country": "SE",
        "descriptions": {"en": "Propellants and explosives (TNT, RDX, HMX) for artillery."},
        "capabilities": [{"code": "munitions.explosives", "level": "certified"}],
    },
    "hidden": {
        "name": "Quiet Shells Ltd",
        "kind": "sme",
        "country": "IE",
        "visibility": "owner",
        "descriptions": {"en": "155 mm artillery shells and ammunition, confidential."},
    },
}


@dataclass
class World:
    db: Database
    data: Dataset


@pytest.fixture(scope="module")
def world(module_db_url: str) -> Iterator[World]:
    db = Database(module_db_url)
    yield World(db, build(db, SUPPLIERS))
    db.dispose()


def run(world: World, text: str, viewer: Viewer | None = None, **kwargs):
    with world.db.session() as session:
        return match(session, viewer or Viewer.anonymous(), text, **kwargs)


def ids(result) -> list[int]:
    return [hit.org_id for hit in result.results]


# --- text and concepts (no database) -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("munizioni di artiglieria per gli obici", "it"),
        ("drones de surveillance maritime", "fr"),
        ("Flugabwehr gegen Drohnen und Raketen", "de"),
        ("counter-drone radar for air bases", "en"),
    ],
)
def test_language_detection(text: str, lang: str) -> None:
    assert detect_language(text) == lang


def test_stems_fold_accents_and_drop_stop_words() -> None:
    assert stems("Les munitions et la défense aérienne", "fr") == stems(
        "munition defense aerienne", "fr"
    )
    assert "the" not in stems("the shells of the artillery", "en")


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("155 mm artillery ammunition", "en"),
        ("munizioni di artiglieria", "it"),
        ("munitions d'artillerie", "fr"),
        ("Artilleriemunition und Munition", "de"),
    ],
)
def test_every_language_reaches_the_ammunition_concept(text: str, lang: str) -> None:
    found = lexicon().find(stems(text, lang), lang)
    assert "cap:munitions.ammunition" in found, found


# --- ranking ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "155 mm artillery shells production",
        "produzione di proiettili di artiglieria da 155 mm",
        "production d'obus d'artillerie de 155 mm",
        "Herstellung von Artilleriegranaten 155 mm",
    ],
)
def test_a_query_in_any_language_finds_the_english_profile(world: World, text: str) -> None:
    result = run(world, text, top=5)
    assert ids(result)[0] == world.data.orgs["shells"], [h.name for h in result.results]


def test_scores_are_graded_and_explained(world: World) -> None:
    result = run(world, "counter-drone radar to detect small drones", top=10)
    scores = [hit.score for hit in result.results]
    assert scores == sorted(scores, reverse=True) and 0 < scores[-1] < scores[0] <= 1
    assert len(set(scores)) == len(scores), "no saturation: distinct grades"
    top = result.results[0]
    assert top.org_id == world.data.orgs["cuas"]
    kinds = {e["kind"] for e in top.explanations}
    assert {"terms", "capability"} <= kinds
    assert all(e["text"] for e in top.explanations)


def test_explanations_speak_the_users_language(world: World) -> None:
    italian = run(world, "radar anti-drone", top=1).results[0].explanations
    english = run(world, "radar anti-drone", top=1, explain_lang="en").results[0].explanations
    assert any(e["text"].startswith(("Il profilo", "Capacità")) for e in italian), italian
    assert any(e["text"].startswith(("Profile", "Capability")) for e in english), english


@pytest.mark.parametrize(
    ("filters", "allowed"),
    [
        (MatchFilters(countries=["CZ", "SE"]), {"shells", "explosives"}),
        (MatchFilters(sme_only=True), {"shells", "cuas", "luxspace", "aerosud"}),
        (MatchFilters(kinds=["midcap"]), {"explosives"}),
        (MatchFilters(certification="iso9001"), {"shells", "luxspace"}),
        (MatchFilters(capability="munitions"), {"shells", "explosives"}),
        (MatchFilters(region="ITC"), {"cuas", "cluster", "polimi"}),
    ],
)
def test_hard_filters(world: World, filters: MatchFilters, allowed: set[str]) -> None:
    result = run(world, "artillery ammunition explosives radar drones", filters=filters, top=50)
    assert ids(result), "something must match"
    assert set(ids(result)) <= {world.data.orgs[k] for k in allowed}
    assert all(e["kind"] == "filter" for e in result.results[0].explanations[-1:])


def test_nobody_finds_what_they_may_not_see(world: World) -> None:
    text = "155 mm artillery shells ammunition"
    hidden = world.data.orgs["hidden"]
    assert hidden in ids(run(world, text, Viewer.system(), top=50))  # the operator sees all
    assert hidden not in ids(run(world, text, Viewer.anonymous(), top=50))


def test_the_index_follows_the_registry(world: World) -> None:
    assert not ids(run(world, "hypersonic glide vehicle interceptor", top=5))
    from filiera.registry.models import Source
    from filiera.registry.resolve import Resolver
    from filiera.registry.schemas import OrganisationIn
    from filiera.registry.writer import upsert

    with world.db.session() as session:
        record = OrganisationIn(
            name="Hyperion Interceptors",
            country="FR",
            kind="startup",
            descriptions={"en": "Hypersonic glide vehicle interceptor."},
        )
        upsert(
            session,
            record,
            source=Source(name="t", kind="manual"),
            resolver=Resolver.from_session(session),
        )
    assert run(world, "hypersonic glide vehicle interceptor", top=5).results[0].name == (
        "Hyperion Interceptors"
    )


# --- interfaces --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(world: World) -> Iterator[TestClient]:
    with TestClient(create_app(world.db, Settings())) as test_client:
        yield test_client


def test_api_match(client: TestClient, world: World) -> None:
    response = client.post(
        "/api/match",
        json={
            "text": "munizioni di artiglieria da 155 mm",
            "country": ["CZ", "SE", "IE"],
            "top": 5,
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["lang"] == "it" and "cap:munitions.ammunition" in body["concepts"]
    assert body["results"][0]["id"] == world.data.orgs["shells"]
    assert world.data.orgs["hidden"] not in [r["id"] for r in body["results"]]  # anonymous
    assert body["results"][0]["explanations"]
    bad = client.post("/api/match", json={"text": "x", "top": 0, "country": ["ITALY"]})
    assert bad.status_code == 422
    assert {d["field"] for d in bad.json()["error"]["details"]} >= {"body.text", "body.top"}


def test_cli_match_json(world: World) -> None:
    result = CliRunner().invoke(
        cli, ["match", "Drohnenabwehr Radar", "--db", world.db.url, "--top", "3", "--json"]
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    first = body["results"][0]
    assert set(first) >= {"id", "pic", "name", "country", "score", "explanations"}
    assert first["id"] == world.data.orgs["cuas"]


NEED = {
    "title": "Protezione anti-drone delle basi aeree",
    "text": "Cerchiamo radar e sistemi di disturbo per rilevare e neutralizzare piccoli droni.",
    "capabilities": ["air.uas"],
    "countries": ["IT", "FR"],
    "trl_min": 6,
    "trl_max": 8,
}


def test_needs_permissions_candidates_interest_and_opportunities(
    client: TestClient, world: World
) -> None:
    orgs = world.data.orgs
    buyer = bearer(token_for(world.db, "buyer@match.example", "buyer", (orgs["safran"],)))
    viewer = bearer(token_for(world.db, "viewer@match.example", "viewer"))
    member = bearer(token_for(world.db, "member@match.example", "member", (orgs["cuas"],)))
    need = {**NEED, "owner_id": orgs["safran"]}
    assert client.post("/api/needs", json=need).status_code == 401
    assert client.post("/api/needs", json=need, headers=viewer).status_code == 403
    assert (
        client.post(
            "/api/needs", json={**need, "owner_id": orgs["leonardo"]}, headers=buyer
        ).status_code
        == 403
    )  # not the buyer's organisation
    bad = client.post("/api/needs", json={**need, "trl_min": 9, "countries": ["XX"]}, headers=buyer)
    assert bad.status_code == 422
    created = client.post("/api/needs", json=need, headers=buyer)
    assert created.status_code == 201, created.text
    need_id = created.json()["id"]
    assert created.json()["lang"] == "it"
    ranked = client.get(f"/api/needs/{need_id}/candidates").json()["results"]
    assert ranked[0]["id"] == orgs["cuas"]
    assert {r["country"] for r in ranked} <= {"IT", "FR"}
    interest = {"organisation_id": orgs["cuas"], "note": "Ready for trials"}
    assert (
        client.post(f"/api/needs/{need_id}/interest", json=interest, headers=viewer).status_code
        == 403
    )
    assert (
        client.post(
            f"/api/needs/{need_id}/interest",
            json={"organisation_id": orgs["polimi"]},
            headers=member,
        ).status_code
        == 403
    )
    assert (
        client.post(f"/api/needs/{need_id}/interest", json=interest, headers=member).status_code
        == 201
    )
    again = client.post(f"/api/needs/{need_id}/interest", json=interest, headers=member)
    assert again.status_code == 409
    seen_by_owner = client.get(f"/api/needs/{need_id}/interest", headers=buyer).json()
    assert [i["organisation_id"] for i in seen_by_owner] == [orgs["cuas"]]
    assert client.get(f"/api/needs/{need_id}/interest", headers=viewer).json() == []
    fits = client.get(f"/api/organisations/{orgs['cuas']}/opportunities").json()
    assert fits["needs"][0]["id"] == need_id and fits["needs"][0]["rank"] == 1
    assert (
        client.patch(
            f"/api/needs/{need_id}", json={"visibility": "owner"}, headers=buyer
        ).status_code
        == 200
    )
    assert client.get(f"/api/needs/{need_id}").status_code == 404  # anonymous
    assert client.get(f"/api/needs/{need_id}", headers=buyer).status_code == 200
    assert client.delete(f"/api/needs/{need_id}", headers=member).status_code == 404
    assert client.delete(f"/api/needs/{need_id}", headers=buyer).status_code == 204


def test_theses_rank_startups_and_smes(client: TestClient, world: World) -> None:
    orgs = world.data.orgs
    investor = bearer(
        token_for(world.db, "investor@match.example", "investor", (orgs["luxspace"],))
    )
    thesis = {
        "title": "Counter-UAS seed fund",
        "owner_id": orgs["luxspace"],
        "text": "Seed tickets for start-ups building counter-drone sensors and radar.",
        "sectors": ["air.uas"],
        "stages": ["seed"],
        "ticket_min": 250000,
        "ticket_max": 2000000,
    }
    assert client.post("/api/theses", json=thesis).status_code == 401
    created = client.post("/api/theses", json=thesis, headers=investor)
    assert created.status_code == 201, created.text
    ranked = client.get(f"/api/theses/{created.json()['id']}/startups").json()["results"]
    assert ranked[0]["id"] == orgs["cuas"]
    assert {r["kind"] for r in ranked} <= {"startup", "sme"}
    fits = client.get(f"/api/organisations/{orgs['cuas']}/opportunities").json()
    assert created.json()["id"] in [t["id"] for t in fits["theses"]]


def test_web_search_and_need_pages(client: TestClient, world: World) -> None:
    page = client.get("/match", params={"q": "munizioni di artiglieria", "country": "CZ SE"})
    assert page.status_code == 200 and "data-match-results" in page.text
    assert "Ostrava Shell Works" in page.text and "Quiet Shells" not in page.text
    assert client.get("/match").status_code == 200
    assert client.get("/needs").status_code == 200
    profile = client.get(f"/organisations/{world.data.orgs['cuas']}")
    assert "data-opportunities" in profile.text


def test_certifications_and_countries_are_understood(world: World) -> None:
    """`ISO 9001` in a query reaches certified organisations; country names bridge too."""
    result = run(world, "fornitore certificato ISO 9001", top=5)
    assert "cert:iso9001" in result.concepts
    assert {world.data.orgs["shells"], world.data.orgs["luxspace"]} <= set(ids(result)[:3])
    assert "country:CZ" in run(world, "Repubblica Ceca", top=1).concepts


def test_sme_only_with_a_non_sme_kind_matches_nothing(world: World) -> None:
    flt = MatchFilters(kinds=["midcap"], sme_only=True)
    assert not ids(run(world, "artillery ammunition explosives", filters=flt, top=10))
