"""What made signed-in matching slow, kept confidential (issue 16, match() latency).

The visibility lists come back as one aggregated row (`match/visibility.py`), the reads of
restricted results are logged in one multi-row INSERT per request (`audit.record_read`),
and a background rebuild of the index runs in a child process (`match/rebuild.py`). The
speed is measured in benchmarks/match_speed.py; here: the same answers, every read logged.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine, event, func, select

from filiera.access import audit, policy
from filiera.access.models import AccessGrant, AuditEvent
from filiera.access.viewer import Viewer
from filiera.db import Database
from filiera.match import live, rebuild
from filiera.match.index import build_index
from filiera.match.service import current_index, forget_indexes, match
from filiera.match.visibility import viewer_mask, visible_of
from filiera.registry.models import Membership, Organisation

TEXT = "hypersonic glide vehicle tracking radar"
LEVELS = ("public", "members", "restricted", "owner")


@dataclass
class World:
    db: Database
    ids: list[int]  # organisation i has visibility LEVELS[i % 4]
    cluster: int  # holds every third organisation
    granted: set[int]  # restricted organisations granted to the buyer role

    def owner(self, org_id: int) -> policy.Owner:
        clusters = frozenset({self.cluster}) if self.ids.index(org_id) % 3 == 0 else frozenset()
        roles = frozenset({"buyer"}) if org_id in self.granted else frozenset()
        return policy.Owner(frozenset({org_id}), clusters, frozenset(), roles)

    def level(self, org_id: int) -> str:
        return LEVELS[self.ids.index(org_id) % 4]

    def viewers(self) -> dict[str, Viewer]:
        return {
            "anonymous": Viewer.anonymous(),
            "member": Viewer(
                1, "m@x", "member", frozenset({self.ids[3]}), frozenset({self.cluster})
            ),
            "buyer": Viewer(2, "b@x", "buyer"),
            "admin": Viewer(3, "a@x", "admin"),
        }

    def allowed(self, viewer: Viewer) -> set[int]:
        """The Python rule's answer (`policy.allows`)."""
        return {i for i in self.ids if policy.allows(viewer, self.level(i), self.owner(i))}


@pytest.fixture(scope="module")
def world(module_db_url: str) -> Iterator[World]:
    db = Database(module_db_url)
    db.ensure_ready()
    with db.session() as session:
        audit.bind(session, Viewer.system())
        orgs = [
            Organisation(
                name=f"Radar Works {i}",
                name_key=f"radar works {i}",
                kind="sme",
                country="IT",
                visibility=LEVELS[i % 4],
                descriptions={"en": f"{TEXT}, series {i}"},
            )
            for i in range(40)
        ]
        cluster = Organisation(
            name="Glasswing Cluster", name_key="glasswing cluster", kind="cluster"
        )
        session.add_all([*orgs, cluster])
        session.flush()
        ids = [o.id for o in orgs]
        session.add_all(Membership(cluster_id=cluster.id, organisation_id=i) for i in ids[::3])
        granted = {i for n, i in enumerate(ids) if n % 8 == 2}
        session.add_all(
            AccessGrant(entity="organisation", entity_id=i, role="buyer") for i in granted
        )
        cluster_id = cluster.id
    forget_indexes()
    yield World(db, ids, cluster_id, granted)
    db.dispose()
    forget_indexes()


@contextmanager
def audit_inserts(engine: Engine) -> Iterator[list[str]]:
    """The INSERT statements into the audit log executed inside the block."""
    seen: list[str] = []

    def collect(conn, cursor, statement, params, context, executemany) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO AUDIT_EVENT"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", collect)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", collect)


def test_the_viewer_mask_is_the_visibility_rule(world: World) -> None:
    with world.db.session() as session:
        index = current_index(session)
        for who, viewer in world.viewers().items():
            mask = viewer_mask(session, index, viewer)
            shown = {int(i) for i in index.org_ids[mask]} & set(world.ids)
            assert shown == world.allowed(viewer), who


def test_the_live_check_names_the_logged_ones(world: World) -> None:
    buyer = world.viewers()["buyer"]
    with world.db.session() as session:
        seen, logged = visible_of(session, buyer, world.ids)
    assert seen == world.allowed(buyer)
    assert logged == sorted(i for i in seen if world.level(i) in ("restricted", "owner"))
    assert logged and set(logged) == world.granted


@pytest.mark.parametrize("who", ["anonymous", "member", "buyer", "admin"])
def test_every_restricted_result_is_logged_in_one_statement(world: World, who: str) -> None:
    viewer = world.viewers()[who]
    with world.db.session() as session:
        before = session.scalar(select(func.max(AuditEvent.id))) or 0
    with audit_inserts(world.db.engine) as statements, world.db.session() as session:
        audit.bind(session, viewer)  # as a request does
        result = match(session, viewer, TEXT, lang="en", top=50)
    shown = {h.org_id for h in result.results}
    assert shown == world.allowed(viewer)
    with world.db.session() as session:
        logged = session.execute(
            select(AuditEvent.entity_id, AuditEvent.actor, AuditEvent.detail).where(
                AuditEvent.id > before, AuditEvent.action == "read"
            )
        ).all()
    restricted = {i for i in shown if world.level(i) in ("restricted", "owner")}
    assert sorted(r[0] for r in logged) == sorted(restricted)
    assert {(r[1], r[2]) for r in logged} <= {(viewer.label, "match results")}
    assert len(statements) == (1 if restricted else 0)
    assert who == "anonymous" or restricted


def test_reads_are_written_in_chunks_after_earlier_events(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit, "READ_CHUNK", 4)
    with audit_inserts(world.db.engine) as statements, world.db.session() as session:
        audit.record(session, "sign_in", detail="first", viewer=Viewer.anonymous())
        audit.record_read(session, "organisation", [*reversed(world.ids[:10]), 7], "chunked")
    with world.db.session() as session:
        rows = session.execute(
            select(AuditEvent.detail, AuditEvent.entity_id)
            .where(AuditEvent.detail.in_(["first", "chunked"]))
            .order_by(AuditEvent.id)
        ).all()
    ids = sorted(set(world.ids[:10]) | {7})
    assert rows == [("first", None)] + [("chunked", i) for i in ids]
    assert len(statements) == 1 + 3  # the ORM's one event, then 11 reads in chunks of 4


def test_a_background_rebuild_runs_in_a_child_and_falls_back_in_thread(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real = rebuild.build_in_child

    def spy(engine, path):
        calls.append("child")
        return real(engine, path)

    monkeypatch.setattr(rebuild, "build_in_child", spy)
    with world.db.session() as session:
        state = live.LiveIndex(world.db.engine, None)
        state.index = build_index(session)
        fresh = build_index(session)
    index, _cursor = state._build_aside()
    assert calls == ["child"]
    assert index.org_ids.tolist() == fresh.org_ids.tolist()
    assert index.public.tolist() == fresh.public.tolist()
    assert index.names == fresh.names

    def broken(engine, path):
        raise OSError("no processes here")

    monkeypatch.setattr(rebuild, "build_in_child", broken)
    index, _cursor = state._build_aside()  # built in this thread instead
    assert index.org_ids.tolist() == fresh.org_ids.tolist()


def test_the_rebuild_child_yields_the_cpu_to_the_server() -> None:
    """The child lowers its own priority, so queries come first on a busy machine."""
    probe = (
        "import os; from filiera.match import rebuild; rebuild.lower_priority(); print(os.nice(0))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert int(done.stdout) == min(os.nice(0) + rebuild.CHILD_NICENESS, 19)
