"""Registration of delegates at an event, their availability, and who sees what of them.

- A signed-in user registers themselves for one of their organisations while the event is
  open; organisers register anyone of an organisation they may see, at any time.
- Availability (`arrives_at`, `leaves_at`, `blocked_slots`) must name the event's own
  slots and leave at least one meeting slot free.
- Organisers and participants see every active delegate with name and profile; anyone
  else who may see the event sees only the organisations they may see in the registry,
  without contact or profile. E-mail and availability are for organisers and whoever
  acts for the delegate.
- A delegate (or an organiser) changes and cancels a registration; organisers mark
  no-shows.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from filiera.access import audit, policy
from filiera.access.models import User
from filiera.access.viewer import Viewer
from filiera.errors import Conflict, Forbidden, NotFound, Unauthorized, field_error
from filiera.events import roles
from filiera.events.events import Problems, label, local, zone
from filiera.events.models import Event, EventParticipant
from filiera.events.schemas import ParticipantIn, ParticipantOut, ParticipantPatch
from filiera.registry.models import Organisation

RECORD = "participant"


# --- looking up -----------------------------------------------------------------------------


def participant_in(
    session: Session, viewer: Viewer, event: Event, participant_id: int, field: str
) -> EventParticipant:
    """A participant of `event` the viewer may list, else NotFound naming `field` (also
    for a participant of another event or of an organisation the viewer may not see)."""
    stmt = select(EventParticipant).where(
        EventParticipant.id == participant_id,
        roles.listed_participants_clause(session, viewer, event),
    )
    participant = session.scalars(stmt.options(selectinload(EventParticipant.organisation))).first()
    if participant is None or not (
        participant.status == roles.ACTIVE or roles.is_organiser(viewer, event)
    ):
        message = f"participant {participant_id} is not registered for event {event.id}"
        raise NotFound(message, errors=[field_error(RECORD, field, message)])
    return participant


def require_acting(viewer: Viewer, event: Event, participant: EventParticipant) -> None:
    """The viewer acts for the participant or organises the event (anonymous: sign in)."""
    if not viewer.signed_in:
        raise Unauthorized("sign in first", key="sign_in_first")
    if not (roles.acts_for(viewer, participant) or roles.is_organiser(viewer, event)):
        raise Forbidden(
            f"{viewer.label} does not act for participant {participant.id}",
            key="not_acting_for_participant",
        )


def require_open(event: Event, viewer: Viewer) -> None:
    """Participants act only while the event is open; organisers at any time."""
    if event.status != "open" and not roles.is_organiser(viewer, event):
        raise Conflict(
            f"event {event.id} is {event.status}",
            key="event_not_open",
            params={"status": event.status},
        )


# --- availability ---------------------------------------------------------------------------


def check_availability(
    event: Event,
    arrives_at: dt.datetime | None,
    leaves_at: dt.datetime | None,
    blocked: list[int],
    problems: Problems,
) -> None:
    """Blocked slots are the event's; leaving follows arriving; a meeting slot stays free."""
    slots = {s.id: s for s in event.slots}
    for slot_id in blocked:
        if slot_id not in slots:
            problems.add("blocked_slots", f"slot {slot_id} is not a slot of this event")
    if arrives_at and leaves_at and leaves_at <= arrives_at:
        problems.add("leaves_at", "leaves before arriving")
    if problems.errors:
        return
    meeting = [s for s in event.slots if s.kind == "meeting"]
    present = [
        s
        for s in meeting
        if (arrives_at is None or s.starts_at >= arrives_at)
        and (leaves_at is None or s.ends_at <= leaves_at)
    ]
    if meeting and not present:
        window = f"{label(arrives_at) if arrives_at else '…'} – "
        window += label(leaves_at) if leaves_at else "…"
        problems.add(
            "arrives_at" if arrives_at else "leaves_at",
            f"no meeting slot falls between {window}: no free slot is left",
        )
    elif present and all(s.id in blocked for s in present):
        problems.add("blocked_slots", "every slot you are present in is blocked: no free slot")


def _availability(event: Event, values: dict, problems: Problems) -> dict:
    """Times as the event's local time and blocked slots once each, checked."""
    tz = zone(event.timezone, problems)
    for name in ("arrives_at", "leaves_at"):
        if values.get(name) is not None:
            values[name] = local(values[name], tz)
    values["blocked_slots"] = sorted(set(values.get("blocked_slots") or []))
    check_availability(
        event, values.get("arrives_at"), values.get("leaves_at"), values["blocked_slots"], problems
    )
    return values


