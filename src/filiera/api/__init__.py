"""The REST API under /api: one router per resource; the rules live in the services."""

from fastapi import APIRouter

from filiera.api import (
    accounts,
    audit,
    bids,
    calls,
    capacity,
    catalogue,
    clusters,
    consortia,
    events,
    introductions,
    match,
    meetings,
    needs,
    news,
    organisations,
    projects,
    review,
    shortlists,
    theses,
    whynot,
)

ROUTERS: tuple[APIRouter, ...] = (
    accounts.router,
    audit.router,
    organisations.router,
    clusters.router,
    introductions.router,
    projects.router,
    catalogue.router,
    review.router,
    match.router,
    whynot.router,
    shortlists.router,
    needs.router,
    theses.router,
    calls.router,
    consortia.router,
    bids.router,
    events.router,
    meetings.router,
    capacity.router,
    news.router,
)
