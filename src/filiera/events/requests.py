"""Meeting requests between participants of one event, group meetings, and their answers.

- A participant (or an organiser for them) asks another active participant of the same
  open event; not themselves, not twice while a request between the two is open (either
  way), and at most the event's `max_requests` open requests sent.
- The request is accepted at once when the event or the receiver auto-accepts; otherwise
  whoever acts for the receiver (or an organiser) accepts or declines it.
- The requester (or an organiser) cancels it; its scheduled meeting goes with it.
- Organisers set group meetings of 3 or more participants, accepted from the start.
- A request is seen by whoever acts for one of its members and by organisers; to anyone
  else it does not exist.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session, selectinload

from filiera.access.viewer import Viewer
from filiera.errors import (
    Conflict,
    Forbidden,
    NotFound,
    Unauthorized,
    ValidationFailed,
    field_error,
)
from filiera.events import roles
from filiera.events.models import (
    PRIORITIES,
    Event,
    EventParticipant,
    Meeting,
    MeetingGuest,
    MeetingRequest,
)
from filiera.events.participants import participant_in, require_open
from filiera.events.schemas import ParticipantRef, RequestIn, RequestOut
from filiera.registry.models import utcnow

RECORD = "meeting_request"
OPEN = ("pending", "accepted")
BOXES = ("sent", "received", "all")
GROUP_MIN = 3


def _loaded():
    return (
        selectinload(MeetingRequest.requester).selectinload(EventParticipant.organisation),
        selectinload(MeetingRequest.receiver).selectinload(EventParticipant.organisation),
        selectinload(MeetingRequest.guests)
        .selectinload(MeetingGuest.participant)
        .selectinload(EventParticipant.organisation),
    )


def members(request: MeetingRequest) -> list[EventParticipant]:
    """Everyone meeting: the pair, or the group's requester and guests."""
    if request.kind == "group":
        return [request.requester, *(g.participant for g in request.guests)]
    return [request.requester, request.receiver]


def _signed_in(viewer: Viewer) -> None:
    """Writes need an account: anonymous callers are asked to sign in."""
    if not viewer.signed_in:
        raise Unauthorized("sign in first", key="sign_in_first")


def _require_active(participant: EventParticipant, field: str) -> None:
    if participant.status != roles.ACTIVE:
        message = f"participant {participant.id} is {participant.status.replace('_', ' ')}"
        raise Conflict(
            message, errors=[field_error(RECORD, field, message)], key="participant_not_active"
        )


# --- asking ---------------------------------------------------------------------------------


def request_meeting(
    session: Session, viewer: Viewer, event_id: int, data: RequestIn
) -> MeetingRequest:
    """Ask another participant for a meeting (see the module's rules)."""
    event = roles.get_event(session, viewer, event_id)
    _signed_in(viewer)
    requester = _requester(session, viewer, event, data.from_participant)
    receiver = participant_in(session, viewer, event, data.to_participant, "to_participant")
    require_open(event, viewer)
    _require_active(requester, "from_participant")
    _require_active(receiver, "to_participant")
    if receiver.id == requester.id:
        message = "a participant cannot ask to meet themselves"
        raise ValidationFailed(message, errors=[field_error(RECORD, "to_participant", message)])
    _no_open_request(session, event, requester, receiver)
    _within_limit(session, event, requester)
    request = MeetingRequest(
        event_id=event.id,
        requester_id=requester.id,
        receiver_id=receiver.id,
        kind="pair",
        priority=data.priority,
        message=data.message,
        created_by=viewer.user_id,
    )
    if event.auto_accept or receiver.auto_accept:
        request.status, request.decided_by, request.decided_at = "accepted", "auto", utcnow()
    session.add(request)
    session.flush()
    return request


def _requester(
    session: Session, viewer: Viewer, event: Event, participant_id: int | None
) -> EventParticipant:
    """The given participant (the viewer acts for it or organises), else the viewer's own
    registration: the one made with their account first, then their organisation's."""
    if participant_id is not None:
        participant = participant_in(session, viewer, event, participant_id, "from_participant")
        if not (roles.acts_for(viewer, participant) or roles.is_organiser(viewer, event)):
            raise Forbidden(
                f"{viewer.label} does not act for participant {participant_id}",
                key="not_acting_for_participant",
            )
        return participant
    own = roles.own_participants(session, viewer, event)
    if not own:
        message = f"you are not registered for event {event.id}"
        raise ValidationFailed(
            message, errors=[field_error(RECORD, "from_participant", message)], key="not_registered"
        )
    return next((p for p in own if p.user_id == viewer.user_id), own[0])


def _between(a: int, b: int) -> ColumnElement[bool]:
    return or_(
        and_(MeetingRequest.requester_id == a, MeetingRequest.receiver_id == b),
        and_(MeetingRequest.requester_id == b, MeetingRequest.receiver_id == a),
    )


