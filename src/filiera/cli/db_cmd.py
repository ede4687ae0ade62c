"""`filiera db`: migrations."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from alembic.util import CommandError

from filiera.cli import database as choice
from filiera.cli.common import DbOption, announce, cli_settings, console, handle_errors, open_db
from filiera.errors import ValidationFailed, field_error
from filiera.migrate import current, head
from filiera.ops.backup import backup_before_upgrade, needs_upgrade_backup, upgrade_backup_dir

app = typer.Typer(help="Database schema: create and migrate.", no_args_is_help=True)


@app.command()
@handle_errors
def upgrade(
    db: DbOption = None,
    revision: str = "head",
    no_backup: Annotated[
        bool, typer.Option("--no-backup", help="Migrate without taking a backup first.")
    ] = False,
    backup_dir: Annotated[
        Path | None,
        typer.Option(
            help="Folder for the backup taken first (default: FILIERA_BACKUP_DIR, else beside "
            "the SQLite file, else var/backups)."
        ),
    ] = None,
) -> None:
    """Apply the migrations (creates the database; backs up an outdated one first)."""
    database = open_db(db, create=True, migrate=False)
    if not no_backup and needs_upgrade_backup(database, revision):
        folder = upgrade_backup_dir(database, backup_dir or cli_settings(db).backup_dir)
        taken = backup_before_upgrade(database, folder)
        console.print(f"backup before upgrading: {taken.path}", highlight=False, markup=False)
    try:
        database.upgrade(revision)
    except CommandError as error:
        raise ValidationFailed(
            f"--revision {revision!r}: {error}",
            errors=[field_error("database", "--revision", f"unknown revision {revision!r}")],
        ) from None
    console.print(f"database at revision {current(database.engine)} ({database.dialect})")


@app.command("current")
@handle_errors
def show_current(db: DbOption = None) -> None:
    """Print the database's revision and the newest one available."""
    url = cli_settings(db).database_url
    announce(url)
    missing = choice.missing_file(url)
    if missing is not None:  # say so, without creating an empty file by looking
        console.print(missing.message, highlight=False, markup=False)
        typer.echo(f"current: None  head: {head()}")
        return
    database = open_db(db, create=True, migrate=False, quiet=True)
    typer.echo(f"current: {current(database.engine)}  head: {head()}")
