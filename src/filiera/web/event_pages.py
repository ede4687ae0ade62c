"""Web pages of B2B events: the list, the new-event form, an event with its registration
form, participant directory and suggestions, and the meeting requests. The rules live in
`events.events`, `participants`, `requests` and `suggestions`; these pages only translate."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from filiera.access.viewer import Viewer
from filiera.db import savepoint
from filiera.errors import FilieraError
from filiera.events import events, participants, requests, suggestions
from filiera.events.models import EVENT_STATUSES
from filiera.events.schemas import EventIn, ParticipantIn, RequestIn
from filiera.http.auth import check_csrf
from filiera.http.deps import FormDep, RecordId, SessionDep, ViewerDep
from filiera.needs.service import acting_for, may, publishing_for
from filiera.registry.fields import VISIBILITY_LEVELS
from filiera.registry.models import ORG_KINDS
from filiera.registry.schemas import parse
from filiera.web import event_words as words
from filiera.web.account_pages import safe_next
from filiera.web.pages import _lang

router = APIRouter(include_in_schema=False)
Csrf = Annotated[str, Form(max_length=200)]
SHOWN = (409, 422)  # errors said on the page; 401, 403 and 404 get the error page
SUGGESTED = 8


def _shown(error: FilieraError, fields: tuple[str, ...]) -> bool:
    """Whether the page says the error next to its form (else the error page does)."""
    return error.status in SHOWN or (error.status == 404 and words.names_a_field(error, fields))


def _with_error(context: dict[str, Any], error: FilieraError | None, fields, lang: str) -> None:
    if error is None:
        context.update(headline=None, lines=[], errors={})
        return
    headline, lines = words.error_lines(error, lang, fields)
    context.update(headline=headline, lines=lines, errors=words.invalid_fields(lines))


# --- the list and the new-event form --------------------------------------------------------


@router.get("/events", response_class=HTMLResponse)
def events_page(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    """The events the viewer may see, soonest first, with the participants they may count."""
    rows = [
        (
            events.event_out(session, viewer, event),
            participants.count_participants(session, viewer, event),
        )
        for event in events.list_events(session, viewer)
    ]
    context = {"rows": rows, "may_organise": may(viewer, "event.organise")}
    return words.page(request, "events.html", context)


@router.get("/events/new", response_class=HTMLResponse)
def new_event(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    owners = publishing_for(session, viewer, "event.organise")
    values = {**words.NEW_EVENT, "owner_id": str(owners[0][0]) if owners else ""}
    return _event_form(request, viewer, owners, values)


@router.post("/events/new", response_class=HTMLResponse)
def create_event(
    request: Request, session: SessionDep, viewer: ViewerDep, form: FormDep
) -> Response:
    """Create the event from the form; errors come back above it, with what was typed."""
    check_csrf(request, str(form.get("csrf_token", "")))
    owners = publishing_for(session, viewer, "event.organise")
    values = words.posted(form, words.EVENT_FIELDS)
    try:
        with savepoint(session):
            data = parse(EventIn, words.event_input(values), "event")
            event = events.create_event(session, viewer, data)
    except FilieraError as error:
        if not _shown(error, words.EVENT_FIELDS):
            raise
        return _event_form(request, viewer, owners, values, error)
    return RedirectResponse(f"/events/{event.id}", status_code=303)


def _event_form(
    request: Request,
    viewer: Viewer,
    owners: list[tuple[int, str]],
    values: dict[str, Any],
    error: FilieraError | None = None,
) -> HTMLResponse:
    context: dict[str, Any] = {
        "values": values,
        "owners": owners,
        "owner_by_number": viewer.is_admin and not owners,
        "levels": list(VISIBILITY_LEVELS),
        "statuses": [s for s in EVENT_STATUSES if s != "closed"],
    }
    _with_error(context, error, words.EVENT_FIELDS, _lang(request))
    return words.page(request, "event_new.html", context, status=error.status if error else 200)


# --- one event ------------------------------------------------------------------------------


@router.get("/events/{event_id}", response_class=HTMLResponse)
def event_page(
    request: Request, session: SessionDep, viewer: ViewerDep, event_id: RecordId
) -> HTMLResponse:
    return _event_page(request, session, viewer, event_id)


def _filters(request: Request) -> dict[str, str]:
    return {k: request.query_params.get(k, "").strip()[:100] for k in ("q", "kind", "country")}


def _event_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    event_id: int,
    error: FilieraError | None = None,
    form: str | None = None,
    values: dict[str, Any] | None = None,
) -> HTMLResponse:
    """The event, the viewer's registration (or the form), suggestions and the directory.
    `form` names the form an error belongs to ("register" or "request")."""
    lang = _lang(request)
    stored = events.get(session, viewer, event_id)
    event = events.event_out(session, viewer, stored)
    listed = participants.participants_out(
        session, viewer, stored, participants.list_participants(session, viewer, event_id)
    )
    me = participants.own_registration(session, viewer, stored)
    filters = _filters(request)
    context: dict[str, Any] = {
        "event": event,
        "participants": words.filtered(listed, **filters),
        "total": len([p for p in listed if p.status == "registered"]),
        "filters": filters,
        "kinds": [k for k in ORG_KINDS if any(p.kind == k for p in listed)],
        "countries": sorted({p.country for p in listed if p.country}),
        "me": me,
        "mine": [p for p in listed if p.mine and p.status == "registered"],
        "asked": _asked(session, viewer, event_id, me) if me else {},
        "suggested": _suggested(session, viewer, event_id, me, lang) if me else None,
        "register_orgs": _register_orgs(session, viewer, event),
        "values": values if form == "register" else {},
        "request_values": values if form == "request" else {},
        "form": form,
        "priorities": words.PRIORITIES,
    }
    fields = words.PARTICIPANT_FIELDS if form == "register" else words.REQUEST_FIELDS
    _with_error(context, error, fields, lang)
    return words.page(request, "event.html", context, status=error.status if error else 200)


def _register_orgs(session: Session, viewer: Viewer, event) -> list[tuple[int, str]]:
    """The organisations the viewer may register a delegate for here (their own)."""
    if not may(viewer, "event.register") or not (event.status == "open" or event.organiser):
        return []
    return acting_for(session, viewer)


def _asked(session: Session, viewer: Viewer, event_id: int, me) -> dict[int, str]:
    """Participant id -> status of the open request between them and the viewer's delegate."""
    found: dict[int, str] = {}
    for row in requests.list_requests(session, viewer, event_id, "all"):
        if row.kind != "pair" or row.status not in requests.OPEN:
            continue
        if me.id in (row.requester_id, row.receiver_id):
            other = row.receiver_id if row.requester_id == me.id else row.requester_id
            found[other] = row.status
    return found


