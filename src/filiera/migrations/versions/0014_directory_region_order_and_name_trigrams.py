"""Directory at scale: a region prefix's order index and trigram indexes for name search.

- `ix_organisation_region_order (region, name_key, name, id, visibility)` replaces
  `ix_organisation_region`: a region prefix's capped count reads visibility from the index.
- `ix_organisation_name_key_trigram` and `ix_alias_name_key_trigram`: on PostgreSQL, GIN
  indexes of `name_key` with `gin_trgm_ops` (extension `pg_trgm`, created here if absent;
  it is a trusted extension, so a database owner without superuser rights may create it),
  read by "name contains" (directory/text_match.py). If the extension cannot be created
  the indexes are left out with a warning and the search scans, as before. On SQLite they
  are empty partial indexes (`WHERE 0`), so both backends have the models' schema.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 18:05:00
"""

import logging

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")
TRIGRAM_INDEXES = {
    "organisation": "ix_organisation_name_key_trigram",
    "alias": "ix_alias_name_key_trigram",
}


def upgrade() -> None:
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organisation_region"))
        batch_op.create_index(
            "ix_organisation_region_order",
            ["region", "name_key", "name", "id", "visibility"],
            unique=False,
        )
    if op.get_bind().dialect.name == "postgresql":
        if _trigrams_available():
            for table, name in TRIGRAM_INDEXES.items():
                op.create_index(
                    name,
                    table,
                    ["name_key"],
                    postgresql_using="gin",
                    postgresql_ops={"name_key": "gin_trgm_ops"},
                )
    else:
        for table, name in TRIGRAM_INDEXES.items():
            op.create_index(name, table, ["name_key"], sqlite_where=sa.text("0"))


def _trigrams_available() -> bool:
    """Create `pg_trgm` unless present; False (with a warning) when that is refused."""
    bind = op.get_bind()
    savepoint = bind.begin_nested()
    try:
        bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except sa.exc.DBAPIError as error:
        savepoint.rollback()
        log.warning("pg_trgm unavailable (%s): name search will scan", error.orig)
        return False
    savepoint.commit()
    return True


def downgrade() -> None:
    for name in TRIGRAM_INDEXES.values():
        op.execute(sa.text(f"DROP INDEX IF EXISTS {name}"))
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.drop_index("ix_organisation_region_order")
        batch_op.create_index(batch_op.f("ix_organisation_region"), ["region"], unique=False)
