"""The system status: is this installation healthy and safe? (`/admin/system`, `/api/system`,
`filiera status`).

Every part that can fail reports its failure instead of raising, so the status can be read
while the database is down. A SQLite database whose file is gone is reported as such and
never touched (connecting would create an empty file in its place).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as Timeout
from functools import cache
from pathlib import Path
from typing import TypeVar

from sqlalchemy import text

from filiera import __version__, migrate
from filiera.access import policy
from filiera.access.viewer import Viewer
from filiera.db import Database
from filiera.ops import tables
from filiera.ops.backup import upgrade_backup_dir
from filiera.ops.backup_files import backups_in, upgrade_names
from filiera.ops.health import CHECK_SECONDS, Check, index_state, readiness
from filiera.ops.status_shapes import (
    BackupsOut,
    CheckOut,
    DatabaseOut,
    IndexOut,
    SystemStatus,
    WarningOut,
)
from filiera.settings import Settings

T = TypeVar("T")
UNREACHABLE = "database unreachable"
_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="system-status")


def require_admin(viewer: Viewer) -> None:
    """Administrators only (`system.read`); everyone else gets the refusal of every
    admin-only route."""
    policy.require_role(viewer, "system.read")


def system_status(
    database: Database, settings: Settings, now: dt.datetime | None = None
) -> SystemStatus:
    """Readiness, versions, the match index, the backups and their freshness."""
    now = now or dt.datetime.now(dt.UTC)
    checks = _checks(database)
    backups = _backups(database, settings, now)
    warnings = _warnings(checks, backups)
    return SystemStatus(
        ok=not warnings,
        version=__version__,
        checked_at=now.isoformat(timespec="seconds"),
        checks=[CheckOut(**check.to_dict()) for check in checks],
        database=_database(database, reachable=checks[0].ok),
        match_index=_index(database, now, reachable=checks[0].ok),
        backups=backups,
        warnings=warnings,
    )


def sqlite_file(database: Database) -> Path | None:
    """The file of a SQLite database (None for PostgreSQL and in-memory SQLite)."""
    name = database.engine.url.database
    if database.dialect != "sqlite" or not name or name == ":memory:" or name.startswith("file:"):
        return None
    return Path(name)


def _checks(database: Database) -> list[Check]:
    gone = _missing_file(database)
    if gone is not None:
        detail = f"no database file at {gone}"
        return [Check("database", False, detail), *_unreachable("migrations", "match_index")]
    try:
        return readiness(database)
    except Exception as error:  # noqa: BLE001  (reported, never raised: the page renders)
        failed = Check("database", False, type(error).__name__)
        return [failed, *_unreachable("migrations", "match_index")]


def _unreachable(*names: str) -> list[Check]:
    return [Check(name, False, UNREACHABLE) for name in names]


def _missing_file(database: Database) -> Path | None:
    path = sqlite_file(database)
    return path if path is not None and not path.exists() else None


@cache
def _head() -> str | None:
    return migrate.head()


def _database(database: Database, *, reachable: bool) -> DatabaseOut:
    shown = database.engine.url.render_as_string(hide_password=True)
    out = DatabaseOut(backend=database.dialect, url=shown, revision=None, head=_head())
    if not reachable:
        out.problem = UNREACHABLE
        out.size_bytes = _file_size(database)
        return out
    revision, problem = _attempt(lambda: _revision(database))
    size, size_problem = _attempt(lambda: _size(database))
    out.revision, out.size_bytes, out.problem = revision, size, problem or size_problem
    return out


def _revision(database: Database) -> str | None:
    with database.engine.connect() as connection:
        return tables.revision(connection)


def _size(database: Database) -> int | None:
    """SQLite: the database file and its WAL; PostgreSQL: pg_database_size (both cheap)."""
    if database.dialect == "sqlite":
        return _file_size(database)
    with database.engine.connect() as connection:
        return connection.execute(text("SELECT pg_database_size(current_database())")).scalar()


def _file_size(database: Database) -> int | None:
    """The SQLite file with its write-ahead log (recent writes live there until a
    checkpoint copies them into the file)."""
    path = sqlite_file(database)
    if path is None or not path.exists():
        return None
    wal = path.with_name(path.name + "-wal")
    return path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)


def _attempt(work: Callable[[], T]) -> tuple[T | None, str | None]:
    """`work()`'s value, or None and why not (within CHECK_SECONDS, never raising)."""
    future = _pool.submit(work)
    try:
        return future.result(timeout=CHECK_SECONDS), None
    except Timeout:
        return None, f"no answer within {CHECK_SECONDS:g} s"
    except Exception as error:  # noqa: BLE001  (reported, never raised)
        return None, type(error).__name__


def _index(database: Database, now: dt.datetime, *, reachable: bool) -> IndexOut:
    state, problem = _attempt(lambda: index_state(database))
    if state is None or not state.ready:
        name = "building" if reachable and problem is None else "unavailable"
        return IndexOut(state=name, problem=problem or (None if reachable else UNREACHABLE))
    age = now.timestamp() - state.built_at if state.built_at is not None else None
    return IndexOut(
        state="ready",
        documents=state.documents,
        age_seconds=max(0.0, age) if age is not None else None,
        size_bytes=state.size_bytes,
    )


def backup_folder(database: Database, settings: Settings) -> Path:
    """FILIERA_BACKUP_DIR, else the folder `filiera db upgrade` writes its backup to."""
    return upgrade_backup_dir(database, settings.backup_dir)


def _backups(database: Database, settings: Settings, now: dt.datetime) -> BackupsOut:
    folder = backup_folder(database, settings).resolve()
    path = sqlite_file(database)
    only = upgrade_names(path) if settings.backup_dir is None and path is not None else None
    return backups_in(folder, now, only=only)


def _warnings(checks: list[Check], backups: BackupsOut) -> list[WarningOut]:
    failing = "; ".join(f"{check.name}: {check.detail}" for check in checks if not check.ok)
    warnings = [WarningOut(code="not_ready", message=f"not ready: {failing}")] if failing else []
    if backups.newest_age_seconds is None:
        message = f"no backup in the last day: there is none in {backups.folder}"
        warnings.append(WarningOut(code="no_backup", message=message))
    elif not backups.fresh:
        age = age_text(backups.newest_age_seconds)
        message = f"no backup in the last day: the newest is {age} old"
        warnings.append(WarningOut(code="backup_too_old", message=message))
    return warnings


def age_text(seconds: float) -> str:
    """`45 minutes`, `5 hours`, `3 days`: an age in the largest unit that fits twice."""
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds >= 2 * size:
            return f"{int(seconds // size)} {unit}s"
    return f"{int(seconds)} seconds"
