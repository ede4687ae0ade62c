"""The application factory: REST API under /api, web UI, static files, error handlers."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from filiera import __version__
from filiera.api import (
    access_routes,
    audit_routes,
    catalogue,
    docs,
    errors,
    match_routes,
    memberships,
    organisations,
    review,
)
from filiera.api.auth import Limiters
from filiera.api.limits import BodyLimit
from filiera.db import Database
from filiera.settings import Settings, get_settings
from filiera.web import STATIC_DIR, account_pages, admin_pages, match_pages
from filiera.web import pages as web_pages

DESCRIPTION = (
    "Open registry and matchmaking platform for Europe's defence and aerospace industrial "
    'ecosystems. Every error answers `{"error": {"code", "message", "details"}}`. '
    "EU data: European Commission, Funding & Tenders portal / CORDIS, CC BY 4.0."
)


def create_app(database: Database | None = None, settings: Settings | None = None) -> FastAPI:
    """Build the app on `database` (default: the configured one), creating it if new."""
    settings = settings or get_settings()
    settings.check_production()
    database = database or Database(settings.database_url)
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
    app.state.limiters = Limiters(settings)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    errors.install(app)
    app.include_router(access_routes.router)
    app.include_router(audit_routes.router)
    app.include_router(organisations.build_router(settings))
    app.include_router(catalogue.build_router(settings))
    app.include_router(review.router)
    app.include_router(memberships.router)
    app.include_router(match_routes.router)
    app.include_router(docs.router)
    app.include_router(account_pages.router)
    app.include_router(admin_pages.router)
    app.include_router(match_pages.router)
    app.include_router(web_pages.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
