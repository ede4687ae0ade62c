"""Agendas of a scheduled event (issue 12), on SQLite and PostgreSQL: a participant's own
agenda (theirs and the organisers' to read, nobody else's), the organiser's sheets per slot
and per table, the iCalendar file and the e-mail text in English and Italian."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import icalendar
import pytest
from sqlalchemy import select

from filiera.access.viewer import Viewer
from filiera.db import Database
from filiera.errors import Forbidden, NotFound
from filiera.events import agenda, planning
from filiera.events.models import Event
from filiera.events.schedule_schemas import AgendaItem, AgendaOut
from support.event_world import DAY, EventWorld, build_event

ROME = ZoneInfo("Europe/Rome")
PAIRS = {  # name -> (a, b, priority)
    "ab": ("anna", "bruno", 3),
    "ac": ("anna", "carla", 2),
    "ae": ("anna", "elena", 3),
    "af": ("anna", "franco", 1),
    "bf": ("bruno", "franco", 3),
    "dg": ("dario", "gina", 2),
}


@pytest.fixture(scope="module")
def world(module_db_url: str) -> Iterator[EventWorld]:
    """The event with six pairs and a consortium table, scheduled once."""
    db = Database(module_db_url)
    w = build_event(db, table_names=["Sala Verdi", "Sala Rossa"])
    for name, (a, b, priority) in PAIRS.items():
        w.request(name, a, b, priority, message=f"Talk about {name}?")
    w.group("table", "gina", ["carla", "elena"], priority=3)
    with db.session() as session:
        run = planning.run_schedule(session, w.organiser, w.event_id, time_limit=5)
        assert run.unscheduled == [], run.unscheduled
    yield w
    db.dispose()


def read(w: EventWorld, viewer: Viewer, key: str) -> AgendaOut:
    with w.db.session() as session:
        return agenda.agenda(session, viewer, w.event_id, w.people[key])


def event_row(w: EventWorld) -> Event:
    with w.db.session() as session:
        return session.scalars(select(Event).where(Event.id == w.event_id)).one()


def anna_slots(w: EventWorld) -> dict[int, int]:
    """slot id -> table of Anna's meetings, as stored."""
    anna = {w.requests[n] for n in ("ab", "ac", "ae", "af")}
    return {slot: table for rid, (_m, slot, table, _l) in w.placements().items() if rid in anna}


def test_the_participant_and_the_organiser_read_the_same_agenda(world: EventWorld) -> None:
    w = world
    own = read(w, w.delegate("anna"), "anna")
    assert read(w, w.organiser, "anna") == own
    assert [item.slot.id for item in own.items] == w.slots  # every slot, in time order
    assert [item.slot.starts_at for item in own.items] == sorted(
        i.slot.starts_at for i in own.items
    )
    stored = anna_slots(w)
    assert {i.slot.id: i.meeting.table for i in own.items if i.meeting} == stored
    statuses = {item.slot.id: item.status for item in own.items}
    assert statuses[w.slots[3]] == "break"
    assert {s for s, status in statuses.items() if status == "meeting"} == set(stored)
    assert {s for s, status in statuses.items() if status == "free"} == set(w.slots) - set(
        stored
    ) - {w.slots[3]}
    meeting = next(
        i.meeting for i in own.items if i.meeting and i.meeting.request_id == w.requests["ab"]
    )
    [bruno] = meeting.counterparts
    assert (bruno.name, bruno.organisation) == ("Bruno Verdi", "Brembo Composites")
    assert (meeting.priority, meeting.priority_name, meeting.message) == (
        3,
        "must_meet",
        "Talk about ab?",
    )
    assert meeting.table_label == ["Sala Verdi", "Sala Rossa"][meeting.table - 1]


def test_unavailable_slots_show_as_such(world: EventWorld) -> None:
    w = world
    elena = read(w, w.delegate("elena"), "elena")
    statuses = [item.status for item in elena.items]
    assert statuses[:3] == ["unavailable"] * 3  # she arrives at 10:20
    assert statuses[3] == "break"
    assert statuses[4:].count("meeting") == 2  # Anna, and the consortium table
    table = next(i.meeting for i in elena.items if i.meeting and len(i.meeting.counterparts) == 2)
    assert {p.name for p in table.counterparts} == {"Gina Viola", "Carla Neri"}
    assert table.title == "Consortium table"


