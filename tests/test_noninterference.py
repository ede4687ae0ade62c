"""Non-interference: what a viewer may not see must not change anything they get.

For each of six viewers (anonymous, viewer, member, investor, buyer, cluster manager) and on
both backends, two databases are built the same way: the *world*, with hidden
organisations, a hidden cluster, people, needs, theses, interests and invitations, and
its *shadow*, from which every record that viewer may not see has been deleted (and every
field value they may not see emptied). Every read route of the API and the web, with ids
of visible, hidden and missing records, filters naming hidden clusters and match queries,
and the CLI exports (`filiera export|org list|org show --as`) must answer the same on
both: status, counts, members, order, explanations, error messages. Only what corpus
statistics change is left out of the comparison: match scores and weights (BM25's IDF).

A new GET route fails `test_every_read_route_is_compared` until it is added here.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import make_url as sa_make_url
from typer.testing import CliRunner

from filiera.access import accounts, audit, disclosure, policy
from filiera.access.models import AccessGrant
from filiera.access.viewer import Viewer, viewer_for
from filiera.app import create_app
from filiera.cli.main import app as cli_app
from filiera.consortia import bids as consortium_bids
from filiera.consortia.models import Bid, BidPartner, Call
from filiera.db import Database
from filiera.directory.filters import OrgFilter
from filiera.directory.models import IntroductionRequest
from filiera.directory.paging import Position, encode_cursor
from filiera.match.models import Shortlist, ShortlistEntry
from filiera.needs import service as needs
from filiera.needs.models import Interest, Need, Thesis
from filiera.needs.schemas import NeedIn, ThesisIn
from filiera.news.models import NewsArticle, NewsFact, NewsLink
from filiera.registry import fields
from filiera.registry.models import (
    ClusterInvitation,
    Membership,
    Organisation,
    Participation,
    Person,
    PersonRole,
    Site,
    utcnow,
)
from filiera.registry.names import normalise_name
from filiera.settings import Settings
from support import BACKENDS
from support.auth import PASSWORD
from support.capacity_ni_world import add_scenarios, chain_text, hide_scenarios
from support.dataset import ORGANISATIONS, build
from support.event_ni_world import add_events, hide_events
from support.pg_server import fresh_database

WORD = "quasar"  # in hidden and visible profiles alike: a query that reaches hidden ones

EXTRA = {
    "ministry": {"name": "Ministero della Difesa", "kind": "buyer", "country": "IT"},
    "fund": {"name": "Orbit Ventures", "kind": "investor", "country": "LU"},
    "members_org": {
        "name": "Members Only Optics",
        "kind": "sme",
        "country": "IT",
        "region": "ITC4",
        "visibility": "members",
        "descriptions": {"en": f"{WORD} optics for drones and satellites."},
        "capabilities": [{"code": "space.satellites"}],
        "identifiers": {"pic": "999000100"},
    },
    "restricted_org": {
        "name": "Restricted Radar Works",
        "kind": "sme",
        "country": "FR",
        "visibility": "restricted",
        "descriptions": {"en": f"{WORD} radar and electronics for naval sensors."},
        "capabilities": [{"code": "electronics.radar"}],
        "identifiers": {"pic": "999000111"},
    },
    "owner_org": {
        "name": "Stealth Drone Start-up",
        "kind": "startup",
        "country": "DE",
        "visibility": "owner",
        "descriptions": {"en": f"{WORD} counter-drone sensors and satellites, stealthy."},
        "capabilities": [{"code": "space.satellites"}, {"code": "electronics.radar"}],
        "identifiers": {"pic": "999000222"},
    },
    "shadow_cluster": {
        "name": "Shadow Defence Alliance",
        "kind": "cluster",
        "country": "IT",
        "visibility": "owner",
        "descriptions": {"en": "A cluster nobody outside may see."},
    },
}
VIEWERS = {  # viewer -> (role, organisation key or None)
    "anonymous": (None, None),
    "viewer": ("viewer", None),
    "member": ("member", "members_org"),
    "investor": ("investor", "fund"),
    "buyer": ("buyer", "ministry"),
    "manager": ("cluster_manager", "cluster"),
}
VOLATILE = {
    "created_at",
    "updated_at",
    "imported_at",
    "at",
    "decided_at",
    "last_used_at",
    "expires_at",
    "last_sign_in_at",
    "added_at",
    "result_at",
    "risk_at",
    "time_s",  # a solver's wall-clock time
}
RANKED = {"score", "parts", "weight", "relevance", "for_me", "for_them", "mine", "theirs"}
SAMPLED_ORGS = (  # public, member of the hidden cluster, cluster, buyer, investor, each level
    "leonardo",
    "polimi",
    "cluster",
    "ministry",
    "fund",
    "members_org",
    "restricted_org",
    "owner_org",
    "shadow_cluster",
)  # depend on corpus statistics (BM25 IDF)


@dataclass
class World:
    """Ids of what was built (the same in the world and in every shadow)."""

    orgs: dict[str, int]
    projects: dict[str, int]
    needs: dict[str, int] = field(default_factory=dict)
    theses: dict[str, int] = field(default_factory=dict)
    people: dict[str, int] = field(default_factory=dict)
    invitations: list[int] = field(default_factory=list)
    shortlists: dict[str, int] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)
    bids: dict[str, int] = field(default_factory=dict)
    events: dict[str, int] = field(default_factory=dict)
    delegates: dict[str, int] = field(default_factory=dict)  # "<event>:<organisation>" -> id
    scenarios: dict[str, int] = field(default_factory=dict)  # capacity scenarios
    articles: dict[str, int] = field(default_factory=dict)  # news articles
    tokens: dict[str, str] = field(default_factory=dict, compare=False)  # viewer -> secret


def populate(db: Database) -> World:
    """The world: every kind of hidden record next to visible ones, written the same way
    each time (ids are equal across builds)."""
    data = build(db, extra=EXTRA)
    world = World(dict(data.orgs), dict(data.projects))
    o = world.orgs
    admin = Viewer.system()
    with db.session() as session:
        audit.bind(session, admin)
        for member in ("members_org", "restricted_org"):
            session.add(Membership(cluster_id=o["cluster"], organisation_id=o[member]))
        for member in ("polimi", "luxspace", "owner_org"):
            session.add(Membership(cluster_id=o["shadow_cluster"], organisation_id=o[member]))
        session.add(AccessGrant(entity="organisation", entity_id=o["restricted_org"], role="buyer"))
        for key, role in (("owner_org", "participant"), ("restricted_org", "coordinator")):
            session.add(
                Participation(project_id=world.projects["epc"], organisation_id=o[key], role=role)
            )
        session.add(
            Site(
                organisation_id=o["leonardo"],
                name="Stabilimento di Pomigliano",
                country="IT",
                city="Pomigliano d'Arco",
                address="Viale dell'Aeronautica",
                visibility="members",
            )
        )
        session.flush()
        world.people = _people(session, o)
        world.needs, world.theses = _needs_and_theses(session, admin, o)
        session.add(Interest(need_id=world.needs["public"], organisation_id=o["owner_org"]))
        session.add(Interest(need_id=world.needs["public"], organisation_id=o["polimi"]))
        for org in ("leonardo", "owner_org"):
            session.add(
                ClusterInvitation(
                    cluster_id=o["cluster"],
                    organisation_id=o[org],
                    invited_by="manager@ni.example",
                )
            )
        session.add(
            ClusterInvitation(
                cluster_id=o["shadow_cluster"],
                organisation_id=o["members_org"],
                invited_by="admin@ni.example",
            )
        )
        for email, (role, org) in VIEWERS.items():
            if role is not None:
                accounts.add_user(
                    session,
                    email_of(email),
                    email,
                    PASSWORD,
                    role=role,
                    org_ids=[o[org]] if org else [],
                )
        session.flush()
        world.invitations = list(session.scalars(select(ClusterInvitation.id)))
        world.shortlists = _shortlists(session, o)
        world.calls, world.bids = _calls_and_bids(session, o)
        world.events, world.delegates = add_events(session, o)
        world.scenarios = add_scenarios(session, o)
        world.articles = _news(session, o)
        _introductions(session, o)
        for name, (role, _org) in VIEWERS.items():
            if role is not None:  # created here so token ids agree between the databases
                user = accounts.get_user(session, email_of(name))
                secret = accounts.create_token(session, SETTINGS, user, "ni").secret
                world.tokens[name] = secret
    return world


def _people(session, o: dict[str, int]) -> dict[str, int]:
    specs = {
        "public_at_leonardo": ("Anna Rossi", "public", ["leonardo"]),
        "public_at_hidden": ("Hans Geheim", "public", ["owner_org"]),
        "both": ("Marie Double", "public", ["leonardo", "owner_org"]),
        "members_level": ("Luca Membri", "members", ["members_org"]),
        "at_restricted": ("Claire Radar", "public", ["restricted_org"]),
    }
    ids = {}
    for key, (name, level, orgs) in specs.items():
        email = f"{name.split()[0].lower()}@people.example"
        person = Person(name=name, email=email, phone="+39 000", visibility=level)
        session.add(person)
        session.flush()
        for org in orgs:
            session.add(PersonRole(person_id=person.id, organisation_id=o[org], title="CTO"))
        ids[key] = person.id
    session.flush()
    return ids


NEWS_SENTENCES = (
    f"Leonardo S.p.A. and Stealth Drone Start-up signed a contract worth €20 million for {WORD} "
    "radar sensors.",
    "Restricted Radar Works attended the signing in Milan.",
)


def _news(session, o: dict[str, int]) -> dict[str, int]:
    """An article whose accepted facts a reviewer linked to visible and hidden organisations
    (the hidden ones named by their registry name), a proposed fact naming a restricted
    one, and an Italian article with nothing read from it."""
    text = " ".join(NEWS_SENTENCES)

    def fact(kind: str, words: str, data: dict, keys: tuple[str, ...], status="accepted"):
        start = text.index(words)
        index = 0 if start < len(NEWS_SENTENCES[0]) else 1
        return NewsFact(
            kind=kind,
            text=words,
            start=start,
            end=start + len(words),
            sentence=NEWS_SENTENCES[index],
            sentence_index=index,
            data=data,
            status=status,
            fact_date=date(2025, 11, 5),
            reviewed_at=utcnow() if status == "accepted" else None,
            links=[NewsLink(organisation_id=o[key]) for key in keys],
        )

    def org(words: str, key: str, status: str = "accepted") -> NewsFact:
        name = ORGANISATIONS.get(key, EXTRA.get(key, {})).get("name")
        data = {"name": name, "registry_id": o[key], "found_by": ["review"]}
        return fact("organization", words, data, (key,), status)

    pair = ("leonardo", "owner_org")
    names = ["Leonardo S.p.A.", "Stealth Drone Start-up"]
    event = {"type": "contract", "participants": names, "organization_ids": [o[k] for k in pair]}
    money = {"amount": 2.0e7, "currency": "EUR", "subject_ids": [o[k] for k in pair]}
    article = NewsArticle(
        title=f"Contract for {WORD} radar sensors",
        url="https://news.example/quasar-radar",
        given_as="quasar.txt",
        published=date(2025, 11, 5),
        lang="en",
        kind="text",
        text=text,
        fingerprint="ni-news-quasar",
        signature=[],
        facts=[
            org("Leonardo S.p.A.", "leonardo"),
            org("Stealth Drone Start-up", "owner_org"),
            fact("event", "signed a contract", event, pair),
            fact("money", "€20 million", money, pair),
            fact("place", "Milan", {"name": "Milan", "country": "IT", "region": "ITC4"}, ()),
            org("Restricted Radar Works", "restricted_org", status="proposed"),
        ],
    )
    other = NewsArticle(
        title="Notizie dal distretto",
        given_as="distretto.txt",
        lang="it",
        kind="text",
        text="Il distretto aerospaziale lombardo ha presentato i suoi progetti.",
        fingerprint="ni-news-distretto",
        signature=[],
    )
    session.add_all([article, other])
    session.flush()
    return {"quasar": article.id, "distretto": other.id}


def _introductions(session, o: dict[str, int]) -> None:
    """Requests for an introduction from and to organisations some viewers may not see."""
    hidden = accounts.add_user(
        session,
        "hidden@ni.example",
        "Hidden Sender",
        PASSWORD,
        role="member",
        org_ids=[o["owner_org"]],
    )
    member, buyer = (accounts.get_user(session, email_of(n)) for n in ("member", "buyer"))
    requests = [
        (hidden, o["owner_org"], o["members_org"]),  # from a hidden organisation
        (buyer, o["ministry"], o["members_org"]),
        (member, o["members_org"], o["restricted_org"]),  # to one the member may not see
        (member, o["members_org"], o["leonardo"]),
        (buyer, o["ministry"], o["owner_org"]),
    ]
    for user, source, target in requests:
        session.add(
            IntroductionRequest(
                requester_id=user.id, from_org_id=source, to_org_id=target, message="Hello"
            )
        )
    session.flush()


def _shortlists(session, o: dict[str, int]) -> dict[str, int]:
    """The member's list shared with their organisation and the buyer's private list, each
    holding organisations some viewers may not see."""
    specs = {
        "member": ("members_org", ["leonardo", "restricted_org", "owner_org", "members_org"]),
        "buyer": (None, ["owner_org", "restricted_org", "polimi", "leonardo"]),
    }
    ids = {}
    for name, (shared, keys) in specs.items():
        shortlist = Shortlist(
            name=f"{name} picks",
            owner_user_id=accounts.get_user(session, email_of(name)).id,
            shared_with_id=o[shared] if shared else None,
            query=WORD,
            filters={},
        )
        shortlist.entries = [
            ShortlistEntry(organisation_id=o[key], position=place, note=f"why {key}")
            for place, key in enumerate(keys, 1)
        ]
        session.add(shortlist)
        session.flush()
        ids[name] = shortlist.id
    return ids


def _calls_and_bids(session, o: dict[str, int]) -> tuple[dict[str, int], dict[str, int]]:
    """Calls at each level, one by a hidden organisation; a cluster's bid with partners some
    viewers may not see (invited, so the member's users read it) and a hidden one's bid."""
    calls = {}
    specs = {
        "public": ("cluster", "public", "open"),
        "members": ("cluster", "members", "open"),
        "by_hidden": ("owner_org", "public", "open"),
        "closed": ("ministry", "public", "closed"),
    }
    for key, (owner, level, status) in specs.items():
        call = Call(
            programme="EDF",
            title=f"Call {key}",
            text=f"{WORD} counter-drone radar sensors and satellites for air bases.",
            rules="edf",
            capabilities=["electronics.radar"],
            owner_id=o[owner],
            visibility=level,
            status=status,
        )
        session.add(call)
        session.flush()
        calls[key] = call.id
    partners = {
        "cluster": ["leonardo", "members_org", "restricted_org", "owner_org", "safran"],
        "owner_org": ["owner_org", "members_org", "leonardo"],
    }
    bids = {}
    for owner, keys in partners.items():
        bid = Bid(title=f"Bid of {owner}", rules="edf", owner_id=o[owner], call_id=calls["public"])
        bid.partners = [
            BidPartner(
                organisation_id=o[key],
                position=place,
                role="coordinator" if place == 0 else "participant",
                status="proposed" if key == "safran" else "invited",
            )
            for place, key in enumerate(keys)
        ]
        session.add(bid)
        session.flush()
        bids[owner] = bid.id
    return calls, bids


def _needs_and_theses(session, admin: Viewer, o: dict[str, int]):
    text = f"We need {WORD} counter-drone radar sensors and satellites for air bases."
    specs = {
        "public": ("ministry", "public"),
        "restricted": ("ministry", "restricted"),
        "by_hidden": ("owner_org", "public"),
        "members": ("cluster", "members"),
    }
    need_ids = {}
    for key, (owner, level) in specs.items():
        need = needs.publish_need(
            session,
            admin,
            NeedIn(
                title=f"Need {key}",
                text=text,
                lang="en",
                owner_id=o[owner],
                deadline=date(2027, 6, 30),
            ),
        )
        need.visibility = level
        need_ids[key] = need.id
    thesis_ids = {}
    for key, (owner, level) in {"public": ("fund", "public"), "owner": ("fund", "owner")}.items():
        thesis = needs.publish_thesis(
            session,
            admin,
            ThesisIn(
                title=f"Thesis {key}",
                text=f"Start-ups in {WORD} sensors and satellites.",
                owner_id=o[owner],
            ),
        )
        thesis.visibility = level
        thesis_ids[key] = thesis.id
    session.flush()
    return need_ids, thesis_ids


def viewer_of(session, name: str) -> Viewer:
    if VIEWERS[name][0] is None:
        return Viewer.anonymous()
    return viewer_for(session, accounts.get_user(session, email_of(name)))


def email_of(name: str) -> str:
    return f"{name}@ni.example"


def shadow(db: Database, name: str) -> None:
    """Delete from `db` everything viewer `name` may not see; empty the fields they may not."""
    with db.session() as session:
        audit.bind(session, Viewer.system())
        viewer = viewer_of(session, name)
        for model, entity in ((Need, "need"), (Thesis, "thesis"), (Call, "call")):
            seen = select(model.id).where(policy.visible_records(viewer, model, entity))
            for record in session.scalars(select(model).where(model.id.not_in(seen))):
                session.delete(record)
        hide_events(session, viewer)
        hide_scenarios(session, viewer)
        readable = {bid.id for bid in consortium_bids.list_bids(session, viewer)}
        for bid in session.scalars(select(Bid).where(Bid.id.not_in(readable))):
            session.delete(bid)
        hidden_people = select(Person).where(~policy.visible_people(viewer))
        for person in session.scalars(hidden_people):
            session.delete(person)
        hidden = select(Organisation).where(~policy.visible_organisations(viewer))
        for org in session.scalars(hidden):
            session.delete(org)
        session.flush()
        _empty_hidden_fields(session, viewer)


def _empty_hidden_fields(session, viewer: Viewer) -> None:
    """Field values the viewer may not see become empty; their levels stay."""
    grants = disclosure.load_grants(
        session, {"organisation": set(session.scalars(select(Organisation.id)))}
    )
    for org in session.scalars(select(Organisation)):
        clusters = {m.cluster_id for m in org.memberships}
        orgs, roles = grants.for_record("organisation", org.id)
        owner = policy.Owner(frozenset({org.id}), frozenset(clusters), orgs, roles)
        _empty(viewer, "organisation", org, owner)
        for site in list(org.sites):
            if not policy.allows(viewer, site.visibility, owner):
                session.delete(site)
            else:
                _empty(viewer, "site", site, owner)
    for person in session.scalars(select(Person)):
        org_ids = frozenset(r.organisation_id for r in person.roles)
        clusters = frozenset(m.cluster_id for r in person.roles for m in r.organisation.memberships)
        _empty(viewer, "person", person, policy.Owner(org_ids, clusters))
    session.flush()


def _empty(viewer: Viewer, entity: str, record: Any, owner: policy.Owner) -> None:
    for name in fields.sensitive(entity):
        level = policy.field_level(entity, record, name)
        if getattr(record, name) is not None and not policy.allows(viewer, level, owner):
            setattr(record, name, None)


# --- the two databases ----------------------------------------------------------------------


@dataclass
class Pair:
    """The world and one viewer's shadow, each with a client acting as that viewer."""

    world: World
    name: str
    dbs: tuple[Database, Database]
    clients: tuple[TestClient, TestClient]
    urls: tuple[str, str]


SETTINGS = Settings(api_requests_per_minute=1_000_000, sign_in_per_minute=1_000_000)


SQLITE = pytest.param("sqlite", id="sqlite")
POSTGRESQL = pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres)


