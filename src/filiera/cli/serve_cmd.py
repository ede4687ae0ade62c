"""`filiera serve` and `filiera demo`: the web UI and REST API."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from filiera.cli.common import DbOption, console, handle_errors, open_db
from filiera.settings import get_settings

DEMO_DB = Path("var") / "filiera-demo.db"


def run_server(db_url: str | None, host: str, port: int) -> None:
    import uvicorn

    from filiera.api.app import create_app

    database = open_db(db_url)
    app = create_app(database)
    warm_up_matchmaking(database)
    console.print(f"Filiera at http://{host}:{port}  (API docs at /docs)")
    uvicorn.run(app, host=host, port=port, log_level="warning")


def warm_up_matchmaking(database) -> None:
    """Build the match index in the background so the first search does not wait for it."""
    import threading

    from filiera.match.service import current_index

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
        settings = get_settings()
        run_server(db, host or settings.host, port or settings.port)

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

        settings = get_settings()
        url = db or f"sqlite:///{DEMO_DB}"
        database = open_db(url)
        with database.session() as session:
            summary = load_demo(session, synthetic=synthetic)
        console.print(f"demo data: {summary}", highlight=False)
        if not no_serve:
            run_server(url, host or settings.host, port or settings.port)