def _no_open_request(
    session: Session, event: Event, requester: EventParticipant, receiver: EventParticipant
) -> None:
    stmt = select(MeetingRequest).where(
        MeetingRequest.event_id == event.id,
        MeetingRequest.kind == "pair",
        MeetingRequest.status.in_(OPEN),
        _between(requester.id, receiver.id),
    )
    existing = session.scalars(stmt.order_by(MeetingRequest.id)).first()
    if existing is not None:
        message = (
            f"participants {requester.id} and {receiver.id} already have request "
            f"{existing.id} ({existing.status})"
        )
        raise Conflict(
            message,
            errors=[field_error(RECORD, "to_participant", message)],
            key="meeting_already_requested",
            params={"request_id": existing.id, "status": existing.status},
        )


def _within_limit(session: Session, event: Event, requester: EventParticipant) -> None:
    if event.max_requests is None:
        return
    stmt = select(MeetingRequest.id).where(
        MeetingRequest.requester_id == requester.id,
        MeetingRequest.kind == "pair",
        MeetingRequest.status.in_(OPEN),
    )
    if len(session.scalars(stmt).all()) >= event.max_requests:
        message = (
            f"participant {requester.id} has sent the most requests allowed ({event.max_requests})"
        )
        raise Conflict(
            message,
            errors=[field_error(RECORD, "from_participant", message)],
            key="too_many_meeting_requests",
            params={"max": event.max_requests},
        )


def create_group_meeting(
    session: Session,
    viewer: Viewer,
    event_id: int,
    title: str,
    participant_ids: list[int],
    priority: int = 3,
) -> MeetingRequest:
    """An organiser sets a group meeting (e.g. a consortium table), accepted at once."""
    event = roles.get_event(session, viewer, event_id)
    roles.require_organiser(viewer, event)
    ids = list(dict.fromkeys(participant_ids))
    if len(ids) < GROUP_MIN or len(ids) != len(participant_ids):
        message = f"a group meeting gathers {GROUP_MIN} or more different participants"
        raise ValidationFailed(message, errors=[field_error(RECORD, "participant_ids", message)])
    if priority not in PRIORITIES:
        message = "priority is 1, 2 or 3"
        raise ValidationFailed(message, errors=[field_error(RECORD, "priority", message)])
    people = [participant_in(session, viewer, event, i, "participant_ids") for i in ids]
    for person in people:
        _require_active(person, "participant_ids")
    request = MeetingRequest(
        event_id=event.id,
        requester_id=people[0].id,
        kind="group",
        title=title.strip() or None,
        priority=priority,
        status="accepted",
        created_by=viewer.user_id,
        decided_by=viewer.label,
        decided_at=utcnow(),
    )
    request.guests = [MeetingGuest(participant_id=p.id) for p in people[1:]]
    session.add(request)
    session.flush()
    return request


# --- answering and cancelling ---------------------------------------------------------------


def get_request(session: Session, viewer: Viewer, request_id: int) -> tuple[MeetingRequest, Event]:
    """The request and its event, for organisers and whoever acts for one of its members;
    for anyone else NotFound, exactly as if it did not exist."""
    request = session.scalars(
        select(MeetingRequest).where(MeetingRequest.id == request_id).options(*_loaded())
    ).first()
    event = None
    if request is not None:
        event = session.scalars(
            select(Event).where(Event.id == request.event_id, roles.visible_events(viewer))
        ).first()
    if event is None or not (
        roles.is_organiser(viewer, event)
        or any(roles.acts_for(viewer, m) for m in members(request))
    ):
        message = f"meeting request {request_id} does not exist"
        raise NotFound(message, errors=[field_error(RECORD, "request_id", message)])
    return request, event


def answer(session: Session, viewer: Viewer, request_id: int, accept: bool) -> MeetingRequest:
    """Whoever acts for the receiver (or an organiser) accepts or declines."""
    request, event = get_request(session, viewer, request_id)
    if request.kind == "group":
        raise Conflict(
            f"group meeting {request_id} is set by the organiser", key="group_meeting_fixed"
        )
    if not (roles.acts_for(viewer, request.receiver) or roles.is_organiser(viewer, event)):
        raise Forbidden(
            f"only participant {request.receiver_id} answers request {request_id}",
            key="not_receiver",
        )
    if request.status != "pending":
        raise Conflict(
            f"request {request_id} is already {request.status}",
            key="request_answered",
            params={"status": request.status},
        )
    require_open(event, viewer)
    if accept:
        _require_active(request.requester, "request_id")
        _require_active(request.receiver, "request_id")
    request.status = "accepted" if accept else "declined"
    request.decided_by, request.decided_at = viewer.label, utcnow()
    session.flush()
    return request