def make_url_fixture(backend_param):
    """The `make_url` fixture on one backend: this file runs SQLite and
    test_noninterference_postgresql.py PostgreSQL, so the two run on different workers."""

    @pytest.fixture(scope="module", params=[backend_param])
    def make_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
        """A factory of empty databases on this module's backend (SQLite, then PostgreSQL)."""
        backend = request.param
        stack = []

        def new(label: str, copy_of: str | None = None) -> str:
            """An empty database, or a copy of the one at `copy_of` (no connection open)."""
            if backend == "sqlite":
                BACKENDS["sqlite"] = "ran"
                path = tmp_path_factory.mktemp(label) / "ni.db"
                if copy_of:
                    source = sa_make_url(copy_of).database
                    with sqlite3.connect(source) as src, sqlite3.connect(path) as dst:
                        src.backup(dst)
                return f"sqlite:///{path}"
            template = sa_make_url(copy_of).database if copy_of else "template0"
            context = fresh_database(
                request.getfixturevalue("pg_url"), prefix=f"ni_{label}", template=template
            )
            stack.append(context)
            return context.__enter__()

        yield new
        for context in reversed(stack):
            context.__exit__(None, None, None)

    return make_url


make_url = make_url_fixture(SQLITE)


@pytest.fixture(scope="module")
def pairs(make_url) -> Iterator[dict[str, Pair]]:
    """One (world, shadow) pair per viewer, built once per backend."""
    built: dict[str, Pair] = {}
    opened: list[Any] = []
    world_url = make_url("world")
    world_db = Database(world_url)
    world = populate(world_db)
    world_db.dispose()  # copied next: a PostgreSQL template must have no connection
    urls = {name: make_url(name, copy_of=world_url) for name in VIEWERS}
    for name, url in urls.items():
        shadow_db = Database(url)  # the world's copy, then this viewer's hidden part removed
        shadow(shadow_db, name)
        clients = []
        for db in (world_db, shadow_db):
            client = TestClient(create_app(db, SETTINGS), headers=_auth(world, name))
            client.__enter__()
            opened.append(client)
            clients.append(client)
        built[name] = Pair(world, name, (world_db, shadow_db), tuple(clients), (world_url, url))
    yield built
    for client in opened:
        client.__exit__(None, None, None)
    for pair in built.values():
        pair.dbs[1].dispose()
    world_db.dispose()


