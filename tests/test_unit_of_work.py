"""The unit of work: a savepoint opened before any write stays inside it (on SQLite too,
where pysqlite would otherwise make the savepoint the outermost transaction and commit it
on release), so rolling the unit back undoes what the savepoint kept."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from filiera.db import Database, savepoint
from filiera.registry.models import Source


def count(db: Database) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(Source))


def test_a_rolled_back_unit_undoes_its_savepoints(db_url: str) -> None:
    db = Database(db_url)
    db.ensure_ready()
    before = count(db)
    with pytest.raises(RuntimeError), db.session() as session:
        with savepoint(session):  # the first statement of the unit of work
            session.add(Source(name="kept by the savepoint", kind="manual"))
        raise RuntimeError("the unit of work fails after the savepoint")
    assert count(db) == before
    with db.session() as session:
        with pytest.raises(ValueError), savepoint(session):
            session.add(Source(name="undone by its savepoint", kind="manual"))
            session.flush()
            raise ValueError("the savepoint fails")
        session.add(Source(name="kept", kind="manual"))
    assert count(db) == before + 1
    db.dispose()
