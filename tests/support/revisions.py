"""The schema revisions Filiera ships, and head data projected onto an earlier one.

`revisions()` reads Alembic's script directory, so a new migration joins the upgrade-path
test by itself. `project(rows, engine)` writes rows read from a head database into a
database at an earlier revision: for every table that exists there, the columns that exist
there. `expected_after_upgrade` says what those rows must look like once upgraded to head:
the same values, except where a later migration's data step changes them on purpose
(`TRANSFORMS`) and in the columns added after that revision (`ADDED_COLUMN_VALUES`).
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, MetaData, Table, inspect, select, text, types

from filiera.access import models as access_models  # noqa: F401  (registers the tables)
from filiera.capacity import models as capacity_models  # noqa: F401
from filiera.consortia import models as consortia_models  # noqa: F401
from filiera.db import Base
from filiera.directory import models as directory_models  # noqa: F401
from filiera.events import models as events_models  # noqa: F401
from filiera.match import models as match_models  # noqa: F401
from filiera.migrate import MIGRATIONS
from filiera.needs import models as need_models  # noqa: F401
from filiera.news import models as news_models  # noqa: F401
from filiera.registry import changes as registry_changes  # noqa: F401
from filiera.registry import models as registry_models  # noqa: F401

Rows = dict[str, list[dict[str, Any]]]  # table name -> rows, in primary-key order

# Data steps that change existing rows on purpose: revision -> table -> column -> value
# every row has after that revision ran over it.
TRANSFORMS: dict[str, dict[str, dict[str, Any]]] = {
    # 0006 moved sign-in failures to sign_in_backoff: old per-account counters start afresh.
    "0006": {"app_user": {"failed_sign_ins": 0, "locked_until": None}},
}
# What an existing row holds in a NOT NULL column added by a later migration (its server
# default); a nullable added column holds NULL.
ADDED_COLUMN_VALUES: dict[tuple[str, str], Any] = {
    ("organisation", "field_visibility"): {},
    ("organisation", "markings"): [],
    ("person", "field_visibility"): {},
    ("project", "markings"): [],
    ("site", "field_visibility"): {},
    ("site", "markings"): [],
}
FILLERS: dict[type, Any] = {
    types.Boolean: False,
    types.Integer: 0,
    types.Float: 0.0,
    types.Numeric: 0,
    types.DateTime: dt.datetime(2026, 1, 1),
    types.Date: dt.date(2026, 1, 1),
    types.JSON: {},
    types.String: "",
}


def script_directory() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config)


@cache
def revisions() -> tuple[str, ...]:
    """Every revision, oldest first."""
    return tuple(script.revision for script in reversed(list(script_directory().walk_revisions())))


def script_files() -> set[str]:
    """The file of every revision Alembic knows."""
    return {Path(script.path).name for script in script_directory().walk_revisions()}


def version_files() -> set[str]:
    """Every migration file shipped in migrations/versions."""
    return {p.name for p in (MIGRATIONS / "versions").glob("*.py") if p.name != "__init__.py"}


def model_tables() -> dict[str, Table]:
    return dict(Base.metadata.tables)


def read_rows(engine: Engine, tables: list[str]) -> Rows:
    """The rows of `tables`, read through the models (so values come back typed)."""
    rows: Rows = {}
    with engine.connect() as connection:
        for name in tables:
            table = Base.metadata.tables[name]
            query = select(table).order_by(*table.primary_key.columns)
            rows[name] = [dict(row) for row in connection.execute(query).mappings()]
    return rows


def filler(column: Any) -> Any:
    """A value for a column that exists at an old revision but no longer at head."""
    if column.nullable:
        return None
    for kind, value in FILLERS.items():
        if isinstance(column.type, kind):
            return value
    raise TypeError(f"no filler for {column.table.name}.{column.name} ({column.type})")


def project(head: Rows, engine: Engine) -> Rows:
    """Insert `head` rows into `engine`'s database (at an earlier revision), keeping the
    columns that exist there, in foreign-key order; return what was inserted."""
    metadata = MetaData()
    metadata.reflect(engine)
    inserted: Rows = {}
    with engine.begin() as connection:
        for table in metadata.sorted_tables:
            if table.name not in head:
                continue  # alembic_version, or a table head no longer has
            rows = [_projected(table, row) for row in head[table.name]]
            if rows:
                connection.execute(table.insert(), rows)
            inserted[table.name] = rows
        if connection.dialect.name == "postgresql":
            _advance_sequences(connection, metadata)
    return inserted


def _projected(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    return {c.name: row[c.name] if c.name in row else filler(c) for c in table.columns}


def _advance_sequences(connection: Any, metadata: MetaData) -> None:
    """Move each id sequence past the inserted ids, as if the rows had been written there."""
    for table in metadata.sorted_tables:
        if "id" not in table.columns:
            continue
        connection.execute(
            text(
                "SELECT setval(pg_get_serial_sequence(:table, 'id'), "
                f'(SELECT coalesce(max(id), 0) + 1 FROM "{table.name}"), false)'
            ),
            {"table": table.name},
        )


def expected_after_upgrade(revision: str, inserted: Rows) -> Rows:
    """What the rows inserted at `revision` must hold at head."""
    head_tables = model_tables()
    expected: Rows = {}
    for name, rows in inserted.items():
        columns = head_tables[name].columns
        changed = _transforms_after(revision, name)
        expected[name] = [
            {
                c.name: changed.get(c.name, row[c.name])
                if c.name in row
                else ADDED_COLUMN_VALUES.get((name, c.name))
                for c in columns
            }
            for row in rows
        ]
    return expected


def _transforms_after(revision: str, table: str) -> dict[str, Any]:
    """The columns of `table` a migration after `revision` sets, with their values."""
    order = revisions()
    changed: dict[str, Any] = {}
    for later, tables in TRANSFORMS.items():
        if order.index(later) > order.index(revision):
            changed.update(tables.get(table, {}))
    return changed


def schema_differences(engine: Engine) -> list[Any]:
    """Alembic autogenerate's differences between the database and the models."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)


def schema_of(engine: Engine) -> dict[str, Any]:
    """Every table's columns, keys, indexes and unique constraints, as reflected (one query
    per kind of object, not per table)."""
    inspector = inspect(engine)
    columns = inspector.get_multi_columns()
    keys = inspector.get_multi_pk_constraint()
    foreign = inspector.get_multi_foreign_keys()
    indexes = inspector.get_multi_indexes()
    uniques = inspector.get_multi_unique_constraints()
    shapes: dict[str, Any] = {}
    for key in sorted(columns):  # (schema, table name)
        shapes[key[1]] = {
            "columns": [
                (c["name"], str(c["type"]), c["nullable"], str(c.get("default")))
                for c in columns[key]
            ],
            "primary_key": keys[key]["constrained_columns"],
            "foreign_keys": _sorted(
                (fk["name"], fk["constrained_columns"], fk["referred_table"], fk["options"])
                for fk in foreign[key]
            ),
            "indexes": _sorted(
                (ix["name"], ix["column_names"], bool(ix["unique"])) for ix in indexes[key]
            ),
            "uniques": _sorted((u["name"], u["column_names"]) for u in uniques[key]),
        }
    return shapes


def _sorted(items: Any) -> list[str]:
    return sorted(repr(item) for item in items)