def cancel_request(session: Session, viewer: Viewer, request_id: int) -> MeetingRequest:
    """The requester (or an organiser; for a group meeting only an organiser) cancels; the
    meeting placed for it is removed from the schedule."""
    request, event = get_request(session, viewer, request_id)
    organiser = roles.is_organiser(viewer, event)
    if not (organiser or (request.kind == "pair" and roles.acts_for(viewer, request.requester))):
        raise Forbidden(
            f"only the requester or an organiser cancels request {request_id}",
            key="not_requester",
        )
    if request.status not in OPEN:
        raise Conflict(
            f"request {request_id} is already {request.status}",
            key="request_answered",
            params={"status": request.status},
        )
    for meeting in session.scalars(select(Meeting).where(Meeting.request_id == request.id)):
        session.delete(meeting)
    request.status = "cancelled"
    request.decided_by, request.decided_at = viewer.label, utcnow()
    session.flush()
    return request


# --- reading --------------------------------------------------------------------------------


def list_requests(
    session: Session, viewer: Viewer, event_id: int, box: str = "all"
) -> list[MeetingRequest]:
    """Requests of the viewer's registrations (`sent`, `received` or `all`), newest first;
    organisers asking for `all` get every request of the event."""
    event = roles.get_event(session, viewer, event_id)
    if box not in BOXES:
        message = f"box is one of {', '.join(BOXES)}"
        raise ValidationFailed(message, errors=[field_error(RECORD, "box", message)])
    stmt = select(MeetingRequest).where(MeetingRequest.event_id == event.id)
    if not (box == "all" and roles.is_organiser(viewer, event)):
        mine = [p.id for p in roles.own_participants(session, viewer, event)]
        if not mine:
            return []
        guest_of = select(MeetingGuest.request_id).where(MeetingGuest.participant_id.in_(mine))
        sent = MeetingRequest.requester_id.in_(mine)
        received = or_(MeetingRequest.receiver_id.in_(mine), MeetingRequest.id.in_(guest_of))
        stmt = stmt.where({"sent": sent, "received": received, "all": or_(sent, received)}[box])
    stmt = stmt.options(*_loaded()).order_by(MeetingRequest.id.desc())
    return list(session.scalars(stmt))


def _ref(participant: EventParticipant) -> ParticipantRef:
    return ParticipantRef(
        id=participant.id,
        contact_name=participant.contact_name,
        organisation_id=participant.organisation_id,
        organisation=participant.organisation.name,
        status=participant.status,
    )


def request_out(viewer: Viewer, event: Event, request: MeetingRequest) -> RequestOut:
    """A request as one of its members or an organiser sees it, with what they may do."""
    organiser = roles.is_organiser(viewer, event)
    pair = request.kind == "pair"
    may_act = event.status == "open" or organiser
    answers = pair and (organiser or roles.acts_for(viewer, request.receiver))
    cancels = organiser or (pair and roles.acts_for(viewer, request.requester))
    return RequestOut(
        id=request.id,
        event_id=request.event_id,
        kind=request.kind,
        title=request.title,
        requester=_ref(request.requester),
        receiver=_ref(request.receiver) if request.receiver else None,
        guests=[_ref(g.participant) for g in request.guests],
        priority=request.priority,
        priority_name=PRIORITIES.get(request.priority, "would_like"),
        message=request.message,
        status=request.status,
        created_at=request.created_at,
        decided_at=request.decided_at,
        can_answer=bool(answers and may_act and request.status == "pending"),
        can_cancel=bool(cancels and request.status in OPEN),
    )


# --- for the scheduler ----------------------------------------------------------------------


def accepted_requests(session: Session, event: Event) -> list[MeetingRequest]:
    """Every accepted request of the event, members loaded, oldest first."""
    stmt = select(MeetingRequest).where(
        MeetingRequest.event_id == event.id, MeetingRequest.status == "accepted"
    )
    return list(session.scalars(stmt.options(*_loaded()).order_by(MeetingRequest.id)))


def accepted_for_schedule(session: Session, event: Event) -> list[MeetingRequest]:
    """Accepted requests whose members are all still registered (no cancellation, no
    no-show): what the scheduler places."""
    return [
        request
        for request in accepted_requests(session, event)
        if all(m is not None and m.status == roles.ACTIVE for m in members(request))
    ]


# --- for the account page -------------------------------------------------------------------


def waiting_for(session: Session, viewer: Viewer) -> list[tuple[MeetingRequest, Event]]:
    """Pending requests the viewer may answer as the receiver (they act for it), at open
    events they may see, oldest first."""
    if not viewer.signed_in:
        return []
    receivers = select(EventParticipant.id).where(roles.acting_for_clause(viewer))
    stmt = (
        select(MeetingRequest, Event)
        .join(Event, Event.id == MeetingRequest.event_id)
        .where(
            roles.visible_events(viewer),
            Event.status == "open",
            MeetingRequest.kind == "pair",
            MeetingRequest.status == "pending",
            MeetingRequest.receiver_id.in_(receivers),
        )
        .options(*_loaded())
        .order_by(MeetingRequest.id)
    )
    return [(request, event) for request, event in session.execute(stmt)]
