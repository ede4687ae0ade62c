"""Readiness checks (database, migrations, match index) and the match index's state.

Each check answers a name, ok and a short detail that names no record and counts none
(`/readyz` is public). A check that does not finish within CHECK_SECONDS fails.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as Timeout
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

from sqlalchemy import text

from filiera import migrate
from filiera.db import Database
from filiera.match import service
from filiera.match.live import LiveIndex
from filiera.metrics import IndexState

CHECK_SECONDS = 2.0  # the database and migration checks
INDEX_WAIT_SECONDS = 5.0  # how long a check waits for an index build it started
_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="readiness")
_starting: weakref.WeakKeyDictionary[LiveIndex, threading.Thread] = weakref.WeakKeyDictionary()
_starting_lock = threading.Lock()
_first_seen: weakref.WeakKeyDictionary[LiveIndex, tuple[object, float]] = (
    weakref.WeakKeyDictionary()
)  # live index -> (the project cache of its base, when first seen)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def readiness(database: Database) -> list[Check]:
    """Database reachable, migrations at head, match index ready (in that order)."""
    reachable = _timed("database", lambda: _database(database))
    if not reachable.ok:
        return [
            reachable,
            Check("migrations", False, "database unreachable"),
            Check("match_index", False, "database unreachable"),
        ]
    return [reachable, _timed("migrations", lambda: _migrations(database)), _index(database)]


def _timed(name: str, check: Callable[[], Check]) -> Check:
    future = _pool.submit(check)
    try:
        return future.result(timeout=CHECK_SECONDS)
    except Timeout:
        return Check(name, False, f"no answer within {CHECK_SECONDS:g} s")
    except Exception as error:  # noqa: BLE001  (reported, never raised: a probe answers)
        return Check(name, False, type(error).__name__)


def _database(database: Database) -> Check:
    with database.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return Check("database", True, "reachable")


@cache
def _head() -> str | None:
    return migrate.head()


def _migrations(database: Database) -> Check:
    """Compare the stamped revision with the head (read directly: Alembic's context logs
    two lines at INFO each time, for every probe)."""
    with database.engine.connect() as connection:
        current = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    if current == _head():
        return Check("migrations", True, f"at head {current}")
    return Check("migrations", False, f"at {current}, head is {_head()}: run `filiera db upgrade`")


def live_index_of(database: Database) -> LiveIndex:
    """The live match index of `database` in this process (created, not built, if new)."""
    with database.session() as session:
        return service.live_index(session)


def _index(database: Database) -> Check:
    live = live_index_of(database)
    if live.index is None:
        _build_once(database, live).join(INDEX_WAIT_SECONDS)
    if live.index is None:
        return Check("match_index", False, "building")
    if live.rebuilding is not None and live.rebuilding.is_alive():
        return Check("match_index", True, "ready, rebuilding in the background")
    return Check("match_index", True, "ready")


def _build_once(database: Database, live: LiveIndex) -> threading.Thread:
    """Start loading or building the index in the background, unless a check already did
    (`filiera serve` starts it at start-up: then this waits for the same lock)."""
    with _starting_lock:
        thread = _starting.get(live)
        if thread is None or not (thread.is_alive() or live.index is not None):
            thread = threading.Thread(
                target=service.open_index, args=(database,), name="match-index", daemon=True
            )
            _starting[live] = thread
            thread.start()
        return thread


def index_state(database: Database) -> IndexState:
    """What the metrics report about the match index of `database` in this process: its age
    is that of the saved file (written by each build) or, unsaved, since first seen."""
    live = live_index_of(database)
    index = live.index
    if index is None:
        return IndexState(ready=False)
    saved = _saved_file(live.path)
    return IndexState(
        ready=True,
        built_at=saved.stat().st_mtime if saved else _base_seen_at(live),
        documents=int(index.alive.sum()) if index.alive is not None else index.size,
        terms=len(index.profile.vocab),
        changed_documents=live.delta_size,
        size_bytes=saved.stat().st_size if saved else None,
    )


def _saved_file(path: Path | None) -> Path | None:
    return path if path is not None and path.exists() else None


def _base_seen_at(live: LiveIndex) -> float:
    """When this process first saw the current base (each build starts a new project cache,
    `live.bags`): the build time to within one scrape, for an index that is not saved."""
    known = _first_seen.get(live)
    if known is None or known[0] is not live.bags:
        known = (live.bags, time.time())
        _first_seen[live] = known
    return known[1]
