"""`filiera stats` and `filiera taxonomy`: figures and vocabularies."""

from __future__ import annotations

from typing import Annotated

import typer

from filiera.cli.common import (
    AsOption,
    DbOption,
    JsonOption,
    cli_viewer,
    handle_errors,
    open_db,
    output,
    print_json,
)
from filiera.cli.formatting import count, money, tally
from filiera.directory.figures import ecosystem
from filiera.errors import ValidationFailed, field_error
from filiera.registry import taxonomy

FIGURE_LABELS = {"eu_contribution": "EU contribution", "by_country": "by country"}


def figure_lines(figures: dict[str, object]) -> list[str]:
    """`organisations: 1 636`, `EU contribution: 3 968 401 880 EUR (3.97 billion)`..."""
    lines = []
    for name, value in figures.items():
        if name == "eu_contribution":
            shown = money(float(value or 0))
        elif isinstance(value, dict):
            shown = tally(value) or "none"
        else:
            shown = count(value) if isinstance(value, int) else str(value)
        lines.append(f"{FIGURE_LABELS.get(name, name.replace('_', ' '))}: {shown}")
    return lines


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
        for line in figure_lines(figures):
            output.print(line, highlight=False)

    @app.command("taxonomy")
    @handle_errors
    def show_taxonomy(
        lang: Annotated[str, typer.Option(help="Label language: en, it, fr, de.")] = "en",
        as_json: JsonOption = False,
    ) -> None:
        """The capability taxonomy with labels in the chosen language."""
        if lang not in taxonomy.LANGUAGES:
            known = ", ".join(taxonomy.LANGUAGES)
            raise ValidationFailed(
                f"--lang {lang!r}: labels exist in {known}",
                errors=[field_error("taxonomy", "--lang", f"must be one of {known}")],
            )
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
