"""Hostile input on SQLite and PostgreSQL: oversize bodies, bad API tokens, injection strings.

- Bodies beyond `max_body_bytes` answer 413 with the one error shape, whether the size is
  declared (Content-Length) or only discovered while streaming (chunked upload).
- Invalid, malformed, revoked and expired tokens, and tokens of disabled users, all answer the
  same 401: nothing in the answer tells which case it was.
- SQL and HTML injection strings and exotic Unicode round-trip verbatim through POST, PATCH and
  GET, and are escaped on the HTML profile page; NUL characters and numbers too large for the
  database answer 422, never 500.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from filiera.access.models import ApiToken, User
from filiera.access.secrets_ import keyed_hash
from filiera.app import create_app
from filiera.db import Database
from filiera.registry.models import Organisation, utcnow
from filiera.settings import Settings
from support.auth import bearer, token_for
from support.dataset import XSS, Dataset, build

MAX_BODY = 4096
IMG = "<img src=x onerror=alert(2)>&amp;"
INJECTIONS = [
    "'; DROP TABLE organisation; --",
    XSS,
    '" onmouseover="x',
    "Robert'); --",
    "1' OR '1'='1",
    "%_\\ LIKE wildcards",
    "Zoë Łódź — 東京 🚀👩‍🚀 \u202eRTL",
    IMG,
]
# How each injection must appear in an HTML page (Jinja autoescape), and how it must not.
ESCAPED = {
    XSS: ("&lt;script&gt;alert(1)&lt;/script&gt;", "<script>alert(1)</script>"),
    '" onmouseover="x': ("&#34; onmouseover=&#34;x", '" onmouseover="x'),
    IMG: ("&lt;img src=x onerror=alert(2)&gt;&amp;amp;", "<img src=x"),
}


@dataclass
class Setup:
    db: Database
    data: Dataset
    client: TestClient  # signed in as an admin
    anonymous: TestClient


@pytest.fixture
def setup(db_url: str) -> Iterator[Setup]:
    db = Database(db_url)
    data = build(db)
    app = create_app(db, Settings(max_body_bytes=MAX_BODY))
    admin = bearer(token_for(db, "admin@input.example"))
    with (
        TestClient(app, headers=admin, raise_server_exceptions=False) as client,
        TestClient(app, raise_server_exceptions=False) as anonymous,
    ):
        yield Setup(db, data, client, anonymous)
    db.dispose()


def assert_error(response, status: int, code: str) -> dict:
    """`response` is `status` with exactly {"error": {code, message, details}}."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    for detail in body["error"]["details"]:
        assert set(detail) == {"record", "field", "message"}
    return body["error"]


def organisation_count(db: Database) -> int:
    with db.session() as session:
        return session.scalar(select(func.count(Organisation.id)))


# --- oversize bodies -----------------------------------------------------------------------


def big_record() -> dict:
    return {"name": "Oversize Ltd", "country": "IT", "descriptions": {"en": "x" * MAX_BODY}}