def _auth(world: World, name: str) -> dict[str, str]:
    secret = world.tokens.get(name)
    return {"Authorization": f"Bearer {secret}"} if secret else {}


# --- what is asked --------------------------------------------------------------------------


def _ids(world: World) -> dict[str, list[Any]]:
    """Candidate values of each path parameter: visible, hidden and missing records."""
    # One organisation of each kind of visibility and membership, and a missing id.
    orgs = [world.orgs[k] for k in SAMPLED_ORGS if k in world.orgs] + [9999]
    pics = ["999880463", "999000100", "999000111", "999000222", "999999999"]
    return {
        "org_id": orgs,
        "cluster_id": orgs,
        "project_id": sorted(world.projects.values()) + [9999],
        "need_id": sorted(world.needs.values()) + [9999],
        "thesis_id": sorted(world.theses.values()) + [9999],
        "pic": pics,
        "item_id": [1, 9999],
        "shortlist_id": sorted(world.shortlists.values()) + [9999],
        "user_id": [1, 9999],
        "call_id": sorted(world.calls.values()) + [9999],
        "bid_id": sorted(world.bids.values()) + [9999],
        "event_id": sorted(world.events.values()) + [9999],
        "scenario_id": sorted(world.scenarios.values()) + [9999],
        "article_id": sorted(world.articles.values()) + [9999],
        "person_id": sorted(world.people.values()) + [9999],
    }


