"""Web pages of B2B events (issue 12), through TestClient on SQLite and PostgreSQL.

Events are listed as each viewer may see them (drafts for their organisers only, the
participants each may count); organisers create one from a form whose errors name the
fields in the page's language and keep what was typed. A member registers, asks another
participant for a meeting, who accepts from the account page; outsiders see only the
organisations they may see, without names. The organiser runs the scheduler and reads the
quality certificate and the reasons in Italian, locks meetings and marks no-shows. A
participant reads their agenda (printable, as .ics, as e-mail text); nobody else does.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import icalendar
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from filiera.access import secrets_
from filiera.app import create_app
from filiera.events import planning
from filiera.events.schedule_schemas import UnscheduledOut
from filiera.settings import Settings
from filiera.web import event_words
from filiera.web.i18n import strings
from support.event_registry import DAY, Registry, make_registry

EN, IT = strings("en"), strings("it")
PASSWORD = "a long enough password"
BROWSER = {"Accept": "text/html,application/xhtml+xml"}
FORM_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(autouse=True)
def fast_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    fast = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(secrets_, "hasher", lambda: fast)


@dataclass
class Site:
    reg: Registry
    clients: dict[str, TestClient] = field(default_factory=dict)

    def client(self, who: str) -> TestClient:
        """A browser-like client signed in as `who` (a key of USERS, or "anonymous")."""
        if who not in self.clients:
            settings = Settings(sign_in_per_minute=1000)
            client = TestClient(create_app(self.reg.db, settings), headers=BROWSER)
            if who != "anonymous":
                token = csrf(client.get("/sign-in").text)
                form = {"email": f"{who}@events.example", "password": PASSWORD}
                form |= {"csrf_token": token, "next": "/"}
                assert client.post("/sign-in", data=form, follow_redirects=False).is_redirect
            self.clients[who] = client
        return self.clients[who]


@pytest.fixture(scope="module")
def site(module_db_url: str) -> Iterator[Site]:
    made = Site(make_registry(module_db_url))
    yield made
    for client in made.clients.values():
        client.close()
    made.reg.db.dispose()


def csrf(page: str) -> str:
    return FORM_TOKEN.search(page).group(1)


def visible_text(page: str) -> str:
    """The page's text outside scripts and elements marked as data or English."""
    body = page[page.find("<main") : page.find("</main>")]
    body = re.sub(r"<script.*?</script>", " ", body, flags=re.S)
    for _ in range(3):  # nested marked elements
        body = re.sub(r'<(\w+)[^>]*(translate="no"|lang="en")[^>]*>.*?</\1>', " ", body, flags=re.S)
    text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))
    return re.sub(r" ([:,.])", r"\1", text)


def english_left(page: str) -> list[str]:
    """English UI strings of the event pages that Italian says otherwise, found in `page`."""
    text = visible_text(page)
    found = []
    for key, english in EN.items():
        if not key.startswith(("events.", "fields.", "errors.")) or IT.get(key) == english:
            continue
        for part in re.split(r"\{[^}]*\}", english):
            part = part.strip(" .,:;·()-")
            if len(part) >= 8 and " " in part and part in text:
                found.append(part)
    return found


def error_fields(page: str) -> list[str]:
    return re.findall(r'data-error-field="([^"]*)"', page)


def count_of(page: str, event_id: int) -> int:
    found = re.search(rf'data-event="{event_id}".*?data-participant-count="(\d+)"', page, re.S)
    assert found, f"event {event_id} is not listed"
    return int(found.group(1))


def post(client: TestClient, url: str, form: dict, page: str | None = None):
    """POST `form` with the CSRF token of `page` (else of the URL's own page)."""
    token = csrf(page or client.get(url.rsplit("/", 1)[0]).text)
    return client.post(url, data={**form, "csrf_token": token}, follow_redirects=False)


# --- the list -------------------------------------------------------------------------------


