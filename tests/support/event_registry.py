"""A small registry with users for the event service tests: events are made through the
services, one per test, by the Lombardia cluster's manager.

Organisations come from `support.dataset` plus a restricted one (Quasar Optics) that only
its own users (and admins) may see. Users: the cluster manager (organiser), members of
Leonardo, Safran, Politecnico di Milano, LuxSpace (an outsider) and Quasar Optics.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Any

from filiera.access import accounts
from filiera.access.viewer import Viewer, viewer_for
from filiera.db import Database
from filiera.events import events, participants
from filiera.events.models import Event, EventParticipant
from filiera.events.schemas import EventIn, ParticipantIn
from support.dataset import Dataset, build

DAY = "2026-05-12"
QUASAR = {
    "name": "Quasar Optics",
    "kind": "sme",
    "country": "IT",
    "descriptions": {"en": "Infrared optics and thermal cameras for drones."},
    "visibility": "restricted",
}
USERS = {  # key -> (role, organisation key, name)
    "manager": ("cluster_manager", "cluster", "Mia Manager"),
    "leo": ("member", "leonardo", "Luca Leone"),
    "saf": ("member", "safran", "Sara Blanc"),
    "poli": ("member", "polimi", "Paola Poli"),
    "lux": ("member", "luxspace", "Lea Lux"),
    "quasar": ("member", "quasar", "Quinn Quasar"),
    "viewer": ("viewer", None, "Victor Viewer"),
}
_names = itertools.count(1)


@dataclass
class Registry:
    db: Database
    data: Dataset
    users: dict[str, Viewer]
    admin: Viewer

    def org(self, key: str) -> int:
        return self.data.orgs[key]

    def viewer(self, key: str) -> Viewer:
        return Viewer.anonymous() if key == "anonymous" else self.users[key]

    def event(self, **fields: Any) -> int:
        """A new open event of the cluster: one day, 09:00-12:00, 30-minute slots, lunch
        at 10:30-11:00, four tables."""
        plan: dict[str, Any] = {
            "name": f"Cluster meeting {next(_names)}",
            "owner_id": self.org("cluster"),
            "days": [DAY],
            "day_start": "09:00",
            "day_end": "12:00",
            "slot_minutes": 30,
            "breaks": [{"start": "10:30", "end": "11:00", "label": "Coffee"}],
            "tables": 4,
        }
        plan.update(fields)
        with self.db.session() as session:
            return events.create_event(session, self.users["manager"], EventIn(**plan)).id

    def register(self, event_id: int, who: str, org: str | None = None, **fields: Any) -> int:
        """`who` registers themselves for their organisation (or `org`, as organiser)."""
        org_key = org or USERS[who][1]
        with self.db.session() as session:
            data = ParticipantIn(organisation_id=self.org(org_key), **fields)
            return participants.register(session, self.viewer(who), event_id, data).id

    def slots(self, event_id: int, kind: str = "meeting") -> list[int]:
        with self.db.session() as session:
            event = session.get(Event, event_id)
            return [s.id for s in event.slots if s.kind == kind]

    def participant(self, participant_id: int) -> EventParticipant:
        with self.db.session() as session:
            row = session.get(EventParticipant, participant_id)
            session.expunge(row)
            return row

    def set_event(self, event_id: int, **values: Any) -> None:
        with self.db.session() as session:
            event = session.get(Event, event_id)
            for name, value in values.items():
                setattr(event, name, value)


def make_registry(url: str) -> Registry:
    db = Database(url)
    data = build(db, {"quasar": QUASAR})
    users = {}
    with db.session() as session:
        for key, (role, org, name) in USERS.items():
            org_ids = [data.orgs[org]] if org else []
            user = accounts.add_user(
                session,
                f"{key}@events.example",
                name,
                "a long enough password",
                role=role,
                org_ids=org_ids,
            )
            users[key] = viewer_for(session, user)
        admin = accounts.add_user(
            session, "admin@events.example", "Ada Admin", "a long enough password", role="admin"
        )
        users["admin"] = viewer_for(session, admin)
    return Registry(db, data, users, users["admin"])


def ids_masked(text: str, *ids: int) -> str:
    """`text` with the given ids written as N, to compare two answers."""
    for value in ids:
        text = re.sub(rf"\b{value}\b", "N", text)
    return text
