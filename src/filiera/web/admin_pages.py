"""Admin pages: user accounts (`/users`) and an organisation's access settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from filiera.access import accounts, policy, records
from filiera.access.markings import markings
from filiera.access.models import ROLES
from filiera.api.auth import ViewerDep, check_csrf
from filiera.api.deps import SessionDep
from filiera.errors import ValidationFailed
from filiera.registry import queries
from filiera.registry.schemas import parse
from filiera.web.render import render

router = APIRouter(include_in_schema=False)
Id = Annotated[int, PathParam(ge=1)]
LEVELS = ("public", "members", "restricted", "owner")


def _users_page(request, session, error: ValidationFailed | None = None, status: int = 200):
    users = accounts.list_users(session)
    context = {"users": users, "roles": ROLES, "error": error}
    return render(request, "users.html", context, status=status)


@router.get("/users", response_class=HTMLResponse)
def users_page(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    policy.require_role(viewer, "user.manage")
    return _users_page(request, session)


@router.post("/users", response_class=HTMLResponse)
def add_user(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    email: Annotated[str, Form(max_length=254)],
    name: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=1024)],
    role: Annotated[str, Form(max_length=20)] = "viewer",
    organisations: Annotated[str, Form(max_length=500)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    policy.require_role(viewer, "user.manage")
    check_csrf(request, csrf_token)
    ids = [int(x) for x in organisations.replace(",", " ").split() if x.isdigit()]
    try:
        with session.begin_nested():
            accounts.add_user(session, email, name, password, role=role, org_ids=ids)
    except ValidationFailed as error:
        return _users_page(request, session, error, status=error.status)
    return RedirectResponse("/users", status_code=303)


@router.post("/users/{user_id}/active")
def set_active(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    user_id: Id,
    active: Annotated[bool, Form()],
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    policy.require_role(viewer, "user.manage")
    check_csrf(request, csrf_token)
    if user_id != viewer.user_id:
        accounts.set_active(session, accounts.get_user(session, user_id), active)
    return RedirectResponse("/users", status_code=303)


def _access_page(request, session, org, error=None, status: int = 200) -> HTMLResponse:
    context = {
        "org": org, "access": records.access_of(session, org), "levels": LEVELS,
        "roles": ROLES, "markings": list(markings()), "error": error,
    }  # fmt: skip
    return render(request, "access.html", context, status=status)


@router.get("/organisations/{org_id}/access", response_class=HTMLResponse)
def access_page(
    request: Request, session: SessionDep, viewer: ViewerDep, org_id: Id
) -> HTMLResponse:
    org = queries.get_organisation(session, org_id, viewer=viewer)
    policy.require_edit(viewer, org)
    return _access_page(request, session, org)


@router.post("/organisations/{org_id}/access", response_class=HTMLResponse)
async def save_access(
    request: Request, session: SessionDep, viewer: ViewerDep, org_id: Id
) -> Response:
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token", "")))
    org = queries.get_organisation(session, org_id, viewer=viewer)
    policy.require_edit(viewer, org)
    grant_orgs = [int(x) for x in str(form.get("grant_orgs", "")).replace(",", " ").split()
                  if x.isdigit()]  # fmt: skip
    change = {
        "visibility": form.get("visibility"),
        "field_visibility": {
            name: form.get(f"field_{name}") for name in ("employees", "revenue_band")
            if form.get(f"field_{name}")
        },
        "grants": [{"organisation_id": i} for i in grant_orgs]
        + [{"role": r} for r in form.getlist("grant_roles")],
        "markings": form.getlist("markings"),
    }  # fmt: skip
    try:
        with session.begin_nested():
            records.set_access(
                session, org, parse(records.AccessIn, change, f"organisation {org_id}")
            )
    except ValidationFailed as error:
        return _access_page(request, session, org, error, status=error.status)
    return RedirectResponse(f"/organisations/{org_id}", status_code=303)
