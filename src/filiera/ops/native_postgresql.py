"""Native PostgreSQL backups: `pg_dump -Fc`, a full read to check them, `pg_restore`.

pg_dump reads one snapshot of the database. A check reads the whole archive back with
pg_restore (TOC and every data block), counting the rows of each table and reading the
schema revision, so a truncated or corrupted archive is refused before any restore. A
restore into a database without tables is one `pg_restore --single-transaction
--exit-on-error`; one with (empty, or replaced) tables first drops them in the same
transaction as the restore, run by psql.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from pathlib import Path

from filiera.ops import pgtools
from filiera.ops.summary import BackupSummary, bad_backup

MAGIC = b"PGDMP"
COPY_LINE = re.compile(r"^COPY (?:\w+\.)?\"?([\w]+)\"? \(.*\) FROM stdin;$")
RESTORE_OPTIONS = ["--no-owner", "--no-privileges"]


def backup(url: str, out: Path) -> None:
    """`pg_dump --format=custom` of `url` into `out` (atomically: all or no file)."""
    partial = out.with_name(out.name + ".partial")
    target, env = pgtools.connection_target(url)
    command = [str(pgtools.find_tool("pg_dump")), "--format=custom", f"--file={partial}"]
    try:
        pgtools.run([*command, f"--dbname={target}"], env, what="pg_dump")
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, out)


def _read_data(path: Path) -> tuple[dict[str, int], str | None]:
    """Rows per table and the schema revision, reading every data block of the archive."""
    command = [str(pgtools.find_tool("pg_restore")), "--data-only", "--file=-", str(path)]
    counts: dict[str, int] = {}
    revision, table = None, None
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors)
        assert process.stdout is not None
        for raw in process.stdout:
            line = raw.decode("utf-8", errors="replace").rstrip("\n")
            if table is None:
                match = COPY_LINE.match(line)
                table = match.group(1) if match else None
                if table is not None:
                    counts.setdefault(table, 0)
            elif line == "\\.":
                table = None
            else:
                counts[table] += 1
                revision = line if table == "alembic_version" else revision
        if process.wait() != 0:
            errors.seek(0)
            reason = errors.read().decode(errors="replace").strip().splitlines()[:2]
            raise bad_backup(path, f"truncated or corrupted: {'; '.join(reason)}")
    counts.pop("alembic_version", None)
    return counts, revision


def verify(path: Path) -> BackupSummary:
    """Check a pg_dump custom archive without changing anything; its summary when sound."""
    with path.open("rb") as stream:
        if stream.read(len(MAGIC)) != MAGIC:
            raise bad_backup(path, "not a PostgreSQL custom-format archive")
    listing = subprocess.run(
        [str(pgtools.find_tool("pg_restore")), "--list", str(path)], capture_output=True
    )
    if listing.returncode != 0:
        reason = listing.stderr.decode(errors="replace").strip().splitlines()[:1]
        raise bad_backup(path, f"corrupted: {'; '.join(reason)}")
    counts, revision = _read_data(path)
    return BackupSummary(
        path=path,
        format="native",
        backend="postgresql",
        revision=revision,
        tables=counts,
        bytes=path.stat().st_size,
    )


def restore(path: Path, url: str, drop_first: str | None) -> None:
    """Restore the archive into `url` in one transaction; `drop_first` is SQL run before it
    in that transaction (dropping the target's tables), None for a database without tables."""
    target, env = pgtools.connection_target(url)
    restore_tool = str(pgtools.find_tool("pg_restore"))
    if drop_first is None:
        command = [restore_tool, *RESTORE_OPTIONS, "--single-transaction", "--exit-on-error"]
        pgtools.run([*command, f"--dbname={target}", str(path)], env, what="pg_restore")
        return
    with tempfile.TemporaryDirectory(prefix="filiera-restore-") as folder:
        drop, script = Path(folder) / "drop.sql", Path(folder) / "restore.sql"
        drop.write_text(drop_first, encoding="utf-8")
        command = [restore_tool, *RESTORE_OPTIONS, f"--file={script}", str(path)]
        pgtools.run(command, env, what="pg_restore")
        psql = [str(pgtools.find_tool("psql")), "-X", "-q", "--single-transaction"]
        psql += ["-v", "ON_ERROR_STOP=1", "-f", str(drop), "-f", str(script)]
        pgtools.run([*psql, f"--dbname={target}"], env, what="psql")
