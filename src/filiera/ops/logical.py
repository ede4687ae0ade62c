"""The portable logical backup: every table as JSON lines, read in one snapshot.

`dump` reads every table inside one read transaction (SQLite: BEGIN before the first read,
so WAL gives one snapshot; PostgreSQL: REPEATABLE READ READ ONLY), so the counts in the
header and the rows agree across tables while the server keeps writing. `load` inserts the
rows of a verified file into a database already at the backup's schema revision.
"""

from __future__ import annotations

import datetime as dt
import gzip
import os
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import chain, islice
from pathlib import Path

from sqlalchemy import Connection, Engine, Table, select, text

from filiera import __version__
from filiera.ops import codec, tables
from filiera.ops.bulk_insert import TableInserter
from filiera.ops.logical_file import LogicalReader, LogicalWriter, summary_from_header
from filiera.ops.summary import BackupSummary, bad_backup

READ_BATCH = 2000
INSERT_BATCH = 5000
COMPRESS_LEVEL = 6


@contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """A connection reading one consistent snapshot of the whole database."""
    if engine.dialect.name == "postgresql":
        options = {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
        with engine.connect().execution_options(**options) as connection, connection.begin():
            yield connection
        return
    with engine.connect() as connection:
        connection.exec_driver_sql("BEGIN")  # pysqlite would not open one for a SELECT
        try:
            yield connection
        finally:
            connection.rollback()


def _table_header(connection: Connection, table: Table) -> dict:
    columns = [[column.name, codec.kind_of(column.type)] for column in table.columns]
    return {"name": table.name, "columns": columns, "rows": tables.row_count(connection, table)}


def _write_rows(connection: Connection, table: Table, writer: LogicalWriter) -> None:
    encoders = [codec.encoder(codec.kind_of(column.type)) for column in table.columns]
    query = select(*[codec.readable(column) for column in table.columns])
    query = query.order_by(*tables.primary_key_order(table))
    result = connection.execution_options(stream_results=True, yield_per=READ_BATCH)
    for row in result.execute(query):
        writer.row(table.name, codec.encode_row(tuple(row), encoders))


def dump(engine: Engine, out: Path) -> BackupSummary:
    """Write the logical backup of the database to `out` (atomically: all or no file)."""
    partial = out.with_name(out.name + ".partial")
    with snapshot(engine) as connection:
        found = tables.reflect(connection)
        header = {
            "revision": tables.revision(connection),
            "backend": engine.dialect.name,
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "filiera_version": __version__,
            "tables": [_table_header(connection, table) for table in found],
        }
        with gzip.open(partial, "wb", compresslevel=COMPRESS_LEVEL) as stream:
            writer = LogicalWriter(stream)
            writer.header(header)
            for table in found:
                _write_rows(connection, table, writer)
            writer.trailer()
    os.replace(partial, out)
    return summary_from_header(out, header)


def _check_columns(path: Path, reader: LogicalReader, target: dict[str, Table]) -> None:
    """The target, at the backup's revision, must have the backup's tables and columns."""
    for name, columns in reader.columns.items():
        table = target.get(name)
        wanted = {column for column, _ in columns}
        if table is None or wanted != {column.name for column in table.columns}:
            problem = f"table {name} does not match schema revision {reader.header['revision']}"
            raise bad_backup(path, problem)


def load(connection: Connection, path: Path) -> int:
    """Insert every row of the backup at `path` in foreign-key order; returns the rows.

    The file is checked again while it is read (a file changed since `verify` fails at its
    end). The caller owns the transaction: an error anywhere leaves it to roll back
    everything.
    """
    reader = LogicalReader(path)
    batches = reader.batches(INSERT_BATCH)
    first = list(islice(batches, 1))  # reads the header (and the first batch, if any)
    target = {table.name: table for table in tables.reflect(connection)}
    _check_columns(path, reader, target)
    inserters = {
        name: TableInserter(connection, target[name], columns)
        for name, columns in reader.columns.items()
    }
    loaded = 0
    for name, rows in chain(first, batches):
        inserters[name].insert(rows)
        loaded += len(rows)
    return loaded


def fix_sequences(connection: Connection) -> None:
    """PostgreSQL: set each id sequence past the largest restored id."""
    if connection.dialect.name != "postgresql":
        return
    for table in tables.reflect(connection):
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or codec.kind_of(keys[0].type) != "int":
            continue
        quoted = connection.dialect.identifier_preparer.quote(table.name)
        column = connection.dialect.identifier_preparer.quote(keys[0].name)
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence(:table, :column), "
                f"COALESCE(MAX({column}), 0) + 1, false) FROM {quoted}"
            ),
            {"table": quoted, "column": keys[0].name},
        )
