"""The live match index of one database: a base index plus the changes since, applied at
query time from the registry's change log, and a rebuild that swaps in atomically.

Each query polls the change log (one primary-key range read) and applies what is new
(`match/patch.py`), so an edit is reflected in the next query. When the delta grows past
REBUILD_FRACTION of the documents, or a full-rebuild marker arrives, the index is rebuilt
from the registry: in the query when the last build took under SYNC_BUILD_SECONDS, else
in a child process (`match/rebuild.py`, a thread waits for it) while the current index
serves. A full build is saved next to the database (`match/persist.py`) and loaded on
the next start.
"""

from __future__ import annotations

import dataclasses
import logging
import subprocess
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from filiera.match import cursor as changelog
from filiera.match import persist, rebuild
from filiera.match.cursor import Cursor, News
from filiera.match.index import MatchIndex, build_index
from filiera.match.patch import ProjectBags, apply_changes
from filiera.registry import changes
from filiera.registry.models import Organisation

REBUILD_FRACTION = 0.02  # of the documents changed since the base was built
REBUILD_MIN_DOCS = 200  # small registries keep this many changed documents in the delta
SYNC_BUILD_SECONDS = 1.0  # faster builds happen in the query, slower ones in the background
PRUNE_EVERY_SECONDS = 3600.0  # how often a process trims the change log after a build
BUILD_IN_CHILD = True  # background rebuilds in a child process (match/rebuild.py)
log = logging.getLogger(__name__)


@contextmanager
def reading(engine: Engine, caller: Session):
    """A session of its own (sees only committed changes); the caller's for an in-memory
    SQLite database, which another connection would not see."""
    if engine.url.get_backend_name() == "sqlite" and engine.url.database in (None, "", ":memory:"):
        yield caller
        return
    with Session(engine) as session:
        yield session


