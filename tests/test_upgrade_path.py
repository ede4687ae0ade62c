"""Upgrading a populated database from every earlier schema revision to head, on SQLite and
PostgreSQL: no row is lost or altered (except where a migration's data step says so), the
schema ends up the same as a fresh one, and the application works on it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from html import escape
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from filiera import migrate
from filiera.app import create_app
from filiera.db import Database, make_engine
from filiera.settings import Settings
from support import BACKENDS
from support.pg_server import fresh_database
from support.revisions import (
    Rows,
    expected_after_upgrade,
    model_tables,
    project,
    read_rows,
    revisions,
    schema_differences,
    schema_of,
    script_files,
    version_files,
)
from support.upgrade_world import HIDDEN, populate

REVISIONS = revisions()
EARLIER = REVISIONS[:-1]
AUDIT_LOG_REVISION = "0002"  # creates audit_event and the triggers that keep it append-only
NewDatabase = Callable[[str], AbstractContextManager[str]]  # a label -> an empty database


class Backend:
    """Empty databases of one backend on demand; the schema of a fresh head database, and
    how it differs from the models (Alembic autogenerate)."""

    def __init__(self, name: str, new_database: NewDatabase) -> None:
        self.name = name
        self.new_database = new_database
        with new_database("fresh_head") as url:
            engine = make_engine(url)
            migrate.upgrade(engine)
            self.head_schema = schema_of(engine)
            self.head_differences = schema_differences(engine)
            engine.dispose()


@pytest.fixture(scope="module")
def head(tmp_path_factory: pytest.TempPathFactory) -> tuple[Rows, dict[str, int]]:
    """Every table's rows in a small populated head database (written once, on SQLite:
    they are plain values, projected onto each backend), and the organisations' ids."""
    db = Database(f"sqlite:///{tmp_path_factory.mktemp('head')}/head.db")
    data = populate(db)
    rows = read_rows(db.engine, list(model_tables()))
    db.dispose()
    return rows, data.orgs


@pytest.fixture(
    scope="module",
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ],
)
def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Backend:
    if request.param == "sqlite":
        BACKENDS["sqlite"] = "ran"
        folder = tmp_path_factory.mktemp("upgrade")
        return Backend("sqlite", lambda label: _sqlite_file(folder / f"{label}.db"))
    server = request.getfixturevalue("pg_url")
    return Backend("postgresql", lambda label: fresh_database(server, prefix=f"upgrade_{label}"))


@contextmanager
def _sqlite_file(path: Path) -> Iterator[str]:
    yield f"sqlite:///{path}"


@contextmanager
def upgraded(
    backend: Backend, revision: str, head_rows: Rows, label: str
) -> Iterator[tuple[Engine, Rows]]:
    """A new database (named after `label`) created at `revision`, filled with the head
    rows that fit there, then upgraded to head; with the rows as inserted."""
    with backend.new_database(label) as url:
        engine = make_engine(url)
        try:
            migrate.upgrade(engine, revision)
            inserted = project(head_rows, engine)
            migrate.upgrade(engine, "head")
            yield engine, inserted
        finally:
            engine.dispose()


def test_every_migration_file_is_a_revision_in_order() -> None:
    assert script_files() == version_files()
    assert len(REVISIONS) == len(version_files()) == len(set(REVISIONS))
    assert REVISIONS[-1] == migrate.head()
    assert EARLIER and migrate.head() not in EARLIER


def test_head_data_fills_every_table(head: tuple[Rows, dict[str, int]]) -> None:
    rows, _ = head
    assert {name for name, found in rows.items() if not found} == set()


def test_fresh_head_schema_is_the_models_schema(backend: Backend) -> None:
    """What an upgraded database is compared with matches the models."""
    assert backend.head_differences == []
    assert set(backend.head_schema) == set(model_tables()) | {"alembic_version"}


@pytest.mark.parametrize("revision", EARLIER)
def test_upgrade_from_revision_keeps_every_row(
    backend: Backend, head: tuple[Rows, dict[str, int]], revision: str
) -> None:
    rows, orgs = head
    with upgraded(backend, revision, rows, f"from_{revision}") as (engine, inserted):
        assert migrate.current(engine) == migrate.head()
        expected = expected_after_upgrade(revision, inserted)
        stored = read_rows(engine, list(expected))
        for table, wanted in expected.items():
            assert stored[table] == wanted, f"{table} changed by the upgrade from {revision}"
        assert schema_of(engine) == backend.head_schema  # itself the models' (test above)
        _assert_app_serves(engine, expected, orgs, web_page=revision == EARLIER[0])


