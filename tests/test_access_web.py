"""Sign-in, sessions, CSRF, back-off, rate limits and the account page, through TestClient."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select

from filiera.access import accounts, audit, secrets_
from filiera.access.models import ApiToken, SignInBackoff, User, WebSession
from filiera.app import create_app
from filiera.db import Database
from filiera.errors import ConfigurationError
from filiera.http.auth import SESSION_COOKIE
from filiera.registry.models import utcnow
from filiera.settings import Settings
from filiera.web.account_pages import LOGIN_CSRF_COOKIE
from filiera.web.i18n import strings
from support.auth import PASSWORD, bearer, token_for
from support.dataset import Dataset, build

ADMIN = "admin@access.example"
MEMBER = "member@access.example"
LONG_SECRET = "k" * 48
FORM_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
META_TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)">')
ERROR_TEXT = re.compile(r"data-sign-in-error>([^<]+)<")
NEW_TOKEN = re.compile(r"data-new-token>([^<]+)<")
GENERIC_MESSAGE = strings("en")["access.sign_in_failed"]
BROWSER = {"Accept": "text/html,application/xhtml+xml"}


@pytest.fixture(autouse=True)
def fast_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2 parameters: these tests are about the flow, not the hash's cost."""
    fast = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(secrets_, "hasher", lambda: fast)


@dataclass
class Site:
    """A database with the fixture registry and two accounts (admin, member of Polimi)."""

    db: Database
    data: Dataset
    admin_id: int
    member_id: int

    def client(self, settings: Settings | None = None) -> TestClient:
        return TestClient(create_app(self.db, settings or Settings()))


@pytest.fixture
def site(db_url: str) -> Iterator[Site]:
    db = Database(db_url)
    data = build(db)
    with db.session() as session:
        admin = accounts.add_user(session, ADMIN, "Ada Admin", PASSWORD, role="admin")
        member = accounts.add_user(
            session, MEMBER, "Mo Member", PASSWORD, role="member", org_ids=[data.orgs["polimi"]]
        )
        ids = admin.id, member.id
    yield Site(db, data, *ids)
    db.dispose()


# --- helpers ----------------------------------------------------------------------------------


def form_token(client: TestClient) -> str:
    """GET the sign-in form (which also sets the signed login cookie); return its token."""
    page = client.get("/sign-in")
    assert page.status_code == 200, page.text
    return FORM_TOKEN.search(page.text).group(1)


def post_sign_in(
    client: TestClient, email: str, password: str = PASSWORD, next_url: str = "/"
) -> Response:
    token = form_token(client)
    form = {"email": email, "password": password, "csrf_token": token, "next": next_url}
    return client.post("/sign-in", data=form, follow_redirects=False)


def sign_in(client: TestClient, email: str) -> str:
    """Sign `client` in as `email`; return the session's CSRF token (from a page's meta tag)."""
    response = post_sign_in(client, email)
    assert response.status_code == 303, response.text
    return page_csrf(client)


def page_csrf(client: TestClient) -> str:
    page = client.get("/account")
    assert page.status_code == 200, page.text
    return META_TOKEN.search(page.text).group(1)


def set_cookie(response: Response, name: str) -> str | None:
    """The raw Set-Cookie header `response` sends for cookie `name`, if any."""
    for header in response.headers.get_list("set-cookie"):
        if header.startswith(f"{name}="):
            return header
    return None


def cookie_attributes(header: str) -> set[str]:
    return {part.strip().split("=")[0].lower() for part in header.split(";")[1:]}


def me(client: TestClient, **kwargs) -> dict:
    response = client.get("/api/me", **kwargs)
    assert response.status_code == 200, response.text
    return response.json()


def with_cookie(client: TestClient, cookie: str) -> dict:
    """/api/me as a brand-new browser that only sends `cookie` as its session."""
    fresh = TestClient(client.app)
    return me(fresh, headers={"Cookie": f"{SESSION_COOKIE}={cookie}"})


