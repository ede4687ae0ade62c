"""The application factory: REST API under /api, web UI, static files, error handlers."""

from __future__ import annotations

from functools import partial

from fastapi import FastAPI

from filiera import __version__, api, logs, metrics
from filiera.db import Database
from filiera.http import errors, headers, observe
from filiera.http.auth import Limiters
from filiera.http.limits import BodyLimit
from filiera.match import ranker
from filiera.ops.health import index_state
from filiera.settings import Settings, get_settings
from filiera.web import STATIC_DIR, site
from filiera.web.assets import Assets
from filiera.web.errors import error_page

DESCRIPTION = (
    "Open registry and matchmaking platform for Europe's defence and aerospace industrial "
    'ecosystems. Every error answers `{"error": {"code", "message", "details"}}`. '
    "EU data: European Commission, Funding & Tenders portal / CORDIS, CC BY 4.0."
)


def create_app(database: Database | None = None, settings: Settings | None = None) -> FastAPI:
    """Build the app on `database` (default: the one `settings` names), creating it if new.

    `settings` defaults to the environment's; a production `Settings` with a weak secret
    cannot be built, so the app never starts with one.
    """
    settings = settings or get_settings()
    logs.configure_logging(settings.log_format, settings.log_level)
    database = database or Database.from_settings(settings)
    database.ensure_ready()
    app = FastAPI(
        title="Filiera",
        version=__version__,
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
    )
    app.state.db = database
    app.state.settings = settings
    app.state.limiters = Limiters(database, settings)
    if settings.ranker_path is not None:
        ranker.use_model(settings.ranker_path)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    errors.install(app, html_page=error_page)
    for router in (*api.ROUTERS, *site.ROUTERS):
        app.include_router(router)
    app.mount("/static", Assets(directory=STATIC_DIR), name="static")
    metrics.watch_index(partial(index_state, database))
    observe.install(app)
    headers.install(app)
    return app
