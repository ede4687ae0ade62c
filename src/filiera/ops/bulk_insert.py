"""Insert a logical backup's rows fast: through the driver's own bulk path, typed as before.

Each column's conversion (the file's JSON value -> what SQLAlchemy would hand the driver) is
chosen once per table: the codec's decoder for the column's kind, then the target type's
own bind processor. A JSON column's text goes in as it is (the database parses it), so a
SQL NULL and a JSON `null` stay apart. SQLite rows go through `sqlite3`'s executemany,
PostgreSQL rows through `COPY ... FROM STDIN` (`registry.driver_insert.write_rows`, the
bulk import's writer too), both inside the caller's transaction; a driver error becomes
SQLAlchemy's `DBAPIError`, as a failed ORM insert would.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeEngine

from filiera.ops import codec
from filiera.registry.driver_insert import write_rows

Convert = Callable[[Any], Any]
SQLITE_DATETIME = sqlite.DATETIME._storage_format  # SQLAlchemy's default storage format
_from_iso = dt.datetime.fromisoformat


def _compose(first: Convert | None, then: Convert | None) -> Convert | None:
    if first is None or then is None:
        return first or then
    return lambda value: then(first(value))


def sqlite_datetime(text: str) -> str:
    """An ISO datetime as SQLAlchemy's SQLite DATETIME stores it (its default format:
    `YYYY-MM-DD HH:MM:SS.ffffff`, any offset dropped), three times faster than parsing it
    and formatting the fields one by one."""
    value = _from_iso(text)
    if value.tzinfo is not None:
        value = value.replace(tzinfo=None)
    return value.isoformat(" ", "microseconds")


def column_converter(kind: str, target: TypeEngine, dialect: Dialect) -> Convert | None:
    """What turns a file value of `kind` into the driver's value for a `target` column
    (None: the value goes in unchanged)."""
    if kind == "json":
        return None
    impl = target.dialect_impl(dialect)
    if kind == "datetime" and _default_sqlite_datetime(impl):
        return sqlite_datetime
    return _compose(codec.decoder(kind), impl.bind_processor(dialect))


def _default_sqlite_datetime(impl: TypeEngine) -> bool:
    return isinstance(impl, sqlite.DATETIME) and impl._storage_format == SQLITE_DATETIME


class TableInserter:
    """Inserts rows (lists, in the file's column order) into one table."""

    def __init__(self, connection: Connection, table: Table, columns: list[tuple[str, str]]):
        self.connection = connection
        self.dialect = connection.dialect
        names = [name for name, _ in columns]
        self.steps = [
            (index, convert)
            for index, (name, kind) in enumerate(columns)
            if (convert := column_converter(kind, table.columns[name].type, self.dialect))
        ]
        self.table = table
        self.names = names

    def convert(self, rows: list[list]) -> list[list]:
        """The rows with every non-NULL value converted in place, column by column."""
        for index, convert in self.steps:
            for row in rows:
                value = row[index]
                if value is not None:
                    row[index] = convert(value)
        return rows

    def insert(self, rows: list[list]) -> None:
        write_rows(self.connection, self.table, self.names, self.convert(rows))
