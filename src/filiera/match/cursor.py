"""Where a match index stands in the registry's change log, and what is new since.

Ids come from a sequence and may commit out of order on PostgreSQL (a transaction takes
101, another 102 and commits first): an id missing below the newest one seen is a gap,
re-read on every poll until it appears or GAP_SECONDS pass (a rolled-back transaction).
Every id is applied once; recomputing a document twice would be harmless anyway.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from filiera.registry import changes

GAP_SECONDS = 300.0  # how long an uncommitted change id is waited for
LOOKBACK_IDS = 500  # ids below the newest at a build's start checked for gaps


@dataclass
class Cursor:
    """Every change id <= `floor` is reflected, and those of `applied` above it."""

    floor: int = 0
    anchor: int = 0  # an existing change id <= floor: proves the log is the same one
    anchor_at: datetime | None = None
    applied: set[int] = field(default_factory=set)
    gaps: dict[int, float] = field(default_factory=dict)  # id -> when first missed


@dataclass
class News:
    """What the change log says changed since a cursor."""

    orgs: set[int] = field(default_factory=set)
    projects: set[int] = field(default_factory=set)
    everything: bool = False  # a full-rebuild marker
    lost: str | None = None  # "pruned": the log no longer reaches back; "other": another log

    @property
    def count(self) -> int:
        return len(self.orgs) + len(self.projects)


def at_build_start(session: Session) -> Cursor:
    """The cursor of an index about to be read from the registry: what is committed now
    is reflected; ids missing below the newest are gaps (uncommitted, maybe)."""
    newest = changes.latest(session)
    rows = changes.since(session, max(1, newest - LOOKBACK_IDS))
    seen = {row[0] for row in rows}
    now = time.monotonic()
    cursor = Cursor(floor=newest, applied=set())
    cursor.gaps = {i: now for i in range(max(1, newest - LOOKBACK_IDS), newest) if i not in seen}
    if cursor.gaps:
        cursor.floor = min(cursor.gaps) - 1
        cursor.applied = {i for i in seen if i > cursor.floor}
    _set_anchor(cursor, rows)
    return cursor


def _set_anchor(cursor: Cursor, rows: list) -> None:
    below = [row for row in rows if row[0] <= cursor.floor]
    if below:
        cursor.anchor, cursor.anchor_at = below[-1][0], below[-1][3]


def poll(session: Session, cursor: Cursor) -> tuple[Cursor, News]:
    """Read the changes after `cursor` (one primary-key range read)."""
    rows = changes.since(session, cursor.anchor or cursor.floor + 1)
    news = News()
    if cursor.anchor and not _anchored(rows, cursor):
        news.lost = "pruned" if rows and rows[0][0] > cursor.anchor else "other"
        if news.lost == "other":
            return cursor, news
    fresh = [row for row in rows if row[0] > cursor.floor and row[0] not in cursor.applied]
    for _id, org, project, _at in fresh:
        if org is not None:
            news.orgs.add(org)
        if project is not None:
            news.projects.add(project)
        news.everything |= org is None and project is None
    return _advanced(cursor, rows), news


def _anchored(rows: list, cursor: Cursor) -> bool:
    return bool(rows) and rows[0][0] == cursor.anchor and rows[0][3] == cursor.anchor_at


def _advanced(cursor: Cursor, rows: list) -> Cursor:
    """The cursor after `rows` were applied: floor below the oldest gap still awaited."""
    above = {row[0] for row in rows if row[0] > cursor.floor}
    if not above:
        return cursor
    now = time.monotonic()
    gaps = {i: t for i, t in cursor.gaps.items() if i not in above and now - t < GAP_SECONDS}
    for i in range(cursor.floor + 1, max(above)):
        if i not in above and i not in cursor.gaps:
            gaps[i] = now
    floor = min(gaps) - 1 if gaps else max(above)
    out = Cursor(floor, cursor.anchor, cursor.anchor_at, {i for i in above if i > floor}, gaps)
    _set_anchor(out, rows)
    return out
