"""Meetings at B2B events: requests and answers, suggestions, the schedule and its
certificate, hand moves and locks, agendas (JSON, iCalendar, e-mail text), room grids, and
the scheduler on a plain instance (no database).

A request exists only for its members and the event's organisers; an agenda only for its
participant and the organisers; runs, meetings and grids are the organisers'."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Response

from filiera.api.responses import errors
from filiera.events import agenda, events, planning, requests, suggestions
from filiera.events.generate import instance as example_instance
from filiera.events.schedule_schemas import (
    SERVER_TIME_LIMIT,
    AgendaOut,
    MeetingOut,
    MeetingPatch,
    ScheduleIn,
    ScheduleOut,
    ScheduleRunOut,
    SlotGridOut,
)
from filiera.events.schemas import (
    Box,
    GroupMeetingIn,
    RequestIn,
    RequestOut,
    SuggestionsOut,
)
from filiera.events.suggestions import MAX_LIMIT
from filiera.http.deps import RecordId, SessionDep, ViewerDep

router = APIRouter(
    prefix="/api",
    tags=["events"],
    responses=errors(
        {
            401: "Sign in first",
            403: "Not allowed for this role, organisation or participant",
            404: "No such event, participant, request or meeting (or not visible to you)",
            409: "The event is not open, the request is already answered, or a clash",
            422: "Invalid input; every bad field is listed",
        }
    ),
)
ParticipantQuery = Annotated[
    int, Query(ge=1, alias="participant", description="The participant's id at this event")
]
Language = Annotated[Literal["en", "it"], Query(description="Language of the text")]


# --- requests -------------------------------------------------------------------------------


@router.get("/events/{event_id}/requests", response_model=list[RequestOut])
def list_requests(
    session: SessionDep, viewer: ViewerDep, event_id: RecordId, box: Box = "all"
) -> list[RequestOut]:
    """Requests of your registrations (`sent`, `received` or `all`), newest first;
    organisers asking for `all` get every request of the event."""
    found = requests.list_requests(session, viewer, event_id, box)
    event = events.get(session, viewer, event_id)
    return [requests.request_out(viewer, event, request) for request in found]


@router.post("/events/{event_id}/requests", response_model=RequestOut, status_code=201)
def request_meeting(
    session: SessionDep, viewer: ViewerDep, event_id: RecordId, body: Annotated[RequestIn, Body()]
) -> RequestOut:
    """Ask another participant for a meeting (from your own registration unless
    `from_participant` names one you act for); accepted at once if they auto-accept."""
    request = requests.request_meeting(session, viewer, event_id, body)
    return requests.request_out(viewer, events.get(session, viewer, event_id), request)


@router.post("/events/{event_id}/group-meetings", response_model=RequestOut, status_code=201)
def create_group_meeting(
    session: SessionDep,
    viewer: ViewerDep,
    event_id: RecordId,
    body: Annotated[GroupMeetingIn, Body()],
) -> RequestOut:
    """Set a group meeting of 3 or more participants at one table (organisers)."""
    request = requests.create_group_meeting(
        session, viewer, event_id, body.title, body.participant_ids, body.priority
    )
    return requests.request_out(viewer, events.get(session, viewer, event_id), request)


@router.post("/meeting-requests/{request_id}/answer", response_model=RequestOut)
def answer_request(
    session: SessionDep,
    viewer: ViewerDep,
    request_id: RecordId,
    accept: Annotated[bool, Body(embed=True, description="True accepts, false declines")],
) -> RequestOut:
    """Accept or decline a request you received (or, as an organiser, any pending one)."""
    request = requests.answer(session, viewer, request_id, accept)
    _, event = requests.get_request(session, viewer, request_id)
    return requests.request_out(viewer, event, request)


@router.post("/meeting-requests/{request_id}/cancel", response_model=RequestOut)
def cancel_request(session: SessionDep, viewer: ViewerDep, request_id: RecordId) -> RequestOut:
    """Cancel a request you sent (or, as an organiser, any); its meeting goes with it."""
    request = requests.cancel_request(session, viewer, request_id)
    _, event = requests.get_request(session, viewer, request_id)
    return requests.request_out(viewer, event, request)


@router.get("/events/{event_id}/suggestions", response_model=SuggestionsOut)
def suggest(
    session: SessionDep,
    viewer: ViewerDep,
    event_id: RecordId,
    participant_id: ParticipantQuery,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 10,
    lang: Annotated[Literal["en", "it", "fr", "de"] | None, Query()] = None,
) -> SuggestionsOut:
    """Whom this participant (one you act for) should meet, by mutual interest: how well
    they fit what you look for and you fit what they look for, with the reasons."""
    return suggestions.suggest(session, viewer, event_id, participant_id, limit, lang)


# --- the schedule ---------------------------------------------------------------------------


@router.post("/events/{event_id}/schedule", response_model=ScheduleRunOut, status_code=201)
def run_schedule(
    session: SessionDep,
    viewer: ViewerDep,
    event_id: RecordId,
    body: Annotated[ScheduleIn, Body()] = ScheduleIn(),
) -> ScheduleRunOut:
    """Schedule the accepted requests (organisers): locked meetings stay, the others move
    as little as they can. The run's `stats` are its quality certificate (`weight`,
    `upper_bound`, `gap`, `percent_of_bound`, participants without meetings, idle gaps,
    `moved`, `kept`); `unscheduled` says why each request left out could not be placed."""
    run = planning.run_schedule(
        session, viewer, event_id, time_limit=body.time_limit, seed=body.seed
    )
    return planning.run_out(run)


@router.get("/events/{event_id}/schedule", response_model=ScheduleOut)
def get_schedule(session: SessionDep, viewer: ViewerDep, event_id: RecordId) -> ScheduleOut:
    """The last run's certificate and the meetings as they stand (organisers)."""
    return planning.current_schedule(session, viewer, event_id)


