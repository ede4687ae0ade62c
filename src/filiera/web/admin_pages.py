"""Admin pages: user accounts (`/users`) and an organisation's access settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from filiera.access import records, users
from filiera.access.models import ROLES
from filiera.access.records import AccessIn
from filiera.db import savepoint
from filiera.directory import service
from filiera.errors import ValidationFailed
from filiera.http.auth import check_csrf
from filiera.http.deps import FormDep, RecordId, SessionDep, ViewerDep
from filiera.registry import fields
from filiera.registry.markings import markings
from filiera.registry.schemas import parse
from filiera.web.render import render

router = APIRouter(include_in_schema=False)
LEVELS = fields.VISIBILITY_LEVELS
SENSITIVE = fields.sensitive("organisation")


def _users_page(request, session, viewer, error: ValidationFailed | None = None, status=200):
    found = users.list_users(session, viewer) if viewer.is_admin else []
    context = {"users": found, "roles": ROLES, "error": error}
    return render(request, "users.html", context, status=status)


@router.get("/users", response_class=HTMLResponse)
def users_page(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    users.list_users(session, viewer)  # admins only
    return _users_page(request, session, viewer)


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
    check_csrf(request, csrf_token)
    ids = [int(x) for x in organisations.replace(",", " ").split() if x.isdigit()]
    data = {"email": email, "name": name, "password": password, "role": role, "organisations": ids}
    try:
        with savepoint(session):
            users.add_user(session, viewer, parse(users.UserIn, data, f"user {email}"))
    except ValidationFailed as error:
        return _users_page(request, session, viewer, error, status=error.status)
    return RedirectResponse("/users", status_code=303)


@router.post("/users/{user_id}/active")
def set_active(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    user_id: RecordId,
    active: Annotated[bool, Form()],
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    check_csrf(request, csrf_token)
    try:
        with savepoint(session):
            users.change_user(session, viewer, user_id, users.UserPatch(active=active))
    except ValidationFailed as error:
        return _users_page(request, session, viewer, error, status=error.status)
    return RedirectResponse("/users", status_code=303)


def _access_page(request, session, org, error=None, status=200) -> HTMLResponse:
    context = {
        "org": org,
        "access": records.access_of(session, org),  # `org` passed service.editable
        "levels": LEVELS,
        "roles": ROLES,
        "markings": list(markings()),
        "error": error,
        "field_labels": {name: fields.get("organisation", name).labels for name in SENSITIVE},
    }
    return render(request, "access.html", context, status=status)


@router.get("/organisations/{org_id}/access", response_class=HTMLResponse)
def access_page(
    request: Request, session: SessionDep, viewer: ViewerDep, org_id: RecordId
) -> HTMLResponse:
    org = service.editable(session, viewer, org_id)
    return _access_page(request, session, org)


@router.post("/organisations/{org_id}/access", response_class=HTMLResponse)
def save_access(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    org_id: RecordId,
    form: FormDep,
) -> Response:
    check_csrf(request, str(form.get("csrf_token", "")))
    org = service.editable(session, viewer, org_id)
    grant_orgs = [
        int(x) for x in str(form.get("grant_orgs", "")).replace(",", " ").split() if x.isdigit()
    ]
    change = {
        "visibility": form.get("visibility"),
        "field_visibility": {
            name: form.get(f"field_{name}") for name in SENSITIVE if form.get(f"field_{name}")
        },
        "grants": [{"organisation_id": i} for i in grant_orgs]
        + [{"role": r} for r in form.getlist("grant_roles")],
        "markings": form.getlist("markings"),
    }
    try:
        with savepoint(session):
            wanted = parse(AccessIn, change, f"organisation {org_id}")
            service.change_access(session, viewer, org_id, wanted)
    except ValidationFailed as error:
        return _access_page(request, session, org, error, status=error.status)
    return RedirectResponse(f"/organisations/{org_id}", status_code=303)
