"""The permission matrix: every API route x every role x every visibility level.

A small world is built on each backend: four organisations owned at each visibility level
(public, members, restricted, owner), all members of one cluster, each with a canary string
in its name and description, a PIC, a project participation and (for the public one)
members-only contacts and a site address. Ten viewers cover every role and affiliation.
The expected outcomes are written out by hand below, not computed by the policy under test.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from filiera.access import accounts
from filiera.access.models import AccessGrant
from filiera.access.viewer import Viewer, viewer_for
from filiera.app import create_app
from filiera.capacity import store
from filiera.capacity.schemas import ScenarioIn
from filiera.db import Database
from filiera.imports.jsonl_export import export_jsonl
from filiera.news.models import NewsArticle, NewsFact, NewsLink
from filiera.registry.models import (
    Membership,
    Participation,
    Person,
    PersonRole,
    Project,
    Source,
    utcnow,
)
from filiera.registry.resolve import Resolver
from filiera.registry.schemas import OrganisationIn
from filiera.registry.writer import upsert
from filiera.settings import Settings
from support.auth import PASSWORD
from support.capacity_ni_world import CHAIN
from support.dataset import Dataset, build

LEVELS = ("public", "members", "restricted", "owner")
CANARY = {level: f"CANARY-{level.upper()}-91c2" for level in LEVELS}
PICS = {
    "public": "911111111",
    "members": "922222222",
    "restricted": "933333333",
    "owner": "944444444",
}
CONTACT_EMAIL = "contact-canary-91c2@example.invalid"
CONTACT_PHONE = "+39 02 9999 1234"
SITE_ADDRESS = "Via del Canarino 91c2"

# viewer -> (role, affiliation key or None); None role = anonymous
VIEWERS = {
    "anonymous": (None, None),
    "viewer": ("viewer", None),
    "investor": ("investor", None),
    "buyer": ("buyer", None),  # the restricted record grants the role `buyer`
    "member_in_cluster": ("member", "polimi"),  # polimi belongs to the cluster
    "member_outside": ("member", "luxspace"),  # no cluster
    "member_granted": ("member", "safran"),  # the restricted record grants Safran
    "owner_user": ("member", "owner"),  # acts for the owner-level organisation itself
    "manager": ("cluster_manager", "cluster"),
    "admin": ("admin", None),
}

# Who sees which record (hand-written truth table).
SEES = {
    "anonymous": {"public"},
    "viewer": {"public"},
    "investor": {"public"},
    "buyer": {"public", "restricted"},
    "member_in_cluster": {"public", "members"},
    "member_outside": {"public"},
    "member_granted": {"public", "restricted"},
    "owner_user": {"public", "members", "owner"},
    "manager": {"public", "members"},
    "admin": {"public", "members", "restricted", "owner"},
}
# Who sees the members-only contact details and site address of the public organisation.
SEES_CONTACTS = {"member_in_cluster", "owner_user", "manager", "admin"}


@dataclass
class World:
    db: Database
    data: Dataset
    org: dict[str, int]  # level -> organisation id
    doomed: dict[str, int]  # viewer -> an organisation only used by its delete check
    project: int
    headers: dict[str, dict[str, str]]  # viewer -> request headers
    emails: dict[str, str]


def _org_record(level: str) -> dict:
    return {
        "name": f"{CANARY[level]} Avionics",
        "kind": "sme",
        "country": "IT",
        "region": "ITC4",
        "identifiers": {"pic": PICS[level]},
        "visibility": level,
        "revenue_band": ">1B",
        "employees": 120,
        "descriptions": {"en": f"Secret plans {CANARY[level]}"},
        "sites": [
            {
                "name": f"Plant {level}",
                "country": "IT",
                "city": "Varese",
                "address": SITE_ADDRESS,
                "lat": 45.8,
                "lon": 8.8,
            }
        ],
    }


def build_world(db: Database) -> World:
    data = build(db)
    with db.session() as session:
        source = session.scalars(select(Source)).first()
        resolver = Resolver.from_session(session)
        org = {
            level: upsert(
                session, OrganisationIn(**_org_record(level)), source=source, resolver=resolver
            ).org_id
            for level in LEVELS
        }
        for org_id in org.values():
            session.add(Membership(organisation_id=org_id, cluster_id=data.orgs["cluster"]))
        session.add(AccessGrant(entity="organisation", entity_id=org["restricted"], role="buyer"))
        session.add(
            AccessGrant(
                entity="organisation",
                entity_id=org["restricted"],
                organisation_id=data.orgs["safran"],
            )
        )
        project = Project(
            programme="EDF",
            external_id="900000001",
            acronym="MATRIX",
            title="Matrix project",
            source=source,
        )
        session.add(project)
        session.flush()
        for org_id in (*org.values(), data.orgs["leonardo"]):
            session.add(
                Participation(project_id=project.id, organisation_id=org_id, role="participant")
            )
        person = Person(name="Carla Canarino", email=CONTACT_EMAIL, phone=CONTACT_PHONE)
        person.roles.append(PersonRole(organisation_id=org["public"], title="Sales"))
        session.add(person)
        doomed = {
            name: upsert(
                session,
                OrganisationIn(name=f"Doomed {name} GmbH", country="DE"),
                source=source,
                resolver=resolver,
            ).org_id
            for name in VIEWERS
        }
        session.flush()
        affiliations = {**data.orgs, **org, "owner": org["owner"]}
        headers: dict[str, dict[str, str]] = {}
        emails: dict[str, str] = {}
        for name, (role, where) in VIEWERS.items():
            if role is None:
                headers[name] = {}
                continue
            email = f"{name}@matrix.example"
            user = accounts.add_user(
                session,
                email,
                name,
                PASSWORD,
                role=role,
                org_ids=[affiliations[where]] if where else [],
            )
            token = accounts.create_token(session, Settings(), user, "matrix").secret
            headers[name], emails[name] = {"Authorization": f"Bearer {token}"}, email
        return World(db, data, org, doomed, project.id, headers, emails)


@pytest.fixture(scope="module")
def world(module_db_url: str) -> Iterator[World]:
    """One world per backend, shared by the module: tests only add, never remove, what
    other tests rely on (each viewer deletes its own `doomed` organisation)."""
    db = Database(module_db_url)
    yield build_world(db)
    db.dispose()


@pytest.fixture(scope="module")
def client(world: World) -> Iterator[TestClient]:
    with TestClient(create_app(world.db, Settings())) as test_client:
        yield test_client


def hidden_canaries(viewer: str) -> list[str]:
    return [CANARY[level] for level in LEVELS if level not in SEES[viewer]]


def assert_no_leak(viewer: str, body: str, where: str) -> None:
    for canary in hidden_canaries(viewer):
        assert canary not in body, f"{viewer} saw {canary} in {where}"
    if viewer not in SEES_CONTACTS:
        for secret in (CONTACT_EMAIL, CONTACT_PHONE, SITE_ADDRESS):
            assert secret not in body, f"{viewer} saw {secret!r} in {where}"


@pytest.mark.parametrize("viewer", list(VIEWERS))
def test_reads_follow_the_matrix(client: TestClient, world: World, viewer: str) -> None:
    """Directory, profile, by-PIC, partners, cluster members, project, stats, web pages."""
    h = world.headers[viewer]
    seen = SEES[viewer]
    listing = client.get("/api/organisations", params={"q": "canary", "per_page": 50}, headers=h)
    assert listing.status_code == 200
    listed = {row["id"] for row in listing.json()["data"]}
    assert listed == {world.org[level] for level in seen}
    assert listing.json()["count"] == len(seen)
    walked, cursor = [], None  # the keyset pages (cursor variant), one row at a time
    for _ in range(len(LEVELS) + 1):
        params = {"q": "canary", "per_page": 1, "count": "exact"} | (
            {"cursor": cursor} if cursor else {}
        )
        step = client.get("/api/organisations", params=params, headers=h)
        assert step.status_code == 200, step.text
        walked += [row["id"] for row in step.json()["data"]]
        assert (step.json()["count"], step.json()["count_exact"]) == (len(seen), True)
        cursor = step.json()["next_cursor"]
        if cursor is None:
            break
    assert sorted(walked) == sorted(listed) and len(walked) == len(seen)
    members = client.get(
        f"/api/clusters/{world.data.orgs['cluster']}/members", params={"per_page": 50}, headers=h
    )
    member_ids = {row["id"] for row in members.json()["data"]}
    assert member_ids & set(world.org.values()) == {world.org[level] for level in seen}
    project = client.get(f"/api/projects/{world.project}", headers=h).json()
    participants = {p["organisation"]["id"] for p in project["participants"]}
    assert participants == {world.org[level] for level in seen} | {world.data.orgs["leonardo"]}
    bodies = [listing.text, members.text, json.dumps(project)]
    for level in LEVELS:
        org_id = world.org[level]
        expected = 200 if level in seen else 404
        urls = (
            f"/api/organisations/{org_id}",
            f"/api/organisations/by-pic/{PICS[level]}",
            f"/api/organisations/{org_id}/partners",
        )
        for url in urls:
            response = client.get(url, headers=h)
            assert response.status_code == expected, (viewer, url, response.text)
            bodies.append(response.text)
        page = client.get(f"/organisations/{org_id}", headers={**h, "accept": "text/html"})
        assert page.status_code == expected, (viewer, level)
        bodies.append(page.text)
    cluster = world.data.orgs["cluster"]
    pages = (
        "/api/stats",
        "/api/clusters",
        "/organisations?q=canary",
        "/",
        "/map",
        f"/clusters/{cluster}",
        f"/projects/{world.project}",
    )
    for url in pages:
        response = client.get(url, headers=h)
        assert response.status_code == 200, (viewer, url)
        bodies.append(response.text)
    for body in bodies:
        assert_no_leak(viewer, body, "a response")


@pytest.mark.parametrize("viewer", list(VIEWERS))
def test_why_not_follows_the_matrix(client: TestClient, world: World, viewer: str) -> None:
    """`POST /api/match/why-not`: an organisation the viewer may not see answers exactly
    like a missing id; the ones it may see are ranked among what it sees only."""
    h, text = world.headers[viewer], "secret plans avionics"
    missing = client.post("/api/match/why-not", json={"text": text, "organisation_id": 99_999})
    assert missing.status_code == 404
    for level in LEVELS:
        org_id = world.org[level]
        answer = client.post(
            "/api/match/why-not", json={"text": text, "organisation_id": org_id}, headers=h
        )
        if level not in SEES[viewer]:
            assert answer.status_code == 404, (viewer, level)
            assert answer.text.replace(str(org_id), "N") == missing.text.replace("99999", "N")
            continue
        assert answer.status_code == 200, (viewer, level, answer.text)
        assert answer.json()["of"] == len(SEES[viewer]), (viewer, level)
        assert_no_leak(viewer, answer.text, "a why-not answer")


def test_stats_count_only_visible(client: TestClient, world: World) -> None:
    base = client.get("/api/stats", headers=world.headers["admin"]).json()["organisations"]
    for viewer, seen in SEES.items():
        count = client.get("/api/stats", headers=world.headers[viewer]).json()["organisations"]
        assert count == base - (len(LEVELS) - len(seen)), viewer


@pytest.mark.parametrize("viewer", list(VIEWERS))
def test_sensitive_fields_of_a_public_profile(client: TestClient, world: World, viewer: str):
    profile = client.get(
        f"/api/organisations/{world.org['public']}", headers=world.headers[viewer]
    ).json()
    person = next(p for p in profile["people"] if p["name"] == "Carla Canarino")
    site = profile["sites"][0]
    if viewer in SEES_CONTACTS:
        assert person["email"] == CONTACT_EMAIL and person["phone"] == CONTACT_PHONE
        assert site["address"] == SITE_ADDRESS and site["lat"] == 45.8
        assert profile["revenue_band"] == ">1B"
        assert "people.email" not in profile["withheld"]
    else:
        assert person["email"] is None and person["phone"] is None
        assert site["address"] is None and site["lat"] is None
        assert profile["revenue_band"] is None
        assert {"people.email", "sites.address", "revenue_band"} <= set(profile["withheld"])
    assert profile["employees"] == 120  # public by default


@pytest.mark.parametrize("viewer", [v for v in VIEWERS if v != "anonymous"])
def test_exports_carry_only_what_the_viewer_may_see(world: World, viewer: str) -> None:
    with world.db.session() as session:
        user = accounts.get_user(session, world.emails[viewer])
        out = io.StringIO()
        export_jsonl(session, out, viewer=viewer_for(session, user))
    text = out.getvalue()
    assert_no_leak(viewer, text, "the export")
    for level in SEES[viewer]:
        assert CANARY[level] in text, (viewer, level)


def test_cli_export_as_a_user(world: World, tmp_path) -> None:
    from typer.testing import CliRunner

    from filiera.cli.main import app

    out = tmp_path / "buyer.jsonl"
    result = CliRunner().invoke(
        app, ["export", str(out), "--db", world.db.url, "--as", world.emails["buyer"]]
    )
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert CANARY["restricted"] in text and CANARY["members"] not in text
    assert CONTACT_EMAIL not in text


# --- writes -------------------------------------------------------------------------------

# action -> viewers allowed; every other signed-in viewer gets 403 (or 404 if it cannot
# even see the record), anonymous gets 401.
EDIT_PUBLIC = {"manager", "admin"}  # the public org is a member of the manager's cluster
EDIT_OWN = {"member_in_cluster", "manager", "admin"}  # polimi: the member's own org
CREATE = {"manager", "admin"}
ADMIN_ONLY = {"admin"}
MANAGE_CLUSTER = {"manager", "admin"}


def expected_write(viewer: str, allowed: set[str], ok: int, level: str = "public") -> int:
    if viewer == "anonymous":
        return 404 if level not in SEES[viewer] else 401
    if level not in SEES[viewer]:
        return 404
    return ok if viewer in allowed else 403


@pytest.mark.parametrize("viewer", list(VIEWERS))
def test_writes_follow_the_matrix(client: TestClient, world: World, viewer: str) -> None:
    h = world.headers[viewer]
    pub, polimi = world.org["public"], world.data.orgs["polimi"]
    cluster = world.data.orgs["cluster"]
    cases = [
        ("PATCH", f"/api/organisations/{pub}", {"city": "Varese"}, EDIT_PUBLIC, 200, "public"),
        (
            "PUT",
            f"/api/organisations/{pub}/access",
            {"markings": ["dual_use"]},
            EDIT_PUBLIC,
            200,
            "public",
        ),
        ("GET", f"/api/organisations/{pub}/access", None, EDIT_PUBLIC, 200, "public"),
        ("PATCH", f"/api/organisations/{polimi}", {"city": "Milano"}, EDIT_OWN, 200, "public"),
        (
            "PATCH",
            f"/api/organisations/{world.org['owner']}",
            {"city": "Como"},
            {"owner_user", "manager", "admin"},
            200,
            "owner",
        ),
        (
            "PATCH",
            f"/api/organisations/{world.org['restricted']}",
            {"city": "Lecco"},
            {"manager", "admin"},
            200,
            "restricted",
        ),
        (
            "POST",
            "/api/organisations",
            {"name": f"New {viewer} Srl", "country": "IT"},
            CREATE,
            201,
            "public",
        ),
        ("GET", "/api/review", None, ADMIN_ONLY, 200, "public"),
        ("GET", "/api/audit", None, ADMIN_ONLY, 200, "public"),
        ("GET", "/api/users", None, ADMIN_ONLY, 200, "public"),
        ("GET", "/api/system", None, ADMIN_ONLY, 200, "public"),
        (
            "POST",
            "/api/users",
            {"email": f"new-{viewer}@matrix.example", "name": "N", "password": PASSWORD},
            ADMIN_ONLY,
            201,
            "public",
        ),
        (
            "POST",
            f"/api/clusters/{cluster}/members",
            {"organisation_id": world.doomed[viewer]},
            MANAGE_CLUSTER,
            201,
            "public",
        ),
        (
            "DELETE",
            f"/api/clusters/{cluster}/members/{world.doomed[viewer]}",
            None,
            MANAGE_CLUSTER,
            204,
            "public",
        ),
        (
            "POST",
            f"/api/clusters/{world.data.orgs['safran']}/members",
            {"organisation_id": pub},
            MANAGE_CLUSTER,
            201,
            "public",
        ),  # not a cluster: 404
        ("DELETE", f"/api/organisations/{world.doomed[viewer]}", None, ADMIN_ONLY, 204, "public"),
    ]
    for method, url, body, allowed, ok, level in cases:
        response = client.request(method, url, json=body, headers=h)
        want = expected_write(viewer, allowed, ok, level)
        if viewer == "anonymous" and method == "GET" and url.endswith("/access"):
            want = 401
        if url.startswith(f"/api/clusters/{world.data.orgs['safran']}/"):
            want = 404  # Safran is not a cluster, whoever asks
        elif viewer == "manager" and url.startswith(f"/api/clusters/{cluster}/members"):
            want = 202 if method == "POST" else 404  # invited, not enrolled: nothing to remove
        assert response.status_code == want, (viewer, method, url, response.text)


# --- capacity scenarios ----------------------------------------------------------------------

LINE_CANARY = "LINECANARY-91c2"  # another company's line: planners only
# scenario -> (owner, visibility, granted, who names which line: assembly, frames, sensors)
SCENARIOS = {
    "public": ("cluster", "public", False, ("Leonardo S.p.A.", "PIC 999879881")),
    "members": ("cluster", "members", False, ("Leonardo S.p.A.", "Safran SA")),
    "restricted": ("cluster", "restricted", True, ("Leonardo S.p.A.", "Safran SA")),
    "owner": ("cluster", "owner", False, ("Leonardo S.p.A.", "LuxSpace Sàrl")),
    "linked": ("cluster", "restricted", False, ("LuxSpace Sàrl", "PIC 944444444")),
    "linked_owner_only": ("cluster", "owner", False, ("LuxSpace Sàrl", "PIC 944444444")),
    "by_restricted_org": ("restricted", "public", False, ("Leonardo S.p.A.", "Safran SA")),
}
READS = {  # hand-written: who reads each scenario (anonymous callers: the public ones)
    "public": set(VIEWERS),
    # members of the cluster, and Safran (member_granted) whose line it names
    "members": {"member_in_cluster", "owner_user", "member_granted", "manager", "admin"},
    "restricted": {"buyer", "member_granted", "manager", "admin"},
    "owner": {"manager", "admin"},
    "linked": {"member_outside", "owner_user", "manager", "admin"},  # named in the lines
    "linked_owner_only": {"manager", "admin"},
    "by_restricted_org": {"buyer", "member_granted", "admin"},  # never wider than its owner
}
PLANNERS = {"buyer", "manager", "admin"}  # the whole scenario (buyers, owner's users, admins)
EDITS = {"manager", "admin"}  # planners acting for the owner (the cluster)


def _capacity_text(assembly: str, frames: str) -> str:
    return CHAIN.format(
        assembly=assembly,
        frames=frames,
        frames_country="IT",
        sensors=f"Hidden Supplier {LINE_CANARY}",
        sensors_country="DE",
    )


def _scenario_body(world: World, key: str) -> dict:
    owner, level, _granted, (assembly, frames) = SCENARIOS[key]
    owner_id = world.data.orgs["cluster"] if owner == "cluster" else world.org[owner]
    text = _capacity_text(assembly, frames)
    return {"name": f"Matrix {key}", "text": text, "owner_id": owner_id, "visibility": level}


@pytest.fixture(scope="module")
def scenarios(world: World) -> dict[str, int]:
    """The scenarios, saved and planned through the store by the operator."""
    admin = Viewer.system()
    ids = {}
    with world.db.session() as session:
        for key, (_owner, _level, granted, _lines) in SCENARIOS.items():
            row = store.save_scenario(session, admin, ScenarioIn(**_scenario_body(world, key)))
            ids[key] = row.id
            store.plan_scenario(session, admin, row.id)
            if granted:
                session.add(AccessGrant(entity="capacity_scenario", entity_id=row.id, role="buyer"))
                session.add(
                    AccessGrant(
                        entity="capacity_scenario",
                        entity_id=row.id,
                        organisation_id=world.data.orgs["safran"],
                    )
                )
    return ids


@pytest.mark.parametrize("viewer", list(VIEWERS))
def test_capacity_scenarios_follow_the_matrix(
    client: TestClient, world: World, scenarios: dict[str, int], viewer: str
) -> None:
    """Who reads each scenario, whole or redacted to their own lines; 404 as if missing."""
    h = world.headers[viewer]
    listed = client.get("/api/capacity/scenarios", headers=h)
    assert listed.status_code == 200
    mine = {row["id"] for row in listed.json()} & set(scenarios.values())
    assert mine == {scenarios[k] for k, readers in READS.items() if viewer in readers}
    for key, scenario_id in scenarios.items():
        response = client.get(f"/api/capacity/scenarios/{scenario_id}", headers=h)
        if viewer not in READS[key]:
            assert response.status_code == 404, (viewer, key)
            missing = client.get("/api/capacity/scenarios/9999", headers=h).text
            assert response.text == missing.replace("9999", str(scenario_id)), (viewer, key)
            continue
        assert response.status_code == 200, (viewer, key)
        body = response.json()
        whole = viewer in PLANNERS
        assert (body["full_view"], body["plan"]["redacted"]) == (whole, not whole), (viewer, key)
        assert (LINE_CANARY in response.text) == whole, (viewer, key)
    compare = client.get(
        "/api/capacity/compare", params={"ids": list(scenarios.values())}, headers=h
    )
    if viewer == "anonymous":
        assert compare.status_code == 401
    else:
        first_unread = next((i for k, i in scenarios.items() if viewer not in READS[k]), None)
        want = 200 if first_unread is None else 404
        assert compare.status_code == want, (viewer, compare.text)
        if first_unread is not None:
            assert f"capacity scenario {first_unread} does not exist" in compare.text


@pytest.mark.parametrize("viewer", list(VIEWERS))
def test_capacity_writes_follow_the_matrix(
    client: TestClient, world: World, scenarios: dict[str, int], viewer: str
) -> None:
    """Planners acting for the owner change a scenario; others 403, or 404 if unread."""
    h = world.headers[viewer]
    for key in ("public", "members", "owner"):
        url = f"/api/capacity/scenarios/{scenarios[key]}"
        response = client.put(url, json=_scenario_body(world, key), headers=h)
        if viewer == "anonymous":
            want = 401
        elif viewer not in READS[key]:
            want = 404
        else:
            want = 200 if viewer in EDITS else 403
        assert response.status_code == want, (viewer, key, response.text)
    plan = client.post("/api/capacity/plan", json={"yaml": _capacity_text("a", "b")}, headers=h)
    want = 401 if viewer == "anonymous" else 200 if viewer in PLANNERS else 403
    assert plan.status_code == want, (viewer, plan.text)


# --- news ----------------------------------------------------------------------------------------

NEWS_TEXT = "Avionics makers met in Varese: " + ", ".join(f"the {level} maker" for level in LEVELS)
REVIEWERS = {"manager", "admin"}  # cluster managers and admins ingest and review news


@dataclass
class News:
    article: int
    proposed: dict[str, int]  # viewer -> a proposed fact only its decision check uses
    person: int


def _news_fact(level: str, org_id: int) -> NewsFact:
    """A reviewer linked "the <level> maker" to the registry record (its canary name)."""
    words = f"the {level} maker"
    start = NEWS_TEXT.index(words)
    return NewsFact(
        kind="organization",
        text=words,
        start=start,
        end=start + len(words),
        sentence=NEWS_TEXT,
        sentence_index=0,
        data={"name": f"{CANARY[level]} Avionics", "registry_id": org_id, "found_by": ["review"]},
        status="accepted",
        reviewed_at=utcnow(),
        links=[NewsLink(organisation_id=org_id)],
    )


@pytest.fixture(scope="module")
def news(world: World) -> News:
    """An article with one accepted fact per organisation level, an event naming them all,
    and one proposed fact per viewer."""
    varese = NEWS_TEXT.index("Varese")
    event = NewsFact(
        kind="event",
        text="met",
        start=NEWS_TEXT.index("met"),
        end=NEWS_TEXT.index("met") + 3,
        sentence=NEWS_TEXT,
        data={
            "type": "forum_meeting",
            "participants": [f"the {level} maker" for level in LEVELS],
            "organization_ids": [world.org[level] for level in LEVELS],
        },
        status="accepted",
        reviewed_at=utcnow(),
        links=[NewsLink(organisation_id=world.org[level]) for level in LEVELS],
    )
    proposed = {
        viewer: NewsFact(
            kind="place",
            text="Varese",
            start=varese,
            end=varese + len("Varese"),
            sentence=NEWS_TEXT,
            data={"name": "Varese", "country": "IT", "region": "ITC41"},
            status="proposed",
        )
        for viewer in VIEWERS
    }
    with world.db.session() as session:
        article = NewsArticle(
            title="Avionics makers meet",
            url="https://news.example/avionics",
            given_as="avionics.txt",
            lang="en",
            kind="text",
            text=NEWS_TEXT,
            fingerprint="matrix-news",
            facts=[*(_news_fact(level, world.org[level]) for level in LEVELS), event],
        )
        article.facts += list(proposed.values())
        session.add(article)
        session.flush()
        person = session.scalar(select(Person.id).where(Person.name == "Carla Canarino"))
        return News(article.id, {v: f.id for v, f in proposed.items()}, person)


def _signed_in(viewer: str, allowed: set[str] | None = None, page: bool = False) -> int:
    """Expected status: sign in first (303 on a page), allowed (200) or refused (403)."""
    if viewer == "anonymous":
        return 303 if page else 401
    return 200 if allowed is None or viewer in allowed else 403


@pytest.mark.parametrize("viewer", list(VIEWERS))
def test_news_reads_follow_the_matrix(
    client: TestClient, world: World, news: News, viewer: str
) -> None:
    """Articles and accepted facts are public reading; a link to a record the viewer may not
    see is the article's words; proposed facts and the queue are for reviewers."""
    h, seen = world.headers[viewer], SEES[viewer]
    page_h = {**h, "accept": "text/html"}
    listed = client.get("/api/news/articles", headers=h)
    assert listed.status_code == 200
    [row] = [a for a in listed.json()["items"] if a["id"] == news.article]
    want = {"organization": 4, "event": 1} | (
        {"place": len(VIEWERS)} if viewer in REVIEWERS else {}
    )
    assert row["facts"] == want
    detail = client.get(f"/api/news/articles/{news.article}", headers=h)
    linked = {
        f["data"]["registry_id"] for f in detail.json()["fact_list"] if f["kind"] == "organization"
    }
    assert linked - {None} == {world.org[level] for level in seen}
    [event] = [f for f in detail.json()["fact_list"] if f["kind"] == "event"]
    named = {world.org[level] for level in seen}
    assert set(event["data"]["organization_ids"]) - {None} == named
    article = client.get(f"/news/{news.article}", headers=page_h)
    assert article.status_code == 200
    bodies = [listed.text, detail.text, article.text]
    for level in LEVELS:
        org_id, visible = world.org[level], level in seen
        assert (f'href="/organisations/{org_id}"' in article.text) == visible, (viewer, level)
        about = client.get(f"/api/news/organisations/{org_id}", headers=h)
        assert about.status_code == (200 if visible else 404), (viewer, level)
        if visible:
            assert {f["kind"] for f in about.json()} == {"organization", "event"}
            profile = client.get(f"/organisations/{org_id}", headers=page_h).text
            assert "data-in-the-news" in profile
            bodies += [about.text, profile]
    person = client.get(f"/api/news/people/{news.person}", headers=h)
    assert person.status_code == 200 and person.json() == []
    for url in ("/api/news/review", "/news/review"):
        page = url.startswith("/news")
        answer = client.get(url, headers=page_h if page else h, follow_redirects=False)
        assert answer.status_code == _signed_in(viewer, REVIEWERS, page), (viewer, url)
        bodies.append(answer.text)
    for url in ("/api/news/watches", "/api/news/digest", "/news/digest", "/news/digest.json"):
        page = url.startswith("/news")
        answer = client.get(url, headers=page_h if page else h, follow_redirects=False)
        assert answer.status_code == _signed_in(viewer, page=page), (viewer, url)
        bodies.append(answer.text)
    assert client.get("/news", headers=page_h).status_code == 200
    for body in bodies:
        assert_no_leak(viewer, body, "news")


