"""Account hygiene: a password change ends the other ways in; back-off per account and address.

Every test runs on SQLite and PostgreSQL (the `db_url` fixture) except the browser check.
Clients get their own address with `TestClient(app, client=(address, port))`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select, text, update
from typer.testing import CliRunner

from filiera.access import accounts, backoff, secrets_
from filiera.access.models import ApiToken, SignInBackoff, User, WebSession
from filiera.app import create_app
from filiera.cli.main import app as cli_app
from filiera.db import Database
from filiera.errors import Unauthorized
from filiera.registry.models import utcnow
from filiera.settings import Settings
from filiera.web.i18n import COOKIE, strings
from support.auth import PASSWORD, bearer, token_for

ADMIN = "admin@hygiene.example"
MEMBER = "member@hygiene.example"
NEW_PASSWORD = "a brand new passphrase 2027"
HOME, CAFE, OFFICE = "10.0.0.1", "10.0.0.2", "2001:db8::7"
EN, IT = strings("en"), strings("it")
LOGIN_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
META_TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)">')
SIGN_IN_ERROR = re.compile(r"data-sign-in-error>([^<]+)<")
# plenty of attempts per minute: these tests are about the back-off, not the rate limiter
RELAXED = {"sign_in_per_minute": 1000}


@pytest.fixture(autouse=True)
def fast_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2 parameters: these tests are about the flow, not the hash's cost."""
    fast = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(secrets_, "hasher", lambda: fast)


@dataclass
class Site:
    """A database with an admin and a member; clients at chosen client addresses."""

    db: Database
    admin_id: int
    member_id: int

    def client(self, address: str = HOME, **settings) -> TestClient:
        app = create_app(self.db, Settings(**(RELAXED | settings)))
        return TestClient(app, client=(address, 50000))


@pytest.fixture
def site(db_url: str) -> Iterator[Site]:
    db = Database(db_url)
    db.ensure_ready()
    with db.session() as session:
        admin = accounts.add_user(session, ADMIN, "Ada Admin", PASSWORD, role="admin")
        member = accounts.add_user(session, MEMBER, "Mo Member", PASSWORD, role="member")
        ids = admin.id, member.id
    yield Site(db, *ids)
    db.dispose()


# --- helpers ----------------------------------------------------------------------------------


def post_sign_in(client: TestClient, email: str, password: str) -> Response:
    """Submit the real sign-in form (GET it first for its signed CSRF cookie)."""
    token = LOGIN_TOKEN.search(client.get("/sign-in").text).group(1)
    form = {"email": email, "password": password, "csrf_token": token, "next": "/"}
    return client.post("/sign-in", data=form, follow_redirects=False)


def signed_in(response: Response) -> bool:
    """Whether a sign-in answer signed the browser in (or showed the one generic failure)."""
    if response.status_code == 303:
        return True
    assert response.status_code == 401, response.text[:300]
    assert SIGN_IN_ERROR.search(response.text).group(1) == EN["access.sign_in_failed"]
    return False


def sign_in(client: TestClient, email: str = MEMBER, password: str = PASSWORD) -> str:
    """Sign `client` in; return its session's CSRF token."""
    assert signed_in(post_sign_in(client, email, password))
    return META_TOKEN.search(client.get("/account").text).group(1)


def me(client: TestClient, **kwargs) -> Response:
    return client.get("/api/me", **kwargs)


def who(client: TestClient) -> int | None:
    """The user id the client's session cookie signs in, if any."""
    response = me(client)
    assert response.status_code == 200, response.text
    return response.json()["user_id"]


def new_token(site: Site, email: str = MEMBER, name: str = "laptop") -> str:
    with site.db.session() as session:
        user = accounts.get_user(session, email)
        return accounts.create_token(session, Settings(), user, name).secret


def credentials(site: Site, user_id: int) -> tuple[list, list]:
    """(ended_at of each web session, revoked_at of each token) of a user, by id."""
    with site.db.session() as session:
        webs = session.scalars(
            select(WebSession.ended_at).where(WebSession.user_id == user_id).order_by(WebSession.id)
        ).all()
        tokens = session.scalars(
            select(ApiToken.revoked_at).where(ApiToken.user_id == user_id).order_by(ApiToken.id)
        ).all()
    return list(webs), list(tokens)


