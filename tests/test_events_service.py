"""Events, their slots, participants and suggestions through the services (issue 12), on
SQLite and PostgreSQL: who sees an event and its participants, who creates and changes
what, registration with availability, and whom to meet."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from filiera.errors import (
    Conflict,
    FilieraError,
    Forbidden,
    NotFound,
    Unauthorized,
    ValidationFailed,
)
from filiera.events import events, participants, requests, suggestions
from filiera.events.schemas import (
    EventIn,
    EventPatch,
    ParticipantIn,
    ParticipantPatch,
    RequestIn,
    SlotPlanIn,
)
from support.event_registry import DAY, Registry, ids_masked, make_registry


@pytest.fixture(scope="module")
def reg(module_db_url: str) -> Iterator[Registry]:
    made = make_registry(module_db_url)
    yield made
    made.db.dispose()


def at(hhmm: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{DAY}T{hhmm}")


def fields_of(error: FilieraError) -> set[str]:
    return {e["field"] for e in error.errors}


def create(reg: Registry, who: str = "manager", **fields) -> None:
    plan = {"name": "A test event", "owner_id": reg.org("cluster"), "days": [DAY]}
    plan.update(fields)
    with reg.db.session() as session:
        events.create_event(session, reg.viewer(who), EventIn(**plan))


def listing(reg: Registry, who: str, event_id: int) -> list[dict]:
    with reg.db.session() as session:
        viewer = reg.viewer(who)
        event = events.get(session, viewer, event_id)
        found = participants.list_participants(session, viewer, event_id)
        return [
            p.model_dump() for p in participants.participants_out(session, viewer, event, found)
        ]


def suggest(reg: Registry, who: str, event_id: int, participant_id: int, **options):
    with reg.db.session() as session:
        return suggestions.suggest(session, reg.viewer(who), event_id, participant_id, **options)


# --- events and slots -----------------------------------------------------------------------


def test_slots_are_generated_around_the_break_with_sessions(reg: Registry) -> None:
    sessions = [{"name": "Morning", "start": "09:00", "end": "10:30", "tables": 2}]
    event_id = reg.event(sessions=sessions, table_names=["A", "B", "C", "D"])
    with reg.db.session() as session:
        viewer = reg.viewer("manager")
        out = events.event_out(session, viewer, events.get(session, viewer, event_id))
    slots = [
        (s.starts_at.strftime("%H:%M"), s.ends_at.strftime("%H:%M"), s.kind, s.session, s.capacity)
        for s in out.slots
    ]
    assert slots == [
        ("09:00", "09:30", "meeting", "Morning", 2),
        ("09:30", "10:00", "meeting", "Morning", 2),
        ("10:00", "10:30", "meeting", "Morning", 2),
        ("10:30", "11:00", "break", "Coffee", 0),
        ("11:00", "11:30", "meeting", None, 4),
        ("11:30", "12:00", "meeting", None, 4),
    ]
    assert (out.starts_on, out.ends_on) == (dt.date.fromisoformat(DAY),) * 2
    assert out.organiser and out.owner == "Lombardia Aerospace Cluster"
    assert out.table_names == ["A", "B", "C", "D"]


def test_every_slot_problem_is_named_at_once(reg: Registry) -> None:
    slots = [
        {"starts_at": f"{DAY}T09:00", "ends_at": f"{DAY}T09:30", "tables": 8},
        {"starts_at": f"{DAY}T09:15", "ends_at": f"{DAY}T09:45"},
        {"starts_at": f"{DAY}T11:00", "ends_at": f"{DAY}T10:00"},
    ]
    with pytest.raises(ValidationFailed) as info:
        create(reg, days=[], slots=slots, tables=4, table_names=["A", "B"], timezone="Mars/Base")
    assert fields_of(info.value) == {
        "slots[0].tables",
        "slots[1].starts_at",
        "slots[2].ends_at",
        "table_names",
        "timezone",
    }
    messages = [e["message"] for e in info.value.errors]
    assert "slot 2026-05-12 09:00 asks for 8 tables but the venue has 4" in messages
    assert "give one name per table: 4 tables, 2 names" in messages
    with pytest.raises(ValidationFailed) as both:
        create(reg, day_start="09:00", day_end="10:00", slot_minutes=20, slots=slots[:1])
    assert fields_of(both.value) == {"slots"}
    with pytest.raises(ValidationFailed) as missing:
        create(reg, day_start="09:00")
    assert fields_of(missing.value) == {"day_end", "slot_minutes"}
    with pytest.raises(ValidationFailed) as session_tables:
        create(
            reg,
            day_start="09:00",
            day_end="10:00",
            slot_minutes=30,
            tables=3,
            sessions=[{"name": "All", "start": "09:00", "end": "10:00", "tables": 5}],
        )
    assert "asks for 5 tables but the venue has 3" in session_tables.value.errors[0]["message"]


def test_listed_slots_make_the_event_and_its_dates(reg: Registry) -> None:
    slots = [
        {"starts_at": "2026-06-02T14:00", "ends_at": "2026-06-02T14:30"},
        {"starts_at": "2026-06-01T09:00+00:00", "ends_at": "2026-06-01T09:30+00:00"},
    ]
    event_id = reg.event(
        days=[], day_start=None, day_end=None, slot_minutes=None, breaks=[], slots=slots
    )
    with reg.db.session() as session:
        event = events.get(session, reg.viewer("leo"), event_id)
        assert (event.starts_on, event.ends_on) == (dt.date(2026, 6, 1), dt.date(2026, 6, 2))
        # an offset is turned into the event's local time (Rome, summer: UTC+2)
        assert [s.starts_at.isoformat() for s in event.slots] == [
            "2026-06-01T11:00:00",
            "2026-06-02T14:00:00",
        ]


def test_only_organisers_create_and_change_events(reg: Registry) -> None:
    with pytest.raises(Forbidden):  # a member may not organise
        create(reg, "leo", owner_id=reg.org("leonardo"))
    with pytest.raises(Forbidden):  # a cluster manager, for an organisation not theirs
        create(reg, owner_id=reg.org("leonardo"))
    with pytest.raises(NotFound):  # an organisation they may not see: as a missing one
        create(reg, owner_id=reg.org("quasar"))
    event_id = reg.event(
        slots=[],
        days=[DAY],
        sessions=[{"name": "Small room", "start": "09:00", "end": "10:00", "tables": 3}],
    )
    with reg.db.session() as session, pytest.raises(Forbidden):
        events.update_event(session, reg.viewer("leo"), event_id, EventPatch(status="closed"))
    with reg.db.session() as session, pytest.raises(ValidationFailed) as info:
        events.update_event(session, reg.viewer("manager"), event_id, EventPatch(tables=2))
    assert fields_of(info.value) == {"tables"}
    assert "asks for 3 tables but the venue has 2" in info.value.message
    with reg.db.session() as session:
        patch = EventPatch(tables=3, table_names=["Sala 1", "Sala 2", "Sala 3"], auto_accept=True)
        event = events.update_event(session, reg.viewer("manager"), event_id, patch)
        assert (event.tables, event.table_names, event.auto_accept) == (
            3,
            ["Sala 1", "Sala 2", "Sala 3"],
            True,
        )
    with reg.db.session() as session, pytest.raises(ValidationFailed) as names:
        events.update_event(session, reg.viewer("manager"), event_id, EventPatch(tables=4))
    assert fields_of(names.value) == {"table_names"}


def test_slots_are_added_and_removed_by_the_organiser(reg: Registry) -> None:
    event_id = reg.event()
    first = reg.slots(event_id)[0]
    leo = reg.register(event_id, "leo", blocked_slots=[first])
    late = SlotPlanIn(slots=[{"starts_at": f"{DAY}T12:00", "ends_at": f"{DAY}T12:30"}])
    with reg.db.session() as session:
        [added] = events.add_slots(session, reg.viewer("manager"), event_id, late)
        assert added.starts_at == at("12:00")
    overlap = SlotPlanIn(slots=[{"starts_at": f"{DAY}T12:15", "ends_at": f"{DAY}T12:45"}])
    with reg.db.session() as session, pytest.raises(ValidationFailed) as info:
        events.add_slots(session, reg.viewer("manager"), event_id, overlap)
    assert info.value.errors[0]["message"] == "slot 2026-05-12 12:15 overlaps slot 2026-05-12 12:00"
    with reg.db.session() as session, pytest.raises(Forbidden):
        events.remove_slot(session, reg.viewer("leo"), event_id, first)
    with reg.db.session() as session:
        events.remove_slot(session, reg.viewer("manager"), event_id, first)
    assert first not in reg.slots(event_id)
    assert reg.participant(leo).blocked_slots == []


# --- who sees an event ----------------------------------------------------------------------


def test_a_hidden_event_answers_exactly_as_a_missing_one(reg: Registry) -> None:
    restricted = reg.event(visibility="restricted")
    members = reg.event(visibility="members")
    draft = reg.event(status="draft")
    missing = 10**6

    def answer(who: str, event_id: int) -> str:
        with reg.db.session() as session, pytest.raises(NotFound) as info:
            events.get(session, reg.viewer(who), event_id)
        return ids_masked(repr((info.value.message, info.value.errors)), event_id)

    nonexistent = answer("lux", missing)
    for who, event_id in (
        ("lux", restricted),
        ("lux", members),
        ("leo", draft),
        ("anonymous", members),
    ):
        assert answer(who, event_id) == nonexistent
    with reg.db.session() as session:  # a cluster member sees the members-only event
        assert events.get(session, reg.viewer("poli"), members).id == members
        assert events.get(session, reg.viewer("manager"), draft).status == "draft"
        seen_by_lux = {e.id for e in events.list_events(session, reg.viewer("lux"))}
        seen_by_manager = {e.id for e in events.list_events(session, reg.viewer("manager"))}
    assert not seen_by_lux & {restricted, members, draft}
    assert {restricted, members, draft} <= seen_by_manager
    with reg.db.session() as session, pytest.raises(NotFound):
        participants.list_participants(session, reg.viewer("lux"), restricted)


def test_outsiders_see_visible_organisations_without_contacts(reg: Registry) -> None:
    event_id = reg.event()
    profile = {"profile": "Radar programmes", "looking_for": "composites", "offering": "radar"}
    leo = reg.register(event_id, "leo", email="luca@leonardo.example", job_title="BD", **profile)
    before = {who: listing(reg, who, event_id) for who in ("lux", "anonymous")}
    quasar = reg.register(event_id, "quasar", email="q@quasar.example", **profile)
    for who in ("lux", "anonymous"):  # the hidden organisation's delegate changes nothing
        after = listing(reg, who, event_id)
        assert after == before[who]
        [row] = after
        assert (row["id"], row["organisation"]) == (leo, "Leonardo S.p.A.")
        hidden = ("contact_name", "job_title", "profile", "looking_for", "offering", "email")
        assert all(row[name] is None for name in hidden)
        assert row["blocked_slots"] is None and not row["mine"]
    seen = {row["id"]: row for row in listing(reg, "leo", event_id)}  # a participant
    assert set(seen) == {leo, quasar}
    assert seen[quasar]["contact_name"] == "Quinn Quasar"
    assert seen[quasar]["organisation"] == "Quasar Optics"
    assert seen[quasar]["profile"] == "Radar programmes"
    assert seen[quasar]["email"] is None and seen[quasar]["arrives_at"] is None
    assert seen[leo]["email"] == "luca@leonardo.example" and seen[leo]["mine"]
    organiser = {row["id"]: row for row in listing(reg, "manager", event_id)}
    assert organiser[quasar]["email"] == "q@quasar.example"


# --- registration ---------------------------------------------------------------------------


def register_fails(reg: Registry, who: str, event_id: int, error: type, **fields) -> FilieraError:
    fields.setdefault("organisation_id", reg.org("leonardo"))
    with reg.db.session() as session, pytest.raises(error) as info:
        participants.register(session, reg.viewer(who), event_id, ParticipantIn(**fields))
    return info.value


def test_registration_errors_name_their_field(reg: Registry) -> None:
    event_id = reg.event()
    other_event_slot = reg.slots(reg.event())[0]
    meeting = reg.slots(event_id)
    error = register_fails(reg, "leo", event_id, ValidationFailed, blocked_slots=[other_event_slot])
    assert fields_of(error) == {"blocked_slots"}
    assert error.errors[0]["message"] == f"slot {other_event_slot} is not a slot of this event"
    error = register_fails(reg, "leo", event_id, ValidationFailed, blocked_slots=meeting)
    assert fields_of(error) == {"blocked_slots"} and "no free slot" in error.message
    error = register_fails(reg, "leo", event_id, ValidationFailed, arrives_at=at("11:45"))
    assert fields_of(error) == {"arrives_at"} and "no free slot" in error.message
    error = register_fails(
        reg, "leo", event_id, ValidationFailed, arrives_at=at("11:00"), leaves_at=at("10:00")
    )
    assert fields_of(error) == {"leaves_at"}
    # arriving late with the last slots blocked but one: fine
    with reg.db.session() as session:
        data = ParticipantIn(
            organisation_id=reg.org("leonardo"), arrives_at=at("11:00"), blocked_slots=meeting[3:4]
        )
        leo = participants.register(session, reg.viewer("leo"), event_id, data)
        assert (leo.contact_name, leo.user_id) == ("Luca Leone", reg.viewer("leo").user_id)


def test_registering_for_someone_else(reg: Registry) -> None:
    event_id = reg.event()
    forbidden = register_fails(reg, "lux", event_id, Forbidden)  # Leonardo is not theirs
    nowhere = register_fails(reg, "lux", event_id, Forbidden, organisation_id=10**6)
    assert ids_masked(nowhere.message, 10**6) == ids_masked(forbidden.message, reg.org("leonardo"))
    register_fails(reg, "viewer", event_id, Forbidden, organisation_id=reg.org("leonardo"))
    register_fails(reg, "anonymous", event_id, Unauthorized)
    # the organiser registers anyone they may see, with a name
    assert register_fails(reg, "manager", event_id, ValidationFailed).errors[0]["field"] == (
        "contact_name"
    )
    register_fails(
        reg, "manager", event_id, NotFound, organisation_id=reg.org("quasar"), contact_name="Quinn"
    )
    sam = reg.register(event_id, "manager", org="safran", contact_name="Sam Safran")
    assert reg.participant(sam).user_id is None
    duplicate = register_fails(
        reg,
        "manager",
        event_id,
        Conflict,
        organisation_id=reg.org("safran"),
        contact_name="Sam Safran",
    )
    assert duplicate.key == "already_registered"
    # a closed event: members may no longer register, the organiser still may
    reg.set_event(event_id, status="closed")
    assert register_fails(reg, "leo", event_id, Conflict).key == "event_not_open"
    reg.register(event_id, "manager", org="polimi", contact_name="Pia Poli")


def test_a_registration_is_changed_cancelled_and_marked(reg: Registry) -> None:
    event_id = reg.event()
    leo = reg.register(event_id, "leo")
    saf = reg.register(event_id, "saf")
    with reg.db.session() as session:
        patch = ParticipantPatch(arrives_at=at("10:00"), looking_for="radar")
        changed = participants.update_participant(session, reg.viewer("leo"), event_id, leo, patch)
        assert (changed.arrives_at, changed.looking_for) == (at("10:00"), "radar")
    with reg.db.session() as session, pytest.raises(ValidationFailed) as info:
        late = ParticipantPatch(leaves_at=at("09:30"))
        participants.update_participant(session, reg.viewer("leo"), event_id, leo, late)
    assert fields_of(info.value) == {"leaves_at"}
    with reg.db.session() as session, pytest.raises(Forbidden):
        participants.update_participant(
            session, reg.viewer("saf"), event_id, leo, ParticipantPatch(profile="x")
        )
    with reg.db.session() as session, pytest.raises(Forbidden):
        participants.mark_no_show(session, reg.viewer("leo"), event_id, saf)
    with reg.db.session() as session:
        participants.mark_no_show(session, reg.viewer("manager"), event_id, saf)
        participants.cancel(session, reg.viewer("leo"), event_id, leo)
    assert reg.participant(saf).status == "no_show"
    assert reg.participant(leo).status == "cancelled"
    assert {row["id"] for row in listing(reg, "poli", event_id)} == set()
    assert {row["status"] for row in listing(reg, "manager", event_id)} == {"no_show", "cancelled"}
    again = reg.register(event_id, "leo")  # registering again revives the same row
    assert again == leo and reg.participant(leo).status == "registered"


# --- suggestions ----------------------------------------------------------------------------


def test_suggestions_put_mutual_interest_first_with_reasons(reg: Registry) -> None:
    event_id = reg.event()
    leo = reg.register(
        event_id,
        "leo",
        looking_for="Composite materials for airframes",
        offering="Helicopters and radar",
    )
    marco = reg.register(event_id, "leo", contact_name="Marco Leone", looking_for="composites")
    poli = reg.register(
        event_id, "poli", looking_for="Helicopter radar", offering="Composite materials research"
    )
    reg.register(event_id, "saf", offering="Aircraft engines")
    lux = reg.register(event_id, "lux", offering="Satellites")
    out = suggest(reg, "leo", event_id, leo)
    ranked = [s.participant_id for s in out.suggestions]
    assert ranked[0] == poli and leo not in ranked and marco not in ranked
    assert lux not in ranked  # nothing to go on: no match either way
    first = out.suggestions[0]
    assert first.score == pytest.approx(first.for_me + first.for_them)
    assert first.for_me > 0.5 and first.for_them > 0.5
    assert any("Composites" in r for r in first.reasons_for_me)
    assert any(
        "composite" in r.casefold() and "offer" in r.casefold() for r in first.reasons_for_me
    )
    assert any("Radar" in r or "radar" in r for r in first.reasons_for_them)
    assert all(s.score <= first.score for s in out.suggestions)
    assert suggest(reg, "leo", event_id, leo) == out  # deterministic
    italian = suggest(reg, "leo", event_id, leo, lang="it")
    assert any(r.startswith("Il profilo cita") for r in italian.suggestions[0].reasons_for_me)
    with reg.db.session() as session:
        data = RequestIn(to_participant=poli, priority=3)
        requests.request_meeting(session, reg.viewer("leo"), event_id, data)
    after = [s.participant_id for s in suggest(reg, "leo", event_id, leo).suggestions]
    assert poli not in after and leo not in after
    # only whoever acts for the participant (or organises) asks
    with reg.db.session() as session, pytest.raises(Forbidden):
        suggestions.suggest(session, reg.viewer("saf"), event_id, leo)
    assert (
        suggest(reg, "manager", event_id, leo).suggestions
        == suggest(reg, "leo", event_id, leo).suggestions
    )


def test_no_looking_for_on_either_side_gives_no_list(reg: Registry) -> None:
    event_id = reg.event()
    saf = reg.register(event_id, "saf", offering="Aircraft engines")
    reg.register(event_id, "poli", offering="Composite materials research")
    out = suggest(reg, "saf", event_id, saf)
    assert (out.suggestions, out.empty_reason) == ([], "no_looking_for")
    reg.register(event_id, "leo", looking_for="quantum zebra farming")
    out = suggest(reg, "saf", event_id, saf)
    assert (out.suggestions, out.empty_reason) == ([], "no_match")
