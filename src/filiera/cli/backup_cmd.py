"""`filiera backup` and `filiera restore`: snapshots of the database and their restore."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from filiera.cli.common import (
    DbOption,
    JsonOption,
    announce,
    cli_settings,
    console,
    handle_errors,
    open_db,
    output,
    print_json,
)
from filiera.cli.formatting import count, plural
from filiera.errors import ValidationFailed, field_error
from filiera.ops.backup import backup as take_backup
from filiera.ops.restore import restore as restore_backup
from filiera.ops.summary import BackupSummary
from filiera.ops.verify import verify

FormatOption = Annotated[
    Literal["native", "logical"] | None,
    typer.Option(
        "--format",
        help="native (SQLite file copy / pg_dump custom archive) or logical (portable JSON "
        "lines, any backend); default: logical for a .jsonl.gz name, else native.",
    ),
]


def describe(summary: BackupSummary) -> str:
    """`logical backup of a sqlite database at revision 0013: 150 rows in 47 tables`."""
    return (
        f"{summary.format} backup of a {summary.backend} database at revision "
        f"{summary.revision}: {plural(summary.rows, 'row')} in "
        f"{plural(len(summary.tables), 'table')}, {count(summary.bytes)} bytes"
    )


def register(app: typer.Typer) -> None:
    """Add `backup` and `restore` to the main app."""

    @app.command("backup")
    @handle_errors
    def backup(
        out: Annotated[Path, typer.Argument(help="The backup file to write.")],
        fmt: FormatOption = None,
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Write a consistent snapshot of the database while it runs (see docs/backup.md)."""
        database = open_db(db, migrate=False)
        try:
            summary = take_backup(database, out, fmt)
        finally:
            database.dispose()
        if as_json:
            print_json(summary.to_dict())
            return
        output.print(f"wrote {summary.path}: {describe(summary)}")

    @app.command("restore")
    @handle_errors
    def restore(
        backup_file: Annotated[Path, typer.Argument(help="The backup file.")],
        db: Annotated[
            str | None,
            typer.Option(
                "--db",
                envvar="FILIERA_DATABASE_URL",
                help="The database to restore into (required, unless --check).",
            ),
        ] = None,
        replace: Annotated[
            bool,
            typer.Option(
                "--replace",
                help="Replace everything in a database that has data (all or nothing).",
            ),
        ] = False,
        check: Annotated[
            bool,
            typer.Option("--check", help="Only verify the backup file; change nothing."),
        ] = False,
        as_json: JsonOption = False,
    ) -> None:
        """Restore a backup into an empty database, then migrate it (refusals change nothing)."""
        if check:
            summary = verify(backup_file)
            if as_json:
                print_json({"ok": True, **summary.to_dict()})
            else:
                output.print(f"{backup_file}: sound {describe(summary)}")
            return
        if not db:
            problem = "name the database to restore into with --db (or FILIERA_DATABASE_URL)"
            raise ValidationFailed(problem, errors=[field_error("database", "--db", problem)])
        url = cli_settings(db).database_url
        announce(url)
        result = restore_backup(backup_file, url, replace=replace)
        if as_json:
            print_json(
                {"database": result.database, "revision": result.revision}
                | {"backup": result.backup.to_dict()}
            )
            return
        console.print(f"restored into {result.database}", highlight=False, markup=False)
        output.print(
            f"restored {backup_file} ({describe(result.backup)}); the database is now at "
            f"revision {result.revision}"
        )
