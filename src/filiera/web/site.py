"""The web UI's routers, in the order the app mounts them (specific paths first)."""

from fastapi import APIRouter

from filiera.web import (
    account_pages,
    admin_pages,
    api_docs,
    bid_pages,
    call_pages,
    capacity_pages,
    consortium_pages,
    event_pages,
    introduction_pages,
    match_pages,
    meeting_pages,
    membership_pages,
    need_pages,
    news_pages,
    pages,
    project_pages,
    shortlist_pages,
    system_pages,
    thesis_pages,
    whynot_pages,
)

ROUTERS: tuple[APIRouter, ...] = (
    api_docs.router,
    account_pages.router,
    admin_pages.router,
    system_pages.router,
    introduction_pages.router,
    whynot_pages.router,
    match_pages.router,
    shortlist_pages.router,
    membership_pages.router,
    need_pages.router,
    thesis_pages.router,
    call_pages.router,
    consortium_pages.router,
    bid_pages.router,
    event_pages.router,
    capacity_pages.router,
    news_pages.router,
    meeting_pages.router,
    project_pages.router,
    pages.router,
)