def _suggested(session: Session, viewer: Viewer, event_id: int, me, lang: str):
    return suggestions.suggest(session, viewer, event_id, me.id, limit=SUGGESTED, lang=lang)


@router.post("/events/{event_id}/register", response_class=HTMLResponse)
def register(
    request: Request, session: SessionDep, viewer: ViewerDep, event_id: RecordId, form: FormDep
) -> Response:
    """Register a delegate from the form; errors come back above it."""
    check_csrf(request, str(form.get("csrf_token", "")))
    values = words.posted(form, words.PARTICIPANT_FIELDS)
    try:
        with savepoint(session):
            data = parse(ParticipantIn, words.participant_input(values), "participant")
            participants.register(session, viewer, event_id, data)
    except FilieraError as error:
        if not _shown(error, words.PARTICIPANT_FIELDS):
            raise
        return _event_page(request, session, viewer, event_id, error, "register", values)
    return RedirectResponse(f"/events/{event_id}#me", status_code=303)


@router.post("/events/{event_id}/requests", response_class=HTMLResponse)
def request_meeting(
    request: Request, session: SessionDep, viewer: ViewerDep, event_id: RecordId, form: FormDep
) -> Response:
    """Ask another participant for a meeting (from the directory or a suggestion)."""
    check_csrf(request, str(form.get("csrf_token", "")))
    values = words.posted(form, words.REQUEST_FIELDS)
    try:
        with savepoint(session):
            data = parse(RequestIn, words.request_input(values), "meeting_request")
            requests.request_meeting(session, viewer, event_id, data)
    except FilieraError as error:
        if not _shown(error, words.REQUEST_FIELDS):
            raise
        return _event_page(request, session, viewer, event_id, error, "request", values)
    return RedirectResponse(f"/events/{event_id}/requests", status_code=303)


# --- requests -------------------------------------------------------------------------------


@router.get("/events/{event_id}/requests", response_class=HTMLResponse)
def requests_page(
    request: Request, session: SessionDep, viewer: ViewerDep, event_id: RecordId
) -> HTMLResponse:
    return _requests_page(request, session, viewer, event_id)


def _requests_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    event_id: int,
    error: FilieraError | None = None,
) -> HTMLResponse:
    """Requests received (to answer) and sent (to cancel); organisers also see all."""
    stored = events.get(session, viewer, event_id)
    event = events.event_out(session, viewer, stored)

    def box(name: str) -> list:
        rows = requests.list_requests(session, viewer, event_id, name)
        return [requests.request_out(viewer, stored, row) for row in rows]

    context: dict[str, Any] = {
        "event": event,
        "received": box("received"),
        "sent": box("sent"),
        "every": box("all") if event.organiser else [],
    }
    _with_error(context, error, (), _lang(request))
    return words.page(
        request, "event_requests.html", context, status=error.status if error else 200
    )


def _change(request: Request, session: Session, viewer: Viewer, event_id: int, step, done: str):
    """Run `step()` in a savepoint, then go to `done`; a shown error re-renders the list."""
    try:
        with savepoint(session):
            step()
    except FilieraError as error:
        if error.status not in SHOWN:
            raise
        return _requests_page(request, session, viewer, event_id, error)
    return RedirectResponse(done, status_code=303)


@router.post("/events/{event_id}/requests/{request_id}/answer", response_class=HTMLResponse)
def answer_request(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    event_id: RecordId,
    request_id: RecordId,
    decision: Annotated[str, Form(pattern="^(accept|decline)$")],
    csrf_token: Csrf = "",
    next_url: Annotated[str, Form(alias="next", max_length=500)] = "",
) -> Response:
    """The receiver accepts or declines (here or from the account page)."""
    check_csrf(request, csrf_token)
    done = safe_next(next_url) if next_url else f"/events/{event_id}/requests"
    accept = decision == "accept"
    step = partial(requests.answer, session, viewer, request_id, accept)
    return _change(request, session, viewer, event_id, step, done)


@router.post("/events/{event_id}/requests/{request_id}/cancel", response_class=HTMLResponse)
def cancel_request(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    event_id: RecordId,
    request_id: RecordId,
    csrf_token: Csrf = "",
) -> Response:
    check_csrf(request, csrf_token)
    step = partial(requests.cancel_request, session, viewer, request_id)
    return _change(request, session, viewer, event_id, step, f"/events/{event_id}/requests")
