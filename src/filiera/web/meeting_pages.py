"""Web pages of an event's schedule: a participant's agenda (printable, iCalendar, e-mail
text), every agenda to print, and the organiser's schedule page (run, quality certificate,
unscheduled requests with their reasons, locks, no-shows) and room grid. The rules live in
`events.planning` and `events.agenda`; these pages only translate."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from filiera.access.viewer import Viewer
from filiera.db import savepoint
from filiera.errors import FilieraError, ValidationFailed, field_error
from filiera.events import agenda, events, participants, planning
from filiera.events.schedule_schemas import SERVER_TIME_LIMIT, ScheduleIn
from filiera.http.auth import check_csrf
from filiera.http.deps import RecordId, SessionDep, ViewerDep
from filiera.registry.schemas import parse
from filiera.web import event_words as words
from filiera.web.consortium_words import sign_in_first
from filiera.web.pages import _lang

router = APIRouter(include_in_schema=False)
Csrf = Annotated[str, Form(max_length=200)]
ParticipantQuery = Annotated[int | None, Query(ge=1, alias="participant")]
Flag = Annotated[int, Form(ge=0, le=1)]
DEFAULT_LIMIT = 10.0  # seconds: a run from the page, unless the organiser says otherwise


def _printing(request: Request) -> bool:
    return request.query_params.get("print") == "1"


# --- a participant's agenda -----------------------------------------------------------------


def _whose(session: Session, viewer: Viewer, event, participant_id: int | None) -> int | None:
    """The participant asked for, else the viewer's own registration (None if they have none)."""
    if participant_id is not None:
        return participant_id
    own = participants.own_registration(session, viewer, event)
    return own.id if own else None


@router.get("/events/{event_id}/agenda", response_class=HTMLResponse)
def agenda_page(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    event_id: RecordId,
    participant_id: ParticipantQuery = None,
) -> Response:
    """Every slot of the event in order, as it is for the participant (default: mine)."""
    if redirect := sign_in_first(request, viewer):
        return redirect
    event = events.get(session, viewer, event_id)
    whose = _whose(session, viewer, event, participant_id)
    context: dict[str, Any] = {
        "event": events.event_out(session, viewer, event),
        "agenda": None,
        "email": None,
        "print": _printing(request),
    }
    if whose is not None:
        out = agenda.agenda(session, viewer, event_id, whose)
        context["agenda"] = out
        context["email"] = agenda.email_text(out, event, _lang(request))
    return words.page(request, "agenda.html", context)


@router.get("/events/{event_id}/agenda.ics")
def agenda_ics(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    event_id: RecordId,
    participant_id: ParticipantQuery = None,
) -> Response:
    """The agenda's meetings as an iCalendar file."""
    if redirect := sign_in_first(request, viewer):
        return redirect
    event = events.get(session, viewer, event_id)
    whose = _whose(session, viewer, event, participant_id)
    if whose is None:
        raise _not_registered(event_id)
    out = agenda.agenda(session, viewer, event_id, whose)
    name = f"agenda-{event_id}-{whose}.ics"
    return Response(
        agenda.ics(out, event),
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _not_registered(event_id: int) -> ValidationFailed:
    message = f"you are not registered for event {event_id}"
    return ValidationFailed(
        message,
        errors=[field_error("participant", "participant_id", message)],
        key="not_registered",
    )


@router.get("/events/{event_id}/agendas", response_class=HTMLResponse)
def all_agendas(
    request: Request, session: SessionDep, viewer: ViewerDep, event_id: RecordId
) -> Response:
    """Every active participant's agenda, one per printed page (organisers)."""
    if redirect := sign_in_first(request, viewer):
        return redirect
    event = events.organised(session, viewer, event_id)
    sheets = [
        agenda.agenda(session, viewer, event_id, p.id)
        for p in planning.active_participants(session, event)
    ]
    sheets.sort(key=lambda a: (a.participant.organisation.casefold(), a.participant.name))
    context = {
        "event": events.event_out(session, viewer, event),
        "sheets": sheets,
        "print": _printing(request),
    }
    return words.page(request, "agenda.html", context)


# --- the organiser's schedule ---------------------------------------------------------------


@router.get("/events/{event_id}/schedule", response_class=HTMLResponse)
def schedule_page(
    request: Request, session: SessionDep, viewer: ViewerDep, event_id: RecordId
) -> Response:
    if redirect := sign_in_first(request, viewer):
        return redirect
    return _schedule_page(request, session, viewer, event_id)


def _schedule_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    event_id: int,
    error: FilieraError | None = None,
    time_limit: str = "",
) -> HTMLResponse:
    """The last run's certificate, what it left out and why, the meetings with their locks
    and the participants with their no-show marks."""
    lang = _lang(request)
    event = events.organised(session, viewer, event_id)
    run = planning.latest_run(session, viewer, event_id)
    meetings = sorted(
        (planning.meeting_out(event, m) for m in planning.live_meetings(session, event)),
        key=lambda m: (m.slot.starts_at, m.table),
    )
    everyone = participants.participants_out(
        session, viewer, event, participants.list_participants(session, viewer, event_id)
    )
    context: dict[str, Any] = {
        "event": events.event_out(session, viewer, event),
        "run": run,
        "certificate": words.certificate(run, lang) if run else None,
        "reasons": [words.reason_text(item, lang) for item in run.unscheduled] if run else [],
        "meetings": meetings,
        "everyone": everyone,
        "time_limit": time_limit or f"{DEFAULT_LIMIT:g}",
        "most": SERVER_TIME_LIMIT,
    }
    headline, lines = words.error_lines(error, lang, ("time_limit",)) if error else (None, [])
    context.update(headline=headline, lines=lines, errors=words.invalid_fields(lines))
    return words.page(
        request, "event_schedule.html", context, status=error.status if error else 200
    )


