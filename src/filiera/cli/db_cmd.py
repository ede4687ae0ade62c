"""`filiera db`: migrations."""

from __future__ import annotations

import typer
from alembic.util import CommandError

from filiera.cli import database as choice
from filiera.cli.common import DbOption, announce, cli_settings, console, handle_errors, open_db
from filiera.errors import ValidationFailed, field_error
from filiera.migrate import current, head

app = typer.Typer(help="Database schema: create and migrate.", no_args_is_help=True)


@app.command()
@handle_errors
def upgrade(db: DbOption = None, revision: str = "head") -> None:
    """Apply the migrations (creates the database if it does not exist)."""
    database = open_db(db, create=True, migrate=False)
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
