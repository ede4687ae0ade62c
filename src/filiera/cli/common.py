"""What every command shares: the database handle, JSON output, error exit codes."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Annotated, Any

import typer
from pydantic import BaseModel
from rich.console import Console

from filiera.access import accounts, audit
from filiera.access.viewer import Viewer, viewer_for
from filiera.db import Database
from filiera.errors import FilieraError
from filiera.settings import Settings, get_settings

console = Console(stderr=True)
DbOption = Annotated[
    str | None,
    typer.Option("--db", envvar="FILIERA_DATABASE_URL", help="Database URL (default: settings)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripting.")]
AsOption = Annotated[
    str | None,
    typer.Option("--as", help="See only what this user (email) may see; default: everything."),
]


def cli_settings(db: str | None = None) -> Settings:
    """The settings every command uses: the environment's, with `--db` as the database URL."""
    settings = get_settings()
    if db:
        settings = settings.model_copy(update={"database_url": db})
    return settings


def open_db(db: str | None) -> Database:
    """Open (and on first use create) the database named by `--db` or the settings."""
    database = Database.from_settings(cli_settings(db))
    database.ensure_ready()
    return database


def cli_viewer(session, email: str | None):
    """The local operator (sees all), or the Viewer of the user named by `--as`."""
    if not email:
        return Viewer.system()
    viewer = viewer_for(session, accounts.get_user(session, email), via="cli")
    audit.bind(session, viewer)  # what it reads and writes is logged under that user
    return viewer


def to_jsonable(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    return value


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(to_jsonable(value), indent=2, ensure_ascii=False, default=str))
    sys.stdout.write("\n")


def handle_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn a FilieraError into a clear message (or JSON error body) and exit code 1."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except FilieraError as error:
            if kwargs.get("as_json"):
                print_json(error.to_body())
            else:
                report_error(error)
            raise typer.Exit(1) from None

    return wrapper


def report_error(error: FilieraError) -> None:
    console.print(f"[bold red]error:[/] {error.message}", highlight=False)
    for item in error.errors[:50]:
        console.print(f"  {item['record']}: {item['field']}: {item['message']}", highlight=False)
    if len(error.errors) > 50:
        console.print(f"  … and {len(error.errors) - 50} more", highlight=False)


@contextmanager
def progress_bar(description: str, total: int | None) -> Iterator[Callable[[int], None]]:
    """A rich progress bar on stderr; yields `advance(n)`."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    columns = (
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield lambda n=1: bar.advance(task, n)
