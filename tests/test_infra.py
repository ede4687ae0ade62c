"""The test infrastructure itself: both database backends, Chromium, and the no-tests guard."""

from __future__ import annotations

import http.server
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

import support
from support.browser import collect_console_errors
from support.pg_server import fresh_database

REPO_ROOT = Path(__file__).resolve().parent.parent
PAGE_HTML = b"""<!doctype html>
<html><head><meta charset="utf-8"><title>Filiera infra</title></head>
<body><p id="out">waiting</p>
<script>document.getElementById("out").textContent = "scripted";</script>
</body></html>"""


def test_database_backend_matches_param(db_url: str, request: pytest.FixtureRequest) -> None:
    engine = sa.create_engine(db_url)
    try:
        with engine.begin() as conn:
            if request.node.callspec.params["db_url"] == "postgresql":
                assert conn.dialect.name == "postgresql"
                assert conn.execute(sa.text("select version()")).scalar().startswith("PostgreSQL")
                assert conn.dialect.server_version_info >= (15,)
            else:
                assert conn.dialect.name == "sqlite"
                assert conn.execute(sa.text("select sqlite_version()")).scalar()
            conn.execute(sa.text("create table probe (id integer primary key, name text)"))
            conn.execute(sa.text("insert into probe (id, name) values (1, 'Leonardo')"))
        with engine.connect() as conn:
            assert conn.execute(sa.text("select name from probe")).scalar() == "Leonardo"
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_fresh_databases_are_isolated_and_dropped(pg_url: str) -> None:
    with fresh_database(pg_url, prefix="iso") as first:
        engine = sa.create_engine(first)
        with engine.begin() as conn:
            conn.execute(sa.text("create table only_here (id integer)"))
        with fresh_database(pg_url, prefix="iso") as second:
            assert second != first
            other = sa.create_engine(second)
            with other.connect() as conn:
                assert not sa.inspect(conn).has_table("only_here")
            other.dispose()
    name = sa.make_url(first).database
    admin = sa.create_engine(pg_url)
    with admin.connect() as conn:
        query = sa.text("select count(*) from pg_database where datname = :n")
        assert conn.execute(query, {"n": name}).scalar() == 0
    admin.dispose()


def test_missing_backend_skips_locally_and_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(support.BACKENDS, "probe", "unused")
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception, match="no binaries"):
        support.unavailable("probe", "no binaries")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="required when CI=true"):
        support.unavailable("probe", "no binaries")
    assert support.BACKENDS["probe"] == "FAILED"


class _PageHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE_HTML)))
        self.end_headers()
        self.wfile.write(PAGE_HTML)

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def tiny_site() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _PageHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.browser
def test_chromium_renders_local_page(page, tiny_site: str) -> None:
    errors = collect_console_errors(page)
    response = page.goto(tiny_site)
    assert response is not None and response.ok
    assert page.title() == "Filiera infra"
    assert page.text_content("#out") == "scripted"
    assert errors == []


def test_no_tests_collected_is_a_failure() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", __file__]
        + ["-k", "nothing_matches_this"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "CI": "false"},
        timeout=120,
    )
    assert result.returncode == pytest.ExitCode.TESTS_FAILED, result.stdout + result.stderr
    assert "no tests were collected" in result.stdout
