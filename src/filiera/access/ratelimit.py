"""Rate limits counted in the database, so that every server process shares them.

Each limiter counts hits per key in fixed windows (`rate_limit_window`: key, window number
= epoch seconds // window length, hits) and judges a hit by the sliding-window estimate
`previous × (1 − elapsed / length) + current`. The count is one atomic upsert in its own
short transaction: it holds whatever becomes of the request's transaction, and two
processes counting at once never lose a hit. A refused hit is taken back, so a client
that keeps trying still gets `limit` hits per window. Windows older than the previous one
are deleted when a process sees a new window start.

Count a hit while the request's own session holds no connection (`http.auth.release`):
else the request needs two connections from the pool at once, and on SQLite the hit waits
for the write lock its own request may hold.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from filiera.access.models import RateLimitWindow
from filiera.db import Database
from filiera.errors import TooManyRequests

KEY_LENGTH = 200  # the column's length
SLACK = 1e-9  # float rounding: a hit exactly at the limit passes, a wait is not a second long
Clock = Callable[[], float]


@dataclass(frozen=True)
class Count:
    """Hits of one key: in the previous window, in the current one, and how far into it."""

    previous: int
    current: int
    elapsed: float

    def estimate(self, length: float) -> float:
        """The sliding-window estimate of hits in the last `length` seconds."""
        return self.previous * (1 - self.elapsed / length) + self.current


class RateLimiter:
    """At most about `limit` hits per `window` seconds for each key, in every process at once.

    `name` keeps the keys of two limiters apart; `clock` gives epoch seconds (injectable
    for tests, but shared processes must agree on it: wall-clock time).
    """

    def __init__(
        self,
        database: Database,
        name: str,
        limit: int,
        window: int = 60,
        clock: Clock = time.time,
    ) -> None:
        self.database = database
        self.name = name
        self.limit = limit
        self.window = window
        self.clock = clock
        self._swept = -1  # the last window this process deleted older windows in

    def hit(self, key: str) -> None:
        """Count one hit for `key`, or raise TooManyRequests with the seconds to wait."""
        now = self.clock()
        number, elapsed = divmod(now, self.window)
        stored = self.stored_key(key)
        with self.database.engine.begin() as connection:
            self._sweep(connection, int(number))
            current = _add(connection, stored, int(number))  # first: it takes the write lock
            count = Count(_hits(connection, stored, int(number) - 1), current, elapsed)
            if count.estimate(self.window) <= self.limit + SLACK:
                return
            _take_back(connection, stored, int(number))
        wait = self.retry_after(Count(count.previous, count.current - 1, elapsed))
        raise TooManyRequests(
            "too many requests; try again later", retry_after=wait, key="rate_limited"
        )

    def retry_after(self, count: Count) -> int:
        """Whole seconds until one more hit fits, given the hits counted so far."""
        room = self.limit - count.current - 1  # what the previous window may still weigh
        if room >= 0 and count.previous > 0:
            seconds = self.window * (1 - room / count.previous) - count.elapsed
        else:  # the current window alone is full: it must become the previous one
            fade = max(0.0, 1 - (self.limit - 1) / count.current) if count.current else 0.0
            seconds = self.window - count.elapsed + self.window * fade
        return max(1, math.ceil(seconds - SLACK))

    def stored_key(self, key: str) -> str:
        """`name:key`, with a long key shortened to a prefix and its hash (the column's size)."""
        full = f"{self.name}:{key}"
        if len(full) <= KEY_LENGTH:
            return full
        digest = hashlib.sha256(full.encode("utf-8")).hexdigest()
        return f"{full[: KEY_LENGTH - len(digest) - 1]}#{digest}"

    def _sweep(self, connection: Connection, number: int) -> None:
        """Delete this limiter's windows older than the previous one, once per new window."""
        if number == self._swept:
            return
        table = RateLimitWindow.__table__
        connection.execute(
            delete(table).where(
                table.c.key.startswith(f"{self.name}:", autoescape=True),
                table.c.window < number - 1,
            )
        )
        self._swept = number


def _add(connection: Connection, key: str, number: int) -> int:
    """One more hit of `key` in window `number`, atomically; the hits now in that window."""
    table = RateLimitWindow.__table__
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(table)
        .values(key=key, window=number, hits=1)
        .on_conflict_do_update(
            index_elements=[table.c.key, table.c.window], set_={"hits": table.c.hits + 1}
        )
        .returning(table.c.hits)
    )
    return connection.execute(statement).scalar_one()


def _hits(connection: Connection, key: str, number: int) -> int:
    table = RateLimitWindow.__table__
    query = select(table.c.hits).where(table.c.key == key, table.c.window == number)
    return connection.execute(query).scalar() or 0


def _take_back(connection: Connection, key: str, number: int) -> None:
    """Undo a refused hit (the row stays locked by the upsert until the commit)."""
    table = RateLimitWindow.__table__
    where = (table.c.key == key) & (table.c.window == number)
    connection.execute(update(table).where(where).values(hits=table.c.hits - 1))
