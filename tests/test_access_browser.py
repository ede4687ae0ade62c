"""Signing in and out in headless Chromium, members-only contacts, and the review page's CSRF.

A live uvicorn server on a SQLite database, started the way tests/test_browser.py does.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from filiera.access import accounts
from filiera.app import create_app
from filiera.db import Database
from filiera.http.auth import SESSION_COOKIE
from filiera.registry.models import Organisation, Person, PersonRole, ReviewItem
from filiera.web.i18n import strings
from support.auth import PASSWORD
from support.browser import live_server
from support.dataset import Dataset, build

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

MEMBER = "member@filiera.test"
ADMIN = "admin@filiera.test"
CONTACT = "paola.rossi@polimi.example"
REVIEW_CASE = {
    "polimi_lecco": {
        "name": "Politecnico di Milano",
        "kind": "university",
        "country": "IT",
        "city": "Lecco",
    },
}
EN = strings("en")


@dataclass
class Site:
    base: str
    db: Database
    data: Dataset


def populate(db: Database) -> Dataset:
    """The fixture registry, a contact at Polimi, two review items and two accounts."""
    data = build(db, REVIEW_CASE)
    orgs = data.orgs
    with db.session() as session:
        person = Person(name="Paola Rossi", email=CONTACT, phone="+39 02 0000 0000")
        person.roles.append(PersonRole(organisation_id=orgs["polimi"], title="Liaison officer"))
        session.add(person)
        session.add(
            ReviewItem(
                organisation_id=orgs["aerosud"],
                candidate_id=orgs["luxspace"],
                score=0.61,
                reasons=["test pair"],
            )
        )
        # the member acts for Aero Sud, which shares the Lombardia cluster with Polimi
        accounts.add_user(
            session, MEMBER, "Maria Member", PASSWORD, role="member", org_ids=[orgs["aerosud"]]
        )
        accounts.add_user(session, ADMIN, "Ada Admin", PASSWORD, role="admin")
    return data


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A live server on a fresh database."""
    db = Database(f"sqlite:///{tmp_path_factory.mktemp('access-browser')}/site.db")
    data = populate(db)
    with live_server(create_app(db)) as base:
        yield Site(base, db, data)
    db.dispose()


def sign_in(page: Page, site: Site, email: str, password: str, next_url: str = "/") -> None:
    """Fill and submit the real sign-in form."""
    page.goto(f"{site.base}/sign-in?lang=en&next={next_url}")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.locator("form[action='/sign-in'] button[type=submit]").click()


def session_cookie(page: Page) -> dict | None:
    return next((c for c in page.context.cookies() if c["name"] == SESSION_COOKIE), None)


def test_members_see_contacts_after_signing_in(page: Page, browser: Browser, site: Site) -> None:
    from playwright.sync_api import expect

    profile = f"/organisations/{site.data.orgs['polimi']}"
    people = page.locator(".people")
    page.goto(f"{site.base}{profile}?lang=en")
    expect(people).to_contain_text("Paola Rossi")
    expect(people.locator("[data-contact]")).to_have_count(0)
    expect(people).to_contain_text(EN["access.contacts_members"])
    assert CONTACT not in page.content()

    sign_in(page, site, MEMBER, PASSWORD, next_url=profile)
    page.wait_for_url(f"{site.base}{profile}")
    expect(page.locator("[data-signed-in]")).to_have_text(MEMBER)
    expect(people.locator("a[data-contact]")).to_have_text(CONTACT)
    expect(people).not_to_contain_text(EN["access.contacts_members"])
    cookie = session_cookie(page)
    assert cookie is not None and cookie["httpOnly"] and cookie["sameSite"] == "Lax"

    stranger = browser.new_context()  # another, anonymous browser at the same moment
    try:
        other = stranger.new_page()
        other.goto(f"{site.base}{profile}?lang=en")
        expect(other.locator(".people")).to_contain_text("Paola Rossi")
        assert CONTACT not in other.content()
    finally:
        stranger.close()

    page.get_by_role("button", name=EN["access.sign_out"]).click()
    page.wait_for_url(f"{site.base}/")
    expect(page.locator("[data-sign-in]")).to_be_visible()
    expect(page.locator("[data-signed-in]")).to_have_count(0)
    assert session_cookie(page) is None
    page.goto(f"{site.base}{profile}")
    expect(people).to_contain_text("Paola Rossi")
    expect(people.locator("[data-contact]")).to_have_count(0)
    assert page.request.get(f"{site.base}/api/me").json()["user_id"] is None


def test_failed_sign_in_shows_the_generic_error(page: Page, site: Site) -> None:
    from playwright.sync_api import expect

    for email, password in ((MEMBER, "not the password at all"), ("nobody@filiera.test", PASSWORD)):
        sign_in(page, site, email, password)
        error = page.locator("[data-sign-in-error]")
        expect(error).to_have_text(EN["access.sign_in_failed"])
        assert page.url.startswith(f"{site.base}/sign-in")
        expect(page.locator("input[name=email]")).to_have_value(email)
        expect(page.locator("[data-signed-in]")).to_have_count(0)
        assert session_cookie(page) is None


def no_header_decision(page: Page, item_id: str) -> int:
    """Status of a review decision posted from the page without the X-CSRF-Token header."""
    script = """id => fetch('/api/review/' + id, {method: 'POST',
        headers: {'Content-Type': 'application/json', 'Accept': 'application/json'},
        body: JSON.stringify({decision: 'reject'})}).then(r => r.status)"""
    return page.evaluate(script, item_id)


def test_admin_review_buttons_send_the_csrf_header(page: Page, site: Site) -> None:
    from playwright.sync_api import expect

    sign_in(page, site, ADMIN, PASSWORD, next_url="/review")
    page.wait_for_url(f"{site.base}/review")
    expect(page.locator("[data-signed-in]")).to_have_text(ADMIN)
    items = page.locator("[data-review]")
    expect(items).to_have_count(2)
    assert page.locator('meta[name="csrf-token"]').get_attribute("content")
    polimi = items.filter(has_text="Lecco")
    aerosud = items.filter(has_text="Aero Sud Additive")
    assert no_header_decision(page, polimi.get_attribute("data-review")) == 403

    polimi.locator("summary", has_text=EN["review.merge"]).click()  # merging asks first
    polimi.get_by_role("button", name=EN["duplicates.confirm_merge"]).click()
    expect(polimi.locator(".review-status")).to_have_text(EN["review.merged"])
    aerosud.get_by_role("button", name=EN["review.reject"]).click()
    expect(aerosud.locator(".review-status")).to_have_text(EN["review.rejected"])

    assert page.request.get(f"{site.base}/api/review").json() == []
    orgs = site.data.orgs
    with site.db.session() as session:
        decided = {item.candidate_id: item.status for item in session.scalars(select(ReviewItem))}
        assert session.get(Organisation, orgs["polimi_lecco"]) is None  # merged into Polimi
        assert session.get(Organisation, orgs["aerosud"]) is not None
    assert decided == {orgs["luxspace"]: "rejected"}
