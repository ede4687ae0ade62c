"""Requests for an introduction (issue 10, item 7), on SQLite and PostgreSQL, and in Chromium.

A signed-in member, buyer, investor or cluster manager asks an organisation they may see to
get in touch; its users see the request on their account page and accept (the requester's
e-mail is revealed) or decline. Hidden organisations answer as missing ones, one request
waits per target, and a user sends at most `DAILY_LIMIT` a day.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from filiera.access import accounts
from filiera.app import create_app
from filiera.db import Database
from filiera.directory.introductions import DAILY_LIMIT, MESSAGE_MAX
from filiera.directory.models import IntroductionRequest
from filiera.registry.models import Organisation
from filiera.settings import Settings
from filiera.web.i18n import strings
from support.auth import PASSWORD, bearer, token_for
from support.dataset import Dataset, build

if TYPE_CHECKING:
    from playwright.sync_api import Browser

EN, IT = strings("en"), strings("it")
FORM_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
MEMBER = "maria@intro.example"  # member user of Aero Sud
LEONARDO_USER = "luca@intro.example"  # plain viewer affiliated with Leonardo
SAFRAN_USER = "sara@intro.example"  # member user of Safran
VIEWER = "victor@intro.example"  # plain viewer without an organisation
ROLES = {  # e-mail -> (role, organisation key, display name)
    MEMBER: ("member", "aerosud", "Maria Rossi"),
    LEONARDO_USER: ("viewer", "leonardo", "Luca Bianchi"),
    SAFRAN_USER: ("member", "safran", "Sara Blanc"),
    VIEWER: ("viewer", None, "Victor Viewer"),
    "bea@intro.example": ("buyer", None, "Bea Buyer"),
    "ivo@intro.example": ("investor", "luxspace", "Ivo Investor"),
    "mia@intro.example": ("cluster_manager", "cluster", "Mia Manager"),
}


@dataclass
class World:
    db: Database
    data: Dataset
    client: TestClient
    tokens: dict[str, dict[str, str]]

    def org(self, key: str) -> int:
        return self.data.orgs[key]

    def ask(self, email: str, org_key: str | int, message: str = "Shall we talk about radar?"):
        org_id = org_key if isinstance(org_key, int) else self.org(org_key)
        return self.client.post(
            f"/api/organisations/{org_id}/introductions",
            json={"message": message},
            headers=self.tokens[email],
        )

    def mine(self, email: str) -> dict:
        response = self.client.get("/api/me/introductions", headers=self.tokens[email])
        assert response.status_code == 200, response.text
        return response.json()

    def answer(self, email: str, intro_id: int, decision: str):
        url = f"/api/introductions/{intro_id}/{decision}"
        return self.client.post(url, headers=self.tokens[email])

    def set_visibility(self, key: str, level: str) -> None:
        with self.db.session() as session:
            session.get(Organisation, self.org(key)).visibility = level

    def delete(self, key: str) -> None:
        with self.db.session() as session:
            session.delete(session.get(Organisation, self.org(key)))


def add_users(db: Database, data: Dataset) -> dict[str, dict[str, str]]:
    tokens = {"admin": bearer(token_for(db, "admin@intro.example"))}
    for email, (role, org, name) in ROLES.items():
        with db.session() as session:
            org_ids = [data.orgs[org]] if org else []
            user = accounts.add_user(session, email, name, PASSWORD, role=role, org_ids=org_ids)
            tokens[email] = bearer(accounts.create_token(session, Settings(), user, "t").secret)
    return tokens


@pytest.fixture
def world(db_url: str) -> Iterator[World]:
    db = Database(db_url)
    data = build(db)
    tokens = add_users(db, data)
    with TestClient(create_app(db, Settings())) as client:
        yield World(db, data, client, tokens)
    db.dispose()


def without_ids(body: dict, *ids: int) -> str:
    """A response body with the given ids written as N, to compare two answers."""
    text = repr(body)
    for value in ids:
        text = re.sub(rf"\b{value}\b", "N", text)
    return text


# --- the API --------------------------------------------------------------------------------


def test_a_member_asks_and_the_organisation_accepts(world: World) -> None:
    w = world
    sent = w.ask(MEMBER, "leonardo")
    assert sent.status_code == 201, sent.text
    intro = sent.json()
    assert (intro["status"], intro["to_org_name"], intro["from_org_name"]) == (
        "pending",
        "Leonardo S.p.A.",
        "Aero Sud Additive",
    )
    [received] = w.mine(LEONARDO_USER)["received"]
    assert received["requester_name"] == "Maria Rossi"
    assert received["message"] == "Shall we talk about radar?"
    assert received["requester_email"] is None  # not before they accept
    assert w.mine(SAFRAN_USER) == {"received": [], "sent": []}

    accepted = w.answer(LEONARDO_USER, intro["id"], "accept")
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["requester_email"] == MEMBER
    assert w.mine(LEONARDO_USER)["received"][0]["requester_email"] == MEMBER
    [mine] = w.mine(MEMBER)["sent"]
    assert (mine["status"], mine["answered_at"] is not None) == ("accepted", True)
    again = w.answer(LEONARDO_USER, intro["id"], "decline")
    assert again.status_code == 409 and "already accepted" in again.text


def test_requests_and_answers_are_in_the_audit_log(world: World) -> None:
    w = world
    intro = w.ask(MEMBER, "leonardo").json()
    w.answer(LEONARDO_USER, intro["id"], "decline")
    events = w.client.get(
        "/api/audit", params={"entity": "introduction_request"}, headers=w.tokens["admin"]
    ).json()
    seen = {(e["action"], e["actor"], e["entity_id"]) for e in events}
    assert ("create", MEMBER, intro["id"]) in seen
    assert ("update", LEONARDO_USER, intro["id"]) in seen
    created = next(e for e in events if e["action"] == "create")
    assert created["after"]["to_org_id"] == w.org("leonardo")
    assert created["after"]["message"] == "Shall we talk about radar?"


@pytest.mark.parametrize(
    ("email", "status"),
    [
        (VIEWER, 403),
        (LEONARDO_USER, 403),  # a viewer, even with an organisation
        ("bea@intro.example", 201),
        ("ivo@intro.example", 201),
        ("mia@intro.example", 201),
        (MEMBER, 201),
    ],
)
def test_which_roles_may_ask(world: World, email: str, status: int) -> None:
    response = world.ask(email, "safran")
    assert response.status_code == status, response.text


def test_anonymous_visitors_and_own_organisations_are_refused(world: World) -> None:
    w = world
    anonymous = w.client.post(
        f"/api/organisations/{w.org('leonardo')}/introductions", json={"message": "hello"}
    )
    assert anonymous.status_code == 401
    own = w.ask(MEMBER, "aerosud")
    assert own.status_code == 422 and "you act for this organisation" in own.text
    empty = w.ask(MEMBER, "leonardo", message="   ")
    too_long = w.ask(MEMBER, "leonardo", message="x" * (MESSAGE_MAX + 1))
    assert (empty.status_code, too_long.status_code) == (422, 422)
    with w.db.session() as session:
        assert session.scalars(select(IntroductionRequest)).all() == []


def test_a_hidden_organisation_answers_like_a_missing_one(world: World) -> None:
    w = world
    w.set_visibility("safran", "owner")
    hidden = w.ask(MEMBER, "safran")
    missing = w.ask(MEMBER, 99_999)
    assert hidden.status_code == missing.status_code == 404
    assert without_ids(hidden.json(), w.org("safran")) == without_ids(missing.json(), 99_999)
    profile = w.client.get(f"/api/organisations/{w.org('safran')}", headers=w.tokens[MEMBER])
    assert profile.json() == hidden.json()  # the same words as reading it
    assert w.ask(SAFRAN_USER, "leonardo").status_code == 201  # Safran's own users still ask


def test_one_pending_request_per_organisation(world: World) -> None:
    w = world
    first = w.ask(MEMBER, "leonardo").json()
    second = w.ask(MEMBER, "leonardo")
    assert second.status_code == 409 and "already asked" in second.text
    assert w.ask(MEMBER, "safran").status_code == 201  # another organisation is fine
    w.answer(LEONARDO_USER, first["id"], "decline")
    assert w.ask(MEMBER, "leonardo").status_code == 201  # answered: may ask again


def test_a_daily_limit_counting_only_visible_organisations(world: World) -> None:
    w = world
    assert w.ask(MEMBER, "safran").status_code == 201
    for _ in range(DAILY_LIMIT - 1):
        intro = w.ask(MEMBER, "leonardo")
        assert intro.status_code == 201, intro.text
        w.answer(LEONARDO_USER, intro.json()["id"], "decline")
    refused = w.ask(MEMBER, "luxspace")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    # A request to an organisation that became hidden takes no part in any answer.
    w.set_visibility("safran", "owner")
    assert w.ask(MEMBER, "luxspace").status_code == 201
    assert w.ask(MEMBER, "polimi").status_code == 429


def test_only_the_organisation_users_answer(world: World) -> None:
    w = world
    intro = w.ask(MEMBER, "leonardo").json()["id"]
    missing = w.answer(SAFRAN_USER, 99_999, "accept")
    for outsider in (SAFRAN_USER, MEMBER, VIEWER):
        refused = w.answer(outsider, intro, "accept")
        assert refused.status_code == 404
        assert without_ids(refused.json(), intro) == without_ids(missing.json(), 99_999)
    assert w.mine(LEONARDO_USER)["received"][0]["status"] == "pending"
    assert w.client.get("/api/me/introductions").status_code == 401


def test_a_hidden_requester_organisation_is_left_out(world: World) -> None:
    """What Leonardo's user gets is what they would get if Aero Sud did not exist at all."""
    w = world
    w.ask(MEMBER, "leonardo")
    w.set_visibility("aerosud", "owner")
    hidden = w.mine(LEONARDO_USER)
    assert hidden["received"][0]["from_org_id"] is None
    assert hidden["received"][0]["from_org_name"] is None
    assert w.mine(MEMBER)["sent"][0]["from_org_name"] == "Aero Sud Additive"  # their own
    w.delete("aerosud")
    assert w.mine(LEONARDO_USER) == hidden


