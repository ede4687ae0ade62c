"""Matchmaking and cluster filters reveal nothing hidden (issue 9, findings 2 and 3).

Before: `POST /api/match` counted hidden organisations in `candidates`, scaled scores
against a hidden best match, answered filters (country, cluster...) about hidden
organisations, "rank N of M" counted them, and `?cluster=ID` listed the public members of
a cluster that answers 404, whose name was indexed in its members' profiles.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from filiera.access import audit
from filiera.access.viewer import Viewer
from filiera.app import create_app
from filiera.db import Database
from filiera.needs import service as needs
from filiera.needs.schemas import NeedIn
from filiera.registry.models import Membership
from filiera.settings import Settings
from support.auth import bearer, token_for
from support.dataset import Dataset, build

TEXT = "gravimetric quantum sensors for submarine detection"
EXTRA = {
    "hidden_best": {
        "name": "Hidden Quantum Labs",
        "kind": "startup",
        "country": "DE",
        "visibility": "owner",
        "descriptions": {
            "en": f"{TEXT}. {TEXT}. Gravimetric quantum sensors, submarine detection."
        },
    },
    "visible": {
        "name": "Open Sensors",
        "kind": "sme",
        "country": "IT",
        "descriptions": {"en": "Quantum sensors for navigation."},
    },
    "visible2": {
        "name": "Open Sonar",
        "kind": "sme",
        "country": "FR",
        "descriptions": {"en": "Sonar for submarine detection."},
    },
    "shadow": {
        "name": "Zyxwv Secret Alliance",
        "kind": "cluster",
        "country": "IT",
        "visibility": "owner",
    },
}


@dataclass
class World:
    data: Dataset
    client: TestClient
    member: dict[str, str]


@pytest.fixture
def world(db_url: str) -> Iterator[World]:
    db = Database(db_url)
    data = build(db, extra=EXTRA)
    with db.session() as session:
        audit.bind(session, Viewer.system())
        session.add(
            Membership(cluster_id=data.orgs["shadow"], organisation_id=data.orgs["visible"])
        )
        needs.publish_need(
            session,
            Viewer.system(),
            NeedIn(title="Submarine detection", text=TEXT, owner_id=data.orgs["leonardo"]),
        )
    member = bearer(token_for(db, "m@match.example", "member", (data.orgs["visible"],)))
    with TestClient(create_app(db, Settings())) as client:
        yield World(data, client, member)
    db.dispose()


def _match(w: World, **body) -> dict:
    response = w.client.post("/api/match", json={"text": TEXT, **body})
    assert response.status_code == 200, response.text
    return response.json()


def test_candidates_and_scaling_ignore_hidden_organisations(world: World) -> None:
    found = _match(world)
    ids = [r["id"] for r in found["results"]]
    assert world.data.orgs["hidden_best"] not in ids
    assert found["candidates"] == len(ids) and {
        world.data.orgs["visible"],
        world.data.orgs["visible2"],
    } <= set(ids)
    assert found["results"][0]["parts"]["profile"] == 1.0  # scaled among visible ones


def test_filters_do_not_answer_questions_about_hidden_organisations(world: World) -> None:
    assert _match(world, country=["DE"]) == {**_match(world, country=["DE"]), "candidates": 0}
    assert _match(world, country=["DE"])["results"] == []
    assert _match(world, kind=["startup"])["candidates"] == 0


def test_a_hidden_cluster_has_no_members_and_no_name_in_profiles(world: World) -> None:
    w, shadow = world, world.data.orgs["shadow"]
    assert w.client.get(f"/api/clusters/{shadow}/members").status_code == 404
    listed = w.client.get("/api/organisations", params={"cluster": shadow}).json()
    assert listed["count"] == 0 and listed["data"] == []
    page = w.client.get("/organisations", params={"cluster": shadow})
    assert "Open Sensors" not in page.text
    assert _match(w, cluster=shadow)["candidates"] == 0
    by_name = w.client.post("/api/match", json={"text": "Zyxwv Secret Alliance"}).json()
    assert by_name["results"] == []


def test_opportunity_ranks_count_only_visible_organisations(world: World) -> None:
    w = world
    url = f"/api/organisations/{w.data.orgs['visible']}/opportunities"
    found = w.client.get(url, headers=w.member).json()
    [need] = found["needs"]
    ranked = w.client.get(f"/api/needs/{need['id']}/candidates", headers=w.member).json()
    assert w.data.orgs["hidden_best"] not in [r["id"] for r in ranked["results"]]
    assert need["of"] == ranked["candidates"]  # "rank N of M" counts what the member may see
    assert need["rank"] == [r["id"] for r in ranked["results"]].index(w.data.orgs["visible"]) + 1
