"""Check a backup file of any format without changing anything."""

from __future__ import annotations

from pathlib import Path

from filiera.ops import native_postgresql, native_sqlite
from filiera.ops.logical_file import GZIP_MAGIC, logical_header, verify_logical
from filiera.ops.revisions import check_restorable
from filiera.ops.summary import BackupSummary, bad_backup

CHECKERS = {
    GZIP_MAGIC: verify_logical,
    native_sqlite.MAGIC: native_sqlite.verify,
    native_postgresql.MAGIC: native_postgresql.verify,
}


def verify(path: Path, *, rows: bool = True) -> BackupSummary:
    """The summary of a sound backup this Filiera can restore; otherwise a refusal naming
    the file and the reason (missing, empty, truncated, corrupted, from a newer schema).

    `rows=False` checks a logical backup by its header only, for a caller that reads every
    row through `LogicalReader.batches` (which refuses a damaged file at its end) before it
    changes anything."""
    if not path.exists():
        raise bad_backup(path, "no such file")
    if path.is_dir():
        raise bad_backup(path, "is a folder, not a backup file")
    with path.open("rb") as stream:
        start = stream.read(16)
    if not start:
        raise bad_backup(path, "empty file")
    for magic, check in CHECKERS.items():
        if start.startswith(magic):
            summary = logical_header(path) if magic == GZIP_MAGIC and not rows else check(path)
            check_restorable(summary.revision, str(path))
            return summary
    raise bad_backup(path, "not a Filiera backup (neither logical, SQLite nor pg_dump custom)")