def events(db: Database, action: str, entity_id: int | None = None) -> list:
    with db.session() as session:
        query = audit.AuditQuery(action=action, entity="user", entity_id=entity_id)
        return [audit.as_dict(e) for e in audit.search(session, query)]


def token_count(db: Database, user_id: int) -> int:
    with db.session() as session:
        stmt = select(func.count()).select_from(ApiToken).where(ApiToken.user_id == user_id)
        return session.scalar(stmt)


# --- CSRF -------------------------------------------------------------------------------------


def test_sign_in_needs_the_form_token_and_its_cookie(site: Site) -> None:
    with site.client() as client:
        good = form_token(client)
        other_browser = form_token(TestClient(client.app))
        form = {"email": MEMBER, "password": PASSWORD, "next": "/"}
        cases = {"no token": "", "wrong token": good + "x", "another form's token": other_browser}
        for case, token in cases.items():
            refused = client.post("/sign-in", data=form | {"csrf_token": token})
            assert refused.status_code == 403, case
            assert set_cookie(refused, SESSION_COOKIE) is None, case
        client.cookies.delete(LOGIN_CSRF_COOKIE)
        no_cookie = client.post("/sign-in", data=form | {"csrf_token": good})
        assert no_cookie.status_code == 403
        assert set_cookie(no_cookie, SESSION_COOKIE) is None
        forged = {"Cookie": f"{LOGIN_CSRF_COOKIE}=chosen.{'0' * 32}"}  # unsigned pair
        attacker = TestClient(client.app).post(
            "/sign-in", data=form | {"csrf_token": "chosen"}, headers=forged
        )
        assert attacker.status_code == 403
        assert me(client)["user_id"] is None
        ok = post_sign_in(client, MEMBER)  # the real form still works
        assert ok.status_code == 303 and set_cookie(ok, SESSION_COOKIE)
    assert events(site.db, "sign_in", site.member_id) and not events(site.db, "sign_in_failed")


def test_sign_out_and_token_forms_need_the_session_csrf_token(site: Site) -> None:
    with site.client() as client:
        csrf = sign_in(client, MEMBER)
        for bad in ({}, {"csrf_token": "not-the-token"}):
            out = client.post("/sign-out", data=bad, follow_redirects=False)
            assert out.status_code == 403
            made = client.post("/account/tokens", data={"name": "sneaky"} | bad)
            assert made.status_code == 403
        assert me(client)["user_id"] == site.member_id
        assert token_count(site.db, site.member_id) == 0
        made = client.post("/account/tokens", data={"name": "mine", "csrf_token": csrf})
        assert made.status_code == 201 and token_count(site.db, site.member_id) == 1
        out = client.post("/sign-out", data={"csrf_token": csrf}, follow_redirects=False)
        assert out.status_code == 303
        assert me(client)["user_id"] is None


def test_api_writes_by_cookie_need_the_csrf_header(site: Site) -> None:
    org = site.data.orgs["luxspace"]
    url = f"/api/organisations/{org}"
    with site.client() as client:
        csrf = sign_in(client, ADMIN)
        assert client.patch(url, json={"city": "Bergamo"}).status_code == 403
        wrong = client.patch(url, json={"city": "Bergamo"}, headers={"X-CSRF-Token": "nope"})
        assert wrong.status_code == 403
        assert wrong.json()["error"]["code"] == "forbidden"
        assert client.get(url).json()["city"] == "Betzdorf"
        done = client.patch(url, json={"city": "Bergamo"}, headers={"X-CSRF-Token": csrf})
        assert done.status_code == 200, done.text
        assert done.json()["city"] == "Bergamo"
    token = token_for(site.db, "robot@access.example", role="admin")
    with site.client() as client:
        by_token = client.patch(url, json={"city": "Esch"}, headers=bearer(token))
        assert by_token.status_code == 200, by_token.text
        assert by_token.json()["city"] == "Esch"


