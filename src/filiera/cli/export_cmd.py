"""`filiera export`: every entity as JSON lines, ready for `filiera import jsonl`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from filiera.cli.common import DbOption, console, handle_errors, open_db, progress_bar
from filiera.imports.jsonl_export import count_entities, export_jsonl


def export(
    file: Annotated[str, typer.Argument(help="Output file, or - for standard output.")],
    db: DbOption = None,
) -> None:
    """Export sources, organisations, people, memberships, projects and relations (JSONL)."""
    database = open_db(db)
    with database.session() as session:
        total = count_entities(session)
        with progress_bar("export", total) as advance:
            out = sys.stdout if file == "-" else Path(file)
            counts = export_jsonl(session, out, progress=advance)
    summary = ", ".join(f"{name}: {count}" for name, count in sorted(counts.items()))
    console.print(f"exported {sum(counts.values())} lines to {file} ({summary or 'empty'})")


def register(app: typer.Typer) -> None:
    """Add `export` to the main app."""
    app.command("export")(handle_errors(export))
