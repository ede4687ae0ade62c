"""Restore a verified backup into an empty database (or, if told, replace one).

Nothing is touched before the whole file is verified. A logical backup is loaded into the
schema of its own revision, then migrated to this Filiera's head; a native one is copied
back by its own backend's tools, then migrated. A failure leaves the target as it was:
SQLite targets receive a finished database in one backup-API step; PostgreSQL targets are
written in one transaction.
"""

from __future__ import annotations

import uuid
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from filiera.db import Database, normalise_url
from filiera.errors import ValidationFailed, field_error
from filiera.migrate import current
from filiera.ops import (
    foreign_keys,
    logical,
    native_postgresql,
    native_sqlite,
    schema,
    tables,
)
from filiera.ops.revisions import newest
from filiera.ops.summary import BackupSummary
from filiera.ops.verify import verify


@dataclass
class RestoreResult:
    backup: BackupSummary
    database: str  # the target, password hidden
    revision: str | None  # where the target is now (head)


def wrong_backend(summary: BackupSummary, target: str) -> ValidationFailed:
    problem = (
        f"a native {summary.backend} backup cannot be restored into {target}: "
        "use the logical format to change backend (`filiera backup OUT.jsonl.gz`)"
    )
    return ValidationFailed(
        f"{summary.path}: {problem}; nothing was changed",
        errors=[field_error(str(summary.path), "format", problem)],
    )


def load_failed(summary: BackupSummary, target: str, error: DBAPIError) -> ValidationFailed:
    reason = str(error.orig or error).strip().splitlines()[0]
    problem = f"its rows could not be loaded into {target} ({reason})"
    return ValidationFailed(
        f"{summary.path}: {problem}; nothing was changed",
        errors=[field_error(str(summary.path), "rows", problem)],
    )


def shown(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def restore(path: Path, url: str, *, replace: bool = False) -> RestoreResult:
    """Restore the backup at `path` into the database at `url`, then migrate it to head.

    Refuses, changing nothing: a file that fails `verify`, a native backup of the other
    backend, and a target holding rows (unless `replace`: then everything in it goes). A
    logical backup going into SQLite has its rows checked while they are loaded into the
    scratch database beside the target: one read of the file instead of two.
    """
    summary = verify(path, rows=not _is_sqlite(url))
    database = Database(url)
    try:
        if summary.format == "native" and summary.backend != database.dialect:
            raise wrong_backend(summary, database.dialect)
        drop = None if _new_sqlite_file(database) else _check_target(database, replace)
        try:
            _restore_into(database, summary, drop)
        except DBAPIError as error:
            raise load_failed(summary, shown(database.engine), error) from None
        if current(database.engine) != newest():
            database.upgrade()
        return RestoreResult(summary, shown(database.engine), current(database.engine))
    finally:
        database.dispose()


def _is_sqlite(url: str) -> bool:
    return make_url(normalise_url(url)).get_backend_name() == "sqlite"


def _new_sqlite_file(database: Database) -> bool:
    name = database.engine.url.database
    return database.dialect == "sqlite" and bool(name) and not Path(name).exists()


def _check_target(database: Database, replace: bool) -> str | None:
    """Refuse a target with rows unless `replace`; the SQL dropping its tables, if any."""
    with database.engine.connect() as connection:
        if not replace:
            tables.refuse_nonempty(connection, shown(database.engine))
        has_tables = bool(tables.table_names(connection))
        return schema.drop_statements(connection) if has_tables else None


def _restore_into(database: Database, summary: BackupSummary, drop: str | None) -> None:
    if database.dialect == "sqlite":
        target = Path(database.engine.url.database or "")
        if summary.format == "native":
            native_sqlite.copy_into(summary.path, target)
        else:
            _logical_into_sqlite(summary, target)
    elif summary.format == "native":
        native_postgresql.restore(summary.path, database.url, drop)
    else:
        _logical_into_postgresql(summary, database)


def _logical_into_sqlite(summary: BackupSummary, target: Path) -> None:
    """Build the restored database in a file beside the target, then copy it in at once."""
    building = target.with_name(f".{target.name}.restoring-{uuid.uuid4().hex[:8]}")
    scratch = Database(f"sqlite:///{building}")
    try:
        scratch.upgrade(summary.revision or "head")
        with scratch.engine.begin() as connection:
            logical.load(connection, summary.path)
        if summary.revision != newest():
            scratch.upgrade("head")
        scratch.dispose()
        native_sqlite.copy_into(building, target)
    finally:
        scratch.dispose()
        for leftover in (building, *(Path(f"{building}{end}") for end in ("-wal", "-shm"))):
            with suppress(FileNotFoundError):
                leftover.unlink()


def _logical_into_postgresql(summary: BackupSummary, database: Database) -> None:
    """Drop, create the schema at the backup's revision, load, fix sequences and migrate to
    head, all in one transaction."""
    with database.engine.connect() as connection, connection.begin():
        schema.drop_everything(connection)
        schema.upgrade_within(connection, summary.revision or "head")
        with foreign_keys.checked_at_end(connection):
            logical.load(connection, summary.path)
        logical.fix_sequences(connection)
        if summary.revision != newest():
            schema.upgrade_within(connection, "head")