def test_another_participant_gets_not_found_as_for_a_missing_one(world: EventWorld) -> None:
    w = world
    answers = []
    for viewer, participant_id in [
        (w.delegate("bruno"), w.people["anna"]),  # a fellow participant
        (Viewer.anonymous(), w.people["anna"]),
        (
            Viewer(9003, "x@elsewhere.example", "cluster_manager", frozenset({w.orgs["gina"]})),
            w.people["anna"],
        ),
        (w.delegate("bruno"), 987654),  # does not exist
    ]:
        with pytest.raises(NotFound) as error, w.db.session() as session:
            agenda.agenda(session, viewer, w.event_id, participant_id)
        answers.append(error.value.message.replace(str(participant_id), "N"))
        assert error.value.status == 404
    assert len(set(answers)) == 1, answers


def test_the_organisers_sheets_per_slot_and_per_table(world: EventWorld) -> None:
    w = world
    with w.db.session() as session:
        slots = agenda.by_slot(session, w.organiser, w.event_id)
        tables = agenda.by_table(session, w.organiser, w.event_id)
    stored = {(slot, table): rid for rid, (_m, slot, table, _l) in w.placements().items()}
    for sheet in (slots, tables):
        cells = {(c.slot_id, c.table): c for row in sheet.rows for c in row.cells}
        assert {k: c.meeting.request_id for k, c in cells.items() if c.meeting} == stored
        assert sheet.meetings == len(stored) == 7
        assert [t.label for t in sheet.tables] == ["Sala Verdi", "Sala Rossa"]
        assert not cells[(w.slots[3], 1)].open and not cells[(w.slots[3], 2)].open  # break
        assert cells[(w.slots[6], 1)].open and not cells[(w.slots[6], 2)].open  # one table
    assert [row.key for row in slots.rows] == w.slots
    assert [len(row.cells) for row in slots.rows] == [2] * 7
    assert slots.rows[0].label == "2026-12-03 09:00–09:20"
    assert [(row.key, row.label) for row in tables.rows] == [(1, "Sala Verdi"), (2, "Sala Rossa")]
    assert [c.slot_id for c in tables.rows[0].cells] == w.slots
    group = next(
        c.meeting for r in slots.rows for c in r.cells if c.meeting and len(c.meeting.members) == 3
    )
    assert {m.name for m in group.members} == {"Gina Viola", "Carla Neri", "Elena Gialli"}


def test_only_organisers_read_the_sheets(world: EventWorld) -> None:
    w = world
    for sheet in (agenda.by_slot, agenda.by_table):
        with pytest.raises(Forbidden), w.db.session() as session:
            sheet(session, w.delegate("anna"), w.event_id)


