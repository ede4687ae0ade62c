"""Cluster membership needs the organisation's consent (issue 9, finding 1), on both backends.

Before: a cluster manager could enrol any visible organisation with
`POST /api/clusters/{id}/members`, then read its members-only fields, PATCH it and change its
access settings. Now the manager only invites; the organisation's own users accept.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from filiera.app import create_app
from filiera.db import Database
from filiera.settings import Settings
from filiera.web.i18n import strings
from support.auth import bearer, token_for
from support.dataset import Dataset, build

SECRET_BAND = "250M-1B"
EN = strings("en")


@dataclass
class World:
    data: Dataset
    client: TestClient
    admin: dict[str, str]
    manager: dict[str, str]
    leonardo_user: dict[str, str]
    safran_user: dict[str, str]

    @property
    def cluster(self) -> int:
        return self.data.orgs["cluster"]

    @property
    def leonardo(self) -> int:
        return self.data.orgs["leonardo"]


@pytest.fixture
def world(db_url: str) -> Iterator[World]:
    db = Database(db_url)
    data = build(db)
    admin = bearer(token_for(db, "admin@inv.example"))
    manager = bearer(token_for(db, "m@inv.example", "cluster_manager", (data.orgs["cluster"],)))
    leo = bearer(token_for(db, "leo@inv.example", "member", (data.orgs["leonardo"],)))
    saf = bearer(token_for(db, "saf@inv.example", "member", (data.orgs["safran"],)))
    with TestClient(create_app(db, Settings())) as client:
        client.patch(
            f"/api/organisations/{data.orgs['leonardo']}",
            json={"revenue_band": SECRET_BAND},
            headers=admin,
        ).raise_for_status()
        yield World(data, client, admin, manager, leo, saf)
    db.dispose()


def _invite(w: World, headers: dict[str, str], org_id: int):
    return w.client.post(
        f"/api/clusters/{w.cluster}/members", json={"organisation_id": org_id}, headers=headers
    )


def _members(w: World) -> set[int]:
    page = w.client.get(f"/api/clusters/{w.cluster}/members", headers=w.admin).json()
    return {row["id"] for row in page["data"]}


def test_a_manager_invites_and_gains_nothing_until_accepted(world: World) -> None:
    w = world
    response = _invite(w, w.manager, w.leonardo)
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "invited" and response.json()["invitation_id"]
    assert w.leonardo not in _members(w)
    profile = w.client.get(f"/api/organisations/{w.leonardo}", headers=w.manager).json()
    assert profile["revenue_band"] is None and "revenue_band" in profile["withheld"]
    patch = w.client.patch(
        f"/api/organisations/{w.leonardo}", json={"city": "Taken"}, headers=w.manager
    )
    assert patch.status_code == 403
    hide = w.client.put(
        f"/api/organisations/{w.leonardo}/access", json={"visibility": "owner"}, headers=w.manager
    )
    assert hide.status_code == 403
    assert w.client.get(f"/api/organisations/{w.leonardo}").status_code == 200  # still public
    again = _invite(w, w.manager, w.leonardo)
    assert again.status_code == 409 and "already invited" in again.text


def test_the_organisation_accepts_and_the_manager_may_then_edit(world: World) -> None:
    w = world
    invitation = _invite(w, w.manager, w.leonardo).json()["invitation_id"]
    mine = w.client.get(f"/api/organisations/{w.leonardo}/invitations", headers=w.leonardo_user)
    assert [(i["id"], i["status"], i["cluster_name"]) for i in mine.json()] == [
        (invitation, "pending", "Lombardia Aerospace Cluster")
    ]
    url = f"/api/organisations/{w.leonardo}/invitations/{invitation}"
    answer = w.client.post(url, json={"decision": "accept"}, headers=w.leonardo_user)
    assert answer.status_code == 200 and answer.json()["status"] == "accepted"
    assert answer.json()["decided_by"] == "leo@inv.example"
    assert w.leonardo in _members(w)
    patch = w.client.patch(
        f"/api/organisations/{w.leonardo}", json={"city": "Genova"}, headers=w.manager
    )
    assert patch.status_code == 200
    twice = w.client.post(url, json={"decision": "decline"}, headers=w.leonardo_user)
    assert twice.status_code == 409


def test_a_declined_invitation_changes_nothing(world: World) -> None:
    w = world
    invitation = _invite(w, w.manager, w.leonardo).json()["invitation_id"]
    url = f"/api/organisations/{w.leonardo}/invitations/{invitation}"
    answer = w.client.post(url, json={"decision": "decline"}, headers=w.leonardo_user)
    assert answer.json()["status"] == "declined"
    assert w.leonardo not in _members(w)
    assert _invite(w, w.manager, w.leonardo).status_code == 202  # may invite again


def test_only_the_organisation_answers(world: World) -> None:
    w = world
    invitation = _invite(w, w.manager, w.leonardo).json()["invitation_id"]
    url = f"/api/organisations/{w.leonardo}/invitations/{invitation}"
    for outsider in (w.safran_user, w.manager):
        assert w.client.post(url, json={"decision": "accept"}, headers=outsider).status_code in (
            403,
            404,
        )
        listing = w.client.get(f"/api/organisations/{w.leonardo}/invitations", headers=outsider)
        assert listing.status_code in (403, 404)
    # Safran cannot answer Leonardo's invitation through its own organisation either.
    other = f"/api/organisations/{w.data.orgs['safran']}/invitations/{invitation}"
    assert (
        w.client.post(other, json={"decision": "accept"}, headers=w.safran_user).status_code == 404
    )
    assert w.leonardo not in _members(w)
    assert (
        w.client.post(url, json={"decision": "maybe"}, headers=w.leonardo_user).status_code == 422
    )


def test_admins_enrol_directly_and_managers_withdraw(world: World) -> None:
    w = world
    enrolled = _invite(w, w.admin, w.leonardo)
    assert enrolled.status_code == 201 and enrolled.json()["status"] == "member"
    assert w.leonardo in _members(w)
    invitation = _invite(w, w.manager, w.data.orgs["safran"]).json()["invitation_id"]
    sent = w.client.get(f"/api/clusters/{w.cluster}/invitations", headers=w.manager).json()
    assert [(i["organisation_name"], i["status"]) for i in sent] == [("Safran SA", "pending")]
    withdrawn = w.client.delete(
        f"/api/clusters/{w.cluster}/invitations/{invitation}", headers=w.manager
    )
    assert withdrawn.status_code == 204
    url = f"/api/organisations/{w.data.orgs['safran']}/invitations/{invitation}"
    late = w.client.post(url, json={"decision": "accept"}, headers=w.safran_user)
    assert late.status_code == 409 and "withdrawn" in late.text
    assert (
        w.client.get(f"/api/clusters/{w.cluster}/invitations", headers=w.leonardo_user).status_code
        == 403
    )


def test_invitations_are_audited(world: World) -> None:
    w = world
    invitation = _invite(w, w.manager, w.leonardo).json()["invitation_id"]
    url = f"/api/organisations/{w.leonardo}/invitations/{invitation}"
    w.client.post(url, json={"decision": "accept"}, headers=w.leonardo_user)
    events = w.client.get(
        "/api/audit", params={"entity": "cluster_invitation"}, headers=w.admin
    ).json()
    actors = {(e["action"], e["actor"]) for e in events}
    assert ("create", "m@inv.example") in actors and ("update", "leo@inv.example") in actors


def test_the_web_page_accepts_and_refuses_a_second_answer(world: World) -> None:
    """An organisation's user answers on /organisations/{id}/invitations, in English or Italian."""
    from test_access_web import FORM_TOKEN, sign_in

    w = world
    invitation = _invite(w, w.manager, w.leonardo).json()["invitation_id"]
    with TestClient(w.client.app) as browser:
        sign_in(browser, "leo@inv.example")
        profile = browser.get(f"/organisations/{w.leonardo}")
        assert f'href="/organisations/{w.leonardo}/invitations"' in profile.text
        page = browser.get(f"/organisations/{w.leonardo}/invitations")
        assert page.status_code == 200 and "Lombardia Aerospace Cluster" in page.text
        token = FORM_TOKEN.search(page.text).group(1)
        url = f"/organisations/{w.leonardo}/invitations/{invitation}"
        done = browser.post(url, data={"decision": "accept", "csrf_token": token})
        assert done.status_code == 200 and "accepted" in done.text
        again = browser.post(url, data={"decision": "decline", "csrf_token": token})
        assert again.status_code == 409 and EN["errors.invitation_answered"] in again.text
        italian = browser.get(f"/organisations/{w.leonardo}/invitations?lang=it")
        assert "Inviti ad aderire a cluster" in italian.text and "accettato" in italian.text
        forged = browser.post(url, data={"decision": "accept", "csrf_token": "x"})
        assert forged.status_code == 403
    assert w.leonardo in _members(w)
    with TestClient(w.client.app) as outsider:
        sign_in(outsider, "saf@inv.example")
        assert outsider.get(f"/organisations/{w.leonardo}/invitations").status_code == 404
        profile = outsider.get(f"/organisations/{w.leonardo}")
        assert "/invitations" not in profile.text
