"""Consortium building in headless Chromium, on the demo dataset (issue 11).

The demo's cluster manager opens a call, builds a consortium, sees the alternatives side
by side with a map each, locks one partner and excludes another (each click re-runs the
build), and saves the result as a draft bid. The same bookmarkable result on a 390 px
phone, in Italian, stacks the alternatives without sideways scrolling.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import pytest

from filiera.access import accounts
from filiera.access.viewer import Viewer
from filiera.app import create_app
from filiera.consortia import calls
from filiera.consortia.schemas import CallIn
from filiera.db import Database
from filiera.demo.access import DEMO_PASSWORD
from filiera.demo.load import load_demo
from filiera.web.i18n import strings
from support.browser import collect_console_errors, live_server

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

MANAGER = "manager@luxdefence.demo"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
BUILD_TIMEOUT = 180_000  # ms: an exact optimisation on the demo, on a shared machine
CALL_TITLE = "Counter-drone protection of air bases (browser test)"
IT = strings("it")


@dataclass
class Demo:
    base: str
    call_id: int
    state: dict[str, Any]  # the signed-in manager's cookies (the sign-in limit is per minute)


@pytest.fixture(scope="module")
def demo(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The demo on SQLite, served live, with a call of the LuxDefence cluster."""
    db = Database(f"sqlite:///{tmp_path_factory.mktemp('consortia')}/demo.db")
    db.upgrade()
    with db.session() as session:
        load_demo(session, synthetic=150)
        cluster = accounts.get_user(session, MANAGER).affiliations[0].organisation_id
        call = calls.publish_call(
            session,
            Viewer.system(),
            CallIn(
                programme="EDF",
                identifier="EDF-TEST-CUAS",
                title=CALL_TITLE,
                text="Anti-drone systems: radar detection, RF jamming and command and "
                "control to protect air bases against small drones.",
                lang="en",
                rules="edf",
                capabilities=["electronics.radar"],
                size_min=4,
                size_max=6,
                deadline=date(2026, 11, 27),
                owner_id=cluster,
            ),
        )
        call_id = call.id
    with live_server(create_app(db)) as base:
        context = browser.new_context()
        page = context.new_page()
        page.goto(f"{base}/sign-in?lang=en")
        page.fill("input[name=email]", MANAGER)
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.locator("form[action='/sign-in'] button[type=submit]").click()
        page.wait_for_selector("[data-signed-in]")
        state = context.storage_state()
        context.close()
        yield Demo(base, call_id, state)
    db.dispose()


def open_page(browser: Browser, demo: Demo, viewport: dict[str, int]) -> Page:
    page = browser.new_context(viewport=viewport, storage_state=demo.state).new_page()
    page.set_default_timeout(BUILD_TIMEOUT)
    return page


def members_of(page: Page, alternative: int) -> list[int]:
    found = page.locator(f'[data-alternative="{alternative}"] [data-member]')
    return [int(m) for m in found.evaluate_all("els => els.map(e => e.dataset.member)")]


def all_teams(page: Page) -> list[list[int]]:
    count = page.locator("[data-alternative]").count()
    return [members_of(page, n) for n in range(1, count + 1)]


def test_build_lock_exclude_and_save_as_a_bid(browser: Browser, demo: Demo) -> None:
    from playwright.sync_api import expect

    page = open_page(browser, demo, DESKTOP)
    errors = collect_console_errors(page)
    page.goto(f"{demo.base}/calls?lang=en")
    page.get_by_role("link", name=CALL_TITLE).click()
    page.wait_for_url(f"**/calls/{demo.call_id}")
    expect(page.locator('[data-call-rules] [data-rule="min_independent_entities"]')).to_be_visible()
    page.locator("[data-build-call]").click()
    page.wait_for_url(f"**/consortia/build?call={demo.call_id}")
    alternatives = page.locator("[data-alternative]")
    expect(alternatives.first).to_be_visible()
    assert alternatives.count() >= 2
    first, second = alternatives.nth(0).bounding_box(), alternatives.nth(1).bounding_box()
    assert first and second
    assert abs(first["y"] - second["y"]) < 2 and second["x"] >= first["x"] + first["width"]
    expect(page.locator('[data-chart="consortium-map-1"] .main-svg').first).to_be_visible()

    team = members_of(page, 1)
    assert 4 <= len(team) <= 6
    locked = team[-1]
    page.locator(f'[data-alternative="1"] [data-lock="{locked}"]').click()
    page.wait_for_url("**with=*")
    expect(
        page.locator(f'[data-alternative="1"] [data-member="{locked}"][data-fixed]')
    ).to_be_visible()
    assert all(locked in t for t in all_teams(page))
    excluded = next(m for m in members_of(page, 1) if m != locked)  # after the re-run

    page.locator(f'[data-alternative="1"] [data-exclude="{excluded}"]').click()
    page.wait_for_url("**without=*")
    expect(page.locator("[data-alternative]").first).to_be_visible()
    teams = all_teams(page)
    assert teams and all(locked in t and excluded not in t for t in teams)
    expect(page.locator("textarea[name=without]")).to_have_value(str(excluded))

    page.locator('[data-save-bid="1"] [data-save-bid-button]').click()
    page.wait_for_url("**/bids/*")
    expect(page.locator("h1")).to_have_text(CALL_TITLE)
    expect(page.locator(f'[data-partner="{locked}"]')).to_have_attribute("data-status", "proposed")
    expect(page.locator(f'[data-partner="{excluded}"]')).to_have_count(0)
    expect(page.locator("[data-invite]")).to_be_visible()
    assert errors == []


def test_the_result_on_a_phone_in_italian(browser: Browser, demo: Demo) -> None:
    from playwright.sync_api import expect

    page = open_page(browser, demo, PHONE)
    page.goto(f"{demo.base}/consortia/build?call={demo.call_id}&alternatives=2&lang=it")
    alternatives = page.locator("[data-alternative]")
    expect(alternatives.nth(1)).to_be_visible()
    first, second = alternatives.nth(0).bounding_box(), alternatives.nth(1).bounding_box()
    assert first and second and second["y"] >= first["y"] + first["height"]  # stacked
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    expect(page.locator("h1")).to_have_text(IT["consortia.build_title"])
    expect(page.locator("[data-build]")).to_have_text(IT["consortia.form.build"])
    expect(page.locator("[data-lock]").first).to_have_text(IT["consortia.lock"])
    expect(page.locator("[data-exclude]").first).to_have_text(IT["consortia.exclude"])
    badge = page.locator('[data-alternative="1"] [data-rule="established_in"] [data-outcome]')
    assert badge.inner_text() in {IT["consortia.outcome.ok"], IT["consortia.outcome.tight"]}
    expect(page.locator('[data-save-bid="1"] [data-save-bid-button]')).to_have_text(
        IT["consortia.save_bid"]
    )
    rule = page.locator('[data-alternative="1"] [data-rule="established_in"] strong')
    expect(rule).to_have_text(IT["consortia.rule_titles.established_in"])
