"""Native SQLite backups: the online backup API, a file check, and an atomic restore.

`sqlite3.Connection.backup` copies the database page by page in one step while readers and
the WAL writer keep going: the copy is one consistent snapshot. The copy is switched to the
rollback journal so it is one self-contained file. A restore copies it back with the same
API, which replaces the target's content in one write transaction (all or nothing).
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy import create_engine

from filiera.ops import tables
from filiera.ops.summary import BackupSummary, bad_backup

MAGIC = b"SQLite format 3\x00"
BUSY_SECONDS = 30.0


def backup(source: Path, out: Path) -> None:
    """Copy the SQLite database `source` to `out` (atomically: all or no file)."""
    partial = out.with_name(out.name + ".partial")
    partial.unlink(missing_ok=True)
    reading = closing(sqlite3.connect(source, timeout=BUSY_SECONDS))
    with reading as src, closing(sqlite3.connect(partial)) as dst:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")
    os.replace(partial, out)


def copy_into(source: Path, target: Path) -> None:
    """Replace the content of the database `target` by that of `source`, in one step."""
    reading = closing(sqlite3.connect(source, timeout=BUSY_SECONDS))
    with reading as src, closing(sqlite3.connect(target, timeout=BUSY_SECONDS)) as dst:
        src.backup(dst)


def _read_only(path: Path) -> str:
    return f"file:{path.resolve()}?mode=ro&immutable=1"


def _check_size(path: Path, head: bytes) -> None:
    """The header's page count times page size must be the file's size."""
    page_size = int.from_bytes(head[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(head[28:32], "big")
    header_valid = head[92:96] == head[24:28]
    size = path.stat().st_size
    if header_valid and pages and size != pages * page_size:
        problem = f"truncated: {size} bytes where its header says {pages * page_size}"
        raise bad_backup(path, problem)


def _check_integrity(path: Path) -> None:
    try:
        with closing(sqlite3.connect(_read_only(path), uri=True)) as connection:
            answer = connection.execute("PRAGMA integrity_check(5)").fetchall()
    except sqlite3.DatabaseError as error:
        raise bad_backup(path, f"corrupted: {error}") from None
    if answer != [("ok",)]:
        raise bad_backup(path, f"corrupted: {'; '.join(row[0] for row in answer)}")


def verify(path: Path) -> BackupSummary:
    """Check a native SQLite backup without changing it; its summary when sound."""
    with path.open("rb") as stream:
        head = stream.read(100)
    if not head.startswith(MAGIC) or len(head) < 100:
        raise bad_backup(path, "not a SQLite database")
    _check_size(path, head)
    _check_integrity(path)
    engine = create_engine("sqlite://", creator=lambda: sqlite3.connect(_read_only(path), uri=True))
    try:
        with engine.connect() as connection:
            counts = {t.name: tables.row_count(connection, t) for t in tables.reflect(connection)}
            revision = tables.revision(connection)
    finally:
        engine.dispose()
    return BackupSummary(
        path=path,
        format="native",
        backend="sqlite",
        revision=revision,
        tables=counts,
        bytes=path.stat().st_size,
    )