def _delegates(world: World) -> list[int]:
    """The member's own delegate, a visible one, a hidden organisation's, a missing id."""
    keys = ("open:members_org", "open:leonardo", "by_leonardo:owner_org")
    return [world.delegates[k] for k in keys if k in world.delegates] + [9999]


ID_QUERIES = {  # paths with one id and query parameters: every id with every query
    "/api/events/{event_id}/requests": lambda w: [{}, {"box": "sent"}, {"box": "received"}],
    "/api/events/{event_id}/grid": lambda w: [{}, {"by": "table"}],
    "/api/events/{event_id}/suggestions": lambda w: [{"participant": p} for p in _delegates(w)],
    "/api/events/{event_id}/agenda": lambda w: [{"participant": p} for p in _delegates(w)],
    "/api/events/{event_id}/agenda.ics": lambda w: [{"participant": p} for p in _delegates(w)],
    "/api/events/{event_id}/agenda.txt": lambda w: [
        {"participant": p, "lang": "it"} for p in _delegates(w)
    ],
    "/events/{event_id}": lambda w: [{}, {"q": "radar"}, {"kind": "sme"}, {"country": "FR"}],
    "/events/{event_id}/grid": lambda w: [{}, {"by": "table", "print": "1"}],
    "/events/{event_id}/agenda": lambda w: [{}, *({"participant": p} for p in _delegates(w))],
    "/events/{event_id}/agenda.ics": lambda w: [
        {},
        *({"participant": p} for p in _delegates(w)),
    ],
    "/events/{event_id}/agendas": lambda w: [{}, {"print": "1"}],
}


