"""`filiera serve` (and, through `demo_cmd`, `filiera demo`): the web UI and REST API."""

from __future__ import annotations

import threading
from typing import Annotated

import typer

from filiera.cli.common import DbOption, cli_settings, console, handle_errors, open_db
from filiera.db import Database
from filiera.match.service import current_index
from filiera.settings import Settings


def run_server(settings: Settings, database: Database, host: str | None, port: int | None) -> None:
    """Serve the app on `database`; host and port default to those of `settings`."""
    import uvicorn  # the server and the whole app load only when a command serves

    from filiera.app import create_app

    host, port = host or settings.host, port or settings.port
    app = create_app(database, settings)
    warm_up_matchmaking(database)
    console.print(f"Filiera at http://{host}:{port}  (API docs at /docs)", markup=False)
    # Filiera reads X-Forwarded-For itself, from FILIERA_TRUSTED_PROXIES only (http/auth.py).
    uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=False)


def warm_up_matchmaking(database) -> None:
    """Build the match index in the background so the first search does not wait for it."""

    def build() -> None:
        with database.session() as session:
            current_index(session)

    threading.Thread(target=build, name="match-index", daemon=True).start()


def register(app: typer.Typer) -> None:
    """Add `serve` and `demo` to the main app."""
    from filiera.cli import demo_cmd  # it serves with run_server

    @app.command()
    @handle_errors
    def serve(
        db: DbOption = None,
        host: Annotated[str | None, typer.Option(help="Bind address.")] = None,
        port: Annotated[int | None, typer.Option(help="Port.")] = None,
    ) -> None:
        """Serve the web UI and REST API on the configured database."""
        database = open_db(db)
        run_server(cli_settings(db), database, host, port)

    demo_cmd.register(app)
