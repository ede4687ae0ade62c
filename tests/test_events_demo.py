"""The demo's B2B events (issue 12): the Mission 2044 summit in Berlin and the Lombardia–
Piemonte cluster meeting in Varese, with synthetic, labelled delegates and requests, already
scheduled.

The demo is loaded once per backend with the EU data shipped in the package; every check on
the schedule is recomputed from the stored meetings, not read back from the scheduler.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from filiera.access.viewer import Viewer
from filiera.app import create_app
from filiera.db import Database
from filiera.demo import event_plan
from filiera.demo import events as demo_events
from filiera.demo.access import DEMO_PASSWORD
from filiera.demo.load import demo_data
from filiera.errors import NotFound
from filiera.events import agenda, planning, roles, suggestions
from filiera.events.models import Event, EventParticipant, MeetingRequest, ScheduleRun
from filiera.registry.models import Alias, Organisation
from filiera.registry.names import normalise_name
from filiera.settings import Settings
from support.demo_copy import DemoCopy

SEED_EVENTS = {  # events.yaml key -> the seed event of demo.yaml it stages
    "mission2044_berlin": "mission2044_berlin",
    "lac_dap_varese": "lac_dap_meeting_varese",
}
SIZES = {"mission2044_berlin": (40, 80), "lac_dap_varese": (25, 40)}
MEMBER = "member@filiera.demo"
LOMBARDIA = "manager@lombardia-aerospace.demo"
BROWSER = {"Accept": "text/html,application/xhtml+xml"}
FORM_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="module")
def demo_db(demo_copy: DemoCopy) -> Iterator[Database]:
    db = Database(demo_copy.url)
    summary = demo_copy.summary
    assert summary["events"]["events"] == 2
    yield db
    db.dispose()


def _rows() -> dict[str, dict]:
    return {row["key"]: row for row in event_plan.events_data()["events"]}


def _event(session, key: str) -> Event:
    name = _rows()[key]["event"]["name"]
    return session.scalars(select(Event).where(Event.name == name)).one()


def _participants(session, event: Event) -> list[EventParticipant]:
    stmt = select(EventParticipant).where(EventParticipant.event_id == event.id)
    return list(session.scalars(stmt.order_by(EventParticipant.id)))


def _seed_event(key: str) -> dict:
    wanted = SEED_EVENTS[key]
    return next(e for e in demo_data()["events"] if e["key"] == wanted)


# --- the events -----------------------------------------------------------------------------


@pytest.mark.parametrize("key", list(SEED_EVENTS))
def test_the_event_is_the_seed_event_and_says_what_is_synthetic(
    demo_db: Database, key: str
) -> None:
    seed_event = _seed_event(key)
    seed_file = seed_event["source"].removeprefix("seed:")
    with demo_db.session() as session:
        event = _event(session, key)
        organisers = {
            session.get(Organisation, i).name for i in _org_ids(session, seed_event["organisers"])
        }
        assert event.owner.name in organisers
        assert event.city == seed_event["city"] and event.country == seed_event["country"]
        if "date" in seed_event:  # a dated seed: the event is on that day
            assert event.starts_on == seed_event["date"]
        else:  # an undated seed: the description says the date is assumed
            assert "date assumed" in event.description.lower()
        number = seed_file[:3]
        assert f"seed article {number}" in event.synthetic_note
        assert "synthetic" in event.synthetic_note.lower()
        assert number in event.description
        assert event.status == "open" and event.visibility == "public"
        assert [s for s in event.slots if s.kind == "break"], "a lunch break"
        assert len([s for s in event.slots if s.kind == "meeting"]) >= 10


def _org_ids(session, keys: list[str]) -> list[int]:
    """Organisation ids of demo.yaml keys."""
    known = _demo_keys(session)
    return [known[key] for key in keys]


def test_varese_is_organised_by_the_lombardia_manager(demo_db: Database) -> None:
    with demo_db.session() as session:
        event = _event(session, "lac_dap_varese")
        manager = demo_events.acting(session, LOMBARDIA)
        assert roles.is_organiser(manager, event)
        assert event.created_by == manager.user_id
        assert len(event.table_names) == event.tables == 12


# --- participants ---------------------------------------------------------------------------


@pytest.mark.parametrize("key", list(SEED_EVENTS))
def test_every_participant_is_synthetic_and_delegates_a_real_organisation(
    demo_db: Database, key: str
) -> None:
    low, high = SIZES[key]
    with demo_db.session() as session:
        event = _event(session, key)
        people = _participants(session, event)
        assert low <= len(people) <= high
        assert all(p.synthetic for p in people)
        accounts = [p for p in people if p.user_id is not None]
        assert accounts, "a demo account is registered as itself"
        for p in people:
            if p.user_id is None:  # a synthetic delegate, named so, of a real organisation
                assert "(synthetic)" in p.contact_name or "(sintetico)" in p.contact_name
                assert p.organisation.synthetic is False
                assert p.email.endswith(".example.invalid")
            assert p.looking_for and p.offering and p.job_title
        late = [p for p in people if p.arrives_at or p.leaves_at or p.blocked_slots]
        assert 0 < len(late) < len(people) / 2, "some arrive late, leave early or are busy"


def test_the_delegates_of_the_seed_organisations_come(demo_db: Database) -> None:
    """Mission 2044: the organisations seed 001 names take part."""
    named = _seed_event("mission2044_berlin")["participants"]
    with demo_db.session() as session:
        event = _event(session, "mission2044_berlin")
        present = {p.organisation_id for p in _participants(session, event)}
        assert set(_org_ids(session, named)) <= present


# --- requests -------------------------------------------------------------------------------


@pytest.mark.parametrize("key", list(SEED_EVENTS))
def test_requests_are_skewed_prioritised_and_mostly_accepted(demo_db: Database, key: str) -> None:
    with demo_db.session() as session:
        event = _event(session, key)
        stmt = select(MeetingRequest).where(MeetingRequest.event_id == event.id)
        asked = list(session.scalars(stmt))
        statuses = Counter(r.status for r in asked)
        assert statuses["accepted"] > 0.7 * len(asked)
        assert statuses["pending"] and statuses["declined"]
        assert {r.priority for r in asked} == {1, 2, 3}
        groups = [r for r in asked if r.kind == "group"]
        assert len(groups) == 1 and len(groups[0].guests) >= 2
        received = Counter(r.receiver_id for r in asked if r.receiver_id)
        ranked = [session.get(EventParticipant, pid) for pid, _ in received.most_common(5)]
        assert received.most_common(1)[0][1] >= 3 * len(asked) / len(_participants(session, event))
        assert any(p.organisation.kind in ("prime", "buyer", "investor") for p in ranked)


def test_a_demo_account_has_requests_waiting_for_its_answer(demo_db: Database) -> None:
    with demo_db.session() as session:
        event = _event(session, "mission2044_berlin")
        member = demo_events.acting(session, MEMBER)
        mine = roles.own_participants(session, member, event)
        stmt = select(MeetingRequest).where(
            MeetingRequest.receiver_id.in_([p.id for p in mine]),
            MeetingRequest.status == "pending",
        )
        assert session.scalars(stmt).first() is not None


# --- the schedule ---------------------------------------------------------------------------


@pytest.mark.parametrize("key", list(SEED_EVENTS))
def test_the_schedule_holds_and_its_certificate_is_true(demo_db: Database, key: str) -> None:
    with demo_db.session() as session:
        event = _event(session, key)
        organiser = Viewer.system()
        run = planning.latest_run(session, organiser, event.id)
        assert run is not None
        meetings = planning.live_meetings(session, event)
        assert len(meetings) == run.stats["meetings"] > 0
        _no_double_booking(event, meetings)
        weight = sum(m.request.priority for m in meetings)
        assert weight == run.stats["weight"] <= run.stats["upper_bound"]
        assert run.stats["percent_of_bound"] == pytest.approx(
            100.0 * weight / run.stats["upper_bound"], abs=0.001
        )
        group = next(m for m in meetings if m.request.kind == "group")
        assert len(planning.members_of(group.request)) >= 3
        placed = {m.request_id for m in meetings}
        for item in run.unscheduled:
            assert item.request_id not in placed and item.reason


def _no_double_booking(event: Event, meetings) -> None:
    tables, people = set(), set()
    for meeting in meetings:
        slot = meeting.slot
        assert slot.kind == "meeting"
        assert 1 <= meeting.table_no <= event.tables_in(slot)
        assert (slot.id, meeting.table_no) not in tables
        tables.add((slot.id, meeting.table_no))
        for member in planning.members_of(meeting.request):
            assert member.status == "registered"
            assert slot.id not in planning.unavailable_slots(member, [slot])
            assert (member.id, slot.id) not in people
            people.add((member.id, slot.id))


def test_mission_2044_was_run_twice_keeping_confirmed_meetings(demo_db: Database) -> None:
    """A delegate cancelled after the first run; the second run kept the locked consortium
    table and the other meetings, and dropped the cancelled delegate's."""
    with demo_db.session() as session:
        event = _event(session, "mission2044_berlin")
        runs = session.scalars(select(ScheduleRun).where(ScheduleRun.event_id == event.id)).all()
        assert len(runs) == 2
        latest = planning.latest_run(session, Viewer.system(), event.id)
        assert latest.changes["kept"] > 0.9 * latest.stats["meetings"]
        assert latest.changes["removed"] > 0
        meetings = planning.live_meetings(session, event)
        assert next(m for m in meetings if m.request.kind == "group").locked
        cancelled = [p for p in _participants(session, event) if p.status == "cancelled"]
        assert len(cancelled) == 1
        met = {m.id for meeting in meetings for m in planning.members_of(meeting.request)}
        assert cancelled[0].id not in met