def test_the_list_shows_each_viewer_the_events_and_participants_they_may_see(site: Site) -> None:
    reg = site.reg
    public = reg.event(name="Open forum alpha")
    draft = reg.event(name="Draft forum beta", status="draft")
    reg.register(public, "leo")
    reg.register(public, "quasar")  # a restricted organisation: outsiders do not count it
    anonymous = site.client("anonymous").get("/events?lang=en").text
    assert f'data-event="{public}"' in anonymous and f'data-event="{draft}"' not in anonymous
    assert count_of(anonymous, public) == 1
    assert "data-new-event" not in anonymous
    assert count_of(site.client("lux").get("/events").text, public) == 1
    assert count_of(site.client("leo").get("/events").text, public) == 2  # a participant
    manager = site.client("manager").get("/events?lang=it")
    assert count_of(manager.text, public) == 2 and f'data-event="{draft}"' in manager.text
    assert "data-new-event" in manager.text and IT["events.title"] in html.unescape(manager.text)
    assert IT["events.status.draft"] in html.unescape(manager.text) and not english_left(
        manager.text
    )
    hidden = site.client("lux").get(f"/events/{draft}?lang=en")
    missing = site.client("lux").get("/events/99999?lang=en")
    assert hidden.status_code == missing.status_code == 404
    assert visible_text(hidden.text).replace(str(draft), "N") == visible_text(missing.text).replace(
        "99999", "N"
    )


# --- the new-event form ---------------------------------------------------------------------


def event_form(reg: Registry, **changes: str) -> dict[str, str]:
    form = {
        "owner_id": str(reg.org("cluster")),
        "name": "Forum Varese",
        "venue": "Villa Ponti",
        "city": "Varese",
        "country": "it",
        "timezone": "Europe/Rome",
        "days": "2026-06-10, 2026-06-11",
        "day_start": "09:00",
        "day_end": "12:00",
        "slot_minutes": "30",
        "breaks": "10:30-11:00 Coffee",
        "tables": "3",
        "table_names": "",
        "max_requests": "",
        "status": "open",
        "visibility": "public",
    }
    return form | changes


def test_an_organiser_creates_an_event_and_errors_name_their_fields(site: Site) -> None:
    manager = site.client("manager")
    page = manager.get("/events/new?lang=it")
    assert page.status_code == 200 and "data-event-form" in page.text
    assert not english_left(page.text)
    typed = event_form(site.reg, slot_minutes="3", breaks="a lunch at noon")
    bad = manager.post("/events/new", data={**typed, "csrf_token": csrf(page.text)})
    assert bad.status_code == 422
    assert set(error_fields(bad.text)) == {"slot_minutes", "breaks"}
    notice = visible_text(bad.text)
    for name in ("slot_minutes", "breaks"):
        assert f"{IT[f'fields.{name}']}: {IT[f'events.invalid.{name}']}" in notice
    assert "Input should" not in bad.text and "slot_minutes" not in notice
    assert 'value="Forum Varese"' in bad.text and ">a lunch at noon</textarea>" in bad.text
    assert 'aria-invalid="true"' in bad.text

    zone = manager.post(
        "/events/new",
        data={**event_form(site.reg, timezone="Mars/Olympus"), "csrf_token": csrf(page.text)},
    )
    assert zone.status_code == 422 and error_fields(zone.text) == ["timezone"]
    english = manager.post(
        "/events/new?lang=en",
        data={**event_form(site.reg, day_end="08:00"), "csrf_token": csrf(page.text)},
    )
    assert "the day ends before it starts" in english.text  # the service's own words

    made = manager.post(
        "/events/new",
        data={**event_form(site.reg), "csrf_token": csrf(page.text)},
        follow_redirects=False,
    )
    assert made.status_code == 303
    event_page = manager.get(made.headers["location"] + "?lang=en")
    assert "Forum Varese" in event_page.text
    assert EN["events.slot_count.other"].format(count=10) in html.unescape(
        event_page.text
    )  # 5 a day, 2 days
    assert "data-schedule-tab" in event_page.text

    assert site.client("leo").get("/events/new").status_code == 403
    anonymous = site.client("anonymous").get("/events/new", follow_redirects=False)
    assert anonymous.status_code == 303 and "/sign-in" in anonymous.headers["location"]


# --- registering, asking, answering ---------------------------------------------------------