def test_oversize_bodies_get_413(setup: Setup) -> None:
    """Declared and streamed bodies beyond the limit are refused; nothing is written."""
    before = organisation_count(setup.db)
    declared = setup.client.post("/api/organisations", json=big_record())
    assert int(declared.request.headers["content-length"]) > MAX_BODY
    error = assert_error(declared, 413, "payload_too_large")
    assert str(MAX_BODY) in error["message"]

    def chunks() -> Iterator[bytes]:
        yield b'{"name": "Streamed Ltd", "country": "IT", "descriptions": {"en": "'
        for _ in range(MAX_BODY // 512 + 2):
            yield b"y" * 512
        yield b'"}}'

    streamed = setup.client.post(
        "/api/organisations", content=chunks(), headers={"content-type": "application/json"}
    )
    assert "content-length" not in streamed.request.headers
    assert streamed.request.headers.get("transfer-encoding") == "chunked"
    assert_error(streamed, 413, "payload_too_large")
    for headers in ({"content-length": str(MAX_BODY * 10)}, {"content-length": "12abc"}):
        lying = setup.client.post(
            "/api/organisations", content=b"{}", headers={**headers, "content-type": "text/x"}
        )
        assert_error(lying, 413, "payload_too_large")
    anonymous = setup.anonymous.post("/api/auth/token", content=b"z" * (MAX_BODY + 1))
    assert_error(anonymous, 413, "payload_too_large")
    assert organisation_count(setup.db) == before
    small = setup.client.post("/api/organisations", json={**big_record(), "descriptions": {}})
    assert small.status_code == 201, small.text


# --- bad API tokens ------------------------------------------------------------------------


def expire(db: Database, secret: str) -> None:
    """Move the expiry of the token `secret` into the past, in the database."""
    digest = keyed_hash(Settings().secret_key, secret)
    with db.session() as session:
        changed = session.execute(
            update(ApiToken)
            .where(ApiToken.token_hash == digest)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        assert changed.rowcount == 1


def disable(db: Database, email: str) -> None:
    with db.session() as session:
        session.execute(update(User).where(User.email == email).values(active=False))


def usable(client: TestClient, secret: str) -> bool:
    me = client.get("/api/me", headers=bearer(secret))
    return me.status_code == 200 and me.json()["user_id"] is not None


def test_bad_tokens_get_the_same_401(setup: Setup) -> None:
    """Invalid, malformed, revoked, expired and disabled-user tokens: one identical answer."""
    db, client = setup.db, setup.anonymous
    revoked = token_for(db, "revoked@input.example", role="member")
    expired = token_for(db, "expired@input.example", role="member")
    disabled = token_for(db, "disabled@input.example", role="member")
    for secret in (revoked, expired, disabled):
        assert usable(client, secret)  # each one worked before it was spoilt
    token_id = client.get("/api/me/tokens", headers=bearer(revoked)).json()[0]["id"]
    assert client.delete(f"/api/me/tokens/{token_id}", headers=bearer(revoked)).status_code == 204
    expire(db, expired)
    disable(db, "disabled@input.example")
    prefix, _, rest = expired.rpartition("_")
    bad = {
        "revoked": revoked,
        "expired": expired,
        "disabled user": disabled,
        "unknown": f"{prefix}_{'A' * len(rest)}",
        "truncated": expired[:-1],
        "no prefix": "abcdef",
        "prefix only": "fil_",
        "sql": "fil_' OR '1'='1",
        "unicode": "fil_tökén_🚀",
        "huge": "fil_" + "x" * 3000,
    }
    answers = {}
    for case, secret in bad.items():
        for method, url in (
            ("GET", "/api/me"),
            ("GET", "/api/organisations"),
            ("POST", "/api/me/tokens"),
        ):
            headers = {"Authorization": f"Bearer {secret}".encode()}  # bytes: raw UTF-8
            response = client.request(method, url, headers=headers, json={"name": "x"})
            error = assert_error(response, 401, "unauthorized")
            assert response.headers["www-authenticate"].startswith("Bearer")
            answers[(case, method, url)] = (error["message"], error["details"])
    assert len(set(map(repr, answers.values()))) == 1, answers
    message = next(iter(answers.values()))[0]
    for secret in bad.values():
        assert secret not in message


# --- injection strings ---------------------------------------------------------------------


def record_with(text: str, index: int) -> dict:
    """A new organisation carrying `text` in every free-text field."""
    return {
        "name": text,
        "legal_name": text,
        "aliases": [f"aka {text}"],
        "city": text,
        "country": "IT",
        "kind": "sme",
        "identifiers": {"pic": f"96000{index:04d}"},
        "descriptions": {"en": text},
        "sites": [{"name": text, "address": text, "city": text, "country": "IT"}],
    }


def assert_carries(profile: dict, text: str) -> None:
    assert profile["name"] == text and profile["legal_name"] == text
    assert profile["aliases"] == [f"aka {text}"] and profile["city"] == text
    assert profile["descriptions"] == {"en": text}
    site = profile["sites"][0]
    assert (site["name"], site["address"], site["city"]) == (text, text, text)


def test_injection_strings_round_trip_verbatim(setup: Setup) -> None:
    """What goes in through POST and PATCH comes back byte for byte; nothing is executed."""
    client, before = setup.client, organisation_count(setup.db)
    created = {}
    for index, text in enumerate(INJECTIONS):
        response = client.post("/api/organisations", json=record_with(text, index))
        assert response.status_code == 201, (text, response.text)
        assert response.headers["X-Filiera-Outcome"] in ("created", "review")
        created[text] = response.json()["id"]
        assert_carries(client.get(f"/api/organisations/{created[text]}").json(), text)
    assert organisation_count(setup.db) == before + len(INJECTIONS)
    for text, org_id in created.items():
        swapped = INJECTIONS[(INJECTIONS.index(text) + 1) % len(INJECTIONS)]
        patch = {
            "name": swapped,
            "legal_name": swapped,
            "city": swapped,
            "descriptions": {"en": swapped},
        }
        response = client.patch(f"/api/organisations/{org_id}", json=patch)
        assert response.status_code == 200, (text, response.text)
        profile = client.get(f"/api/organisations/{org_id}").json()
        assert {key: profile[key] for key in patch} == patch
        assert profile["aliases"] == [f"aka {text}"] and profile["sites"][0]["name"] == text
    for text in INJECTIONS:
        found = client.get("/api/organisations", params={"q": text})
        assert found.status_code == 200, (text, found.text)
    assert organisation_count(setup.db) == before + len(INJECTIONS)
    names = {row["name"] for row in client.get("/api/organisations?per_page=50").json()["data"]}
    assert set(INJECTIONS) <= names


def test_injection_strings_are_escaped_in_html(setup: Setup) -> None:
    """The profile page shows the escaped text, never the raw markup."""
    client = setup.client
    for index, text in enumerate(ESCAPED):
        org_id = client.post("/api/organisations", json=record_with(text, index)).json()["id"]
        page = client.get(f"/organisations/{org_id}", headers={"accept": "text/html"})
        assert page.status_code == 200
        escaped, raw = ESCAPED[text]
        assert escaped in page.text, text
        assert raw not in page.text, text
        listing = client.get("/organisations", params={"q": text}, headers={"accept": "text/html"})
        assert escaped in listing.text and raw not in listing.text, text


# --- NUL characters and numbers the database cannot hold -----------------------------------

NUL_FIELDS = {
    "name": {"name": "Nul\x00Corp"},
    "legal_name": {"legal_name": "Nul\x00Corp SpA"},
    "aliases": {"aliases": ["ok", "bad\x00"]},
    "city": {"city": "Mi\x00lano"},
    "descriptions": {"descriptions": {"en": "text\x00"}},
    "sites": {"sites": [{"name": "Works", "address": "Via\x00 1", "country": "IT"}]},
}


def test_nul_characters_get_422(setup: Setup) -> None:
    """A NUL anywhere in a record is refused field by field; in a query it is never a 500."""
    client, leonardo = setup.client, setup.data.orgs["leonardo"]
    before = organisation_count(setup.db)
    for field, change in NUL_FIELDS.items():
        created = client.post("/api/organisations", json={"name": "Clean Name", **change})
        error = assert_error(created, 422, "validation_failed")
        assert [d["field"] for d in error["details"]] == [f"body.{field}"], error
        if field in ("aliases", "sites"):
            continue  # not patchable
        patched = client.patch(f"/api/organisations/{leonardo}", json=change)
        assert_error(patched, 422, "validation_failed")
    assert organisation_count(setup.db) == before
    assert client.get(f"/api/organisations/{leonardo}").json()["name"] == "Leonardo S.p.A."
    for url in (
        "/api/organisations?q=a%00b",
        "/api/organisations/by-pic/99%0088",
        "/api/projects?q=%00",
        "/organisations?q=%00",
    ):
        response = client.get(url)
        assert response.status_code in (200, 404, 422), (url, response.text)
    token = client.post("/api/auth/token", json={"email": "a\x00@x.eu", "password": "p\x00"})
    assert token.status_code in (401, 422), token.text


def test_numbers_too_large_for_the_database_are_not_500(setup: Setup) -> None:
    """Ids, pages and counts beyond 64 bits answer 404 or 422 with the error shape."""
    client, leonardo, huge = setup.client, setup.data.orgs["leonardo"], 10**30
    for url in (
        f"/api/organisations/{huge}",
        f"/api/organisations/{huge}/partners",
        f"/api/organisations?page={huge}",
        f"/api/organisations?cluster={huge}",
        f"/api/clusters/{huge}/members",
        f"/api/projects/{huge}",
        f"/api/projects?page={huge}",
        f"/organisations/{huge}",
    ):
        response = client.get(url)
        assert response.status_code in (404, 422), (url, response.text)
        assert_error(response, response.status_code, response.json()["error"]["code"])
    patched = client.patch(f"/api/organisations/{leonardo}", json={"employees": huge})
    assert_error(patched, 422, "validation_failed")
    created = client.post("/api/organisations", json={"name": "Huge Co", "employees": huge})
    assert_error(created, 422, "validation_failed")
    account = {
        "email": "h@input.example",
        "name": "H",
        "password": "long enough pw",
        "organisations": [huge],
    }
    user = client.post("/api/users", json=account)
    assert user.status_code in (404, 422), user.text
    assert client.get(f"/api/organisations/{leonardo}").json()["employees"] is None