# --- sign-in flow -----------------------------------------------------------------------------


def test_sign_in_sets_a_lax_http_only_session_cookie(site: Site) -> None:
    with site.client() as client:
        target = f"/organisations/{site.data.orgs['polimi']}?lang=en"
        response = post_sign_in(client, ADMIN, next_url=target)
        assert response.status_code == 303
        assert response.headers["location"] == target
        header = set_cookie(response, SESSION_COOKIE)
        assert header is not None
        attributes = cookie_attributes(header)
        assert {"httponly", "samesite", "path"} <= attributes
        assert "samesite=lax" in header.lower().replace(" ", "")
        assert "secure" not in attributes  # plain http in development
        assert me(client)["email"] == ADMIN and me(client)["via"] == "session"
    assert events(site.db, "sign_in", site.admin_id)[0]["actor"] == ADMIN


# absolute URLs, scheme-relative ones and what browsers read as such (\ is /, tabs vanish)
OFF_SITE = [
    "https://evil.example/x",
    "//evil.example",
    "http:/evil.example",
    "/\\evil.example",
    "/\t/evil.example",
    "javascript:alert(1)",
]


def test_sign_in_never_redirects_off_site(site: Site) -> None:
    with site.client() as client:
        for target in OFF_SITE:
            page = client.get("/sign-in", params={"next": target})
            hidden = re.search(r'name="next" value="([^"]*)"', page.text).group(1)
            assert hidden == "/", target
            location = post_sign_in(client, MEMBER, next_url=target).headers["location"]
            assert location == "/", (target, location)
        inside = "/organisations?country=IT&kind=prime"
        assert post_sign_in(client, MEMBER, next_url=inside).headers["location"] == inside


@pytest.mark.parametrize(
    "settings",
    [Settings(environment="production", secret_key=LONG_SECRET), Settings(cookie_secure=True)],
    ids=["production", "cookie_secure"],
)
def test_secure_cookies_when_configured(tmp_path: Path, settings: Settings) -> None:
    db = Database(f"sqlite:///{tmp_path}/secure.db")
    db.ensure_ready()
    with db.session() as session:
        accounts.add_user(session, MEMBER, "Mo Member", PASSWORD, role="member")
    with TestClient(create_app(db, settings), base_url="https://testserver") as client:
        form = client.get("/sign-in")
        assert "secure" in cookie_attributes(set_cookie(form, LOGIN_CSRF_COOKIE))
        response = post_sign_in(client, MEMBER)
        assert response.status_code == 303
        assert "secure" in cookie_attributes(set_cookie(response, SESSION_COOKIE))
    db.dispose()


# --- failures, lock-out, audit ----------------------------------------------------------------


def sign_in_error(response: Response) -> tuple[int, str]:
    found = ERROR_TEXT.search(response.text)
    assert found, response.text[:500]
    assert set_cookie(response, SESSION_COOKIE) is None
    return response.status_code, found.group(1)


def test_every_failed_sign_in_looks_the_same(site: Site) -> None:
    with site.db.session() as session:
        disabled = accounts.add_user(session, "gone@access.example", "Gone", PASSWORD)
        accounts.set_active(session, disabled, False)
        waiting = accounts.add_user(session, "locked@access.example", "Locked", PASSWORD)
        until = utcnow() + timedelta(minutes=10)  # TestClient's address is "testclient"
        pair = SignInBackoff(user_id=waiting.id, address="testclient", blocked_until=until)
        session.add(pair)
    attempts = {
        "unknown": ("nobody@access.example", PASSWORD),
        "wrong password": (MEMBER, PASSWORD + "!"),
        "disabled": ("gone@access.example", PASSWORD),
        "backed off": ("locked@access.example", PASSWORD),
    }
    with site.client() as client:
        seen = {case: sign_in_error(post_sign_in(client, *args)) for case, args in attempts.items()}
        assert me(client)["user_id"] is None
    assert set(seen.values()) == {(401, GENERIC_MESSAGE)}, seen
    reasons = {e["actor"]: e["detail"] for e in events(site.db, "sign_in_failed")}
    assert reasons == {
        "nobody@access.example": "unknown account",
        MEMBER: "wrong password",
        "gone@access.example": "account disabled",
        "locked@access.example": "address backed off",
    }


