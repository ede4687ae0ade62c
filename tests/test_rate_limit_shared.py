"""Rate limits counted in the database: shared by processes, sliding, surviving rollbacks.

Every test runs on SQLite and PostgreSQL (one database per backend for the module, each
test with limiters of its own names). Two `Database` objects on one URL stand for two
server processes; a `Clock` the tests move stands for time.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import select

from filiera.access import secrets_
from filiera.access.models import RateLimitWindow
from filiera.access.ratelimit import RateLimiter
from filiera.app import create_app
from filiera.db import Database
from filiera.errors import TooManyRequests
from filiera.settings import Settings
from support.auth import bearer, token_for

START = 29_000_000 * 60.0  # the start of a one-minute window, in epoch seconds


class Clock:
    """Epoch seconds that move only when a test says so."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def databases(module_db_url: str) -> Iterator[tuple[Database, Database]]:
    """Two handles on one new database: what two server processes hold."""
    first, second = Database(module_db_url), Database(module_db_url)
    first.ensure_ready()
    yield first, second
    first.dispose()
    second.dispose()


def refused(limiter: RateLimiter, key: str) -> TooManyRequests | None:
    """The refusal of one more hit of `key`, or None if it passed."""
    try:
        limiter.hit(key)
    except TooManyRequests as error:
        return error
    return None


def passed(limiter: RateLimiter, key: str, hits: int) -> list[bool]:
    """Whether each of `hits` hits in a row passed."""
    return [refused(limiter, key) is None for _ in range(hits)]


def test_the_limit_holds_across_processes(databases: tuple[Database, Database]) -> None:
    clock = Clock()
    first, second = (RateLimiter(db, "shared", 3, clock=clock) for db in databases)
    assert [refused(limiter, "address:a") for limiter in (first, second, first)] == [None] * 3
    assert refused(second, "address:a") is not None
    assert refused(first, "address:a") is not None
    assert refused(second, "address:b") is None  # each key has its own allowance
    assert refused(RateLimiter(databases[0], "other", 3, clock=clock), "address:a") is None
    long_key = "account:" + "x" * 500 + "@example.eu"  # longer than the column
    for _ in range(3):
        first.hit(long_key)
    assert refused(second, long_key) is not None
    assert refused(second, long_key.replace("x@", "y@")) is None  # a different long key


def test_the_window_slides(databases: tuple[Database, Database]) -> None:
    clock = Clock(START + 30)
    limiter = RateLimiter(databases[0], "sliding", 10, clock=clock)
    assert passed(limiter, "k", 11) == [True] * 10 + [False]
    clock.now = START + 90  # 30 s into the next window: the previous one weighs half (5)
    assert passed(limiter, "k", 6) == [True] * 5 + [False]
    for _ in range(5):  # refused hits are not counted
        assert refused(limiter, "k") is not None
    clock.now = START + 150  # the window of 5 hits now weighs 2.5: 7 more fit
    assert passed(limiter, "k", 8) == [True] * 7 + [False]
    clock.now = START + 300  # two windows later, nothing is left
    assert passed(limiter, "k", 10) == [True] * 10


def test_retry_after_is_the_wait_until_a_hit_fits(databases: tuple[Database, Database]) -> None:
    clock = Clock()
    limiter = RateLimiter(databases[0], "waiting", 3, clock=clock)
    for _ in range(3):
        limiter.hit("k")
    # the current window is full; in the next one its 3 hits weigh 3 × (1 − e/60) + 1 <= 3
    # once e >= 20 s: 60 + 20 s from now
    assert refused(limiter, "k").retry_after == 80
    clock.now = START + 79
    assert refused(limiter, "k").retry_after == 1
    clock.now = START + 80
    assert refused(limiter, "k") is None
    clock.now = START + 85  # 3 × (1 − (25 + t)/60) + 1 + 1 <= 3 once t >= 15 s
    assert refused(limiter, "k").retry_after == 15


def test_old_windows_are_deleted_as_new_ones_start(databases: tuple[Database, Database]) -> None:
    clock = Clock()
    sweeping = RateLimiter(databases[0], "sweep", 3, clock=clock)
    other = RateLimiter(databases[1], "sweep_other", 3, clock=clock)
    sweeping.hit("a")
    other.hit("a")
    clock.now = START + 60
    sweeping.hit("b")  # the previous window stays: it still weighs
    assert stored(databases[0]) == {("sweep:a", 0), ("sweep_other:a", 0), ("sweep:b", 1)}
    clock.now = START + 120
    sweeping.hit("c")
    assert stored(databases[0]) == {
        ("sweep_other:a", 0),  # another limiter's windows are its own to delete
        ("sweep:b", 1),
        ("sweep:c", 2),
    }


def stored(database: Database) -> set[tuple[str, int]]:
    """(key, window relative to START) of the windows of this module's `sweep` limiters."""
    query = select(RateLimitWindow.key, RateLimitWindow.window).where(
        RateLimitWindow.key.startswith("sweep")
    )
    with database.session() as session:
        return {(key, window - int(START // 60)) for key, window in session.execute(query)}


@pytest.fixture
def fast_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    fast = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(secrets_, "hasher", lambda: fast)


def test_a_rolled_back_request_still_counts_in_every_app(
    databases: tuple[Database, Database], fast_passwords: None
) -> None:
    """Wrong current passwords roll their requests back; their hits stay, in both apps."""
    token = token_for(databases[0], "member@limits.example", role="member")
    settings = Settings(sign_in_per_minute=2)
    apps = [TestClient(create_app(db, settings)) for db in databases]
    body = {"current_password": "not my password", "new_password": "a new passphrase 2027"}
    statuses = [
        client.post("/api/me/password", json=body, headers=bearer(token)).status_code
        for client in (apps[0], apps[1], apps[0], apps[1])
    ]
    assert statuses == [422, 422, 429, 429]
    refusal = apps[1].post("/api/me/password", json=body, headers=bearer(token))
    assert int(refusal.headers["retry-after"]) >= 1
    sign_in = {"email": "member@limits.example", "password": "x", "name": "t"}
    assert apps[0].post("/api/auth/token", json=sign_in).status_code == 429  # same account key