@pytest.mark.parametrize("viewer", list(VIEWERS))
def test_news_writes_follow_the_matrix(
    client: TestClient, world: World, news: News, viewer: str
) -> None:
    h = world.headers[viewer]
    empty = {"documents": [{"name": "empty.txt", "content": ""}]}
    ingest = client.post("/api/news/ingest", json=empty, headers=h)
    assert ingest.status_code == _signed_in(viewer, REVIEWERS), (viewer, ingest.text)
    if ingest.status_code == 200:
        assert [r["status"] for r in ingest.json()] == ["error"]
    fact = news.proposed[viewer]
    decision = client.post(
        f"/api/news/facts/{fact}/decision", json={"decision": "reject"}, headers=h
    )
    assert decision.status_code == _signed_in(viewer, REVIEWERS), (viewer, decision.text)
    watch = client.post("/api/news/watches", json={"name": "Makers", "query": "maker"}, headers=h)
    if viewer == "anonymous":
        assert watch.status_code == 401
        return
    assert watch.status_code == 201, (viewer, watch.text)
    hidden = [world.org[level] for level in LEVELS if level not in SEES[viewer]]
    for org_id in hidden:
        refused = client.post(
            "/api/news/watches", json={"name": "Hidden", "organisation_id": org_id}, headers=h
        )
        assert refused.status_code == 404, (viewer, org_id)
    others = [v for v in VIEWERS if v not in ("anonymous", viewer)]
    theirs = client.get("/api/news/watches", headers=world.headers[others[0]]).json()
    for row in theirs:
        gone = client.delete(f"/api/news/watches/{row['id']}", headers=h)
        assert gone.status_code == 404  # another user's watch does not exist for this one
    mine = watch.json()["id"]
    assert client.delete(f"/api/news/watches/{mine}", headers=h).status_code == 204


