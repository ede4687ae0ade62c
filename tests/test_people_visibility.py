"""A person is never wider than the organisations they are known through (issue 9, finding 4).

A public person whose only role is at an organisation the viewer may not see stays hidden;
a person with roles at a visible and a hidden organisation shows only the visible role, and
is seen (with their contacts) only through organisations the viewer may see. Checked in the
SQL rule, its Python twin, the API profile, `filiera export --as`, imports and the demo, on
SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from typer.testing import CliRunner

from filiera.access import accounts
from filiera.access.disclosure import Disclosure, Employer, load_grants
from filiera.access.policy import LEVELS, visible_organisations, visible_people
from filiera.access.viewer import Viewer, viewer_for
from filiera.app import create_app
from filiera.cli.main import app
from filiera.db import Database
from filiera.imports.csv_import import import_csv
from filiera.imports.jsonl import import_jsonl
from filiera.registry.models import Membership, Organisation, Person, PersonRole, Source
from filiera.registry.resolve import Resolver
from filiera.registry.schemas import OrganisationIn
from filiera.registry.writer import upsert
from filiera.settings import Settings
from support.auth import PASSWORD
from support.dataset import build
from support.demo_copy import DemoCopy

SECRET = "Segreto Sistemi 7f3a"  # an owner-level organisation inside the cluster
VAULT = "Caveau Ottica 7f3a"  # restricted, granted to nobody
CLOSED = "Chiuso Compositi 7f3a"  # members-only, in no cluster
HIDDEN_SITE = "Hangar segreto 7f3a"
HIDDEN_TITLE = "Capo progetto segreto 7f3a"
BOTH_EMAIL = "bianca-7f3a@example.invalid"

# person -> (level, [(organisation key, title)])
PEOPLE = {
    "Olga Sola": ("public", [("secret", "Director")]),
    "Rita Riservata": ("public", [("vault", "Engineer")]),
    "Mario Membro": ("public", [("closed", "Buyer")]),
    "Bianca Doppia": ("public", [("leonardo", "Engineer"), ("secret", HIDDEN_TITLE)]),
    "Nino Rete": ("members", [("leonardo", "Sales"), ("secret", "Liaison")]),
}
# viewer -> (role, affiliation key or None)
VIEWERS = {
    "viewer": ("viewer", None),
    "peer": ("member", "aerosud"),  # aerosud is in the cluster, as is the secret organisation
    "insider": ("member", "secret"),
    "admin": ("admin", None),
}
# Who sees whom (hand-written truth table).
SEES = {
    "anonymous": {"Bianca Doppia"},
    "viewer": {"Bianca Doppia"},
    "peer": {"Bianca Doppia"},
    "insider": {"Olga Sola", "Bianca Doppia", "Nino Rete"},
    "admin": set(PEOPLE),
}
HIDDEN_ORGS = {
    "viewer": {SECRET, VAULT, CLOSED},
    "peer": {SECRET, VAULT, CLOSED},
    "insider": {VAULT, CLOSED},
    "admin": set(),
}


@dataclass
class World:
    db: Database
    orgs: dict[str, int]
    people: dict[str, int]
    emails: dict[str, str]
    headers: dict[str, dict[str, str]]


def build_world(db: Database) -> World:
    data = build(db)
    extra = {
        "secret": (SECRET, "owner"),
        "vault": (VAULT, "restricted"),
        "closed": (CLOSED, "members"),
    }
    with db.session() as session:
        source = session.scalars(select(Source)).first()
        resolver = Resolver.from_session(session)
        orgs = dict(data.orgs)
        for key, (name, level) in extra.items():
            record = OrganisationIn(
                name=name,
                country="IT",
                visibility=level,
                sites=[{"name": HIDDEN_SITE, "country": "IT", "city": "Torino"}],
            )
            orgs[key] = upsert(session, record, source=source, resolver=resolver).org_id
        session.add(Membership(organisation_id=orgs["secret"], cluster_id=orgs["cluster"]))
        people = {}
        for name, (level, roles) in PEOPLE.items():
            email = BOTH_EMAIL if name == "Bianca Doppia" else None
            person = Person(name=name, visibility=level, email=email, phone="+39 011 000 7f3a")
            person.roles = [PersonRole(organisation_id=orgs[k], title=t) for k, t in roles]
            session.add(person)
            session.flush()
            people[name] = person.id
        emails, headers = {}, {"anonymous": {}}
        for name, (role, where) in VIEWERS.items():
            emails[name] = f"{name}@people.example"
            user = accounts.add_user(
                session,
                emails[name],
                name,
                PASSWORD,
                role=role,
                org_ids=[orgs[where]] if where else [],
            )
            token = accounts.create_token(session, Settings(), user, "people").secret
            headers[name] = {"Authorization": f"Bearer {token}"}
    return World(db, orgs, people, emails, headers)


@pytest.fixture
def world(db_url: str) -> Iterator[World]:
    db = Database(db_url)
    yield build_world(db)
    db.dispose()


def _viewer(session, world: World, name: str) -> Viewer:
    if name == "anonymous":
        return Viewer.anonymous()
    return viewer_for(session, accounts.get_user(session, world.emails[name]))


def _python_twin(session, viewer: Viewer) -> set[str]:
    """Every person the Python rule (as the profile applies it) lets `viewer` see."""
    people = list(
        session.scalars(
            select(Person).options(
                selectinload(Person.roles)
                .selectinload(PersonRole.organisation)
                .selectinload(Organisation.memberships)
            )
        )
    )
    wanted = {
        "organisation": {r.organisation_id for p in people for r in p.roles},
        "person": {p.id for p in people},
    }
    disclosure = Disclosure(viewer, load_grants(session, wanted))
    shown = set()
    for p in people:
        employers = [
            Employer(
                r.organisation.visibility,
                disclosure.owner(
                    "organisation",
                    r.organisation_id,
                    {r.organisation_id},
                    {m.cluster_id for m in r.organisation.memberships},
                ),
            )
            for r in p.roles
        ]
        owner = disclosure.person_owner(p.id, employers)
        if disclosure.person(p.id, p.visibility, owner, has_roles=bool(p.roles)):
            shown.add(p.name)
    return shown


@pytest.mark.parametrize("who", list(SEES))
def test_sql_rule_and_python_twin_hide_people_of_hidden_organisations(
    world: World, who: str
) -> None:
    with world.db.session() as session:
        viewer = _viewer(session, world, who)
        by_sql = set(session.scalars(select(Person.name).where(visible_people(viewer))))
        by_python = _python_twin(session, viewer)
    assert by_sql == SEES[who]
    assert by_python == SEES[who]


def test_profile_lists_only_people_seen_through_visible_organisations(world: World) -> None:
    leonardo = world.orgs["leonardo"]
    with TestClient(create_app(world.db, Settings())) as client:
        bodies = {
            who: client.get(f"/api/organisations/{leonardo}", headers=h)
            for who, h in world.headers.items()
        }
        page = client.get(
            f"/organisations/{leonardo}", headers={**world.headers["peer"], "accept": "text/html"}
        )
    for who, response in bodies.items():
        assert response.status_code == 200, response.text
        profile = response.json()
        people = {p["name"]: p for p in profile["people"]}
        expected = {n for n in SEES[who] if any(k == "leonardo" for k, _ in PEOPLE[n][1])}
        assert set(people) == expected, who
        # only the role at this organisation, never the one at the hidden organisation
        assert people["Bianca Doppia"]["title"] == "Engineer"
        assert HIDDEN_TITLE not in response.text and SECRET not in response.text
        if who in ("viewer", "peer", "anonymous"):
            assert people["Bianca Doppia"]["email"] is None
            assert BOTH_EMAIL not in response.text
            assert "people.email" in profile["withheld"]
            assert "Nino Rete" not in response.text
            assert "people" not in profile["withheld"]  # not even a hint
        else:  # the insider knows Bianca through their own organisation; admins see all
            assert people["Bianca Doppia"]["email"] == BOTH_EMAIL
            assert "Nino Rete" in people
    assert page.status_code == 200
    for secret in ("Nino Rete", BOTH_EMAIL, HIDDEN_TITLE, SECRET):
        assert secret not in page.text


def _export(world: World, who: str) -> list[dict]:
    result = CliRunner().invoke(
        app, ["export", "-", "--as", world.emails[who], "--db", world.db.url]
    )
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


@pytest.mark.parametrize("who", list(VIEWERS))
def test_export_as_writes_only_visible_people_roles_and_sites(world: World, who: str) -> None:
    lines = _export(world, who)
    text = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines)
    people = {line["name"]: line for line in lines if line["type"] == "person"}
    assert set(people) == SEES[who]
    orgs = {line["ref"]: line["name"] for line in lines if line["type"] == "organisation"}
    for line in people.values():  # every role points at an exported organisation
        assert {r["organisation"] for r in line["roles"]} <= set(orgs)
    for name in HIDDEN_ORGS[who]:
        assert name not in text
    bianca = people["Bianca Doppia"]
    titles = {r["title"] for r in bianca["roles"]}
    if who in ("viewer", "peer"):
        assert titles == {"Engineer"} and HIDDEN_TITLE not in text
        assert "email" not in bianca and BOTH_EMAIL not in text
    else:
        assert titles == {"Engineer", HIDDEN_TITLE} and bianca["email"] == BOTH_EMAIL
    sites = [s["name"] for line in lines if line["type"] == "organisation" for s in line["sites"]]
    assert sites.count(HIDDEN_SITE) == 3 - len(HIDDEN_ORGS[who])


def test_jsonl_and_csv_imports_narrow_people_to_their_organisations(
    db_url: str, tmp_path: Path
) -> None:
    db = Database(db_url)
    data = build(db)
    with db.session() as session:
        resolver = Resolver.from_session(session)
        source = session.scalars(select(Source)).first()
        for name, level in (("Riservata Radar 7f3a", "restricted"), ("Soci Sensori", "members")):
            upsert(
                session,
                OrganisationIn(name=name, country="IT", visibility=level),
                source=source,
                resolver=resolver,
            )
    people = [
        {"name": "Public at restricted", "roles": [{"organisation": "Riservata Radar 7f3a"}]},
        {
            "name": "Owner at members",
            "visibility": "owner",
            "roles": [{"organisation": "Soci Sensori"}],
        },
        {
            "name": "Public at two",
            "roles": [{"organisation": "999880463"}, {"organisation": "Soci Sensori"}],
        },
        {"name": "Public at public", "roles": [{"organisation": "999880463"}]},
    ]
    path = tmp_path / "people.jsonl"
    path.write_text("".join(json.dumps({"type": "person", **p}) + "\n" for p in people))
    csv = tmp_path / "people.csv"
    csv.write_text(
        "Name,Email,Organisation,Title\n"
        "Csv Riservato,csv@example.invalid,Riservata Radar 7f3a,CTO\n"
        "Public at public,,Soci Sensori,Advisor\n"  # an existing person linked to a narrower one
    )
    with db.session() as session:
        import_jsonl(session, path)
    with db.session() as session:
        before = session.scalar(select(Person.visibility).where(Person.name == "Public at public"))
        import_csv(session, csv, "people")
    with db.session() as session:
        levels = {n: v for n, v in session.execute(select(Person.name, Person.visibility))}
        _assert_never_wider(session)
    db.dispose()
    assert before == "public"
    assert levels == {
        "Public at restricted": "restricted",
        "Owner at members": "owner",
        "Public at two": "members",
        "Public at public": "members",
        "Csv Riservato": "restricted",
    }
    assert data.orgs["leonardo"]


def _assert_never_wider(session) -> int:
    """Every person's level is no wider than that of each organisation of their roles."""
    stmt = select(Person.name, Person.visibility, Organisation.name, Organisation.visibility)
    rows = session.execute(stmt.join(PersonRole.person).join(PersonRole.organisation)).all()
    wider = [
        (person, level, org, org_level)
        for person, level, org, org_level in rows
        if LEVELS.index(level) < LEVELS.index(org_level)
    ]
    assert wider == []
    return len(rows)


@pytest.fixture(scope="module")
def demo_db(demo_copy: DemoCopy) -> Iterator[Database]:
    """The demo database (with its showcase of hidden synthetic organisations), per backend."""
    db = Database(demo_copy.url)
    yield db
    db.dispose()


def test_demo_people_are_never_wider_than_their_organisations(demo_db: Database) -> None:
    with demo_db.session() as session:
        assert _assert_never_wider(session) > 0
        hidden = session.scalars(
            select(Person.visibility)
            .join(Person.roles)
            .join(PersonRole.organisation)
            .where(Organisation.visibility != "public")
        ).all()
        assert hidden and "public" not in hidden  # the showcase has contacts there
        viewer = viewer_for(session, accounts.get_user(session, "viewer@filiera.demo"))
        seen = set(session.scalars(select(Person.id).where(visible_people(viewer))))
        orgs = set(session.scalars(select(Organisation.id).where(visible_organisations(viewer))))
        roles = session.execute(select(PersonRole.person_id, PersonRole.organisation_id)).all()
    assert seen
    assert all(any(o in orgs for p2, o in roles if p2 == p) for p in seen)
