"""B2B events in headless Chromium (issue 12): register, request, accept, schedule, open the
agenda, download the .ics.

The cluster's manager has an open event; Luca (Leonardo) registers on its page and asks
Paola (Politecnico di Milano) for a meeting; Paola accepts from her account page; the
manager runs the scheduler and reads the quality certificate; Luca opens his agenda, sees
the meeting with Paola, downloads the .ics (parsed with icalendar) and copies the e-mail
text. In Italian on a 390 px phone, the agenda, the event and the schedule show Italian
labels and no English, without sideways scrolling; printing shows only the agenda.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import icalendar
import pytest

from filiera.app import create_app
from filiera.events import planning, requests
from filiera.events.schemas import RequestIn
from filiera.settings import Settings
from filiera.web.i18n import strings
from support.browser import collect_console_errors, live_server
from support.event_registry import DAY, Registry, make_registry
from test_crawl_browser import ENGLISH_WORDS, UI_TEXT_JS, english_phrases

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

PASSWORD = "a long enough password"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
EN, IT = strings("en"), strings("it")


@dataclass
class Live:
    base: str
    reg: Registry
    event_id: int
    poli: int  # Paola's registration
    states: dict[str, Any]  # signed-in cookies per user (the sign-in limit is per minute)


@pytest.fixture(scope="module")
def live(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """The event registry on SQLite, served live, with an open event where Paola takes part."""
    reg = make_registry(f"sqlite:///{tmp_path_factory.mktemp('events')}/events.db")
    event_id = reg.event(name="Lombardia–Piemonte cluster meeting", venue="Villa Ponti")
    poli = reg.register(
        event_id, "poli", looking_for="Helicopter radar", offering="Composite materials research"
    )
    with live_server(create_app(reg.db, Settings())) as base:
        states = {}
        for who in ("manager", "leo", "poli"):
            context = browser.new_context()
            page = context.new_page()
            page.goto(f"{base}/sign-in?lang=en")
            page.fill("input[name=email]", f"{who}@events.example")
            page.fill("input[name=password]", PASSWORD)
            page.locator("form[action='/sign-in'] button[type=submit]").click()
            page.wait_for_selector("[data-signed-in]")
            states[who] = context.storage_state()
            context.close()
        yield Live(base, reg, event_id, poli, states)
    reg.db.dispose()


def open_as(browser: Browser, live: Live, who: str, viewport=DESKTOP, **options) -> Page:
    context = browser.new_context(viewport=viewport, storage_state=live.states[who], **options)
    return context.new_page()


def test_register_request_accept_schedule_and_download_the_agenda(
    browser: Browser, live: Live, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    luca = open_as(browser, live, "leo", permissions=["clipboard-read", "clipboard-write"])
    errors = collect_console_errors(luca)
    luca.goto(f"{live.base}/events?lang=en")
    luca.get_by_role("link", name="Lombardia–Piemonte cluster meeting").click()
    luca.wait_for_url(f"**/events/{live.event_id}")
    expect(luca.locator("[data-share-note]")).to_have_text(EN["events.share_note"])
    form = luca.locator("[data-register-form]")
    form.locator("textarea[name=looking_for]").fill("Composite materials for airframes")
    form.locator("[data-register]").click()
    expect(luca.locator("[data-mine]")).to_contain_text("Luca Leone")

    paola = luca.locator(f'[data-participant="{live.poli}"]')
    paola.locator(f'[data-request-open="{live.poli}"]').click()
    request_form = paola.locator(f'[data-request-form="{live.poli}"]')
    request_form.locator("select[name=priority]").select_option("3")
    request_form.locator("textarea[name=message]").fill("About composite airframes")
    request_form.locator(f'[data-send-request="{live.poli}"]').click()
    luca.wait_for_url(f"**/events/{live.event_id}/requests")
    sent = luca.locator("[data-sent] [data-request]")
    expect(sent).to_have_attribute("data-status", "pending")
    expect(sent).to_contain_text("Paola Poli")

    answering = open_as(browser, live, "poli")
    answering.goto(f"{live.base}/account?lang=en")
    waiting = answering.locator("[data-event-request]")
    expect(waiting).to_contain_text("About composite airframes")
    waiting.locator("[data-event-accept]").click()
    answering.wait_for_url("**/account#event-requests")
    expect(answering.locator("[data-no-event-requests]")).to_be_visible()
    expect(answering.locator("[data-event-agenda]")).to_be_visible()

    manager = open_as(browser, live, "manager")
    manager.goto(f"{live.base}/events/{live.event_id}/schedule?lang=en")
    expect(manager.locator("[data-not-run]")).to_be_visible()
    manager.locator("input[name=time_limit]").fill("3")
    manager.locator("[data-run-schedule]").click()
    certificate = manager.locator("[data-certificate]")
    expect(certificate).to_be_visible()
    expect(certificate.locator('[data-figure="weight"]')).to_have_text("3")
    expect(certificate.locator('[data-figure="upper_bound"]')).to_have_text("3")
    expect(certificate.locator("[data-proved-optimal]")).to_have_text(
        EN["events.certificate.proved_optimal"]
    )
    expect(manager.locator("[data-meeting]")).to_have_count(1)

    luca.goto(f"{live.base}/events/{live.event_id}/agenda")
    meeting = luca.locator('[data-item="meeting"]')
    expect(meeting).to_have_count(1)
    expect(meeting).to_contain_text("Paola Poli")
    expect(meeting).to_contain_text("Politecnico di Milano")
    with luca.expect_download() as info:
        luca.locator("[data-ics]").click()
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    assert saved.suffix == ".ics"
    calendar = icalendar.Calendar.from_ical(saved.read_bytes())
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1 and "Paola Poli" in str(events[0]["summary"])
    assert events[0].decoded("dtstart").date().isoformat() == DAY

    luca.locator("[data-email-box] summary").click()
    luca.locator("[data-copy]").click()
    expect(luca.locator("[data-copy]")).to_have_text(EN["events.copied"])
    copied = luca.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("Dear Luca Leone,") and "Paola Poli" in copied
    assert errors == []


def test_the_agenda_on_a_phone_in_italian_prints_alone(browser: Browser, live: Live) -> None:
    from playwright.sync_api import expect

    reg = live.reg
    event_id = reg.event(name="Incontri di Varese", auto_accept=True)
    leo = reg.register(event_id, "leo", leaves_at=f"{DAY}T11:30")
    saf = reg.register(event_id, "saf")
    with reg.db.session() as session:
        data = RequestIn(to_participant=saf, priority=2, message="Motori")
        requests.request_meeting(session, reg.viewer("leo"), event_id, data)
    with reg.db.session() as session:
        planning.run_schedule(session, reg.viewer("manager"), event_id, time_limit=2)

    phone = open_as(browser, live, "leo", viewport=PHONE)
    errors = collect_console_errors(phone)
    phrases = english_phrases()
    for path in (f"/events/{event_id}/agenda?lang=it", f"/events/{event_id}", "/events"):
        phone.goto(live.base + path)
        assert phone.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
        text = "\n".join(phone.evaluate(UI_TEXT_JS))
        assert not [p for p in phrases if p in text], path
        assert not ENGLISH_WORDS.search(text), (path, ENGLISH_WORDS.search(text))
    phone.goto(f"{live.base}/events/{event_id}/agenda")
    expect(phone.locator("h1")).to_have_text(IT["events.agenda_title"])
    expect(phone.locator("[data-ics]")).to_have_text(IT["events.download_ics"])
    expect(phone.locator('[data-item="meeting"]')).to_contain_text(IT["events.table"])
    expect(phone.locator('[data-item="break"]').first).to_contain_text(IT["events.item.break"])
    away = phone.locator('[data-item="unavailable"]')
    expect(away).to_have_count(1)  # leaves at 11:30: the last slot
    expect(away).to_contain_text(IT["events.item.unavailable"])
    expect(phone.locator("[data-agenda-sheet]")).to_have_attribute("data-agenda-sheet", str(leo))
    phone.locator("[data-email-box] summary").click()
    expect(phone.locator("[data-email-text]")).to_contain_text("Gentile Luca Leone,")

    phone.emulate_media(media="print")
    expect(phone.locator(".topbar")).to_be_hidden()
    expect(phone.locator("[data-agenda-actions]")).to_be_hidden()
    expect(phone.locator("[data-email-box]")).to_be_hidden()
    expect(phone.locator("[data-agenda-sheet]")).to_be_visible()
    phone.emulate_media(media="screen")

    manager = open_as(browser, live, "manager", viewport=PHONE)
    for path in (f"/events/{event_id}/schedule?lang=it", f"/events/{event_id}/grid"):
        manager.goto(live.base + path)
        assert manager.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
        text = "\n".join(manager.evaluate(UI_TEXT_JS))
        assert not [p for p in phrases if p in text], path
        assert not ENGLISH_WORDS.search(text), (path, ENGLISH_WORDS.search(text))
    expect(manager.locator("[data-grid]")).to_be_visible()
    assert errors == []
