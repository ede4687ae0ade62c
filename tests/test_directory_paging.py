"""The directory at scale, on small data and both backends: keyset cursors, capped counts
that never leak, the capability filter read from an index, and the web pager."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, select

from filiera.access import accounts
from filiera.access.models import User
from filiera.access.viewer import Viewer, viewer_for
from filiera.app import create_app
from filiera.db import Database
from filiera.directory import listing, queries
from filiera.directory.filters import OrgFilter
from filiera.directory.listing import directory_page
from filiera.registry.models import Membership, Organisation, OrgCapability
from filiera.registry.names import normalise_name
from filiera.settings import Settings
from filiera.web import pages
from support.auth import PASSWORD, bearer

SORTS = ("name", "country", "newest")
COUNTRIES = ("IT", "FR", None, "DE")
LEVELS = ("public", "public", "members", "public", "owner", "restricted")
CODES = ("space", "space.satellites", "spacecraft", "electronics.radar")
SETTINGS = Settings(api_requests_per_minute=100_000)


@dataclass
class World:
    db: Database
    member: Viewer
    member_token: str
    hidden_from_member: set[int]
    all_ids: set[int]


def _org(n: int, cluster_ids: list[int]) -> dict:
    # five organisations share each name (ties broken by id); some have no country
    name = ("Acme Aero", "ACME AERO S.p.A.", "Borealis Optics", "Zeta Works")[n % 4]
    return {
        "name": name,
        "name_key": normalise_name(name),
        "kind": "sme",
        "country": COUNTRIES[n % 4 if n % 7 else 2],
        "visibility": LEVELS[n % len(LEVELS)],
        "descriptions": {},
    }


def _populate(db: Database) -> tuple[int, int]:
    """52 organisations plus a cluster; returns (cluster id, the member's organisation id)."""
    with db.session() as session:
        cluster = Organisation(name="Test Cluster", name_key="test cluster", kind="cluster")
        session.add(cluster)
        session.flush()
        rows = [_org(n, [cluster.id]) for n in range(52)]
        ids = list(
            session.scalars(
                insert(Organisation).returning(Organisation.id, sort_by_parameter_order=True),
                rows,
            )
        )
        members = [i for n, i in enumerate(ids) if n % 3 == 0]
        session.execute(
            insert(Membership),
            [{"organisation_id": i, "cluster_id": cluster.id} for i in members],
        )
        caps = [
            {"organisation_id": i, "code": CODES[n % len(CODES)], "level": "claimed"}
            for n, i in enumerate(ids)
        ]
        session.execute(insert(OrgCapability), caps)
        own = next(i for n, i in enumerate(ids) if n % 3 == 0 and LEVELS[n % 6] == "public")
        return cluster.id, own


@pytest.fixture(scope="module")
def world(module_db_url: str) -> Iterator[World]:
    db = Database(module_db_url)
    db.ensure_ready()
    _, own = _populate(db)
    with db.session() as session:
        user = accounts.add_user(
            session, "member@test.example", "m", PASSWORD, role="member", org_ids=[own]
        )
        token = accounts.create_token(session, SETTINGS, user, "test").secret
    with db.session() as session:
        user = session.scalar(select(User).where(User.email == "member@test.example"))
        member = viewer_for(session, user)
        everyone = set(session.scalars(select(Organisation.id)))
        seen = {o.id for o in session.scalars(queries.filtered(OrgFilter(), member))}
    yield World(db, member, token, everyone - seen, everyone)
    db.dispose()


def _walk(db: Database, viewer: Viewer, flt: OrgFilter, sort: str, per_page: int) -> list[int]:
    """Every id of the listing, page after page by cursor."""
    ids, cursor = [], None
    for _ in range(100):
        with db.session() as session:
            page = directory_page(session, viewer, flt, per_page=per_page, sort=sort, cursor=cursor)
        ids += [row.id for row in page.data]
        cursor = page.next_cursor
        if cursor is None:
            return ids
    raise AssertionError("the cursor walk does not end")


def _reference(db: Database, viewer: Viewer, flt: OrgFilter, sort: str) -> list[int]:
    """The listing in one OFFSET page: the order the numbered pages have always had."""
    with db.session() as session:
        rows, _ = queries.list_organisations(session, flt, viewer=viewer, per_page=1000, sort=sort)
    return [org.id for org in rows]


@pytest.mark.parametrize("sort", SORTS)
def test_cursor_walk_returns_every_visible_row_once_in_order(world: World, sort: str) -> None:
    for viewer in (Viewer.system(), world.member, Viewer.anonymous()):
        walked = _walk(world.db, viewer, OrgFilter(), sort, per_page=4)
        assert walked == _reference(world.db, viewer, OrgFilter(), sort)
        assert len(walked) == len(set(walked))
    admin = _walk(world.db, Viewer.system(), OrgFilter(), sort, per_page=4)
    assert set(admin) == world.all_ids
    member = _walk(world.db, world.member, OrgFilter(), sort, per_page=3)
    assert set(member) == world.all_ids - world.hidden_from_member
    assert world.hidden_from_member  # the member's walk had hidden rows to skip


def test_name_ties_are_ordered_by_id_and_countries_missing_come_last(world: World) -> None:
    with world.db.session() as session:
        orgs = {o.id: o for o in session.scalars(select(Organisation))}
    by_name = _walk(world.db, Viewer.system(), OrgFilter(), "name", per_page=5)
    keys = [(orgs[i].name_key, orgs[i].name, i) for i in by_name]
    assert keys == sorted(keys)
    assert len({k[:2] for k in keys}) < len(keys)  # there were ties on the name
    by_country = [
        orgs[i].country for i in _walk(world.db, Viewer.system(), OrgFilter(), "country", 6)
    ]
    first_missing = by_country.index(None)
    assert all(c is None for c in by_country[first_missing:])
    assert by_country[:first_missing] == sorted(by_country[:first_missing])


def test_a_cursor_continues_numbered_pages_and_filters(world: World) -> None:
    flt = OrgFilter(capability="space")
    with world.db.session() as session:
        second = directory_page(session, world.member, flt, per_page=2, page=2)
        assert second.next_cursor
        rest = directory_page(session, world.member, flt, per_page=50, cursor=second.next_cursor)
    ids = [r.id for r in second.data] + [r.id for r in rest.data]
    assert ids == _reference(world.db, world.member, flt, "name")[2:]
    assert rest.page is None and second.page == 2


def test_the_capability_filter_takes_children_not_look_alikes(world: World) -> None:
    with world.db.session() as session:
        codes = {
            o.id: {c.code for c in o.capabilities} for o in session.scalars(select(Organisation))
        }

    def holders(code: str) -> set[int]:
        return set(_walk(world.db, Viewer.system(), OrgFilter(capability=code), "name", 50))

    assert holders("space") == {i for i, c in codes.items() if c & {"space", "space.satellites"}}
    assert holders("spacecraft") == {i for i, c in codes.items() if "spacecraft" in c}
    assert holders("electronics") == {i for i, c in codes.items() if "electronics.radar" in c}
    assert holders("sp_ce") == set()  # LIKE's wildcard is escaped


@pytest.fixture(scope="module")
def client(world: World) -> Iterator[TestClient]:
    with TestClient(create_app(world.db, SETTINGS)) as test_client:
        yield test_client


def test_a_cursor_of_other_filters_or_altered_is_refused(world: World, client: TestClient) -> None:
    first = client.get("/api/organisations", params={"country": "IT", "per_page": 2}).json()
    cursor = first["next_cursor"]
    assert cursor and first["sort"] == "name"
    asked = [
        {"country": "FR", "cursor": cursor},
        {"country": "IT", "sort": "newest", "cursor": cursor},
        {"country": "IT", "cursor": cursor[:-4] + "AAAA"},
        {"country": "IT", "cursor": "not a cursor"},
        {"country": "IT", "cursor": cursor, "page": 2},
    ]
    for params in asked:
        response = client.get("/api/organisations", params=params)
        assert response.status_code == 422, params
        fields = [d["field"] for d in response.json()["error"]["details"]]
        assert fields == ["page" if "page" in params else "cursor"], params
    fine = client.get("/api/organisations", params={"country": "IT", "cursor": cursor})
    assert fine.status_code == 200 and fine.json()["page"] is None


def test_counts_are_capped_unless_exact_is_asked(
    world: World, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    public = _visible_public(world)
    assert len(public) > 10
    monkeypatch.setattr(listing, "COUNT_CAP", 10)
    capped = client.get("/api/organisations", params={"per_page": 5}).json()
    assert (capped["count"], capped["count_exact"]) == (10, False)
    exact = client.get("/api/organisations", params={"count": "exact"}).json()
    assert (exact["count"], exact["count_exact"]) == (len(public), True)
    admin = bearer(_admin_token(world))
    everything = client.get("/api/organisations", params={"count": "exact"}, headers=admin)
    assert (everything.json()["count"], everything.json()["count_exact"]) == (
        len(world.all_ids),
        True,
    )
    few = client.get("/api/organisations", params={"q": "zeta"}).json()
    zeta = [name for name in public if name.startswith("Zeta")]
    assert (few["count"], few["count_exact"]) == (len(zeta), True) and len(zeta) < 10


def _visible_public(world: World) -> list[str]:
    with world.db.session() as session:
        stmt = select(Organisation.name).where(Organisation.visibility == "public")
        return list(session.scalars(stmt))


def _admin_token(world: World) -> str:
    with world.db.session() as session:
        found = session.scalar(select(User).where(User.email == "admin@test.example"))
        user = found or accounts.add_user(
            session, "admin@test.example", "a", PASSWORD, role="admin"
        )
        return accounts.create_token(session, SETTINGS, user, "test").secret


def test_counts_and_pages_do_not_change_with_hidden_rows(world: World) -> None:
    """A cap between what the member sees and what exists: hidden rows must not tip it."""
    flt = OrgFilter(country="FR")
    with world.db.session() as session:
        before = directory_page(session, world.member, flt, per_page=3)
        seen = before.count
        assert before.count_exact
        rows = [
            {
                **_org(1, []),
                "country": "FR",
                "visibility": "owner",
                "name": f"Hidden {n}",
                "name_key": f"aaa hidden {n}",
            }
            for n in range(seen + 2)
        ]
        session.execute(insert(Organisation), rows)
        session.flush()
        after = directory_page(session, world.member, flt, per_page=3, cap=seen)
        exact = directory_page(session, world.member, flt, per_page=3, count="exact")
        admin = directory_page(session, Viewer.system(), flt, per_page=3, cap=seen)
        session.rollback()
    assert (after.count, after.count_exact) == (seen, True)
    assert (exact.count, exact.data, exact.next_cursor) == (seen, before.data, before.next_cursor)
    assert (admin.count, admin.count_exact) == (seen, False)  # the rows were really there


def test_the_web_directory_says_more_than_and_pages_on_by_cursor(
    world: World, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(listing, "COUNT_CAP", 3)
    monkeypatch.setattr(pages, "NUMBERED_PAGES", 1)
    monkeypatch.setattr(pages, "DIRECTORY_PAGE", 4)
    english = client.get("/organisations", params={"lang": "en"})
    assert "more than 3 organisations" in english.text
    assert 'data-count-exact="false"' in english.text
    italian = client.get("/organisations", params={"lang": "it"})
    assert "più di 3 organizzazioni" in italian.text and "more than" not in italian.text
    start = english.text.index('rel="next" href="') + len('rel="next" href="')
    next_url = english.text[start : english.text.index('"', start)].replace("&amp;", "&")
    assert "cursor=" in next_url and "page=" not in next_url
    later = client.get(next_url)
    assert later.status_code == 200 and "data-first-page" in later.text
    html = {"accept": "text/html"}
    bad = client.get("/organisations", params={"cursor": "xyz", "lang": "it"}, headers=html)
    assert bad.status_code == 422 and "ricomincia dalla prima pagina" in bad.text


def test_statistics_are_refreshed_for_the_planner_after_a_large_write(tmp_path) -> None:
    """SQLite keeps no statistics itself: without them it sorts a whole filtered directory
    instead of walking the name index, so imports refresh them (PostgreSQL's autovacuum
    keeps its own)."""
    db = Database(f"sqlite:///{tmp_path}/statistics.db")
    db.ensure_ready()
    with db.session() as session:
        session.execute(insert(Organisation), [_org(n, []) for n in range(20)])
    with db.engine.connect() as connection:
        assert not connection.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'"
        ).all()
    db.refresh_statistics()
    with db.engine.connect() as connection:
        tables = {row[0] for row in connection.exec_driver_sql("SELECT tbl FROM sqlite_stat1")}
    assert "organisation" in tables
    db.dispose()
