"""The capacity dashboard in headless Chromium (issue 13).

A planner signs in, opens a stored scenario, runs the plan and sees the charts drawn
(each Plotly div gets its svg), edits the YAML to add an expansion and sees the new plan
choose it; the Italian dashboard says its labels in Italian, and on a 390 px phone no page
scrolls sideways.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from filiera.access.viewer import Viewer
from filiera.app import create_app
from filiera.capacity import store
from filiera.capacity.schemas import ScenarioIn
from filiera.db import Database
from filiera.web.i18n import strings
from support.auth import PASSWORD, token_for
from support.browser import collect_console_errors, live_server
from support.dataset import build
from test_capacity_pages import EXTRA, PLANNER, TEXT

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
PLAN_TIMEOUT = 120_000  # ms: a MILP on a shared machine
IT = strings("it")
NEW_EXPANSION = "  - {id: body3, line: body_de, extra_per_month: 1000, capex_eur: 1.0e7}\n"


@dataclass
class Live:
    base: str
    scenario_id: int
    state: dict[str, Any]  # the signed-in planner's cookies (sign-in is rate limited)


@pytest.fixture(scope="module")
def live(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    db = Database(f"sqlite:///{tmp_path_factory.mktemp('capacity')}/live.db")
    data = build(db, EXTRA)
    token_for(db, PLANNER, "buyer", (data.orgs["ministry"],))
    with db.session() as session:
        data_in = ScenarioIn(name="Browser chain", text=TEXT, owner_id=data.orgs["ministry"])
        scenario_id = store.save_scenario(session, Viewer.system(), data_in).id
    with live_server(create_app(db)) as base:
        context = browser.new_context()
        page = context.new_page()
        page.goto(f"{base}/sign-in?lang=en")
        page.fill("input[name=email]", PLANNER)
        page.fill("input[name=password]", PASSWORD)
        page.locator("form[action='/sign-in'] button[type=submit]").click()
        page.wait_for_selector("[data-signed-in]")
        state = context.storage_state()
        context.close()
        yield Live(base, scenario_id, state)
    db.dispose()


def open_page(browser: Browser, live: Live, viewport: dict[str, int]) -> Page:
    page = browser.new_context(viewport=viewport, storage_state=live.state).new_page()
    page.set_default_timeout(PLAN_TIMEOUT)
    return page


def no_sideways_scroll(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_plan_charts_edit_and_replan(browser: Browser, live: Live) -> None:
    from playwright.sync_api import expect

    page = open_page(browser, live, DESKTOP)
    errors = collect_console_errors(page)
    page.goto(f"{live.base}/capacity?lang=en")
    page.locator("[data-capacity-nav]").wait_for()
    page.get_by_role("link", name="Browser chain").click()
    page.wait_for_url(f"**/capacity/{live.scenario_id}")
    expect(page.locator("[data-no-plan]")).to_be_visible()
    page.locator("[data-run-plan]").click()
    page.wait_for_selector('[data-figure="max_output"]')
    for chart in ("chart-shortfall", "chart-countries", "chart-stage-1", "chart-stage-3"):
        expect(page.locator(f'[data-chart="{chart}"] svg.main-svg').first).to_be_attached()
    expect(page.locator('[data-expansion="body2"]')).to_be_visible()
    expect(page.locator('[data-expansion="body3"]')).to_have_count(0)

    page.locator("[data-edit-scenario]").click()
    page.wait_for_url(f"**/capacity/{live.scenario_id}/edit")
    yaml_box = page.locator("textarea[data-yaml]")
    text = yaml_box.input_value()
    assert "{id: body2, line: body_de" in text
    yaml_box.fill(text.replace("demand:", NEW_EXPANSION + "demand:"))
    page.locator("[data-save-scenario]").click()
    page.wait_for_url(f"**/capacity/{live.scenario_id}")
    expect(page.locator("[data-no-plan]")).to_be_visible()  # the old plan was dropped
    page.locator("[data-run-plan]").click()
    page.wait_for_selector('[data-expansion="body3"]')
    expect(page.locator('[data-chart="chart-shortfall"] svg.main-svg').first).to_be_attached()
    assert not errors, errors


def test_italian_dashboard_on_a_phone(browser: Browser, live: Live) -> None:
    from playwright.sync_api import expect

    page = open_page(browser, live, PHONE)
    errors = collect_console_errors(page)
    page.goto(f"{live.base}/capacity/{live.scenario_id}?lang=it")
    if page.locator("[data-no-plan]").count():
        page.locator("[data-run-plan]").click()
        page.wait_for_selector('[data-figure="max_output"]')
    expect(page.locator('[data-chart="chart-shortfall"] svg.main-svg').first).to_be_attached()
    expect(page.locator("h2", has_text=IT["capacity.charts.shortfall"])).to_be_visible()
    expect(page.locator("h2", has_text=IT["capacity.expansions.title"])).to_be_visible()
    expect(page.locator("[data-run-plan]")).to_have_text(IT["capacity.rerun_plan"])
    legend = page.locator('[data-chart="chart-stage-1"] .legendtext').evaluate_all(
        "els => els.map(e => e.textContent)"
    )
    assert IT["capacity.chart.requirement"] in legend
    assert no_sideways_scroll(page)
    for path in ("/capacity?lang=it", f"/capacity/{live.scenario_id}/edit?lang=it"):
        page.goto(f"{live.base}{path}")
        assert no_sideways_scroll(page), path
    expect(page.locator("label", has_text=IT["capacity.form.text"])).to_be_visible()
    assert not errors, errors
