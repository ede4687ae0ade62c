"""`filiera bid ...`: consortia saved as draft bids, invitations and answers."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

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
from filiera.cli.consortium_cmd import ParamOption, parse_params, rule_lines
from filiera.cli.formatting import plural
from filiera.consortia import bids
from filiera.consortia.schemas import BidIn, BidOut, BidStatusIn
from filiera.registry.schemas import parse

app = typer.Typer(
    help="Draft bids: a consortium saved, its partners invited, their answers.",
    no_args_is_help=True,
)
BidId = Annotated[int, typer.Argument(help="Bid id.")]


def _say(line: str) -> None:
    output.print(line, highlight=False)


def print_bid(bid: BidOut) -> None:
    """The bid, its partners with their answers, and the rule check of those you may see."""
    call = f" for call {bid.call_id} ({bid.call})" if bid.call_id else ""
    _say(f"bid {bid.id}: {bid.title} ({bid.status}){call}")
    _say(f"  owner: {bid.owner}; rules: {bid.rules}")
    table = Table("role", "id", "name", "country", "kind", "answer", title="partners")
    for p in bid.partners:
        table.add_row(p.role, str(p.org_id), p.name, p.country or "", p.kind, p.status)
    output.print(table)
    if bid.check is None:
        return
    for line in rule_lines(bid.check.rules):
        _say(line)
    verdict = "every rule holds" if bid.check.ok else "violated: " + "; ".join(bid.check.violations)
    _say(verdict)


def _done(bid: BidOut, as_json: bool) -> None:
    print_json(bid) if as_json else print_bid(bid)


@app.command("list")
@handle_errors
def list_cmd(db: DbOption = None, as_user: AsOption = None, as_json: JsonOption = False) -> None:
    """Bids of your organisations and those they are invited to, newest first."""
    with open_db(db).session() as session:
        viewer = cli_viewer(session, as_user)
        out = [bids.bid_out(session, viewer, bid) for bid in bids.list_bids(session, viewer)]
    if as_json:
        print_json(out)
        return
    for bid in out:
        accepted = sum(p.status == "accepted" for p in bid.partners)
        answers = f"{accepted} of {plural(len(bid.partners), 'partner')} accepted"
        _say(f"{bid.id}\t{bid.status}\t{bid.owner}\t{answers}\t{bid.title}")
    if not out:
        _say("no bids")


@app.command("show")
@handle_errors
def show_cmd(
    bid_id: BidId, db: DbOption = None, as_user: AsOption = None, as_json: JsonOption = False
) -> None:
    """One bid: its partners and their answers, and the rule check."""
    with open_db(db).session() as session:
        viewer = cli_viewer(session, as_user)
        out = bids.bid_out(session, viewer, bids.get_bid(session, viewer, bid_id))
    _done(out, as_json)


@app.command("save")
@handle_errors
def save_cmd(
    partners: Annotated[
        list[str], typer.Argument(help="Partners, ids or PICs; the first coordinates.")
    ],
    title: Annotated[str, typer.Option(help="The bid's title.")],
    owner: Annotated[int, typer.Option(min=1, help="Organisation the bid is saved for.")],
    call_id: Annotated[int | None, typer.Option("--call-id", min=1, help="Its call.")] = None,
    rules: Annotated[
        str | None, typer.Option(help="Rule set: edf, regional, open (default: the call's).")
    ] = None,
    param: ParamOption = None,
    db: DbOption = None,
    as_user: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Save a consortium as a draft bid (partners are proposed until you invite them)."""
    given = {
        "title": title,
        "owner_id": owner,
        "call_id": call_id,
        "rules": rules,
        "rule_params": parse_params(param),
        "partners": [
            {"organisation": ref, "role": "coordinator" if n == 0 else "participant"}
            for n, ref in enumerate(partners)
        ],
    }
    wanted = parse(BidIn, {k: v for k, v in given.items() if v is not None}, "bid")
    with open_db(db).session() as session:
        viewer = cli_viewer(session, as_user)
        out = bids.bid_out(session, viewer, bids.save_bid(session, viewer, wanted))
    _done(out, as_json)


@app.command("invite")
@handle_errors
def invite_cmd(
    bid_id: BidId, db: DbOption = None, as_user: AsOption = None, as_json: JsonOption = False
) -> None:
    """Invite every partner not yet invited; their users answer."""
    with open_db(db).session() as session:
        viewer = cli_viewer(session, as_user)
        out = bids.bid_out(session, viewer, bids.invite(session, viewer, bid_id))
    _done(out, as_json)


@app.command("answer")
@handle_errors
def answer_cmd(
    bid_id: BidId,
    org: Annotated[int, typer.Option("--org", min=1, help="The invited organisation's id.")],
    accept: Annotated[
        bool, typer.Option("--accept/--decline", help="Accept or decline the invitation.")
    ],
    db: DbOption = None,
    as_user: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Accept or decline an invitation for your organisation."""
    with open_db(db).session() as session:
        viewer = cli_viewer(session, as_user)
        out = bids.bid_out(session, viewer, bids.answer(session, viewer, bid_id, org, accept))
    _done(out, as_json)


@app.command("status")
@handle_errors
def status_cmd(
    bid_id: BidId,
    status: Annotated[str, typer.Argument(help="draft, submitted or withdrawn.")],
    db: DbOption = None,
    as_user: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Mark a bid draft, submitted or withdrawn (its owner's users)."""
    wanted = parse(BidStatusIn, {"status": status}, f"bid {bid_id}")
    with open_db(db).session() as session:
        viewer = cli_viewer(session, as_user)
        out = bids.bid_out(session, viewer, bids.set_status(session, viewer, bid_id, wanted.status))
    _done(out, as_json)
