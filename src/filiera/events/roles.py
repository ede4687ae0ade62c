"""Who may do what at an event: its organisers, its participants, everyone else.

- An event is seen as its `visibility` allows (like needs and calls); otherwise NotFound,
  exactly as if it did not exist.
- Organisers are the users acting for the event's owner organisation with a role that may
  organise events, and admins: they see and change everything about the event.
- A viewer acts for a participant when it is their own registration or their
  organisation's delegate. Registering shares the delegate's name, organisation and
  profile with the event's other participants and organisers (the form says so).
- Everyone else who may see the event sees only the participating organisations they may
  see in the registry, with no contact name or profile.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false, or_, select, true
from sqlalchemy.orm import Session, selectinload

from filiera.access import policy
from filiera.access.viewer import Viewer
from filiera.errors import Forbidden, NotFound, field_error
from filiera.events.models import Event, EventParticipant

ACTIVE = "registered"


def visible_events(viewer: Viewer) -> ColumnElement[bool]:
    """Events the viewer may see; a draft only by its organisers (it is not published)."""
    seen = policy.visible_records(viewer, Event, "event")
    if viewer.is_admin:
        return seen
    organises = (
        Event.owner_id.in_(sorted(viewer.org_ids) or [-1])
        if viewer.role in policy.PERMISSIONS["event.organise"]
        else false()
    )
    return and_(seen, or_(Event.status != "draft", organises))


def get_event(session: Session, viewer: Viewer, event_id: int) -> Event:
    """The event, or NotFound as if it did not exist when the viewer may not see it."""
    stmt = (
        select(Event)
        .where(Event.id == event_id, visible_events(viewer))
        .options(selectinload(Event.owner), selectinload(Event.slots))
    )
    event = session.scalars(stmt).first()
    if event is None:
        message = f"event {event_id} does not exist"
        raise NotFound(message, errors=[field_error("event", "event_id", message)])
    return event


def is_organiser(viewer: Viewer, event: Event) -> bool:
    if viewer.is_admin:
        return True
    return viewer.role in policy.PERMISSIONS["event.organise"] and event.owner_id in viewer.org_ids


def require_organiser(viewer: Viewer, event: Event) -> None:
    policy.require_role(viewer, "event.organise")
    if not is_organiser(viewer, event):
        raise Forbidden(f"{viewer.label} does not organise event {event.id}", key="not_organiser")


def acts_for(viewer: Viewer, participant: EventParticipant) -> bool:
    """The viewer's own registration, or a delegate of an organisation they act for."""
    if not viewer.signed_in:
        return False
    return (
        viewer.user_id is not None and participant.user_id == viewer.user_id
    ) or participant.organisation_id in viewer.org_ids


def acting_for_clause(viewer: Viewer) -> ColumnElement[bool]:
    """SQL twin of `acts_for` over `EventParticipant`."""
    if not viewer.signed_in:
        return EventParticipant.id.is_(None)
    clauses = [EventParticipant.organisation_id.in_(viewer.org_ids or {-1})]
    if viewer.user_id is not None:
        clauses.append(EventParticipant.user_id == viewer.user_id)
    return or_(*clauses)


def own_participants(session: Session, viewer: Viewer, event: Event) -> list[EventParticipant]:
    """The active registrations the viewer acts for at this event."""
    stmt = select(EventParticipant).where(
        EventParticipant.event_id == event.id,
        EventParticipant.status == ACTIVE,
        acting_for_clause(viewer),
    )
    return list(session.scalars(stmt.order_by(EventParticipant.id)))


def is_participant(session: Session, viewer: Viewer, event: Event) -> bool:
    return bool(own_participants(session, viewer, event))


def sees_profiles(session: Session, viewer: Viewer, event: Event) -> bool:
    """Organisers and the event's participants see every delegate's name and profile."""
    return is_organiser(viewer, event) or is_participant(session, viewer, event)


def listed_participants_clause(
    session: Session, viewer: Viewer, event: Event
) -> ColumnElement[bool]:
    """Which participants of `event` the viewer may list: all of them for organisers and
    participants, else only those whose organisation the viewer may see."""
    if sees_profiles(session, viewer, event):
        return and_(EventParticipant.event_id == event.id, true())
    return and_(
        EventParticipant.event_id == event.id,
        EventParticipant.organisation_id.in_(policy.visible_org_ids(viewer)),
    )
