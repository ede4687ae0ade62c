"""Backups and restores: native and logical, on both backends and across them, under load.

One small world with rows in every table (`support.upgrade_world.populate`) per backend is
backed up once in each format; each test restores what it needs into a fresh database and
compares every table row for row.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Text, cast, select, text
from sqlalchemy.exc import DBAPIError

from filiera import migrate
from filiera.access.viewer import Viewer
from filiera.db import Database
from filiera.directory import service
from filiera.ops import codec, tables
from filiera.ops.backup import backup
from filiera.ops.restore import restore
from filiera.ops.revisions import newest
from filiera.ops.verify import verify
from filiera.registry.schemas import OrganisationIn
from support.pg_server import fresh_database
from support.upgrade_world import populate

FORMATS = {"native": "backup.bin", "logical": "backup.jsonl.gz"}


@dataclass
class Source:
    url: str
    db: Database
    backend: str
    files: dict[str, Path]  # format -> backup of the populated world
    rows: dict[str, list[tuple]]


def all_rows(url: str) -> dict[str, list[tuple]]:
    """Every table's rows in primary-key order; JSON as (SQL NULL -> None, else ("json",
    value)) so a JSON null and a SQL NULL stay apart."""
    db = Database(url)
    try:
        with db.engine.connect() as connection:
            return {
                table.name: [_normal(row) for row in connection.execute(_query(table))]
                for table in tables.reflect(connection)
            }
    finally:
        db.dispose()


def _query(table):
    columns = [
        cast(c, Text).label(f"json:{c.name}") if codec.kind_of(c.type) == "json" else c
        for c in table.columns
    ]
    order = list(table.primary_key.columns) or list(table.columns)
    return select(*columns).order_by(*order)


def _normal(row) -> tuple:
    values = []
    for key, value in row._mapping.items():
        if str(key).startswith("json:") and value is not None:
            value = ("json", json.loads(value))
        values.append(value)
    return tuple(values)


def revision_of(url: str) -> str | None:
    db = Database(url)
    try:
        return migrate.current(db.engine)
    finally:
        db.dispose()


@pytest.fixture(scope="module")
def source(module_db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Source]:
    db = Database(module_db_url)
    populate(db)
    folder = tmp_path_factory.mktemp("backups")
    files = {fmt: backup(db, folder / name, fmt).path for fmt, name in FORMATS.items()}
    yield Source(module_db_url, db, db.dialect, files, all_rows(module_db_url))
    db.dispose()


@contextmanager
def fresh(request: pytest.FixtureRequest, backend: str, folder: Path) -> Iterator[str]:
    """A new empty database of `backend` (a SQLite file not created yet)."""
    if backend == "sqlite":
        yield f"sqlite:///{folder}/restored-{uuid.uuid4().hex[:8]}.db"
        return
    with fresh_database(request.getfixturevalue("pg_url"), prefix="restore") as url:
        yield url


def assert_append_only(url: str) -> None:
    """The database itself refuses to change or delete an audit event."""
    db = Database(url)
    try:
        for statement in ("UPDATE audit_event SET actor = 'x'", "DELETE FROM audit_event"):
            with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as connection:
                connection.execute(text(statement))
    finally:
        db.dispose()


def test_the_world_fills_every_table(source: Source) -> None:
    summary = verify(source.files["logical"])
    assert set(summary.tables) == set(source.rows)
    assert {name: len(rows) for name, rows in source.rows.items()} == summary.tables
    assert all(summary.tables.values()), "a table is empty: the round trips would miss it"
    assert verify(source.files["native"]).tables == summary.tables


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_on_the_same_backend(
    request: pytest.FixtureRequest, source: Source, fmt: str, tmp_path: Path
) -> None:
    with fresh(request, source.backend, tmp_path) as target:
        result = restore(source.files[fmt], target)
        assert result.revision == newest() == revision_of(target)
        assert all_rows(target) == source.rows
        assert_append_only(target)


def test_logical_backup_moves_to_the_other_backend(
    request: pytest.FixtureRequest, source: Source, tmp_path: Path
) -> None:
    """SQLite -> PostgreSQL (and PostgreSQL -> SQLite): the same rows, the same triggers."""
    other = "postgresql" if source.backend == "sqlite" else "sqlite"
    with fresh(request, other, tmp_path) as there:
        restore(source.files["logical"], there)
        assert all_rows(there) == source.rows
        assert_append_only(there)


def test_backup_of_an_older_schema_restores_and_migrates(
    request: pytest.FixtureRequest, source: Source, tmp_path: Path
) -> None:
    """A logical backup at revision 0012 is loaded into schema 0012, then migrated."""
    config = migrate.alembic_config(source.db.engine)
    command.downgrade(config, "0012")
    try:
        summary = backup(source.db, tmp_path / "old.jsonl.gz")
    finally:
        command.upgrade(config, "head")
    assert summary.revision == "0012"
    with fresh(request, source.backend, tmp_path) as target:
        assert restore(summary.path, target).revision == newest()
        assert all_rows(target) == source.rows


def _create_organisations(db: Database, stop: threading.Event, made: list[int]) -> None:
    while not stop.is_set():
        with db.session() as session:
            record = OrganisationIn(name=f"Loaded Works {len(made)}", country="IT", kind="sme")
            made.append(service.create(session, Viewer.system(), record).org_id)


@pytest.mark.parametrize("fmt", FORMATS)
def test_backup_under_write_load_is_one_snapshot(
    request: pytest.FixtureRequest, source: Source, fmt: str, tmp_path: Path
) -> None:
    """While a thread keeps creating organisations, the backup still holds each restored
    organisation with its audit event and change-log row, written in the same transaction."""
    stop, made = threading.Event(), []
    writer = threading.Thread(target=_create_organisations, args=(source.db, stop, made))
    writer.start()
    try:
        while len(made) < 3:
            stop.wait(0.01)
        before = len(made)
        summary = backup(source.db, tmp_path / FORMATS[fmt], fmt)
        during = len(made) - before
    finally:
        stop.set()
        writer.join()
    assert during > 0, "the writer made nothing while the backup ran"
    with fresh(request, source.backend, tmp_path) as target:
        restore(summary.path, target)
        restored = all_rows(target)
    assert {name: len(rows) for name, rows in restored.items()} == verify(summary.path).tables
    orgs = {row[0] for row in restored["organisation"]}
    changed = {row[1] for row in restored["registry_change"]}
    audited = {row[6] for row in restored["audit_event"] if row[5] == "organisation"}
    assert orgs <= changed and orgs <= audited
    assert len(orgs) > len(source.rows["organisation"])
