"""Agendas: a participant's day, the organiser's room sheets, iCalendar and e-mail text.

- A participant's agenda is read by the participant (`roles.acts_for`) and the event's
  organisers; to anyone else it does not exist (NotFound, the same as a wrong id).
- The sheets per slot and per table are the organiser's, to print for the room.
- Only meetings that will take place are shown: accepted, every member still registered.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from datetime import UTC
from zoneinfo import ZoneInfo

import icalendar
from sqlalchemy.orm import Session

from filiera.access.viewer import Viewer
from filiera.errors import NotFound, field_error
from filiera.events import planning, roles
from filiera.events.models import Event, EventParticipant, EventSlot, Meeting
from filiera.events.schedule_schemas import (
    AgendaItem,
    AgendaMeeting,
    AgendaOut,
    GridCell,
    GridMeeting,
    GridRow,
    SlotGridOut,
    TableOut,
)

PRODID = "-//Filiera//B2B events//EN"


# --- a participant's agenda -----------------------------------------------------------------


def _participant(
    session: Session, viewer: Viewer, event: Event, participant_id: int
) -> EventParticipant:
    """The participant, for themselves and the organisers; NotFound for anyone else."""
    participant = session.get(EventParticipant, participant_id)
    if (
        participant is None
        or participant.event_id != event.id
        or not (roles.is_organiser(viewer, event) or roles.acts_for(viewer, participant))
    ):
        message = f"participant {participant_id} does not exist"
        raise NotFound(message, errors=[field_error("participant", "participant_id", message)])
    return participant


def _agenda_meeting(event: Event, meeting: Meeting, participant_id: int) -> AgendaMeeting:
    request = meeting.request
    others = [m for m in planning.members_of(request) if m.id != participant_id]
    return AgendaMeeting(
        id=meeting.id,
        request_id=request.id,
        counterparts=[planning.person_out(m) for m in others],
        table=meeting.table_no,
        table_label=planning.table_label(event, meeting.table_no),
        priority=request.priority,
        priority_name=planning.priority_name(request.priority),
        title=request.title,
        message=request.message,
    )


def _item(
    event: Event, slot: EventSlot, meeting: Meeting | None, away: set[int], participant_id: int
) -> AgendaItem:
    out = planning.slot_out(event, slot)
    if meeting is not None:
        return AgendaItem(
            slot=out, status="meeting", meeting=_agenda_meeting(event, meeting, participant_id)
        )
    if slot.kind != "meeting":
        return AgendaItem(slot=out, status="break")
    return AgendaItem(slot=out, status="unavailable" if slot.id in away else "free")


def agenda(session: Session, viewer: Viewer, event_id: int, participant_id: int) -> AgendaOut:
    """Every slot of the event in time order, as it is for this participant."""
    event = roles.get_event(session, viewer, event_id)
    participant = _participant(session, viewer, event, participant_id)
    mine = {
        m.slot_id: m
        for m in planning.live_meetings(session, event)
        if participant.id in {p.id for p in planning.members_of(m.request)}
    }
    away = planning.unavailable_slots(participant, event.slots)
    return AgendaOut(
        event_id=event.id,
        event_name=event.name,
        venue=event.venue,
        city=event.city,
        timezone=event.timezone,
        starts_on=event.starts_on,
        ends_on=event.ends_on,
        participant=planning.person_out(participant),
        items=[
            _item(event, slot, mine.get(slot.id), away, participant.id) for slot in _in_order(event)
        ],
    )


def _in_order(event: Event) -> list[EventSlot]:
    return sorted(event.slots, key=lambda s: (s.starts_at, s.id))


# --- the organiser's sheets -----------------------------------------------------------------


def _grid_meeting(meeting: Meeting) -> GridMeeting:
    return GridMeeting(
        id=meeting.id,
        request_id=meeting.request_id,
        locked=meeting.locked,
        priority=meeting.request.priority,
        members=[planning.person_out(m) for m in planning.members_of(meeting.request)],
    )


def _cell(event: Event, slot: EventSlot, table: int, placed: dict) -> GridCell:
    meeting = placed.get((slot.id, table))
    return GridCell(
        slot_id=slot.id,
        table=table,
        open=table <= event.tables_in(slot),
        meeting=None if meeting is None else _grid_meeting(meeting),
    )


def _slot_label(slot: EventSlot) -> str:
    return f"{slot.starts_at:%Y-%m-%d %H:%M}–{slot.ends_at:%H:%M}"


def _grid(session: Session, viewer: Viewer, event_id: int, by: str) -> SlotGridOut:
    event = roles.get_event(session, viewer, event_id)
    roles.require_organiser(viewer, event)
    meetings = planning.live_meetings(session, event)
    placed = {(m.slot_id, m.table_no): m for m in meetings}
    slots = _in_order(event)
    numbers = range(1, event.tables + 1)
    if by == "slot":
        rows = [
            GridRow(
                key=slot.id,
                label=_slot_label(slot),
                cells=[_cell(event, slot, t, placed) for t in numbers],
            )
            for slot in slots
        ]
    else:
        rows = [
            GridRow(
                key=t,
                label=planning.table_label(event, t),
                cells=[_cell(event, slot, t, placed) for slot in slots],
            )
            for t in numbers
        ]
    return SlotGridOut(
        event_id=event.id,
        event_name=event.name,
        timezone=event.timezone,
        by=by,
        slots=[planning.slot_out(event, s) for s in slots],
        tables=[TableOut(number=t, label=planning.table_label(event, t)) for t in numbers],
        rows=rows,
        meetings=len(meetings),
    )


def by_slot(session: Session, viewer: Viewer, event_id: int) -> SlotGridOut:
    """Rows are slots in time order, columns tables: who sits where, when. Organisers only."""
    return _grid(session, viewer, event_id, "slot")


def by_table(session: Session, viewer: Viewer, event_id: int) -> SlotGridOut:
    """Rows are tables, columns slots: a table's card for the day. Organisers only."""
    return _grid(session, viewer, event_id, "table")