def pairs(site: Site) -> dict[str, SignInBackoff]:
    """The back-off rows of the member, by address."""
    with site.db.session() as session:
        rows = session.scalars(
            select(SignInBackoff).where(SignInBackoff.user_id == site.member_id)
        ).all()
        return {row.address: row for row in rows}


def assert_signed_out_everywhere(site: Site, cookie_client: TestClient, *tokens: str) -> None:
    """An old session cookie is anonymous now; old tokens get 401."""
    assert who(cookie_client) is None
    for secret in tokens:
        refused = me(TestClient(cookie_client.app), headers=bearer(secret))
        assert refused.status_code == 401, refused.text
        assert refused.json()["error"]["code"] == "unauthorized"


# --- password changes end the other ways in ---------------------------------------------------


def test_cli_password_ends_sessions_and_revokes_tokens(site: Site) -> None:
    secret = new_token(site)
    with site.client(HOME) as browser, site.client(CAFE) as guesser:
        sign_in(browser)
        for _ in range(5):
            assert not signed_in(post_sign_in(guesser, MEMBER, "wrong password!!"))
        assert pairs(site)[CAFE].blocked_until is not None
        result = CliRunner().invoke(
            cli_app,
            ["user", "password", MEMBER, "--password-stdin", "--db", site.db.url],
            input=NEW_PASSWORD + "\n",
        )
        assert result.exit_code == 0, result.output
        assert result.stdout.strip() == f"password changed for {MEMBER}"
        assert "1 web session signed out, 1 API token revoked" in result.stdout + result.stderr
        assert_signed_out_everywhere(site, browser, secret)
        assert pairs(site) == {}  # a new password clears the back-offs
        assert not signed_in(post_sign_in(browser, MEMBER, PASSWORD))
        assert signed_in(post_sign_in(guesser, MEMBER, NEW_PASSWORD))
    webs, tokens = credentials(site, site.member_id)
    assert webs[0] is not None and webs[1] is None and all(tokens)


def test_admin_password_reset_ends_sessions_and_revokes_tokens(site: Site) -> None:
    secret, spare = new_token(site), new_token(site, name="spare")
    admin = token_for(site.db, "robot@hygiene.example", role="admin")
    with site.client() as browser:
        sign_in(browser)
        patch = browser.patch(
            f"/api/users/{site.member_id}", json={"password": "short"}, headers=bearer(admin)
        )
        assert patch.status_code == 422
        assert [d["field"] for d in patch.json()["error"]["details"]] == ["password"]
        assert who(browser) == site.member_id  # a refused change ends nothing
        done = browser.patch(
            f"/api/users/{site.member_id}", json={"password": NEW_PASSWORD}, headers=bearer(admin)
        )
        assert done.status_code == 200, done.text
        change = done.json()["password_change"]
        assert (change["sessions_ended"], change["tokens_revoked"]) == (1, 2)
        assert "1 web session(s) signed out, 2 API token(s) revoked" in change["message"]
        assert_signed_out_everywhere(site, browser, secret, spare)
        assert me(browser, headers=bearer(admin)).json()["email"] == "robot@hygiene.example"
        renamed = browser.patch(
            f"/api/users/{site.member_id}", json={"name": "M"}, headers=bearer(admin)
        )
        assert renamed.json()["password_change"] is None
        assert signed_in(post_sign_in(browser, MEMBER, NEW_PASSWORD))


def test_api_password_change_needs_the_current_password(site: Site) -> None:
    caller, other = new_token(site), new_token(site, name="ci")
    with site.client(HOME) as browser, site.client(CAFE) as api:
        sign_in(browser)
        anonymous = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
        assert api.post("/api/me/password", json=anonymous).status_code == 401
        body = {"current_password": "not my password!", "new_password": "short"}
        wrong = api.post("/api/me/password", json=body, headers=bearer(caller))
        assert wrong.status_code == 422
        error = wrong.json()["error"]
        assert error["code"] == "validation_failed"
        details = {d["field"]: d["message"] for d in error["details"]}
        assert details == {
            "current_password": accounts.WRONG_CURRENT,
            "new_password": accounts.TOO_SHORT,
        }
        assert who(browser) == site.member_id  # nothing ended
        assert me(api, headers=bearer(caller)).json()["email"] == MEMBER
        same = {"current_password": PASSWORD, "new_password": PASSWORD}
        refused = api.post("/api/me/password", json=same, headers=bearer(caller))
        assert refused.json()["error"]["details"][0]["field"] == "new_password"
        good = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
        done = api.post("/api/me/password", json=good, headers=bearer(caller))
        assert done.status_code == 200, done.text
        answer = done.json()
        assert (answer["sessions_ended"], answer["tokens_revoked"]) == (1, 2)
        assert answer["message"].startswith("password changed")
        assert_signed_out_everywhere(site, browser, caller, other)  # the caller's token too
        assert not signed_in(post_sign_in(api, MEMBER, PASSWORD))
        assert signed_in(post_sign_in(api, MEMBER, NEW_PASSWORD))