def test_repeated_wrong_passwords_back_off_the_address(site: Site) -> None:
    settings = Settings(max_failed_sign_ins=3, lockout_minutes=15)
    with site.client(settings) as client:
        for _ in range(2):
            sign_in_error(post_sign_in(client, MEMBER, "wrong password!!"))
        with site.db.session() as session:
            pair = session.scalar(select(SignInBackoff))
            assert (pair.address, pair.failures, pair.blocked_until) == ("testclient", 2, None)
        sign_in_error(post_sign_in(client, MEMBER, "wrong password!!"))
        status, message = sign_in_error(post_sign_in(client, MEMBER, PASSWORD))
        assert (status, message) == (401, GENERIC_MESSAGE)
        assert me(client)["user_id"] is None
    with site.db.session() as session:
        blocked_until = session.scalar(select(SignInBackoff.blocked_until))
        assert session.get(User, site.member_id).locked_until is None  # the account is not
    assert blocked_until is not None
    assert utcnow() + timedelta(minutes=14) < blocked_until <= utcnow() + timedelta(minutes=15)
    details = [e["detail"] for e in events(site.db, "sign_in_failed", site.member_id)]
    assert details == [
        "address backed off",
        "wrong password; address waits 15 min",
        "wrong password",
        "wrong password",
    ]
    assert events(site.db, "sign_in", site.member_id) == []


# --- rate limits ------------------------------------------------------------------------------


def test_sign_in_attempts_are_rate_limited(site: Site) -> None:
    with site.client(Settings(sign_in_per_minute=3)) as client:
        for _ in range(3):
            assert post_sign_in(client, MEMBER, "wrong password!!").status_code == 401
        limited = post_sign_in(client, MEMBER, PASSWORD)  # even the right password waits
        assert limited.status_code == 429
        # sliding estimate over two one-minute windows: at most 60 + 60 / limit seconds
        assert 1 <= int(limited.headers["retry-after"]) <= 60 + 60 // 3 + 1
        assert set_cookie(limited, SESSION_COOKIE) is None
        api = client.post(
            "/api/auth/token", json={"email": MEMBER, "password": PASSWORD, "name": "x"}
        )
        assert api.status_code == 429 and int(api.headers["retry-after"]) >= 1
        assert api.json()["error"]["code"] == "too_many_requests"


def test_api_token_requests_are_rate_limited(site: Site) -> None:
    first = token_for(site.db, "one@access.example", role="viewer")
    second = token_for(site.db, "two@access.example", role="viewer")
    with site.client(Settings(api_requests_per_minute=3)) as client:
        for _ in range(3):
            assert client.get("/api/me", headers=bearer(first)).status_code == 200
        limited = client.get("/api/organisations", headers=bearer(first))
        assert limited.status_code == 429
        assert int(limited.headers["retry-after"]) >= 1
        assert limited.json()["error"]["code"] == "too_many_requests"
        assert me(client, headers=bearer(second))["email"] == "two@access.example"  # per token


# --- session lifetime -------------------------------------------------------------------------


def age_session(db: Database, user_id: int, **ages: timedelta) -> None:
    with db.session() as session:
        web = session.scalar(select(WebSession).where(WebSession.user_id == user_id))
        for column, age in ages.items():
            setattr(web, column, utcnow() - age)


MINUTES = {
    # (created_at, last_seen_at) ages in minutes: still valid, then just expired
    "idle": ((25, 25), (31, 31)),
    "max_age": ((110, 1), (121, 1)),
}


