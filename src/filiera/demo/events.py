"""The demo's two B2B events (issue 12), already scheduled (data/events.yaml).

The events are real (the Mission 2044 summit in Berlin, seed 001; the Lombardia–Piemonte
cluster meeting in Varese, seed 003); what happens at them is synthetic and labelled so:
every delegate is flagged `synthetic`, named "Delegate N (synthetic)", and registered for a
real organisation of the demo registry, with a profile written from that organisation's
capabilities. A few demo accounts register as themselves, so signing in shows an agenda.

Everything goes through the events services acting as demo accounts (the organiser in
`by`), so the demo obeys the rules of data entered in the web UI; the accepted requests are
entered while the event auto-accepts (as an organiser entering meetings already agreed),
the declined ones are answered in the name of "Filiera demo data". Delegates, availability
and requests are drawn from each event's fixed `seed` (`plan_delegates`, `plan_requests`,
pure functions), so two loads give the same events, requests and schedule.
"""

from __future__ import annotations

import random
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from filiera.access import accounts
from filiera.access.viewer import Viewer, viewer_for
from filiera.demo.consortia import ANSWERED_BY
from filiera.demo.event_plan import Ask, Delegate, Org, events_data, plan_delegates, plan_requests
from filiera.events import events, participants, planning, requests
from filiera.events.models import Event, EventParticipant, Meeting
from filiera.events.schemas import EventIn, EventPatch, ParticipantIn, RequestIn
from filiera.registry.models import Organisation, OrgCapability
from filiera.registry.schemas import parse

SCHEDULE = {"time_limit": 10.0, "seed": 1}  # a run of the demo: small, done in well under 1 s


# --- loading --------------------------------------------------------------------------------


def load_demo_events(session: Session, keys: dict[str, int]) -> dict[str, int]:
    """Every event of events.yaml, registered, requested and scheduled."""
    totals = {"events": 0, "participants": 0, "requests": 0, "meetings": 0}
    for row in events_data()["events"]:
        for name, value in _load_event(session, row, keys).items():
            totals[name] += value
    return totals


def _load_event(session: Session, row: dict[str, Any], keys: dict[str, int]) -> dict[str, int]:
    organiser = acting(session, row["by"])
    data = parse(
        EventIn, {**row["event"], "owner_id": keys[row["owner"]]}, f"events.yaml {row['key']}"
    )
    event = events.create_event(session, organiser, data)
    delegates, asks = plan_for(session, row, keys)
    registered = [_register(session, organiser, event, d) for d in delegates]
    _make_requests(session, organiser, event, registered, asks)
    group = _group(session, organiser, event, row, registered, delegates, keys)
    planning.run_schedule(session, organiser, event.id, **SCHEDULE)
    if row.get("second_run"):
        spec = row["second_run"]
        _second_run(session, organiser, event, spec, group, registered, delegates, keys)
    meetings = planning.live_meetings(session, event)
    return {
        "events": 1,
        "participants": len(registered),
        "requests": len(asks) + 1,
        "meetings": len(meetings),
    }


def plan_for(
    session: Session, row: dict[str, Any], keys: dict[str, int]
) -> tuple[list[Delegate], list[Ask]]:
    """The event's delegates and requests, drawn from its seed: the same every time."""
    rng = random.Random(row["seed"])
    delegates = plan_delegates(row, _orgs(session, row, keys), _accounts(session, row), rng)
    return delegates, plan_requests(delegates, row, rng)


def acting(session: Session, email: str) -> Viewer:
    """The viewer of the demo account `email`, as if signed in to the web UI."""
    return viewer_for(session, accounts.get_user(session, email), via="session")


def _org(session: Session, org_id: int, lang: str) -> Org:
    org = session.get(Organisation, org_id)
    codes = session.scalars(
        select(OrgCapability.code).where(OrgCapability.organisation_id == org_id)
    )
    texts = org.descriptions or {}
    text = _short(texts.get(lang) or texts.get("en"))
    return Org(org.id, org.name, org.kind or "other", tuple(sorted(codes)), text)


def _short(text: str | None, limit: int = 400) -> str | None:
    """The first sentences of a description, up to about `limit` characters."""
    if not text or len(text) <= limit:
        return text
    cut = text.rfind(". ", 0, limit)
    return text[: cut + 1] if cut > 0 else text[:limit].rstrip() + "…"


def _orgs(session: Session, row: dict[str, Any], keys: dict[str, int]) -> list[tuple[Org, int]]:
    """The delegations of events.yaml, then organisations of the EU data that fit."""
    chosen = [
        (_org(session, keys[key], row["lang"]), count) for key, count in row["delegations"].items()
    ]
    extra = row.get("registry_extra")
    if extra:
        chosen += [
            (org, 1) for org in _registry_extra(session, extra, set(keys.values()), row["lang"])
        ]
    return chosen