def test_the_ics_file_parses_with_one_event_per_meeting_in_local_time(world: EventWorld) -> None:
    w = world
    own = read(w, w.delegate("anna"), "anna")
    calendar = icalendar.Calendar.from_ical(agenda.ics(own, event_row(w)))
    assert str(calendar["prodid"]) == agenda.PRODID
    assert str(calendar["x-wr-calname"]) == "Lombardia–Piemonte cluster meeting – Anna Rossi"
    assert [str(tz["tzid"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Rome"]
    events = calendar.walk("VEVENT")
    meetings = {p[0]: (p[1], p[2]) for p in w.placements().values()}
    expected = {f"meeting-{m.meeting.id}@filiera": m for m in own.items if m.meeting}
    assert len(events) == len(expected) == 4
    assert {str(e["uid"]) for e in events} == set(expected)
    for entry in events:
        item = expected[str(entry["uid"])]
        start, end = entry.decoded("dtstart"), entry.decoded("dtend")
        assert start.tzinfo is not None and str(entry["dtstart"].params["TZID"]) == "Europe/Rome"
        assert start == item.slot.starts_at.replace(tzinfo=ROME)
        assert end - start == dt.timedelta(minutes=20)
        assert start.astimezone(dt.UTC).hour == start.hour - 1  # CET in December
        counterpart = item.meeting.counterparts[0]
        assert str(entry["summary"]) == f"Meeting: {counterpart.name} ({counterpart.organisation})"
        assert str(entry["location"]) == f"Villa Ponti, Varese, table {item.meeting.table_label}"
        assert str(entry["description"]) == item.meeting.message
        assert meetings[item.meeting.id] == (item.slot.id, item.meeting.table)


def test_the_email_text_in_english(world: EventWorld) -> None:
    w = world
    own = read(w, w.delegate("anna"), "anna")
    text = agenda.email_text(own, event_row(w), "en")
    assert text.startswith("Dear Anna Rossi,\n")
    assert "Lombardia–Piemonte cluster meeting, 3 December 2026, at Villa Ponti, Varese." in text
    assert "Your meetings (4):" in text
    lines = re.findall(r"^(\d\d:\d\d)–(\d\d:\d\d)  Table (\S+ \S+)  (.+)$", text, re.M)
    assert len(lines) == 4
    by_start = {i.slot.starts_at.strftime("%H:%M"): i.meeting for i in own.items if i.meeting}
    for start, _end, table, who in lines:
        meeting = by_start[start]
        assert table == meeting.table_label
        person = meeting.counterparts[0]
        assert who == f"{person.name} ({person.organisation})"
    assert re.search(r"^Free time \(2 slots\):$", text, re.M)


def test_the_email_text_in_italian(world: EventWorld) -> None:
    w = world
    own = read(w, w.delegate("anna"), "anna")
    text = agenda.email_text(own, event_row(w), "it")
    assert text.startswith("Gentile Anna Rossi,\n")
    assert "3 dicembre 2026, presso Villa Ponti, Varese." in text
    assert "I suoi incontri (4):" in text
    assert len(re.findall(r"^\d\d:\d\d–\d\d:\d\d  Tavolo Sala ", text, re.M)) == 4
    assert "Tempo libero (2 fasce orarie):" in text
    for value in data_values(own):
        text = text.replace(value, "")
    words = set(re.findall(r"[A-Za-z]+", text))
    english = {"Dear", "Table", "Free", "December", "Your", "meetings", "slots", "at", "See"}
    assert not words & english, words & english


def data_values(own: AgendaOut) -> list[str]:
    """Names the text carries as they are: event, venue, people, organisations, tables."""
    values = [own.event_name, own.venue or "", own.city or ""]
    for item in own.meetings:
        values.append(item.meeting.table_label)
        for person in item.meeting.counterparts:
            values += [person.name, person.organisation]
    return sorted(values + [own.participant.name], key=len, reverse=True)


def test_a_two_day_agenda_heads_each_day_and_joins_free_slots(world: EventWorld) -> None:
    """Anna's agenda with a second, empty day (built in memory, not stored)."""
    w = world
    own = read(w, w.delegate("anna"), "anna")
    day = dt.timedelta(days=1)
    second = []
    for item in own.items:
        slot = item.slot.model_copy(
            update={"starts_at": item.slot.starts_at + day, "ends_at": item.slot.ends_at + day}
        )
        status = "break" if item.status == "break" else "free"
        second.append(AgendaItem(slot=slot, status=status))
    both = own.model_copy(update={"items": own.items + second, "ends_on": DAY + day})
    event = event_row(w)
    italian = agenda.email_text(both, event, "it")
    assert "3 dicembre 2026 – 4 dicembre 2026" in italian
    assert "\ngiovedì 3 dicembre 2026\n" in italian
    assert "\nvenerdì 4 dicembre 2026\n09:00–10:00, 10:20–11:20\n" in italian
    assert "Tempo libero (8 fasce orarie):" in italian
    english = agenda.email_text(both, event, "en")
    assert "\nThursday 3 December 2026\n" in english
    assert "\nFriday 4 December 2026\n09:00–10:00, 10:20–11:20\n" in english
    calendar = icalendar.Calendar.from_ical(agenda.ics(both, event))
    assert [e.decoded("dtstart").date() for e in calendar.walk("VEVENT")] == [DAY] * 4
