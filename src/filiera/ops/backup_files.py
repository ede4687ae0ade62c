"""The backups in a folder: name, format (from the first bytes), size, age; newest first.

Only a header is read, never the whole file: `filiera restore FILE --check` verifies one.
In a folder set for backups (FILIERA_BACKUP_DIR), every file named like a backup counts
(`.db`, `.dump`, `.jsonl.gz`). Beside a SQLite database's own file (the folder `db upgrade`
uses when none is set), only the names `db upgrade` writes for that database count, so the
database itself and other databases in the folder are never taken for backups.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from pathlib import Path

from filiera.ops.logical_file import GZIP_MAGIC
from filiera.ops.native_postgresql import MAGIC as PG_MAGIC
from filiera.ops.native_sqlite import MAGIC as SQLITE_MAGIC
from filiera.ops.status_shapes import BackupFileOut, BackupFormat, BackupsOut

MAX_AGE_HOURS = 26.0  # a nightly backup, with two hours to spare
SUFFIXES = (".db", ".dump", ".jsonl.gz")
HEADERS: dict[bytes, tuple[BackupFormat, str | None]] = {
    SQLITE_MAGIC: ("native", "sqlite"),
    PG_MAGIC: ("native", "postgresql"),
    GZIP_MAGIC: ("logical", None),
}


def upgrade_names(database_file: Path) -> re.Pattern[str]:
    """The names `ops.backup.default_name` gives the backups of `database_file`."""
    stem = re.escape(database_file.stem)
    return re.compile(rf"{stem}-[\w.]+-\d{{8}}T\d{{6}}Z(-\d+)?(\.db|\.dump|\.jsonl\.gz)")


def backups_in(
    folder: Path, now: dt.datetime, *, only: re.Pattern[str] | None = None
) -> BackupsOut:
    """The backups in `folder` (those matching `only`, when given), newest first."""
    if not folder.is_dir():
        return _state(folder, [], problem="no such folder")
    try:
        files = sorted(_read(_candidates(folder, only), now), key=lambda f: f.age_seconds)
    except OSError as error:
        return _state(folder, [], problem=_reason(error))
    return _state(folder, files)


def _candidates(folder: Path, only: re.Pattern[str] | None) -> list[Path]:
    return [
        path
        for path in folder.iterdir()
        if path.name.endswith(SUFFIXES)
        and (only is None or only.fullmatch(path.name))
        and path.is_file()
    ]


def _read(paths: Iterable[Path], now: dt.datetime) -> list[BackupFileOut]:
    found = []
    for path in paths:
        try:
            found.append(_describe(path, now))
        except FileNotFoundError:
            continue  # removed while listed (a rotation)
    return found


def _describe(path: Path, now: dt.datetime) -> BackupFileOut:
    info = path.stat()
    modified = dt.datetime.fromtimestamp(info.st_mtime, dt.UTC)
    fmt, backend = _format(path)
    return BackupFileOut(
        name=path.name,
        format=fmt,
        backend=backend,
        size_bytes=info.st_size,
        modified_at=modified.isoformat(timespec="seconds"),
        age_seconds=max(0.0, (now - modified).total_seconds()),
    )


def _format(path: Path) -> tuple[BackupFormat, str | None]:
    """native (and its backend) or logical from the first bytes; unknown otherwise."""
    with path.open("rb") as stream:
        start = stream.read(16)
    for magic, kind in HEADERS.items():
        if start.startswith(magic):
            return kind
    return "unknown", None


def _state(folder: Path, files: list[BackupFileOut], problem: str | None = None) -> BackupsOut:
    usable = [f for f in files if f.format != "unknown"]
    newest = usable[0].age_seconds if usable else None
    return BackupsOut(
        folder=str(folder),
        files=files,
        newest_age_seconds=newest,
        fresh=newest is not None and newest <= MAX_AGE_HOURS * 3600,
        max_age_hours=MAX_AGE_HOURS,
        problem=problem,
    )


def _reason(error: OSError) -> str:
    return f"{type(error).__name__}: {(error.strerror or str(error)).lower()}"