# --- iCalendar ------------------------------------------------------------------------------


def _counterparts(meeting: AgendaMeeting) -> str:
    return ", ".join(f"{p.name} ({p.organisation})" for p in meeting.counterparts)


def _place(event: Event, table_word: str, label: str) -> str:
    where = ", ".join(part for part in (event.venue, event.city) if part)
    table = f"{table_word} {label}"
    return f"{where}, {table}" if where else table


def ics(agenda: AgendaOut, event: Event) -> bytes:
    """The agenda's meetings as an iCalendar file, in the event's timezone."""
    zone = ZoneInfo(event.timezone)
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"{event.name} – {agenda.participant.name}")
    calendar.add("x-wr-timezone", event.timezone)
    stamp = dt.datetime.now(UTC).replace(microsecond=0)
    for item in agenda.meetings:
        meeting = item.meeting
        assert meeting is not None
        entry = icalendar.Event()
        entry.add("uid", f"meeting-{meeting.id}@filiera")
        entry.add("dtstamp", stamp)
        entry.add("dtstart", item.slot.starts_at.replace(tzinfo=zone))
        entry.add("dtend", item.slot.ends_at.replace(tzinfo=zone))
        entry.add("summary", f"Meeting: {_counterparts(meeting)}")
        entry.add("location", _place(event, "table", meeting.table_label))
        description = "\n\n".join(part for part in (meeting.title, meeting.message) if part)
        if description:
            entry.add("description", description)
        calendar.add_component(entry)
    first = dt.date(event.starts_on.year, 1, 1)  # the VTIMEZONE covers the event's years
    calendar.add_missing_timezones(
        first_date=first, last_date=dt.date(event.ends_on.year + 2, 1, 1)
    )
    return calendar.to_ical()


# --- e-mail text ----------------------------------------------------------------------------

