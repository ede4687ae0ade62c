"""Take a backup: native for the database's backend, or the portable logical format."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from filiera.db import Database
from filiera.errors import ValidationFailed, field_error
from filiera.ops import logical, native_postgresql, native_sqlite, tables
from filiera.ops.revisions import known_revisions, newest
from filiera.ops.summary import LOGICAL_SUFFIX, BackupSummary, Format
from filiera.ops.verify import verify
from filiera.settings import DATA_DIR

NATIVE_SUFFIX = {"sqlite": ".db", "postgresql": ".dump"}


def choose_format(out: Path, requested: Format | None) -> Format:
    """`requested`, else logical for a `.jsonl.gz` name, else native."""
    if requested is not None:
        return requested
    return "logical" if out.name.endswith(LOGICAL_SUFFIX) else "native"


def backup(database: Database, out: Path, requested: Format | None = None) -> BackupSummary:
    """Write a consistent snapshot of `database` to `out`, then check the file written."""
    fmt = choose_format(out, requested)
    if out.is_dir():
        problem = "is a folder: name the backup file"
        raise ValidationFailed(f"{out}: {problem}", errors=[field_error(str(out), "OUT", problem)])
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "logical":
        return logical.dump(database.engine, out)
    if database.dialect == "sqlite":
        native_sqlite.backup(Path(database.engine.url.database or ""), out)
    else:
        native_postgresql.backup(database.url, out)
    return verify(out)


def default_name(database: Database, folder: Path, fmt: Format = "native") -> Path:
    """`<folder>/<database>-<revision>-<UTC time>.<db|dump|jsonl.gz>`: never overwrites."""
    with database.engine.connect() as connection:
        revision = tables.revision(connection) or "none"
    name = Path(database.engine.url.database or "filiera").stem
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    suffix = LOGICAL_SUFFIX if fmt == "logical" else NATIVE_SUFFIX[database.dialect]
    path = folder / f"{name}-{revision}-{stamp}{suffix}"
    number = 1
    while path.exists():
        number += 1
        path = folder / f"{name}-{revision}-{stamp}-{number}{suffix}"
    return path


def upgrade_backup_dir(database: Database, configured: Path | None) -> Path:
    """Where `db upgrade` writes its backup: the setting, else beside the SQLite file, else
    var/backups."""
    if configured is not None:
        return configured
    if database.dialect == "sqlite" and database.engine.url.database:
        return Path(database.engine.url.database).resolve().parent
    return DATA_DIR / "backups"


def needs_upgrade_backup(database: Database, revision: str) -> bool:
    """Would migrating to `revision` change a database holding data (so back it up first)?
    A database without tables or rows has nothing to lose."""
    if not database.is_initialised():
        return False
    if revision != "head" and revision not in known_revisions():
        return False  # the upgrade itself refuses it
    wanted = newest() if revision == "head" else revision
    with database.engine.connect() as connection:
        now = tables.revision(connection)
        return now is not None and now != wanted and tables.first_nonempty(connection) is not None


def backup_before_upgrade(database: Database, folder: Path) -> BackupSummary:
    """A native backup of `database` in `folder`, named by database, revision and time."""
    return backup(database, default_name(database, folder))
