"""Web pages of needs and challenges: the list, a need with its candidates and interests,
and the forms to publish, edit, close and delete one."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from filiera.access.viewer import Viewer
from filiera.errors import FilieraError, ValidationFailed
from filiera.http.auth import check_csrf
from filiera.http.deps import FormDep, RecordId, SessionDep, ViewerDep
from filiera.needs import service
from filiera.needs.schemas import InterestIn, NeedIn, NeedOut, NeedPatch
from filiera.registry.schemas import parse
from filiera.web.messages import error_text
from filiera.web.need_forms import (
    NEED_FIELDS,
    as_input,
    as_patch,
    choices,
    field_messages,
    posted,
)
from filiera.web.pages import _lang
from filiera.web.render import render

router = APIRouter(include_in_schema=False)
LISTS = {"open": "open", "closed": "closed", "all": None}  # ?status= of the needs page
NEW_NEED = {"kind": "need", "visibility": "public", "status": "open"}


@router.get("/needs", response_class=HTMLResponse)
def needs_page(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    """Open needs (or closed, or all), and open theses, the viewer may see."""
    shown = request.query_params.get("status", "open")
    shown = shown if shown in LISTS else "open"
    context = {
        "needs": service.list_needs(session, viewer, status=LISTS[shown]),
        "theses": service.list_theses(session, viewer, status="open"),
        "shown": shown,
        "may_publish": service.may(viewer, "need.publish"),
    }
    return render(request, "needs.html", context)


# --- publishing and editing (before /needs/{need_id}, which would read "new" as an id) ------


@router.get("/needs/new", response_class=HTMLResponse)
def new_need(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    owners = service.publishing_for(session, viewer, "need.publish")
    values = {**NEW_NEED, "owner_id": str(owners[0][0]) if owners else ""}
    return need_form(request, viewer, owners, values)


@router.post("/needs/new", response_class=HTMLResponse)
def publish_need(
    request: Request, session: SessionDep, viewer: ViewerDep, form: FormDep
) -> Response:
    """Publish from the form; invalid fields come back marked, with what the user typed."""
    check_csrf(request, str(form.get("csrf_token", "")))
    owners = service.publishing_for(session, viewer, "need.publish")
    values = posted(form, NEED_FIELDS)
    try:
        with session.begin_nested():
            need = service.publish_need(session, viewer, parse(NeedIn, as_input(values), "need"))
    except ValidationFailed as error:
        return need_form(request, viewer, owners, values, error)
    return RedirectResponse(f"/needs/{need.id}", status_code=303)


@router.get("/needs/{need_id}/edit", response_class=HTMLResponse)
def edit_need(
    request: Request, session: SessionDep, viewer: ViewerDep, need_id: RecordId
) -> HTMLResponse:
    need = service.need_out(service.editable_need(session, viewer, need_id))
    return need_form(request, viewer, [], need_values(need), record=need)


@router.post("/needs/{need_id}/edit", response_class=HTMLResponse)
def save_need(
    request: Request, session: SessionDep, viewer: ViewerDep, need_id: RecordId, form: FormDep
) -> Response:
    check_csrf(request, str(form.get("csrf_token", "")))
    record = service.need_out(service.editable_need(session, viewer, need_id))
    values = posted(form, NEED_FIELDS)
    try:
        with session.begin_nested():
            patch = parse(NeedPatch, as_patch(values), f"need {need_id}")
            service.change_need(session, viewer, need_id, patch)
    except ValidationFailed as error:
        return need_form(request, viewer, [], values, error, record=record)
    return RedirectResponse(f"/needs/{need_id}", status_code=303)


@router.post("/needs/{need_id}/status", response_class=HTMLResponse)
def set_need_status(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    need_id: RecordId,
    status: Annotated[str, Form(max_length=10)],
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Close or reopen a need."""
    check_csrf(request, csrf_token)
    patch = parse(NeedPatch, {"status": status}, f"need {need_id}")
    service.change_need(session, viewer, need_id, patch)
    return RedirectResponse(f"/needs/{need_id}", status_code=303)


@router.post("/needs/{need_id}/delete", response_class=HTMLResponse)
def delete_need(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    need_id: RecordId,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    check_csrf(request, csrf_token)
    service.delete_need(session, viewer, need_id)
    return RedirectResponse("/needs", status_code=303)


def need_form(
    request: Request,
    viewer: Viewer,
    owners: list[tuple[int, str]],
    values: dict[str, Any],
    error: FilieraError | None = None,
    record: NeedOut | None = None,
) -> HTMLResponse:
    """The publish form (`record` None) or the edit form of `record`, filled with `values`."""
    lang = _lang(request)
    context = {
        "values": values,
        "owners": owners,
        "owner_by_number": viewer.is_admin and not owners,
        "record": record,
        "errors": field_messages(error, lang, NEED_FIELDS) if error else {},
        "choices": choices(lang),
    }
    return render(request, "need_form.html", context, status=error.status if error else 200)


def need_values(need: NeedOut) -> dict[str, Any]:
    """A stored need as the edit form's values."""
    return {
        "kind": need.kind,
        "title": need.title,
        "text": need.text,
        "lang": need.lang or "",
        "capabilities": need.capabilities,
        "trl_min": str(need.trl_min or ""),
        "trl_max": str(need.trl_max or ""),
        "countries": " ".join(need.countries),
        "deadline": need.deadline.isoformat() if need.deadline else "",
        "status": need.status,
        "visibility": need.visibility,
        "markings": need.markings,
    }


# --- one need: candidates and interests -------------------------------------------------------


@router.get("/needs/{need_id}", response_class=HTMLResponse)
def need_page(
    request: Request, session: SessionDep, viewer: ViewerDep, need_id: RecordId
) -> HTMLResponse:
    return _need_page(request, session, viewer, need_id)


def _need_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    need_id: int,
    error: FilieraError | None = None,
) -> HTMLResponse:
    """The need, its candidates and interests; the viewer's organisations that already
    expressed interest are shown as such, the others get the form (while it is open)."""
    lang = _lang(request)
    need = service.get_need(session, viewer, need_id)
    interests = service.interests_of(session, viewer, need_id)
    mine = [i for i in interests if i.organisation_id in viewer.org_ids]
    done = {i.organisation_id for i in mine}
    may_interest = service.may(viewer, "need.interest") and service.is_open(need)
    context = {
        "need": service.need_out(need, service.interest_count(session, viewer, need)),
        "result": service.candidates(session, viewer, need_id, top=20, explain_lang=lang),
        "interests": interests,
        "mine": mine,
        "error": error_text(error, lang) if error else None,
        "my_orgs": [o for o in service.acting_for(session, viewer) if o[0] not in done]
        if may_interest
        else [],
        "can_edit": service.may_change(viewer, "need.publish", need.owner_id),
    }
    return render(request, "need.html", context, status=error.status if error else 200)


@router.post("/needs/{need_id}/interest", response_class=HTMLResponse)
def express_interest(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    need_id: RecordId,
    organisation_id: Annotated[int, Form(ge=1)],
    note: Annotated[str, Form(max_length=4000)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    check_csrf(request, csrf_token)
    try:
        with session.begin_nested():
            data = InterestIn(organisation_id=organisation_id, note=note or None)
            service.express_interest(session, viewer, need_id, data)
    except FilieraError as error:
        if error.status in (401, 403, 404):
            raise
        return _need_page(request, session, viewer, need_id, error)
    return RedirectResponse(f"/needs/{need_id}", status_code=303)