def test_register_request_and_accept_from_the_account_page(site: Site) -> None:
    reg = site.reg
    event_id = reg.event()
    poli = reg.register(event_id, "poli", looking_for="Helicopter radar")
    leo = site.client("leo")
    page = leo.get(f"/events/{event_id}?lang=it")
    assert "data-register-form" in page.text and IT["events.share_note"] in html.unescape(page.text)
    assert not english_left(page.text)
    form = {
        "organisation_id": str(reg.org("leonardo")),
        "looking_for": "Composite materials for airframes",
        "arrives_at": f"{DAY}T12:00",
    }
    late = post(leo, f"/events/{event_id}/register", form, page.text)
    assert late.status_code == 422 and error_fields(late.text) == ["arrives_at"]
    assert IT["events.invalid.arrives_at"] in html.unescape(late.text)
    assert ">Composite materials for airframes</textarea>" in late.text

    done = post(leo, f"/events/{event_id}/register", form | {"arrives_at": ""}, page.text)
    assert done.status_code == 303
    mine = leo.get(f"/events/{event_id}").text
    assert "data-mine=" in mine and f'data-request-form="{poli}"' in mine
    again = post(leo, f"/events/{event_id}/register", form | {"arrives_at": ""}, page.text)
    assert again.status_code == 409 and IT["errors.already_registered"] in html.unescape(again.text)
    assert error_fields(again.text) == ["contact_name"]

    ask = {"to_participant": str(poli), "priority": "3", "message": "About composites"}
    sent = post(leo, f"/events/{event_id}/requests", ask, mine)
    assert sent.status_code == 303 and sent.headers["location"] == f"/events/{event_id}/requests"
    box = leo.get(f"/events/{event_id}/requests").text
    request_id = int(re.search(r'data-request="(\d+)" data-status="pending"', box).group(1))
    assert IT["events.priority.3"] in box and "data-cancel" in box
    twice = post(leo, f"/events/{event_id}/requests", ask, mine)
    assert twice.status_code == 409 and IT["errors.meeting_already_requested"] in html.unescape(
        twice.text
    )

    paola = site.client("poli")
    account = paola.get("/account?lang=it").text
    assert f'data-event-request="{request_id}"' in account and "About composites" in account
    answer = f"/events/{event_id}/requests/{request_id}/answer"
    form = {"decision": "accept", "next": "/account#event-requests", "csrf_token": csrf(account)}
    accepted = paola.post(answer, data=form, follow_redirects=False)
    assert accepted.status_code == 303 and accepted.headers["location"] == "/account#event-requests"
    assert f'data-event-request="{request_id}"' not in paola.get("/account").text
    assert (
        f'data-request="{request_id}" data-status="accepted"'
        in leo.get(f"/events/{event_id}/requests").text
    )
    late_answer = paola.post(answer, data=form | {"decision": "decline"}, follow_redirects=False)
    assert late_answer.status_code == 409 and IT["errors.request_answered"] in html.unescape(
        late_answer.text
    )
    stranger = site.client("saf")
    token = csrf(stranger.get("/account").text)
    refused = stranger.post(answer, data={"decision": "decline", "csrf_token": token})
    assert refused.status_code == 404  # a request exists only for its members


def test_outsiders_see_only_organisations_they_may_see_without_names(site: Site) -> None:
    reg = site.reg
    event_id = reg.event()
    reg.register(event_id, "leo", looking_for="Composite materials")
    reg.register(event_id, "poli", offering="Composite materials research")
    quasar = reg.register(event_id, "quasar", offering="Infrared optics")
    outsider = site.client("lux").get(f"/events/{event_id}?lang=en").text
    listed = re.findall(r'data-participant="(\d+)"', outsider)
    assert len(listed) == 2 and "Quasar Optics" not in outsider
    assert "Luca Leone" not in outsider and "Paola Poli" not in outsider
    assert EN["events.participants_count.other"].format(count=2) in html.unescape(outsider)
    assert "data-request-form" not in outsider  # not registered: nobody to ask from
    participant = site.client("leo").get(f"/events/{event_id}").text
    assert "Quinn Quasar" in participant and "Paola Poli" in participant
    assert "data-suggestions" in participant
    only = site.client("leo").get(f"/events/{event_id}?q=infrared").text
    assert re.findall(r'data-participant="(\d+)"', only) == [str(quasar)]
    universities = site.client("leo").get(f"/events/{event_id}?kind=university").text
    assert len(re.findall(r'data-participant="(\d+)"', universities)) == 1
    anonymous = site.client("anonymous").get(f"/events/{event_id}").text
    assert "data-sign-in-to-register" in anonymous and "Luca Leone" not in anonymous


# --- the schedule ---------------------------------------------------------------------------