def test_every_api_route_is_in_the_matrix(client: TestClient) -> None:
    """A new route must be added to the tests above (or here, if it is public by design)."""
    covered = {
        ("GET", "/api/organisations"),
        ("GET", "/api/organisations/{org_id}"),
        ("GET", "/api/organisations/by-pic/{pic}"),
        ("GET", "/api/organisations/{org_id}/partners"),
        ("PATCH", "/api/organisations/{org_id}"),
        ("POST", "/api/organisations"),
        ("DELETE", "/api/organisations/{org_id}"),
        ("GET", "/api/organisations/{org_id}/access"),
        ("PUT", "/api/organisations/{org_id}/access"),
        ("GET", "/api/clusters"),
        ("GET", "/api/clusters/{cluster_id}/members"),
        ("GET", "/api/projects/{project_id}"),
        ("GET", "/api/stats"),
        ("GET", "/api/review"),
        ("GET", "/api/audit"),
        ("GET", "/api/users"),
        ("POST", "/api/users"),
        ("POST", "/api/clusters/{cluster_id}/members"),
        ("DELETE", "/api/clusters/{cluster_id}/members/{organisation_id}"),
        ("GET", "/api/capacity/scenarios"),
        ("GET", "/api/capacity/scenarios/{scenario_id}"),
        ("PUT", "/api/capacity/scenarios/{scenario_id}"),
        ("GET", "/api/capacity/compare"),
        ("POST", "/api/capacity/plan"),
        ("GET", "/api/news/articles"),
        ("GET", "/api/news/articles/{article_id}"),
        ("GET", "/api/news/organisations/{org_id}"),
        ("GET", "/api/news/people/{person_id}"),
        ("GET", "/api/news/review"),
        ("GET", "/api/news/watches"),
        ("GET", "/api/news/digest"),
        ("POST", "/api/news/ingest"),
        ("POST", "/api/news/facts/{fact_id}/decision"),
        ("POST", "/api/news/watches"),
        ("DELETE", "/api/news/watches/{watch_id}"),
        ("POST", "/api/match/why-not"),
        ("GET", "/metrics"),
        ("GET", "/api/system"),
    }
    covered_elsewhere = {  # tested in test_access_web.py, test_match.py, test_invitations.py
        ("GET", "/api/organisations.csv"),  # test_csv_exports.py, test_noninterference.py
        ("POST", "/api/match.csv"),
        ("POST", "/api/me/password"),  # test_account_hygiene.py
        ("GET", "/api/clusters/{cluster_id}/invitations"),
        ("DELETE", "/api/clusters/{cluster_id}/invitations/{invitation_id}"),
        ("GET", "/api/organisations/{org_id}/invitations"),
        ("POST", "/api/organisations/{org_id}/invitations/{invitation_id}"),
        ("POST", "/api/review/{item_id}"),
        ("PATCH", "/api/users/{user_id}"),
        ("GET", "/api/me"),
        ("POST", "/api/auth/token"),
        ("GET", "/api/me/tokens"),
        ("POST", "/api/me/tokens"),
        ("DELETE", "/api/me/tokens/{token_id}"),
        ("POST", "/api/match"),
        ("GET", "/api/needs"),
        ("POST", "/api/needs"),
        ("GET", "/api/needs/{need_id}"),
        ("PATCH", "/api/needs/{need_id}"),
        ("DELETE", "/api/needs/{need_id}"),
        ("GET", "/api/needs/{need_id}/candidates"),
        ("POST", "/api/needs/{need_id}/interest"),
        ("GET", "/api/needs/{need_id}/interest"),
        ("GET", "/api/theses"),
        ("POST", "/api/theses"),
        ("GET", "/api/theses/{thesis_id}"),
        ("PATCH", "/api/theses/{thesis_id}"),  # test_need_forms.py
        ("DELETE", "/api/theses/{thesis_id}"),
        ("GET", "/api/theses/{thesis_id}/startups"),
        ("GET", "/api/organisations/{org_id}/opportunities"),
        ("GET", "/api/shortlists"),  # test_shortlists.py, test_noninterference.py
        ("POST", "/api/shortlists"),
        ("GET", "/api/shortlists/{shortlist_id}"),
        ("GET", "/api/shortlists/{shortlist_id}.csv"),
        ("PATCH", "/api/shortlists/{shortlist_id}"),
        ("DELETE", "/api/shortlists/{shortlist_id}"),
        ("POST", "/api/shortlists/{shortlist_id}/entries"),
        ("DELETE", "/api/shortlists/{shortlist_id}/entries/{organisation_id}"),
        ("POST", "/api/organisations/{org_id}/introductions"),  # test_introductions.py
        ("GET", "/api/me/introductions"),
        ("POST", "/api/introductions/{intro_id}/accept"),
        ("POST", "/api/introductions/{intro_id}/decline"),
        ("GET", "/api/calls"),  # test_consortia_api.py, test_noninterference.py
        ("POST", "/api/calls"),
        ("GET", "/api/calls/{call_id}"),
        ("PATCH", "/api/calls/{call_id}"),
        ("POST", "/api/consortia/build"),
        ("POST", "/api/consortia/check"),
        ("GET", "/api/bids"),
        ("POST", "/api/bids"),
        ("GET", "/api/bids/{bid_id}"),
        ("PATCH", "/api/bids/{bid_id}"),
        ("POST", "/api/bids/{bid_id}/invitations"),
        ("POST", "/api/bids/{bid_id}/answer"),
        ("DELETE", "/api/bids/{bid_id}/partners/{org_id}"),
        ("GET", "/api/events"),  # test_events_api.py, test_noninterference.py
        ("POST", "/api/events"),
        ("GET", "/api/events/{event_id}"),
        ("PATCH", "/api/events/{event_id}"),
        ("POST", "/api/events/{event_id}/slots"),
        ("DELETE", "/api/events/{event_id}/slots/{slot_id}"),
        ("GET", "/api/events/{event_id}/participants"),
        ("POST", "/api/events/{event_id}/participants"),
        ("PATCH", "/api/events/{event_id}/participants/{participant_id}"),
        ("POST", "/api/events/{event_id}/participants/{participant_id}/cancel"),
        ("POST", "/api/events/{event_id}/participants/{participant_id}/no-show"),
        ("GET", "/api/events/{event_id}/requests"),
        ("POST", "/api/events/{event_id}/requests"),
        ("POST", "/api/events/{event_id}/group-meetings"),
        ("POST", "/api/meeting-requests/{request_id}/answer"),
        ("POST", "/api/meeting-requests/{request_id}/cancel"),
        ("GET", "/api/events/{event_id}/suggestions"),
        ("POST", "/api/events/{event_id}/schedule"),
        ("GET", "/api/events/{event_id}/schedule"),
        ("PATCH", "/api/meetings/{meeting_id}"),
        ("POST", "/api/events/schedule"),
        ("GET", "/api/events/{event_id}/agenda"),
        ("GET", "/api/events/{event_id}/agenda.ics"),
        ("GET", "/api/events/{event_id}/agenda.txt"),
        ("GET", "/api/events/{event_id}/grid"),
        ("POST", "/api/capacity/scenarios"),  # test_capacity_api.py, test_capacity_store.py
        ("DELETE", "/api/capacity/scenarios/{scenario_id}"),
        ("POST", "/api/capacity/scenarios/{scenario_id}/plan"),
        ("POST", "/api/capacity/scenarios/{scenario_id}/risk"),
    }
    covered_elsewhere.add(("GET", "/api/projects"))  # participant counts: test_projects_page.py
    public_by_design = {
        ("GET", "/api/taxonomy/capabilities"),
        ("GET", "/healthz"),  # test_health.py: no record named or counted
        ("GET", "/readyz"),
    }
    schema = client.get("/openapi.json").json()
    routes = {(m.upper(), path) for path, ops in schema["paths"].items() for m in ops}
    assert routes == covered | covered_elsewhere | public_by_design


