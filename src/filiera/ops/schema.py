"""Schema changes inside the caller's transaction: migrate to a revision, drop everything.

Filiera's Alembic environment opens its own transaction with `engine.begin()`; handing it
an object whose `begin()` yields the caller's connection runs the migrations inside the
caller's transaction instead, so a PostgreSQL restore (DDL is transactional there) creates
the schema, loads the rows and migrates them in one all-or-nothing transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from alembic import command
from sqlalchemy import Connection

from filiera import migrate
from filiera.ops import tables

AUDIT_FUNCTION = "audit_event_append_only"


class _ConnectionAsEngine:
    """What the Alembic environment needs of an engine, on one open connection."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.url = connection.engine.url
        self.dialect = connection.dialect

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        yield self.connection


def upgrade_within(connection: Connection, revision: str) -> None:
    """Apply the migrations up to `revision` on `connection`, in its open transaction."""
    config = migrate.alembic_config(connection.engine)
    config.attributes["engine"] = _ConnectionAsEngine(connection)
    command.upgrade(config, revision)


def drop_everything(connection: Connection) -> None:
    """Drop every table (Alembic's too) and the audit trigger's function (PostgreSQL)."""
    preparer = connection.dialect.identifier_preparer
    found = tables.reflect(connection)
    names = [table.name for table in reversed(found)]
    if tables.VERSION_TABLE in tables.table_names(connection):
        names.append(tables.VERSION_TABLE)
    cascade = " CASCADE" if connection.dialect.name == "postgresql" else ""
    for name in names:
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {preparer.quote(name)}{cascade}")
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"DROP FUNCTION IF EXISTS {AUDIT_FUNCTION}() CASCADE")


def drop_statements(connection: Connection) -> str:
    """The SQL of `drop_everything`, for a script run by psql (native restores)."""
    preparer = connection.dialect.identifier_preparer
    names = [table.name for table in reversed(tables.reflect(connection))]
    if tables.VERSION_TABLE in tables.table_names(connection):
        names.append(tables.VERSION_TABLE)
    lines = [f"DROP TABLE IF EXISTS public.{preparer.quote(name)} CASCADE;" for name in names]
    lines.append(f"DROP FUNCTION IF EXISTS public.{AUDIT_FUNCTION}() CASCADE;")
    return "\n".join(lines) + "\n"
