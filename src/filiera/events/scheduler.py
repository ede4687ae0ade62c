"""The scheduler: accepted meetings into slots and tables, with a quality certificate.

Objectives, in order: total weight (priority 3 must meet, 2 would like, 1 optional); then
fairness (nobody with requests left without a meeting, where a swap of equal weight allows
it); then compact agendas (few idle slots between a participant's meetings). Locked
meetings stay put; on a second run, meetings of the previous schedule stay where they were
unless moving them makes room, and are never dropped for new ones.

Steps: an upper bound and a target selection from a b-matching MIP (`bound.py`), a compact
first fit in that order, ejection chains for what did not fit, weight-improving evictions,
fairness swaps, then compaction moves, all within the time limit. Every result says how far
from the bound it is, and every meeting left out says why.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from filiera.events.board import Board
from filiera.events.bound import upper_bound
from filiera.events.instance import PRIORITY_NAMES, Instance
from filiera.events.problem import Problem, build
from filiera.events.search import Search


@dataclass(frozen=True)
class Meeting:
    request: str
    members: tuple[str, ...]
    slot: str
    table: int


@dataclass(frozen=True)
class Unscheduled:
    request: str
    members: tuple[str, ...]
    priority: int
    reason: str
    key: str  # no_free_slot, no_common_slot, crowded_out: for translated messages
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Schedule:
    meetings: list[Meeting]
    unscheduled: list[Unscheduled]
    stats: dict[str, Any]


def schedule(instance: Instance, *, time_limit: float = 30.0, seed: int = 1) -> Schedule:
    """The best schedule found within `time_limit` seconds; deterministic for a `seed`."""
    started = time.monotonic()
    problem = build(instance)
    bound = upper_bound(problem, time_limit=max(0.5, min(0.25 * time_limit, 20.0)))
    board = Board(problem)
    search = Search(board, seed=seed, deadline=started + 0.9 * time_limit)
    kept_first(search)
    aimed = [r for r, value in enumerate(bound.chosen) if value >= 0.5]
    others = [r for r, value in enumerate(bound.chosen) if value < 0.5]
    missed = repair(search, first_fit(search, aimed), evict=False)
    repair(search, missed + first_fit(search, others), evict=True)
    include_everyone(search)
    for _ in range(8):
        moved = search.compact(compaction_order(search))
        swapped = search.swap_slots(compaction_order(search))
        if search.out_of_time() or (moved + swapped) * 1000 <= len(problem.members):
            break  # out of time, or the last pass changed less than one meeting in 1,000
    tables = assign_tables(problem, board)
    return _result(problem, board, search, tables, bound, started)


def kept_first(search: Search) -> None:
    """Locked meetings where they are; the previous schedule's where they were, if free."""
    board, problem = search.board, search.problem
    for r, (s, _table) in problem.locked.items():
        board.put(r, s)
        search.pinned.add(r)
    moved = []
    for r, (s, _table) in problem.previous.items():
        if search.place_at_previous(r, s):
            search.kept.add(r)
        else:
            moved.append(r)
    for r in moved:  # its slot is gone or a member is away now: keep it elsewhere
        search.budget = 500
        if search.insert(r, 2):
            search.kept.add(r)
    board.forget()


def first_fit(search: Search, requests: list[int]) -> list[int]:
    """Each of `requests` in a compact free slot, heavy and inflexible ones first; returns
    those that found no free slot."""
    board, problem = search.board, search.problem
    rank = search.random.random
    order = sorted(
        (r for r in requests if not board.placed(r) and problem.candidates[r]),
        key=lambda r: (-problem.weight[r], problem.candidates[r].bit_count(), rank()),
    )
    unplaced = [r for r in order if not search.place_compactly(r)]
    board.forget()
    return unplaced


def repair(search: Search, unplaced: list[int], *, evict: bool) -> list[int]:
    """Chains of moves (deeper each round), then weight-improving evictions."""
    weight = search.problem.weight
    for depth in (1, 2, 3):
        left = []
        for r in sorted(unplaced, key=lambda r: -weight[r]):
            search.budget = 60 * depth
            if search.out_of_time() or search.board.full == search.problem.all_slots:
                left.append(r)  # no time, or no table left anywhere: only evictions help
            elif not search.insert(r, depth) and not search.kempe(r):
                left.append(r)
        search.board.forget()
        unplaced = left
    if not evict:
        return unplaced
    queue = sorted(unplaced, key=lambda r: -weight[r])
    left = []
    while queue and not search.out_of_time():
        r = queue.pop(0)
        if search.board.placed(r):
            continue
        dropped: list[int] = []
        if not search.evict(r, dropped):
            left.append(r)
        queue.extend(dropped)
        search.board.forget()
    return left + queue


def include_everyone(search: Search) -> None:
    """Fairness: each participant with a placeable request gets a meeting if a swap of
    equal weight allows it."""
    board, problem = search.board, search.problem
    for p, requests in enumerate(problem.of_person):
        if search.out_of_time():
            break
        if board.busy[p] or not any(problem.candidates[r] for r in requests):
            continue
        search.befriend(p)
        board.forget()


def compaction_order(search: Search) -> list[int]:
    placed = [r for r, s in enumerate(search.board.slot_of) if s >= 0]
    search.random.shuffle(placed)
    return placed


