"""What a request gets from the app: its database, one unit of work, the settings."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from filiera.db import Database
from filiera.settings import Settings


def get_database(request: Request) -> Database:
    """The Database handle stored on the app by `create_app`."""
    return request.app.state.db


def get_session(request: Request) -> Iterator[Session]:
    """A unit of work for one request: committed on success, rolled back on error."""
    with get_database(request).session() as session:
        yield session


# "function": the unit of work commits before the response leaves (FastAPI's default
# scope would commit after it, so a client reading right after a write could miss it).
RequestSession = Annotated[Session, Depends(get_session, scope="function")]


def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


async def read_form(request: Request) -> FormData:
    """The posted form, awaited here so the page reading it can be a plain (threaded) def."""
    return await request.form()
