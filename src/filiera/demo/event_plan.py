"""The plan of the demo's B2B events (data/events.yaml), as plain data: which delegates
register for which organisation, with what profile and availability, and who asks whom.

Pure functions of the event's row, the organisations and a seeded random generator: the
same seed gives the same plan (`demo/events.py` carries it out through the services).
Delegates look for themes of the event their organisation does not offer and offer its
capabilities in the registry; popularity is skewed (primes, buyers and investors are asked
most, and a log-normal draw makes a few delegates very popular); about a third arrive
late, leave early or block a slot or two.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from filiera import yamlfile
from filiera.registry import taxonomy

EVENTS_FILE = Path(__file__).parent / "data" / "events.yaml"
# How often a kind of organisation is asked for a meeting (primes and buyers most).
POPULARITY = {"prime": 5.0, "buyer": 5.0, "investor": 4.0, "public_body": 2.5, "midcap": 2.0}
PRIORITIES = ((1, 2, 3), (0.25, 0.45, 0.30))
STATUSES = (("accepted", "pending", "declined"), (0.8, 0.1, 0.1))


@cache
def events_data() -> dict[str, Any]:
    return yamlfile.safe_load(EVENTS_FILE.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Org:
    """What the plan needs of a registry organisation."""

    id: int
    name: str
    kind: str
    capabilities: tuple[str, ...]
    description: str | None = None


@dataclass
class Delegate:
    """One registration to make: a demo account (`account`) or a synthetic delegate."""

    org: Org
    name: str | None  # None: the account's own name
    job_title: str
    looking_for: str
    offering: str
    popularity: float
    email: str | None = None
    account: str | None = None
    arrives: int | None = None  # index of the first meeting slot they attend
    leaves: int | None = None  # index of the last meeting slot they attend
    blocked: tuple[int, ...] = ()  # indexes of meeting slots they are busy in


@dataclass(frozen=True)
class Ask:
    """A meeting request to make: delegate indexes, priority, final status, message."""

    a: int
    b: int
    priority: int
    status: str
    message: str | None


def plan_delegates(
    row: dict[str, Any],
    orgs: list[tuple[Org, int]],
    account_orgs: list[tuple[str, Org]],
    rng: random.Random,
) -> list[Delegate]:
    """The demo accounts first, then `count` synthetic delegates per organisation."""
    words = events_data()["profiles"][row["lang"]]
    slots = _meeting_slot_count(row)
    out = [_delegate(org, None, row, words, rng, account=email) for email, org in account_orgs]
    number = 0
    for org, count in orgs:
        for _ in range(count):
            number += 1
            name = words["delegate"].format(n=number)
            delegate = _delegate(org, name, row, words, rng)
            domain = row["key"].replace("_", "-")
            delegate.email = f"delegate{number:02d}@{domain}.example.invalid"
            _availability(delegate, slots, rng)
            out.append(delegate)
    return out


def _delegate(
    org: Org,
    name: str | None,
    row: dict[str, Any],
    words: dict[str, Any],
    rng: random.Random,
    account: str | None = None,
) -> Delegate:
    """A delegate of `org`: looking for themes of the event it does not offer, offering
    its capabilities in the registry (else what its kind of organisation brings)."""
    lang = row["lang"]
    missing = [code for code in row["themes"] if code not in org.capabilities]
    topics = rng.sample(missing, k=min(3, len(missing)))
    seek = words["seek"].get(org.kind, words["seek"]["other"])
    offered = [taxonomy.label(code, lang) for code in org.capabilities[:4]]
    offer = words["offer"].get(org.kind, words["offer"]["default"])
    titles = words["titles"].get(org.kind, words["titles"]["other"])
    return Delegate(
        org=org,
        name=name,
        job_title=rng.choice(titles),
        looking_for=seek.format(topics=", ".join(taxonomy.label(t, lang) for t in topics)),
        offering=", ".join(offered) if offered else offer,
        popularity=POPULARITY.get(org.kind, 1.2) * rng.lognormvariate(0.0, 0.9),
        account=account,
    )


def _availability(delegate: Delegate, slots: int, rng: random.Random) -> None:
    """About a third arrive late, leave early or block a slot or two."""
    draw = rng.random()
    if draw < 0.12:
        delegate.arrives = rng.randint(2, 5)
    elif draw < 0.24:
        delegate.leaves = slots - 1 - rng.randint(2, 5)
    elif draw < 0.34:
        delegate.blocked = tuple(sorted(rng.sample(range(slots), k=rng.randint(1, 2))))


def _meeting_slot_count(row: dict[str, Any]) -> int:
    """Meeting slots of one day of the event, from its hours, breaks and slot length."""
    spec = row["event"]
    minutes = sum(_minutes(b["end"]) - _minutes(b["start"]) for b in spec.get("breaks", []))
    day = _minutes(spec["day_end"]) - _minutes(spec["day_start"]) - minutes
    return day // spec["slot_minutes"]


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def plan_requests(delegates: list[Delegate], row: dict[str, Any], rng: random.Random) -> list[Ask]:
    """Each delegate asks a few others, chosen by popularity (primes and buyers most),
    never their own organisation nor a pair asked already; demo accounts ask the most and
    their requests are accepted, while the first two they receive wait for their answer."""
    low, high = row["requests"]["min"], row["requests"]["max"]
    weights = [d.popularity for d in delegates]
    asked: set[frozenset[int]] = set()
    waiting = {i: 0 for i, d in enumerate(delegates) if d.account}
    asks = []
    for a, delegate in enumerate(delegates):
        count = high if delegate.account else rng.randint(low, high)
        for b in _targets(a, delegates, weights, asked, count, rng):
            asked.add(frozenset((a, b)))
            status = rng.choices(*STATUSES)[0]
            if delegate.account:
                status = "accepted"
            elif b in waiting and waiting[b] < 2:
                status, waiting[b] = "pending", waiting[b] + 1
            priority = rng.choices(*PRIORITIES)[0]
            asks.append(Ask(a, b, priority, status, _message(delegate, delegates[b], row)))
    return asks


def _targets(
    a: int,
    delegates: list[Delegate],
    weights: list[float],
    asked: set[frozenset[int]],
    count: int,
    rng: random.Random,
) -> list[int]:
    """Up to `count` others for delegate `a` to ask, drawn by popularity."""
    chosen: list[int] = []
    for _ in range(count * 10):
        if len(chosen) == count:
            break
        b = rng.choices(range(len(delegates)), weights=weights)[0]
        if b == a or delegates[b].org.id == delegates[a].org.id or frozenset((a, b)) in asked:
            continue
        if b not in chosen:
            chosen.append(b)
    return chosen


def _message(sender: Delegate, receiver: Delegate, row: dict[str, Any]) -> str | None:
    """What the sender is interested in: a theme the receiver offers, if any."""
    themes = [code for code in row["themes"] if code in receiver.org.capabilities]
    if not themes:
        return None
    words = events_data()["profiles"][row["lang"]]
    topic = themes[(sender.org.id + receiver.org.id) % len(themes)]
    return words["message"].format(topic=taxonomy.label(topic, row["lang"]))