def _cursor_after(world: World, key: str, sort: str = "name", **flt: Any) -> str:
    """A cursor continuing after organisation `key` (visible or hidden alike)."""
    spec = {**ORGANISATIONS, **EXTRA}[key]
    country = spec.get("country")
    values = [normalise_name(spec["name"]), spec["name"], world.orgs[key]]
    if sort == "newest":
        values = [world.orgs[key]]
    if sort == "country":
        values = [country, *values] if country else values
    segment = 1 if sort == "country" and not country else 0
    return encode_cursor(OrgFilter(**flt), sort, Position(segment, values))


def _directory_queries(world: World) -> list[dict[str, Any]]:
    o = world.orgs
    return [
        {},
        {"cluster": o["cluster"]},
        {"cluster": o["shadow_cluster"]},
        {"q": "stealth"},
        {"country": "DE", "kind": "startup"},
        {"capability": "electronics.radar"},
        {"capability": "space"},
        {"per_page": 2, "page": 2},
        {"sort": "newest"},
        {"count": "exact"},
        {"per_page": 2, "sort": "country"},
        # keyset pages after a visible and after a hidden organisation's position
        {"per_page": 2, "cursor": _cursor_after(world, "leonardo")},
        {"per_page": 2, "cursor": _cursor_after(world, "members_org")},
        {"per_page": 2, "sort": "country", "cursor": _cursor_after(world, "owner_org", "country")},
        {"per_page": 2, "cursor": _cursor_after(world, "leonardo", "newest")},
    ]