def test_a_request_to_an_organisation_now_hidden_disappears(world: World) -> None:
    w = world
    w.ask(MEMBER, "safran")
    w.ask(MEMBER, "leonardo")
    w.set_visibility("safran", "owner")
    hidden = w.mine(MEMBER)
    assert [i["to_org_name"] for i in hidden["sent"]] == ["Leonardo S.p.A."]
    w.delete("safran")
    assert w.mine(MEMBER) == hidden


# --- the web pages --------------------------------------------------------------------------


def signed_in(app, email: str) -> TestClient:
    from test_access_web import sign_in

    client = TestClient(app)
    client.__enter__()
    sign_in(client, email)
    return client


def csrf(page) -> str:
    return FORM_TOKEN.search(page.text).group(1)


def test_the_profile_offers_the_action_only_to_who_may_ask(world: World) -> None:
    w = world
    url = f"/organisations/{w.org('leonardo')}?lang=en"
    anonymous = w.client.get(url)
    assert anonymous.status_code == 200 and "data-introduction-form" not in anonymous.text
    for email, shown in ((MEMBER, True), (VIEWER, False), (LEONARDO_USER, False)):
        client = signed_in(w.client.app, email)
        page = client.get(url)
        assert page.status_code == 200
        assert ("data-introduction-form" in page.text) is shown, email
        assert (EN["intro.title"] in page.text) is shown, email
        client.__exit__(None, None, None)


