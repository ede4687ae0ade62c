"""`/api/projects`: funded projects with the participants you may see."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from filiera.api.responses import errors
from filiera.directory import projects
from filiera.directory.filters import PAGE_SIZE
from filiera.directory.projects import ProjectDetail, ProjectFilter, ProjectPage
from filiera.http.deps import Page, PerPage, RecordId, SessionDep, ViewerDep

router = APIRouter(
    prefix="/api",
    tags=["projects"],
    responses=errors({404: "No such project", 422: "Invalid parameters"}),
)


@router.get("/projects", response_model=ProjectPage)
def list_projects(
    session: SessionDep,
    viewer: ViewerDep,
    flt: Annotated[ProjectFilter, Query()],
    page: Page = 1,
    per_page: PerPage = PAGE_SIZE,
) -> ProjectPage:
    """Funded projects, newest first, by programme, start year and text; each with the count
    of its participants you may see."""
    return projects.list_projects(session, viewer, flt, page=page, per_page=per_page)


@router.get("/projects/{project_id}", response_model=ProjectDetail)
def get_project(session: SessionDep, viewer: ViewerDep, project_id: RecordId) -> ProjectDetail:
    """A project with the participants you may see and their roles."""
    return projects.project_detail(session, viewer, project_id)
