"""The bulk writer's driver path stores what a SQLAlchemy Core INSERT stores, on both
backends: column defaults, JSON (a None is JSON null unless the column says otherwise),
dates, flags; a driver error is SQLAlchemy's."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    cast,
    create_engine,
    insert,
    select,
)
from sqlalchemy.exc import IntegrityError

from filiera.registry.driver_insert import insert_dicts

STAMP = dt.datetime(2026, 12, 4, 18, 30, 15, 123456)


def sample_table(name: str) -> Table:
    return Table(
        name,
        MetaData(),
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("label", String(40), nullable=False),
        Column("kind", String(12), default="plain"),
        Column("extra", JSON, default=dict),
        Column("maybe", JSON(none_as_null=True)),
        Column("flag", Boolean, default=False),
        Column("day", Date),
        Column("at", DateTime, default=lambda: STAMP),
    )


ROWS = [
    {
        "id": 1,
        "label": "both",
        "extra": {"è": [1, None]},
        "maybe": None,
        "day": dt.date(2024, 2, 29),
    },
    {"id": 2, "label": "no day", "extra": None, "maybe": {"a": 1}, "day": None},
    {"id": 3, "label": "defaults", "flag": True},  # another set of keys: its own statement
    # empty lists and mappings (serialised once per column) and recurring dates and times
    # (converted once per value) are stored as every other value is
    {"id": 4, "label": "empties", "extra": [], "maybe": {}, "day": dt.date(2024, 2, 29)},
    {"id": 5, "label": "empties", "extra": {}, "maybe": [], "day": dt.date(2024, 3, 1)},
    {"id": 6, "label": "at", "extra": [0], "maybe": [], "day": None, "at": STAMP},
    {"id": 7, "label": "at", "extra": {}, "maybe": None, "day": None, "at": STAMP},
    {"id": 8, "label": "at", "extra": [], "maybe": {}, "day": None, "at": dt.datetime(2027, 1, 1)},
]


def stored(engine, table: Table) -> list[tuple]:
    with engine.connect() as connection:
        return [tuple(r) for r in connection.execute(select(table).order_by(table.c.id))]


def stored_text(engine, table: Table) -> list[tuple]:
    """The JSON, date and time columns as the database holds them (text)."""
    columns = [cast(table.c[name], String) for name in ("extra", "maybe", "day", "at")]
    with engine.connect() as connection:
        return [tuple(r) for r in connection.execute(select(*columns).order_by(table.c.id))]


def test_rows_are_stored_as_a_core_insert_stores_them(db_url: str) -> None:
    engine = create_engine(db_url)
    driver, core = sample_table("by_driver"), sample_table("by_core")
    for table in (driver, core):
        table.create(engine)
    with engine.begin() as connection:
        insert_dicts(connection, driver, [dict(r) for r in ROWS])
        for row in ROWS:
            connection.execute(insert(core), [row])
    got, expected = stored(engine, driver), stored(engine, core)
    assert got == expected
    assert stored_text(engine, driver) == stored_text(engine, core)
    assert [row[6] for row in got[3:]] == [
        dt.date(2024, 2, 29),
        dt.date(2024, 3, 1),
        None,
        None,
        None,
    ]
    assert [row[7] for row in got[5:]] == [STAMP, STAMP, dt.datetime(2027, 1, 1)]
    assert got[1][3] is None  # a JSON null reads back as None, not as SQL NULL's absence
    assert got[2][2:4] == ("plain", {}) and got[2][5] is True and got[2][7] == STAMP
    with engine.connect() as connection:
        sql_null = [
            [r.id for r in connection.execute(select(driver.c.id).where(column.is_(None)))]
            for column in (driver.c.extra, driver.c.maybe)
        ]
    assert sql_null == [[], [1, 3, 7]]  # `extra`'s None is JSON null; `maybe` says none_as_null
    engine.dispose()


def test_a_driver_error_is_sqlalchemys_and_rolls_back(db_url: str) -> None:
    engine = create_engine(db_url)
    table = sample_table("clash")
    table.create(engine)
    with pytest.raises(IntegrityError), engine.begin() as connection:
        insert_dicts(connection, table, [{"id": 1, "label": "a"}, {"id": 1, "label": "b"}])
    assert stored(engine, table) == []
    engine.dispose()