def _match_pages(world: World) -> list[dict[str, Any]]:
    """The match page's own form: paging, synthetic records, the save-to-shortlist forms."""
    text = f"{WORD} radar sensors and satellites"
    return [
        {"q": text},
        {"q": text, "page": 2},
        {"q": text, "include_synthetic": "1"},
        {"q": "additive metal", "include_synthetic": "0"},
        {"q": "stealthy satellites", "country": "DE"},
    ]


def _match_bodies(world: World) -> list[dict[str, Any]]:
    o = world.orgs
    text = f"{WORD} radar sensors and satellites for counter-drone defence"
    return [
        {"text": text},
        {"text": text, "cluster": o["shadow_cluster"]},
        {"text": text, "country": ["DE"], "kind": ["startup"]},
        {"text": "stealthy", "top": 5, "capability": "space.satellites"},
        {"text": "Shadow Defence Alliance", "cluster": o["cluster"]},
        {"text": text, "top": 2, "offset": 2},
        {"text": "additive metal", "include_synthetic": True},
        {"text": "additive metal satellites"},  # synthetic ones left out if real ones match
    ]


def _whynot_bodies(world: World) -> list[dict[str, Any]]:
    """Why-not requests for every sampled organisation (a hidden one answers like a missing
    id), and filters that leave visible ones out through a hidden cluster."""
    o = world.orgs
    text = f"{WORD} radar sensors and satellites for counter-drone defence"
    ids = [o[k] for k in SAMPLED_ORGS if k in o] + [9999]
    return [
        *({"text": text, "organisation_id": i} for i in ids),
        {"text": text, "organisation_id": o["polimi"], "cluster": o["shadow_cluster"]},
        {"text": text, "organisation_id": o["leonardo"], "country": ["DE"], "kind": ["startup"]},
        {"text": "additive metal satellites", "organisation_id": o["luxspace"]},
        {"text": "stealthy", "organisation_id": o["members_org"], "explain_lang": "it"},
    ]


def _whynot_pages(world: World) -> list[dict[str, Any]]:
    """The "Why not…?" page: by id, and by names of visible and hidden organisations."""
    text = f"{WORD} radar sensors and satellites"
    names = ["Leonardo", "Stealth Drone Start-up", "Restricted Radar Works", "Members Only", "Rad"]
    o = world.orgs
    return [
        {"q": text},
        *({"q": text, "org": o[k]} for k in ("leonardo", "members_org", "owner_org")),
        *({"q": text, "name": name} for name in names),
        {"q": text, "org": 9999, "country": "FR"},
    ]


def _cluster_queries() -> list[dict]:
    """The cluster list searched by a word of the hidden cluster's name, by its country,
    and paged: a hidden cluster must change no count, page or member figure."""
    return [{}, {"q": "shadow"}, {"q": "defence"}, {"country": "IT"}, {"page": 2, "per_page": 1}]


QUERY_ROUTES = {  # GET routes whose query parameters can reveal hidden records
    "/api/organisations": _directory_queries,
    "/api/organisations.csv": _directory_queries,
    "/organisations": _directory_queries,
    "/organisations.csv": _directory_queries,
    "/api/clusters": lambda w: _cluster_queries(),
    "/clusters": lambda w: _cluster_queries(),
    "/api/projects": lambda w: [{}, {"q": "corvette"}, {"programme": "EDF"}, {"year": 2022}],
    "/projects": lambda w: [{}, {"programme": "EDF", "year": 2022}, {"q": "corvette"}],
    "/match": lambda w: [{}, *_match_bodies(w), *_match_pages(w)],
    "/match.csv": _match_bodies,
    "/match/why-not": _whynot_pages,
    "/needs": lambda w: [{}, {"status": "closed"}, {"status": "all"}],
    "/api/calls": lambda w: [{}, {"status": "closed"}, {"status": "all"}],
    "/api/events": lambda w: [{}, {"status": "draft"}, {"status": "open"}],
    "/consortia/build": lambda w: [{}, *_web_builds(w)],
    "/consortia/check": lambda w: [{}, *(_page_query(b) for b in _check_bodies(w))],
    "/api/capacity/compare": lambda w: _compare_queries(w),
    "/capacity/compare": lambda w: [{}, *_compare_queries(w)],
    "/news": lambda w: [{}, {"q": WORD}, {"language": "it"}, {"page": 2}],
    "/news/review": lambda w: [{}, {"kind": "organization"}, {"kind": "event"}],
    "/news/digest": lambda w: [{}, {"days": 30}, {"organisation": w.orgs["owner_org"]}],
    "/news/digest.json": lambda w: [{}, {"days": 30}],
    "/api/news/articles": lambda w: [{}, {"q": WORD}, {"lang": "it"}, {"offset": 1}],
    "/api/news/review": lambda w: [{}, {"kind": "organization"}, {"kind": "event"}],
}
NO_PARAMETERS = {  # fixed pages and routes; compared with no query string
    "/api/stats",
    "/api/taxonomy/capabilities",
    "/api/review",
    "/api/audit",
    "/api/users",
    "/api/me",
    "/api/me/tokens",
    "/api/shortlists",
    "/api/me/introductions",
    "/api/needs",
    "/api/theses",
    "/api/bids",
    "/calls",
    "/calls/new",
    "/events",
    "/events/new",
    "/bids",
    "/",
    "/map",
    "/needs/new",
    "/theses",
    "/theses/new",
    "/review",
    "/audit",
    "/users",
    "/account",
    "/shortlists",
    "/api/capacity/scenarios",
    "/capacity",
    "/capacity/new",
    "/api/news/watches",
    "/api/news/digest",
    "/healthz",
    "/readyz",
    "/metrics",  # 403 alike for every viewer here (none is an administrator)
    "/api/system",  # admins only: 401/403 alike for every viewer here
    "/admin/system",
}
NOT_COMPARED = {  # routes that show no registry data, with the reason
    "/openapi.json": "the schema, the same for everyone",
    "/docs": "the API reference page",
    "/sign-in": "the sign-in form",
    "/static/plotly.min.js": "a static file",
}


