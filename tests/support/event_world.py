"""A small B2B event written straight into the tables, for the schedule and agenda tests.

Varese, 3 December 2026 (Europe/Rome): six meeting slots of 20 minutes around a coffee
break, two tables (one in the last slot), seven delegates of seven organisations; Elena
arrives late, Franco leaves early, Dario blocked the second slot.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select

from filiera.access.viewer import Viewer
from filiera.db import Database
from filiera.events.models import (
    Event,
    EventParticipant,
    EventSlot,
    Meeting,
    MeetingGuest,
    MeetingRequest,
)
from filiera.registry.models import Source
from filiera.registry.resolve import Resolver
from filiera.registry.schemas import OrganisationIn
from filiera.registry.writer import upsert

DAY = dt.date(2026, 12, 3)
ZONE = "Europe/Rome"
TIMES = [  # (start, end, kind, tables)
    ("09:00", "09:20", "meeting", None),
    ("09:20", "09:40", "meeting", None),
    ("09:40", "10:00", "meeting", None),
    ("10:00", "10:20", "break", None),
    ("10:20", "10:40", "meeting", None),
    ("10:40", "11:00", "meeting", None),
    ("11:00", "11:20", "meeting", 1),
]
ORGS = {  # key -> (organisation, kind, country, delegate)
    "cluster": ("Lombardia Aerospace Cluster", "cluster", "IT", None),
    "anna": ("Avio Parts", "sme", "IT", "Anna Rossi"),
    "bruno": ("Brembo Composites", "midcap", "IT", "Bruno Verdi"),
    "carla": ("Cielo Sensors", "startup", "IT", "Carla Neri"),
    "dario": ("Delta Radar", "sme", "FR", "Dario Blu"),
    "elena": ("Elettra Labs", "research", "IT", "Elena Gialli"),
    "franco": ("Fiume Investments", "investor", "DE", "Franco Bianchi"),
    "gina": ("Gamma Optics", "sme", "ES", "Gina Viola"),
}


def at(hhmm: str, day: dt.date = DAY) -> dt.datetime:
    hour, minute = (int(part) for part in hhmm.split(":"))
    return dt.datetime.combine(day, dt.time(hour, minute))


@dataclass
class EventWorld:
    db: Database
    event_id: int
    orgs: dict[str, int]
    people: dict[str, int]  # delegate key -> participant id
    slots: list[int]  # slot ids in time order (the break is the 4th)
    requests: dict[str, int] = field(default_factory=dict)

    @property
    def organiser(self) -> Viewer:
        return Viewer(
            9001, "mia@cluster.example", "cluster_manager", frozenset({self.orgs["cluster"]})
        )

    def delegate(self, key: str, role: str = "member") -> Viewer:
        """A user acting for the delegate's organisation."""
        user_id = 9100 + list(ORGS).index(key)
        return Viewer(user_id, f"{key}@example.org", role, frozenset({self.orgs[key]}))

    def request(self, name: str, a: str, b: str, priority: int = 2, **extra) -> int:
        """A request from `a` to `b` (accepted unless `status` says otherwise)."""
        extra.setdefault("status", "accepted")
        extra.setdefault("message", f"{a} would like to meet {b}")
        with self.db.session() as session:
            row = MeetingRequest(
                event_id=self.event_id,
                requester_id=self.people[a],
                receiver_id=self.people[b],
                priority=priority,
                **extra,
            )
            session.add(row)
            session.flush()
            self.requests[name] = row.id
        return self.requests[name]

    def group(self, name: str, host: str, guests: list[str], priority: int = 3) -> int:
        with self.db.session() as session:
            row = MeetingRequest(
                event_id=self.event_id,
                requester_id=self.people[host],
                kind="group",
                title="Consortium table",
                priority=priority,
                status="accepted",
            )
            row.guests = [MeetingGuest(participant_id=self.people[g]) for g in guests]
            session.add(row)
            session.flush()
            self.requests[name] = row.id
        return self.requests[name]

    def set_request(self, name: str, **values) -> None:
        with self.db.session() as session:
            row = session.get(MeetingRequest, self.requests[name])
            for key, value in values.items():
                setattr(row, key, value)

    def set_participant(self, key: str, **values) -> None:
        with self.db.session() as session:
            row = session.get(EventParticipant, self.people[key])
            for name, value in values.items():
                setattr(row, name, value)

    def placements(self) -> dict[int, tuple[int, int, int, bool]]:
        """request id -> (meeting id, slot id, table, locked), as stored."""
        with self.db.session() as session:
            rows = session.scalars(select(Meeting).where(Meeting.event_id == self.event_id))
            return {m.request_id: (m.id, m.slot_id, m.table_no, m.locked) for m in rows}


def _organisations(db: Database) -> dict[str, int]:
    with db.session() as session:
        source = Source(name="event tests", kind="manual")
        resolver = Resolver.from_session(session)
        return {
            key: upsert(
                session,
                OrganisationIn(name=name, kind=kind, country=country),
                source=source,
                resolver=resolver,
            ).org_id
            for key, (name, kind, country, _person) in ORGS.items()
        }


def build_event(db: Database, **event_fields) -> EventWorld:
    """The event of this module's docstring, with no requests yet."""
    db.upgrade()
    orgs = _organisations(db)
    with db.session() as session:
        event = Event(
            name="Lombardia–Piemonte cluster meeting",
            venue="Villa Ponti",
            city="Varese",
            country="IT",
            timezone=ZONE,
            starts_on=DAY,
            ends_on=DAY,
            tables=2,
            owner_id=orgs["cluster"],
            **event_fields,
        )
        event.slots = [
            EventSlot(starts_at=at(start), ends_at=at(end), kind=kind, tables=tables)
            for start, end, kind, tables in TIMES
        ]
        session.add(event)
        session.flush()
        slots = [s.id for s in sorted(event.slots, key=lambda s: s.starts_at)]
        people = {}
        for key, (_org, _kind, _country, person) in ORGS.items():
            if person is None:
                continue
            row = EventParticipant(
                event_id=event.id,
                organisation_id=orgs[key],
                contact_name=person,
                job_title="Business developer",
            )
            session.add(row)
            session.flush()
            people[key] = row.id
        arrivals = {"elena": {"arrives_at": at("10:20")}, "franco": {"leaves_at": at("09:40")}}
        for key, values in arrivals.items():
            row = session.get(EventParticipant, people[key])
            for name, value in values.items():
                setattr(row, name, value)
        session.get(EventParticipant, people["dario"]).blocked_slots = [slots[1]]
        return EventWorld(db, event.id, orgs, people, slots)
