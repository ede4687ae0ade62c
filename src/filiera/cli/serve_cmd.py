"""`filiera serve` and `filiera demo`: the web UI and REST API."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Annotated

import typer

from filiera.cli.common import DbOption, cli_settings, console, handle_errors
from filiera.db import Database
from filiera.match.service import current_index
from filiera.settings import Settings

DEMO_DB = Path("var") / "filiera-demo.db"


def run_server(settings: Settings, database: Database, host: str | None, port: int | None) -> None:
    """Serve the app on `database`; host and port default to those of `settings`."""
    import uvicorn  # the server and the whole app load only when a command serves

    from filiera.app import create_app

    host, port = host or settings.host, port or settings.port
    app = create_app(database, settings)
    warm_up_matchmaking(database)
    console.print(f"Filiera at http://{host}:{port}  (API docs at /docs)")
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

    @app.command()
    @handle_errors
    def serve(
        db: DbOption = None,
        host: Annotated[str | None, typer.Option(help="Bind address.")] = None,
        port: Annotated[int | None, typer.Option(help="Port.")] = None,
    ) -> None:
        """Serve the web UI and REST API on the configured database."""
        settings = cli_settings(db)
        run_server(settings, Database.from_settings(settings), host, port)

    @app.command()
    @handle_errors
    def demo(
        db: Annotated[str | None, typer.Option("--db", help="Demo database URL.")] = None,
        synthetic: Annotated[int, typer.Option(help="Synthetic organisations to add.")] = 600,
        host: Annotated[str | None, typer.Option(help="Bind address.")] = None,
        port: Annotated[int | None, typer.Option(help="Port.")] = None,
        no_serve: Annotated[bool, typer.Option("--no-serve", help="Load only.")] = False,
    ) -> None:
        """Create the demo database if absent, load the demo data, start the web UI."""
        from filiera.demo.load import load_demo

        settings = cli_settings(db or f"sqlite:///{DEMO_DB}")
        database = Database.from_settings(settings)
        database.ensure_ready()
        edf = settings.shared_data_dir / "edf"
        with database.session() as session:
            summary = load_demo(session, synthetic=synthetic, edf=edf)
        console.print(f"demo data: {summary}", highlight=False)
        if not no_serve:
            run_server(settings, database, host, port)
