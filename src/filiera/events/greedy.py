"""The baseline every schedule is compared with: heaviest first, earliest free slot."""

from __future__ import annotations

from filiera.events.instance import Instance
from filiera.events.problem import build, idle_slots


def greedy(instance: Instance) -> dict[str, float]:
    """Weight-ordered first fit, as simple B2B tools do; returns its figures."""
    problem = build(instance)
    busy = [0] * len(problem.people)
    load = [0] * len(problem.slots)
    full = sum(1 << s for s, c in enumerate(problem.capacity) if c == 0)
    weight = meetings = 0
    order = sorted(range(len(problem.members)), key=lambda r: -problem.weight[r])
    for r in order:
        mask = problem.candidates[r] & ~full
        for p in problem.members[r]:
            mask &= ~busy[p]
        if not mask:
            continue
        s = (mask & -mask).bit_length() - 1
        for p in problem.members[r]:
            busy[p] |= 1 << s
        load[s] += 1
        if load[s] >= problem.capacity[s]:
            full |= 1 << s
        weight += problem.weight[r]
        meetings += 1
    met = [p for p in range(len(busy)) if busy[p]]
    idle = sum(idle_slots(busy[p], problem.free[p], problem.day_masks) for p in met)
    return {
        "weight": weight,
        "meetings": meetings,
        "participants_without_meetings": sum(
            1 for p, rs in enumerate(problem.of_person) if rs and not busy[p]
        ),
        "idle_gaps": idle,
        "idle_gaps_per_participant": round(idle / len(met), 4) if met else 0.0,
    }