@pytest.mark.parametrize("viewer", list(VIEWERS))
def test_metrics_follow_the_matrix(client: TestClient, world: World, viewer: str) -> None:
    """Administrators only; everyone else gets the same refusal, naming no record."""
    answer = client.get("/metrics", headers=world.headers[viewer])
    if viewer == "admin":
        assert answer.status_code == 200
        assert "filiera_http_requests_total" in answer.text
    else:
        assert answer.status_code == 403
        assert answer.json()["error"]["code"] == "forbidden"
    assert_no_leak("anonymous", answer.text, f"/metrics as {viewer}")


def test_reading_restricted_data_is_audited(client: TestClient, world: World) -> None:
    from filiera.access.audit import AuditQuery, search

    client.get(f"/api/organisations/{world.org['restricted']}", headers=world.headers["buyer"])
    client.get(f"/api/organisations/{world.org['public']}", headers=world.headers["viewer"])
    client.get(f"/api/organisations/{world.org['owner']}", headers=world.headers["owner_user"])
    client.get(
        "/api/organisations", params={"q": "canary"}, headers=world.headers["member_granted"]
    )
    with world.db.session() as session:
        reads = search(session, AuditQuery(action="read", limit=50))
        by_actor = {(e.actor, e.entity, e.entity_id) for e in reads}
    assert (world.emails["buyer"], "organisation", world.org["restricted"]) in by_actor
    assert (world.emails["owner_user"], "organisation", world.org["owner"]) in by_actor
    assert not any(actor == world.emails["viewer"] for actor, _, _ in by_actor)
    listed = [e for e in reads if e.actor == world.emails["member_granted"]]
    assert listed and listed[0].detail.startswith("directory listing")
    assert listed[0].entity_id == world.org["restricted"]