def _assert_app_serves(
    engine: Engine, expected: Rows, orgs: dict[str, int], *, web_page: bool
) -> None:
    """The API lists the upgraded public organisations and shows one's profile as stored;
    with `web_page`, so does the profile page (an app's first page costs ~0.5 s of CPU, so
    the oldest revision's case alone renders it)."""
    public = {row["name"] for row in expected["organisation"] if row["visibility"] == "public"}
    leonardo = orgs["leonardo"]
    database = Database(engine.url.render_as_string(hide_password=False))
    try:
        with TestClient(create_app(database, Settings())) as client:
            listed = client.get("/api/organisations", params={"per_page": 100})
            assert listed.status_code == 200, listed.text
            body = listed.json()
            assert body["count"] == len(public) == len(expected["organisation"]) - 1
            assert {row["name"] for row in body["data"]} == public
            profile = client.get(f"/api/organisations/{leonardo}")
            assert profile.status_code == 200, profile.text
            assert _profile_facts(profile.json()) == _stored_facts(expected, leonardo)
            assert client.get(f"/api/organisations/{orgs[HIDDEN]}").status_code == 404
            if web_page:
                _assert_profile_page(client, expected, leonardo)
    finally:
        database.dispose()


def _assert_profile_page(client: TestClient, expected: Rows, org_id: int) -> None:
    page = client.get(f"/organisations/{org_id}")
    assert page.status_code == 200, page.text
    facts = _stored_facts(expected, org_id)
    for shown in (facts["name"], *facts["projects"]):
        assert escape(shown) in page.text


def _profile_facts(profile: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": profile["name"],
        "control_group": profile["control_group"],
        "capabilities": sorted(profile["capabilities"]),
        "certifications": sorted(c["code"] for c in profile["certifications"]),
        "projects": sorted(p["acronym"] for p in profile["projects"]),
        "markings": profile["markings"],
    }


def _stored_facts(expected: Rows, org_id: int) -> dict[str, Any]:
    """The same facts, from the rows the upgrade must have kept."""
    (org,) = (row for row in expected["organisation"] if row["id"] == org_id)
    projects = {row["id"]: row["acronym"] for row in expected["project"]}
    return {
        "name": org["name"],
        "control_group": org["control_group"],
        "capabilities": sorted(_of(expected, "org_capability", org_id, "code")),
        "certifications": sorted(_of(expected, "certification", org_id, "code")),
        "projects": sorted(
            projects[i] for i in _of(expected, "participation", org_id, "project_id")
        ),
        "markings": org["markings"],
    }


def _of(expected: Rows, table: str, org_id: int, column: str) -> list[Any]:
    return [row[column] for row in expected[table] if row["organisation_id"] == org_id]


def test_audit_log_stays_append_only_after_upgrade(
    backend: Backend, head: tuple[Rows, dict[str, int]]
) -> None:
    rows, _ = head
    with upgraded(backend, AUDIT_LOG_REVISION, rows, "audit_log") as (engine, inserted):
        assert inserted["audit_event"], "the audit log must hold rows before the upgrade"
        first = inserted["audit_event"][0]["id"]
        for statement in (
            f"UPDATE audit_event SET actor = 'someone else' WHERE id = {first}",
            f"DELETE FROM audit_event WHERE id = {first}",
        ):
            _assert_refused(engine, statement)
        assert (
            read_rows(engine, ["audit_event"])["audit_event"]
            == (expected_after_upgrade(AUDIT_LOG_REVISION, inserted)["audit_event"])
        )
        with engine.begin() as connection:  # appending still works, after the copied ids
            connection.execute(
                text("INSERT INTO audit_event (at, actor, action) VALUES (:at, 'ops', 'upgrade')"),
                {"at": inserted["audit_event"][0]["at"]},
            )


def _assert_refused(engine: Engine, statement: str) -> None:
    with pytest.raises(DBAPIError) as refused, engine.begin() as connection:
        connection.execute(text(statement))
    assert "append-only" in str(refused.value)