def test_asking_on_the_profile_in_italian(world: World) -> None:
    w = world
    leonardo = w.org("leonardo")
    client = signed_in(w.client.app, MEMBER)
    page = client.get(f"/organisations/{leonardo}?lang=it")
    assert IT["intro.title"] in page.text and IT["intro.send"] in page.text
    form = {"message": "Vorremmo parlarvi di radar.", "csrf_token": csrf(page)}
    sent = client.post(f"/organisations/{leonardo}/introductions", data=form)
    assert sent.status_code == 200 and sent.url.path == f"/organisations/{leonardo}"
    assert "data-introduction-form" not in sent.text
    pending = IT["intro.requested_on"].split("{date}")[0]
    assert pending in sent.text and "data-introduction-pending" in sent.text

    again = client.post(f"/organisations/{leonardo}/introductions", data=form)
    assert again.status_code == 409
    assert (
        IT["errors.intro_already_requested"] in again.text
        and "data-introduction-form" not in again.text
    )
    assert "already asked" not in again.text  # the service's English stays out of the page

    empty = client.post(
        f"/organisations/{w.org('safran')}/introductions",
        data={"message": " ", "csrf_token": form["csrf_token"]},
    )
    assert empty.status_code == 422
    assert IT["intro.message_invalid"].format(max=MESSAGE_MAX) in empty.text
    assert "data-introduction-form" in empty.text

    forged = client.post(
        f"/organisations/{w.org('safran')}/introductions", data={"message": "hi", "csrf_token": "x"}
    )
    assert forged.status_code == 403
    assert len(w.mine(MEMBER)["sent"]) == 1
    client.__exit__(None, None, None)


