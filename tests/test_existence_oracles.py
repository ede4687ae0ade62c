"""Writes that collide with hidden records reveal nothing (issue 9, finding 5), both backends.

Before: `409 PIC … already belongs to organisation 617` (617 hidden), `404 organisation 617
does not exist` when a create resolved to a hidden record, grant validation that told
hidden ids from missing ones, and a create answered `review` against a hidden record.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from filiera.app import create_app
from filiera.db import Database
from filiera.registry.models import ReviewItem
from filiera.settings import Settings
from support.auth import bearer, token_for
from support.dataset import Dataset, build

HIDDEN = {
    "name": "Stealth Optronics GmbH",
    "kind": "sme",
    "country": "DE",
    "city": "Ulm",
    "visibility": "owner",
    "identifiers": {"pic": "999000222"},
}


@dataclass
class World:
    db: Database
    data: Dataset
    client: TestClient
    manager: dict[str, str]
    admin: dict[str, str]

    @property
    def hidden(self) -> int:
        return self.data.orgs["hidden"]


@pytest.fixture
def world(db_url: str) -> Iterator[World]:
    db = Database(db_url)
    data = build(db, extra={"hidden": HIDDEN})
    manager = bearer(token_for(db, "m@oracle.example", "cluster_manager", (data.orgs["cluster"],)))
    admin = bearer(token_for(db, "a@oracle.example"))
    with TestClient(create_app(db, Settings())) as client:
        yield World(db, data, client, manager, admin)
    db.dispose()


def _no_trace(w: World, response) -> None:
    """Neither the hidden record's id nor its name appears."""
    text = response.text.replace(" ", "")
    assert f"organisation{w.hidden}" not in text and f'"id":{w.hidden},' not in text
    assert f'_id":{w.hidden}' not in text and "GmbH" not in text


def test_patching_a_hidden_records_pic_gets_the_neutral_conflict(world: World) -> None:
    w = world
    polimi = w.data.orgs["polimi"]  # a member of the manager's cluster: editable
    taken = w.client.patch(
        f"/api/organisations/{polimi}",
        json={"identifiers": {"pic": "999000222"}},
        headers=w.manager,
    )
    assert taken.status_code == 409
    assert taken.json()["error"]["message"] == (
        "PIC 999000222 cannot be used for this record; ask an administrator"
    )
    assert taken.json()["error"]["details"][0]["field"] == "identifiers.pic"
    _no_trace(w, taken)
    visible = w.client.patch(
        f"/api/organisations/{polimi}",
        json={"identifiers": {"pic": "999880463"}},
        headers=w.manager,
    )
    assert visible.status_code == 409
    assert f"organisation {w.data.orgs['leonardo']}" in visible.text  # they can see Leonardo


def test_creating_with_a_hidden_records_pic_gets_the_neutral_conflict(world: World) -> None:
    w = world
    body = {"name": "Another Name Entirely", "kind": "sme", "country": "IT"}
    body["identifiers"] = {"pic": "999000222"}
    response = w.client.post("/api/organisations", json=body, headers=w.manager)
    assert response.status_code == 409, response.text
    assert "cannot be used for this record" in response.text
    _no_trace(w, response)


def test_a_hidden_near_duplicate_is_queued_for_admins_silently(world: World) -> None:
    w = world
    body = {"name": "Stealth Optronics", "kind": "sme", "country": "DE", "city": "Ulm"}
    response = w.client.post("/api/organisations", json=body, headers=w.manager)
    assert response.status_code == 201, response.text
    assert response.headers["x-filiera-outcome"] == "created"
    _no_trace(w, response)
    created = response.json()["id"]
    assert created != w.hidden
    with w.db.session() as session:
        queued = session.scalars(select(ReviewItem).where(ReviewItem.organisation_id == created))
        assert [item.candidate_id for item in queued] == [w.hidden]
    review = w.client.get("/api/review", headers=w.admin).json()
    assert [(i["organisation"]["id"], i["candidate"]["id"]) for i in review] == [
        (created, w.hidden)
    ]


def test_grants_to_a_hidden_organisation_read_like_grants_to_a_missing_one(world: World) -> None:
    w = world
    polimi = w.data.orgs["polimi"]
    url = f"/api/organisations/{polimi}/access"
    hidden = w.client.put(url, json={"grants": [{"organisation_id": w.hidden}]}, headers=w.manager)
    missing = w.client.put(url, json={"grants": [{"organisation_id": 98765}]}, headers=w.manager)
    assert hidden.status_code == missing.status_code == 422
    assert (
        hidden.json()["error"]["details"][0]["message"] == f"organisation {w.hidden} does not exist"
    )
    assert missing.json()["error"]["details"][0]["message"] == "organisation 98765 does not exist"
    granted = w.client.put(url, json={"grants": [{"organisation_id": w.hidden}]}, headers=w.admin)
    assert granted.status_code == 200  # an admin sees it, so may grant it
