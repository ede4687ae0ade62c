"""Scheduling an event from the database (issue 12), on SQLite and PostgreSQL: runs place
accepted requests only, never double-book, respect availability, keep locked meetings,
move few meetings on a second run, drop a no-show's meetings, and store the certificate.

The event is `support.event_world`'s: Elena arrives at 10:20, Franco leaves at 09:40,
Dario blocked the second slot; the fourth slot is a coffee break; the last has one table.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from filiera.access.viewer import Viewer
from filiera.db import Database
from filiera.errors import Conflict, Forbidden, NotFound, Unauthorized, ValidationFailed
from filiera.events import participants, planning, scheduler
from filiera.events.models import MeetingRequest, ScheduleRun
from support.event_world import EventWorld, build_event

# slot index -> who cannot meet then (indices into EventWorld.slots; 3 is the break)
AWAY = {"elena": {0, 1, 2}, "franco": {2, 4, 5, 6}, "dario": {1}}
TABLES = {0: 2, 1: 2, 2: 2, 3: 0, 4: 2, 5: 2, 6: 1}
ACCEPTED = {  # name -> (a, b, priority)
    "ab": ("anna", "bruno", 3),
    "ac": ("anna", "carla", 2),
    "ad": ("anna", "dario", 2),
    "ae": ("anna", "elena", 3),
    "bf": ("bruno", "franco", 3),
    "cf": ("carla", "franco", 2),
    "be": ("bruno", "elena", 1),
    "dg": ("dario", "gina", 2),
    "ce": ("carla", "elena", 2),
}
LIMIT = 5.0


@pytest.fixture
def world(db_url: str) -> Iterator[EventWorld]:
    db = Database(db_url)
    yield build_event(db)
    db.dispose()


def with_requests(w: EventWorld) -> EventWorld:
    """Nine accepted pairs, a consortium table, and three requests that must not be placed."""
    for name, (a, b, priority) in ACCEPTED.items():
        w.request(name, a, b, priority)
    w.group("table", "gina", ["anna", "bruno"], priority=3)
    w.request("pending", "dario", "elena", 3, status="pending")
    w.request("declined", "gina", "franco", 3, status="declined")
    w.request("cancelled", "carla", "gina", 3, status="cancelled")
    return w


def run(w: EventWorld, viewer: Viewer | None = None) -> ScheduleRun:
    with w.db.session() as session:
        return planning.run_schedule(session, viewer or w.organiser, w.event_id, time_limit=LIMIT)


def members(w: EventWorld) -> dict[int, set[str]]:
    """request id -> the delegate keys it brings together."""
    by_id = {pid: key for key, pid in w.people.items()}
    with w.db.session() as session:
        out = {}
        for request in session.scalars(select(MeetingRequest)):
            ids = {request.requester_id, request.receiver_id} | {
                g.participant_id for g in request.guests
            }
            out[request.id] = {by_id[i] for i in ids if i is not None}
        return out


def assert_valid(w: EventWorld, *, absent: set[str] = frozenset()) -> None:
    """No person or table twice in a slot, tables exist, everyone is there, nobody absent."""
    index = {slot_id: i for i, slot_id in enumerate(w.slots)}
    who = members(w)
    tables, people = Counter(), Counter()
    for request_id, (_mid, slot_id, table, _locked) in w.placements().items():
        slot = index[slot_id]
        assert 1 <= table <= TABLES[slot], (request_id, slot, table)
        tables[(slot, table)] += 1
        for person in who[request_id]:
            assert person not in absent, (person, request_id)
            assert slot not in AWAY.get(person, set()), (person, slot)
            people[(person, slot)] += 1
    assert max(tables.values(), default=1) == 1, tables
    assert max(people.values(), default=1) == 1, people


def placed_names(w: EventWorld) -> set[str]:
    names = {rid: name for name, rid in w.requests.items()}
    return {names[rid] for rid in w.placements()}


def test_a_run_places_accepted_requests_only_and_respects_availability(world: EventWorld) -> None:
    w = with_requests(world)
    result = run(w)
    assert placed_names(w) == set(ACCEPTED) | {"table"}
    assert_valid(w)
    index = {slot_id: i for i, slot_id in enumerate(w.slots)}
    slot_of = {
        name: index[w.placements()[rid][1]]
        for name, rid in w.requests.items()
        if name in placed_names(w)
    }
    assert {slot_of["ae"], slot_of["be"], slot_of["ce"]} == {4, 5, 6}  # Elena arrives at 10:20
    assert {slot_of["bf"], slot_of["cf"]} == {0, 1}  # Franco leaves at 09:40
    assert slot_of["ad"] != 1 and slot_of["dg"] != 1  # Dario blocked the second slot
    assert result.stats["changes"] == {"kept": 0, "moved": 0, "added": 10, "removed": 0}
    assert result.unscheduled == []


def test_the_run_stores_its_quality_certificate(world: EventWorld) -> None:
    w = with_requests(world)
    stored = run(w)
    with w.db.session() as session:
        priorities = {r.id: r.priority for r in session.scalars(select(MeetingRequest))}
        assert session.scalar(select(func.count()).select_from(ScheduleRun)) == 1
    weight = sum(priorities[rid] for rid in w.placements())
    assert stored.stats["weight"] == weight == 3 * 4 + 2 * 5 + 1
    assert weight <= stored.stats["upper_bound"]
    assert stored.stats["percent_of_bound"] == pytest.approx(
        100 * weight / stored.stats["upper_bound"], abs=0.01
    )
    with w.db.session() as session:
        latest = planning.latest_run(session, w.organiser, w.event_id)
    assert latest is not None and latest.id == stored.id
    assert latest.stats["weight"] == weight and "changes" not in latest.stats
    assert latest.changes["added"] == 10
    assert latest.created_by == w.organiser.label


def test_latest_run_is_none_before_the_first(world: EventWorld) -> None:
    with world.db.session() as session:
        assert planning.latest_run(session, world.organiser, world.event_id) is None


def test_a_second_run_after_a_new_request_and_a_cancellation_moves_few(world: EventWorld) -> None:
    w = with_requests(world)
    run(w)
    before = w.placements()
    w.set_request("ce", status="cancelled")
    new = w.request("new", "gina", "carla", 2)
    second = run(w)
    after = w.placements()
    assert_valid(w)
    assert w.requests["ce"] not in after and new in after
    moved = [rid for rid in before if rid in after and before[rid][1:3] != after[rid][1:3]]
    kept = [rid for rid in before if rid in after and rid not in moved]
    assert len(moved) == second.stats["moved"] == second.stats["changes"]["moved"]
    assert len(moved) <= 1
    assert len(kept) == second.stats["kept"] == second.stats["changes"]["kept"] >= 8
    for rid in kept:
        assert after[rid] == before[rid]  # same row, slot, table and lock
    for rid in moved:
        assert after[rid][0] == before[rid][0]  # moved, not deleted and inserted
    assert second.stats["changes"]["removed"] == 1 and second.stats["changes"]["added"] == 1


@pytest.mark.parametrize("locked", [True, False], ids=["locked", "unlocked"])
def test_a_locked_meeting_stays_put_an_unlocked_one_makes_room(
    world: EventWorld, locked: bool
) -> None:
    """Carla–Franco sits in slot s; then Gina, free only in s, must meet Carla."""
    w = world
    cf = w.request("cf", "carla", "franco", 2)
    run(w)
    meeting_id, slot_id, table, _ = w.placements()[cf]
    with w.db.session() as session:
        out = planning.lock(session, w.organiser, meeting_id, locked)
    assert out.locked is locked and out.slot.id == slot_id
    w.set_participant("gina", blocked_slots=[s for s in w.slots if s != slot_id])
    cg = w.request("cg", "carla", "gina", 3)
    second = run(w)
    after = w.placements()
    assert_valid(w)
    if locked:
        assert after[cf] == (meeting_id, slot_id, table, True)
        assert cg not in after
        [left] = second.unscheduled
        assert left["request_id"] == cg and left["key"] == "crowded_out"
        assert "Carla Neri (Cielo Sensors) is busy in 1" in left["reason"]
        assert second.stats["moved"] == 0
    else:
        assert after[cf][0] == meeting_id and after[cf][1] != slot_id
        assert after[cg][1] == slot_id
        assert second.stats["moved"] == 1 == second.stats["changes"]["moved"]


def test_locked_meetings_stay_exactly_where_they_were_through_changes(world: EventWorld) -> None:
    w = with_requests(world)
    run(w)
    before = w.placements()
    keep = [w.requests["ab"], w.requests["table"], w.requests["cf"]]
    with w.db.session() as session:
        for rid in keep:
            planning.lock(session, w.organiser, before[rid][0], True)
    w.set_participant("dario", status="no_show")
    w.set_request("ac", status="cancelled")
    w.request("eg", "elena", "gina", 3)
    w.request("cg", "carla", "gina", 3)
    run(w)
    after = w.placements()
    assert_valid(w, absent={"dario"})
    for rid in keep:
        assert after[rid] == (*before[rid][:3], True)


def test_a_no_shows_meetings_disappear_after_a_run(world: EventWorld) -> None:
    w = with_requests(world)
    run(w)
    before = w.placements()
    bruno = {rid for rid, who in members(w).items() if "bruno" in who and rid in before}
    assert len(bruno) == 4  # ab, bf, be and the consortium table
    with w.db.session() as session:
        participants.mark_no_show(session, w.organiser, w.event_id, w.people["bruno"])
    second = run(w)
    after = w.placements()
    assert_valid(w, absent={"bruno"})
    assert not bruno & set(after)
    assert set(after) == set(before) - bruno
    assert second.stats["changes"]["removed"] == 4
    with w.db.session() as session:  # the requests stay, for the record
        assert all(session.get(MeetingRequest, rid).status == "accepted" for rid in bruno)


def test_a_lock_that_no_longer_fits_is_released_with_a_warning(world: EventWorld) -> None:
    w = with_requests(world)
    run(w)
    ad = w.requests["ad"]
    meeting_id, slot_id, _, _ = w.placements()[ad]
    with w.db.session() as session:
        planning.lock(session, w.organiser, meeting_id, True)
    w.set_participant("dario", blocked_slots=[w.slots[1], slot_id])
    second = run(w)
    [warning] = second.stats["warnings"]
    assert f"meeting {meeting_id} (Anna Rossi (Avio Parts) – Dario Blu (Delta Radar))" in warning
    assert "Dario Blu (Delta Radar) is not available" in warning
    after = w.placements()
    if ad in after:
        assert after[ad][1] != slot_id and after[ad][3] is False


def test_a_participant_without_free_slots_is_named_in_the_reasons(world: EventWorld) -> None:
    w = with_requests(world)
    w.set_participant("dario", blocked_slots=list(w.slots))
    result = run(w)
    reasons = {item["request_id"]: item for item in result.unscheduled}
    assert set(reasons) == {w.requests["ad"], w.requests["dg"]}
    for item in reasons.values():
        assert item["key"] == "no_free_slot"
        assert item["reason"] == "Dario Blu (Delta Radar) has no free slot"
        assert item["params"]["member"] == "Dario Blu (Delta Radar)"
        assert "Dario Blu" in {m["name"] for m in item["members"]}
    with w.db.session() as session:
        latest = planning.latest_run(session, w.organiser, w.event_id)
    assert [u.key for u in latest.unscheduled] == ["no_free_slot", "no_free_slot"]


def test_a_failed_run_leaves_the_previous_schedule_intact(
    world: EventWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = with_requests(world)
    run(w)
    before = w.placements()
    real = scheduler.schedule

    def broken(instance, **options):
        """The real schedule with one last meeting in a slot that does not exist."""
        result = real(instance, **options)
        bogus = scheduler.Meeting("999999", ("1", "2"), "no-such-slot", 1)
        result.meetings.insert(len(result.meetings), bogus)
        return result

    w.set_request("ab", status="cancelled")
    w.request("eg", "elena", "gina", 3)
    monkeypatch.setattr(planning.scheduler, "schedule", broken)
    with pytest.raises(KeyError):
        run(w)
    assert w.placements() == before
    with w.db.session() as session:
        assert session.scalar(select(func.count()).select_from(ScheduleRun)) == 1


def test_only_the_organisers_run_and_read_runs(world: EventWorld) -> None:
    w = with_requests(world)
    other_cluster = Viewer(
        9002, "ugo@elsewhere.example", "cluster_manager", frozenset({w.orgs["anna"]})
    )
    for viewer, error in [
        (w.delegate("anna"), Forbidden),
        (other_cluster, Forbidden),
        (Viewer.anonymous(), Unauthorized),
    ]:
        with pytest.raises(error), w.db.session() as session:
            planning.run_schedule(session, viewer, w.event_id, time_limit=LIMIT)
        with pytest.raises(error), w.db.session() as session:
            planning.latest_run(session, viewer, w.event_id)
    assert w.placements() == {}
    admin = Viewer(1, "admin@example.org", "admin")
    assert len(run(w, admin).stats) > 0 and len(w.placements()) == 10


def test_only_the_organisers_lock_and_move_meetings(world: EventWorld) -> None:
    w = with_requests(world)
    run(w)
    meeting_id = w.placements()[w.requests["ab"]][0]
    other_cluster = Viewer(
        9002, "ugo@elsewhere.example", "cluster_manager", frozenset({w.orgs["anna"]})
    )
    with pytest.raises(Forbidden), w.db.session() as session:
        planning.lock(session, w.delegate("anna"), meeting_id, True)
    answers = []
    for target in (meeting_id, 987654):
        with pytest.raises(NotFound) as error, w.db.session() as session:
            planning.move(session, other_cluster, target, w.slots[0], 1)
        answers.append(error.value.message.replace(str(target), "N"))
    with pytest.raises(NotFound) as error, w.db.session() as session:
        planning.lock(session, w.organiser, 987654, True)
    answers.append(error.value.message.replace("987654", "N"))
    assert len(set(answers)) == 1, answers  # someone else's meeting reads as a missing one
    assert w.placements()[w.requests["ab"]][3] is False


def _free_places(w: EventWorld, name: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(slot index, table) where both members of `name` are free and available: taken
    tables, then free tables."""
    who = members(w)
    placements = w.placements()
    index = {slot_id: i for i, slot_id in enumerate(w.slots)}
    rid = w.requests[name]
    busy = {
        index[slot_id]
        for other, (_m, slot_id, _t, _l) in placements.items()
        if other != rid and who[other] & who[rid]
    }
    taken = {(index[slot_id], table) for _m, slot_id, table, _l in placements.values()}
    places = [
        (s, t)
        for s, tables in TABLES.items()
        for t in range(1, tables + 1)
        if s not in busy and not any(s in AWAY.get(p, set()) for p in who[rid])
    ]
    return [p for p in places if p in taken], [p for p in places if p not in taken]


