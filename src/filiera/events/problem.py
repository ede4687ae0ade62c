"""The instance as numbers: slots in time order as bits, participants and requests by index.

A set of slots is an `int` bitmask (bit i = the i-th slot in time order), so "the slots both
members are free in" is one `&`; the search runs on these masks.
"""

from __future__ import annotations

from dataclasses import dataclass

from filiera.events.instance import Instance, Slot


@dataclass
class Problem:
    instance: Instance
    slots: list[Slot]  # in time order
    capacity: list[int]  # tables per slot
    people: list[str]
    free: list[int]  # per participant: the slots they are available in (with tables)
    members: list[tuple[int, ...]]  # per request
    weight: list[int]
    candidates: list[int]  # per request: slots all members are free in (with tables)
    locked: dict[int, tuple[int, int]]  # request -> (slot, table)
    previous: dict[int, tuple[int, int]]
    day_masks: list[int]
    of_person: list[list[int]]  # the requests of each participant

    @property
    def all_slots(self) -> int:
        return (1 << len(self.slots)) - 1


def _time_order(slots: list[Slot]) -> list[Slot]:
    if all(s.start for s in slots):
        return sorted(slots, key=lambda s: s.start or "")
    return list(slots)


def _day_masks(slots: list[Slot]) -> list[int]:
    masks: dict[str, int] = {}
    for index, slot in enumerate(slots):
        masks[slot.day] = masks.get(slot.day, 0) | (1 << index)
    return list(masks.values())


def build(instance: Instance) -> Problem:
    slots = _time_order(instance.slots)
    slot_index = {s.id: i for i, s in enumerate(slots)}
    capacity = [instance.tables_in(s) for s in slots]
    with_tables = sum(1 << i for i, c in enumerate(capacity) if c > 0)
    everything = (1 << len(slots)) - 1
    people = [p.id for p in instance.participants]
    person_index = {p: i for i, p in enumerate(people)}
    free = []
    for person in instance.participants:
        away = sum(1 << slot_index[s] for s in person.unavailable)
        free.append(everything & ~away & with_tables)
    members, weight, candidates = [], [], []
    of_person: list[list[int]] = [[] for _ in people]
    locked, previous = {}, {}
    for r, request in enumerate(instance.requests):
        indices = tuple(person_index[m] for m in request.members)
        mask = everything
        for p in indices:
            mask &= free[p]
            of_person[p].append(r)
        members.append(indices)
        weight.append(request.priority)
        candidates.append(mask)
        if request.locked:
            locked[r] = (slot_index[request.locked.slot], request.locked.table)
        elif request.id in instance.previous:
            place = instance.previous[request.id]
            previous[r] = (slot_index[place.slot], place.table)
    return Problem(
        instance,
        slots,
        capacity,
        people,
        free,
        members,
        weight,
        candidates,
        locked,
        previous,
        _day_masks(slots),
        of_person,
    )


def bits(mask: int) -> list[int]:
    """The indices of the set bits, lowest first."""
    out = []
    while mask:
        low = mask & -mask
        out.append(low.bit_length() - 1)
        mask ^= low
    return out


def idle_slots(busy: int, free: int, day_masks: list[int]) -> int:
    """Free slots between a participant's first and last meeting of each day."""
    idle = 0
    for day in day_masks:
        mine = busy & day
        if mine:
            low = mine & -mine
            span = (1 << mine.bit_length()) - low
            idle += (span & ~mine & free).bit_count()
    return idle
