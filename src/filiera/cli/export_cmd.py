"""`filiera export`: every entity as JSON lines, ready for `filiera import jsonl`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from filiera.cli.common import (
    AsOption,
    DbOption,
    cli_viewer,
    console,
    handle_errors,
    open_db,
    progress_bar,
)
from filiera.cli.formatting import plural, tally
from filiera.imports.jsonl_export import count_entities, export_jsonl


def export(
    file: Annotated[str, typer.Argument(help="Output file, or - for standard output.")],
    db: DbOption = None,
    as_user: AsOption = None,
) -> None:
    """Export sources, organisations, people, memberships, projects and relations (JSONL).

    Records keep their visibility, field levels and export-control markings. With `--as`,
    only what that user may see is written.
    """
    database = open_db(db)
    with database.session() as session:
        viewer = cli_viewer(session, as_user)
        total = count_entities(session) if viewer.is_admin else None  # no hidden counts
        with progress_bar("export", total) as advance:
            out = sys.stdout if file == "-" else Path(file)
            counts = export_jsonl(session, out, viewer=viewer, progress=advance)
    summary = tally(dict(sorted(counts.items()))) or "empty"
    lines = plural(sum(counts.values()), "line")
    console.print(f"exported {lines} to {file} ({summary})", highlight=False, markup=False)


def register(app: typer.Typer) -> None:
    """Add `export` to the main app."""
    app.command("export")(handle_errors(export))
