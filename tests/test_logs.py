"""Logs: secrets redacted before any handler writes, one JSON line per request.

The full flow signs in with a password (web form and API), calls the API with a token,
reads a restricted record as a viewer allowed to, and fails a sign-in, with filiera's
loggers captured at DEBUG as JSON: none of those secrets may appear, and every request
line is valid JSON with the expected fields. The run-wide grep is tests/support/log_grep.py.
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from filiera import logs
from filiera.access import accounts
from filiera.access.models import AccessGrant, User
from filiera.app import create_app
from filiera.db import Database
from filiera.settings import Settings
from support import log_grep
from support.auth import PASSWORD
from support.dataset import build

HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"
TOKEN = "fil_AbCd1234_" + "x" * 43
SENTINEL = "SENTINEL-RESTRICTED-h3x9"
FORM_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
REQUEST_FIELDS = {"time", "level", "logger", "message", "method", "route", "status"}
REQUEST_FIELDS |= {"duration_ms", "request_id", "user_id"}


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        (f"hash {HASH} stored", "hash [REDACTED] stored"),
        ("Authorization: Bearer abc.def-ghi", "Authorization: [REDACTED]"),
        (f"used {TOKEN} today", "used [REDACTED] today"),
        ("GET /x?password=hunter2hunter2&page=2", "GET /x?password=[REDACTED]&page=2"),
        ("cookie filiera_session=Zm9vYmFy; path=/", "cookie filiera_session=[REDACTED]; path=/"),
        ("{'secret_key': 'two words'}", "{'secret_key': '[REDACTED]'}"),
        ('{"csrf_token": "abc", "n": 1}', '{"csrf_token": "[REDACTED]", "n": 1}'),
        ("X-API-Key: k3y", "X-API-Key: [REDACTED]"),
        ("nothing secret in 42 organisations", "nothing secret in 42 organisations"),
    ],
)
def test_secrets_in_text_are_redacted(text: str, kept: str) -> None:
    assert logs.redact_text(text) == kept


@contextmanager
def captured(fmt: logs.LogFormat = "json", logger: str = "filiera") -> Iterator[io.StringIO]:
    """`logger` at DEBUG into a buffer through the app's own redacting handler."""
    out = io.StringIO()
    handler = logs.make_handler(fmt, "DEBUG", out)
    target = logging.getLogger(logger)
    level, propagate = target.level, target.propagate
    target.addHandler(handler)
    target.setLevel(logging.DEBUG)
    try:
        yield out
    finally:
        target.removeHandler(handler)
        target.setLevel(level)
        target.propagate = propagate


def test_extra_fields_and_tracebacks_are_redacted() -> None:
    with captured() as out:
        log = logging.getLogger("filiera.test")
        log.info("saw %s", TOKEN, extra={"password": PASSWORD, "form": {"api_key": "k", "n": 2}})
        try:
            raise ValueError(f"bad hash {HASH}")
        except ValueError:
            log.exception("failed")
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert first["message"] == "saw [REDACTED]"
    assert first["password"] == "[REDACTED]"
    assert first["form"] == {"api_key": "[REDACTED]", "n": 2}
    assert "ValueError: bad hash [REDACTED]" in second["exc_info"]
    assert HASH not in out.getvalue() and PASSWORD not in out.getvalue()


def test_configure_logging_replaces_its_own_handler(monkeypatch) -> None:
    monkeypatch.setattr(logs, "_pinned", False)
    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    try:
        logs.configure_logging("text", "INFO", io.StringIO())
        out = io.StringIO()
        logs.configure_logging("json", "WARNING", out)
        assert len(root.handlers) == len(before) + 1
        logging.getLogger("elsewhere").warning("token=%s", "s3cret")
        logging.getLogger("elsewhere").info("not at INFO")
        assert [json.loads(line)["message"] for line in out.getvalue().splitlines()] == [
            "token=[REDACTED]"
        ]
    finally:
        for handler in set(root.handlers) - set(before):
            root.removeHandler(handler)
        root.setLevel(level)


def test_settings_choose_the_format_and_level() -> None:
    settings = Settings(log_format="JSON", log_level="debug")
    assert (settings.log_format, settings.log_level) == ("json", "DEBUG")
    with pytest.raises(ValueError):
        Settings(log_format="xml")


# --- the full flow --------------------------------------------------------------------------