def test_a_hidden_organisation_page_post_answers_like_a_missing_one(world: World) -> None:
    w = world
    w.set_visibility("safran", "owner")
    client = signed_in(w.client.app, MEMBER)
    token = csrf(client.get("/account"))
    answers = []
    for org_id in (w.org("safran"), 99_999):
        response = client.post(
            f"/organisations/{org_id}/introductions?lang=it",
            data={"message": "Buongiorno", "csrf_token": token},
            headers={"Accept": "text/html"},
        )
        answers.append((response.status_code, re.sub(rf"\b{org_id}\b", "N", response.text)))
    assert answers[0][0] == 404
    assert answers[0] == answers[1]
    client.__exit__(None, None, None)


def test_the_target_answers_on_the_account_page(world: World) -> None:
    w = world
    intro = w.ask(MEMBER, "leonardo").json()["id"]
    client = signed_in(w.client.app, LEONARDO_USER)
    page = client.get("/account?lang=it")
    assert IT["intro.received"] in page.text
    assert "Maria Rossi" in page.text and "Aero Sud Additive" in page.text
    assert "Shall we talk about radar?" in page.text and MEMBER not in page.text
    badge = re.search(r"data-introductions-waiting[^>]*>(\d+)<", page.text)
    assert badge is not None and badge.group(1) == "1"
    assert IT["intro.waiting.one"] in page.text
    done = client.post(f"/introductions/{intro}/accept", data={"csrf_token": csrf(page)})
    assert done.status_code == 200 and done.url.path == "/account"
    assert f'href="mailto:{MEMBER}"' in done.text
    assert "data-introductions-waiting" not in done.text
    twice = client.post(f"/introductions/{intro}/decline", data={"csrf_token": csrf(page)})
    assert twice.status_code == 409 and IT["errors.intro_already_answered"] in twice.text
    client.__exit__(None, None, None)

    requester = signed_in(w.client.app, MEMBER)
    mine = requester.get("/account?lang=en")
    sent = mine.text.split("data-introductions-sent", 1)[1]
    assert "Leonardo S.p.A." in sent and EN["intro.states.accepted"] in sent
    requester.__exit__(None, None, None)


