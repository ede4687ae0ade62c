"""Web pages of investment theses: the list, a thesis with the start-ups that fit it, and
the forms to publish, edit, close and delete one."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from filiera.access.viewer import Viewer
from filiera.errors import FilieraError, ValidationFailed
from filiera.http.auth import check_csrf
from filiera.http.deps import FormDep, RecordId, SessionDep, ViewerDep
from filiera.needs import service
from filiera.needs.schemas import ThesisIn, ThesisOut, ThesisPatch
from filiera.registry.schemas import parse
from filiera.web.need_forms import (
    THESIS_FIELDS,
    as_input,
    as_patch,
    choices,
    field_messages,
    posted,
)
from filiera.web.pages import _lang
from filiera.web.render import render

router = APIRouter(include_in_schema=False)
NEW_THESIS = {"visibility": "public", "status": "open"}


@router.get("/theses", response_class=HTMLResponse)
def theses_page(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    """Every thesis the viewer may see, open ones first."""
    theses = [service.thesis_out(t) for t in service.list_theses(session, viewer)]
    theses.sort(key=lambda t: t.status != "open")
    context = {"theses": theses, "may_publish": service.may(viewer, "thesis.publish")}
    return render(request, "theses.html", context)


# --- publishing and editing (before /theses/{thesis_id}) --------------------------------------


@router.get("/theses/new", response_class=HTMLResponse)
def new_thesis(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    owners = service.publishing_for(session, viewer, "thesis.publish")
    values = {**NEW_THESIS, "owner_id": str(owners[0][0]) if owners else ""}
    return thesis_form(request, viewer, owners, values)


@router.post("/theses/new", response_class=HTMLResponse)
def publish_thesis(
    request: Request, session: SessionDep, viewer: ViewerDep, form: FormDep
) -> Response:
    """Publish from the form; invalid fields come back marked, with what the user typed."""
    check_csrf(request, str(form.get("csrf_token", "")))
    owners = service.publishing_for(session, viewer, "thesis.publish")
    values = posted(form, THESIS_FIELDS)
    try:
        with session.begin_nested():
            data = parse(ThesisIn, as_input(values), "thesis")
            thesis = service.publish_thesis(session, viewer, data)
    except ValidationFailed as error:
        return thesis_form(request, viewer, owners, values, error)
    return RedirectResponse(f"/theses/{thesis.id}", status_code=303)


@router.get("/theses/{thesis_id}/edit", response_class=HTMLResponse)
def edit_thesis(
    request: Request, session: SessionDep, viewer: ViewerDep, thesis_id: RecordId
) -> HTMLResponse:
    thesis = service.thesis_out(service.editable_thesis(session, viewer, thesis_id))
    return thesis_form(request, viewer, [], thesis_values(thesis), record=thesis)


@router.post("/theses/{thesis_id}/edit", response_class=HTMLResponse)
def save_thesis(
    request: Request, session: SessionDep, viewer: ViewerDep, thesis_id: RecordId, form: FormDep
) -> Response:
    check_csrf(request, str(form.get("csrf_token", "")))
    record = service.thesis_out(service.editable_thesis(session, viewer, thesis_id))
    values = posted(form, THESIS_FIELDS)
    try:
        with session.begin_nested():
            patch = parse(ThesisPatch, as_patch(values), f"thesis {thesis_id}")
            service.change_thesis(session, viewer, thesis_id, patch)
    except ValidationFailed as error:
        return thesis_form(request, viewer, [], values, error, record=record)
    return RedirectResponse(f"/theses/{thesis_id}", status_code=303)


@router.post("/theses/{thesis_id}/status", response_class=HTMLResponse)
def set_thesis_status(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    thesis_id: RecordId,
    status: Annotated[str, Form(max_length=10)],
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Close or reopen a thesis."""
    check_csrf(request, csrf_token)
    patch = parse(ThesisPatch, {"status": status}, f"thesis {thesis_id}")
    service.change_thesis(session, viewer, thesis_id, patch)
    return RedirectResponse(f"/theses/{thesis_id}", status_code=303)


@router.post("/theses/{thesis_id}/delete", response_class=HTMLResponse)
def delete_thesis(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    thesis_id: RecordId,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    check_csrf(request, csrf_token)
    service.delete_thesis(session, viewer, thesis_id)
    return RedirectResponse("/theses", status_code=303)


def thesis_form(
    request: Request,
    viewer: Viewer,
    owners: list[tuple[int, str]],
    values: dict[str, Any],
    error: FilieraError | None = None,
    record: ThesisOut | None = None,
) -> HTMLResponse:
    """The publish form (`record` None) or the edit form of `record`, filled with `values`."""
    lang = _lang(request)
    context = {
        "values": values,
        "owners": owners,
        "owner_by_number": viewer.is_admin and not owners,
        "record": record,
        "errors": field_messages(error, lang, THESIS_FIELDS) if error else {},
        "choices": choices(lang),
    }
    return render(request, "thesis_form.html", context, status=error.status if error else 200)


def thesis_values(thesis: ThesisOut) -> dict[str, Any]:
    """A stored thesis as the edit form's values."""
    return {
        "title": thesis.title,
        "text": thesis.text,
        "lang": thesis.lang or "",
        "sectors": thesis.sectors,
        "stages": thesis.stages,
        "ticket_min": _amount(thesis.ticket_min),
        "ticket_max": _amount(thesis.ticket_max),
        "countries": " ".join(thesis.countries),
        "status": thesis.status,
        "visibility": thesis.visibility,
    }


def _amount(value: float | None) -> str:
    """`500000.0` -> `500000` (what a number input shows)."""
    return "" if value is None else f"{value:.2f}".removesuffix(".00")


# --- one thesis ------------------------------------------------------------------------------


@router.get("/theses/{thesis_id}", response_class=HTMLResponse)
def thesis_page(
    request: Request, session: SessionDep, viewer: ViewerDep, thesis_id: RecordId
) -> HTMLResponse:
    thesis = service.get_thesis(session, viewer, thesis_id)
    lang = _lang(request)
    context = {
        "thesis": service.thesis_out(thesis),
        "result": service.startups_for(session, viewer, thesis_id, top=20, explain_lang=lang),
        "can_edit": service.may_change(viewer, "thesis.publish", thesis.owner_id),
    }
    return render(request, "thesis.html", context)
