"""`filiera status`: is the installation healthy and safe? Exit code 1 when not (for cron)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.exc import ArgumentError

from filiera.cli import database as choice
from filiera.cli.common import (
    DbOption,
    JsonOption,
    announce,
    cli_settings,
    handle_errors,
    output,
    print_json,
)
from filiera.cli.formatting import count, plural
from filiera.db import Database
from filiera.match.service import use_index_dir
from filiera.ops.status import age_text, system_status
from filiera.ops.status_shapes import BackupsOut, DatabaseOut, IndexOut, SystemStatus


def megabytes(size: int | None) -> str:
    """`1.2 MB`, `48 kB`."""
    if size is None:
        return "size unknown"
    return f"{size / 1e3:.0f} kB" if size < 1e6 else f"{size / 1e6:.1f} MB"


def database_line(db: DatabaseOut) -> str:
    """`database: sqlite sqlite:///var/filiera.db at 0013 (head 0013), 1.2 MB`."""
    line = f"database: {db.backend} {db.url} at {db.revision or '?'} (head {db.head})"
    return f"{line}, {megabytes(db.size_bytes)}" + (f"; {db.problem}" if db.problem else "")


def index_line(index: IndexOut) -> str:
    """`match index: ready, 1 548 organisations, built 3 hours ago, 2.4 MB`."""
    if index.state != "ready":
        return f"match index: {index.state}" + (f"; {index.problem}" if index.problem else "")
    age = (
        "at an unknown time" if index.age_seconds is None else f"{age_text(index.age_seconds)} ago"
    )
    size = f", {megabytes(index.size_bytes)}" if index.size_bytes is not None else ""
    return f"match index: ready, {plural(index.documents or 0, 'organisation')}, built {age}{size}"


def backup_lines(backups: BackupsOut) -> list[str]:
    """The folder, then one line per backup file, newest first."""
    head = f"backups in {backups.folder}: {count(len(backups.files))}"
    lines = [head + (f" ({backups.problem})" if backups.problem else "")]
    for f in backups.files:
        kind = f"{f.format} ({f.backend})" if f.backend else f.format
        age = age_text(f.age_seconds)
        lines.append(f"  {f.name}  {kind}  {megabytes(f.size_bytes)}  {age} ago")
    return lines


def status_lines(status: SystemStatus) -> list[str]:
    verdict = "OK" if status.ok else "NEEDS ATTENTION"
    lines = [f"Filiera {status.version}, checked at {status.checked_at}: {verdict}"]
    lines += [f"  {c.name:<12} {'ok' if c.ok else 'FAIL':<5} {c.detail}" for c in status.checks]
    lines += [database_line(status.database), index_line(status.match_index)]
    lines += backup_lines(status.backups)
    lines += [f"warning: {w.message}" for w in status.warnings]
    return lines


def register(app: typer.Typer) -> None:
    """Add `status` to the main app."""

    @app.command("status")
    @handle_errors
    def status(
        db: DbOption = None,
        backup_dir: Annotated[
            Path | None,
            typer.Option(
                help="Folder of the backups (default: FILIERA_BACKUP_DIR, else where `filiera "
                "db upgrade` writes its backup: beside the SQLite file, else var/backups)."
            ),
        ] = None,
        as_json: JsonOption = False,
    ) -> None:
        """Is the installation healthy and safe? Checks, versions, match index, backups.

        Exit code 1 when a readiness check fails or no backup was written in the last 26
        hours (see docs/observability.md)."""
        settings = cli_settings(db)
        if backup_dir is not None:
            settings = settings.model_copy(update={"backup_dir": backup_dir})
        announce(settings.database_url)
        try:
            database = Database.from_settings(settings)
        except ArgumentError:
            raise choice.bad_url(settings.database_url) from None
        use_index_dir(settings.index_dir)
        found = system_status(database, settings)
        if as_json:
            print_json(found)
        else:
            for line in status_lines(found):
                output.print(line, highlight=False)
        if not found.ok:
            raise typer.Exit(1)
