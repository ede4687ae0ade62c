"""`filiera intro ...`: requests for an introduction, asked and answered as a user (`--as`)."""

from __future__ import annotations

from typing import Annotated

import typer

from filiera.cli.common import DbOption, JsonOption, cli_viewer, handle_errors, open_db, print_json
from filiera.directory import introductions
from filiera.directory.introductions import IntroductionIn, IntroductionOut
from filiera.registry.schemas import parse

app = typer.Typer(help="Requests for an introduction to an organisation.", no_args_is_help=True)
UserOption = Annotated[
    str, typer.Option("--as", help="The user (email) who asks or answers: required.")
]
IntroId = Annotated[int, typer.Argument(help="Introduction request id.")]


@app.command("list")
@handle_errors
def list_(as_user: UserOption, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Requests to the user's organisations, and the ones they sent."""
    with open_db(db).session() as session:
        found = introductions.mine(session, cli_viewer(session, as_user))
    if as_json:
        print_json(found)
        return
    _print("received", found.received)
    _print("sent", found.sent)


@app.command()
@handle_errors
def request(
    organisation: Annotated[int, typer.Argument(help="Organisation id.")],
    as_user: UserOption,
    message: Annotated[str, typer.Option(help="A short message to the organisation.")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Ask to be introduced to an organisation (members, buyers, investors, managers)."""
    wanted = parse(IntroductionIn, {"message": message}, "introduction")
    with open_db(db).session() as session:
        out = introductions.request(session, cli_viewer(session, as_user), organisation, wanted)
    _show(out, as_json)


@app.command()
@handle_errors
def accept(
    intro: IntroId, as_user: UserOption, db: DbOption = None, as_json: JsonOption = False
) -> None:
    """Accept a request to the user's organisation (shows the requester's e-mail)."""
    _answer(intro, as_user, "accept", db, as_json)


@app.command()
@handle_errors
def decline(
    intro: IntroId, as_user: UserOption, db: DbOption = None, as_json: JsonOption = False
) -> None:
    """Decline a request to the user's organisation."""
    _answer(intro, as_user, "decline", db, as_json)


def _answer(intro: int, as_user: str, decision: str, db: str | None, as_json: bool) -> None:
    with open_db(db).session() as session:
        out = introductions.answer(session, cli_viewer(session, as_user), intro, decision)
    _show(out, as_json)


def _show(out: IntroductionOut, as_json: bool) -> None:
    if as_json:
        print_json(out)
    else:
        typer.echo(_line(out))


def _line(i: IntroductionOut) -> str:
    origin = f" ({i.from_org_name})" if i.from_org_name else ""
    email = f" <{i.requester_email}>" if i.requester_email else ""
    when = i.created_at.date().isoformat()
    return f"{i.id:>5}  {i.requester_name}{email}{origin} → {i.to_org_name}  {i.status}  {when}"


def _print(title: str, found: list[IntroductionOut]) -> None:
    typer.echo(f"{title}: {len(found)}")
    for item in found:
        typer.echo(_line(item))
