"""Column values to JSON and back, decided by the column's type.

The logical dump stores each value as plain JSON: datetimes, dates and times as ISO text,
bytes as base64, decimals as text, and JSON columns as the document's own text (so SQL NULL
and a JSON `null` stay apart). Reading them back by the same kinds makes a SQLite ->
PostgreSQL -> SQLite round trip give the same values.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Column, MetaData, Table, Text, cast, types

KINDS = ("json", "datetime", "date", "time", "bool", "int", "float", "decimal", "bytes", "text")


def kind_of(column_type: types.TypeEngine) -> str:
    """The kind of a reflected column type (`text` for anything not listed)."""
    checks: list[tuple[str, type]] = [
        ("json", types.JSON),
        ("datetime", types.DateTime),
        ("date", types.Date),
        ("time", types.Time),
        ("bool", types.Boolean),
        ("int", types.Integer),
        ("float", types.Float),
        ("decimal", types.Numeric),
        ("bytes", types._Binary),
    ]
    for kind, type_class in checks:
        if isinstance(column_type, type_class):
            return kind
    return "text"


def readable(column: Column) -> Any:
    """The expression to SELECT: a JSON column as its text, anything else as it is."""
    return cast(column, Text).label(column.name) if kind_of(column.type) == "json" else column


def _iso(value: Any) -> Any:
    return value.isoformat()


ENCODERS: dict[str, Callable[[Any], Any]] = {
    "datetime": _iso,
    "date": _iso,
    "time": _iso,
    "decimal": str,
    "bytes": lambda value: base64.b64encode(value).decode("ascii"),
    "bool": bool,
}


def _json_value(text: str) -> Any:
    value = json.loads(text)
    return JSON.NULL if value is None else value


DECODERS: dict[str, Callable[[Any], Any]] = {
    "datetime": dt.datetime.fromisoformat,
    "date": dt.date.fromisoformat,
    "time": dt.time.fromisoformat,
    "decimal": Decimal,
    "bytes": base64.b64decode,
    "json": _json_value,
    "bool": bool,
}


def encoder(kind: str) -> Callable[[Any], Any] | None:
    return ENCODERS.get(kind)


def decoder(kind: str) -> Callable[[Any], Any] | None:
    return DECODERS.get(kind)


def encode_row(row: tuple, encoders: list[Callable[[Any], Any] | None]) -> list:
    return [
        value if value is None or encode is None else encode(value)
        for value, encode in zip(row, encoders, strict=True)
    ]


def decode_row(values: list, decoders: list[Callable[[Any], Any] | None]) -> list:
    return [
        value if value is None or decode is None else decode(value)
        for value, decode in zip(values, decoders, strict=True)
    ]


def writable(table: Table) -> Table:
    """A copy of `table` to INSERT into: JSON columns keep a SQL NULL as NULL."""
    columns = []
    for column in table.columns:
        column_type = column.type
        if kind_of(column_type) == "json":
            column_type = type(column_type)(none_as_null=True)
        columns.append(Column(column.name, column_type, key=column.name))
    return Table(table.name, MetaData(), *columns)
