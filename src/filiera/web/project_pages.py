"""Web pages of funded projects: the list (by programme, start year and text) and a project
with the participants the viewer may see."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from filiera.directory import projects
from filiera.directory.projects import ProjectFilter
from filiera.http.deps import RecordId, SessionDep, ViewerDep
from filiera.registry.schemas import parse
from filiera.web.forms import from_form
from filiera.web.pages import _page, pagination
from filiera.web.render import render

router = APIRouter(include_in_schema=False)
PROJECTS_PAGE = 25
FILTERS = ("programme", "year", "q")


@router.get("/projects", response_class=HTMLResponse)
def projects_page(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    """Funded projects, newest first; the filters are validated like the API's."""
    raw = {name: request.query_params.get(name, "").strip() for name in FILTERS}
    flt = parse(ProjectFilter, from_form(raw), "project filters")
    page = _page(request)
    found = projects.list_projects(session, viewer, flt, page=page, per_page=PROJECTS_PAGE)
    context = {
        "rows": found.data,
        "filters": raw,
        "options": projects.project_options(session),
        "paging": pagination(page, PROJECTS_PAGE, found.count),
    }
    return render(request, "projects.html", context)


@router.get("/projects/{project_id}", response_class=HTMLResponse)
def project_page(
    request: Request, session: SessionDep, viewer: ViewerDep, project_id: RecordId
) -> HTMLResponse:
    project = projects.project_detail(session, viewer, project_id)
    return render(request, "project.html", {"project": project})