def scheduled_event(reg: Registry) -> tuple[int, dict[str, int]]:
    """Leonardo arrives at 11:00, Politecnico leaves at 10:00 (they share no slot); three
    accepted requests, one of them impossible."""
    event_id = reg.event(auto_accept=True)
    people = {
        "leo": reg.register(event_id, "leo", arrives_at=f"{DAY}T11:00"),
        "poli": reg.register(event_id, "poli", leaves_at=f"{DAY}T10:00"),
        "saf": reg.register(event_id, "saf"),
        "lux": reg.register(event_id, "lux"),
    }
    from filiera.events import requests
    from filiera.events.schemas import RequestIn

    for who, to, priority in (("leo", "saf", 3), ("saf", "lux", 2), ("leo", "poli", 3)):
        with reg.db.session() as session:
            data = RequestIn(to_participant=people[to], priority=priority)
            requests.request_meeting(session, reg.viewer(who), event_id, data)
    return event_id, people


def test_the_organiser_schedules_and_reads_the_certificate_in_italian(site: Site) -> None:
    reg = site.reg
    event_id, people = scheduled_event(reg)
    manager = site.client("manager")
    url = f"/events/{event_id}/schedule"
    before = manager.get(url + "?lang=it")
    assert before.status_code == 200 and "data-not-run" in before.text
    wrong = manager.post(url, data={"time_limit": "soon", "csrf_token": csrf(before.text)})
    assert wrong.status_code == 422 and error_fields(wrong.text) == ["time_limit"]
    assert IT["fields.time_limit"] in html.unescape(wrong.text) and 'value="soon"' in wrong.text
    ran = manager.post(
        url, data={"time_limit": "2", "csrf_token": csrf(before.text)}, follow_redirects=False
    )
    assert ran.status_code == 303
    page = manager.get(url).text
    assert 'data-figure="weight">5<' in page  # must meet (3) + would like (2)
    bound = int(re.search(r'data-figure="upper_bound">(\d+)<', page).group(1))
    assert bound >= 5
    assert (
        ('data-optimal="yes"' in page)
        == (bound == 5)
        == (IT["events.certificate.proved_optimal"] in html.unescape(page))
    )
    reason = IT["events.reasons.no_common_slot"].format(
        members="Luca Leone (Leonardo S.p.A.) e Paola Poli (Politecnico di Milano)"
    )
    assert 'data-reason="no_common_slot"' in page and reason in page
    assert "share no free slot" not in page and not english_left(page)

    rerun = {"time_limit": "2", "csrf_token": csrf(page)}
    second = manager.post(url, data=rerun)  # nothing changed: every meeting stays
    kept = IT["events.certificate.second_run"].format(kept=2, moved=0, dropped=0)
    assert "data-second-run" in second.text and kept in html.unescape(second.text)

    row = re.search(r'data-meeting="(\d+)" data-locked="no">(?:(?!</tr>).)*Luca Leone', page, re.S)
    meeting = int(row.group(1))
    locked = manager.post(
        f"/events/{event_id}/meetings/{meeting}/lock",
        data={"locked": "1", "csrf_token": csrf(page)},
        follow_redirects=False,
    )
    assert locked.status_code == 303
    page = manager.get(url).text
    assert f'data-meeting="{meeting}" data-locked="yes"' in page
    absent = manager.post(
        f"/events/{event_id}/participants/{people['lux']}/no-show",
        data={"no_show": "1", "csrf_token": csrf(page)},
    )
    assert absent.status_code == 200  # followed back to the schedule
    assert f'data-participant="{people["lux"]}" data-status="no_show"' in absent.text
    again = manager.post(url, data=rerun).text
    assert 'data-figure="weight">3<' in again  # Safran's meeting with the absent LuxSpace went
    assert f'data-meeting="{meeting}" data-locked="yes"' in again
    assert re.findall(r'data-meeting="(\d+)"', again) == [str(meeting)]

    assert site.client("leo").get(url).status_code == 403
    assert site.client("anonymous").get(url, follow_redirects=False).status_code == 303
    assert site.client("saf").get(f"/events/{event_id}/grid").status_code == 403


def test_reasons_are_said_from_their_key_in_both_languages() -> None:
    def item(key: str, **params) -> UnscheduledOut:
        return UnscheduledOut(
            request_id=1, members=[], priority=3, reason="English", key=key, params=params
        )

    busy = item("crowded_out", shared=2, busy={"Anna (Avio)": 2, "Bruno (Brembo)": 1}, full=0)
    italian = event_words.reason_text(busy, "it")
    assert italian.startswith("Nessuno spazio libero") and "Anna (Avio) è occupato in 2" in italian
    assert "delle 2 fasce in comune" in italian
    assert event_words.reason_text(item("no_free_slot", member="Anna"), "en") == (
        "Anna has no free slot."
    )
    assert event_words.reason_text(item("mystery"), "it") == IT["events.reasons.other"]
    assert event_words.reason_text(item("mystery"), "en") == "English"


