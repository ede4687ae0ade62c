"""The REST API under /api: one router per resource; the rules live in the services."""

from fastapi import APIRouter

from filiera.api import (
    accounts,
    audit,
    catalogue,
    clusters,
    match,
    needs,
    organisations,
    projects,
    review,
    theses,
)

ROUTERS: tuple[APIRouter, ...] = (
    accounts.router,
    audit.router,
    organisations.router,
    clusters.router,
    projects.router,
    catalogue.router,
    review.router,
    match.router,
    needs.router,
    theses.router,
)