# --- the demo member's agenda ---------------------------------------------------------------


def test_the_demo_member_sees_their_own_agenda(demo_db: Database) -> None:
    with demo_db.session() as session:
        event = _event(session, "mission2044_berlin")
        member = demo_events.acting(session, MEMBER)
        mine = roles.own_participants(session, member, event)
        assert len(mine) == 1 and mine[0].user_id == member.user_id
        day = agenda.agenda(session, member, event.id, mine[0].id)
        meetings = [item for item in day.items if item.status == "meeting"]
        assert meetings and all(item.meeting.counterparts for item in meetings)
        assert len(day.items) == len(event.slots)
        found = suggestions.suggest(session, member, event.id, mine[0].id)
        assert found.suggestions, found.empty_reason
        other = demo_events.acting(session, "viewer@filiera.demo")
        with pytest.raises(NotFound):
            agenda.agenda(session, other, event.id, mine[0].id)


# --- on the web pages ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def signed_in(demo_db: Database) -> Iterator[Callable[[str | None], TestClient]]:
    """A browser-like client signed in as a demo account (None: anonymous)."""
    clients: dict[str | None, TestClient] = {}

    def client(email: str | None) -> TestClient:
        if email not in clients:
            app = create_app(demo_db, Settings(sign_in_per_minute=1000))
            browser = TestClient(app, headers=BROWSER)
            if email:
                token = FORM_TOKEN.search(browser.get("/sign-in").text).group(1)
                form = {"email": email, "password": DEMO_PASSWORD, "csrf_token": token}
                answer = browser.post("/sign-in", data=form, follow_redirects=False)
                assert answer.is_redirect
            clients[email] = browser
        return clients[email]

    yield client
    for browser in clients.values():
        browser.close()


