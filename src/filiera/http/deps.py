"""Every `Annotated` dependency alias of the routes and pages, in one place."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query
from sqlalchemy.orm import Session

from filiera.access.viewer import Viewer
from filiera.db import Database
from filiera.directory.filters import PAGE_SIZE, PAGE_SIZE_MAX
from filiera.http.auth import get_viewer
from filiera.http.providers import get_app_settings, get_database, get_session
from filiera.settings import Settings

DatabaseDep = Annotated[Database, Depends(get_database)]
SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
ViewerDep = Annotated[Viewer, Depends(get_viewer)]

Page = Annotated[int, Query(ge=1, description="Page number, from 1")]
PerPage = Annotated[int, Query(ge=1, le=PAGE_SIZE_MAX, description="Rows per page")]
Top = Annotated[int, Query(ge=1, le=200, description="How many results")]
RecordId = Annotated[int, Path(ge=1, description="Filiera record id", examples=[42])]

__all__ = [
    "DatabaseDep",
    "SessionDep",
    "SettingsDep",
    "ViewerDep",
    "Page",
    "PerPage",
    "Top",
    "RecordId",
    "PAGE_SIZE",
]
