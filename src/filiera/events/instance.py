"""A scheduling instance: slots, tables, participants and the requests to place.

This is the scheduler's whole input, as plain data: the CLI reads it from a JSON file
(`filiera events schedule INSTANCE.json`) and the event service builds it from the database.
Parsing checks everything and reports every problem at once, each naming its record and
field; a duplicate request is not an error but is merged, with a warning.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from filiera.errors import Problems, ValidationFailed, field_error

PRIORITY_NAMES = {3: "must meet", 2: "would like", 1: "optional"}


@dataclass(frozen=True)
class Slot:
    """A time slot; `tables` caps it below the venue's count (e.g. during a session)."""

    id: str
    start: str | None = None
    end: str | None = None
    tables: int | None = None

    @property
    def day(self) -> str:
        """The calendar day (from `start`), so idle gaps never span a night."""
        return (self.start or "")[:10]


@dataclass(frozen=True)
class Participant:
    id: str
    unavailable: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Placement:
    slot: str
    table: int  # 1-based


@dataclass(frozen=True)
class Request:
    """A meeting to place: two members (a pair) or more (a group meeting, one table)."""

    id: str
    members: tuple[str, ...]
    priority: int
    locked: Placement | None = None


@dataclass
class Instance:
    slots: list[Slot]
    tables: int
    participants: list[Participant]
    requests: list[Request]
    # Where each request was in the schedule being revised (second run): kept if possible.
    previous: dict[str, Placement] = field(default_factory=dict)
    table_names: list[str] | None = None
    warnings: list[str] = field(default_factory=list)

    def tables_in(self, slot: Slot) -> int:
        return self.tables if slot.tables is None else slot.tables

    def table_label(self, table: int) -> str:
        if self.table_names:
            return self.table_names[table - 1]
        return str(table)


def _text(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | str) and str(value).strip():
        return str(value).strip()
    return None


