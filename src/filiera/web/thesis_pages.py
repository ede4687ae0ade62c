"""Web pages of investment theses: the list, a thesis with the start-ups that fit it, and
the forms to publish, edit, close and delete one."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from filiera.http.deps import FormDep, RecordId, SessionDep, ViewerDep
from filiera.needs import service
from filiera.needs.schemas import ThesisIn, ThesisOut, ThesisPatch
from filiera.web import record_forms
from filiera.web.messages import ranked_or_reason
from filiera.web.need_forms import THESIS_FIELDS
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


THESIS_FORM = record_forms.RecordForm(
    noun="thesis",
    prefix="/theses",
    template="thesis_form.html",
    fields=THESIS_FIELDS,
    defaults=NEW_THESIS,
    new_schema=ThesisIn,
    patch_schema=ThesisPatch,
    publish=service.publish_thesis,
    change=service.change_thesis,
    delete=service.delete_thesis,
    editable=service.editable_thesis,
    out=service.thesis_out,
    values=thesis_values,
)


@router.get("/theses/new", response_class=HTMLResponse)
def new_thesis(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    return record_forms.new_form(THESIS_FORM, request, session, viewer)


@router.post("/theses/new", response_class=HTMLResponse)
def publish_thesis(
    request: Request, session: SessionDep, viewer: ViewerDep, form: FormDep
) -> Response:
    return record_forms.publish(THESIS_FORM, request, session, viewer, form)


@router.get("/theses/{thesis_id}/edit", response_class=HTMLResponse)
def edit_thesis(
    request: Request, session: SessionDep, viewer: ViewerDep, thesis_id: RecordId
) -> HTMLResponse:
    return record_forms.edit_form(THESIS_FORM, request, session, viewer, thesis_id)


@router.post("/theses/{thesis_id}/edit", response_class=HTMLResponse)
def save_thesis(
    request: Request, session: SessionDep, viewer: ViewerDep, thesis_id: RecordId, form: FormDep
) -> Response:
    return record_forms.save(THESIS_FORM, request, session, viewer, thesis_id, form)


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
    return record_forms.set_status(
        THESIS_FORM, request, session, viewer, thesis_id, status, csrf_token
    )


@router.post("/theses/{thesis_id}/delete", response_class=HTMLResponse)
def delete_thesis(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    thesis_id: RecordId,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    return record_forms.delete(THESIS_FORM, request, session, viewer, thesis_id, csrf_token)


# --- one thesis ------------------------------------------------------------------------------


@router.get("/theses/{thesis_id}", response_class=HTMLResponse)
def thesis_page(
    request: Request, session: SessionDep, viewer: ViewerDep, thesis_id: RecordId
) -> HTMLResponse:
    thesis = service.get_thesis(session, viewer, thesis_id)
    lang = _lang(request)
    result, nothing_to_match = ranked_or_reason(
        lambda: service.startups_for(session, viewer, thesis_id, top=20, explain_lang=lang), lang
    )
    context = {
        "thesis": service.thesis_out(thesis),
        "result": result,
        "nothing_to_match": nothing_to_match,
        "can_edit": service.may_change(viewer, "thesis.publish", thesis.owner_id),
    }
    return render(request, "thesis.html", context)