def _check_bodies(world: World) -> list[dict[str, Any]]:
    """Consortia typed in with hidden partners (by id or PIC), for a hidden call."""
    o, c = world.orgs, world.calls
    trio = [str(o["leonardo"]), "999993856", str(o["luxspace"])]
    return [
        {"members": trio, "rules": "edf"},
        {"members": [*trio, "999000100"], "rules": "edf"},
        {"members": [str(o["leonardo"]), str(o["restricted_org"]), str(o["polimi"])]},
        {"members": trio, "call_id": c["members"], "shares": {"999880463": 3}},
        {"members": trio, "call_id": c["by_hidden"]},
        {"members": [str(o["owner_org"])], "rules": "open"},
    ]


def _build_bodies(world: World) -> list[dict[str, Any]]:
    """Consortia built among what the viewer may see: the hidden ones the best fit."""
    o, c = world.orgs, world.calls
    text = f"{WORD} counter-drone radar sensors, satellites and electronics"
    return [
        {"text": text, "rules": "edf", "size_min": 3, "size_max": 5, "alternatives": 2},
        {"text": text, "rules": "open", "size_min": 2, "size_max": 3, "with": ["999000222"]},
        {"text": text, "rules": "open", "size_max": 3, "without": [str(o["restricted_org"])]},
        {"call_id": c["public"], "alternatives": 1},
        {"call_id": c["by_hidden"], "alternatives": 1},
    ]


def _page_query(body: dict[str, Any]) -> dict[str, Any]:
    """A build or check request as the web form's query string (no cost shares there)."""
    names = {"call_id": "call"}
    return {
        names.get(key, key): "\n".join(value) if isinstance(value, list) else value
        for key, value in body.items()
        if key != "shares"
    }


def _web_builds(world: World) -> list[dict[str, Any]]:
    """The builder page's own requests: a hidden partner fixed by PIC, and a call each."""
    return [_page_query(b) for b in _build_bodies(world) if "with" in b or "call_id" in b]


def _compare_queries(world: World) -> list[dict[str, Any]]:
    """Each scenario alone, all of them with a missing id (the first unreadable one names
    itself in the error), and every visible one twice in another order."""
    ids = sorted(world.scenarios.values())
    return [
        *({"ids": [i]} for i in ids),
        {"ids": [*ids, 9999]},
        {"ids": [9999, *ids]},
        {"ids": [*ids[:2], *ids[:1]]},
    ]


def _plan_bodies(world: World) -> list[dict[str, Any]]:
    """Scenarios sent whole: their lines name hidden organisations by PIC and by name."""
    return [{"yaml": chain_text("restricted_named")}, {"yaml": chain_text("public")}]


POST_READS = {
    "/api/match": _match_bodies,
    "/api/match.csv": _match_bodies,
    "/api/match/why-not": _whynot_bodies,
    "/api/consortia/check": _check_bodies,
    "/api/consortia/build": _build_bodies,
    "/api/capacity/plan": _plan_bodies,
}


def get_routes(app) -> list[str]:
    """Every GET path of the app (API and web pages)."""
    paths = []
    for route in app.routes:
        inner = route.original_router.routes if hasattr(route, "original_router") else [route]
        paths += [r.path for r in inner if "GET" in (getattr(r, "methods", None) or ())]
    return sorted(set(paths))


def requests_for(path: str, world: World) -> list[tuple[str, str, Any]]:
    """(method, url, query or body) for one GET path."""
    if path in QUERY_ROUTES:
        return [("GET", path, q) for q in QUERY_ROUTES[path](world)]
    if path in NO_PARAMETERS:
        return [("GET", path, None)]
    names = re.findall(r"{(\w+)}", path)
    assert len(names) == 1, f"{path}: add it to the non-interference test"
    values = _ids(world)[names[0]]
    queries = ID_QUERIES[path](world) if path in ID_QUERIES else [None]
    return [("GET", path.replace(f"{{{names[0]}}}", str(v)), q) for v in values for q in queries]


# --- comparing ------------------------------------------------------------------------------

DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(\+00:00|Z)?")
CSRF = re.compile(r'(csrf[-_]token"? (?:value|content)=")[^"]*"')
DECIMAL = re.compile(r"\b\d\.\d+\b")
SCORE_IN_WORDS = re.compile(r"\b(score|punteggio) \d+\.\d+")
VERSUS = re.compile(r"\b\d+\.\d+ (vs|contro|contre|gegenüber) \d+\.\d+")  # why-not parts
TOKEN_PREFIX = re.compile(r"fil_[A-Za-z0-9_-]+")
ICS_STAMP = re.compile(r"DTSTAMP:\d{8}T\d{6}Z")


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if k not in VOLATILE | RANKED | {"prefix"}}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, str):  # a consortium member's reasons quote its match score
        return VERSUS.sub(r"<n> \1 <n>", SCORE_IN_WORDS.sub(r"\1 <n>", value))
    return value


