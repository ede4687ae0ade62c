"""Which database a command uses, and the errors of a database that is not there.

A command uses `--db` (or `FILIERA_DATABASE_URL`), else the project's default: the database
`filiera demo` recorded in `var/default-database`, else `var/filiera.db`
(`settings.project_database`). Only commands that load data create a database; the others
refuse one that does not exist rather than read a new empty one.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from filiera.db import normalise_url
from filiera.errors import ConfigurationError, NotFound, field_error
from filiera.settings import project_database

CREATE_HINT = (
    "run `filiera demo` to create the demo database, `filiera db upgrade` to create an "
    "empty one, or choose another with --db"
)


def shown(url: str) -> str:
    """The URL as printed: with its password hidden."""
    try:
        return make_url(normalise_url(url)).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL; None for other databases and for in-memory SQLite."""
    try:
        parsed = make_url(normalise_url(url))
    except ArgumentError as error:
        raise bad_url(url) from error
    if parsed.get_backend_name() != "sqlite":
        return None
    name = parsed.database or ""
    return None if name in ("", ":memory:") or name.startswith("file:") else Path(name)


def is_project_default(url: str) -> bool:
    """Is `url` the database commands use when given none (same file, or same URL)?"""
    default = project_database()
    here, there = sqlite_file(url), sqlite_file(default)
    if here is not None and there is not None:
        return here.resolve() == there.resolve()
    return shown(url) == shown(default)


def missing_file(url: str) -> NotFound | None:
    """The error of a SQLite database whose file does not exist (None when it does)."""
    path = sqlite_file(url)
    if path is None or path.exists():
        return None
    where = path.resolve()
    return NotFound(
        f"no database at {where}: {CREATE_HINT}",
        errors=[field_error("database", "--db", f"no database at {where}")],
    )


def no_tables(url: str) -> NotFound:
    """The error of a database that exists but was never set up for Filiera."""
    return NotFound(
        f"database {shown(url)} has no Filiera tables: {CREATE_HINT}",
        errors=[field_error("database", "--db", f"{shown(url)} has no Filiera tables")],
    )


def unreachable(url: str, error: Exception) -> ConfigurationError:
    """The error of a database that cannot be opened (server down, wrong password...)."""
    reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
    return ConfigurationError(
        f"cannot open database {shown(url)}: {reason}",
        errors=[field_error("database", "--db", reason)],
    )


def bad_url(url: str) -> ConfigurationError:
    return ConfigurationError(
        f"{url!r} is not a database URL (e.g. sqlite:///var/filiera.db)",
        errors=[field_error("database", "--db", "not a database URL")],
    )
