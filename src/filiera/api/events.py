"""`/api/events`: B2B events, their slots and their participants.

An event is seen as its visibility allows (a draft only by its organisers); organisers
(cluster managers and admins acting for the owner) create and change it; signed-in users
register themselves for their organisation while it is open. Requests, the schedule and
agendas are in `api/meetings.py`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Response
from sqlalchemy.orm import Session

from filiera.access.viewer import Viewer
from filiera.api.responses import errors
from filiera.events import events, participants
from filiera.events.models import EventParticipant
from filiera.events.schemas import (
    EventIn,
    EventOut,
    EventPatch,
    EventStatus,
    ParticipantIn,
    ParticipantOut,
    ParticipantPatch,
    SlotPlanIn,
)
from filiera.http.deps import RecordId, SessionDep, ViewerDep

router = APIRouter(
    prefix="/api/events",
    tags=["events"],
    responses=errors(
        {
            401: "Sign in first",
            403: "Not allowed for this role, organisation or participant",
            404: "No such event, slot, participant or organisation (or not visible to you)",
            409: "The event is not open, or the delegate is already registered",
            422: "Invalid input; every bad field is listed",
        }
    ),
)


@router.get("", response_model=list[EventOut])
def list_events(
    session: SessionDep, viewer: ViewerDep, status: EventStatus | None = None
) -> list[EventOut]:
    """Events you may see (drafts only if you organise them), the soonest first."""
    found = events.list_events(session, viewer, status=status)
    return [events.event_out(session, viewer, event) for event in found]


@router.post("", response_model=EventOut, status_code=201)
def create_event(
    session: SessionDep, viewer: ViewerDep, body: Annotated[EventIn, Body()]
) -> EventOut:
    """Create an event of an organisation you act for (cluster managers, admins), with its
    slots: generated from `days`, `day_start`, `day_end`, `slot_minutes`, `breaks` and
    `sessions`, or listed in `slots`."""
    return events.event_out(session, viewer, events.create_event(session, viewer, body))


@router.get("/{event_id}", response_model=EventOut)
def get_event(session: SessionDep, viewer: ViewerDep, event_id: RecordId) -> EventOut:
    """One event: dates, venue, tables and slots; `organiser` and `my_participants` say
    what you may do there."""
    return events.event_out(session, viewer, events.get(session, viewer, event_id))


@router.patch("/{event_id}", response_model=EventOut)
def update_event(
    session: SessionDep, viewer: ViewerDep, event_id: RecordId, body: Annotated[EventPatch, Body()]
) -> EventOut:
    """Change the fields given (organisers): status, tables, auto-accept, visibility..."""
    event = events.update_event(session, viewer, event_id, body)
    return events.event_out(session, viewer, event)


@router.post("/{event_id}/slots", response_model=EventOut, status_code=201)
def add_slots(
    session: SessionDep, viewer: ViewerDep, event_id: RecordId, body: Annotated[SlotPlanIn, Body()]
) -> EventOut:
    """Add slots, generated or listed (organisers); the event with every slot."""
    events.add_slots(session, viewer, event_id, body)
    return events.event_out(session, viewer, events.get(session, viewer, event_id))


@router.delete("/{event_id}/slots/{slot_id}", status_code=204, response_class=Response)
def remove_slot(
    session: SessionDep, viewer: ViewerDep, event_id: RecordId, slot_id: RecordId
) -> Response:
    """Remove a slot with the meetings placed in it (organisers)."""
    events.remove_slot(session, viewer, event_id, slot_id)
    return Response(status_code=204)


# --- participants ---------------------------------------------------------------------------


def _participant_out(
    session: Session, viewer: Viewer, event_id: int, participant: EventParticipant
) -> ParticipantOut:
    event = events.get(session, viewer, event_id)
    return participants.participants_out(session, viewer, event, [participant])[0]


@router.get("/{event_id}/participants", response_model=list[ParticipantOut])
def list_participants(
    session: SessionDep, viewer: ViewerDep, event_id: RecordId
) -> list[ParticipantOut]:
    """The delegates you may list: every one with name and profile for the event's
    organisers and participants; for anyone else only the organisations they may see,
    without contact or profile."""
    found = participants.list_participants(session, viewer, event_id)
    event = events.get(session, viewer, event_id)
    return participants.participants_out(session, viewer, event, found)


@router.post("/{event_id}/participants", response_model=ParticipantOut, status_code=201)
def register(
    session: SessionDep,
    viewer: ViewerDep,
    event_id: RecordId,
    body: Annotated[ParticipantIn, Body()],
) -> ParticipantOut:
    """Register a delegate: yourself for one of your organisations while the event is open
    (your account's name unless `contact_name` says otherwise), or anyone as an organiser.
    Registering shares the name, organisation and profile with the event's participants."""
    participant = participants.register(session, viewer, event_id, body)
    return _participant_out(session, viewer, event_id, participant)


@router.patch("/{event_id}/participants/{participant_id}", response_model=ParticipantOut)
def update_participant(
    session: SessionDep,
    viewer: ViewerDep,
    event_id: RecordId,
    participant_id: RecordId,
    body: Annotated[ParticipantPatch, Body()],
) -> ParticipantOut:
    """Change a registration (its delegate or an organiser); availability is re-checked."""
    participant = participants.update_participant(session, viewer, event_id, participant_id, body)
    return _participant_out(session, viewer, event_id, participant)


@router.post("/{event_id}/participants/{participant_id}/cancel", response_model=ParticipantOut)
def cancel_participant(
    session: SessionDep, viewer: ViewerDep, event_id: RecordId, participant_id: RecordId
) -> ParticipantOut:
    """Cancel a registration (its delegate or an organiser): its meetings are not held."""
    participant = participants.cancel(session, viewer, event_id, participant_id)
    return _participant_out(session, viewer, event_id, participant)


@router.post("/{event_id}/participants/{participant_id}/no-show", response_model=ParticipantOut)
def mark_no_show(
    session: SessionDep,
    viewer: ViewerDep,
    event_id: RecordId,
    participant_id: RecordId,
    no_show: Annotated[bool, Body(embed=True, description="False takes the mark back")] = True,
) -> ParticipantOut:
    """Mark a delegate who did not come (organisers); the next run drops their meetings."""
    participant = participants.mark_no_show(session, viewer, event_id, participant_id, no_show)
    return _participant_out(session, viewer, event_id, participant)
