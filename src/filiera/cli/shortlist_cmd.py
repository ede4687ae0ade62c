"""`filiera shortlist`: a user's shortlists from the shell (always `--as` that user)."""

from __future__ import annotations

import io
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
from filiera.cli.csv_out import CsvOption, check_output, print_csv
from filiera.cli.match_cmd import print_markings_note
from filiera.match import shortlists
from filiera.match.shortlist_export import shortlist_csv
from filiera.match.shortlist_shapes import EntryIn, ShortlistIn, ShortlistOut
from filiera.registry.schemas import parse

app = typer.Typer(
    help="Shortlists of organisations kept from searches (as a user: --as EMAIL).",
    no_args_is_help=True,
)
ListId = Annotated[int, typer.Argument(help="Shortlist id.")]
OrgId = Annotated[int, typer.Argument(help="Organisation id.")]


def _echo_list(found: ShortlistOut) -> None:
    shared = f", shared with {found.shared_with}" if found.shared_with else ""
    owner = "" if found.mine else f", kept by {found.owner}"
    typer.echo(f"shortlist {found.id}: {found.name} ({found.count} organisations{shared}{owner})")
    for entry in found.entries:
        flag = " (synthetic)" if entry.synthetic else ""
        marks = f" [{', '.join(entry.markings)}]" if entry.markings else ""
        note = f" — {entry.note}" if entry.note else ""
        typer.echo(f"{entry.position}.\t{entry.organisation_id}\t{entry.name}{flag}{marks}{note}")


def _done(found: ShortlistOut, as_json: bool) -> None:
    print_json(found) if as_json else _echo_list(found)


@app.command("list")
@handle_errors
def list_cmd(db: DbOption = None, as_user: AsOption = None, as_json: JsonOption = False) -> None:
    """Your shortlists, then those shared with you."""
    with open_db(db).session() as session:
        found = shortlists.list_shortlists(session, cli_viewer(session, as_user))
    if as_json:
        print_json(found)
        return
    for item in found:
        whose = "mine" if item.mine else f"shared by {item.owner}"
        typer.echo(f"{item.id}\t{item.count}\t{whose}\t{item.name}")


@app.command("show")
@handle_errors
def show_cmd(
    shortlist_id: ListId,
    db: DbOption = None,
    as_user: AsOption = None,
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
) -> None:
    """One shortlist: the organisations on it you may see, in order, with notes."""
    check_output("shortlist show", as_json, as_csv)
    out = io.StringIO()
    with open_db(db).session() as session:
        viewer = cli_viewer(session, as_user)
        if as_csv:
            export = shortlist_csv(session, viewer, shortlist_id, out)
        else:
            found = shortlists.get_shortlist(session, viewer, shortlist_id)
    if as_csv:
        print_csv(out.getvalue(), export)
        print_markings_note(export)
        return
    _done(found, as_json)


@app.command("create")
@handle_errors
def create_cmd(
    name: Annotated[str, typer.Argument(help="Name of the new list.")],
    share: Annotated[
        int | None, typer.Option(help="Share with this organisation of yours (id).")
    ] = None,
    query: Annotated[str | None, typer.Option(help="The search it comes from.")] = None,
    db: DbOption = None,
    as_user: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create an empty shortlist."""
    data = parse(ShortlistIn, {"name": name, "shared_with_id": share, "query": query}, "shortlist")
    with open_db(db).session() as session:
        found = shortlists.create(session, cli_viewer(session, as_user), data)
    _done(found, as_json)


@app.command("add")
@handle_errors
def add_cmd(
    shortlist_id: ListId,
    organisation_id: OrgId,
    note: Annotated[str | None, typer.Option(help="Why it is on the list.")] = None,
    position: Annotated[int | None, typer.Option(min=1, help="Its place, from 1.")] = None,
    db: DbOption = None,
    as_user: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Put an organisation on a shortlist (or change its note or place)."""
    given = {"organisation_id": organisation_id, "note": note, "position": position}
    data = parse(EntryIn, {k: v for k, v in given.items() if v is not None}, "shortlist entry")
    with open_db(db).session() as session:
        found = shortlists.add_entry(session, cli_viewer(session, as_user), shortlist_id, data)
    _done(found, as_json)


@app.command("remove")
@handle_errors
def remove_cmd(
    shortlist_id: ListId,
    organisation_id: OrgId,
    db: DbOption = None,
    as_user: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Take an organisation off a shortlist."""
    with open_db(db).session() as session:
        viewer = cli_viewer(session, as_user)
        found = shortlists.remove_entry(session, viewer, shortlist_id, organisation_id)
    _done(found, as_json)


@app.command("share")
@handle_errors
def share_cmd(
    shortlist_id: ListId,
    org: Annotated[
        int | None, typer.Option(help="One of your organisations (default: your only one).")
    ] = None,
    off: Annotated[bool, typer.Option("--off", help="Stop sharing it.")] = False,
    db: DbOption = None,
    as_user: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Let the users of your organisation read a shortlist (or stop, with --off)."""
    with open_db(db).session() as session:
        viewer = cli_viewer(session, as_user)
        found = shortlists.share(session, viewer, shortlist_id, org, stop=off)
    if not as_json:
        console.print("not shared" if off else f"shared with {found.shared_with}", highlight=False)
    _done(found, as_json)
