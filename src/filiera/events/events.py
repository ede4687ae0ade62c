"""Events and their slots: created, changed and read by the rules of `events.roles`.

An event's slots are generated from its days, hours, slot length, breaks and sessions, or
listed one by one. Every slot fits the venue (no more tables than it has), no two slots
overlap, and table names, when given, name every table once. Problems are collected and
raised together, each naming its field.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from filiera.access import policy
from filiera.access.viewer import Viewer
from filiera.errors import NotFound, ValidationFailed, field_error
from filiera.events import roles
from filiera.events.models import Event, EventParticipant, EventSlot, Meeting
from filiera.events.schemas import (
    MAX_SLOTS,
    EventIn,
    EventOut,
    EventPatch,
    SlotIn,
    SlotOut,
    SlotPlanIn,
)
from filiera.registry.models import Organisation

GENERATION = ("days", "day_start", "day_end", "slot_minutes")


class Problems:
    """Collects field errors of one record, then raises them together."""

    def __init__(self, record: str) -> None:
        self.record = record
        self.errors: list[dict[str, str]] = []

    def add(self, name: str, message: str) -> None:
        self.errors.append(field_error(self.record, name, message))

    def raise_any(self) -> None:
        if self.errors:
            said = "; ".join(f"{e['field']}: {e['message']}" for e in self.errors[:5])
            raise ValidationFailed(f"{self.record}: {said}", errors=self.errors)


def zone(name: str, problems: Problems) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        problems.add("timezone", f"unknown time zone {name!r} (e.g. Europe/Rome)")
        return None


def local(value: dt.datetime, tz: ZoneInfo | None) -> dt.datetime:
    """A time as the event's naive local time (an offset given is converted)."""
    if value.tzinfo is None or tz is None:
        return value.replace(tzinfo=None)
    return value.astimezone(tz).replace(tzinfo=None)


