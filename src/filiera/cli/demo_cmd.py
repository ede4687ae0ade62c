"""`filiera demo`: load the demo database, make it the project's default, serve it."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table
from sqlalchemy.orm import Session

from filiera.access import accounts
from filiera.access.viewer import Viewer
from filiera.cli import database as choice
from filiera.cli.common import (
    JsonOption,
    cli_settings,
    handle_errors,
    open_db,
    output,
    print_json,
)
from filiera.cli.formatting import count
from filiera.cli.info_cmd import figure_lines
from filiera.cli.serve_cmd import WorkersOption, run_server
from filiera.directory.figures import ecosystem
from filiera.settings import DEFAULT_DATABASE_RECORD, DEMO_DB_PATH, record_database

DEMO_DOMAIN = ".demo"  # every demo account's address ends so (src/filiera/demo/access.py)
LABELS = {"edf": "EU data (EDF)", "h2020": "EU data (Horizon 2020 participations)"}


def demo_accounts(session: Session) -> list[dict[str, Any]]:
    """The demo's accounts: email, role, the organisations they act for, the password."""
    from filiera.demo.access import DEMO_PASSWORD

    return [
        {
            "email": user.email,
            "role": user.role,
            "acts_for": [a.organisation.name for a in user.affiliations],
            "password": DEMO_PASSWORD,
        }
        for user in accounts.list_users(session)
        if user.email.endswith(DEMO_DOMAIN)
    ]


def loaded_lines(summary: dict[str, Any]) -> list[str]:
    """What the loader reported, one readable line per part (the accounts come apart)."""
    lines = []
    for name, value in summary.items():
        if name in ("status", "access"):
            continue
        label = LABELS.get(name, name.replace("_", " "))
        lines.append(f"  {label}: {readable(value)}")
    return lines


def readable(value: Any) -> str:
    """A count, a `{name: count}` mapping, or text."""
    if isinstance(value, dict):
        return ", ".join(f"{k.replace('_', ' ')} {readable(v)}" for k, v in value.items())
    if isinstance(value, bool) or not isinstance(value, int):
        return str(value) or "none"
    return count(value)


def accounts_table(rows: list[dict[str, Any]], address: str) -> Table:
    table = Table(title=f"Demo accounts: sign in at {address}")
    table.add_column("email", no_wrap=True)  # whole, to be copied
    table.add_column("role")
    table.add_column("acts for")
    table.add_column("password", no_wrap=True)
    for row in rows:
        acts_for = ", ".join(row["acts_for"]) or "-"
        table.add_row(row["email"], row["role"].replace("_", " "), acts_for, row["password"])
    return table


def print_demo(url: str, summary: dict[str, Any], figures: dict, rows: list, web: str) -> None:
    """The database and how it became the default, what was loaded, the accounts."""
    fresh = summary.get("status") != "already loaded"
    state = "loaded now" if fresh else "already loaded"
    output.print(f"Demo database: {choice.shown(url)} ({state})")
    output.print(
        f"It is now the default database of `filiera` commands run in this folder "
        f"(recorded in {DEFAULT_DATABASE_RECORD}; --db or FILIERA_DATABASE_URL choose another)."
    )
    if fresh:
        output.print("Loaded:")
        for line in loaded_lines(summary):
            output.print(line)
    output.print("In the database:")
    for line in figure_lines(figures):
        output.print(f"  {line}")
    output.print(accounts_table(rows, f"{web}/sign-in"))


def register(app: typer.Typer) -> None:
    """Add `demo` to the main app."""

    @app.command()
    @handle_errors
    def demo(
        db: Annotated[str | None, typer.Option("--db", help="Demo database URL.")] = None,
        synthetic: Annotated[int, typer.Option(help="Synthetic organisations to add.")] = 600,
        host: Annotated[str | None, typer.Option(help="Bind address.")] = None,
        port: Annotated[int | None, typer.Option(help="Port.")] = None,
        no_serve: Annotated[bool, typer.Option("--no-serve", help="Load only.")] = False,
        workers: WorkersOption = 1,
        as_json: JsonOption = False,
    ) -> None:
        """Create the demo database if absent, load the demo data, start the web UI.

        The demo database becomes the default of later commands run in this folder.
        """
        from filiera.demo.load import load_demo

        url = db or f"sqlite:///{DEMO_DB_PATH}"
        settings = cli_settings(url)
        database = open_db(url, create=True, quiet=True)
        with database.session() as session:
            summary = load_demo(session, synthetic=synthetic)  # the EU data in the package
            figures = ecosystem(session, Viewer.system())
            rows = demo_accounts(session)
        record_database(url)
        web = f"http://{host or settings.host}:{port or settings.port}"
        if as_json:
            result = {"database": choice.shown(url), "web": web, "loaded": summary}
            print_json(result | {"figures": figures, "accounts": rows})
        else:
            print_demo(url, summary, figures, rows, web)
        if not no_serve:
            run_server(settings, database, host, port, workers)
        elif not as_json:
            output.print("Start the web UI with `filiera serve`.")
