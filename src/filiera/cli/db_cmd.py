"""`filiera db`: migrations."""

from __future__ import annotations

import typer

from filiera.cli.common import DbOption, cli_settings, console, handle_errors
from filiera.db import Database
from filiera.migrate import current, head

app = typer.Typer(help="Database schema: create and migrate.", no_args_is_help=True)


@app.command()
@handle_errors
def upgrade(db: DbOption = None, revision: str = "head") -> None:
    """Apply the migrations (creates the database if it does not exist)."""
    database = Database.from_settings(cli_settings(db))
    database.upgrade(revision)
    console.print(f"database at revision {current(database.engine)} ({database.dialect})")


@app.command("current")
@handle_errors
def show_current(db: DbOption = None) -> None:
    """Print the database's revision and the newest one available."""
    database = Database.from_settings(cli_settings(db))
    typer.echo(f"current: {current(database.engine)}  head: {head()}")