def test_the_events_page_shows_both_events_with_their_label(demo_db, signed_in) -> None:
    page = signed_in(None).get("/events?lang=it")
    assert page.status_code == 200
    with demo_db.session() as session:
        for key in SEED_EVENTS:
            event = _event(session, key)
            assert f'href="/events/{event.id}"' in page.text
            assert event.synthetic_note in page.text


def test_the_organiser_sees_the_certificate_of_the_demo_schedule(demo_db, signed_in) -> None:
    with demo_db.session() as session:
        event = _event(session, "lac_dap_varese")
        stats = planning.latest_run(session, Viewer.system(), event.id).stats
    page = signed_in(LOMBARDIA).get(f"/events/{event.id}/schedule?lang=it")
    assert page.status_code == 200 and "data-certificate" in page.text
    figures = dict(re.findall(r'data-figure="(\w+)">([^<]*)<', page.text))
    assert re.sub(r"\D", "", figures["weight"]) == str(stats["weight"])
    assert re.sub(r"\D", "", figures["upper_bound"]) == str(stats["upper_bound"])
    assert signed_in(MEMBER).get(f"/events/{event.id}/schedule").status_code == 403


def test_the_demo_member_opens_their_agenda_page(demo_db, signed_in) -> None:
    with demo_db.session() as session:
        event = _event(session, "mission2044_berlin")
        member = demo_events.acting(session, MEMBER)
        mine = roles.own_participants(session, member, event)[0]
        day = agenda.agenda(session, member, event.id, mine.id)
    page = signed_in(MEMBER).get(f"/events/{event.id}/agenda?lang=en")
    assert page.status_code == 200
    placed = [item for item in day.items if item.status == "meeting"]
    assert page.text.count('data-item="meeting"') == len(placed) > 0
    assert f"agenda.ics?participant={mine.id}" in page.text


# --- determinism ----------------------------------------------------------------------------


@pytest.mark.parametrize("key", list(SEED_EVENTS))
def test_the_plan_is_the_same_every_time_and_is_what_was_loaded(
    demo_db: Database, key: str
) -> None:
    row = _rows()[key]
    with demo_db.session() as session:
        event = _event(session, key)
        keys = _demo_keys(session)
        stored = session.scalars(select(MeetingRequest).where(MeetingRequest.event_id == event.id))
        stored_pairs = {
            (r.requester_id, r.receiver_id, r.priority, r.status, r.message)
            for r in stored
            if r.kind == "pair"
        }
        people = _participants(session, event)
        plans = [demo_events.plan_for(session, row, keys) for _ in range(2)]
    assert plans[0] == plans[1]
    delegates, asks = plans[0]
    assert [d.name for d in delegates if d.name] == [
        p.contact_name for p in people if not p.user_id
    ]
    ids = [p.id for p in people]  # registered in the plan's order
    planned = {(ids[a.a], ids[a.b], a.priority, a.status, a.message) for a in asks}
    assert planned == stored_pairs


def _demo_keys(session) -> dict[str, int]:
    """demo.yaml keys of the organisations, by their curated name's key (the name, or an
    alias when the EU data's record kept its own)."""
    names = dict(session.execute(select(Organisation.name_key, Organisation.id)).all())
    aliases = dict(session.execute(select(Alias.name_key, Alias.organisation_id)).all())
    keys = {}
    for org in demo_data()["organisations"]:
        key = normalise_name(org["name"])
        keys[org["key"]] = names.get(key) or aliases[key]
    return keys