def _time_limit(typed: str) -> float:
    """The run's time limit from the form, validated as the API's (a comma as decimal mark
    too; more than the server allows is cut)."""
    given = typed.replace(",", ".") if typed else DEFAULT_LIMIT
    return parse(ScheduleIn, {"time_limit": given}, "schedule").time_limit


@router.post("/events/{event_id}/schedule", response_class=HTMLResponse)
def run_schedule(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    event_id: RecordId,
    time_limit: Annotated[str, Form(max_length=20)] = "",
    csrf_token: Csrf = "",
) -> Response:
    """Run (or re-run) the scheduler; locked meetings stay, the others move as little as
    the scheduler can."""
    check_csrf(request, csrf_token)
    try:
        seconds = _time_limit(time_limit.strip())
        with savepoint(session):
            planning.run_schedule(session, viewer, event_id, time_limit=seconds)
    except ValidationFailed as error:
        return _schedule_page(request, session, viewer, event_id, error, time_limit)
    return RedirectResponse(f"/events/{event_id}/schedule#certificate", status_code=303)


def _step(request, session, viewer, event_id: int, step, anchor: str) -> Response:
    """Run `step()` in a savepoint, then back to the schedule; a shown error re-renders it."""
    try:
        with savepoint(session):
            step()
    except FilieraError as error:
        if error.status not in (409, 422):
            raise
        return _schedule_page(request, session, viewer, event_id, error)
    return RedirectResponse(f"/events/{event_id}/schedule#{anchor}", status_code=303)


@router.post("/events/{event_id}/meetings/{meeting_id}/lock", response_class=HTMLResponse)
def lock_meeting(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    event_id: RecordId,
    meeting_id: RecordId,
    locked: Flag,
    csrf_token: Csrf = "",
) -> Response:
    """Lock a meeting where it is (runs leave it there), or unlock it."""
    check_csrf(request, csrf_token)

    def step() -> None:
        planning.lock(session, viewer, meeting_id, bool(locked))

    return _step(request, session, viewer, event_id, step, "meetings")


@router.post(
    "/events/{event_id}/participants/{participant_id}/no-show", response_class=HTMLResponse
)
def mark_no_show(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    event_id: RecordId,
    participant_id: RecordId,
    no_show: Flag,
    csrf_token: Csrf = "",
) -> Response:
    """Mark a delegate who did not come (their meetings are not held), or take it back."""
    check_csrf(request, csrf_token)

    def step() -> None:
        participants.mark_no_show(session, viewer, event_id, participant_id, bool(no_show))

    return _step(request, session, viewer, event_id, step, "participants")


# --- the room grid --------------------------------------------------------------------------


@router.get("/events/{event_id}/grid", response_class=HTMLResponse)
def grid_page(
    request: Request, session: SessionDep, viewer: ViewerDep, event_id: RecordId
) -> Response:
    """Rows slots and columns tables (or the other way round with `?by=table`)."""
    if redirect := sign_in_first(request, viewer):
        return redirect
    by = "table" if request.query_params.get("by") == "table" else "slot"
    sheet = (agenda.by_table if by == "table" else agenda.by_slot)(session, viewer, event_id)
    event = events.get(session, viewer, event_id)
    context = {
        "event": events.event_out(session, viewer, event),
        "grid": sheet,
        "by": by,
        "print": _printing(request),
    }
    return words.page(request, "event_grid.html", context)