@pytest.mark.parametrize("expiry", MINUTES)
def test_expired_sessions_are_anonymous(site: Site, expiry: str) -> None:
    settings = Settings(session_idle_minutes=30, session_max_hours=2)
    valid, expired = MINUTES[expiry]
    with site.client(settings) as client:
        sign_in(client, MEMBER)
        for created, seen in (valid, expired):
            age_session(
                site.db,
                site.member_id,
                created_at=timedelta(minutes=created),
                last_seen_at=timedelta(minutes=seen),
            )
            if (created, seen) == valid:
                assert me(client)["user_id"] == site.member_id
        assert me(client) == {
            "user_id": None,
            "email": None,
            "role": None,
            "organisations": [],
            "clusters": [],
            "via": "anonymous",
        }
        account = client.get("/account", headers=BROWSER, follow_redirects=False)
        assert account.status_code == 303
        assert account.headers["location"] == "/sign-in?next=/account"


def test_sign_out_ends_the_session_on_the_server(site: Site) -> None:
    with site.client() as client:
        csrf = sign_in(client, MEMBER)
        cookie = client.cookies[SESSION_COOKIE]
        assert with_cookie(client, cookie)["user_id"] == site.member_id
        out = client.post("/sign-out", data={"csrf_token": csrf}, follow_redirects=False)
        assert out.status_code == 303 and out.headers["location"] == "/"
        assert "max-age=0" in set_cookie(out, SESSION_COOKIE).lower()
        assert with_cookie(client, cookie)["user_id"] is None  # replaying the old cookie
    with site.db.session() as session:
        web = session.scalar(select(WebSession).where(WebSession.user_id == site.member_id))
        assert web.ended_at is not None
    assert events(site.db, "sign_out", site.member_id)


# --- production -------------------------------------------------------------------------------


def test_production_needs_a_real_secret(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path}/prod.db")
    with pytest.raises(ConfigurationError):
        create_app(db, Settings(environment="production"))
    with pytest.raises(ConfigurationError):
        create_app(db, Settings(environment="production", secret_key="short-but-not-default"))
    app = create_app(db, Settings(environment="production", secret_key=LONG_SECRET))
    with TestClient(app, base_url="https://testserver") as client:
        assert client.get("/sign-in").status_code == 200
    db.dispose()


# --- account page -----------------------------------------------------------------------------


def test_a_new_token_is_shown_once_and_revoking_it_works(site: Site) -> None:
    others = token_for(site.db, "other@access.example", role="viewer")
    with site.db.session() as session:
        other_id = session.scalar(select(ApiToken.id).where(ApiToken.user_id != site.member_id))
    with site.client() as client:
        csrf = sign_in(client, MEMBER)
        created = client.post("/account/tokens", data={"name": "laptop", "csrf_token": csrf})
        assert created.status_code == 201
        assert created.headers["cache-control"] == "no-store"
        secret = NEW_TOKEN.search(created.text).group(1)
        assert secret.startswith("fil_")
        later = client.get("/account")
        assert "laptop" in later.text and secret not in later.text
        assert not NEW_TOKEN.search(later.text)
        assert me(client, headers=bearer(secret))["email"] == MEMBER
        token_id = int(re.search(r'data-token="(\d+)"', later.text).group(1))
        revoke = f"/account/tokens/{token_id}/revoke"
        assert client.post(revoke, follow_redirects=False).status_code == 403
        assert me(client, headers=bearer(secret))["via"] == "token"
        theirs = client.post(f"/account/tokens/{other_id}/revoke", data={"csrf_token": csrf})
        assert theirs.status_code == 404
        assert me(client, headers=bearer(others))["email"] == "other@access.example"
        done = client.post(revoke, data={"csrf_token": csrf}, follow_redirects=False)
        assert done.status_code == 303 and done.headers["location"] == "/account"
        rejected = client.get("/api/me", headers=bearer(secret))
        assert rejected.status_code == 401
        assert rejected.json()["error"]["code"] == "unauthorized"
