"""The tables of a database as it is, reflected from the database itself.

A backup of an old Filiera is read and written with the tables its schema revision has,
never with today's models, so every function here reflects what the database holds.
"""

from __future__ import annotations

from graphlib import TopologicalSorter

from sqlalchemy import Column, Connection, MetaData, Table, func, inspect, select, text

from filiera.errors import Conflict, field_error

VERSION_TABLE = "alembic_version"


def reflect(connection: Connection) -> list[Table]:
    """Every user table but Alembic's, parents before children (foreign-key order).

    Only what a backup needs is read (columns with their types, primary keys, which table
    refers to which), in a few catalogue queries: no indexes, no constraints' details.
    """
    inspector = inspect(connection)
    columns = _by_name(inspector.get_multi_columns())
    keys = _by_name(inspector.get_multi_pk_constraint())
    parents = {
        name: {fk["referred_table"] for fk in fks} - {name}
        for name, fks in _by_name(inspector.get_multi_foreign_keys()).items()
    }
    metadata = MetaData()
    ordered = TopologicalSorter({name: parents.get(name, set()) for name in sorted(columns)})
    return [
        _table(metadata, name, columns[name], keys[name]["constrained_columns"])
        for name in ordered.static_order()
        if name != VERSION_TABLE and name in columns
    ]


def _by_name(found: dict) -> dict:
    """{(schema, table): value} -> {table: value} (the default schema only)."""
    return {table: value for (_, table), value in found.items()}


def _table(metadata: MetaData, name: str, columns: list[dict], key: list[str]) -> Table:
    return Table(
        name,
        metadata,
        *[Column(c["name"], c["type"], primary_key=c["name"] in key) for c in columns],
    )


def table_names(connection: Connection) -> list[str]:
    """Every user table, Alembic's included (SQLite's own tables are never listed)."""
    return inspect(connection).get_table_names()


def revision(connection: Connection) -> str | None:
    """The schema revision recorded by Alembic, None for a database without one."""
    if VERSION_TABLE not in table_names(connection):
        return None
    return connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()


def row_count(connection: Connection, table: Table) -> int:
    return connection.execute(select(func.count()).select_from(table)).scalar_one()


def first_nonempty(connection: Connection) -> str | None:
    """The first table (in foreign-key order) holding a row, None when all are empty."""
    for table in reflect(connection):
        if connection.execute(select(1).select_from(table).limit(1)).first() is not None:
            return table.name
    return None


def refuse_nonempty(connection: Connection, shown_url: str) -> None:
    """Refuse to restore over data: name the database and the first table with rows."""
    table = first_nonempty(connection)
    if table is None:
        return
    message = (
        f"database {shown_url} is not empty (table {table} has rows): restore into an empty "
        "database, or pass --replace to replace everything in it"
    )
    raise Conflict(message, errors=[field_error("database", "--db", f"table {table} has rows")])


def primary_key_order(table: Table) -> list:
    """The columns to read a table in a stable order: its primary key, else every column."""
    return list(table.primary_key.columns) or list(table.columns)
