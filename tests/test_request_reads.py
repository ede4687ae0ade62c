"""What a request reads, on both backends: a profile loaded once per unit of work (and again
whenever something may have changed it), the directory's cluster filter listed and audited
like the cluster list, and records whose owner the viewer may not see kept hidden by the
owner check (a correlated EXISTS on the owner)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, insert, select
from sqlalchemy.orm import Session

from filiera.access import accounts, policy
from filiera.access.models import AccessGrant, AuditEvent
from filiera.access.viewer import Viewer, viewer_for
from filiera.app import create_app
from filiera.db import Database
from filiera.directory import clusters, queries, service
from filiera.errors import NotFound
from filiera.needs.models import Thesis
from filiera.needs.service import list_theses
from filiera.registry.models import Alias, Identifier, Membership, Organisation
from filiera.settings import Settings

ANONYMOUS = Viewer.anonymous()
ADMIN = Viewer.system()
MEMBER_EMAIL = "member@reads.example"


@dataclass
class World:
    db: Database
    ids: dict[str, int]

    def viewer(self, session: Session, who: str) -> Viewer:
        if who == "member":
            return viewer_for(session, accounts.get_user(session, MEMBER_EMAIL))
        return ANONYMOUS if who == "anonymous" else ADMIN


def _org(session: Session, name: str, kind: str = "sme", visibility: str = "public") -> int:
    org = Organisation(name=name, name_key=name.casefold(), kind=kind, visibility=visibility)
    session.add(org)
    session.flush()
    return org.id


@pytest.fixture(scope="module")
def world(module_db_url: str) -> Iterator[World]:
    db = Database(module_db_url)
    db.ensure_ready()
    with db.session() as session:
        ids = {
            "public": _org(session, "Alpha"),
            "hidden": _org(session, "Hidden Works", visibility="owner"),
            "member_org": _org(session, "Member Org", visibility="owner"),
            "open_cluster": _org(session, "A Open Cluster", "cluster"),
            "members_cluster": _org(session, "B Members Cluster", "cluster", "members"),
            "granted_cluster": _org(session, "C Granted Cluster", "cluster", "restricted"),
            "closed_cluster": _org(session, "D Closed Cluster", "cluster", "owner"),
        }
        session.add(Alias(organisation_id=ids["public"], name="Alpha SpA", name_key="alpha"))
        member_of = Membership(organisation_id=ids["member_org"], cluster_id=ids["members_cluster"])
        grant = AccessGrant(
            entity="organisation",
            entity_id=ids["granted_cluster"],
            organisation_id=ids["member_org"],
        )
        session.add_all([member_of, grant])
        for title, owner in (("Of Alpha", "public"), ("Of Hidden", "hidden")):
            session.add(Thesis(owner_id=ids[owner], title=title, text="t", visibility="public"))
        session.add(Thesis(owner_id=ids["member_org"], title="Of Member", text="t"))
        accounts.add_user(
            session, MEMBER_EMAIL, "Member", "reads passphrase 2026", org_ids=[ids["member_org"]]
        )
    yield World(db, ids)
    db.dispose()


@contextmanager
def statements(db: Database) -> Iterator[list[str]]:
    seen: list[str] = []

    def note(conn, cursor, statement, *_) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", note)


def test_a_profile_asked_again_in_a_unit_of_work_is_not_read_again(world: World) -> None:
    org_id = world.ids["public"]
    with world.db.session() as session:
        first = queries.get_organisation(session, org_id, viewer=ANONYMOUS)
        with statements(world.db) as seen:
            again = queries.get_organisation(session, org_id, viewer=ANONYMOUS)
        assert again is first and seen == []


def test_a_profile_is_read_again_once_something_may_have_changed(world: World) -> None:
    org_id = world.ids["public"]
    with world.db.session() as session:
        queries.get_organisation(session, org_id, viewer=ANONYMOUS)
        session.add(Alias(organisation_id=org_id, name="Alpha Two", name_key="alpha two"))
        org = queries.get_organisation(session, org_id, viewer=ANONYMOUS)  # a pending change
        assert "Alpha Two" in {alias.name for alias in org.aliases}
        row = {"organisation_id": org_id, "scheme": "source_key", "value": "reads-1"}
        session.execute(insert(Identifier).values(**row))  # no ORM object learns of it
        org = queries.get_organisation(session, org_id, viewer=ANONYMOUS)
        assert org.identifier("source_key") == "reads-1"
        session.rollback()


def test_a_profile_loaded_for_one_viewer_is_not_shown_to_another(world: World) -> None:
    hidden = world.ids["hidden"]
    with world.db.session() as session:
        assert queries.get_organisation(session, hidden, viewer=ADMIN).name == "Hidden Works"
        with pytest.raises(NotFound, match=f"organisation {hidden} does not exist"):
            queries.get_organisation(session, hidden, viewer=ANONYMOUS)
        with pytest.raises(NotFound, match=f"organisation {hidden} does not exist"):
            service.partners(session, ANONYMOUS, hidden)
        assert service.partners(session, ADMIN, hidden) == []


def _audited(db: Database, label: str, after: int = 0) -> tuple[list[int], int]:
    """Organisations logged as listed in "list of clusters" for `label` after event `after`;
    and the last event id."""
    with db.session() as session:
        stmt = select(AuditEvent.id, AuditEvent.entity_id).where(
            AuditEvent.detail == "list of clusters", AuditEvent.actor == label
        )
        rows = session.execute(stmt.where(AuditEvent.id > after)).all()
        last = session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
    return sorted(entity_id for _, entity_id in rows), last or 0


@pytest.mark.parametrize("who", ["anonymous", "member", "admin"])
def test_the_cluster_filter_offers_and_audits_what_the_cluster_list_does(
    world: World, who: str
) -> None:
    _, start = _audited(world.db, "")
    with world.db.session() as session:
        viewer = world.viewer(session, who)
        listed = [(c.id, c.name) for c in clusters.list_clusters(session, viewer).data]
    by_list, middle = _audited(world.db, viewer.label, start)
    with world.db.session() as session:
        offered = clusters.cluster_choices(session, world.viewer(session, who))
    by_choices, _ = _audited(world.db, viewer.label, middle)
    assert offered.complete
    assert [(c.id, c.name) for c in offered.choices] == listed
    assert by_choices == by_list
    if who == "member":
        names = [name for _, name in listed]
        assert names == ["A Open Cluster", "B Members Cluster", "C Granted Cluster"]
        assert by_list == [world.ids["granted_cluster"]]  # restricted: its listing is logged


@pytest.mark.parametrize(
    ("who", "limit", "chosen", "offered"),
    [
        # three visible clusters fit a limit of three: all are offered
        ("member", 3, None, ["A Open Cluster", "B Members Cluster", "C Granted Cluster"]),
        # over the limit: the member's own cluster, and the one chosen
        ("member", 2, None, ["B Members Cluster"]),
        ("member", 2, "granted_cluster", ["B Members Cluster", "C Granted Cluster"]),
        # a hidden cluster chosen by id is not offered, and does not count toward the limit
        ("member", 2, "closed_cluster", ["B Members Cluster"]),
        ("anonymous", 0, "members_cluster", []),
        ("anonymous", 0, "open_cluster", ["A Open Cluster"]),
        ("admin", 3, "closed_cluster", ["D Closed Cluster"]),
    ],
)
def test_beyond_the_limit_the_cluster_filter_offers_the_viewers_own_clusters(
    world: World, who: str, limit: int, chosen: str | None, offered: list[str]
) -> None:
    _, start = _audited(world.db, "")
    with world.db.session() as session:
        viewer = world.viewer(session, who)
        found = clusters.cluster_choices(
            session, viewer, world.ids[chosen] if chosen else None, limit=limit
        )
    audited, _ = _audited(world.db, viewer.label, start)
    complete = {"member": 3, "anonymous": 1, "admin": 4}[who] <= limit
    assert found.complete == complete
    if complete:
        return
    assert [c.name for c in found.choices] == offered
    if who == "member":  # only what is offered is logged: the restricted cluster when chosen
        granted = [world.ids["granted_cluster"]] if chosen == "granted_cluster" else []
        assert audited == granted


def test_the_directory_page_says_when_the_cluster_choices_are_not_complete(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(database_url=world.db.url)
    with TestClient(create_app(world.db, settings)) as client:
        assert 'id="cluster-hint"' not in client.get("/organisations").text
        monkeypatch.setattr(clusters, "CHOICES_MAX", 0)
        for lang, words in (("en", "More than 0 clusters"), ("it", "Più di 0 distretti")):
            page = client.get(f"/organisations?lang={lang}").text
            assert 'id="cluster-hint"' in page and words in page
            assert '<a href="/clusters">' in page


def test_the_directory_page_offers_only_visible_clusters(world: World) -> None:
    settings = Settings(database_url=world.db.url)
    with TestClient(create_app(world.db, settings)) as client:
        page = client.get("/organisations").text
    assert f'<option value="{world.ids["open_cluster"]}" >A Open Cluster</option>' in page
    for hidden in ("members_cluster", "granted_cluster", "closed_cluster"):
        assert f'<option value="{world.ids[hidden]}"' not in page


@pytest.mark.parametrize(
    ("who", "titles"),
    [
        ("anonymous", {"Of Alpha"}),
        ("member", {"Of Alpha", "Of Member"}),
        ("admin", {"Of Alpha", "Of Hidden", "Of Member"}),
    ],
)
def test_a_record_is_never_wider_than_its_owner(world: World, who: str, titles: set) -> None:
    with world.db.session() as session:
        viewer = world.viewer(session, who)
        assert {t.title for t in list_theses(session, viewer)} == titles
        # inside a sub-select over the same table, as `not_in(visible ids)` uses it
        seen = select(Thesis.id).where(policy.visible_records(viewer, Thesis, "thesis"))
        outside = select(Thesis.title).where(Thesis.id.not_in(seen))
        every = {"Of Alpha", "Of Hidden", "Of Member"}
        assert set(session.scalars(outside)) == every - titles


@pytest.mark.parametrize(
    ("who", "params", "names", "count"),
    [
        ("member", {}, ["A Open Cluster", "B Members Cluster", "C Granted Cluster"], 3),
        ("member", {"per_page": 2, "page": 2}, ["C Granted Cluster"], 3),
        ("member", {"q": "granted"}, ["C Granted Cluster"], 1),
        ("member", {"q": "members"}, ["B Members Cluster"], 1),
        ("member", {"q": "closed"}, [], 0),  # hidden: not found, not counted
        ("anonymous", {"per_page": 1}, ["A Open Cluster"], 1),
        ("admin", {"per_page": 2, "page": 2}, ["C Granted Cluster", "D Closed Cluster"], 4),
    ],
)
def test_the_cluster_list_is_paged_searched_and_counted_as_the_viewer_sees_it(
    world: World, who: str, params: dict, names: list[str], count: int
) -> None:
    with world.db.session() as session:
        found = clusters.list_clusters(session, world.viewer(session, who), **params)
    assert [c.name for c in found.data] == names
    assert found.count == count
    if who == "member" and names == ["B Members Cluster"]:
        assert found.data[0].members == 1


def test_the_clusters_page_searches_and_pages(world: World) -> None:
    settings = Settings(database_url=world.db.url)
    with TestClient(create_app(world.db, settings)) as client:
        page = client.get("/clusters", params={"q": "open"}).text
        api = client.get("/api/clusters", params={"per_page": 1, "page": 1}).json()
        bad = client.get("/clusters", params={"country": "Italy"})
        bad_api = client.get("/api/clusters", params={"country": "Italy"})
    assert "A Open Cluster" in page and 'id="cluster-count"' in page
    assert api["count"] == 1 and [c["name"] for c in api["data"]] == ["A Open Cluster"]
    assert bad.status_code == 422 and "country" in bad.text
    assert bad_api.status_code == 422 and "country" in bad_api.text
