"""What every command shares: the database handle, output, JSON, error exit codes."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.markup import escape
from sqlalchemy.exc import ArgumentError, OperationalError

from filiera.access import accounts, audit
from filiera.access.viewer import Viewer, viewer_for
from filiera.cli import database as choice
from filiera.db import Database
from filiera.directory.filters import PAGE_SIZE_MAX
from filiera.errors import ConfigurationError, FilieraError, ValidationFailed, field_error
from filiera.match import ranker
from filiera.settings import Settings, get_settings, project_database

# Piped or captured output is read by scripts: lines are never wrapped (a path stays whole)
# and tables get room (200 columns) instead of the 80 a terminal-less console assumes.
PIPED_WIDTH = None if sys.stdout.isatty() else 200
console = Console(stderr=True, soft_wrap=True)  # progress, notes and errors
output = Console(markup=False, soft_wrap=True, width=PIPED_WIDTH)  # what a command answers
DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="FILIERA_DATABASE_URL",
        help="Database URL (default: the one `filiera demo` recorded, else var/filiera.db).",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripting.")]
AsOption = Annotated[
    str | None,
    typer.Option("--as", help="See only what this user (email) may see; default: everything."),
]
PageOption = Annotated[int, typer.Option(min=1, help="Page number.")]
PerPageOption = Annotated[int, typer.Option(min=1, max=PAGE_SIZE_MAX, help="Rows per page.")]


def cli_settings(db: str | None = None) -> Settings:
    """The environment's settings on the database of `--db`, else the project's default."""
    return get_settings().model_copy(update={"database_url": db or project_database()})


def announce(url: str) -> None:
    """Say on stderr which database a command uses, unless it is the project's default."""
    if not choice.is_project_default(url):
        console.print(f"using database {choice.shown(url)}", highlight=False, markup=False)


def open_db(
    db: str | None, *, create: bool = False, migrate: bool = True, quiet: bool = False
) -> Database:
    """Open the database of `--db` (or the project's default), announced if not the default.

    Only commands that load data pass `create=True`; every other command refuses a database
    that does not exist, naming it, instead of creating and reading an empty one. With
    `migrate` (the default) a new database gets the schema and an outdated one is refused.
    """
    settings = cli_settings(db)
    url = settings.database_url
    if settings.ranker_path is not None:
        ranker.use_model(settings.ranker_path)
    if not quiet:
        announce(url)
    missing = None if create else choice.missing_file(url)
    if missing is not None:
        raise missing
    try:
        database = Database.from_settings(settings)
    except ArgumentError:
        raise choice.bad_url(url) from None
    try:
        if not database.is_initialised() and not create:
            raise choice.no_tables(url)
        if migrate:
            database.ensure_ready()
    except OperationalError as error:
        raise choice.unreachable(url, error) from None
    return database


def cli_viewer(session, email: str | None):
    """The local operator (sees all), or the Viewer of the user named by `--as`."""
    if not email:
        return Viewer.system()
    viewer = viewer_for(session, accounts.get_user(session, email), via="cli")
    audit.bind(session, viewer)  # what it reads and writes is logged under that user
    return viewer


@contextmanager
def reading(path: Path) -> Iterator[None]:
    """A file that is missing, a folder, not UTF-8 or not JSON: one error naming it."""
    try:
        yield
    except OSError as error:
        raise file_error(error, path) from None
    except UnicodeDecodeError as error:
        raise bad_file(path, f"not UTF-8 text (byte {error.start + 1})") from None
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}"
        raise bad_file(path, f"not valid JSON: {error.msg} ({where})") from None


def read_json(path: Path) -> Any:
    """The JSON value in `path`, or a clean error naming the file."""
    with reading(path):
        return json.loads(path.read_text(encoding="utf-8"))


def bad_file(path: Path | str, problem: str) -> ValidationFailed:
    return ValidationFailed(
        f"{path}: {problem}", errors=[field_error(str(path), "(file)", problem)]
    )


def file_error(error: OSError, path: Path | str | None = None) -> ValidationFailed:
    """`FileNotFoundError(...)` -> `x.json: no such file or directory`."""
    problem = (error.strerror or str(error)).lower()
    if isinstance(error, IsADirectoryError):
        problem = "is a folder, not a file"
    return bad_file(error.filename or path or "(file)", problem)


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
            fail(error, as_json=kwargs.get("as_json", False))
        except OSError as error:  # a file the command could not read or write
            fail(file_error(error), as_json=kwargs.get("as_json", False))
        except OperationalError as error:  # the database went away or is locked
            reason = str(error.orig or error).strip().splitlines()[0]
            problem = ConfigurationError(f"database error: {reason}")
            fail(problem, as_json=kwargs.get("as_json", False))

    return wrapper


def fail(error: FilieraError, *, as_json: bool) -> None:
    """Print `error` (as the JSON error body with `--json`) and exit with code 1."""
    if as_json:
        print_json(error.to_body())
    else:
        report_error(error)
    raise typer.Exit(1)


def report_error(error: FilieraError) -> None:
    """The message, then one line per bad field (user input is never read as markup)."""
    console.print(f"[bold red]error:[/] {escape(error.message)}", highlight=False)
    for item in error.errors[:50]:
        line = f"  {item['record']}: {item['field']}: {item['message']}"
        console.print(line, highlight=False, markup=False)
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