def test_api_password_change_by_session_keeps_that_session(site: Site) -> None:
    with site.client(HOME) as here, site.client(CAFE) as there:
        csrf = sign_in(here)
        sign_in(there)
        body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
        assert here.post("/api/me/password", json=body).status_code == 403  # no CSRF header
        done = here.post("/api/me/password", json=body, headers={"X-CSRF-Token": csrf})
        assert done.status_code == 200, done.text
        assert (done.json()["sessions_ended"], done.json()["tokens_revoked"]) == (1, 0)
        assert who(here) == site.member_id
        assert who(there) is None
    webs, _ = credentials(site, site.member_id)
    assert webs[0] is None and webs[1] is not None


def account_post(client: TestClient, csrf: str, current: str, new: str, again: str) -> Response:
    form = {
        "current_password": current,
        "new_password": new,
        "new_password_again": again,
        "csrf_token": csrf,
    }
    return client.post("/account/password", data=form)


def field_errors(page: Response) -> dict[str, str]:
    found = re.findall(r'data-field-error="([a-z_]+)">([^<]+)<', page.text)
    return dict(found)


def test_password_change_on_the_account_page(site: Site) -> None:
    secret = new_token(site)
    with site.client(HOME) as here, site.client(CAFE) as there:
        csrf = sign_in(here)
        sign_in(there)
        page = here.get("/account")
        assert "data-password-form" in page.text and 'name="new_password_again"' in page.text
        forged = account_post(here, "not-the-token", PASSWORD, NEW_PASSWORD, NEW_PASSWORD)
        assert forged.status_code == 403
        wrong = account_post(here, csrf, "not my password!", NEW_PASSWORD, NEW_PASSWORD + "x")
        assert wrong.status_code == 422
        assert field_errors(wrong) == {
            "current_password": EN["access.password_wrong"],
            "new_password_again": EN["access.password_mismatch"],
        }
        assert 'aria-describedby="current_password-error"' in wrong.text
        short = account_post(here, csrf, PASSWORD, "short", "short")
        assert field_errors(short) == {
            "new_password": EN["access.password_too_short"].format(min=12)
        }
        here.cookies.set(COOKIE, "it")
        italian = account_post(here, csrf, "not my password!", NEW_PASSWORD, NEW_PASSWORD)
        assert field_errors(italian) == {"current_password": IT["access.password_wrong"]}
        here.cookies.set(COOKIE, "en")
        assert who(there) == site.member_id and credentials(site, site.member_id)[1] == [None]
        done = account_post(here, csrf, PASSWORD, NEW_PASSWORD, NEW_PASSWORD)
        assert done.status_code == 200
        notice = EN["access.password_changed"].format(sessions=1, tokens=1)
        assert f"data-password-changed>{notice}<" in done.text
        assert who(here) == site.member_id  # this browser stays signed in
        assert_signed_out_everywhere(site, there, secret)
    webs, tokens = credentials(site, site.member_id)
    assert webs[0] is None and webs[1] is not None and tokens[0] is not None


# --- back-off per (account, address) ----------------------------------------------------------


def test_wrong_passwords_hold_back_the_address_not_the_account(site: Site) -> None:
    with site.client(CAFE, max_failed_sign_ins=3) as attacker:
        for _ in range(3):
            assert not signed_in(post_sign_in(attacker, MEMBER, "wrong password!!"))
        assert not signed_in(post_sign_in(attacker, MEMBER, PASSWORD))  # even the right one
        token = attacker.post(
            "/api/auth/token", json={"email": MEMBER, "password": PASSWORD, "name": "x"}
        )
        assert token.status_code == 401
        with site.client(HOME, max_failed_sign_ins=3) as owner:
            assert signed_in(post_sign_in(owner, MEMBER, PASSWORD))
            api = owner.post(
                "/api/auth/token", json={"email": MEMBER, "password": PASSWORD, "name": "x"}
            )
            assert api.status_code == 201
        with site.client(OFFICE, max_failed_sign_ins=3) as elsewhere:
            assert signed_in(post_sign_in(elsewhere, MEMBER, PASSWORD))
        assert not signed_in(post_sign_in(attacker, MEMBER, PASSWORD))  # still waiting
    held = pairs(site)
    assert set(held) == {CAFE}
    assert held[CAFE].failures == 3  # tries while waiting are not counted
    until = held[CAFE].blocked_until
    assert utcnow() + timedelta(minutes=14) < until <= utcnow() + timedelta(minutes=15)
    with site.db.session() as session:
        assert session.get(User, site.member_id).locked_until is None


