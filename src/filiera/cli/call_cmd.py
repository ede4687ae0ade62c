"""`filiera call list|show|add`: calls for proposals from the shell."""

from __future__ import annotations

from pathlib import Path
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
from filiera.cli.formatting import money
from filiera.consortia import calls
from filiera.consortia.schemas import CallOut
from filiera.registry import taxonomy

app = typer.Typer(help="Calls for proposals and the rule sets they follow.", no_args_is_help=True)


def _say(line: str) -> None:
    output.print(line, highlight=False)


def print_call(call: CallOut) -> None:
    """A call in plain lines: what, until when, under which rules, needing what."""
    _say(f"call {call.id}: {call.title} ({call.status})")
    named = " ".join(x for x in (call.programme, call.identifier, call.topic) if x)
    _say(f"  {named}; published by {call.owner}")
    if call.deadline:
        _say(f"  deadline: {call.deadline.isoformat()}")
    if call.budget is not None:
        _say(f"  budget: {money(call.budget)}")
    params = ", ".join(f"{k}={v}" for k, v in call.rule_params.items())
    _say(f"  rules: {call.rules}" + (f" ({params})" if params else ""))
    if call.size_min or call.size_max:
        _say(f"  partners: {call.size_min or 1} to {call.size_max or 'any'}")
    if call.capabilities:
        _say("  capabilities: " + ", ".join(taxonomy.label(c) for c in call.capabilities))
    for package in call.work_packages:
        codes = ", ".join(taxonomy.label(c) for c in package.get("capabilities") or [])
        _say(f"  work package: {package['title']}" + (f" ({codes})" if codes else ""))
    _say("")
    _say(call.text)


@app.command("list")
@handle_errors
def list_cmd(
    all_: Annotated[bool, typer.Option("--all", help="Closed calls too.")] = False,
    db: DbOption = None,
    as_user: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Calls you may see, the soonest deadline first."""
    with open_db(db).session() as session:
        found = calls.list_calls(
            session, cli_viewer(session, as_user), status=None if all_ else "open"
        )
        out = [calls.call_out(call) for call in found]
    if as_json:
        print_json(out)
        return
    for call in out:
        deadline = call.deadline.isoformat() if call.deadline else "-"
        _say(f"{call.id}\t{call.status}\t{deadline}\t{call.rules}\t{call.owner}\t{call.title}")
    if not out:
        _say("no calls")


@app.command("show")
@handle_errors
def show_cmd(
    call_id: Annotated[int, typer.Argument(help="Call id.")],
    db: DbOption = None,
    as_user: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """One call: its text, deadline, rules and required capabilities."""
    with open_db(db).session() as session:
        out = calls.call_out(calls.get_call(session, cli_viewer(session, as_user), call_id))
    print_json(out) if as_json else print_call(out)


@app.command("add")
@handle_errors
def add_cmd(
    file: Annotated[Path, typer.Argument(help="A call in YAML (see docs/consortia.md).")],
    owner: Annotated[
        int | None,
        typer.Option(min=1, help="Organisation publishing it (default: the file's owner_id)."),
    ] = None,
    db: DbOption = None,
    as_user: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Publish a call (as the local operator, or `--as` a cluster manager, buyer or admin)."""
    data = calls.read_call_file(file, owner)
    if owner is not None:
        data = data.model_copy(update={"owner_id": owner})
    with open_db(db).session() as session:
        out = calls.call_out(calls.publish_call(session, cli_viewer(session, as_user), data))
    print_json(out) if as_json else _say(f"published call {out.id}: {out.title}")