# --- in a browser: the demo's member and investor -------------------------------------------


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Database]]:
    from filiera.demo.load import load_demo
    from support.browser import live_server

    db = Database(f"sqlite:///{tmp_path_factory.mktemp('intro-demo')}/demo.db")
    db.upgrade()
    with db.session() as session:
        load_demo(session, synthetic=12, edf=None, h2020=None)  # no EU data: faster
    with live_server(create_app(db)) as base:
        yield base, db
    db.dispose()


def org_named(db: Database, name: str) -> int:
    with db.session() as session:
        return session.scalar(select(Organisation.id).where(Organisation.name == name))


def _browser_sign_in(page, base: str, email: str, next_url: str) -> None:
    from filiera.demo.access import DEMO_PASSWORD

    page.goto(f"{base}/sign-in?next={next_url}")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("form[action='/sign-in'] button[type=submit]").click()
    page.wait_for_url(f"{base}{next_url}")


@pytest.mark.browser
def test_demo_member_asks_the_investor_who_accepts(
    browser: Browser, demo_site: tuple[str, Database]
) -> None:
    from playwright.sync_api import expect

    from support.browser import collect_console_errors

    base, db = demo_site
    tholus = org_named(db, "Tholus Capital")
    profile = f"/organisations/{tholus}"

    member = browser.new_context(locale="it-IT").new_page()
    errors = collect_console_errors(member)
    member.goto(f"{base}/?lang=it")
    _browser_sign_in(member, base, "member@filiera.demo", profile)
    box = member.locator("[data-introduction-box]")
    expect(box.get_by_role("heading")).to_have_text(IT["intro.title"])
    member.get_by_label(IT["intro.message"]).fill("Siamo una PMI della difesa: possiamo parlarne?")
    box.get_by_role("button", name=IT["intro.send"]).click()
    expect(member.locator("[data-introduction-pending]")).to_contain_text(
        IT["intro.requested_on"].split("{date}")[0]
    )
    expect(member.locator("[data-introduction-form]")).to_have_count(0)
    assert errors == []

    investor = browser.new_context(locale="it-IT").new_page()
    investor.goto(f"{base}/?lang=it")
    _browser_sign_in(investor, base, "investor@filiera.demo", "/")
    expect(investor.locator("[data-introductions-waiting]")).to_have_text("1")
    investor.locator("[data-introductions-waiting]").click()
    received = investor.locator("[data-introductions-received]")
    expect(received).to_contain_text("Demo member user")
    expect(received).to_contain_text("Siamo una PMI della difesa")
    expect(received.locator("[data-requester-email]")).to_have_count(0)
    received.get_by_role("button", name=IT["intro.accept"]).click()
    expect(received.locator("[data-requester-email]")).to_have_text("member@filiera.demo")
    expect(received.locator("[data-intro-status]")).to_have_text(IT["intro.states.accepted"])
    expect(investor.locator("[data-introductions-waiting]")).to_have_count(0)

    member.goto(f"{base}/account")
    sent = member.locator("[data-introductions-sent]")
    expect(sent).to_contain_text("Tholus Capital")
    expect(sent).to_contain_text(IT["intro.states.accepted"])
    for page in (member, investor):
        page.context.close()


@pytest.mark.browser
def test_demo_viewer_gets_no_action(browser: Browser, demo_site: tuple[str, Database]) -> None:
    from playwright.sync_api import expect

    base, db = demo_site
    tholus = org_named(db, "Tholus Capital")
    page = browser.new_context().new_page()
    page.goto(f"{base}/?lang=it")
    _browser_sign_in(page, base, "viewer@filiera.demo", f"/organisations/{tholus}")
    expect(page.locator("h1")).to_have_text("Tholus Capital")
    expect(page.locator("[data-introduction-box]")).to_have_count(0)
    page.context.close()