def expire_wait(site: Site, address: str) -> None:
    """Pretend the current wait of `address` on the member is over."""
    with site.db.session() as session:
        session.execute(
            update(SignInBackoff)
            .where(SignInBackoff.address == address)
            .values(blocked_until=utcnow() - timedelta(seconds=1))
        )


def wait_minutes(site: Site, address: str, before: datetime) -> float:
    until = pairs(site)[address].blocked_until
    return (until - before).total_seconds() / 60


def fail(site: Site, settings: Settings, address: str, password: str = "wrong password!!"):
    with pytest.raises(Unauthorized) as refused:
        accounts.authenticate(site.db, settings, MEMBER, password, address)
    assert refused.value.message == accounts.GENERIC_FAILURE


def test_the_wait_doubles_and_is_capped(site: Site) -> None:
    settings = Settings(max_failed_sign_ins=2, lockout_minutes=10, lockout_max_minutes=35)
    fail(site, settings, OFFICE)
    assert pairs(site)[OFFICE].blocked_until is None
    waits = []
    for _ in range(4):
        before = utcnow()
        fail(site, settings, OFFICE)
        waits.append(round(wait_minutes(site, OFFICE, before)))
        fail(site, settings, OFFICE, PASSWORD)  # refused while waiting, not counted
        expire_wait(site, OFFICE)
    assert waits == [10, 20, 35, 35]
    assert pairs(site)[OFFICE].failures == 5
    assert [backoff.delay_minutes(settings, n) for n in (0, 1, 2, 3, 4, 10**6)] == [
        0,
        0,
        10,
        20,
        35,
        35,
    ]
    assert accounts.authenticate(site.db, settings, MEMBER, PASSWORD, OFFICE) == site.member_id


def test_a_right_password_resets_its_address(site: Site) -> None:
    settings = Settings(max_failed_sign_ins=3)
    for address in (HOME, CAFE):
        fail(site, settings, address)
        fail(site, settings, address)
    assert {a: p.failures for a, p in pairs(site).items()} == {HOME: 2, CAFE: 2}
    assert accounts.authenticate(site.db, settings, MEMBER, PASSWORD, HOME) == site.member_id
    assert {a: p.failures for a, p in pairs(site).items()} == {CAFE: 2}  # only that pair
    fail(site, settings, HOME)
    fail(site, settings, HOME)
    assert accounts.authenticate(site.db, settings, MEMBER, PASSWORD, HOME)  # not 3 in a row
    fail(site, settings, CAFE)  # the third in a row: CAFE waits
    fail(site, settings, CAFE, PASSWORD)
    expire_wait(site, CAFE)
    assert accounts.authenticate(site.db, settings, MEMBER, PASSWORD, CAFE)  # after the wait
    assert pairs(site) == {}


