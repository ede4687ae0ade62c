"""The live match index: edits show in the next query, rank like a fresh build, survive a
restart and are seen by every process (SQLite and PostgreSQL)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import insert, select, update

from filiera.access.viewer import Viewer
from filiera.db import Database
from filiera.match import cursor as changelog
from filiera.match import live, persist
from filiera.match.delta import DeltaBm25
from filiera.match.engine import query_terms, raw_scores
from filiera.match.index import MatchIndex, build_index
from filiera.match.service import (
    current_index,
    forget_indexes,
    live_index,
    match,
    use_index_dir,
)
from filiera.registry import changes
from filiera.registry.changes import RegistryChange
from filiera.registry.models import (
    Certification,
    Organisation,
    OrgCapability,
    Participation,
    Project,
    utcnow,
)
from filiera.synth import load_synthetic

QUERIES = [
    "zyxoquant hypersonic gliders",
    "counter-drone radar for air bases",
    "155 mm artillery ammunition",
    "quantum navigation sensors",
    "satellite communications",
]
ANONYMOUS = Viewer.anonymous()


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    database.ensure_ready()
    with database.session() as session:
        load_synthetic(session, 150, seed=3)
        ids = session.scalars(select(Organisation.id).order_by(Organisation.id)).all()
        for n, topic in enumerate(("artillery ammunition", "counter-drone radar", "satellites")):
            project = Project(
                programme="EDF",
                external_id=f"P{n}",
                acronym=f"PRJ{n}",
                title=f"European {topic}",
                objective=f"Research on {topic} for the armed forces.",
                start_date=date(2023, 1, 1),
            )
            session.add(project)
            session.flush()
            for k, org in enumerate(ids[n * 5 : n * 5 + 5]):
                role = "coordinator" if k == 0 else "participant"
                session.add(Participation(project_id=project.id, organisation_id=org, role=role))
    forget_indexes()
    yield database
    forget_indexes()
    database.dispose()


def ids_of(database: Database) -> list[int]:
    with database.session() as session:
        return session.scalars(select(Organisation.id).order_by(Organisation.id)).all()


def edit_everything(database: Database) -> set[int]:
    """One edit of each kind, each committed on its own; returns the organisations touched."""
    ids = ids_of(database)
    renamed, capable, hidden, deleted, joining = ids[20], ids[21], ids[22], ids[23], ids[24]
    with database.session() as session:
        session.get(Organisation, renamed).name = "Zyxoquant Hypersonic Gliders"
    with database.session() as session:
        new = Organisation(
            name="Quantum Navigation Sensors Srl",
            name_key="quantum navigation sensors",
            kind="sme",
            country="IT",
            descriptions={"en": "Quantum navigation sensors for satellites."},
        )
        session.add(new)
    with database.session() as session:
        session.add(OrgCapability(organisation_id=capable, code="space.satellites"))
        session.add(Certification(organisation_id=capable, code="iso9001"))
    with database.session() as session:
        session.get(Organisation, hidden).visibility = "members"
    with database.session() as session:
        session.delete(session.get(Organisation, deleted))
    with database.session() as session:
        projects = session.scalars(select(Project).order_by(Project.id)).all()
        session.add(
            Participation(project_id=projects[0].id, organisation_id=joining, role="participant")
        )
        projects[2].objective = "Zyxoquant satellite communications for navies."
        members = session.scalars(
            select(Participation.organisation_id).where(Participation.project_id == projects[2].id)
        ).all()
    with database.session() as session:
        new_id = session.scalar(select(Organisation.id).where(Organisation.name.like("Quantum%")))
    return {renamed, capable, hidden, deleted, joining, new_id, *members}


def check_same(live_index_: MatchIndex, fresh: MatchIndex, org_ids, rtol: float) -> None:
    """The organisations rank alike: eligibility exactly, scores within `rtol`."""
    for org_id in org_ids:
        a, b = live_index_.position(org_id), fresh.position(org_id)
        assert (a is None) == (b is None), org_id
        if a is None:
            continue
        for name in ("public", "country", "kind", "synthetic", "project_count", "coordinated"):
            assert getattr(live_index_, name)[a] == getattr(fresh, name)[b], (org_id, name)
        assert live_index_.names[a] == fresh.names[b]
        assert live_index_.capabilities[a] == fresh.capabilities[b]
        for field in ("capability_masks", "certifications", "clusters"):
            held = {k for k, m in getattr(live_index_, field).items() if m[a]}
            assert held == {k for k, m in getattr(fresh, field).items() if m[b]}, field
    for text in QUERIES:
        terms = query_terms(text, "en")
        ours, theirs = raw_scores(live_index_, terms), raw_scores(fresh, terms)
        for org_id in org_ids:
            a, b = live_index_.position(org_id), fresh.position(org_id)
            if a is None:
                continue
            assert (ours.profile[a] > 0) == (theirs.profile[b] > 0), (text, org_id)
            assert ours.profile[a] == pytest.approx(theirs.profile[b], rel=rtol, abs=1e-6)
            assert ours.experience[a] == pytest.approx(theirs.experience[b], rel=rtol, abs=1e-6)


def names_found(database: Database, text: str, viewer: Viewer = ANONYMOUS) -> list[str]:
    with database.session() as session:
        return [hit.name for hit in match(session, viewer, text, lang="en", top=10).results]


def test_edits_show_in_the_next_query_and_rank_like_a_fresh_build(db: Database) -> None:
    ids = ids_of(db)
    with db.session() as session:
        hidden_name = session.get(Organisation, ids[22]).name
        current_index(session)
    touched = edit_everything(db)
    assert names_found(db, "zyxoquant hypersonic gliders")[0] == "Zyxoquant Hypersonic Gliders"
    assert names_found(db, "quantum navigation sensors")[0] == "Quantum Navigation Sensors Srl"
    assert hidden_name not in names_found(db, hidden_name)
    assert hidden_name in names_found(db, hidden_name, Viewer(1, "admin", "admin"))
    with db.session() as session:
        index = current_index(session)
        assert isinstance(index.profile, DeltaBm25)  # served from the delta, not rebuilt
        assert index.position(ids[23]) is None  # the deleted one is gone
        check_same(index, build_index(session), touched, rtol=0.35)
        live_index(session).rebuild(wait=True)
        rebuilt = current_index(session)
        assert not isinstance(rebuilt.profile, DeltaBm25)
        check_same(rebuilt, build_index(session), ids_of(db), rtol=1e-6)


def test_a_bulk_update_hides_at_once_while_a_slow_rebuild_runs(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(live, "SYNC_BUILD_SECONDS", 0.0)  # every rebuild in the background
    with db.session() as session:
        current_index(session)
    ids = ids_of(db)
    with db.session() as session:  # an ORM bulk UPDATE: a full-rebuild marker
        session.execute(
            update(Organisation).where(Organisation.id.in_(ids[:40])).values(visibility="owner")
        )
    with db.session() as session:
        index = current_index(session)
        assert not index.public[[index.position(i) for i in ids[:40]]].any()
        state = live_index(session)
    if state.rebuilding is not None:
        state.rebuilding.join(60)
    with db.session() as session:
        index = current_index(session)
        assert not isinstance(index.profile, DeltaBm25)
        check_same(index, build_index(session), ids, rtol=1e-6)


def test_changes_committed_out_of_order_are_not_lost(db: Database) -> None:
    """Change 3 commits before change 2 (two transactions on PostgreSQL): both apply."""
    ids = ids_of(db)
    with db.session() as session:
        start = changelog.at_build_start(session)
        base = start.floor
        row = {"organisation_id": ids[1], "project_id": None, "at": utcnow()}
        session.execute(insert(RegistryChange.__table__), [{**row, "id": base + 3}])
    with db.session() as session:
        cursor, news = changelog.poll(session, start)
        assert news.orgs == {ids[1]} and cursor.floor == base  # ids base+1, base+2 awaited
        session.execute(
            insert(RegistryChange.__table__),
            [{**row, "id": base + 2, "organisation_id": ids[2]}],
        )
    with db.session() as session:
        cursor, news = changelog.poll(session, cursor)
        assert news.orgs == {ids[2]}  # the late one, and not the one already applied
        cursor, news = changelog.poll(session, cursor)
        assert not news.orgs


def test_the_index_is_saved_beside_the_database_and_loaded_after_a_restart(
    db: Database, tmp_path: Path
) -> None:
    use_index_dir(None)  # a server warmed up by another test of this process may have set one
    forget_indexes()
    with db.session() as session:
        before = current_index(session)
        path = live_index(session).path
    if db.dialect != "sqlite":
        assert path is None  # no index_dir given: a server database's index is not saved
        path = tmp_path / "index.npz"
        persist.save(before, changelog.at_build_start(Session_of(db)), path)
    assert path is not None and path.exists()
    forget_indexes()  # a restart
    with db.session() as session:
        session.get(Organisation, ids_of(db)[5]).name = "Zyxoquant Hypersonic Gliders"
    state = live.LiveIndex(db.engine, path)
    with db.session() as session:
        index = state.current(session)
        assert state.loaded_from_disk
        assert index.names[index.position(ids_of(db)[5])] == "Zyxoquant Hypersonic Gliders"
        check_same(index, build_index(session), ids_of(db), rtol=0.35)
    loaded, _cursor = persist.load(path, 0.0)
    check_same(loaded, before, ids_of(db), rtol=0.0)
    path.write_bytes(b"\x80\x04not an index")  # a damaged or swapped file is ignored
    assert persist.load(path, 0.0) is None


def Session_of(database: Database):  # noqa: N802 - a session object, read-only
    from sqlalchemy.orm import Session

    return Session(database.engine)


SCRIPT = """
import sys
from filiera.db import Database
from filiera.registry.models import Organisation
db = Database(sys.argv[1])
with db.session() as session:
    session.get(Organisation, int(sys.argv[2])).name = "Zyxoquant Hypersonic Gliders"
