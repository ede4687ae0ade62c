"""The scheduler on plain instances: never a broken constraint, a valid bound, clear errors."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from filiera.errors import ValidationFailed
from filiera.events import generate, greedy, instance, scheduler


def check(raw: dict, result: scheduler.Schedule) -> None:
    """Every constraint of the instance holds in `result`."""
    inst = instance.parse(raw)
    slots = {s.id: s for s in inst.slots}
    away = {p.id: p.unavailable for p in inst.participants}
    requests = {r.id: r for r in inst.requests}
    busy, tables = set(), set()
    for m in result.meetings:
        request = requests[m.request]
        assert m.members == request.members
        slot = slots[m.slot]
        assert 1 <= m.table <= inst.tables_in(slot), m
        assert (m.slot, m.table) not in tables, f"table {m.table} twice in {m.slot}"
        tables.add((m.slot, m.table))
        for person in m.members:
            assert m.slot not in away[person], f"{person} is away in {m.slot}"
            assert (person, m.slot) not in busy, f"{person} double-booked in {m.slot}"
            busy.add((person, m.slot))
        if request.locked:
            assert (m.slot, m.table) == (request.locked.slot, request.locked.table)
    placed = {m.request for m in result.meetings}
    assert placed.isdisjoint(u.request for u in result.unscheduled)
    assert placed | {u.request for u in result.unscheduled} == set(requests)
    assert all(u.reason and u.key for u in result.unscheduled)
    assert {r.id for r in inst.requests if r.locked} <= placed
    weight = sum(requests[r].priority for r in placed)
    assert result.stats["weight"] == weight <= result.stats["upper_bound"]


@st.composite
def instances(draw) -> dict:
    n_slots = draw(st.integers(1, 5))
    slots = generate.slot_list(n_slots, days=draw(st.integers(1, 2)))
    ids = [s["id"] for s in slots]
    tables = draw(st.integers(0, 3))
    for slot in slots:
        if draw(st.booleans()) and tables:
            slot["tables"] = draw(st.integers(0, tables))
    people = [f"p{i}" for i in range(draw(st.integers(2, 7)))]
    participants = [
        {"id": p, "unavailable": draw(st.lists(st.sampled_from(ids), unique=True))} for p in people
    ]
    requests = []
    for _ in range(draw(st.integers(0, 9))):
        size = draw(st.sampled_from([2, 2, 2, 3]))
        if size > len(people):
            continue
        members = draw(st.permutations(people))[:size]
        row = {"priority": draw(st.integers(1, 3))}
        if size == 2:
            row.update(a=members[0], b=members[1])
        else:
            row["participants"] = list(members)
        requests.append(row)
    return {"slots": slots, "tables": tables, "participants": participants, "requests": requests}


def exact_optimum(inst: instance.Instance) -> int:
    """Brute force over every placement of every request (tiny instances only)."""
    slots = [s.id for s in inst.slots]
    away = {p.id: p.unavailable for p in inst.participants}
    options = []
    for request in inst.requests:
        free = [s for s in slots if all(s not in away[m] for m in request.members)]
        options.append([None, *free])
    best = 0
    for choice in itertools.product(*options):
        used: dict[str, int] = {}
        seen = set()
        ok = True
        for request, slot in zip(inst.requests, choice, strict=True):
            if slot is None:
                continue
            used[slot] = used.get(slot, 0) + 1
            for member in request.members:
                ok &= (member, slot) not in seen
                seen.add((member, slot))
        cap = {s.id: inst.tables_in(s) for s in inst.slots}
        if ok and all(n <= cap[s] for s, n in used.items()):
            best = max(
                best, sum(r.priority for r, s in zip(inst.requests, choice, strict=True) if s)
            )
    return best


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_no_schedule_breaks_a_constraint_and_the_bound_holds(raw):
    try:
        inst = instance.parse(raw)
    except ValidationFailed:
        return  # duplicate ids cannot arise; a slot asking more tables than the venue can
    result = scheduler.schedule(inst, time_limit=5)
    check(raw, result)
    if len(inst.requests) <= 6:
        optimum = exact_optimum(inst)
        assert result.stats["weight"] <= optimum <= result.stats["upper_bound"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(), st.data())
def test_locked_meetings_stay_and_a_second_run_keeps_the_first(raw, data):
    inst = instance.parse(raw)
    first = scheduler.schedule(inst, time_limit=5)
    check(raw, first)
    # lock some of the first schedule's meetings, cancel one request, add nothing
    by_id = {m.request: m for m in first.meetings}
    ids = [r.id for r in inst.requests]
    raw2 = instance.to_raw(inst)
    raw2["previous"] = scheduler.to_json(inst, first)["meetings"]
    for row in raw2["requests"]:
        if row["id"] in by_id and data.draw(st.booleans()):
            row.update(locked=True, slot=by_id[row["id"]].slot, table=by_id[row["id"]].table)
    if ids and data.draw(st.booleans()):
        gone = data.draw(st.sampled_from(ids))
        raw2["requests"] = [r for r in raw2["requests"] if r["id"] != gone]
    second = scheduler.schedule(instance.parse(raw2), time_limit=5)
    check(raw2, second)
    assert second.stats["dropped"] == 0
    kept = [m for m in second.meetings if m.request in by_id]
    moved = [
        m for m in kept if (m.slot, m.table) != (by_id[m.request].slot, by_id[m.request].table)
    ]
    assert second.stats["moved"] == len(moved)
    assert second.stats["weight"] >= first.stats["weight"] - sum(
        r.priority for r in inst.requests if r.id not in {x["id"] for x in raw2["requests"]}
    )


def test_a_generated_instance_reaches_its_bound_and_beats_greedy():
    raw = generate.instance(150, 1500, 12, seed=3, tables="scarce")
    inst = instance.parse(raw)
    result = scheduler.schedule(inst, time_limit=20)
    check(raw, result)
    base = greedy.greedy(inst)
    assert result.stats["percent_of_bound"] >= 99.5
    assert result.stats["weight"] >= base["weight"]
    assert result.stats["idle_gaps"] < base["idle_gaps"]
    assert result.stats["participants_without_meetings"] <= base["participants_without_meetings"]


def test_a_second_run_after_new_requests_moves_few_meetings():
    raw = generate.instance(80, 500, 10, seed=5)
    inst = instance.parse(raw)
    first = scheduler.schedule(inst, time_limit=10)
    raw2 = dict(raw)
    raw2["requests"] = raw["requests"][10:] + [
        {"a": "p1", "b": "p2", "priority": 3},
        {"a": "p3", "b": "p4", "priority": 3},
    ]
    raw2["requests"] = [dict(r, id=f"r{i}") for i, r in enumerate(raw["requests"])][10:] + [
        {"id": "new1", "a": "p1", "b": "p2", "priority": 3},
        {"id": "new2", "a": "p3", "b": "p4", "priority": 3},
    ]
    raw2["previous"] = scheduler.to_json(inst, first)["meetings"]
    second = scheduler.schedule(instance.parse(raw2), time_limit=10)
    check(raw2, second)
    assert second.stats["dropped"] == 0
    assert second.stats["kept"] + second.stats["moved"] == len(
        [m for m in first.meetings if int(m.request[1:]) >= 10]
    )
    assert second.stats["moved"] <= 10


def test_infeasible_parts_are_reported_not_fatal():
    raw = {
        "slots": generate.slot_list(3),
        "tables": 1,
        "participants": [
            {"id": "a", "unavailable": ["s1", "s2", "s3"]},
            {"id": "b", "unavailable": ["s1"]},
            {"id": "c", "unavailable": ["s2", "s3"]},
            {"id": "d"},
        ],
        "requests": [
            {"a": "a", "b": "d", "priority": 3},
            {"a": "b", "b": "c", "priority": 3},
            {"a": "b", "b": "d", "priority": 1},
            {"a": "c", "b": "d", "priority": 2},
        ],
    }
    result = scheduler.schedule(instance.parse(raw), time_limit=5)
    check(raw, result)
    why = {u.request: u for u in result.unscheduled}
    assert why["r0"].key == "no_free_slot" and "a has no free slot" in why["r0"].reason
    assert why["r1"].key == "no_common_slot" and "b and c share no free slot" in why["r1"].reason
    assert result.stats["weight"] == 3 and result.stats["upper_bound"] == 3
    assert "participant 'a' has no free slot" in result.stats["warnings"][0]


@pytest.mark.parametrize(
    ("change", "record", "field", "words"),
    [
        (
            lambda r: r["requests"].append({"a": "x", "b": "zz"}),
            "requests[2]",
            "participants",
            "unknown participant 'zz'",
        ),
        (
            lambda r: r["requests"].append({"a": "x", "b": "x"}),
            "requests[2]",
            "participants",
            "cannot meet themselves",
        ),
        (
            lambda r: r["requests"].append({"a": "x", "b": "y", "priority": 5}),
            "requests[2]",
            "priority",
            "1, 2 or 3",
        ),
        (
            lambda r: r["slots"][0].update(tables=9),
            "slot s1",
            "tables",
            "asks for 9 tables but the venue has 2",
        ),
        (lambda r: r.update(table_names=["A"]), "instance", "table_names", "one name per table"),
        (
            lambda r: r["participants"][0].update(unavailable=["s9"]),
            "participants[0]",
            "unavailable",
            "unknown slot 's9'",
        ),
        (lambda r: r["participants"].append({"id": "x"}), "participants[3]", "id", "twice"),
        (
            lambda r: r["requests"][0].update(locked=True, slot="s1", table=3),
            "request r0",
            "table",
            "table 3 does not exist",
        ),
    ],
)
def test_bad_input_names_the_record_and_field(change, record, field, words):
    raw = {
        "slots": generate.slot_list(2),
        "tables": 2,
        "participants": [{"id": "x"}, {"id": "y"}, {"id": "z"}],
        "requests": [{"a": "x", "b": "y", "priority": 3}, {"a": "y", "b": "z"}],
    }
    change(raw)
    with pytest.raises(ValidationFailed) as error:
        instance.parse(raw)
    assert any(
        e["record"] == record and e["field"] == field and words in e["message"]
        for e in error.value.errors
    ), error.value.errors


def test_duplicate_requests_are_merged_with_a_warning():
    raw = {
        "slots": generate.slot_list(2),
        "tables": 1,
        "participants": [{"id": "x"}, {"id": "y"}],
        "requests": [{"a": "x", "b": "y", "priority": 1}, {"a": "y", "b": "x", "priority": 3}],
    }
    inst = instance.parse(raw)
    assert [(r.members, r.priority) for r in inst.requests] == [(("x", "y"), 3)]
    result = scheduler.schedule(inst, time_limit=5)
    assert "repeats request r0" in result.stats["warnings"][0]
    assert result.stats["weight"] == 3


def test_group_meetings_take_one_table_and_all_their_members():
    raw = {
        "slots": generate.slot_list(2),
        "tables": 1,
        "participants": [{"id": p} for p in "abcd"] + [{"id": "e", "unavailable": ["s2"]}],
        "requests": [
            {"id": "g", "participants": ["a", "b", "c", "e"], "priority": 3},
            {"a": "a", "b": "d", "priority": 2},
            {"a": "e", "b": "d", "priority": 1},
        ],
    }
    result = scheduler.schedule(instance.parse(raw), time_limit=5)
    check(raw, result)
    placed = {m.request: m.slot for m in result.meetings}
    assert placed == {"g": "s1", "r1": "s2"}


def test_a_second_run_with_fewer_tables_keeps_every_table_number_in_range():
    raw = generate.instance(40, 200, 6, seed=2, tables=10)
    inst = instance.parse(raw)
    first = scheduler.schedule(inst, time_limit=3)
    raw2 = instance.to_raw(inst)
    raw2["tables"] = 4
    raw2["previous"] = scheduler.to_json(inst, first)["meetings"]
    second = scheduler.schedule(instance.parse(raw2), time_limit=3)
    check(raw2, second)
    assert second.stats["kept"] + second.stats["moved"] + second.stats["dropped"] == len(
        first.meetings
    )
