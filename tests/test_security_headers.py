"""Security headers on every response, no inline script, and X-Forwarded-For from trusted proxies.

Headers and rate limits run on SQLite and PostgreSQL; the CSP check in Chromium on SQLite.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from types import SimpleNamespace
from typing import TYPE_CHECKING

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from starlette.requests import Request

from filiera.access import secrets_
from filiera.access.models import AuditEvent
from filiera.app import create_app
from filiera.db import Database
from filiera.http.auth import client_address
from filiera.http.headers import CSP
from filiera.settings import Settings
from filiera.web import TEMPLATES_DIR
from support.browser import collect_console_errors, live_server
from support.dataset import build

if TYPE_CHECKING:
    from playwright.sync_api import Page

EXPECTED = {
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "x-content-type-options": "nosniff",
    "content-security-policy": CSP,
}
BROWSER = {"Accept": "text/html,application/xhtml+xml"}
SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
HANDLER = re.compile(r"<[a-zA-Z][^>]*\son[a-zA-Z]+\s*=", re.DOTALL)
FORM_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
JSON_TYPE = re.compile(r"""\stype\s*=\s*["']application/json["']""", re.IGNORECASE)


def directives(policy: str) -> dict[str, list[str]]:
    """A CSP header as {directive: [sources]}."""
    parsed = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        parsed[name] = sources
    return parsed


def inline_scripts(html: str) -> list[str]:
    """Every <script> a browser would execute from the page itself (not src, not JSON data)."""
    found = []
    for attrs, body in SCRIPT.findall(html):
        if JSON_TYPE.search(attrs):
            continue
        if re.search(r"\ssrc\s*=", attrs) and not body.strip():
            continue
        found.append(f"<script{attrs}>{body[:60]}")
    return found


# --- the policy itself ------------------------------------------------------------------------


def test_the_policy_allows_no_inline_script() -> None:
    policy = directives(CSP)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval'
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert not any("unsafe" in s for s in policy["script-src"] + policy["default-src"])


def test_templates_have_no_inline_script_or_event_handler() -> None:
    templates = sorted(TEMPLATES_DIR.rglob("*.html"))
    assert templates
    for path in templates:
        text = path.read_text(encoding="utf-8")
        assert not HANDLER.search(text), f"{path.name}: inline event handler"
        assert "javascript:" not in text.lower(), f"{path.name}: javascript: URL"
        assert inline_scripts(text) == [], f"{path.name}: inline script"


# --- every kind of response carries the headers -----------------------------------------------


@pytest.fixture(scope="module")
def client(module_db_url: str) -> Iterator[TestClient]:
    """The app on the fixture registry, plus a route that fails (a 500)."""
    db = Database(module_db_url)
    build(db)
    app = create_app(db, Settings(max_body_bytes=1000))

    def boom() -> None:
        raise RuntimeError("boom")

    app.add_api_route("/api/boom-for-test", boom)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client
    db.dispose()


RESPONSES = {
    "home page": ("GET", "/", BROWSER, 200),
    "map page": ("GET", "/map", BROWSER, 200),
    "API docs page": ("GET", "/docs", BROWSER, 200),
    "OpenAPI JSON": ("GET", "/openapi.json", {}, 200),
    "API JSON": ("GET", "/api/organisations", {}, 200),
    "static file": ("GET", "/static/filiera.css", {}, 200),
    "Plotly bundle": ("GET", "/static/plotly.min.js", {}, 200),
    "missing static file": ("GET", "/static/nothing.js", {}, 404),
    "404 page": ("GET", "/no-such-page", BROWSER, 404),
    "404 JSON": ("GET", "/api/no-such-endpoint", {}, 404),
    "422 error JSON": ("GET", "/api/organisations?per_page=abc", {}, 422),
    "405 error JSON": ("DELETE", "/api/projects", {}, 405),
    "500 error JSON": ("GET", "/api/boom-for-test", {}, 500),
}


@pytest.mark.parametrize("kind", RESPONSES)
def test_every_response_carries_the_headers(client: TestClient, kind: str) -> None:
    method, path, headers, status = RESPONSES[kind]
    response = client.request(method, path, headers=headers)
    assert response.status_code == status, response.text[:300]
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, f"{kind}: {name}"
    if "text/html" in response.headers.get("content-type", ""):
        assert inline_scripts(response.text) == []


def test_a_refused_body_carries_the_headers(client: TestClient) -> None:
    """413 answered by the body-size middleware before any route runs."""
    response = client.post(
        "/api/match", content=b"x" * 2000, headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 413
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value


# --- the client address -----------------------------------------------------------------------


def request_from(peer: str, forwarded: list[str], trusted: list[str]) -> Request:
    """A bare request from `peer` with X-Forwarded-For lines, on an app trusting `trusted`."""
    app = SimpleNamespace(state=SimpleNamespace(settings=Settings(trusted_proxies=trusted)))
    headers = [(b"x-forwarded-for", line.encode()) for line in forwarded]
    scope = {"type": "http", "client": (peer, 4000), "headers": headers, "app": app}
    return Request(scope)


ADDRESS_CASES = [
    # (peer, X-Forwarded-For lines, trusted proxies, the client address)
    ("203.0.113.9", ["198.51.100.1"], [], "203.0.113.9"),
    ("10.0.0.1", ["198.51.100.1"], [], "10.0.0.1"),
    ("203.0.113.9", ["198.51.100.1"], ["10.0.0.0/8"], "203.0.113.9"),
    ("10.0.0.1", ["198.51.100.1"], ["10.0.0.1"], "198.51.100.1"),
    ("10.0.0.1", ["spoof, 1.2.3.4, 198.51.100.1, 10.0.0.2"], ["10.0.0.0/8"], "198.51.100.1"),
    ("10.0.0.1", ["1.2.3.4", "198.51.100.1"], ["10.0.0.0/8"], "198.51.100.1"),
    ("10.0.0.1", ["10.0.0.3, 10.0.0.2"], ["10.0.0.0/8"], "10.0.0.3"),
    ("10.0.0.1", ["198.51.100.1, not-an-ip"], ["10.0.0.0/8"], "10.0.0.1"),
    ("10.0.0.1", [], ["10.0.0.0/8"], "10.0.0.1"),
    ("2001:db8::1", ["2001:0db8:0:0::7"], ["2001:db8::/64"], "2001:db8::7"),
]


@pytest.mark.parametrize(("peer", "forwarded", "trusted", "expected"), ADDRESS_CASES)
def test_forwarded_for_is_read_only_from_trusted_proxies(
    peer: str, forwarded: list[str], trusted: list[str], expected: str
) -> None:
    assert client_address(request_from(peer, forwarded, trusted)) == expected


def test_trusted_proxies_setting_reads_a_list_and_refuses_garbage(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert Settings().trusted_proxies == []
    monkeypatch.setenv("FILIERA_TRUSTED_PROXIES", "10.0.0.1, 192.168.0.0/16 ::1")
    assert Settings().trusted_proxies == ["10.0.0.1", "192.168.0.0/16", "::1"]
    monkeypatch.setenv("FILIERA_TRUSTED_PROXIES", "10.0.0.1,proxy.example")
    with pytest.raises(ValueError, match="proxy.example"):
        Settings()


# --- the sign-in rate limit and a rotating X-Forwarded-For ------------------------------------


@pytest.fixture
def database(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """An empty database, with cheap argon2 (unknown accounts still cost one verification)."""
    fast = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(secrets_, "hasher", lambda: fast)
    db = Database(db_url)
    db.ensure_ready()
    yield db
    db.dispose()


def limited_app(db: Database, trusted: list[str]) -> FastAPI:
    return create_app(db, Settings(sign_in_per_minute=3, trusted_proxies=trusted))


def api_sign_in(client: TestClient, n: int, forwarded: str) -> int:
    """Ask for a token as a new unknown account (so only the per-address limit can bite)."""
    body = {"email": f"nobody{n}@example.eu", "password": "not the password", "name": "x"}
    headers = {"X-Forwarded-For": forwarded}
    return client.post("/api/auth/token", json=body, headers=headers).status_code


def form_sign_in(client: TestClient, n: int, forwarded: str) -> int:
    """The same through the sign-in form (with its CSRF token and cookie)."""
    headers = {"X-Forwarded-For": forwarded}
    token = FORM_TOKEN.search(client.get("/sign-in", headers=headers).text).group(1)
    form = {"email": f"nobody{n}@example.eu", "password": "wrong", "csrf_token": token}
    return client.post("/sign-in", data=form, headers=headers).status_code


@pytest.mark.parametrize("sign_in", [api_sign_in, form_sign_in], ids=["api", "form"])
def test_rotating_forwarded_for_does_not_bypass_the_limit(database: Database, sign_in) -> None:
    for peer in ("testclient", "10.0.0.1"):
        with TestClient(limited_app(database, []), client=(peer, 4000)) as client:
            statuses = [sign_in(client, n, f"198.51.100.{n}") for n in range(6)]
        assert statuses == [401, 401, 401, 429, 429, 429], peer


@pytest.mark.parametrize("sign_in", [api_sign_in, form_sign_in], ids=["api", "form"])
def test_a_trusted_proxy_forwards_the_client_address(database: Database, sign_in) -> None:
    app = limited_app(database, ["10.0.0.0/8"])
    with TestClient(app, client=("10.0.0.1", 4000)) as client:
        # six clients behind the proxy: each has its own allowance
        assert [sign_in(client, n, f"198.51.100.{n}") for n in range(6)] == [401] * 6
        # one client rotating what it writes itself: the proxy's entry is what counts
        rotating = [sign_in(client, n, f"192.0.2.{n}, 203.0.113.50") for n in range(6, 12)]
        assert rotating == [401, 401, 401, 429, 429, 429]
    with database.session() as session:
        stmt = select(AuditEvent.address).where(AuditEvent.action == "sign_in_failed")
        addresses = set(session.scalars(stmt))
    assert addresses == {f"198.51.100.{n}" for n in range(6)} | {"203.0.113.50"}


# --- in Chromium: charts draw under the policy ------------------------------------------------


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = Database(f"sqlite:///{tmp_path_factory.mktemp('csp')}/site.db")
    build(db)
    with live_server(create_app(db)) as base:
        yield base
    db.dispose()


@pytest.mark.browser
@pytest.mark.parametrize(("path", "charts"), [("/?lang=en", 2), ("/map?lang=en", 1)])
def test_charts_draw_under_the_policy(page: Page, live: str, path: str, charts: int) -> None:
    from playwright.sync_api import expect

    errors = collect_console_errors(page)
    response = page.goto(f"{live}{path}")
    assert response is not None and response.status == 200
    assert response.headers["content-security-policy"] == CSP
    expect(page.locator("[data-chart]")).to_have_count(charts)
    for i in range(charts):
        expect(page.locator("[data-chart]").nth(i).locator(".main-svg").first).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert errors == []
