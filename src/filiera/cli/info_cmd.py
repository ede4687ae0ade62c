"""`filiera stats` and `filiera taxonomy`: figures and vocabularies."""

from __future__ import annotations

from typing import Annotated

import typer

from filiera.cli.common import (
    AsOption,
    DbOption,
    JsonOption,
    cli_viewer,
    console,
    handle_errors,
    open_db,
    print_json,
)
from filiera.directory.figures import ecosystem
from filiera.registry import taxonomy


def register(app: typer.Typer) -> None:
    """Add `stats` and `taxonomy` to the main app."""

    @app.command()
    @handle_errors
    def stats(db: DbOption = None, as_user: AsOption = None, as_json: JsonOption = False) -> None:
        """Ecosystem figures: organisations, projects, EU contribution, by country and kind."""
        with open_db(db).session() as session:
            figures = ecosystem(session, cli_viewer(session, as_user))
        if as_json:
            print_json(figures)
            return
        for name, value in figures.items():
            console.print(f"{name}: {value}", highlight=False)

    @app.command("taxonomy")
    def show_taxonomy(
        lang: Annotated[str, typer.Option(help="Label language: en, it, fr, de.")] = "en",
        as_json: JsonOption = False,
    ) -> None:
        """The capability taxonomy with labels in the chosen language."""
        nodes = taxonomy.capabilities()
        rows = [
            {"code": code, "parent": node.parent, "label": taxonomy.label(code, lang)}
            for code, node in nodes.items()
        ]
        if as_json:
            print_json(rows)
            return
        for row in rows:
            indent = "  " if row["parent"] else ""
            typer.echo(f"{indent}{row['code']:<32} {row['label']}")
