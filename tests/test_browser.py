"""The web UI in headless Chromium against a real uvicorn server on a SQLite database."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from filiera.app import create_app
from filiera.db import Database
from support.auth import PASSWORD, token_for
from support.browser import collect_console_errors, live_server
from support.dataset import Dataset, build

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

REVIEW_CASE = {
    "polimi_lecco": {
        "name": "Politecnico di Milano",
        "kind": "university",
        "country": "IT",
        "city": "Lecco",
    },
}


ADMIN = "admin@browser.example"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Dataset]]:
    """Base URL of a live server and the ids of its records."""
    db = Database(f"sqlite:///{tmp_path_factory.mktemp('browser')}/site.db")
    data = build(db, REVIEW_CASE)
    token_for(db, ADMIN, "admin")
    with live_server(create_app(db)) as base:
        yield base, data
    db.dispose()


def test_home_draws_charts(page: Page, site: tuple[str, Dataset]) -> None:
    from playwright.sync_api import expect

    base, _ = site
    page.goto(f"{base}/?lang=en")
    expect(page.locator('[data-chart="chart-country"] .main-svg').first).to_be_visible()
    expect(page.locator('[data-chart="chart-kind"] .main-svg').first).to_be_visible()
    expect(page.locator('[data-chart="chart-country"] .bars path')).to_have_count(3)
    expect(page.locator('[data-figure="organisations"]')).to_have_text("7")


def test_directory_filter_by_country(page: Page, site: tuple[str, Dataset]) -> None:
    from playwright.sync_api import expect

    base, _ = site
    page.goto(f"{base}/organisations?lang=en")
    rows = page.locator("tr[data-org]")
    expect(rows).to_have_count(7)
    page.select_option("select[name=country]", "FR")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**/organisations?*country=FR*")
    expect(rows).to_have_count(1)
    expect(page.locator("td.loc")).to_have_attribute("data-country", "FR")
    expect(page.locator("select[name=country]")).to_have_value("FR")


def test_language_switch_to_italian(page: Page, site: tuple[str, Dataset]) -> None:
    from playwright.sync_api import expect

    base, _ = site
    page.goto(f"{base}/organisations?lang=en")
    nav = page.get_by_role("navigation", name="Main navigation")
    expect(nav).to_contain_text("Organisations")
    page.locator("[data-lang-switch]").click()
    page.wait_for_url("**lang=it")
    expect(page.locator("html")).to_have_attribute("lang", "it")
    expect(page.get_by_role("navigation", name="Navigazione principale")).to_contain_text(
        "Organizzazioni"
    )
    page.goto(f"{base}/map")  # the choice is remembered
    expect(page.locator("h1")).to_have_text("Mappa dell'ecosistema")


def test_profile_opens_from_directory(page: Page, site: tuple[str, Dataset]) -> None:
    from playwright.sync_api import expect

    base, data = site
    page.goto(f"{base}/organisations?lang=en")
    page.get_by_role("link", name="Leonardo S.p.A.").click()
    page.wait_for_url(f"**/organisations/{data.orgs['leonardo']}")
    expect(page.locator("h1")).to_have_text("Leonardo S.p.A.")
    expect(page.locator(".provenance")).to_contain_text("CORDIS, CC BY 4.0")
    expect(page.locator(".capabilities")).to_contain_text("Certified")


def test_no_console_errors_on_any_page(page: Page, site: tuple[str, Dataset]) -> None:
    base, data = site
    errors = collect_console_errors(page)
    urls = [
        "/",
        "/organisations",
        f"/organisations/{data.orgs['leonardo']}",
        f"/organisations/{data.orgs['aerosud']}",
        "/map",
        "/clusters",
        f"/clusters/{data.orgs['cluster']}",
        f"/projects/{data.projects['epc']}",
        "/review",
        "/docs",
        "/?lang=it",
        "/map?lang=it",
    ]
    for url in urls:
        response = page.goto(f"{base}{url}", wait_until="load")
        assert response is not None and response.status == 200, url
        assert errors == [], (url, errors)
    page.goto(f"{base}/map")
    assert page.locator('[data-chart="chart-regions"] .main-svg').count() > 0


def test_review_decision_from_the_page(page: Page, site: tuple[str, Dataset]) -> None:
    from playwright.sync_api import expect

    base, _ = site
    page.goto(f"{base}/review?lang=en")  # admins only: the sign-in form comes first
    page.fill("input[name=email]", ADMIN)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.stack button[type=submit]")
    page.wait_for_url(f"{base}/review")
    item = page.locator("[data-review]")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("Politecnico di Milano")
    item.get_by_role("button", name="Keep both").click()
    expect(item.locator(".review-status")).to_have_text("Kept both")
    assert page.request.get(f"{base}/api/review").json() == []  # shares the session cookie


def test_match_page_ranks_with_reasons(page: Page, site: tuple[str, Dataset]) -> None:
    """An Italian query typed in the search form finds the English-described prime."""
    from playwright.sync_api import expect

    base, data = site
    errors = collect_console_errors(page)
    page.goto(f"{base}/match?lang=it")
    page.fill("textarea[name=q]", "elicotteri e radar per la marina")
    page.click("[data-match-form] button[type=submit]")
    first = page.locator("[data-match-results] > li").first
    expect(first).to_have_attribute("data-org", str(data.orgs["leonardo"]))
    expect(first.locator("[data-reason]").first).to_be_visible()
    assert "Capacità" in first.inner_text()
    assert not errors