def assign_tables(problem: Problem, board: Board) -> dict[int, int]:
    """Table numbers: locked ones fixed, kept ones at their old table when it is free."""
    tables: dict[int, int] = {}
    for s, inside in enumerate(board.inside):
        taken: set[int] = set()
        ordered = sorted(inside, key=lambda r: (r not in problem.locked, r))
        rest = []
        for r in ordered:
            wish = problem.locked.get(r) or problem.previous.get(r)
            if wish and wish[0] == s and wish[1] not in taken and wish[1] <= problem.capacity[s]:
                tables[r] = wish[1]
                taken.add(wish[1])
            else:
                rest.append(r)
        free = (t for t in range(1, problem.capacity[s] + 1) if t not in taken)
        for r in rest:
            tables[r] = next(free)
    return tables


# --- the result --------------------------------------------------------------------------


def reason_text(key: str, params: dict[str, Any]) -> str:
    """Why a request was left out, in words (the web pages translate `key` + `params`)."""
    if key == "no_free_slot":
        return f"{params['member']} has no free slot"
    if key == "no_common_slot":
        return f"{' and '.join(params['members'])} share no free slot"
    detail = ", ".join(f"{who} is busy in {n}" for who, n in params["busy"].items())
    return (
        f"no room left: of the {params['shared']} slots they share, {detail}; "
        f"{params['full']} have no table left"
    )


def _why(problem: Problem, board: Board, r: int) -> tuple[str, str, dict[str, Any]]:
    people = [problem.people[p] for p in problem.members[r]]
    shared = problem.candidates[r]
    away = [problem.people[p] for p in problem.members[r] if not problem.free[p]]
    if away:
        key, params = "no_free_slot", {"member": away[0]}
    elif not shared:
        key, params = "no_common_slot", {"members": people}
    else:
        busy = {problem.people[p]: (board.busy[p] & shared).bit_count() for p in problem.members[r]}
        full = (board.full & shared).bit_count()
        key, params = "crowded_out", {"shared": shared.bit_count(), "busy": busy, "full": full}
    return reason_text(key, params), key, params


def _without_meetings(problem: Problem, board: Board) -> int:
    return sum(1 for p, rs in enumerate(problem.of_person) if rs and not board.busy[p])


def _stats(problem: Problem, board: Board, bound, started: float, tables) -> dict[str, Any]:
    weight = board.weight
    met = [p for p in range(len(problem.people)) if board.busy[p]]
    idle = sum(board.idle(p) for p in met)
    moved = sum(
        1
        for r, (s, t) in problem.previous.items()
        if board.placed(r) and (board.slot_of[r] != s or tables[r] != t)
    )
    dropped = sum(1 for r in problem.previous if not board.placed(r))
    upper = max(bound.value, weight)
    return {
        "weight": weight,
        "upper_bound": upper,
        "gap": round((upper - weight) / upper, 6) if upper else 0.0,
        "percent_of_bound": round(100.0 * weight / upper, 3) if upper else 100.0,
        "bound_method": bound.method,
        "optimal": weight == upper,
        "meetings": sum(1 for s in board.slot_of if s >= 0),
        "requests": len(problem.members),
        "weight_by_priority": {
            PRIORITY_NAMES[w]: sum(
                1 for r, s in enumerate(board.slot_of) if s >= 0 and problem.weight[r] == w
            )
            for w in (3, 2, 1)
        },
        "participants": len(problem.people),
        "participants_without_meetings": _without_meetings(problem, board),
        "idle_gaps": idle,
        "idle_gaps_per_participant": round(idle / len(met), 4) if met else 0.0,
        "kept": len(problem.previous) - moved - dropped,
        "moved": moved,
        "dropped": dropped,
        "locked": len(problem.locked),
        "time_s": round(time.monotonic() - started, 3),
        "method": "b-matching bound + compact first fit + ejection chains",
        "warnings": list(problem.instance.warnings),
    }


def _result(problem: Problem, board: Board, search: Search, tables, bound, started) -> Schedule:
    slot_ids = [s.id for s in problem.slots]
    requests = problem.instance.requests
    meetings = [
        Meeting(requests[r].id, requests[r].members, slot_ids[s], tables[r])
        for s in range(len(slot_ids))
        for r in sorted(board.inside[s], key=lambda r: tables[r])
    ]
    unscheduled = []
    for r, s in enumerate(board.slot_of):
        if s < 0:
            reason, key, params = _why(problem, board, r)
            request = requests[r]
            unscheduled.append(
                Unscheduled(request.id, request.members, request.priority, reason, key, params)
            )
    unscheduled.sort(key=lambda u: (-u.priority, u.request))
    return Schedule(meetings, unscheduled, _stats(problem, board, bound, started, tables))


def to_json(instance: Instance, result: Schedule) -> dict[str, Any]:
    """The CLI's output: meetings {a, b, slot, table}, unscheduled with reasons, stats."""
    meetings = []
    for m in result.meetings:
        row: dict[str, Any] = {"request": m.request}
        if len(m.members) == 2:
            row["a"], row["b"] = m.members
        else:
            row["participants"] = list(m.members)
        row.update(slot=m.slot, table=m.table)
        if instance.table_names:
            row["table_name"] = instance.table_label(m.table)
        meetings.append(row)
    unscheduled = [
        {
            "request": u.request,
            "participants": list(u.members),
            "priority": u.priority,
            "reason": u.reason,
            "code": u.key,
        }
        for u in result.unscheduled
    ]
    return {"meetings": meetings, "unscheduled": unscheduled, "stats": result.stats}