def label(at: dt.datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M")


# --- planning slots -------------------------------------------------------------------------


def plan_slots(plan: SlotPlanIn, tz: ZoneInfo | None, problems: Problems) -> list[SlotIn]:
    """The plan's slots: generated or listed (not both), sorted by start."""
    generating = [name for name in GENERATION if getattr(plan, name)]
    if generating and plan.slots:
        problems.add("slots", "give either days, hours and a slot length, or a list of slots")
        return []
    if plan.slots:
        return _listed(plan.slots, tz, problems)
    if generating or plan.breaks or plan.sessions:
        return _generated(plan, problems)
    return []


def _listed(slots: list[SlotIn], tz: ZoneInfo | None, problems: Problems) -> list[SlotIn]:
    out = []
    for i, slot in enumerate(slots):
        start, end = local(slot.starts_at, tz), local(slot.ends_at, tz)
        if end <= start:
            problems.add(f"slots[{i}].ends_at", f"slot {label(start)} ends before it starts")
            continue
        out.append(slot.model_copy(update={"starts_at": start, "ends_at": end}))
    return sorted(out, key=lambda s: s.starts_at)


def _generated(plan: SlotPlanIn, problems: Problems) -> list[SlotIn]:
    for name in GENERATION:
        if not getattr(plan, name):
            problems.add(name, "needed to generate the slots")
    if problems.errors:
        return []
    if plan.day_end <= plan.day_start:
        problems.add("day_end", "the day ends before it starts")
        return []
    breaks = _breaks(plan, problems)
    _check_sessions(plan, problems)
    if problems.errors:
        return []
    length = dt.timedelta(minutes=plan.slot_minutes)
    slots: list[SlotIn] = []
    for day in sorted(set(plan.days)):
        at = dt.datetime.combine(day, plan.day_start)
        for pause in breaks:
            pause_start = dt.datetime.combine(day, pause.start)
            slots += _meetings(plan, day, at, pause_start, length)
            pause_end = dt.datetime.combine(day, pause.end)
            slots.append(
                SlotIn(starts_at=pause_start, ends_at=pause_end, session=pause.label, kind="break")
            )
            at = pause_end
        slots += _meetings(plan, day, at, dt.datetime.combine(day, plan.day_end), length)
    if len(slots) > MAX_SLOTS:
        problems.add(
            "slot_minutes", f"{len(slots)} slots is more than {MAX_SLOTS}: use longer slots"
        )
    return slots


def _breaks(plan: SlotPlanIn, problems: Problems):
    breaks = sorted(plan.breaks, key=lambda b: b.start)
    previous = None
    for pause in breaks:
        i = plan.breaks.index(pause)
        if pause.end <= pause.start:
            problems.add(f"breaks[{i}].end", "the break ends before it starts")
        elif pause.start < plan.day_start or pause.end > plan.day_end:
            problems.add(f"breaks[{i}].start", "the break is outside the day's hours")
        elif previous is not None and pause.start < previous.end:
            problems.add(f"breaks[{i}].start", "the break overlaps another break")
        previous = pause
    return breaks


def _check_sessions(plan: SlotPlanIn, problems: Problems) -> None:
    for i, session in enumerate(plan.sessions):
        if session.end <= session.start:
            problems.add(f"sessions[{i}].end", "the session ends before it starts")
        for day in session.days:
            if day not in plan.days:
                problems.add(f"sessions[{i}].days", f"{day} is not one of the event's days")


def _meetings(
    plan: SlotPlanIn, day: dt.date, at: dt.datetime, until: dt.datetime, length: dt.timedelta
) -> list[SlotIn]:
    """Meeting slots of `length` from `at` while they end by `until`, with their session."""
    out = []
    while at + length <= until:
        session = _session_of(plan, day, at.time(), (at + length).time())
        out.append(
            SlotIn(
                starts_at=at,
                ends_at=at + length,
                session=session.name if session else None,
                tables=session.tables if session else None,
            )
        )
        at += length
    return out


def _session_of(plan: SlotPlanIn, day: dt.date, start: dt.time, end: dt.time):
    for session in plan.sessions:
        on_day = not session.days or day in session.days
        if on_day and session.start <= start and end <= session.end:
            return session
    return None


def check_slots(
    slots: list[SlotIn], tables: int, problems: Problems, existing: list[EventSlot] = ()
) -> None:
    """No slot asks for more tables than the venue has; no two slots overlap."""
    for i, slot in enumerate(slots):
        if slot.tables is not None and slot.tables > tables:
            problems.add(
                f"slots[{i}].tables",
                f"slot {label(slot.starts_at)} asks for {slot.tables} tables "
                f"but the venue has {tables}",
            )
    spans = [(s.starts_at, s.ends_at, f"slots[{i}]") for i, s in enumerate(slots)]
    spans += [(s.starts_at, s.ends_at, None) for s in existing]
    spans.sort(key=lambda span: (span[0], span[1]))
    for before, after in zip(spans, spans[1:], strict=False):
        if after[0] < before[1]:
            name = after[2] or before[2] or "slots"
            problems.add(
                f"{name}.starts_at",
                f"slot {label(after[0])} overlaps slot {label(before[0])}",
            )


def check_table_names(names: list[str], tables: int, problems: Problems) -> None:
    if names and len(names) != tables:
        problems.add("table_names", f"give one name per table: {tables} tables, {len(names)} names")
    elif len(set(names)) != len(names):
        problems.add("table_names", "each table needs its own name")


def _slot_rows(slots: list[SlotIn]) -> list[EventSlot]:
    return [
        EventSlot(
            starts_at=s.starts_at,
            ends_at=s.ends_at,
            session=s.session,
            kind=s.kind,
            tables=s.tables if s.kind == "meeting" else None,
        )
        for s in slots
    ]


# --- events ---------------------------------------------------------------------------------


def create_event(session: Session, viewer: Viewer, data: EventIn) -> Event:
    """An organiser (cluster manager or admin) creates an event of an organisation they
    act for, with its slots."""
    _visible_owner(session, viewer, data.owner_id)
    policy.require_owner(viewer, "event.organise", data.owner_id)
    problems = Problems("event")
    tz = zone(data.timezone, problems)
    slots = plan_slots(data, tz, problems)
    check_slots(slots, data.tables, problems)
    check_table_names(data.table_names, data.tables, problems)
    starts_on, ends_on = _dates(data, slots, problems)
    problems.raise_any()
    fields = data.model_dump(
        include={
            "name",
            "description",
            "venue",
            "city",
            "country",
            "timezone",
            "owner_id",
            "tables",
            "table_names",
            "auto_accept",
            "max_requests",
            "status",
            "visibility",
            "synthetic_note",
        }
    )
    event = Event(**fields, starts_on=starts_on, ends_on=ends_on, created_by=viewer.user_id)
    event.slots = _slot_rows(slots)
    session.add(event)
    session.flush()
    return event


def _visible_owner(session: Session, viewer: Viewer, owner_id: int) -> None:
    stmt = select(Organisation.id).where(
        Organisation.id == owner_id, policy.visible_organisations(viewer)
    )
    if session.scalar(stmt) is None:
        message = f"organisation {owner_id} does not exist"
        raise NotFound(message, errors=[field_error("event", "owner_id", message)])


def _dates(
    data: EventIn, slots: list[SlotIn], problems: Problems
) -> tuple[dt.date | None, dt.date | None]:
    """The first and last day: given, else those of the days and slots, which given ones
    must cover."""
    days = sorted(
        {s.starts_at.date() for s in slots} | {s.ends_at.date() for s in slots} | set(data.days)
    )
    starts_on = data.starts_on or (days[0] if days else None)
    ends_on = data.ends_on or (days[-1] if days else starts_on)
    if starts_on is None:
        problems.add("days", "give the event's days (or starts_on)")
        return None, None
    if ends_on < starts_on:
        problems.add("ends_on", "the event ends before it starts")
    if days and (days[0] < starts_on or days[-1] > ends_on):
        problems.add("starts_on", f"slots run from {days[0]} to {days[-1]}, outside the dates")
    return starts_on, ends_on


def list_events(session: Session, viewer: Viewer, *, status: str | None = None) -> list[Event]:
    """Events the viewer may see (drafts only for their organisers), soonest first."""
    stmt = select(Event).where(roles.visible_events(viewer))
    if status:
        stmt = stmt.where(Event.status == status)
    stmt = stmt.options(selectinload(Event.owner), selectinload(Event.slots))
    return list(session.scalars(stmt.order_by(Event.starts_on, Event.id)))


def get(session: Session, viewer: Viewer, event_id: int) -> Event:
    """The event, or NotFound exactly as if it did not exist."""
    return roles.get_event(session, viewer, event_id)


def organised(session: Session, viewer: Viewer, event_id: int) -> Event:
    """The event, for its organisers only (others: Forbidden; hidden ones: NotFound)."""
    event = roles.get_event(session, viewer, event_id)
    roles.require_organiser(viewer, event)
    return event


def update_event(session: Session, viewer: Viewer, event_id: int, patch: EventPatch) -> Event:
    """Change the fields given; the venue's tables must still fit every slot and name."""
    event = organised(session, viewer, event_id)
    changes = patch.model_dump(include=patch.model_fields_set)
    problems = Problems("event")
    for name in ("name", "status", "tables", "auto_accept", "visibility"):
        if name in changes and changes[name] is None:
            problems.add(name, "cannot be empty")
    tables = changes.get("tables") or event.tables
    names = changes.get("table_names")
    if names is None:
        names = [] if "table_names" in changes else list(event.table_names or [])
    check_table_names(names, tables, problems)
    for slot in event.slots:
        if slot.tables is not None and slot.tables > tables:
            problems.add(
                "tables",
                f"slot {label(slot.starts_at)} asks for {slot.tables} tables "
                f"but the venue has {tables}",
            )
    problems.raise_any()
    changes["table_names"] = names
    for name, value in changes.items():
        setattr(event, name, value)
    session.flush()
    return event


def add_slots(session: Session, viewer: Viewer, event_id: int, plan: SlotPlanIn) -> list[EventSlot]:
    """Add generated or listed slots; the event's dates stretch to cover them."""
    event = organised(session, viewer, event_id)
    problems = Problems("event")
    slots = plan_slots(plan, zone(event.timezone, problems), problems)
    if not slots and not problems.errors:
        problems.add("slots", "no slot to add")
    check_slots(slots, event.tables, problems, existing=list(event.slots))
    problems.raise_any()
    rows = _slot_rows(slots)
    event.slots.extend(rows)
    event.starts_on = min(event.starts_on, *(s.starts_at.date() for s in slots))
    event.ends_on = max(event.ends_on, *(s.ends_at.date() for s in slots))
    session.flush()
    return rows


def remove_slot(session: Session, viewer: Viewer, event_id: int, slot_id: int) -> None:
    """Remove a slot, the meetings placed in it and its mentions in blocked slots."""
    event = organised(session, viewer, event_id)
    slot = next((s for s in event.slots if s.id == slot_id), None)
    if slot is None:
        message = f"slot {slot_id} is not a slot of event {event_id}"
        raise NotFound(message, errors=[field_error("event", "slot_id", message)])
    for meeting in session.scalars(select(Meeting).where(Meeting.slot_id == slot_id)):
        session.delete(meeting)
    stmt = select(EventParticipant).where(EventParticipant.event_id == event_id)
    for participant in session.scalars(stmt):
        if slot_id in (participant.blocked_slots or []):
            participant.blocked_slots = [s for s in participant.blocked_slots if s != slot_id]
    event.slots.remove(slot)
    session.flush()


# --- output ---------------------------------------------------------------------------------


def slot_out(event: Event, slot: EventSlot) -> SlotOut:
    return SlotOut(
        id=slot.id,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        session=slot.session,
        kind=slot.kind,
        tables=slot.tables,
        capacity=event.tables_in(slot),
    )


def event_out(session: Session, viewer: Viewer, event: Event) -> EventOut:
    return EventOut(
        id=event.id,
        name=event.name,
        description=event.description,
        venue=event.venue,
        city=event.city,
        country=event.country,
        timezone=event.timezone,
        starts_on=event.starts_on,
        ends_on=event.ends_on,
        tables=event.tables,
        table_names=list(event.table_names or []),
        auto_accept=event.auto_accept,
        max_requests=event.max_requests,
        owner_id=event.owner_id,
        owner=event.owner.name,
        status=event.status,
        visibility=event.visibility,
        synthetic_note=event.synthetic_note,
        slots=[slot_out(event, s) for s in event.slots],
        organiser=roles.is_organiser(viewer, event),
        my_participants=[p.id for p in roles.own_participants(session, viewer, event)],
    )
