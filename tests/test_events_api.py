"""B2B events over the REST API (issue 12), on SQLite and PostgreSQL.

The organiser (the Lombardia cluster's manager) creates an event; Leonardo's and Safran's
members register, one asks the other, the other accepts; the organiser schedules, and each
agenda (JSON, iCalendar, e-mail text) shows the meeting. Strangers get 404 for what they may
not see, participants 403 for what only organisers do, anonymous callers 401 on writes. The
scheduler also runs on a plain instance, with every problem of a bad one listed (422).
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import icalendar
import pytest
from fastapi.testclient import TestClient

from filiera.app import create_app
from filiera.events import generate, scheduler
from support.api_world import SETTINGS, World, api_world
from support.event_registry import ids_masked
from test_events_scheduler import check

DAY = "2026-05-12"
_names = itertools.count(1)


@pytest.fixture(scope="module")
def world(module_db_url: str) -> Iterator[World]:
    with api_world(module_db_url) as made:
        yield made


def event_body(world: World, **extra: Any) -> dict[str, Any]:
    """Five 30-minute meeting slots on 12 May 2026 around a coffee break, four tables."""
    return {
        "name": f"Varese matchmaking {next(_names)}",
        "owner_id": world.org("cluster"),
        "venue": "Villa Ponti",
        "city": "Varese",
        "timezone": "Europe/Rome",
        "days": [DAY],
        "day_start": "09:00",
        "day_end": "12:00",
        "slot_minutes": 30,
        "breaks": [{"start": "10:30", "end": "11:00", "label": "Coffee"}],
        "tables": 4,
        **extra,
    }


def created(response, status: int = 201) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return response.json()


def error_fields(response) -> list[tuple[str, str]]:
    return [(d["record"], d["field"]) for d in response.json()["error"]["details"]]


@dataclass
class Meeting:
    """An event where Leonardo asked Safran, Safran accepted and the organiser scheduled."""

    event: dict[str, Any]
    leo: int  # participant ids
    saf: int
    request: dict[str, Any]
    run: dict[str, Any]

    @property
    def url(self) -> str:
        return f"/api/events/{self.event['id']}"


def register(world: World, event_id: int, who: str, org: str, **fields: Any) -> int:
    body = {"organisation_id": world.org(org), **fields}
    return created(world.ask(who, "POST", f"/api/events/{event_id}/participants", body))["id"]


@pytest.fixture(scope="module")
def met(world: World) -> Meeting:
    event = created(world.ask("manager", "POST", "/api/events", event_body(world)))
    url = f"/api/events/{event['id']}"
    leo = register(world, event["id"], "leo", "leonardo", looking_for="Radar composites")
    saf = register(world, event["id"], "saf", "safran", offering="Engines and composites")
    asked = created(
        world.ask("leo", "POST", f"{url}/requests", {"to_participant": saf, "priority": 3})
    )
    assert (asked["status"], asked["requester"]["id"], asked["receiver"]["id"]) == (
        "pending",
        leo,
        saf,
    )
    inbox = created(world.ask("saf", "GET", f"{url}/requests", box="received"), 200)
    assert [r["id"] for r in inbox] == [asked["id"]] and inbox[0]["can_answer"]
    answer = f"/api/meeting-requests/{asked['id']}/answer"
    refused = world.ask("leo", "POST", answer, {"accept": True})  # not the receiver
    assert refused.status_code == 403, refused.text
    accepted = created(world.ask("saf", "POST", answer, {"accept": True}), 200)
    assert accepted["status"] == "accepted" and not accepted["can_answer"]
    run = created(world.ask("manager", "POST", f"{url}/schedule", {"time_limit": 5, "seed": 3}))
    return Meeting(event, leo, saf, accepted, run)


# --- events, slots, participants ------------------------------------------------------------


def test_the_organiser_creates_an_event_with_generated_slots(world: World, met: Meeting) -> None:
    event = met.event
    assert (event["owner_id"], event["organiser"], event["status"]) == (
        world.org("cluster"),
        True,
        "open",
    )
    starts = [(s["starts_at"][11:16], s["kind"], s["capacity"]) for s in event["slots"]]
    assert starts == [
        ("09:00", "meeting", 4),
        ("09:30", "meeting", 4),
        ("10:00", "meeting", 4),
        ("10:30", "break", 0),
        ("11:00", "meeting", 4),
        ("11:30", "meeting", 4),
    ]
    seen = created(world.ask("leo", "GET", met.url), 200)
    assert (seen["organiser"], seen["my_participants"]) == (False, [met.leo])
    listed = created(world.ask("lux", "GET", "/api/events", status="open"), 200)
    assert met.event["id"] in [e["id"] for e in listed]
    closed = created(world.ask("lux", "GET", "/api/events", status="closed"), 200)
    assert met.event["id"] not in [e["id"] for e in closed]
    assert world.ask("lux", "GET", "/api/events", status="finished").status_code == 422


def test_a_bad_event_names_every_field(world: World) -> None:
    body = event_body(world, tables=2, table_names=["Verdi"], slot_minutes=None)
    response = world.ask("manager", "POST", "/api/events", body)
    assert response.status_code == 422, response.text
    assert {("event", "slot_minutes"), ("event", "table_names")} <= set(error_fields(response))
    member = world.ask("leo", "POST", "/api/events", event_body(world))
    assert member.status_code == 403
    assert world.ask("anonymous", "POST", "/api/events", event_body(world)).status_code == 401


def test_slots_are_added_and_removed_by_organisers_only(world: World) -> None:
    event = created(world.ask("manager", "POST", "/api/events", event_body(world)))
    url = f"/api/events/{event['id']}"
    extra = {"slots": [{"starts_at": f"{DAY}T14:00", "ends_at": f"{DAY}T14:30", "tables": 2}]}
    assert world.ask("leo", "POST", f"{url}/slots", extra).status_code == 403
    grown = created(world.ask("manager", "POST", f"{url}/slots", extra))
    assert len(grown["slots"]) == len(event["slots"]) + 1
    late = next(s for s in grown["slots"] if s["starts_at"].endswith("14:00:00"))
    assert late["capacity"] == 2
    overlap = world.ask("manager", "POST", f"{url}/slots", extra)
    assert overlap.status_code == 422 and "overlaps" in overlap.text
    too_many = {"slots": [{"starts_at": f"{DAY}T15:00", "ends_at": f"{DAY}T15:30", "tables": 9}]}
    refused = world.ask("manager", "POST", f"{url}/slots", too_many)
    assert refused.status_code == 422 and ("event", "slots[0].tables") in error_fields(refused)
    assert world.ask("leo", "DELETE", f"{url}/slots/{late['id']}").status_code == 403
    assert world.ask("manager", "DELETE", f"{url}/slots/{late['id']}").status_code == 204
    again = world.ask("manager", "DELETE", f"{url}/slots/{late['id']}")
    assert again.status_code == 404
    assert len(created(world.ask("manager", "GET", url), 200)["slots"]) == len(event["slots"])


def test_the_organiser_changes_the_event_and_a_draft_is_hidden(world: World) -> None:
    event = created(world.ask("manager", "POST", "/api/events", event_body(world)))
    url = f"/api/events/{event['id']}"
    assert world.ask("leo", "PATCH", url, {"status": "draft"}).status_code == 403
    changed = created(world.ask("manager", "PATCH", url, {"status": "draft", "tables": 3}), 200)
    assert (changed["status"], changed["tables"]) == ("draft", 3)
    hidden = world.ask("leo", "GET", url)
    missing = world.ask("leo", "GET", "/api/events/987654")
    assert hidden.status_code == missing.status_code == 404
    assert ids_masked(hidden.text, event["id"]) == ids_masked(missing.text, 987654)
    listed = created(world.ask("leo", "GET", "/api/events"), 200)
    assert event["id"] not in [e["id"] for e in listed]
    for path in ("participants", "requests", "suggestions?participant=1", "agenda?participant=1"):
        assert world.ask("leo", "GET", f"{url}/{path}").status_code == 404, path


def test_outsiders_see_only_organisations_without_contacts(world: World, met: Meeting) -> None:
    as_member = created(world.ask("leo", "GET", f"{met.url}/participants"), 200)
    by_id = {p["id"]: p for p in as_member}
    assert by_id[met.saf]["contact_name"] == "Sara Blanc"
    assert by_id[met.leo]["mine"] and not by_id[met.saf]["mine"]
    as_stranger = created(world.ask("lux", "GET", f"{met.url}/participants"), 200)
    assert {p["id"] for p in as_stranger} == {met.leo, met.saf}
    assert all(p["contact_name"] is None and p["profile"] is None for p in as_stranger)
    assert all(p["looking_for"] is None for p in as_stranger)


def test_a_hidden_organisations_delegate_is_not_listed_to_outsiders(world: World) -> None:
    event = created(world.ask("manager", "POST", "/api/events", event_body(world)))
    url = f"/api/events/{event['id']}/participants"
    register(world, event["id"], "leo", "leonardo")
    before = world.ask("lux", "GET", url).json()
    quasar = register(world, event["id"], "quasar", "quasar")
    assert world.ask("lux", "GET", url).json() == before
    assert quasar in [p["id"] for p in world.ask("manager", "GET", url).json()]


def test_participants_change_and_cancel_their_registration(world: World) -> None:
    event = created(world.ask("manager", "POST", "/api/events", event_body(world)))
    url = f"/api/events/{event['id']}/participants"
    poli = register(world, event["id"], "poli", "polimi", job_title="Researcher")
    slots = [s["id"] for s in event["slots"] if s["kind"] == "meeting"]
    changed = created(
        world.ask("poli", "PATCH", f"{url}/{poli}", {"blocked_slots": slots[:2]}), 200
    )
    assert changed["blocked_slots"] == slots[:2]
    no_slot = world.ask("poli", "PATCH", f"{url}/{poli}", {"blocked_slots": slots})
    assert no_slot.status_code == 422
    assert ("participant", "blocked_slots") in error_fields(no_slot)
    assert world.ask("lux", "PATCH", f"{url}/{poli}", {"job_title": "x"}).status_code == 403
    assert world.ask("anonymous", "PATCH", f"{url}/{poli}", {"job_title": "x"}).status_code == 401
    assert world.ask("poli", "POST", f"{url}/{poli}/no-show").status_code == 403
    marked = created(world.ask("manager", "POST", f"{url}/{poli}/no-show"), 200)
    assert marked["status"] == "no_show"
    back = created(world.ask("manager", "POST", f"{url}/{poli}/no-show", {"no_show": False}), 200)
    assert back["status"] == "registered"
    cancelled = created(world.ask("poli", "POST", f"{url}/{poli}/cancel"), 200)
    assert cancelled["status"] == "cancelled"
    twice = world.ask("poli", "POST", url, {"organisation_id": world.org("polimi")})
    assert twice.status_code == 201  # a cancelled registration may be made again


def test_anonymous_writes_ask_to_sign_in(world: World, met: Meeting) -> None:
    body = {"organisation_id": world.org("leonardo")}
    assert world.ask("anonymous", "POST", f"{met.url}/participants", body).status_code == 401
    ask = {"to_participant": met.saf}
    assert world.ask("anonymous", "POST", f"{met.url}/requests", ask).status_code == 401
    answer = f"/api/meeting-requests/{met.request['id']}/answer"  # to them it does not exist
    assert world.ask("anonymous", "POST", answer, {"accept": False}).status_code == 404
    cancel = f"/api/meeting-requests/{met.request['id']}/cancel"
    assert world.ask("anonymous", "POST", cancel).status_code == 404
    assert world.ask("anonymous", "POST", f"{met.url}/schedule", {}).status_code == 401
    assert world.ask("anonymous", "PATCH", "/api/meetings/1", {"locked": True}).status_code == 401
    assert world.ask("anonymous", "POST", "/api/events/schedule", {}).status_code == 401


# --- requests -------------------------------------------------------------------------------


def test_requests_exist_only_for_their_members_and_organisers(world: World, met: Meeting) -> None:
    rid = met.request["id"]
    assert [r["id"] for r in world.ask("leo", "GET", f"{met.url}/requests", box="sent").json()] == [
        rid
    ]
    assert world.ask("leo", "GET", f"{met.url}/requests", box="received").json() == []
    assert [r["id"] for r in world.ask("manager", "GET", f"{met.url}/requests").json()] == [rid]
    assert world.ask("lux", "GET", f"{met.url}/requests").json() == []
    for path in ("answer", "cancel"):
        stranger = world.ask("lux", "POST", f"/api/meeting-requests/{rid}/{path}", {"accept": True})
        missing = world.ask("lux", "POST", f"/api/meeting-requests/99999/{path}", {"accept": True})
        assert stranger.status_code == missing.status_code == 404
    bad_box = world.ask("leo", "GET", f"{met.url}/requests", box="inbox")
    assert bad_box.status_code == 422


def test_a_second_request_between_the_pair_conflicts(world: World, met: Meeting) -> None:
    again = world.ask("saf", "POST", f"{met.url}/requests", {"to_participant": met.leo})
    assert again.status_code == 409, again.text
    assert ("meeting_request", "to_participant") in error_fields(again)
    bad = world.ask(
        "leo", "POST", f"{met.url}/requests", {"to_participant": met.saf, "priority": 5}
    )
    assert bad.status_code == 422 and "priority" in bad.text


def test_group_meetings_are_set_by_organisers(world: World) -> None:
    event = created(world.ask("manager", "POST", "/api/events", event_body(world)))
    ids = [
        register(world, event["id"], who, org)
        for who, org in (("leo", "leonardo"), ("saf", "safran"), ("poli", "polimi"))
    ]
    url = f"/api/events/{event['id']}/group-meetings"
    body = {"title": "Radar consortium table", "participant_ids": ids}
    assert world.ask("leo", "POST", url, body).status_code == 403
    group = created(world.ask("manager", "POST", url, body))
    assert (group["kind"], group["status"], group["priority"]) == ("group", "accepted", 3)
    assert [g["id"] for g in group["guests"]] == ids[1:]
    short = world.ask("manager", "POST", url, {**body, "participant_ids": ids[:2]})
    assert short.status_code == 422 and ("meeting_request", "participant_ids") in error_fields(
        short
    )


def test_cancelling_a_request_takes_its_meeting_away(world: World) -> None:
    event = created(world.ask("manager", "POST", "/api/events", event_body(world)))
    url = f"/api/events/{event['id']}"
    leo = register(world, event["id"], "leo", "leonardo")
    poli = register(world, event["id"], "poli", "polimi", auto_accept=True)
    asked = created(world.ask("leo", "POST", f"{url}/requests", {"to_participant": poli}))
    assert asked["status"] == "accepted"  # Polimi's delegate accepts every request at once
    created(world.ask("manager", "POST", f"{url}/schedule", {"time_limit": 2}))
    assert len(world.ask("manager", "GET", f"{url}/schedule").json()["meetings"]) == 1
    cancel = f"/api/meeting-requests/{asked['id']}/cancel"
    assert world.ask("poli", "POST", cancel).status_code == 403  # only the requester
    assert created(world.ask("leo", "POST", cancel), 200)["status"] == "cancelled"
    assert world.ask("manager", "GET", f"{url}/schedule").json()["meetings"] == []
    agenda = world.ask("leo", "GET", f"{url}/agenda", participant=leo).json()
    assert all(item["meeting"] is None for item in agenda["items"])


def test_suggestions_for_ones_own_registration(world: World, met: Meeting) -> None:
    mine = created(world.ask("leo", "GET", f"{met.url}/suggestions", participant=met.leo), 200)
    assert mine["participant_id"] == met.leo
    assert met.saf not in [s["participant_id"] for s in mine["suggestions"]]  # already asked
    other = world.ask("leo", "GET", f"{met.url}/suggestions", participant=met.saf)
    assert other.status_code == 403
    too_many = world.ask("leo", "GET", f"{met.url}/suggestions", participant=met.leo, limit=500)
    assert too_many.status_code == 422


# --- the schedule ---------------------------------------------------------------------------


def test_the_run_carries_its_quality_certificate(world: World, met: Meeting) -> None:
    stats = met.run["stats"]
    assert (stats["weight"], stats["upper_bound"], stats["meetings"]) == (3, 3, 1)
    assert stats["optimal"] and stats["gap"] == 0 and stats["percent_of_bound"] == 100
    assert met.run["unscheduled"] == [] and met.run["changes"]["added"] == 1
    assert (met.run["time_limit"], met.run["seed"]) == (5, 3)
    shown = created(world.ask("manager", "GET", f"{met.url}/schedule"), 200)
    assert shown["run"]["id"] == met.run["id"]
    [meeting] = shown["meetings"]
    assert {m["participant_id"] for m in meeting["members"]} == {met.leo, met.saf}


def test_only_organisers_schedule(world: World, met: Meeting) -> None:
    for who in ("leo", "saf"):
        assert world.ask(who, "POST", f"{met.url}/schedule", {}).status_code == 403
        assert world.ask(who, "GET", f"{met.url}/schedule").status_code == 403
        assert world.ask(who, "GET", f"{met.url}/grid").status_code == 403
    assert world.ask("viewer", "POST", f"{met.url}/schedule", {}).status_code == 403
    bad = world.ask("manager", "POST", f"{met.url}/schedule", {"time_limit": -1})
    assert bad.status_code == 422 and ("request", "body.time_limit") in error_fields(bad)


def test_a_long_time_limit_is_cut_to_a_minute(world: World, monkeypatch) -> None:
    asked: list[float] = []
    real = scheduler.schedule

    def spy(instance, *, time_limit, seed):
        asked.append(time_limit)
        return real(instance, time_limit=1, seed=seed)

    monkeypatch.setattr(scheduler, "schedule", spy)
    event = created(world.ask("manager", "POST", "/api/events", event_body(world)))
    created(
        world.ask("manager", "POST", f"/api/events/{event['id']}/schedule", {"time_limit": 600})
    )
    raw = generate.instance(4, 3, 3)
    assert world.ask("leo", "POST", "/api/events/schedule", raw, time_limit=90).status_code == 200
    assert asked == [60.0, 60.0]


def test_organisers_lock_and_move_meetings_without_clashes(world: World, met: Meeting) -> None:
    [meeting] = world.ask("manager", "GET", f"{met.url}/schedule").json()["meetings"]
    url = f"/api/meetings/{meeting['id']}"
    assert world.ask("leo", "PATCH", url, {"locked": True}).status_code == 403
    assert world.ask("lux", "PATCH", url, {"locked": True}).status_code == 403
    locked = created(world.ask("manager", "PATCH", url, {"locked": True}), 200)
    assert locked["locked"] and locked["slot"]["id"] == meeting["slot"]["id"]
    slots = [s["id"] for s in met.event["slots"] if s["kind"] == "meeting"]
    target = next(s for s in slots if s != meeting["slot"]["id"])
    moved = created(world.ask("manager", "PATCH", url, {"slot_id": target, "table": 4}), 200)
    assert (moved["slot"]["id"], moved["table"], moved["locked"]) == (target, 4, True)
    no_table = world.ask("manager", "PATCH", url, {"slot_id": target})
    assert no_table.status_code == 422 and ("meeting", "table") in error_fields(no_table)
    nothing = world.ask("manager", "PATCH", url, {})
    assert nothing.status_code == 422 and ("meeting", "locked") in error_fields(nothing)
    beyond = world.ask("manager", "PATCH", url, {"slot_id": target, "table": 5})
    assert beyond.status_code == 422 and "table 5" in beyond.text
    brk = next(s["id"] for s in met.event["slots"] if s["kind"] == "break")
    assert world.ask("manager", "PATCH", url, {"slot_id": brk, "table": 1}).status_code == 422
    unlocked = created(world.ask("manager", "PATCH", url, {"locked": False}), 200)
    assert not unlocked["locked"]
    missing = world.ask("manager", "PATCH", "/api/meetings/99999", {"locked": True})
    assert missing.status_code == 404


def test_the_organisers_grid_by_slot_and_by_table(world: World, met: Meeting) -> None:
    by_slot = created(world.ask("manager", "GET", f"{met.url}/grid"), 200)
    by_table = created(world.ask("manager", "GET", f"{met.url}/grid", by="table"), 200)
    assert (by_slot["by"], by_table["by"]) == ("slot", "table")
    assert len(by_slot["rows"]) == 6 and len(by_table["rows"]) == 4
    placed = [c for row in by_slot["rows"] for c in row["cells"] if c["meeting"]]
    assert len(placed) == by_slot["meetings"] == 1
    members = {m["participant_id"] for m in placed[0]["meeting"]["members"]}
    assert members == {met.leo, met.saf}
    assert world.ask("manager", "GET", f"{met.url}/grid", by="room").status_code == 422


# --- agendas --------------------------------------------------------------------------------


def agenda_meeting(world: World, met: Meeting, who: str, pid: int) -> dict[str, Any]:
    out = created(world.ask(who, "GET", f"{met.url}/agenda", participant=pid), 200)
    [item] = [i for i in out["items"] if i["meeting"]]
    return item


def test_each_participants_agenda_shows_the_meeting(world: World, met: Meeting) -> None:
    leo = agenda_meeting(world, met, "leo", met.leo)
    saf = agenda_meeting(world, met, "saf", met.saf)
    assert leo["slot"] == saf["slot"] and leo["meeting"]["id"] == saf["meeting"]["id"]
    assert [p["name"] for p in leo["meeting"]["counterparts"]] == ["Sara Blanc"]
    assert [p["participant_id"] for p in saf["meeting"]["counterparts"]] == [met.leo]
    assert leo["meeting"]["priority_name"] == "must_meet"
    assert agenda_meeting(world, met, "manager", met.leo) == leo


def test_a_stranger_gets_not_found_for_an_agenda(world: World, met: Meeting) -> None:
    for path in ("agenda", "agenda.ics", "agenda.txt"):
        stranger = world.ask("lux", "GET", f"{met.url}/{path}", participant=met.leo)
        other = world.ask("saf", "GET", f"{met.url}/{path}", participant=met.leo)
        missing = world.ask("lux", "GET", f"{met.url}/{path}", participant=99999)
        assert stranger.status_code == other.status_code == missing.status_code == 404, path
        assert ids_masked(stranger.text, met.leo) == ids_masked(missing.text, 99999)
    assert (
        world.ask("anonymous", "GET", f"{met.url}/agenda", participant=met.leo).status_code == 404
    )
    assert world.ask("leo", "GET", f"{met.url}/agenda").status_code == 422  # whose?


def test_the_ics_file_parses_with_the_meetings_local_time(world: World, met: Meeting) -> None:
    leo = agenda_meeting(world, met, "leo", met.leo)
    response = world.ask("leo", "GET", f"{met.url}/agenda.ics", participant=met.leo)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    disposition = response.headers["content-disposition"]
    assert re.fullmatch(r'attachment; filename="event-\d+-agenda-\d+\.ics"', disposition)
    calendar = icalendar.Calendar.from_ical(response.content)
    [entry] = calendar.walk("VEVENT")
    start, end = entry.decoded("dtstart"), entry.decoded("dtend")
    local = dt.datetime.fromisoformat(leo["slot"]["starts_at"])
    assert start.replace(tzinfo=None) == local
    assert start.utcoffset() == dt.timedelta(hours=2)  # Rome in May (CEST)
    assert end - start == dt.timedelta(minutes=30)
    assert "Sara Blanc" in str(entry["summary"]) and "Villa Ponti" in str(entry["location"])
    uid = str(entry["uid"])
    assert uid == f"meeting-{leo['meeting']['id']}@filiera"
    again = world.ask("leo", "GET", f"{met.url}/agenda.ics", participant=met.leo)
    [entry_again] = icalendar.Calendar.from_ical(again.content).walk("VEVENT")
    assert str(entry_again["uid"]) == uid
    saf = world.ask("saf", "GET", f"{met.url}/agenda.ics", participant=met.saf)
    [entry_saf] = icalendar.Calendar.from_ical(saf.content).walk("VEVENT")
    assert str(entry_saf["uid"]) == uid and entry_saf.decoded("dtstart") == start


def test_the_email_text_in_italian_and_english(world: World, met: Meeting) -> None:
    leo = agenda_meeting(world, met, "leo", met.leo)
    start = leo["slot"]["starts_at"][11:16]
    italian = world.ask("leo", "GET", f"{met.url}/agenda.txt", participant=met.leo, lang="it")
    assert italian.status_code == 200 and italian.headers["content-type"].startswith("text/plain")
    text = italian.text
    assert text.startswith("Gentile Luca Leone,") and "12 maggio 2026" in text
    assert f"{start}–" in text and "Tavolo" in text and "Sara Blanc (Safran" in text
    english = world.ask("leo", "GET", f"{met.url}/agenda.txt", participant=met.leo).text
    assert english.startswith("Dear Luca Leone,") and "12 May 2026" in english
    wrong = world.ask("leo", "GET", f"{met.url}/agenda.txt", participant=met.leo, lang="fr")
    assert wrong.status_code == 422


# --- the scheduler on a plain instance ------------------------------------------------------


def test_a_plain_instance_is_scheduled_without_the_database(world: World) -> None:
    raw = generate.instance(30, 80, 6, seed=4, tables="scarce")
    response = world.ask("viewer", "POST", "/api/events/schedule", raw, time_limit=3)
    assert response.status_code == 200, response.text
    out = response.json()
    assert set(out) == {"meetings", "unscheduled", "stats"}
    result = scheduler.Schedule(  # the output read back as the scheduler's, to check it
        [
            scheduler.Meeting(m["request"], (m["a"], m["b"]), m["slot"], m["table"])
            for m in out["meetings"]
        ],
        [
            scheduler.Unscheduled(
                u["request"], tuple(u["participants"]), u["priority"], u["reason"], u["code"]
            )
            for u in out["unscheduled"]
        ],
        out["stats"],
    )
    check(raw, result)
    assert out["stats"]["weight"] <= out["stats"]["upper_bound"]


def test_a_bad_instance_lists_every_problem(world: World) -> None:
    raw = {
        "slots": [{"id": "s1", "tables": 5}, {"id": "s2"}],
        "tables": 2,
        "participants": [{"id": "p1"}, {"id": "p2", "unavailable": ["s9"]}],
        "requests": [
            {"a": "p1", "b": "ghost", "priority": 2},
            {"a": "p1", "b": "p2", "priority": 5},
            {"a": "p2", "b": "p1", "priority": [3]},
        ],
    }
    response = world.ask("leo", "POST", "/api/events/schedule", raw)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_failed"
    assert set(error_fields(response)) == {
        ("slot s1", "tables"),
        ("participants[1]", "unavailable"),
        ("requests[0]", "participants"),
        ("requests[1]", "priority"),
        ("requests[2]", "priority"),
    }
    messages = " | ".join(d["message"] for d in error["details"])
    assert "'ghost'" in messages and "'s9'" in messages and "not 5" in messages
    assert "venue has 2" in messages
    not_an_object = world.ask("leo", "POST", "/api/events/schedule", [1, 2])
    assert not_an_object.status_code == 422


def test_duplicate_requests_are_warnings_of_the_stats(world: World) -> None:
    raw = generate.instance(4, 2, 2, partial=0.0)
    raw["requests"].append({**raw["requests"][0], "priority": 1})
    out = created(world.ask("leo", "POST", "/api/events/schedule", raw, time_limit=1), 200)
    assert any("repeats request" in w for w in out["stats"]["warnings"])
    assert len(out["meetings"]) + len(out["unscheduled"]) == 2


def test_cookie_writes_need_the_csrf_header(world: World) -> None:
    """Signed in with the web form, a write without the session's CSRF header is refused."""
    browser = {"Accept": "text/html,application/xhtml+xml"}
    with TestClient(create_app(world.reg.db, SETTINGS), headers=browser) as client:
        form_token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/sign-in").text)
        form = {
            "email": "manager@events.example",
            "password": "a long enough password",
            "csrf_token": form_token.group(1),
            "next": "/",
        }
        assert client.post("/sign-in", data=form, follow_redirects=False).status_code == 303
        token = re.search(
            r'<meta name="csrf-token" content="([^"]+)">', client.get("/account").text
        )
        body = event_body(world)
        refused = client.post("/api/events", json=body)
        assert refused.status_code == 403 and "CSRF" in refused.text
        plain = client.post("/api/events/schedule", json=generate.instance(3, 2, 2))
        assert plain.status_code == 403
        done = client.post("/api/events", json=body, headers={"X-CSRF-Token": token.group(1)})
        assert done.status_code == 201, done.text
        read = client.get(f"/api/events/{done.json()['id']}")
        assert read.status_code == 200 and read.json()["organiser"]