def test_changes_are_audited_with_before_and_after(client: TestClient, world: World) -> None:
    from filiera.access.audit import AuditQuery, search

    pub = world.org["public"]
    city = client.get(f"/api/organisations/{pub}", headers=world.headers["admin"]).json()["city"]
    response = client.patch(
        f"/api/organisations/{pub}", json={"city": "Gallarate"}, headers=world.headers["manager"]
    )
    assert response.status_code == 200
    with world.db.session() as session:
        events = search(session, AuditQuery(action="update", entity="organisation", entity_id=pub))
    assert events and events[0].actor == world.emails["manager"]
    assert events[0].before["city"] == city and events[0].after["city"] == "Gallarate"


@pytest.mark.parametrize("viewer", list(VIEWERS))
def test_admin_and_access_pages(client: TestClient, world: World, viewer: str) -> None:
    """Web pages: /users, /audit, /review for admins; access settings for editors."""
    h = {**world.headers[viewer], "accept": "text/html"}
    pub = world.org["public"]
    pages = [
        ("/users", ADMIN_ONLY),
        ("/audit", ADMIN_ONLY),
        ("/review", ADMIN_ONLY),
        ("/admin/system", ADMIN_ONLY),
        (f"/organisations/{pub}/access", EDIT_PUBLIC),
    ]
    for url, allowed in pages:
        response = client.get(url, headers=h, follow_redirects=False)
        want = 303 if viewer == "anonymous" else 200 if viewer in allowed else 403
        assert response.status_code == want, (viewer, url)
    profile = client.get(f"/organisations/{pub}", headers=h).text
    assert ("data-edit-access" in profile) == (viewer in EDIT_PUBLIC)