# --- registering and changing ---------------------------------------------------------------


def register(
    session: Session, viewer: Viewer, event_id: int, data: ParticipantIn
) -> EventParticipant:
    """Register a delegate: oneself for one's organisation, or (organisers) anyone."""
    event = roles.get_event(session, viewer, event_id)
    own = data.organisation_id in viewer.org_ids
    if not (own or roles.is_organiser(viewer, event)):  # before the look-up: whether an
        policy.require_owner(viewer, "event.register", data.organisation_id)  # unseen one
    policy.require_role(viewer, "event.register")  # exists stays unsaid
    _visible_organisation(session, viewer, data.organisation_id)
    require_open(event, viewer)
    problems = Problems(RECORD)
    values = _availability(event, data.model_dump(), problems)
    values["contact_name"] = data.contact_name or _user_name(session, viewer, own, problems)
    problems.raise_any()
    participant = _existing(session, event, data.organisation_id, values["contact_name"])
    if participant is not None and participant.status == roles.ACTIVE:
        message = f"{values['contact_name']} is already registered for event {event.id}"
        raise Conflict(
            message,
            errors=[field_error(RECORD, "contact_name", message)],
            key="already_registered",
        )
    if participant is None:
        participant = EventParticipant(event_id=event.id)
        session.add(participant)
    for name, value in values.items():
        setattr(participant, name, value)
    participant.status = roles.ACTIVE
    participant.user_id = viewer.user_id if own and not _linked(session, viewer, event) else None
    session.flush()
    return participant


def _visible_organisation(session: Session, viewer: Viewer, org_id: int) -> None:
    stmt = select(Organisation.id).where(
        Organisation.id == org_id, policy.visible_organisations(viewer)
    )
    if session.scalar(stmt) is None:
        message = f"organisation {org_id} does not exist"
        raise NotFound(message, errors=[field_error(RECORD, "organisation_id", message)])


def _user_name(session: Session, viewer: Viewer, own: bool, problems: Problems) -> str | None:
    user = session.get(User, viewer.user_id) if own and viewer.user_id else None
    if user is None:
        problems.add("contact_name", "give the delegate's name")
        return None
    return user.name


def _existing(session: Session, event: Event, org_id: int, name: str) -> EventParticipant | None:
    stmt = select(EventParticipant).where(
        EventParticipant.event_id == event.id,
        EventParticipant.organisation_id == org_id,
        EventParticipant.contact_name == name,
    )
    return session.scalars(stmt).first()


def _linked(session: Session, viewer: Viewer, event: Event) -> bool:
    """The viewer's account already has an active registration at this event."""
    stmt = select(EventParticipant.id).where(
        EventParticipant.event_id == event.id,
        EventParticipant.user_id == viewer.user_id,
        EventParticipant.status == roles.ACTIVE,
    )
    return session.scalar(stmt) is not None


def update_participant(
    session: Session, viewer: Viewer, event_id: int, participant_id: int, patch: ParticipantPatch
) -> EventParticipant:
    """Change a registration (its delegate or an organiser); availability is re-checked."""
    event = roles.get_event(session, viewer, event_id)
    participant = participant_in(session, viewer, event, participant_id, "participant_id")
    require_acting(viewer, event, participant)
    require_open(event, viewer)
    changes = patch.model_dump(include=patch.model_fields_set)
    problems = Problems(RECORD)
    for name in ("contact_name", "auto_accept"):
        if name in changes and changes[name] is None:
            problems.add(name, "cannot be empty")
    merged = {
        name: changes.get(name, getattr(participant, name))
        for name in ("arrives_at", "leaves_at", "blocked_slots")
    }
    changes.update(_availability(event, merged, problems))
    problems.raise_any()
    for name, value in changes.items():
        setattr(participant, name, value)
    session.flush()
    return participant


def cancel(
    session: Session, viewer: Viewer, event_id: int, participant_id: int
) -> EventParticipant:
    """The delegate (or an organiser) cancels a registration; its meetings are not held."""
    event = roles.get_event(session, viewer, event_id)
    participant = participant_in(session, viewer, event, participant_id, "participant_id")
    require_acting(viewer, event, participant)
    participant.status = "cancelled"
    session.flush()
    return participant


