"""B2B events of the non-interference world (tests/test_noninterference.py).

Six events next to each other: the cluster's open public event (the member's organisation
takes part, with requests, meetings and a stored run), its members-only, draft and
restricted events, Leonardo's public event where hidden organisations take part (nobody
among the viewers organises it or takes part: outsiders must see as if those delegates did
not exist), and an event of a hidden organisation. Written straight into the tables, the
same way each time, so that ids agree between the world and its shadows.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from filiera.access.viewer import Viewer
from filiera.events import roles
from filiera.events.models import (
    Event,
    EventParticipant,
    EventSlot,
    Meeting,
    MeetingRequest,
    ScheduleRun,
)

DAY = dt.date(2026, 6, 10)
EVENTS = {  # key -> (owner, visibility, status, delegates' organisations)
    "open": ("cluster", "public", "open", ["members_org", "leonardo", "polimi", "safran"]),
    "members": ("cluster", "members", "open", ["leonardo", "polimi"]),
    "draft": ("cluster", "public", "draft", ["leonardo"]),
    "restricted": ("cluster", "restricted", "open", ["polimi"]),
    "by_leonardo": (
        "leonardo",
        "public",
        "open",
        ["leonardo", "polimi", "restricted_org", "owner_org"],
    ),
    "by_hidden": ("owner_org", "public", "open", ["owner_org", "leonardo"]),
}
REQUESTS = {  # event -> (requester, receiver, priority, status, slot index or None)
    "open": [
        ("members_org", "leonardo", 3, "accepted", 0),
        ("leonardo", "polimi", 2, "pending", None),
        ("polimi", "safran", 1, "accepted", 1),
    ],
    "by_leonardo": [
        ("owner_org", "leonardo", 3, "accepted", 0),
        ("restricted_org", "polimi", 2, "accepted", 1),
        ("leonardo", "polimi", 2, "pending", None),
    ],
    "by_hidden": [("owner_org", "leonardo", 3, "accepted", 2)],
}
LOOKING_FOR = {
    "members_org": "radar sensors for drones",
    "leonardo": "satellite optics",
    "polimi": "counter-drone radar",
}


def _at(hour: int, minute: int) -> dt.datetime:
    return dt.datetime.combine(DAY, dt.time(hour, minute))


def add_events(session: Session, orgs: dict[str, int]) -> tuple[dict[str, int], dict[str, int]]:
    """The events; returns their ids and some delegates' ids (`<event>:<organisation>`)."""
    events, people = {}, {}
    for key, (owner, level, status, members) in EVENTS.items():
        event = Event(
            name=f"Matchmaking {key}",
            venue="Villa Ponti",
            city="Varese",
            timezone="Europe/Rome",
            starts_on=DAY,
            ends_on=DAY,
            tables=2,
            owner_id=orgs[owner],
            visibility=level,
            status=status,
        )
        event.slots = [
            EventSlot(starts_at=_at(9, 30 * i), ends_at=_at(9, 30 * i + 29), kind="meeting")
            for i in range(2)
        ] + [EventSlot(starts_at=_at(10, 0), ends_at=_at(10, 30), kind="meeting")]
        session.add(event)
        session.flush()
        events[key] = event.id
        for org in members:
            delegate = EventParticipant(
                event_id=event.id,
                organisation_id=orgs[org],
                contact_name=f"Delegate of {org}",
                email=f"{org}@delegates.example",
                profile=f"{org} at the {key} event",
                looking_for=LOOKING_FOR.get(org),
                offering=f"{org} products",
            )
            session.add(delegate)
            session.flush()
            people[f"{key}:{org}"] = delegate.id
        _requests(session, event, people, key)
    return events, people


def _requests(session: Session, event: Event, people: dict[str, int], key: str) -> None:
    slots = sorted(event.slots, key=lambda s: s.starts_at)
    placed = 0
    for a, b, priority, status, slot in REQUESTS.get(key, []):
        request = MeetingRequest(
            event_id=event.id,
            requester_id=people[f"{key}:{a}"],
            receiver_id=people[f"{key}:{b}"],
            priority=priority,
            status=status,
            message=f"{a} asks {b}",
        )
        session.add(request)
        session.flush()
        if slot is not None:
            session.add(
                Meeting(
                    event_id=event.id, request_id=request.id, slot_id=slots[slot].id, table_no=1
                )
            )
            placed += 1
    if placed:
        stats = {"weight": placed, "upper_bound": placed, "gap": 0.0, "meetings": placed}
        session.add(ScheduleRun(event_id=event.id, created_by="ni", stats=stats))
    session.flush()


def hide_events(session: Session, viewer: Viewer) -> None:
    """Delete the events `viewer` may not see (their delegates go with hidden organisations)."""
    seen = select(Event.id).where(roles.visible_events(viewer))
    for event in session.scalars(select(Event).where(Event.id.not_in(seen))):
        session.delete(event)
    session.flush()
