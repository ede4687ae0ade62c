"""Every `Annotated` dependency alias of the routes and pages, in one place."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query
from starlette.datastructures import FormData

from filiera.access.viewer import Viewer
from filiera.db import Database
from filiera.directory.filters import PAGE_SIZE_MAX
from filiera.http.auth import get_viewer
from filiera.http.providers import RequestSession, get_app_settings, get_database, read_form
from filiera.match.requests import TOP_MAX
from filiera.settings import Settings

DatabaseDep = Annotated[Database, Depends(get_database)]
SessionDep = RequestSession
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
ViewerDep = Annotated[Viewer, Depends(get_viewer)]
FormDep = Annotated[FormData, Depends(read_form)]

Page = Annotated[int, Query(ge=1, description="Page number, from 1")]
PerPage = Annotated[int, Query(ge=1, le=PAGE_SIZE_MAX, description="Rows per page")]
Top = Annotated[int, Query(ge=1, le=TOP_MAX, description="How many results")]
RecordId = Annotated[int, Path(ge=1, description="Filiera record id", examples=[42])]