def _count(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def _slots(raw: Any, problems: Problems) -> list[Slot]:
    if not isinstance(raw, list) or not raw:
        problems.add("instance", "slots", "a non-empty list of slots is required")
        return []
    slots, seen = [], set()
    for index, item in enumerate(raw):
        record = f"slots[{index}]"
        if not isinstance(item, dict):
            problems.add(record, "slot", "each slot is an object with an id")
            continue
        slot_id = _text(item.get("id"))
        if slot_id is None:
            problems.add(record, "id", "a slot needs an id")
            continue
        if slot_id in seen:
            problems.add(record, "id", f"slot {slot_id!r} is listed twice")
            continue
        seen.add(slot_id)
        tables = item.get("tables")
        if tables is not None and _count(tables) is None:
            problems.add(record, "tables", "tables is a whole number ≥ 0")
            tables = None
        start, end = item.get("start"), item.get("end")
        if start is not None and not isinstance(start, str):
            problems.add(record, "start", "start is an ISO date-time text")
            start = None
        if isinstance(start, str) and isinstance(end, str) and end <= start:
            problems.add(record, "end", f"slot {slot_id!r} ends ({end}) before it starts ({start})")
        slots.append(Slot(slot_id, start, end if isinstance(end, str) else None, tables))
    return slots


def _participants(raw: Any, slot_ids: set[str], problems: Problems) -> list[Participant]:
    if not isinstance(raw, list):
        problems.add("instance", "participants", "a list of participants is required")
        return []
    people, seen = [], set()
    for index, item in enumerate(raw):
        record = f"participants[{index}]"
        if not isinstance(item, dict):
            problems.add(record, "participant", "each participant is an object with an id")
            continue
        person = _text(item.get("id"))
        if person is None:
            problems.add(record, "id", "a participant needs an id")
            continue
        if person in seen:
            problems.add(record, "id", f"participant {person!r} is listed twice")
            continue
        seen.add(person)
        unavailable = item.get("unavailable") or []
        if not isinstance(unavailable, list):
            problems.add(record, "unavailable", "unavailable is a list of slot ids")
            unavailable = []
        names = {str(s) for s in unavailable}
        for unknown in sorted(names - slot_ids):
            problems.add(record, "unavailable", f"{person!r} names unknown slot {unknown!r}")
        people.append(Participant(person, frozenset(names & slot_ids)))
    return people


def _members(item: dict[str, Any], record: str, problems: Problems) -> tuple[str, ...] | None:
    if "participants" in item:
        raw = item["participants"]
        if not isinstance(raw, list) or len(raw) < 2:
            problems.add(record, "participants", "a group meeting lists 2 or more participants")
            return None
        members = [_text(m) for m in raw]
    else:
        members = [_text(item.get("a")), _text(item.get("b"))]
        for name, member in zip("ab", members, strict=True):
            if member is None:
                problems.add(record, name, f"{name} names a participant id")
        if None in members:
            return None
    if None in members:
        problems.add(record, "participants", "every member is a participant id")
        return None
    if len(set(members)) < len(members):
        problems.add(record, "participants", f"{members[0]!r} cannot meet themselves")
        return None
    return tuple(members)  # type: ignore[arg-type]


def _priority(item: dict[str, Any], record: str, problems: Problems) -> int | None:
    priority = item.get("priority", 2)
    number = isinstance(priority, int | float) and not isinstance(priority, bool)
    if not number or priority not in PRIORITY_NAMES:  # a list or an object is no priority
        problems.add(record, "priority", f"priority is 1, 2 or 3, not {priority!r}")
        return None
    return int(priority)


def _placement(raw: Any, record: str, name: str, problems: Problems) -> Placement | None:
    if not isinstance(raw, dict) or _text(raw.get("slot")) is None:
        problems.add(record, name, "a placement is {slot, table}")
        return None
    table = raw.get("table", 1)
    if _count(table) is None or table < 1:
        problems.add(record, name, "table is a whole number from 1")
        return None
    return Placement(str(raw["slot"]), table)


def _requests(raw: Any, known: set[str], problems: Problems) -> tuple[list[Request], list[str]]:
    if not isinstance(raw, list):
        problems.add("instance", "requests", "a list of requests is required")
        return [], []
    requests: list[Request] = []
    by_members: dict[frozenset[str], int] = {}
    warnings: list[str] = []
    ids: set[str] = set()
    for index, item in enumerate(raw):
        record = f"requests[{index}]"
        if not isinstance(item, dict):
            problems.add(record, "request", "each request is an object {a, b, priority}")
            continue
        members, priority = _members(item, record, problems), _priority(item, record, problems)
        if members is None or priority is None:
            continue
        unknown = [m for m in members if m not in known]
        for member in unknown:
            problems.add(record, "participants", f"unknown participant {member!r}")
        if unknown:
            continue
        request_id = _text(item.get("id")) or f"r{index}"
        if request_id in ids:
            problems.add(record, "id", f"request id {request_id!r} is used twice")
            continue
        ids.add(request_id)
        locked = None
        if item.get("locked"):
            locked = _placement(item, record, "locked", problems)
        key = frozenset(members)
        if key in by_members:
            kept = requests[by_members[key]]
            warnings.append(
                f"{record} repeats request {kept.id} ({' – '.join(members)}); "
                f"kept once with priority {max(kept.priority, priority)}"
            )
            if priority > kept.priority or (locked and not kept.locked):
                requests[by_members[key]] = Request(
                    kept.id, kept.members, max(kept.priority, priority), kept.locked or locked
                )
            continue
        by_members[key] = len(requests)
        requests.append(Request(request_id, members, priority, locked))
    return requests, warnings


def _check_locks(instance: Instance, problems: Problems) -> None:
    """Locked meetings fit: a known slot, a real table, free members, no clash."""
    slots = {s.id: s for s in instance.slots}
    unavailable = {p.id: p.unavailable for p in instance.participants}
    taken: dict[tuple[str, int], str] = {}
    busy: dict[tuple[str, str], str] = {}
    for request in instance.requests:
        if request.locked is None:
            continue
        record, place = f"request {request.id}", request.locked
        slot = slots.get(place.slot)
        if slot is None:
            problems.add(record, "slot", f"locked in unknown slot {place.slot!r}")
            continue
        if place.table > instance.tables_in(slot):
            problems.add(record, "table", f"table {place.table} does not exist in slot {slot.id!r}")
        clash = taken.setdefault((slot.id, place.table), request.id)
        if clash != request.id:
            problems.add(record, "table", f"table {place.table} in {slot.id!r} holds {clash} too")
        for member in request.members:
            if slot.id in unavailable[member]:
                problems.add(record, "slot", f"{member!r} is not available in {slot.id!r}")
            other = busy.setdefault((member, slot.id), request.id)
            if other != request.id:
                problems.add(record, "slot", f"{member!r} is also locked in {other} at {slot.id!r}")


def _previous(raw: Any, instance: Instance, problems: Problems) -> dict[str, Placement]:
    """A previous schedule's meetings (the output's `meetings`), matched to requests by id
    or by members; meetings of requests that are gone (cancelled, no-shows) are dropped."""
    if raw is None:
        return {}
    if not isinstance(raw, list):
        problems.add("instance", "previous", "previous is the list of a schedule's meetings")
        return {}
    by_id = {r.id: r for r in instance.requests}
    by_members = {frozenset(r.members): r for r in instance.requests}
    slots = {s.id for s in instance.slots}
    placed: dict[str, Placement] = {}
    for index, item in enumerate(raw):
        record = f"previous[{index}]"
        if not isinstance(item, dict):
            problems.add(record, "meeting", "each meeting is {a, b, slot, table}")
            continue
        place = _placement(item, record, "slot", problems)
        members = item.get("participants") or [item.get("a"), item.get("b")]
        request = by_id.get(str(item.get("request"))) or by_members.get(
            frozenset(str(m) for m in members if m is not None)
        )
        if place is None or request is None or place.slot not in slots:
            continue
        placed[request.id] = place
    return placed


def parse(raw: Any, *, source: str = "instance") -> Instance:
    """The instance in `raw` (decoded JSON), or ValidationFailed listing every problem."""
    problems = Problems(source)
    if not isinstance(raw, dict):
        problems.add("instance", "instance", "an instance is a JSON object")
        problems.raise_any()
    tables = raw.get("tables")
    if _count(tables) is None:
        problems.add("instance", "tables", "tables is a whole number ≥ 0 (tables per slot)")
        tables = 0
    names = raw.get("table_names")
    if names is not None and (not isinstance(names, list) or len(names) != tables):
        problems.add("instance", "table_names", f"give one name per table ({tables})")
        names = None
    slots = _slots(raw.get("slots"), problems)
    for slot in slots:
        if slot.tables is not None and slot.tables > tables:
            problems.add(
                f"slot {slot.id}",
                "tables",
                f"slot {slot.id!r} asks for {slot.tables} tables but the venue has {tables}",
            )
    people = _participants(raw.get("participants"), {s.id for s in slots}, problems)
    requests, warnings = _requests(raw.get("requests"), {p.id for p in people}, problems)
    instance = Instance(
        slots, tables, people, requests, table_names=names and [str(n) for n in names]
    )
    instance.warnings = warnings + [
        f"participant {p.id!r} has no free slot: their requests cannot be scheduled"
        for p in people
        if slots and len(p.unavailable) == len(slots)
    ]
    problems.raise_any()
    _check_locks(instance, problems)
    instance.previous = _previous(raw.get("previous"), instance, problems)
    problems.raise_any()
    return instance


def load(path: Path) -> Instance:
    """Read and parse an instance file; errors name the file."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValidationFailed(
            f"{path}: file not found", errors=[field_error(str(path), "file", "file not found")]
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValidationFailed(
            f"{path}: not valid JSON ({error})",
            errors=[field_error(str(path), "file", f"not valid JSON: {error}")],
        ) from None
    return parse(raw, source=str(path))


def to_raw(instance: Instance) -> dict[str, Any]:
    """The instance as the JSON the CLI reads (what `parse` accepts)."""
    raw: dict[str, Any] = {
        "slots": [{k: v for k, v in vars(s).items() if v is not None} for s in instance.slots],
        "tables": instance.tables,
        "participants": [
            {"id": p.id, "unavailable": sorted(p.unavailable)} for p in instance.participants
        ],
        "requests": [_request_raw(r) for r in instance.requests],
    }
    if instance.table_names:
        raw["table_names"] = list(instance.table_names)
    if instance.previous:
        raw["previous"] = [
            {"request": rid, "slot": p.slot, "table": p.table}
            for rid, p in instance.previous.items()
        ]
    return raw


def _request_raw(request: Request) -> dict[str, Any]:
    raw: dict[str, Any] = {"id": request.id, "priority": request.priority}
    if len(request.members) == 2:
        raw["a"], raw["b"] = request.members
    else:
        raw["participants"] = list(request.members)
    if request.locked:
        raw.update(locked=True, slot=request.locked.slot, table=request.locked.table)
    return raw