@pytest.fixture
def flow_app(tmp_path: Path) -> Iterator[tuple[TestClient, Database, int]]:
    db = Database(f"sqlite:///{tmp_path}/logs.db")
    extra = {
        "hidden": {
            "name": "Restricted Sensors Srl",
            "kind": "sme",
            "country": "IT",
            "visibility": "restricted",
            "descriptions": {"en": f"Radar work {SENTINEL}"},
        }
    }
    data = build(db, extra)
    with db.session() as session:
        accounts.add_user(session, "buyer@logs.example", "Buyer", PASSWORD, role="buyer")
        session.add(AccessGrant(entity="organisation", entity_id=data.orgs["hidden"], role="buyer"))
    with TestClient(create_app(db, Settings())) as client:
        yield client, db, data.orgs["hidden"]
    db.dispose()


def test_a_full_flow_logs_no_secret(flow_app) -> None:
    client, db, hidden = flow_app
    with captured() as out:
        page = client.get("/sign-in")
        form = {"email": "buyer@logs.example", "password": PASSWORD, "next": "/"}
        form["csrf_token"] = FORM_TOKEN.search(page.text).group(1)
        signed_in = client.post("/sign-in", data=form, follow_redirects=False)
        cookie = client.cookies.get("filiera_session")
        assert signed_in.status_code == 303 and cookie
        assert client.get("/account").status_code == 200
        client.cookies.clear()
        body = {"email": "buyer@logs.example", "password": PASSWORD, "name": "logs"}
        token = client.post("/api/auth/token", json=body).json()["token"]
        read = client.get(
            f"/api/organisations/{hidden}", headers={"Authorization": f"Bearer {token}"}
        )
        assert read.status_code == 200 and SENTINEL in read.text
        wrong = {**body, "password": "a wrong password, long enough"}
        assert client.post("/api/auth/token", json=wrong).status_code == 401
    text = out.getvalue()
    with db.session() as session:
        stored_hash = (
            session.query(User.password_hash).filter_by(email="buyer@logs.example").scalar()
        )
    for secret in (PASSWORD, token, cookie, stored_hash, "$argon2", SENTINEL, wrong["password"]):
        assert secret not in text, secret[:12]
    assert "buyer@logs.example" not in text  # request lines carry the user id, not the e-mail
    requests = [json.loads(line) for line in text.splitlines()]
    requests = [line for line in requests if line["logger"] == "filiera.request"]
    assert len(requests) == 6
    assert all(set(line) >= REQUEST_FIELDS for line in requests)
    by_route = {(r["method"], r["route"]): r for r in requests}
    assert by_route[("GET", "/api/organisations/{org_id}")]["status"] == 200
    assert by_route[("GET", "/api/organisations/{org_id}")]["user_id"] is not None
    assert (
        by_route[("GET", "/api/organisations/{org_id}")]["request_id"]
        == read.headers["x-request-id"]
    )
    assert [r["status"] for r in requests if r["route"] == "/api/auth/token"] == [201, 401]
    assert str(hidden) not in [r["route"] for r in requests]


def test_the_run_wide_grep_finds_what_it_looks_for(tmp_path: Path) -> None:
    drawn = "Q" * 10 + "w3-_" * 5 + "Zz" * 6 + "A"  # 43 characters, as a session cookie
    leaks = [
        f'{{"message": "sign in with {PASSWORD}"}}',
        f'{{"message": "token {TOKEN}"}}',
        f'{{"message": "stored {HASH}"}}',
        f'{{"message": "cookie {drawn}"}}',
        '{"message": "address Via del Canarino 91c2"}',
    ]
    clean = '{"message": "GET /api/organisations/{org_id} 200", "request_id": "%s"}' % (
        "0123456789abcdef" * 2
    )
    found = log_grep.grep_lines([*leaks, clean], {PASSWORD}, {drawn})
    assert found == [
        "password",
        "API token",
        "argon2 hash",
        "token, session cookie or CSRF token",
        "restricted value",
    ]
    (tmp_path / "w0-1.jsonl").write_text("\n".join([clean, leaks[0]]) + "\n")
    (tmp_path / "w0-1.secrets.json").write_text(json.dumps({"passwords": [PASSWORD], "drawn": []}))
    assert log_grep.grep_folder(tmp_path) == (["w0-1.jsonl:2: password"], 2)


def test_the_grep_knows_the_access_tests_sentinels() -> None:
    import test_access_matrix as matrix

    expected = {*matrix.CANARY.values(), matrix.CONTACT_EMAIL, matrix.CONTACT_PHONE}
    assert expected | {matrix.SITE_ADDRESS} <= set(log_grep.SENTINELS)