def test_every_failure_answers_alike_and_costs_one_verification(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(max_failed_sign_ins=1)
    with site.db.session() as session:
        accounts.set_active(session, accounts.get_user(session, ADMIN), False)
    fail(site, settings, CAFE)  # the member's address CAFE waits now
    calls = []
    real = accounts.verify_password
    monkeypatch.setattr(
        accounts, "verify_password", lambda *args: calls.append(args) or real(*args)
    )
    cases = {
        "unknown account": ("nobody@hygiene.example", PASSWORD, HOME),
        "wrong password": (MEMBER, "wrong password!!", HOME),
        "address backed off": (MEMBER, PASSWORD, CAFE),
        "account disabled": (ADMIN, PASSWORD, HOME),
    }
    for case, (email, password, address) in cases.items():
        calls.clear()
        with pytest.raises(Unauthorized) as refused:
            accounts.authenticate(site.db, settings, email, password, address)
        assert (refused.value.status, refused.value.message) == (401, accounts.GENERIC_FAILURE)
        assert len(calls) == 1, case
    with site.db.engine.connect() as conn:
        reasons = conn.execute(
            text("SELECT detail FROM audit_event WHERE action = 'sign_in_failed' ORDER BY id")
        ).scalars()
        assert list(reasons)[-4:] == [
            "unknown account",
            "wrong password; address waits 15 min",
            "address backed off",
            "account disabled",
        ]


def test_migration_0006_lifts_old_account_locks(db_url: str) -> None:
    db = Database(db_url)
    db.upgrade("0005")
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO app_user (email, name, role, password_hash, active, "
                "failed_sign_ins, locked_until, created_at) VALUES ('old@hygiene.example', "
                "'Old', 'viewer', 'x', :yes, 4, :until, :now)"
            ),
            {"yes": True, "until": utcnow() + timedelta(days=1), "now": utcnow()},
        )
    db.upgrade()
    with db.engine.connect() as conn:
        row = conn.execute(text("SELECT failed_sign_ins, locked_until FROM app_user")).one()
        assert tuple(row) == (0, None)
        assert conn.execute(text("SELECT count(*) FROM sign_in_backoff")).scalar_one() == 0
    db.dispose()


# --- the form in a real browser ---------------------------------------------------------------


@pytest.mark.browser
def test_password_form_in_chromium(browser, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    from support.browser import live_server

    db = Database(f"sqlite:///{tmp_path}/browser.db")
    db.ensure_ready()
    with db.session() as session:
        accounts.add_user(session, MEMBER, "Mo Member", PASSWORD, role="member")
    context = browser.new_context()
    try:
        page = context.new_page()
        with live_server(create_app(db, Settings(**RELAXED))) as base:
            page.goto(f"{base}/sign-in?lang=en&next=/account")
            page.fill("input[name=email]", MEMBER)
            page.fill("input[name=password]", PASSWORD)
            page.locator("form[action='/sign-in'] button[type=submit]").click()
            page.wait_for_url(f"{base}/account")
            form = page.locator("form[data-password-form]")
            form.locator("input[name=current_password]").fill("not my password!")
            form.locator("input[name=new_password]").fill(NEW_PASSWORD)
            form.locator("input[name=new_password_again]").fill(NEW_PASSWORD)
            form.locator("button[type=submit]").click()
            error = page.locator("[data-field-error=current_password]")
            expect(error).to_have_text(EN["access.password_wrong"])
            form.locator("input[name=current_password]").fill(PASSWORD)
            form.locator("input[name=new_password]").fill(NEW_PASSWORD)
            form.locator("input[name=new_password_again]").fill(NEW_PASSWORD)
            form.locator("button[type=submit]").click()
            notice = EN["access.password_changed"].format(sessions=0, tokens=0)
            expect(page.locator("[data-password-changed]")).to_have_text(notice)
            page.goto(f"{base}/account")
            expect(page.locator("[data-signed-in]")).to_have_text(MEMBER)
    finally:
        context.close()
        db.dispose()


def test_admins_see_which_accounts_have_addresses_backed_off(site: Site) -> None:
    """`GET /api/users`, the users page and `filiera user list` show the waiting addresses."""
    from typer.testing import CliRunner

    from filiera.cli.main import app as cli_app

    with site.client(CAFE, max_failed_sign_ins=2) as attacker:
        for _ in range(2):
            post_sign_in(attacker, MEMBER, "wrong password!!")
    token = new_token(site, ADMIN, "admin")
    with site.client(HOME) as admin:
        listed = admin.get("/api/users", headers={"Authorization": f"Bearer {token}"}).json()
        rows = {u["email"]: u for u in listed}
        assert rows[MEMBER]["waiting_addresses"] == 1 and rows[MEMBER]["locked_until"]
        assert rows[ADMIN]["waiting_addresses"] == 0 and rows[ADMIN]["locked_until"] is None
        sign_in(admin, ADMIN)
        page = admin.get("/users")
        assert page.text.count("data-backoff") == 1 and "1 address backed off" in page.text
    url = str(site.db.engine.url.render_as_string(hide_password=False))
    result = CliRunner().invoke(cli_app, ["user", "list", "--json", "--db", url])
    shown = {u["email"]: u["waiting_addresses"] for u in json.loads(result.stdout)}
    assert shown == {ADMIN: 0, MEMBER: 1}
