"""An event's schedule: its instance from the database, runs and second runs, locks, moves.

- The instance holds the event's meeting slots, its tables, its active participants (a
  cancelled registration or a no-show is left out, with their meetings) and the accepted
  requests whose members are all active.
- A run replaces the event's meetings at once: unchanged ones keep their row and lock,
  moved ones are updated, new ones inserted, the rest deleted. Nothing is written before
  the scheduler has finished, so a failed run leaves the previous schedule as it was.
- Locked meetings stay where they are on every run; a lock that no longer fits (a member
  blocked that slot, the slot lost tables) is kept as a wish only, and the run says so.
- Only the event's organisers run, lock and move; to anyone else a meeting does not exist.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from filiera.access import policy
from filiera.access.viewer import Viewer
from filiera.errors import Conflict, NotFound, Unauthorized, ValidationFailed, field_error
from filiera.events import requests, roles, scheduler
from filiera.events.instance import Instance, parse
from filiera.events.models import (
    PRIORITIES,
    Event,
    EventParticipant,
    EventSlot,
    Meeting,
    MeetingGuest,
    MeetingRequest,
    ScheduleRun,
)
from filiera.events.schedule_schemas import (
    SERVER_TIME_LIMIT,
    AgendaSlot,
    MeetingOut,
    MeetingPatch,
    PersonOut,
    ScheduleOut,
    ScheduleRunOut,
    UnscheduledOut,
)

ACCEPTED = "accepted"


# --- reading the event ----------------------------------------------------------------------


def meeting_slots(event: Event) -> list[EventSlot]:
    """The slots that hold meetings, in time order."""
    return [slot for slot in event.slots if slot.kind == "meeting"]


def table_label(event: Event, table: int) -> str:
    names = event.table_names or []
    if len(names) == event.tables and 0 < table <= len(names):
        return str(names[table - 1])
    return str(table)


def unavailable_slots(participant: EventParticipant, slots: Iterable[EventSlot]) -> set[int]:
    """Ids of the slots the participant misses: before arriving, after leaving, blocked."""
    blocked = set(participant.blocked_slots or [])
    arrives, leaves = participant.arrives_at, participant.leaves_at
    return {
        slot.id
        for slot in slots
        if slot.id in blocked
        or (arrives is not None and slot.starts_at < arrives)
        or (leaves is not None and slot.ends_at > leaves)
    }


def members_of(request: MeetingRequest) -> list[EventParticipant]:
    """Everyone a request brings to the table (the pair, or the group's host and guests)."""
    return requests.members(request)


def is_live(request: MeetingRequest) -> bool:
    """Accepted, and every member still registered (not cancelled, not a no-show)."""
    return request.status == ACCEPTED and all(
        member is not None and member.status == roles.ACTIVE for member in members_of(request)
    )


_REQUEST_LOADS = (
    selectinload(MeetingRequest.requester).selectinload(EventParticipant.organisation),
    selectinload(MeetingRequest.receiver).selectinload(EventParticipant.organisation),
    selectinload(MeetingRequest.guests)
    .selectinload(MeetingGuest.participant)
    .selectinload(EventParticipant.organisation),
)


def event_meetings(session: Session, event: Event) -> list[Meeting]:
    """Every stored meeting of the event, live or not, with its request and members."""
    stmt = (
        select(Meeting)
        .where(Meeting.event_id == event.id)
        .options(selectinload(Meeting.request).options(*_REQUEST_LOADS))
        .order_by(Meeting.id)
    )
    return list(session.scalars(stmt))


def live_meetings(session: Session, event: Event) -> list[Meeting]:
    """The meetings that will take place: their request is live (see `is_live`)."""
    return [meeting for meeting in event_meetings(session, event) if is_live(meeting.request)]


def active_participants(session: Session, event: Event) -> list[EventParticipant]:
    stmt = (
        select(EventParticipant)
        .where(EventParticipant.event_id == event.id, EventParticipant.status == roles.ACTIVE)
        .options(selectinload(EventParticipant.organisation))
        .order_by(EventParticipant.id)
    )
    return list(session.scalars(stmt))


def person_out(participant: EventParticipant) -> PersonOut:
    return PersonOut(
        participant_id=participant.id,
        name=participant.contact_name,
        organisation_id=participant.organisation_id,
        organisation=participant.organisation.name,
        job_title=participant.job_title,
    )


def slot_out(event: Event, slot: EventSlot) -> AgendaSlot:
    return AgendaSlot(
        id=slot.id,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        kind=slot.kind,
        session=slot.session,
        tables=event.tables_in(slot),
    )


def priority_name(priority: int) -> str:
    """must_meet, would_like or optional."""
    return PRIORITIES.get(priority, "would_like")


def _name(participant: EventParticipant) -> str:
    return f"{participant.contact_name} ({participant.organisation.name})"


def _when(slot: EventSlot) -> str:
    return f"{slot.starts_at:%Y-%m-%d %H:%M}–{slot.ends_at:%H:%M}"


# --- the instance ---------------------------------------------------------------------------


@dataclass
class Lookup:
    """From the instance's ids (text) back to the database rows."""

    slots: dict[str, EventSlot]
    participants: dict[str, EventParticipant]
    requests: dict[str, MeetingRequest]
    meetings: dict[str, Meeting]  # the stored meeting of each request, by request id


def _lock_problem(
    meeting: Meeting,
    event: Event,
    slots: dict[int, EventSlot],
    away: dict[int, set[int]],
    taken: dict[tuple[int, int], Meeting],
    busy: dict[tuple[int, int], Meeting],
) -> str | None:
    """Why a locked meeting cannot stay where it is, or None."""
    slot = slots.get(meeting.slot_id)
    if slot is None:
        return "its slot no longer holds meetings"
    if meeting.table_no > event.tables_in(slot):
        return f"table {table_label(event, meeting.table_no)} is not in use at {_when(slot)}"
    if (slot.id, meeting.table_no) in taken:
        return f"another locked meeting holds its table at {_when(slot)}"
    for member in members_of(meeting.request):
        if slot.id in away[member.id]:
            return f"{_name(member)} is not available at {_when(slot)}"
        if (member.id, slot.id) in busy:
            return f"{_name(member)} has another locked meeting at {_when(slot)}"
    return None


def _locks(
    meetings: list[Meeting], event: Event, slots: dict[int, EventSlot], away: dict[int, set[int]]
) -> tuple[set[int], list[str]]:
    """The locked meetings that still fit (by meeting id), and a warning for each that doesn't."""
    taken: dict[tuple[int, int], Meeting] = {}
    busy: dict[tuple[int, int], Meeting] = {}
    kept, warnings = set(), []
    for meeting in meetings:
        if not meeting.locked:
            continue
        problem = _lock_problem(meeting, event, slots, away, taken, busy)
        if problem:
            names = " – ".join(_name(m) for m in members_of(meeting.request))
            warnings.append(f"meeting {meeting.id} ({names}) is no longer locked: {problem}")
            continue
        kept.add(meeting.id)
        taken[(meeting.slot_id, meeting.table_no)] = meeting
        for member in members_of(meeting.request):
            busy[(member.id, meeting.slot_id)] = meeting
    return kept, warnings


def _request_raw(
    request: MeetingRequest, meeting: Meeting | None, locked: set[int]
) -> dict[str, Any]:
    members = [str(m.id) for m in members_of(request)]
    raw: dict[str, Any] = {"id": str(request.id), "priority": request.priority}
    if len(members) == 2:
        raw["a"], raw["b"] = members
    else:
        raw["participants"] = members
    if meeting is not None and meeting.id in locked:
        raw.update(locked=True, slot=str(meeting.slot_id), table=meeting.table_no)
    return raw


def instance_for(session: Session, event: Event) -> tuple[Instance, Lookup]:
    """The scheduler's input for `event`, and the way back from its ids to the rows."""
    slots = meeting_slots(event)
    by_id = {slot.id: slot for slot in slots}
    people = active_participants(session, event)
    away = {p.id: unavailable_slots(p, slots) for p in people}
    wanted = requests.accepted_for_schedule(session, event)
    stored = {m.request_id: m for m in event_meetings(session, event)}
    live = [stored[r.id] for r in wanted if r.id in stored]
    locked, warnings = _locks(live, event, by_id, away)
    names = [str(n) for n in event.table_names or []]
    raw: dict[str, Any] = {
        "slots": [
            {
                "id": str(s.id),
                "start": s.starts_at.isoformat(),
                "end": s.ends_at.isoformat(),
                "tables": event.tables_in(s),
            }
            for s in slots
        ],
        "tables": event.tables,
        "participants": [
            {"id": str(p.id), "unavailable": sorted(str(s) for s in away[p.id])} for p in people
        ],
        "requests": [_request_raw(r, stored.get(r.id), locked) for r in wanted],
        "previous": [
            {"request": str(m.request_id), "slot": str(m.slot_id), "table": m.table_no}
            for m in live
            if m.id not in locked and m.slot_id in by_id
        ],
    }
    if names and len(names) == event.tables:
        raw["table_names"] = names
    instance = parse(raw, source=f"event {event.id}")
    instance.warnings.extend(warnings)
    lookup = Lookup(
        slots={str(s.id): s for s in slots},
        participants={str(p.id): p for p in people},
        requests={str(r.id): r for r in wanted},
        meetings={str(m.request_id): m for m in live},
    )
    return instance, lookup


# --- runs -----------------------------------------------------------------------------------


def _organised_event(session: Session, viewer: Viewer, event_id: int) -> Event:
    event = roles.get_event(session, viewer, event_id)
    roles.require_organiser(viewer, event)
    return event


def _plain(value: Any) -> Any:
    """JSON-safe copy (the stats go into a JSON column)."""
    return json.loads(json.dumps(value, default=str))


def _unscheduled(result: scheduler.Schedule, lookup: Lookup) -> list[dict[str, Any]]:
    """The requests left out, with members and reasons named (the scheduler uses ids)."""
    out = []
    for item in result.unscheduled:
        members = [lookup.participants[m] for m in item.members]
        reason, params = _named_reason(item, lookup)
        out.append(
            {
                "request_id": int(item.request),
                "members": [person_out(m).model_dump() for m in members],
                "priority": item.priority,
                "reason": reason,
                "key": item.key,
                "params": _plain(params),
            }
        )
    return out


def _named_reason(item: scheduler.Unscheduled, lookup: Lookup) -> tuple[str, dict[str, Any]]:
    """The reason of the scheduler, said with names instead of participant ids."""
    name = {pid: _name(p) for pid, p in lookup.participants.items()}
    params = dict(item.params)
    if item.key == "no_free_slot":
        params["member"] = name[params["member"]]
    elif item.key == "no_common_slot":
        params["members"] = [name[m] for m in params["members"]]
    elif item.key == "crowded_out":
        params["busy"] = {name[m]: n for m, n in params["busy"].items()}
    else:
        return item.reason, params
    return scheduler.reason_text(item.key, params), params


def _apply(
    session: Session, event: Event, lookup: Lookup, result: scheduler.Schedule
) -> tuple[list[Meeting], dict[str, int]]:
    """Make the stored meetings the schedule's; returns the rows written and the counts."""
    placed = {m.request: m for m in result.meetings}
    touched: list[Meeting] = []
    changes = {"kept": 0, "moved": 0, "added": 0, "removed": 0}
    existing = event_meetings(session, event)
    for stored in existing:
        new = placed.get(str(stored.request_id))
        if new is None:
            session.delete(stored)
            changes["removed"] += 1
        elif (str(stored.slot_id), stored.table_no) == (new.slot, new.table):
            changes["kept"] += 1
        else:
            stored.slot, stored.table_no = lookup.slots[new.slot], new.table
            stored.locked = False  # a lock that moved had stopped fitting
            touched.append(stored)
            changes["moved"] += 1
    known = {str(m.request_id) for m in existing}
    for request_id, new in placed.items():
        if request_id in known:
            continue
        meeting = Meeting(
            event_id=event.id,
            request=lookup.requests[request_id],
            slot=lookup.slots[new.slot],
            table_no=new.table,
        )
        session.add(meeting)
        touched.append(meeting)
        changes["added"] += 1
    return touched, changes


def run_schedule(
    session: Session, viewer: Viewer, event_id: int, *, time_limit: float = 30.0, seed: int = 1
) -> ScheduleRun:
    """Schedule the event's accepted requests, replacing its meetings; organisers only.

    The run keeps locked meetings where they are and moves as few others as it can; its
    `stats` are the scheduler's quality certificate plus the rows kept, moved, added and
    removed (`stats["changes"]`). The caller commits.
    """
    event = _organised_event(session, viewer, event_id)
    instance, lookup = instance_for(session, event)
    result = scheduler.schedule(instance, time_limit=time_limit, seed=seed)
    with session.no_autoflush:
        touched, changes = _apply(session, event, lookup, result)
    run = ScheduleRun(
        event_id=event.id,
        created_by=viewer.label,
        time_limit=time_limit,
        seed=seed,
        stats=_plain({**result.stats, "changes": changes}),
        unscheduled=_unscheduled(result, lookup),
    )
    session.add(run)
    session.flush()
    for meeting in touched:
        meeting.run_id = run.id
    session.flush()
    return run


def run_out(run: ScheduleRun) -> ScheduleRunOut:
    stats = dict(run.stats or {})
    changes = stats.pop("changes", {})
    return ScheduleRunOut(
        id=run.id,
        event_id=run.event_id,
        created_by=run.created_by,
        created_at=run.created_at,
        time_limit=run.time_limit,
        seed=run.seed,
        stats=stats,
        changes=changes,
        unscheduled=[UnscheduledOut(**item) for item in run.unscheduled or []],
    )


def latest_run(session: Session, viewer: Viewer, event_id: int) -> ScheduleRunOut | None:
    """The event's last schedule run, or None before the first; organisers only."""
    event = _organised_event(session, viewer, event_id)
    stmt = (
        select(ScheduleRun)
        .where(ScheduleRun.event_id == event.id)
        .order_by(ScheduleRun.created_at.desc(), ScheduleRun.id.desc())
    )
    run = session.scalars(stmt).first()
    return None if run is None else run_out(run)


# --- locks and moves by hand ----------------------------------------------------------------


def meeting_out(event: Event, meeting: Meeting) -> MeetingOut:
    return MeetingOut(
        id=meeting.id,
        request_id=meeting.request_id,
        slot=slot_out(event, meeting.slot),
        table=meeting.table_no,
        table_label=table_label(event, meeting.table_no),
        locked=meeting.locked,
        priority=meeting.request.priority,
        members=[person_out(m) for m in members_of(meeting.request)],
    )


def _organised_meeting(session: Session, viewer: Viewer, meeting_id: int) -> tuple[Meeting, Event]:
    """The meeting, for one of its event's organisers; to anyone else it does not exist."""
    policy.require_role(viewer, "event.organise")
    meeting = session.get(Meeting, meeting_id)
    event = None
    if meeting is not None:
        try:
            event = roles.get_event(session, viewer, meeting.event_id)
        except NotFound:
            event = None
    if meeting is None or event is None or not roles.is_organiser(viewer, event):
        message = f"meeting {meeting_id} does not exist"
        raise NotFound(message, errors=[field_error("meeting", "meeting_id", message)])
    return meeting, event


def lock(session: Session, viewer: Viewer, meeting_id: int, locked: bool) -> MeetingOut:
    """Lock a meeting where it is (runs leave it there) or unlock it; organisers only."""
    meeting, event = _organised_meeting(session, viewer, meeting_id)
    meeting.locked = locked
    session.flush()
    return meeting_out(event, meeting)


def _target_slot(event: Event, slot_id: int, table_no: int) -> EventSlot:
    slot = next((s for s in event.slots if s.id == slot_id), None)
    if slot is None or slot.kind != "meeting":
        message = f"slot {slot_id} is not a meeting slot of event {event.id}"
        raise ValidationFailed(
            message, errors=[field_error("meeting", "slot_id", message)], key="not_a_meeting_slot"
        )
    if not 1 <= table_no <= event.tables_in(slot):
        message = f"table {table_no} is not in use at {_when(slot)} (1–{event.tables_in(slot)})"
        raise ValidationFailed(
            message,
            errors=[field_error("meeting", "table_no", message)],
            key="no_such_table",
            params={"table": table_no, "tables": event.tables_in(slot)},
        )
    return slot


def _clash(
    meeting: Meeting, event: Event, slot: EventSlot, table_no: int, others: list[Meeting]
) -> Conflict | None:
    """Why the meeting cannot go to (slot, table): a member away or busy, the table taken."""
    when = _when(slot)
    members = members_of(meeting.request)
    there = [m for m in others if m.id != meeting.id and m.slot_id == slot.id]
    for member in members:
        if slot.id in unavailable_slots(member, [slot]):
            return Conflict(
                f"{_name(member)} is not available at {when}",
                errors=[field_error("meeting", "slot_id", f"{_name(member)} is not available")],
                key="participant_unavailable",
                params={"name": _name(member), "slot": when},
            )
    for other in there:
        names = " – ".join(_name(m) for m in members_of(other.request))
        busy = [m for m in members if m.id in {p.id for p in members_of(other.request)}]
        if busy:
            return Conflict(
                f"{_name(busy[0])} already has a meeting at {when}: {names}",
                errors=[field_error("meeting", "slot_id", f"{_name(busy[0])} is busy")],
                key="participant_busy",
                params={"name": _name(busy[0]), "slot": when, "names": names},
            )
    for other in there:
        if other.table_no == table_no:
            names = " – ".join(_name(m) for m in members_of(other.request))
            label = table_label(event, table_no)
            return Conflict(
                f"table {label} at {when} already holds the meeting {names}",
                errors=[field_error("meeting", "table_no", f"table {label} is taken")],
                key="table_taken",
                params={"table": label, "slot": when, "names": names},
            )
    return None


def move(
    session: Session, viewer: Viewer, meeting_id: int, slot_id: int, table_no: int
) -> MeetingOut:
    """Move a meeting by hand to (slot, table) and lock it there; organisers only.

    Refuses a slot a member is not available in, a member already meeting someone else
    then, or a table already taken, naming the clash.
    """
    meeting, event = _organised_meeting(session, viewer, meeting_id)
    slot = _target_slot(event, slot_id, table_no)
    clash = _clash(meeting, event, slot, table_no, live_meetings(session, event))
    if clash is not None:
        raise clash
    meeting.slot, meeting.table_no, meeting.locked = slot, table_no, True
    session.flush()
    return meeting_out(event, meeting)


# --- for the API: the schedule as it stands, one change of a meeting, a plain instance ------


def current_schedule(session: Session, viewer: Viewer, event_id: int) -> ScheduleOut:
    """The last run's certificate and every meeting that will take place, in slot and table
    order (hand moves included); organisers only."""
    event = _organised_event(session, viewer, event_id)
    meetings = sorted(
        live_meetings(session, event), key=lambda m: (m.slot.starts_at, m.table_no, m.id)
    )
    return ScheduleOut(
        run=latest_run(session, viewer, event_id),
        meetings=[meeting_out(event, m) for m in meetings],
    )


def change_meeting(
    session: Session, viewer: Viewer, meeting_id: int, patch: MeetingPatch
) -> MeetingOut:
    """Move a meeting (`slot_id` and `table` together; it is then locked there), then lock
    or unlock it if `locked` is given; organisers only."""
    if (patch.slot_id is None) != (patch.table is None):
        missing = "table" if patch.table is None else "slot_id"
        message = "a move names both the slot and the table"
        raise ValidationFailed(message, errors=[field_error("meeting", missing, message)])
    if patch.slot_id is None and patch.locked is None:
        message = "give locked, or a slot and a table to move the meeting to"
        raise ValidationFailed(message, errors=[field_error("meeting", "locked", message)])
    out = None
    if patch.slot_id is not None and patch.table is not None:
        out = move(session, viewer, meeting_id, patch.slot_id, patch.table)
    if patch.locked is not None:
        out = lock(session, viewer, meeting_id, patch.locked)
    assert out is not None
    return out


def schedule_instance(
    viewer: Viewer, raw: Any, *, time_limit: float = 30.0, seed: int = 1
) -> dict[str, Any]:
    """Any signed-in user schedules a plain instance (no database), for at most
    `SERVER_TIME_LIMIT` seconds: the scheduler's JSON output, or every problem at once."""
    if not viewer.signed_in:
        raise Unauthorized("sign in first", key="sign_in_first")
    instance = parse(raw, source="instance")
    limit = min(time_limit, SERVER_TIME_LIMIT)
    return scheduler.to_json(instance, scheduler.schedule(instance, time_limit=limit, seed=seed))
