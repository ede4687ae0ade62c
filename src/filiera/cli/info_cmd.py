"""`filiera stats` and `filiera taxonomy`: figures and vocabularies."""

from __future__ import annotations

from typing import Annotated

import typer

from filiera.access.viewer import Viewer
from filiera.cli.common import DbOption, JsonOption, console, handle_errors, open_db, print_json
from filiera.registry import queries, taxonomy


def register(app: typer.Typer) -> None:
    """Add `stats` and `taxonomy` to the main app."""

    @app.command()
    @handle_errors
    def stats(db: DbOption = None, as_json: JsonOption = False) -> None:
        """Ecosystem figures: organisations, projects, EU contribution, by country and kind."""
        with open_db(db).session() as session:
            figures = queries.figures(session, viewer=Viewer.system())
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
