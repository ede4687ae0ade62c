"""Web pages of needs and challenges: the list, a need with its candidates and interests,
and the forms to publish, edit, close and delete one."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from filiera.access.viewer import Viewer
from filiera.db import savepoint
from filiera.errors import FilieraError
from filiera.http.auth import check_csrf
from filiera.http.deps import FormDep, RecordId, SessionDep, ViewerDep
from filiera.needs import service
from filiera.needs.schemas import InterestIn, NeedIn, NeedOut, NeedPatch
from filiera.web import record_forms
from filiera.web.messages import error_text, ranked_or_reason
from filiera.web.need_forms import NEED_FIELDS
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


NEED_FORM = record_forms.RecordForm(
    noun="need",
    prefix="/needs",
    template="need_form.html",
    fields=NEED_FIELDS,
    defaults=NEW_NEED,
    new_schema=NeedIn,
    patch_schema=NeedPatch,
    publish=service.publish_need,
    change=service.change_need,
    delete=service.delete_need,
    editable=service.editable_need,
    out=service.need_out,
    values=need_values,
)


@router.get("/needs/new", response_class=HTMLResponse)
def new_need(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    return record_forms.new_form(NEED_FORM, request, session, viewer)


@router.post("/needs/new", response_class=HTMLResponse)
def publish_need(
    request: Request, session: SessionDep, viewer: ViewerDep, form: FormDep
) -> Response:
    return record_forms.publish(NEED_FORM, request, session, viewer, form)


@router.get("/needs/{need_id}/edit", response_class=HTMLResponse)
def edit_need(
    request: Request, session: SessionDep, viewer: ViewerDep, need_id: RecordId
) -> HTMLResponse:
    return record_forms.edit_form(NEED_FORM, request, session, viewer, need_id)


@router.post("/needs/{need_id}/edit", response_class=HTMLResponse)
def save_need(
    request: Request, session: SessionDep, viewer: ViewerDep, need_id: RecordId, form: FormDep
) -> Response:
    return record_forms.save(NEED_FORM, request, session, viewer, need_id, form)


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
    return record_forms.set_status(NEED_FORM, request, session, viewer, need_id, status, csrf_token)


@router.post("/needs/{need_id}/delete", response_class=HTMLResponse)
def delete_need(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    need_id: RecordId,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    return record_forms.delete(NEED_FORM, request, session, viewer, need_id, csrf_token)


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
    result, nothing_to_match = ranked_or_reason(
        lambda: service.candidates(session, viewer, need_id, top=20, explain_lang=lang), lang
    )
    context = {
        "need": service.need_out(need, service.interest_count(session, viewer, need)),
        "result": result,
        "nothing_to_match": nothing_to_match,
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
        with savepoint(session):
            data = InterestIn(organisation_id=organisation_id, note=note or None)
            service.express_interest(session, viewer, need_id, data)
    except FilieraError as error:
        if error.status in (401, 403, 404):
            raise
        return _need_page(request, session, viewer, need_id, error)
    return RedirectResponse(f"/needs/{need_id}", status_code=303)
