"""PostgreSQL: check a restore's foreign keys once at the end instead of row by row.

Every foreign-key constraint of the schema is dropped before the load and added back,
with the same name and definition, after it, inside the caller's transaction. Adding a
constraint checks every row in one query, a few times cheaper than a trigger per inserted
row, and a row pointing at nothing still fails the restore (and rolls everything back).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection

FOREIGN_KEYS = """
SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
WHERE c.contype = 'f' AND n.nspname = current_schema()
ORDER BY 1, 2
"""


@contextmanager
def checked_at_end(connection: Connection) -> Iterator[None]:
    """Within the block the foreign keys are gone; leaving it adds them back (which fails
    when a row refers to a missing one). Only on PostgreSQL; elsewhere a no-op."""
    if connection.dialect.name != "postgresql":
        yield
        return
    quote = connection.dialect.identifier_preparer.quote
    found = connection.exec_driver_sql(FOREIGN_KEYS).all()
    for table, name, _ in found:
        connection.exec_driver_sql(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
    yield
    for table, name, definition in found:
        connection.exec_driver_sql(f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}")
