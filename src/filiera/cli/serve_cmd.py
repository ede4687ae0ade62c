"""`filiera serve` (and, through `demo_cmd`, `filiera demo`): the web UI and REST API."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from filiera import logs, metrics
from filiera.cli.common import DbOption, cli_settings, console, handle_errors, open_db
from filiera.db import Database
from filiera.match.service import open_index
from filiera.registry import values
from filiera.settings import Settings

if TYPE_CHECKING:
    from fastapi import FastAPI


WORKER_APP = "filiera.cli.serve_cmd:worker_app"


def run_server(
    settings: Settings,
    database: Database,
    host: str | None,
    port: int | None,
    workers: int = 1,
) -> None:
    """Serve the app on `database`; host and port default to those of `settings`.

    With `workers` > 1, uvicorn starts that many processes, each building its own app with
    `worker_app` from the environment: the database URL goes there as FILIERA_DATABASE_URL,
    and every other setting is the environment's already (`cli_settings`).
    """
    import uvicorn  # the server and the whole app load only when a command serves

    host, port = host or settings.host, port or settings.port
    # Filiera reads X-Forwarded-For itself, from FILIERA_TRUSTED_PROXIES only (http/auth.py).
    # Filiera logs each request itself (`http.observe`); uvicorn's own lines go to the same
    # handler, in the same format (FILIERA_LOG_FORMAT).
    options = {
        "host": host,
        "port": port,
        "log_level": "warning",
        "proxy_headers": False,
        "log_config": None,
        "access_log": False,
    }
    logs.configure_logging(settings.log_format, settings.log_level)
    if workers > 1:
        os.environ["FILIERA_DATABASE_URL"] = database.url
        database.dispose()  # each worker opens its own
        announce_address(host, port, f"{workers} worker processes")
        with shared_metrics():
            uvicorn.run(WORKER_APP, factory=True, workers=workers, **options)
        return
    from filiera.app import create_app

    app = create_app(database, settings)
    warm_up(database, settings.index_dir)
    announce_address(host, port)
    uvicorn.run(app, **options)


@contextmanager
def shared_metrics() -> Iterator[str]:
    """A fresh folder in PROMETHEUS_MULTIPROC_DIR for the workers' metrics (inside the one
    already named there, if any), so /metrics adds up every worker; removed at the end."""
    folder = tempfile.mkdtemp(prefix="filiera-metrics-", dir=metrics.multiprocess_dir())
    before = os.environ.get(metrics.MULTIPROC_ENV)
    os.environ[metrics.MULTIPROC_ENV] = folder
    try:
        yield folder
    finally:
        if before is None:
            os.environ.pop(metrics.MULTIPROC_ENV, None)
        else:
            os.environ[metrics.MULTIPROC_ENV] = before
        shutil.rmtree(folder, ignore_errors=True)


def announce_address(host: str, port: int, processes: str = "") -> None:
    suffix = f", {processes}" if processes else ""
    console.print(f"Filiera at http://{host}:{port}  (API docs at /docs{suffix})", markup=False)


def worker_app() -> FastAPI:
    """The app of one worker process: settings from the environment, match index warming."""
    from filiera.app import create_app

    app = create_app()
    warm_up(app.state.db, app.state.settings.index_dir)
    return app


def warm_up(database: Database, index_dir: Path | None = None) -> None:
    """What a server process reads before its first request: the NUTS table (about a
    second, which the first profile page and every request queued behind it waited for)
    now, the match index in the background."""
    values.preload_nuts()
    warm_up_matchmaking(database, index_dir)


def warm_up_matchmaking(database: Database, index_dir: Path | None = None) -> None:
    """Load the saved match index (or build it) in the background, then catch up with the
    changes since, so the first search does not wait for it (docs/scaling.md)."""

    def build() -> None:
        open_index(database, index_dir)

    threading.Thread(target=build, name="match-index", daemon=True).start()


WorkersOption = Annotated[
    int,
    typer.Option(
        min=1,
        help="Server processes (uvicorn workers); rate limits and sessions live in the "
        "database, so they hold across them.",
    ),
]


def register(app: typer.Typer) -> None:
    """Add `serve` and `demo` to the main app."""
    from filiera.cli import demo_cmd  # it serves with run_server

    @app.command()
    @handle_errors
    def serve(
        db: DbOption = None,
        host: Annotated[str | None, typer.Option(help="Bind address.")] = None,
        port: Annotated[int | None, typer.Option(help="Port.")] = None,
        workers: WorkersOption = 1,
    ) -> None:
        """Serve the web UI and REST API on the configured database."""
        database = open_db(db)
        run_server(cli_settings(db), database, host, port, workers)

    demo_cmd.register(app)