class LiveIndex:
    """One database's index, its cursor in the change log and its rebuilds."""

    def __init__(self, engine: Engine, path: Path | None) -> None:
        self.engine, self.path = engine, path
        self.lock = threading.RLock()
        self.index: MatchIndex | None = None
        self.cursor = Cursor()
        self.bags = ProjectBags()
        self.base_size = 0
        self.rebuilding: threading.Thread | None = None
        self.loaded_from_disk = False
        self.pruned_at: float | None = None  # when this process last trimmed the change log
        self.trimming: threading.Thread | None = None

    def current(self, caller: Session) -> MatchIndex:
        """The index with every committed change applied."""
        with self.lock, reading(self.engine, caller) as session:
            if self.index is None and not self._load():
                self._build(session)
                return self.index
            self._catch_up(session)
            return self.index

    def _load(self) -> bool:
        loaded = persist.load(self.path, time.monotonic())
        if loaded is None:
            return False
        self.index, self.cursor = loaded
        self.base_size, self.loaded_from_disk = self.index.size, True
        return True

    def _build(self, session: Session) -> None:
        cursor = changelog.at_build_start(session)
        self._swap(build_index(session), cursor)
        self._catch_up(session)

    def _swap(self, index: MatchIndex, cursor: Cursor, *, save: bool = True) -> None:
        self.index, self.cursor, self.base_size = index, cursor, index.size
        self.bags = ProjectBags()
        if save:
            self._save(index, cursor)
        self._trim_log_soon()

    def _trim_log_soon(self) -> None:
        """After a build, at most hourly: drop changes older than `changes.RETENTION`, in a
        thread of its own (a write must never wait on the request that built the index)."""
        now = time.monotonic()
        if self.pruned_at is not None and now - self.pruned_at < PRUNE_EVERY_SECONDS:
            return
        self.pruned_at = now
        self.trimming = threading.Thread(target=self.trim_log, daemon=True)
        self.trimming.start()

    def trim_log(self) -> int:
        """Delete the change log's rows older than the retention; returns how many went."""
        try:
            with Session(self.engine) as session, session.begin():
                return changes.prune_older(session)
        except Exception:  # a read-only database or a busy writer: the next build retries
            log.exception("trimming the registry change log failed")
            return 0

    def _save(self, index: MatchIndex, cursor: Cursor) -> None:
        if self.path is None:
            return
        try:
            persist.save(index, cursor, self.path)
        except OSError as error:  # a read-only folder: serve anyway, rebuild next start
            log.warning("match index not saved to %s: %s", self.path, error)

    def _catch_up(self, session: Session) -> None:
        cursor, news = changelog.poll(session, self.cursor)
        if news.lost == "other":  # another database under the same name: start again
            self._build(session)
            return
        if news.lost or news.everything or news.count > self._limit():
            self._refresh_attributes(session, news)
            self.cursor = cursor
            self.rebuild(wait=False, session=session)
            return
        if news.count:
            self.index = apply_changes(self.index, session, news.orgs, news.projects, self.bags)
        self.cursor = cursor
        if self.delta_size > self._limit():
            self.rebuild(wait=False, session=session)

    def _limit(self) -> int:
        return max(REBUILD_MIN_DOCS, int(REBUILD_FRACTION * self.base_size))

    @property
    def delta_size(self) -> int:
        """Organisations whose documents differ from the base's (changed, new, deleted)."""
        return getattr(self.index.profile, "delta_size", 0) if self.index is not None else 0

    def _refresh_attributes(self, session: Session, news: News) -> None:
        """What must be right before a rebuild finishes: the named changes when few, and
        every organisation's visibility and existence (one scan without texts)."""
        if news.count and news.count <= self._limit():
            self.index = apply_changes(self.index, session, news.orgs, news.projects, self.bags)
        index = self.index
        rows = session.execute(select(Organisation.id, Organisation.visibility)).all()
        ids = np.array([r[0] for r in rows], dtype=np.int64)
        at = index.positions(ids, deleted=True)
        public = np.array([r[1] == "public" for r in rows], dtype=bool)
        differ = (at < 0) | ~index.alive[np.maximum(at, 0)]
        differ |= public != index.public[np.maximum(at, 0)]
        gone = np.setdiff1d(np.flatnonzero(index.alive), at[at >= 0])
        changed = set(ids[differ].tolist()) | set(index.org_ids[gone].tolist())
        if len(changed) <= self._limit():
            self.index = apply_changes(index, session, changed, set(), self.bags)
            return
        alive = np.zeros(index.size, dtype=bool)  # too many to recompute: hide, then rebuild
        alive[at[at >= 0]] = True
        shown = np.zeros(index.size, dtype=bool)
        shown[at[(at >= 0) & public]] = True
        self.index = dataclasses.replace(index, alive=index.alive & alive, public=shown)

    def rebuild(self, *, wait: bool, session: Session | None = None) -> None:
        """Build a new base from the registry and swap it in (in this thread when `wait`
        or when builds are fast; else in the background while the current one serves)."""
        if self.rebuilding is not None and self.rebuilding.is_alive():
            if wait:
                self.rebuilding.join()
            return
        fast = self.index is None or self.index.built_seconds < SYNC_BUILD_SECONDS
        if wait or fast:
            with self.lock:
                if session is not None:
                    self._build(session)
                    return
                with Session(self.engine) as own:
                    self._build(own)
            return
        self.rebuilding = threading.Thread(target=self._rebuild_in_background, daemon=True)
        self.rebuilding.start()

    def _rebuild_in_background(self) -> None:
        try:
            index, cursor = self._build_aside()
            with Session(self.engine) as session, self.lock:
                self._swap(index, cursor, save=False)
                self._catch_up(session)
        except Exception:  # the current index keeps serving; the next trigger retries
            log.exception("background rebuild of the match index failed")

    def _build_aside(self) -> tuple[MatchIndex, Cursor]:
        """A new base (saved) built in a child process, so that queries keep the interpreter
        lock meanwhile (`match/rebuild.py`); in this thread when no child can."""
        if BUILD_IN_CHILD and rebuild.can_build_in_child(self.engine):
            try:
                return rebuild.build_in_child(self.engine, self.path)
            except (OSError, RuntimeError, subprocess.SubprocessError) as error:
                log.warning("match index build in a child process failed (%s): in-thread", error)
        with Session(self.engine) as session:
            cursor = changelog.at_build_start(session)
            index = build_index(session)
        self._save(index, cursor)
        return index, cursor