"""


def test_another_process_sees_the_same_registry_state(db: Database) -> None:
    target = ids_of(db)[7]
    assert names_found(db, "zyxoquant hypersonic gliders") == []
    subprocess.run([sys.executable, "-c", SCRIPT, db.url, str(target)], check=True, timeout=120)
    assert names_found(db, "zyxoquant hypersonic gliders")[0] == "Zyxoquant Hypersonic Gliders"
    with db.session() as session:
        index = current_index(session)
        assert np.count_nonzero(index.alive) == len(ids_of(db))


def test_the_change_log_is_trimmed_by_age_and_a_reader_behind_it_rebuilds(db: Database) -> None:
    """Changes older than the retention go (found by bisection over sparse ids), the young
    ones and the newest stay; an index whose position was trimmed away rebuilds right."""
    ids = ids_of(db)
    with db.session() as session:
        before = live_index(session)
        before.current(session)
        before.trimming.join(10)
        start = changelog.at_build_start(session).floor
        now = utcnow()
        session.execute(update(RegistryChange.__table__).values(at=now - timedelta(days=100)))
        old = [now - timedelta(days=days) for days in (90, 60, 45, 31)]
        young = [now - timedelta(days=days) for days in (29, 1)]
        rows = [
            {"id": start + 10 * (k + 1), "organisation_id": ids[k], "project_id": None, "at": at}
            for k, at in enumerate(old + young)
        ]
        session.execute(insert(RegistryChange.__table__), rows)
    with db.session() as session:
        assert changes.prune_older(session, timedelta(days=30), now=now) >= len(old)
        kept = session.scalars(select(RegistryChange.id).order_by(RegistryChange.id)).all()
        assert kept == [start + 50, start + 60]
        assert changes.prune_older(session, timedelta(days=30), now=now) == 0
        session.get(Organisation, ids[30]).name = "Zyxoquant Hypersonic Gliders"
    with db.session() as session:
        found = live_index(session).current(session)
        fresh = build_index(session)
        assert found.size == fresh.size
    assert names_found(db, "zyxoquant hypersonic gliders")[0] == "Zyxoquant Hypersonic Gliders"


def test_the_live_index_trims_the_log_after_a_build(db: Database) -> None:
    """A year-old log: the build's trim (in its own thread) keeps only the newest change."""
    with db.session() as session:
        year_ago = utcnow() - timedelta(days=365)
        session.execute(update(RegistryChange.__table__).values(at=year_ago))
        newest = changes.latest(session)
    with db.session() as session:
        index = live_index(session)
        index.current(session)
    index.trimming.join(10)
    with db.session() as session:
        assert session.scalars(select(RegistryChange.id)).all() == [newest]
    assert index.trim_log() == 0