def mark_no_show(
    session: Session, viewer: Viewer, event_id: int, participant_id: int, no_show: bool = True
) -> EventParticipant:
    """An organiser marks a delegate who did not come (or takes the mark back)."""
    event = roles.get_event(session, viewer, event_id)
    roles.require_organiser(viewer, event)
    participant = participant_in(session, viewer, event, participant_id, "participant_id")
    participant.status = "no_show" if no_show else roles.ACTIVE
    session.flush()
    return participant


# --- reading --------------------------------------------------------------------------------


def list_participants(session: Session, viewer: Viewer, event_id: int) -> list[EventParticipant]:
    """The participants the viewer may list, by organisation and name: active ones only,
    except for organisers, who see every registration."""
    event = roles.get_event(session, viewer, event_id)
    stmt = (
        select(EventParticipant)
        .join(Organisation, Organisation.id == EventParticipant.organisation_id)
        .where(roles.listed_participants_clause(session, viewer, event))
        .options(selectinload(EventParticipant.organisation))
        .order_by(Organisation.name, EventParticipant.contact_name, EventParticipant.id)
    )
    if not roles.is_organiser(viewer, event):
        stmt = stmt.where(EventParticipant.status == roles.ACTIVE)
    participants = list(session.scalars(stmt))
    hidden = [
        p.organisation_id
        for p in participants
        if p.organisation.visibility in ("restricted", "owner")
    ]
    audit.record_read(session, "organisation", hidden, f"event {event.id} participants")
    return participants


def participants_out(
    session: Session, viewer: Viewer, event: Event, participants: list[EventParticipant]
) -> list[ParticipantOut]:
    """Each participant as the viewer may see it (see the module's rules)."""
    profiles = roles.sees_profiles(session, viewer, event)
    organiser = roles.is_organiser(viewer, event)
    return [
        participant_out(p, viewer, profiles=profiles, organiser=organiser) for p in participants
    ]


def participant_out(
    participant: EventParticipant, viewer: Viewer, *, profiles: bool, organiser: bool
) -> ParticipantOut:
    org = participant.organisation
    out = ParticipantOut(
        id=participant.id,
        event_id=participant.event_id,
        organisation_id=org.id,
        organisation=org.name,
        country=org.country,
        kind=org.kind,
        status=participant.status,
        synthetic=participant.synthetic,
        mine=roles.acts_for(viewer, participant),
    )
    if profiles:
        for name in ("contact_name", "job_title", "profile", "looking_for", "offering"):
            setattr(out, name, getattr(participant, name))
    if organiser or out.mine:
        out.email = participant.email
        out.arrives_at, out.leaves_at = participant.arrives_at, participant.leaves_at
        out.blocked_slots = list(participant.blocked_slots or [])
        out.auto_accept = participant.auto_accept
    return out


# --- for the events list and the account page -----------------------------------------------


def count_participants(session: Session, viewer: Viewer, event: Event) -> int:
    """How many active participants the viewer may list (as `list_participants` would)."""
    stmt = select(func.count(EventParticipant.id)).where(
        roles.listed_participants_clause(session, viewer, event),
        EventParticipant.status == roles.ACTIVE,
    )
    return int(session.scalar(stmt) or 0)


def my_registrations(session: Session, viewer: Viewer) -> list[tuple[Event, EventParticipant]]:
    """The active registrations the viewer acts for, at events they may see, soonest first."""
    if not viewer.signed_in:
        return []
    stmt = (
        select(Event, EventParticipant)
        .join(EventParticipant, EventParticipant.event_id == Event.id)
        .where(
            roles.visible_events(viewer),
            roles.acting_for_clause(viewer),
            EventParticipant.status == roles.ACTIVE,
        )
        .options(selectinload(EventParticipant.organisation))
        .order_by(Event.starts_on, Event.id, EventParticipant.id)
    )
    return [(event, participant) for event, participant in session.execute(stmt)]


def own_registration(session: Session, viewer: Viewer, event: Event) -> EventParticipant | None:
    """The viewer's own registration at the event: the one made with their account first,
    then their organisation's first; None when they have none."""
    own = roles.own_participants(session, viewer, event)
    return next((p for p in own if p.user_id == viewer.user_id), own[0] if own else None)