def test_the_organiser_moves_a_meeting_by_hand_and_it_is_locked(world: EventWorld) -> None:
    w = with_requests(world)
    run(w)
    rid = w.requests["dg"]
    meeting_id = w.placements()[rid][0]
    taken, free = _free_places(w, "dg")
    assert taken and free, "the test needs a taken and a free table for Dario and Gina"
    (slot, table) = free[0]
    with w.db.session() as session:
        out = planning.move(session, w.organiser, meeting_id, w.slots[slot], table)
    assert (out.slot.id, out.table, out.locked) == (w.slots[slot], table, True)
    assert {m.name for m in out.members} == {"Dario Blu", "Gina Viola"}
    assert w.placements()[rid] == (meeting_id, w.slots[slot], table, True)
    (slot, table) = taken[0]
    with pytest.raises(Conflict) as error, w.db.session() as session:
        planning.move(session, w.organiser, meeting_id, w.slots[slot], table)
    assert error.value.key == "table_taken"
    assert error.value.message.startswith(f"table {table} at 2026-12-03 ")
    assert "already holds the meeting" in error.value.message
    run(w)
    assert_valid(w)
    assert w.placements()[rid][1:] == (out.slot.id, out.table, True)


def test_a_move_refuses_clashes_and_names_them(world: EventWorld) -> None:
    w = with_requests(world)
    run(w)
    placements = w.placements()
    index = {slot_id: i for i, slot_id in enumerate(w.slots)}
    ac = placements[w.requests["ac"]][0]
    ab_slot = placements[w.requests["ab"]][1]

    def refused(meeting_id: int, slot_index: int, table: int, error: type) -> str:
        with pytest.raises(error) as raised, w.db.session() as session:
            planning.move(session, w.organiser, meeting_id, w.slots[slot_index], table)
        return raised.value.message

    busy = refused(ac, index[ab_slot], 1, Conflict)
    assert busy.startswith("Anna Rossi (Avio Parts) already has a meeting at 2026-12-03 ")
    assert "Anna Rossi (Avio Parts) – Bruno Verdi (Brembo Composites)" in busy
    ae = placements[w.requests["ae"]][0]
    away = refused(ae, 0, 1, Conflict)
    assert away == "Elena Gialli (Elettra Labs) is not available at 2026-12-03 09:00–09:20"
    assert "slot" in refused(ac, 3, 1, ValidationFailed)  # the coffee break
    assert "table 2 is not in use" in refused(ac, 6, 2, ValidationFailed)  # one table at 11:00
    assert w.placements() == placements
