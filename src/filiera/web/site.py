"""The web UI's routers, in the order the app mounts them (specific paths first)."""

from fastapi import APIRouter

from filiera.web import (
    account_pages,
    admin_pages,
    api_docs,
    match_pages,
    membership_pages,
    pages,
)

ROUTERS: tuple[APIRouter, ...] = (
    api_docs.router,
    account_pages.router,
    admin_pages.router,
    match_pages.router,
    membership_pages.router,
    pages.router,
)