def test_breaks_and_lists_are_read_from_the_form() -> None:
    data = event_words.event_input(
        {
            "days": "2026-06-10, 2026-06-11",
            "breaks": "12.30-14:00 Lunch\n\n9:00 – 9:15\nnonsense",
            "table_names": "Sala Rossa\n Sala Blu \n",
            "country": "it",
            "auto_accept": True,
            "max_requests": "",
        }
    )
    assert data["days"] == ["2026-06-10", "2026-06-11"]
    assert data["breaks"] == [
        {"start": "12:30", "end": "14:00", "label": "Lunch"},
        {"start": "09:00", "end": "09:15"},
        {"start": "nonsense", "end": ""},
    ]
    assert data["table_names"] == ["Sala Rossa", "Sala Blu"]
    assert data["country"] == "IT" and data["auto_accept"] is True
    assert "max_requests" not in data


# --- agendas and the grid -------------------------------------------------------------------


def test_a_participant_reads_their_agenda_prints_it_and_downloads_it(site: Site) -> None:
    reg = site.reg
    event_id, people = scheduled_event(reg)
    with reg.db.session() as session:
        planning.run_schedule(session, reg.viewer("manager"), event_id, time_limit=2)
    leo = site.client("leo")
    page = leo.get(f"/events/{event_id}/agenda?lang=it")
    assert page.status_code == 200
    rows = re.findall(r'data-item="(\w+)"', page.text)
    assert rows.count("meeting") == 1 and rows.count("break") == 1
    assert rows.count("unavailable") == 3  # arrives at 11:00: three slots before
    assert f'data-counterpart="{people["saf"]}"' in page.text and "Sara Blanc" in page.text
    assert "Gentile Luca Leone," in page.text and "data-copy" in page.text
    assert not english_left(page.text)
    assert f'href="/events/{event_id}/agenda.ics?participant={people["leo"]}"' in page.text

    ics = leo.get(f"/events/{event_id}/agenda.ics?participant={people['leo']}")
    assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
    assert "attachment" in ics.headers["content-disposition"]
    calendar = icalendar.Calendar.from_ical(ics.content)
    [meeting] = [c for c in calendar.walk("VEVENT")]
    assert "Sara Blanc" in str(meeting["summary"])
    assert meeting.decoded("dtstart").isoformat().startswith(f"{DAY}T11:")

    printed = leo.get(f"/events/{event_id}/agenda?print=1").text
    assert 'class="topbar"' not in printed and "data-print-tools" in printed
    assert printed.count("data-agenda-sheet=") == 1

    assert leo.get(f"/events/{event_id}/agenda?participant={people['saf']}").status_code == 404
    outsider = site.client("quasar").get(f"/events/{event_id}/agenda")
    assert outsider.status_code == 200 and "data-not-registered" in outsider.text
    assert site.client("quasar").get(f"/events/{event_id}/agenda.ics").status_code == 422
    assert (
        site.client("anonymous")
        .get(f"/events/{event_id}/agenda", follow_redirects=False)
        .is_redirect
    )

    manager = site.client("manager")
    theirs = manager.get(f"/events/{event_id}/agenda?participant={people['leo']}")
    assert theirs.status_code == 200 and "Sara Blanc" in theirs.text
    every = manager.get(f"/events/{event_id}/agendas?print=1").text
    assert every.count("data-agenda-sheet=") == 4 and 'class="topbar"' not in every
    by_slot = manager.get(f"/events/{event_id}/grid?lang=it").text
    assert 'data-grid="slot"' in by_slot and "Luca Leone" in by_slot
    assert not english_left(by_slot)
    by_table = manager.get(f"/events/{event_id}/grid?by=table").text
    assert 'data-grid="table"' in by_table and by_table.count('data-row="') == 4
    assert site.client("leo").get(f"/events/{event_id}/agendas").status_code == 403


def test_the_print_stylesheet_gives_each_agenda_its_own_page(site: Site) -> None:
    css = site.client("anonymous").get("/static/filiera.css").text
    printing = css[css.index("@media print {\n  .topbar, .footer, .skip, .event-tabs") :]
    assert ".agenda-sheet" in printing and "break-after: page" in printing
    assert ".topbar" in printing and "display: none" in printing
