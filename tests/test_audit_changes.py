"""The audit log misses nothing: removed rows, replaced identifiers, cascades, listings.

Changes: every row an edit, a delete or a merge removes (through a relationship collection,
an ORM cascade, a bulk statement or a database ON DELETE CASCADE) has exactly one `delete`
event with the old row as `before`, in the same transaction (a rolled-back change leaves
no event). Reads: every route that lists organisations writes a `read` event naming the
restricted organisations it showed and the viewer who saw them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from filiera.access.audit import as_dict
from filiera.access.models import AccessGrant, AuditEvent
from filiera.app import create_app
from filiera.cli.main import app as cli_app
from filiera.db import Database
from filiera.needs.models import Interest, Need
from filiera.registry.models import (
    Certification,
    Identifier,
    Membership,
    Organisation,
    OrgCapability,
    Participation,
    Person,
    PersonRole,
    Relation,
    Site,
    Source,
)
from filiera.settings import Settings
from support.auth import bearer, token_for
from support.dataset import Dataset, build

SECRET_PIC = "977777777"
NEW_PIC = "966666666"
SECRET = {
    "name": "Hush Avionics Srl",
    "kind": "sme",
    "country": "IT",
    "region": "ITC4",
    "city": "Varese",
    "visibility": "restricted",
    "identifiers": {"pic": SECRET_PIC, "vat": "IT00743110157"},
    "capabilities": [{"code": "electronics.radar"}, {"code": "materials.composites"}],
    "certifications": [{"code": "iso9001"}],
    "sites": [
        {"name": "Plant Varese", "country": "IT", "city": "Varese"},
        {"name": "Lab Gallarate", "country": "IT", "city": "Gallarate"},
    ],
}
SECRET_CLUSTER = {
    "name": "Hush Defence Consortium",
    "kind": "cluster",
    "country": "IT",
    "visibility": "restricted",
}
GRANTED = "granted@audit.example"
PLAIN = "plain@audit.example"
RUNNER = CliRunner(env={"COLUMNS": "200"})


@dataclass
class World:
    db: Database
    url: str
    data: Dataset
    admin: dict[str, str]
    granted: dict[str, str]
    plain: dict[str, str]

    def org(self, key: str) -> int:
        return self.data.orgs[key]


def build_world(url: str) -> World:
    """The support dataset plus a restricted organisation granted to Safran, attached to
    everything an organisation can have (member of the cluster, participant in EPC, a
    person's role, a relation, a need with an interest) and a restricted cluster."""
    db = Database(url)
    data = build(db, extra={"secret": SECRET, "secret_cluster": SECRET_CLUSTER})
    secret = data.orgs["secret"]
    with db.session() as session:
        source = session.scalars(select(Source)).first()
        session.add_all(
            [
                Membership(organisation_id=secret, cluster_id=data.orgs["cluster"]),
                Membership(organisation_id=secret, cluster_id=data.orgs["secret_cluster"]),
                Participation(
                    project_id=data.projects["epc"], organisation_id=secret, role="participant"
                ),
                Relation(kind="partner", source_org_id=secret, target_org_id=data.orgs["safran"]),
                AccessGrant(
                    entity="organisation", entity_id=secret, organisation_id=data.orgs["safran"]
                ),
                AccessGrant(
                    entity="organisation",
                    entity_id=data.orgs["secret_cluster"],
                    organisation_id=data.orgs["safran"],
                ),
            ]
        )
        person = Person(name="Ada Silenzio", source=source)
        person.roles.append(PersonRole(organisation_id=secret, title="CEO"))
        need = Need(title="Quiet radar", text="A radar nobody hears.", owner_id=secret)
        need.interests.append(Interest(organisation_id=data.orgs["leonardo"]))
        session.add_all([person, need])
    world = World(
        db,
        url,
        data,
        bearer(token_for(db, "admin@audit.example")),
        bearer(token_for(db, GRANTED, role="member", org_ids=(data.orgs["safran"],))),
        bearer(token_for(db, PLAIN, role="viewer")),
    )
    return world


def last_event_id(db: Database) -> int:
    with db.session() as session:
        return session.scalar(select(func.max(AuditEvent.id))) or 0


def events_since(db: Database, marker: int, **where: Any) -> list[dict[str, Any]]:
    """Events written after `marker`, oldest first, filtered by column values."""
    stmt = select(AuditEvent).where(AuditEvent.id > marker).order_by(AuditEvent.id)
    for name, value in where.items():
        stmt = stmt.where(getattr(AuditEvent, name) == value)
    with db.session() as session:
        return [as_dict(e) for e in session.scalars(stmt)]


def rows_of(db: Database, model: type, **where: Any) -> list[dict[str, Any]]:
    stmt = select(model).filter_by(**where).order_by(model.id)
    with db.session() as session:
        return [
            {c.key: getattr(row, c.key) for c in model.__table__.columns}
            for row in session.scalars(stmt)
        ]


def assert_one_event_per_row(events: list[dict[str, Any]]) -> None:
    counts = Counter((e["action"], e["entity"], e["entity_id"]) for e in events)
    twice = [key for key, n in counts.items() if n > 1 and key[2] is not None]
    assert not twice, f"rows logged more than once: {twice}"


def assert_deleted(events: list[dict[str, Any]], entity: str, rows: list[dict], *keys: str):
    """Each row has one `delete` event whose `before` holds its old values."""
    assert rows, f"no {entity} rows to check"
    deletes = {
        e["entity_id"]: e for e in events if e["action"] == "delete" and e["entity"] == entity
    }
    for row in rows:
        event = deletes.get(row["id"])
        assert event is not None, (entity, row, events)
        assert event["after"] is None
        for key in keys:
            assert event["before"][key] == row[key], (entity, key, event)


def client_for(world: World) -> TestClient:
    return TestClient(create_app(world.db, Settings()))


@pytest.fixture
def world(db_url: str) -> Iterator[World]:
    made = build_world(db_url)
    yield made
    made.db.dispose()


# --- changes ---------------------------------------------------------------------------------


def _parts_of_secret(world: World) -> dict[str, list[dict]]:
    secret = world.org("secret")
    return {
        "capability": rows_of(world.db, OrgCapability, organisation_id=secret),
        "site": rows_of(world.db, Site, organisation_id=secret),
        "certification": rows_of(world.db, Certification, organisation_id=secret),
        "identifier": rows_of(world.db, Identifier, organisation_id=secret, scheme="pic"),
    }


def _assert_emptied_and_pic_replaced(world: World, events: list[dict], before: dict) -> None:
    assert_one_event_per_row(events)
    assert_deleted(events, "capability", before["capability"], "code", "organisation_id")
    assert_deleted(events, "site", before["site"], "name", "city", "organisation_id")
    # the old PIC: one event (delete, or update with before/after) holding its old value
    (old,) = before["identifier"]
    ident = [e for e in events if e["entity"] == "identifier"]
    old_events = [e for e in ident if e["entity_id"] == old["id"]]
    assert len(old_events) == 1, ident
    assert old_events[0]["action"] in ("delete", "update")
    assert old_events[0]["before"]["value"] == SECRET_PIC
    assert any((e["after"] or {}).get("value") == NEW_PIC for e in ident), ident
    assert rows_of(world.db, OrgCapability, organisation_id=world.org("secret")) == []
    assert rows_of(world.db, Site, organisation_id=world.org("secret")) == []


def test_api_patch_logs_removed_parts_and_the_replaced_pic(world: World) -> None:
    before = _parts_of_secret(world)
    marker = last_event_id(world.db)
    with client_for(world) as client:
        response = client.patch(
            f"/api/organisations/{world.org('secret')}",
            json={"capabilities": [], "sites": [], "identifiers": {"pic": NEW_PIC}},
            headers=world.admin,
        )
    assert response.status_code == 200, response.text
    assert response.json()["capabilities"] == [] and response.json()["sites"] == []
    events = events_since(world.db, marker)
    _assert_emptied_and_pic_replaced(world, events, before)
    changes = [e for e in events if e["action"] != "read"]
    assert {e["actor"] for e in changes} == {"admin@audit.example"}
    # the certifications were not in the patch: left alone, not logged
    assert not [e for e in events if e["entity"] == "certification"]


def test_api_patch_replacing_a_part_logs_the_old_row(world: World) -> None:
    before = rows_of(world.db, OrgCapability, organisation_id=world.org("secret"))
    kept = next(r for r in before if r["code"] == "electronics.radar")
    gone = [r for r in before if r is not kept]
    marker = last_event_id(world.db)
    with client_for(world) as client:
        response = client.patch(
            f"/api/organisations/{world.org('secret')}",
            json={"capabilities": [{"code": "electronics.radar"}, {"code": "space.satellites"}]},
            headers=world.admin,
        )
    assert response.status_code == 200, response.text
    events = events_since(world.db, marker, entity="capability")
    assert_one_event_per_row(events)
    assert_deleted(events, "capability", gone, "code")
    assert [e["after"]["code"] for e in events if e["action"] == "create"] == ["space.satellites"]
    assert kept["id"] not in {e["entity_id"] for e in events}


def test_cli_org_edit_logs_removed_parts_and_the_replaced_pic(world: World) -> None:
    before = _parts_of_secret(world)
    marker = last_event_id(world.db)
    argv = ["org", "edit", str(world.org("secret")), "capabilities=", "sites=", f"pic={NEW_PIC}"]
    result = RUNNER.invoke(cli_app, [*argv, "--db", world.url])
    assert result.exit_code == 0, result.output
    _assert_emptied_and_pic_replaced(world, events_since(world.db, marker), before)


def test_a_rolled_back_edit_leaves_no_event(world: World) -> None:
    """The capabilities are removed in memory, then the region check fails: nothing stays."""
    safran = world.org("safran")
    before = rows_of(world.db, OrgCapability, organisation_id=safran)
    marker = last_event_id(world.db)
    with client_for(world) as client:
        response = client.patch(
            f"/api/organisations/{safran}",
            json={"capabilities": [], "region": "ITC4"},
            headers=world.admin,
        )
    assert response.status_code == 422, response.text
    assert events_since(world.db, marker) == []
    assert rows_of(world.db, OrgCapability, organisation_id=safran) == before


def test_deleting_an_organisation_logs_everything_it_takes_along(world: World) -> None:
    secret = world.org("secret")
    attached = {
        "organisation": rows_of(world.db, Organisation, id=secret),
        "capability": rows_of(world.db, OrgCapability, organisation_id=secret),
        "site": rows_of(world.db, Site, organisation_id=secret),
        "certification": rows_of(world.db, Certification, organisation_id=secret),
        "identifier": rows_of(world.db, Identifier, organisation_id=secret),
        "membership": rows_of(world.db, Membership, organisation_id=secret),
        "person_role": rows_of(world.db, PersonRole, organisation_id=secret),
        "relation": rows_of(world.db, Relation, source_org_id=secret),
        "need": rows_of(world.db, Need, owner_id=secret),
        "interest": rows_of(
            world.db, Interest, need_id=rows_of(world.db, Need, owner_id=secret)[0]["id"]
        ),
        "access_grant": rows_of(world.db, AccessGrant, entity="organisation", entity_id=secret),
    }
    marker = last_event_id(world.db)
    with client_for(world) as client:
        response = client.delete(f"/api/organisations/{secret}", headers=world.admin)
    assert response.status_code == 204, response.text
    events = events_since(world.db, marker)
    assert_one_event_per_row(events)
    for entity, rows in attached.items():
        assert_deleted([e for e in events if e["entity"] == entity], entity, rows)
    assert_deleted(events, "organisation", attached["organisation"], "name", "visibility")
    assert_deleted(events, "identifier", attached["identifier"], "scheme", "value")
    assert {e["actor"] for e in events} == {"admin@audit.example"}
    for rows in attached.values():  # and they are gone
        for row in rows:
            assert not any(e["action"] == "create" and e["entity_id"] == row["id"] for e in events)
    assert rows_of(world.db, AccessGrant, entity="organisation", entity_id=secret) == []
    assert rows_of(world.db, Need, owner_id=secret) == []


def test_deleting_a_cluster_logs_its_members_memberships(world: World) -> None:
    """Memberships *of* a cluster go by a database ON DELETE CASCADE (no ORM relationship)."""
    cluster = world.org("cluster")
    memberships = rows_of(world.db, Membership, cluster_id=cluster)
    assert len(memberships) == 3
    marker = last_event_id(world.db)
    with client_for(world) as client:
        assert (
            client.delete(f"/api/organisations/{cluster}", headers=world.admin).status_code == 204
        )
    events = events_since(world.db, marker, entity="membership")
    assert_one_event_per_row(events)
    assert_deleted(events, "membership", memberships, "organisation_id", "cluster_id")


def test_a_review_merge_logs_the_dropped_record_and_what_moved(world: World) -> None:
    marker = last_event_id(world.db)
    with client_for(world) as client:
        record = {"name": "Politecnico di Milano", "kind": "university", "country": "IT"}
        record |= {"city": "Lecco", "sites": [{"name": "Campus Lecco", "country": "IT"}]}
        record |= {"capabilities": [{"code": "materials.composites"}]}
        newer = client.post("/api/organisations", json=record, headers=world.admin)
        assert newer.headers["X-Filiera-Outcome"] == "review", newer.text
        dropped = newer.json()["id"]
        site = rows_of(world.db, Site, organisation_id=dropped)
        twin = rows_of(world.db, OrgCapability, organisation_id=dropped)
        (item,) = client.get("/api/review", headers=world.admin).json()
        decided = client.post(
            f"/api/review/{item['id']}", json={"decision": "merge"}, headers=world.admin
        )
        assert decided.status_code == 200, decided.text
    events = [e for e in events_since(world.db, marker) if e["action"] != "read"]
    assert_one_event_per_row(events)
    org_events = [e for e in events if e["entity"] == "organisation" and e["entity_id"] == dropped]
    assert [e["action"] for e in org_events] == ["create", "delete"]
    assert org_events[-1]["before"]["city"] == "Lecco"
    # polimi already has this capability: the duplicate row is deleted (bulk statement)
    assert_deleted(events, "capability", twin, "code", "organisation_id")
    # the site moved to the kept record: an update with the old and new owner
    (moved,) = [e for e in events if e["entity"] == "site" and e["action"] == "update"]
    assert moved["entity_id"] == site[0]["id"]
    assert moved["before"]["organisation_id"] == dropped
    assert moved["after"]["organisation_id"] == world.org("polimi")
    review = [e for e in events if e["entity"] == "review_item"]
    assert [e["action"] for e in review] == ["create", "delete"]


# --- listings --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shared(module_db_url: str) -> Iterator[World]:
    """One world per backend for the read-only listing checks."""
    made = build_world(module_db_url)
    yield made
    made.db.dispose()


# (kind, route, restricted organisation it must list) — kind: api/web (GET) or cli (argv)
LISTINGS = [
    ("api", "/api/organisations", "secret"),
    ("api", "/api/organisations?cluster={cluster}", "secret"),
    ("api", "/api/clusters/{cluster}/members", "secret"),
    ("api", "/api/clusters/{secret_cluster}/members", "secret"),
    ("api", "/api/projects/{epc}", "secret"),
    ("api", "/api/organisations/{leonardo}/partners", "secret"),
    ("api", "/api/clusters", "secret_cluster"),
    ("web", "/organisations", "secret"),
    ("web", "/organisations?cluster={cluster}", "secret"),
    ("web", "/clusters/{cluster}", "secret"),
    ("web", "/projects/{epc}", "secret"),
    ("web", "/clusters", "secret_cluster"),
    ("cli", "org list --json --as {email}", "secret"),
    ("cli", "org list --json --cluster {cluster} --as {email}", "secret"),
    ("cli", "export - --as {email}", "secret"),
]


def _names(world: World) -> dict[str, Any]:
    return {
        **world.data.orgs,
        "epc": world.data.projects["epc"],
        "email": GRANTED,
    }


def _show(world: World, kind: str, route: str, headers: dict[str, str]) -> str:
    """Call one listing route as the viewer of `headers`; the text it returned."""
    target = route.format(**_names(world))
    if kind == "cli":
        result = RUNNER.invoke(cli_app, [*target.split(), "--db", world.url])
        assert result.exit_code == 0, result.output
        return result.stdout
    with client_for(world) as client:
        extra = {"accept": "text/html"} if kind == "web" else {}
        response = client.get(target, headers={**headers, **extra})
    assert response.status_code == 200, (target, response.text[:500])
    return response.text


def _reads_naming(events: list[dict[str, Any]], org_id: int) -> list[dict[str, Any]]:
    return [
        e
        for e in events
        if e["action"] == "read"
        and e["entity"] == "organisation"
        and (e["entity_id"] == org_id or org_id in (e["after"] or {}).get("ids", []))
    ]


def _listing(kind: str, route: str, listed: str):
    return pytest.param(kind, route, listed, id=route)


@pytest.mark.parametrize(("kind", "route", "listed"), [_listing(*r) for r in LISTINGS])
def test_listing_a_restricted_record_is_audited(
    shared: World, kind: str, route: str, listed: str
) -> None:
    org_id = shared.org(listed)
    name = (SECRET if listed == "secret" else SECRET_CLUSTER)["name"]
    marker = last_event_id(shared.db)
    text = _show(shared, kind, route, shared.granted)
    assert name in text, f"{route}: the granted viewer does not see {name}"
    reads = _reads_naming(events_since(shared.db, marker, actor=GRANTED), org_id)
    assert reads, f"{route}: no read event naming organisation {org_id} and {GRANTED}"


PUBLIC_LISTINGS = [r for r in LISTINGS if r[0] != "cli"]


@pytest.mark.parametrize(
    ("kind", "route", "listed"), PUBLIC_LISTINGS, ids=[r[1] for r in PUBLIC_LISTINGS]
)
def test_a_viewer_without_the_grant_neither_sees_nor_is_logged(
    shared: World, kind: str, route: str, listed: str
) -> None:
    name = (SECRET if listed == "secret" else SECRET_CLUSTER)["name"]
    marker = last_event_id(shared.db)
    target = route.format(**_names(shared))
    with client_for(shared) as client:
        extra = {"accept": "text/html"} if kind == "web" else {}
        response = client.get(target, headers={**shared.plain, **extra})
    if "{secret_cluster}" in route:
        assert response.status_code == 404
    else:
        assert response.status_code == 200 and name not in response.text
    assert events_since(shared.db, marker, action="read") == []


def test_a_bulk_update_of_thousands_of_rows_is_logged_row_by_row(db_url: str) -> None:
    """`update(...).where(id IN ...)` over 1,500 rows: one event each, statements kept small
    (a single OR of 1,500 terms exceeded SQLite's expression depth)."""
    from sqlalchemy import update

    from filiera.synth import load_synthetic

    db = Database(db_url)
    db.ensure_ready()
    with db.session() as session:
        load_synthetic(session, 1500, seed=3)
    marker = last_event_id(db)
    with db.session() as session:
        ids = session.scalars(select(Organisation.id)).all()
        session.execute(
            update(Organisation).where(Organisation.id.in_(ids)).values(visibility="members")
        )
    events = [e for e in events_since(db, marker) if e["action"] == "update"]
    assert len(events) == len(ids) == 1500
    assert {(e["before"]["visibility"], e["after"]["visibility"]) for e in events} == {
        ("public", "members")
    }
    db.dispose()