@router.patch("/meetings/{meeting_id}", response_model=MeetingOut)
def change_meeting(
    session: SessionDep,
    viewer: ViewerDep,
    meeting_id: RecordId,
    body: Annotated[MeetingPatch, Body()],
) -> MeetingOut:
    """Lock or unlock a meeting, or move it to `slot_id` and `table` (it is then locked);
    a move that would double-book a person or a table, or meet someone away, is refused
    naming the clash (organisers)."""
    return planning.change_meeting(session, viewer, meeting_id, body)


EXAMPLE = example_instance(4, 4, 3, tables=2, partial=0.0)


@router.post("/events/schedule")
def schedule_instance(
    viewer: ViewerDep,
    body: Annotated[dict[str, Any], Body(openapi_examples={"small": {"value": EXAMPLE}})],
    time_limit: Annotated[
        float, Query(gt=0, description=f"Seconds; more than {SERVER_TIME_LIMIT:g} is cut")
    ] = 30.0,
    seed: Annotated[int, Query(ge=0, le=2**31 - 1)] = 1,
) -> dict[str, Any]:
    """Schedule a plain instance, no database (any signed-in user): `slots` [{id, start,
    end, tables}], `tables`, `participants` [{id, unavailable}], `requests` [{a, b,
    priority 1-3} or {participants, priority}]. The answer is the CLI's `--json` output:
    `meetings` [{request, a, b, slot, table}], `unscheduled` with reasons, and `stats`
    (weight, upper bound, gap...). Every problem of the instance is listed at once (422)."""
    return planning.schedule_instance(viewer, body, time_limit=time_limit, seed=seed)


# --- agendas and grids ----------------------------------------------------------------------


@router.get("/events/{event_id}/agenda", response_model=AgendaOut)
def get_agenda(
    session: SessionDep, viewer: ViewerDep, event_id: RecordId, participant_id: ParticipantQuery
) -> AgendaOut:
    """Every slot of the event for this participant: a meeting, free, a break or away
    (the participant and the organisers)."""
    return agenda.agenda(session, viewer, event_id, participant_id)


@router.get(
    "/events/{event_id}/agenda.ics",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}, "description": "An iCalendar file"}},
)
def get_agenda_ics(
    session: SessionDep, viewer: ViewerDep, event_id: RecordId, participant_id: ParticipantQuery
) -> Response:
    """The participant's meetings as an iCalendar file (one event per meeting, in the
    event's time zone, a stable UID per meeting)."""
    out = agenda.agenda(session, viewer, event_id, participant_id)
    body = agenda.ics(out, events.get(session, viewer, event_id))
    return _download(body, "text/calendar", f"event-{event_id}-agenda-{participant_id}.ics")


@router.get(
    "/events/{event_id}/agenda.txt",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "E-mail-ready text"}},
)
def get_agenda_text(
    session: SessionDep,
    viewer: ViewerDep,
    event_id: RecordId,
    participant_id: ParticipantQuery,
    lang: Language = "en",
) -> Response:
    """The participant's agenda as plain text to send by e-mail, in English or Italian."""
    out = agenda.agenda(session, viewer, event_id, participant_id)
    text = agenda.email_text(out, events.get(session, viewer, event_id), lang)
    name = f"event-{event_id}-agenda-{participant_id}-{lang}.txt"
    return _download(text.encode("utf-8"), "text/plain", name, inline=True)


def _download(body: bytes, media_type: str, filename: str, *, inline: bool = False) -> Response:
    """A private file answer (never cached) with its name."""
    disposition = "inline" if inline else "attachment"
    return Response(
        body,
        media_type=f"{media_type}; charset=utf-8",
        headers={
            "Content-Disposition": f'{disposition}; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )


@router.get("/events/{event_id}/grid", response_model=SlotGridOut)
def get_grid(
    session: SessionDep,
    viewer: ViewerDep,
    event_id: RecordId,
    by: Annotated[Literal["slot", "table"], Query(description="Rows are slots or tables")] = "slot",
) -> SlotGridOut:
    """The room sheet (organisers): who sits at which table when, by slot or by table."""
    grid = agenda.by_slot if by == "slot" else agenda.by_table
    return grid(session, viewer, event_id)
