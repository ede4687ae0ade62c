"""Backups and restores: native and logical, on both backends and across them, under load.

One small world with rows in every table (`support.upgrade_world.populate`) per backend is
backed up once in each format; each test restores what it needs into a fresh database and
compares every table row for row.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import DateTime, Text, cast, select, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import DBAPIError

from filiera import migrate
from filiera.access.viewer import Viewer
from filiera.db import Database
from filiera.directory import service
from filiera.ops import codec, tables
from filiera.ops.backup import backup
from filiera.ops.bulk_insert import sqlite_datetime
from filiera.ops.foreign_keys import FOREIGN_KEYS
from filiera.ops.logical_file import LogicalReader
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
        if source.backend == "postgresql":  # a logical restore drops and re-adds them
            assert foreign_keys(target) == foreign_keys(source.url)


def foreign_keys(url: str) -> list[tuple]:
    """PostgreSQL: every foreign key's table, name and definition."""
    db = Database(url)
    try:
        with db.engine.connect() as connection:
            found = [tuple(row) for row in connection.exec_driver_sql(FOREIGN_KEYS)]
    finally:
        db.dispose()
    assert len(found) > 50, "the schema lost its foreign keys"
    return found


@pytest.mark.parametrize(
    "value",
    ["2026-03-02T09:30:15.123456", "2026-03-02T09:30:15", "0999-12-31T23:59:59+02:00"],
)
def test_the_fast_sqlite_datetime_is_what_sqlalchemy_stores(value: str) -> None:
    dialect = sqlite.dialect()
    stores = DateTime().dialect_impl(dialect).bind_processor(dialect)
    assert sqlite_datetime(value) == stores(dt.datetime.fromisoformat(value))


def test_backups_of_an_older_schema_restore_and_migrate(
    request: pytest.FixtureRequest, source: Source, tmp_path: Path
) -> None:
    """Backups taken at revision 0012: the logical one moves to the other backend (SQLite ->
    PostgreSQL, and PostgreSQL -> SQLite), loaded into schema 0012 there; the native one is
    restored on its own backend; both are migrated to head and hold the same rows, with the
    audit log's triggers."""
    config = migrate.alembic_config(source.db.engine)
    command.downgrade(config, "0012")
    try:
        old = {
            fmt: backup(source.db, tmp_path / f"old-{name}", fmt) for fmt, name in FORMATS.items()
        }
    finally:
        command.upgrade(config, "head")
    assert {summary.revision for summary in old.values()} == {"0012"}
    other = "postgresql" if source.backend == "sqlite" else "sqlite"
    for fmt, backend in (("logical", other), ("native", source.backend)):
        with fresh(request, backend, tmp_path) as there:
            assert restore(old[fmt].path, there).revision == newest() == revision_of(there)
            assert all_rows(there) == source.rows
            assert_append_only(there)


def _create_organisations(db: Database, stop: threading.Event, made: list[int]) -> None:
    while not stop.is_set():
        with db.session() as session:
            record = OrganisationIn(name=f"Loaded Works {len(made)}", country="IT", kind="sme")
            made.append(service.create(session, Viewer.system(), record).org_id)


def backup_rows(path: Path, folder: Path) -> dict[str, list]:
    """The rows a backup holds: read from a logical file, or from a native SQLite copy."""
    if path.name.endswith(".jsonl.gz"):
        held: dict[str, list] = {}
        for name, rows in LogicalReader(path).batches():
            held.setdefault(name, []).extend(rows)
        return held
    copy = folder / "opened.db"
    copy.write_bytes(path.read_bytes())
    return all_rows(f"sqlite:///{copy}")


def test_backup_under_write_load_is_one_snapshot(source: Source, tmp_path: Path) -> None:
    """While a thread keeps creating organisations, each backup still holds every
    organisation it has with its audit event and change-log row, written in the same
    transaction (logical on both backends; native on SQLite, where Filiera drives the
    backup API itself: pg_dump's snapshot is PostgreSQL's own)."""
    formats = ["logical", "native"] if source.backend == "sqlite" else ["logical"]
    stop, made = threading.Event(), []
    writer = threading.Thread(target=_create_organisations, args=(source.db, stop, made))
    writer.start()
    try:
        for fmt in formats:
            while len(made) < 3 + formats.index(fmt) * 3:
                stop.wait(0.01)
            before = len(made)
            path = backup(source.db, tmp_path / FORMATS[fmt], fmt).path
            assert len(made) > before, f"the writer made nothing while the {fmt} backup ran"
            _assert_one_snapshot(backup_rows(path, tmp_path), verify(path).tables, source)
    finally:
        stop.set()
        writer.join()


def _assert_one_snapshot(held: dict[str, list], counts: dict[str, int], source: Source) -> None:
    assert {name: len(held.get(name, [])) for name in counts} == counts
    orgs = {row[0] for row in held["organisation"]}
    changed = {row[1] for row in held["registry_change"]}
    audited = {row[6] for row in held["audit_event"] if row[5] == "organisation"}
    assert orgs <= changed and orgs <= audited
    assert len(orgs) > len(source.rows["organisation"])
