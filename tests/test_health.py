"""`/healthz` and `/readyz`: up, and ready (database, migrations, match index), on both
backends; a failing check answers 503 in the one error shape, naming it."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from filiera import migrate
from filiera.app import create_app
from filiera.db import Database
from filiera.match import service
from filiera.ops import health
from filiera.settings import Settings
from support.dataset import build


@pytest.fixture
def setup(db_url: str) -> Iterator[tuple[TestClient, Database]]:
    db = Database(db_url)
    build(db)
    service.forget_indexes()
    with TestClient(create_app(db, Settings())) as client:
        yield client, db
    service.forget_indexes()
    db.dispose()


def test_healthz_and_readyz_answer_with_a_request_id(setup) -> None:
    client, db = setup
    service.open_index(db)  # built now: readiness must not depend on how fast a build is
    up = client.get("/healthz")
    assert (up.status_code, up.json()) == (200, {"status": "ok"})
    assert len(up.headers["x-request-id"]) == 32
    ready = client.get("/readyz", headers={"X-Request-ID": "probe-0001"})
    assert ready.status_code == 200, ready.text
    assert ready.headers["x-request-id"] == "probe-0001"
    body = ready.json()
    assert body["status"] == "ready"
    assert [(c["name"], c["ok"]) for c in body["checks"]] == [
        ("database", True),
        ("migrations", True),
        ("match_index", True),
    ]
    assert not any(ch.isdigit() for c in body["checks"][::2] for ch in c["detail"])  # no counts
    odd = client.get("/healthz", headers={"X-Request-ID": "bad id\r\nX-Evil: 1"})
    assert odd.headers["x-request-id"] != "bad id\r\nX-Evil: 1"


def assert_not_ready(response, failing: str, detail: str) -> None:
    assert response.status_code == 503, response.text
    error = response.json()["error"]
    assert error["code"] == "not_ready"
    assert error["details"] == [{"record": "readiness", "field": failing, "message": detail}]


def test_readyz_fails_on_pending_migrations(setup) -> None:
    client, db = setup
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0012'"))
    detail = f"at 0012, head is {migrate.head()}: run `filiera db upgrade`"
    assert_not_ready(client.get("/readyz"), "migrations", detail)


def test_readyz_waits_for_the_match_index(setup, monkeypatch) -> None:
    client, db = setup
    release = threading.Event()
    opened = service.open_index

    def slow_open(database, index_dir=None):
        release.wait(30)
        return opened(database, index_dir)

    monkeypatch.setattr(service, "open_index", slow_open)
    monkeypatch.setattr(health, "INDEX_WAIT_SECONDS", 0.05)
    assert_not_ready(client.get("/readyz"), "match_index", "building")
    release.set()
    for _ in range(100):
        if health.live_index_of(db).index is not None:
            break
        threading.Event().wait(0.1)
    assert client.get("/readyz").status_code == 200


def test_an_unreachable_database_fails_every_check() -> None:
    closed = Database("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")
    checks = health.readiness(closed)
    assert [(c.name, c.ok) for c in checks] == [
        ("database", False),
        ("migrations", False),
        ("match_index", False),
    ]
    assert checks[1].detail == "database unreachable"
