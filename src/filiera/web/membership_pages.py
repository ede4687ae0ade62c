"""An organisation's invitations to join clusters: its own users accept or decline them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from filiera.db import savepoint
from filiera.directory import invitations, queries
from filiera.errors import FilieraError
from filiera.http.auth import check_csrf
from filiera.http.deps import RecordId, SessionDep, ViewerDep
from filiera.web.render import render

router = APIRouter(include_in_schema=False)


def _page(request, session, viewer, org_id: int, error: FilieraError | None = None, status=200):
    found = invitations.for_organisation(session, viewer, org_id)
    org = queries.get_organisation(session, org_id, viewer=viewer)
    context = {"org": org, "invitations": found, "error": error}
    return render(request, "invitations.html", context, status=status)


@router.get("/organisations/{org_id}/invitations", response_class=HTMLResponse)
def invitations_page(
    request: Request, session: SessionDep, viewer: ViewerDep, org_id: RecordId
) -> HTMLResponse:
    """The organisation's invitations (its own users and admins)."""
    return _page(request, session, viewer, org_id)


@router.post("/organisations/{org_id}/invitations/{invitation_id}", response_class=HTMLResponse)
def answer(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    org_id: RecordId,
    invitation_id: RecordId,
    decision: Annotated[invitations.Decision, Form()],
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Accept or decline; errors (already answered, withdrawn) are shown on the page."""
    check_csrf(request, csrf_token)
    try:
        with savepoint(session):
            invitations.decide(session, viewer, org_id, invitation_id, decision)
    except FilieraError as error:
        if error.status not in (409,):
            raise
        return _page(request, session, viewer, org_id, error, status=error.status)
    return RedirectResponse(f"/organisations/{org_id}/invitations", status_code=303)
