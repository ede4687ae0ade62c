"""`filiera review`: possible duplicates the matcher would not merge on its own."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy.orm import Session

from filiera.access.viewer import Viewer
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
from filiera.directory import review
from filiera.directory.profiles import OrganisationSummary
from filiera.directory.review import ReviewDecisionIn

app = typer.Typer(help="Review possible duplicate organisations.", invoke_without_command=True)


def open_items(session: Session, viewer: Viewer) -> list[dict[str, object]]:
    """Open review items as plain dicts (both organisations, score, reasons)."""
    return [
        {
            "id": item.id,
            "score": item.score,
            "reasons": item.reasons,
            "new": _brief(item.organisation),
            "existing": _brief(item.candidate),
        }
        for item in review.open_items(session, viewer)
    ]


def _brief(org: OrganisationSummary) -> dict[str, object]:
    return {"id": org.id, "name": org.name, "country": org.country, "city": org.city}


@app.callback()
@handle_errors
def list_items(
    ctx: typer.Context, db: DbOption = None, as_user: AsOption = None, as_json: JsonOption = False
) -> None:
    """List open review items (or run `merge ID` / `reject ID`)."""
    if ctx.invoked_subcommand:
        return
    with open_db(db).session() as session:
        items = open_items(session, cli_viewer(session, as_user))
    if as_json:
        print_json({"data": items, "count": len(items)})
        return
    table = Table(
        "id", "score", "new record", "existing record", "reasons", title="open review items"
    )
    for item in items:
        new, old = item["new"], item["existing"]
        table.add_row(
            str(item["id"]),
            f"{item['score']:.2f}",
            f"{new['name']} ({new['country']}, {new['city'] or '-'}) #{new['id']}",
            f"{old['name']} ({old['country']}, {old['city'] or '-'}) #{old['id']}",
            "; ".join(item["reasons"]),
        )
    output.print(table)


@app.command()
@handle_errors
def merge(
    item: Annotated[int, typer.Argument(help="Review item id.")],
    db: DbOption = None,
    as_user: AsOption = None,
) -> None:
    """Accept: merge the new record into the existing organisation."""
    with open_db(db).session() as session:
        viewer = cli_viewer(session, as_user)
        review.decide(session, viewer, item, ReviewDecisionIn(decision="merge"))
    typer.echo(f"review item {item}: merged")


@app.command()
@handle_errors
def reject(
    item: Annotated[int, typer.Argument(help="Review item id.")],
    db: DbOption = None,
    as_user: AsOption = None,
) -> None:
    """Reject: they are different organisations; keep both."""
    with open_db(db).session() as session:
        viewer = cli_viewer(session, as_user)
        review.decide(session, viewer, item, ReviewDecisionIn(decision="reject"))
    typer.echo(f"review item {item}: rejected, both kept")