def _registry_extra(
    session: Session, spec: dict[str, Any], known: set[int], lang: str
) -> list[Org]:
    """Real organisations outside the curated demo with the capabilities asked, of the
    kinds asked; those of `prefer_country` first, then by name (sorted here, so the
    choice is the same on every database)."""
    stmt = (
        select(Organisation.id, Organisation.name, Organisation.country)
        .join(OrgCapability, OrgCapability.organisation_id == Organisation.id)
        .where(
            Organisation.synthetic.is_(False),
            Organisation.kind.in_(spec["kinds"]),
            OrgCapability.code.in_(spec["capabilities"]),
        )
        .distinct()
    )
    rows = [r for r in session.execute(stmt) if r.id not in known]
    rows.sort(key=lambda r: (r.country != spec["prefer_country"], r.name.casefold(), r.id))
    return [_org(session, r.id, lang) for r in rows[: spec["limit"]]]


def _accounts(session: Session, row: dict[str, Any]) -> list[tuple[str, Org]]:
    """Demo accounts that register as themselves, with their organisation (an account
    acting for none, as in a demo loaded without synthetic data, is left out)."""
    out = []
    for email in row.get("accounts", []):
        viewer = acting(session, email)
        if viewer.org_ids:
            out.append((email, _org(session, min(viewer.org_ids), row["lang"])))
    return out


# --- through the services -------------------------------------------------------------------


def _register(
    session: Session, organiser: Viewer, event: Event, delegate: Delegate
) -> EventParticipant:
    """A demo account registers itself; the organiser registers synthetic delegates."""
    slots = planning.meeting_slots(event)
    raw: dict[str, Any] = {
        "organisation_id": delegate.org.id,
        "contact_name": delegate.name,
        "job_title": delegate.job_title,
        "email": delegate.email,
        "profile": delegate.org.description,
        "looking_for": delegate.looking_for,
        "offering": delegate.offering,
        "blocked_slots": [slots[i].id for i in delegate.blocked],
    }
    if delegate.arrives is not None:
        raw["arrives_at"] = slots[delegate.arrives].starts_at
    if delegate.leaves is not None:
        raw["leaves_at"] = slots[delegate.leaves].ends_at
    who = acting(session, delegate.account) if delegate.account else organiser
    data = parse(ParticipantIn, raw, f"event {event.id} participant")
    participant = participants.register(session, who, event.id, data)
    participant.synthetic = True
    return participant


def _make_requests(
    session: Session,
    organiser: Viewer,
    event: Event,
    registered: list[EventParticipant],
    asks: list[Ask],
) -> None:
    """The accepted requests first, while the event accepts requests at once (as when an
    organiser enters meetings already agreed: it saves answering each), then the pending
    and declined ones, declined by the receiver."""
    final = event.auto_accept
    events.update_event(session, organiser, event.id, EventPatch(auto_accept=True))
    for ask in asks:
        if ask.status == "accepted":
            _ask(session, organiser, event, registered, ask)
    events.update_event(session, organiser, event.id, EventPatch(auto_accept=final))
    for ask in asks:
        if ask.status != "accepted":
            _ask(session, organiser, event, registered, ask)


def _ask(
    session: Session, organiser: Viewer, event: Event, registered: list[EventParticipant], ask: Ask
) -> None:
    """The request, made by the organiser for the requester; unless it was accepted at
    once, answered in the receiver's name when the plan says so."""
    data = RequestIn(
        from_participant=registered[ask.a].id,
        to_participant=registered[ask.b].id,
        priority=ask.priority,
        message=ask.message,
    )
    request = requests.request_meeting(session, organiser, event.id, data)
    if ask.status != "pending" and request.status == "pending":
        requests.answer(session, ANSWERED_BY, request.id, ask.status == "accepted")


def _group(
    session: Session,
    organiser: Viewer,
    event: Event,
    row: dict[str, Any],
    registered: list[EventParticipant],
    delegates: list[Delegate],
    keys: dict[str, int],
) -> int:
    """The consortium table: the first synthetic delegate of each organisation listed."""
    spec = row["group"]
    ids = [_first_delegate(keys[key], registered, delegates) for key in spec["orgs"]]
    request = requests.create_group_meeting(
        session, organiser, event.id, spec["title"], [i for i in ids if i], spec["priority"]
    )
    return request.id


def _first_delegate(
    org_id: int, registered: list[EventParticipant], delegates: list[Delegate]
) -> int | None:
    """The participant id of the organisation's first synthetic delegate."""
    pairs = zip(registered, delegates, strict=True)
    return next((p.id for p, d in pairs if d.org.id == org_id and not d.account), None)


def _second_run(
    session: Session,
    organiser: Viewer,
    event: Event,
    spec: dict[str, Any],
    group_id: int,
    registered: list[EventParticipant],
    delegates: list[Delegate],
    keys: dict[str, int],
) -> None:
    """The organiser locks the consortium table, a delegate cancels, the schedule is run
    again: confirmed meetings stay, the cancelled delegate's go."""
    meeting = session.scalars(select(Meeting).where(Meeting.request_id == group_id)).first()
    if meeting is not None:
        planning.lock(session, organiser, meeting.id, True)
    leaving = _first_delegate(keys[spec["cancel"]], registered, delegates)
    participants.cancel(session, organiser, event.id, leaving)
    planning.run_schedule(session, organiser, event.id, **SCHEDULE)