MONTHS = {
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    "it": [
        "gennaio",
        "febbraio",
        "marzo",
        "aprile",
        "maggio",
        "giugno",
        "luglio",
        "agosto",
        "settembre",
        "ottobre",
        "novembre",
        "dicembre",
    ],
}
WEEKDAYS = {
    "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    "it": ["lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica"],
}
PHRASES = {
    "en": {
        "greeting": "Dear {name},",
        "intro": "here is your agenda for {event}, {dates}{where}.",
        "at": ", at {place}",
        "meetings": "Your meetings ({count}):",
        "no_meetings": "You have no meetings scheduled yet.",
        "table": "Table",
        "free": "Free time ({count} slots):",
        "free_one": "Free time (1 slot):",
        "no_free": "You have no free slots.",
        "closing": "See you there,\nThe organisers of {event}",
    },
    "it": {
        "greeting": "Gentile {name},",
        "intro": "ecco la sua agenda per {event}, {dates}{where}.",
        "at": ", presso {place}",
        "meetings": "I suoi incontri ({count}):",
        "no_meetings": "Non ha ancora incontri in programma.",
        "table": "Tavolo",
        "free": "Tempo libero ({count} fasce orarie):",
        "free_one": "Tempo libero (1 fascia oraria):",
        "no_free": "Non ha fasce orarie libere.",
        "closing": "A presto,\ngli organizzatori di {event}",
    },
}


def long_date(day: dt.date, lang: str) -> str:
    """3 December 2026 / 3 dicembre 2026."""
    return f"{day.day} {MONTHS[lang][day.month - 1]} {day.year}"


def _day_heading(day: dt.date, lang: str) -> str:
    return f"{WEEKDAYS[lang][day.weekday()]} {long_date(day, lang)}"


def _dates(agenda: AgendaOut, lang: str) -> str:
    first, last = agenda.starts_on, agenda.ends_on
    if first == last:
        return long_date(first, lang)
    return f"{long_date(first, lang)} – {long_date(last, lang)}"


def _span(start: dt.datetime, end: dt.datetime) -> str:
    return f"{start:%H:%M}–{end:%H:%M}"


def _free_spans(items: list[AgendaItem]) -> list[tuple[dt.datetime, dt.datetime]]:
    """Free slots, back-to-back ones joined into one span."""
    spans: list[tuple[dt.datetime, dt.datetime]] = []
    for item in items:
        if item.status != "free":
            continue
        start, end = item.slot.starts_at, item.slot.ends_at
        if spans and spans[-1][1] == start:
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans


def _by_day(
    agenda: AgendaOut, lines_of: Callable[[list[AgendaItem]], list[str]], lang: str
) -> list[str]:
    """Lines per day, under a heading of the day when the event lasts more than one."""
    days = sorted({item.slot.starts_at.date() for item in agenda.items})
    out: list[str] = []
    for day in days:
        lines = lines_of([item for item in agenda.items if item.slot.starts_at.date() == day])
        if not lines:
            continue
        if len(days) > 1:
            out.append(_day_heading(day, lang))
        out.extend(lines)
    return out


def email_text(agenda: AgendaOut, event: Event, lang: str = "en") -> str:
    """Plain text a participant can receive by e-mail, in English or Italian."""
    words = PHRASES[lang]
    place = ", ".join(part for part in (event.venue, event.city) if part)

    def meeting_lines(items: list[AgendaItem]) -> list[str]:
        return [
            f"{_span(i.slot.starts_at, i.slot.ends_at)}  {words['table']} "
            f"{i.meeting.table_label}  {_counterparts(i.meeting)}"
            for i in items
            if i.meeting is not None
        ]

    def free_lines(items: list[AgendaItem]) -> list[str]:
        spans = _free_spans(items)
        return [", ".join(_span(start, end) for start, end in spans)] if spans else []

    count = len(agenda.meetings)
    free = len(agenda.free)
    text = [
        words["greeting"].format(name=agenda.participant.name),
        "",
        words["intro"].format(
            event=event.name,
            dates=_dates(agenda, lang),
            where=words["at"].format(place=place) if place else "",
        ),
        "",
        words["meetings"].format(count=count) if count else words["no_meetings"],
        *_by_day(agenda, meeting_lines, lang),
        "",
        (words["free_one"] if free == 1 else words["free"].format(count=free))
        if free
        else words["no_free"],
        *_by_day(agenda, free_lines, lang),
        "",
        words["closing"].format(event=event.name),
    ]
    return "\n".join(text) + "\n"
