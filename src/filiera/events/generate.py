"""Synthetic scheduling instances, for benchmarks, tests and trying the scheduler.

Popularity is skewed (Zipf: a few participants are asked very often), some participants
arrive late, leave early or block slots, priorities are 1-3, and tables are either
plentiful (everyone could meet at once) or scarce (half the requests fit at most).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

DAY_ONE = datetime(2027, 3, 10, 9, 0)


def slot_list(count: int, *, days: int = 1, minutes: int = 20) -> list[dict[str, str]]:
    per_day = -(-count // days)
    slots = []
    for index in range(count):
        day, position = divmod(index, per_day)
        start = DAY_ONE + timedelta(days=day, minutes=minutes * position)
        end = start + timedelta(minutes=minutes)
        slots.append({"id": f"s{index + 1}", "start": start.isoformat(), "end": end.isoformat()})
    return slots


def _availability(rng: random.Random, slot_ids: list[str], share: float) -> list[str]:
    if rng.random() >= share:
        return []
    n = len(slot_ids)
    kind = rng.choice(("late", "early", "blocked"))
    if kind == "late":
        return slot_ids[: rng.randint(1, max(1, n // 3))]
    if kind == "early":
        return slot_ids[n - rng.randint(1, max(1, n // 3)) :]
    return rng.sample(slot_ids, k=min(n - 1, rng.randint(1, 3)))


def _zipf_weights(count: int, skew: float) -> list[float]:
    return [1.0 / (rank + 1) ** skew for rank in range(count)]


def instance(
    participants: int,
    requests: int,
    slots: int,
    *,
    seed: int = 1,
    skew: float = 1.0,
    tables: str | int = "plentiful",
    days: int = 1,
    partial: float = 0.3,
    groups: int = 0,
) -> dict[str, Any]:
    """A raw instance (what `instance.parse` reads) with `requests` distinct pairs."""
    rng = random.Random(seed)
    slot_rows = slot_list(slots, days=days)
    slot_ids = [s["id"] for s in slot_rows]
    people = [f"p{i + 1}" for i in range(participants)]
    popular = people[:]
    rng.shuffle(popular)
    weights = _zipf_weights(participants, skew)
    pairs: set[frozenset[str]] = set()
    rows = []
    limit = participants * (participants - 1) // 2
    while len(rows) < min(requests, limit):
        a = rng.choice(people)
        b = rng.choices(popular, weights=weights)[0]
        key = frozenset((a, b))
        if a == b or key in pairs:
            continue
        pairs.add(key)
        priority = rng.choices((1, 2, 3), weights=(0.3, 0.4, 0.3))[0]
        rows.append({"a": a, "b": b, "priority": priority})
    for g in range(groups):
        members = rng.sample(people, k=min(participants, rng.randint(3, 5)))
        rows.append({"id": f"g{g + 1}", "participants": members, "priority": 3})
    if tables == "plentiful":
        count = max(1, participants // 2)
    elif tables == "scarce":
        count = max(1, round(0.5 * len(rows) / slots))
    else:
        count = int(tables)
    return {
        "slots": slot_rows,
        "tables": count,
        "participants": [
            {"id": p, "unavailable": _availability(rng, slot_ids, partial)} for p in people
        ],
        "requests": rows,
    }