def normalised(response) -> tuple[int, Any]:
    """Status and body with what legitimately differs taken out."""
    kind = response.headers.get("content-type", "")
    if "json" in kind:
        return response.status_code, _clean(response.json())
    text = CSRF.sub(r"\1", TOKEN_PREFIX.sub("fil_", DATETIME.sub("<t>", response.text)))
    if "calendar" in kind:  # when the file was made
        text = ICS_STAMP.sub("DTSTAMP:<t>", text)
    if "csv" in kind:
        return response.status_code, _csv_without_scores(text)
    return response.status_code, DECIMAL.sub("<n>", text)


def _csv_without_scores(text: str) -> list[dict[str, str]]:
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(text)))
    return [
        {k: v for k, v in row.items() if k not in RANKED | {"profile", "projects", "record"}}
        for row in rows
    ]


def assert_same(pair: Pair, method: str, url: str, payload: Any) -> None:
    world, shadowed = (
        c.request(
            method,
            url,
            params=payload if method == "GET" else None,
            json=payload if method == "POST" else None,
        )
        for c in pair.clients
    )
    got, want = normalised(world), normalised(shadowed)
    assert got == want, f"{pair.name}: {method} {url} {payload} differs from the shadow"


# --- the tests ------------------------------------------------------------------------------

RUNNER = CliRunner(env={"COLUMNS": "200"})


def _differences(pair: Pair) -> list[str]:
    failures = []
    asked = [
        (method, url, payload)
        for path in get_routes(pair.clients[0].app)
        if path not in NOT_COMPARED
        for method, url, payload in requests_for(path, pair.world)
    ]
    asked += [
        ("POST", path, body) for path, bodies in POST_READS.items() for body in bodies(pair.world)
    ]
    for method, url, payload in asked:
        try:
            assert_same(pair, method, url, payload)
        except AssertionError as error:
            failures.append(str(error).split("\n")[0])
    return failures


@pytest.mark.parametrize("name", list(VIEWERS))
def test_every_read_route_answers_as_if_hidden_records_did_not_exist(
    pairs: dict[str, Pair], name: str
) -> None:
    failures = _differences(pairs[name])
    assert not failures, f"{len(failures)} responses differ:\n" + "\n".join(failures[:40])


def _cli_output(args: list[str], url: str) -> tuple[int, Any]:
    result = RUNNER.invoke(cli_app, [*args, "--db", url])
    out = DATETIME.sub("<t>", result.stdout)
    if "--csv" in args:
        return result.exit_code, _csv_without_scores(out)
    lines = []
    for line in out.splitlines():
        try:
            lines.append(_clean(json.loads(line)))
        except ValueError:
            lines.append(line)
    if "--json" in args and result.exit_code == 0:
        return result.exit_code, _clean(json.loads(out))
    return result.exit_code, lines


@pytest.mark.parametrize("name", [n for n, (role, _) in VIEWERS.items() if role])
def test_cli_exports_answer_as_if_hidden_records_did_not_exist(
    pairs: dict[str, Pair], name: str
) -> None:
    pair = pairs[name]
    text = _match_bodies(pair.world)[0]["text"]
    commands = [
        ["export", "-"],
        ["org", "list", "--json"],
        ["org", "list", "--csv"],
        ["org", "list", "--cluster", str(pair.world.orgs["shadow_cluster"]), "--json"],
        ["match", text, "--json"],
        ["match", text, "--csv"],
        *(["why-not", str(pair.world.orgs[k]), text, "--json"] for k in ("owner_org", "polimi")),
        ["thesis", "list", "--all", "--json"],
        *(["org", "show", str(pair.world.orgs[k]), "--json"] for k in SAMPLED_ORGS),
        ["events", "list", "--json"],
        *(["events", "show", str(i), "--json"] for i in sorted(pair.world.events.values())),
    ]
    failures = []
    for args in commands:
        args = [*args, "--as", email_of(name)]
        world, shadowed = (_cli_output(args, url) for url in pair.urls)
        if world != shadowed:
            failures.append(f"filiera {' '.join(args)}")
    assert not failures, "differ from the shadow:\n" + "\n".join(failures)


def test_the_comparison_notices_a_leak(pairs: dict[str, Pair]) -> None:
    """The harness is not blind: the operator's view (who sees everything) differs."""
    pair = pairs["viewer"]
    world, shadowed = (_cli_output(["org", "list", "--json"], url) for url in pair.urls)
    assert world != shadowed
    hidden = pair.world.orgs["owner_org"]
    seen = [c.get(f"/api/organisations/{hidden}").status_code for c in pair.clients]
    assert seen == [404, 404]


def test_every_read_route_is_compared(tmp_path) -> None:
    """A new GET route must be added above (with the parameters that could reveal)."""
    app = create_app(Database(f"sqlite:///{tmp_path}/routes.db"), SETTINGS)
    keys = [*ORGANISATIONS, *EXTRA]
    calls = {k: i for i, k in enumerate(("public", "members", "by_hidden", "closed"), 1)}
    world = World(orgs={k: i for i, k in enumerate(keys, 1)}, projects={"epc": 1}, calls=calls)
    for path in get_routes(app):
        if path not in NOT_COMPARED:
            assert requests_for(path, world), path
