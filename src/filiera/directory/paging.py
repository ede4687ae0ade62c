"""Keyset pagination of the directory: opaque cursors and the pages they continue.

A sort is a list of segments read one after the other, each ordered by ascending (or, for
`newest`, descending) key columns that end with the id, so every row has one position.
`country` has two segments, organisations with a country then those without, so both
backends give the same order and each segment is read from an index (SQLite puts NULL
first, PostgreSQL last, and neither reads an index for the other order).

A cursor is base64url of JSON: the sort, the segment and key values of the last row shown,
and a hash of the filters. It carries nothing the page did not show; a cursor from another
query (other filters or sort) or altered by hand is refused with 422 naming `cursor`.
Visibility is not in the cursor: every page is read with the viewer's own clause.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, tuple_
from sqlalchemy.orm import InstrumentedAttribute, Session

from filiera.directory.filters import OrgFilter
from filiera.errors import ValidationFailed, field_error
from filiera.registry.models import Organisation

VERSION = 1
RECORD = "directory query"


@dataclass(frozen=True)
class Segment:
    """Rows of one part of a sort, ordered by `keys` (all ascending, or all descending)."""

    keys: tuple[InstrumentedAttribute, ...]
    where: Callable[[], ColumnElement[bool]] | None = None
    holds: Callable[[Organisation], bool] = lambda org: True
    descending: bool = False

    def order(self) -> list[ColumnElement]:
        return [key.desc() if self.descending else key.asc() for key in self.keys]

    def after(self, values: list[Any]) -> ColumnElement[bool]:
        """Rows strictly after the row whose keys are `values`."""
        if len(self.keys) == 1:
            key, value = self.keys[0], values[0]
            return key < value if self.descending else key > value
        row = tuple_(*self.keys)
        return row < tuple_(*values) if self.descending else row > tuple_(*values)

    def values_of(self, org: Organisation) -> list[Any]:
        return [getattr(org, key.key) for key in self.keys]


NAME_KEYS = (Organisation.name_key, Organisation.name, Organisation.id)
SEGMENTS: dict[str, tuple[Segment, ...]] = {
    "name": (Segment(NAME_KEYS),),
    "country": (
        Segment(
            (Organisation.country, *NAME_KEYS),
            where=lambda: Organisation.country.is_not(None),
            holds=lambda org: org.country is not None,
        ),
        Segment(
            NAME_KEYS,
            where=lambda: Organisation.country.is_(None),
            holds=lambda org: org.country is None,
        ),
    ),
    "newest": (Segment((Organisation.id,), descending=True),),
}


@dataclass(frozen=True)
class Position:
    """Where a page ended: the segment and the key values of its last row."""

    segment: int
    values: list[Any]


def filter_hash(flt: OrgFilter, sort: str) -> str:
    """A short digest of the filters and the sort a cursor belongs to."""
    text = json.dumps([flt.model_dump(mode="json", exclude_none=True), sort], sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def position_of(sort: str, org: Organisation | Row) -> Position:
    """The position of a row in `sort` (the segment it belongs to and its key values): an
    organisation, or a row with its key columns."""
    for index, segment in enumerate(SEGMENTS[sort]):
        if segment.holds(org):
            return Position(index, segment.values_of(org))
    raise AssertionError(f"organisation {org.id} is in no segment of {sort}")


def encode_cursor(flt: OrgFilter, sort: str, position: Position) -> str:
    payload = {
        "v": VERSION,
        "s": sort,
        "g": position.segment,
        "k": position.values,
        "f": filter_hash(flt, sort),
    }
    raw = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def refused(message: str) -> ValidationFailed:
    return ValidationFailed(
        f"cursor: {message}",
        errors=[field_error(RECORD, "cursor", message)],
        key="bad_cursor",
    )


def _payload(cursor: str) -> dict[str, Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = json.loads(raw.decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise refused("not a cursor of this listing") from None
    if not isinstance(payload, dict) or payload.get("v") != VERSION:
        raise refused("not a cursor of this listing")
    return payload


def sort_of_cursor(cursor: str) -> str:
    """The sort a cursor was made for (checked again, with the filters, by `decode_cursor`)."""
    sort = _payload(cursor).get("s")
    if sort not in SEGMENTS:
        raise refused("not a cursor of this listing")
    return sort


def decode_cursor(cursor: str, flt: OrgFilter, sort: str) -> Position:
    """The position a cursor continues from; 422 if it belongs to another query."""
    payload = _payload(cursor)
    if payload.get("s") != sort or payload.get("f") != filter_hash(flt, sort):
        raise refused("this cursor belongs to other filters or another sort; start again")
    segment, values = payload.get("g"), payload.get("k")
    segments = SEGMENTS[sort]
    if not isinstance(segment, int) or not 0 <= segment < len(segments):
        raise refused("not a cursor of this listing")
    if not _values_fit(segments[segment], values):
        raise refused("not a cursor of this listing")
    return Position(segment, values)


def _values_fit(segment: Segment, values: Any) -> bool:
    if not isinstance(values, list) or len(values) != len(segment.keys):
        return False
    for key, value in zip(segment.keys, values, strict=True):
        wanted = key.type.python_type
        if not isinstance(value, wanted) or isinstance(value, bool):
            return False
    return True


def keyset_rows(
    session: Session,
    stmt: Select,
    sort: str,
    after: Position | None,
    limit: int,
) -> list[Row]:
    """Up to `limit` rows of `stmt` in `sort`, after `after` (from the start if None)."""
    rows: list[Row] = []
    first = after.segment if after else 0
    for index, segment in enumerate(SEGMENTS[sort][first:], start=first):
        part = stmt if segment.where is None else stmt.where(segment.where())
        if after is not None and index == after.segment:
            part = part.where(segment.after(after.values))
        part = part.order_by(*segment.order()).limit(limit - len(rows))
        rows.extend(session.execute(part).all())
        if len(rows) >= limit:
            break
    return rows
