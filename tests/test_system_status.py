"""The system status (`ops.status`, `/admin/system`, `/api/system`, `filiera status`): the
readiness checks, versions, the match index and the backups, a warning when no backup is
recent, and a status that still answers when the database is gone."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from filiera import migrate
from filiera.app import create_app
from filiera.cli.main import app as cli_app
from filiera.db import Database
from filiera.match import service
from filiera.ops.backup import backup, default_name
from filiera.ops.status import system_status
from filiera.settings import Settings
from support.auth import bearer, token_for
from support.dataset import ORGANISATIONS, build

HOUR = 3600.0
UNREACHABLE_PG = "postgresql+psycopg://filiera:s3cret-pw@127.0.0.1:9/filiera"


def later(hours: float) -> dt.datetime:
    return dt.datetime.now(dt.UTC) + dt.timedelta(hours=hours)


def test_a_healthy_installation(db_url: str, tmp_path: Path) -> None:
    """Both backends: checks pass, revision at head, a size, the index, the backups newest
    first with their format read from the first bytes, and no warning."""
    db = Database(db_url)
    build(db)
    service.forget_indexes()
    service.open_index(db)  # built now: readiness must not depend on how fast a build is
    settings = Settings(backup_dir=tmp_path / "backups")
    older = backup(db, default_name(db, settings.backup_dir, "logical"))
    newer = backup(db, settings.backup_dir / "nightly.dump")  # native, by bytes
    (settings.backup_dir / "notes.txt").write_text("not a backup")
    (settings.backup_dir / "broken.dump").write_bytes(b"")
    status = system_status(db, settings)
    assert [(c.name, c.ok) for c in status.checks] == [
        ("database", True),
        ("migrations", True),
        ("match_index", True),
    ]
    assert status.ok and status.warnings == []
    assert status.database.backend == db.dialect
    assert status.database.revision == status.database.head == migrate.head()
    assert status.database.size_bytes and status.database.size_bytes > 100_000
    assert status.match_index.state == "ready"
    assert status.match_index.documents == len(ORGANISATIONS)
    assert 0 <= status.match_index.age_seconds < 600
    files = status.backups.files
    assert {f.name for f in files} == {older.path.name, newer.path.name, "broken.dump"}
    by_name = {f.name: f for f in files}
    assert (by_name[older.path.name].format, by_name[older.path.name].backend) == ("logical", None)
    assert (by_name[newer.path.name].format, by_name[newer.path.name].backend) == (
        "native",
        db.dialect,
    )
    assert by_name["broken.dump"].format == "unknown"
    assert by_name[newer.path.name].size_bytes == newer.path.stat().st_size
    assert [f.age_seconds for f in files] == sorted(f.age_seconds for f in files)
    service.forget_indexes()
    db.dispose()


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    db = Database(f"sqlite:///{tmp_path}/site/filiera.db")
    db.ensure_ready()
    service.forget_indexes()
    yield db
    service.forget_indexes()
    db.dispose()


def test_no_backup_or_a_stale_one_is_a_warning(sqlite_db: Database, tmp_path: Path) -> None:
    """Beside the database (no FILIERA_BACKUP_DIR): only `db upgrade`'s names for this
    database count, never the database itself or another one; older than 26 h warns."""
    folder = tmp_path / "site"
    backup(sqlite_db, folder / "other.db")  # another database in the folder, not a backup
    none = system_status(sqlite_db, Settings())
    assert not none.ok
    assert none.backups.folder == str(folder.resolve())
    assert none.backups.files == []
    assert [(w.code, w.message) for w in none.warnings] == [
        ("no_backup", f"no backup in the last day: there is none in {folder.resolve()}")
    ]
    taken = backup(sqlite_db, default_name(sqlite_db, folder))
    assert [f.name for f in system_status(sqlite_db, Settings()).backups.files] == [taken.path.name]
    fresh = system_status(sqlite_db, Settings(), now=later(25))
    assert fresh.ok and fresh.backups.fresh
    stale = system_status(sqlite_db, Settings(), now=later(24 * 3 + 1))
    assert not stale.ok and not stale.backups.fresh
    assert [(w.code, w.message) for w in stale.warnings] == [
        ("backup_too_old", "no backup in the last day: the newest is 3 days old")
    ]
    assert stale.checks[0].ok  # the database itself is fine


def test_an_unreachable_server_is_reported_not_raised(tmp_path: Path) -> None:
    db = Database(UNREACHABLE_PG)
    status = system_status(db, Settings(backup_dir=tmp_path / "none"))
    assert [(c.name, c.ok) for c in status.checks] == [
        ("database", False),
        ("migrations", False),
        ("match_index", False),
    ]
    assert status.database.url == "postgresql+psycopg://filiera:***@127.0.0.1:9/filiera"
    assert status.database.problem == "database unreachable" and status.database.revision is None
    assert status.match_index.state == "unavailable"
    assert status.backups.problem == "no such folder"
    assert [w.code for w in status.warnings] == ["not_ready", "no_backup"]
    assert "s3cret-pw" not in status.model_dump_json()
    db.dispose()


def test_a_sqlite_file_deleted_after_start(sqlite_db: Database, tmp_path: Path) -> None:
    """Reported as missing, and never re-created by looking."""
    path = tmp_path / "site" / "filiera.db"
    assert system_status(sqlite_db, Settings(), now=later(0)).checks[0].ok
    path.unlink()
    status = system_status(sqlite_db, Settings())
    assert status.checks[0].detail == f"no database file at {path}"
    assert status.database.size_bytes is None and not status.ok
    assert not path.exists()


# --- front ends ---------------------------------------------------------------------------


@dataclass
class Site:
    client: TestClient
    db: Database
    path: Path
    headers: dict[str, dict[str, str]]


ITALIAN = ("Stato del sistema", "Controlli di prontezza", "Copie di sicurezza", "Superato")
ENGLISH = ("Ready", "Reachable", "Backups", "Database", "Check", "State", "Folder", "ago", "No ")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("system")
    db = Database(f"sqlite:///{folder}/filiera.db")
    build(db)
    service.forget_indexes()
    service.open_index(db)  # built now: readiness must not depend on how fast a build is
    headers = {"anonymous": {}}
    for role in ("admin", "member", "viewer"):
        headers[role] = bearer(token_for(db, f"{role}@system.example", role=role))
    settings = Settings(backup_dir=folder / "backups")
    backup(db, default_name(db, settings.backup_dir))
    with TestClient(create_app(db, settings)) as client:
        yield Site(client, db, folder / "filiera.db", headers)
    service.forget_indexes()
    db.dispose()


def page_text(html: str) -> str:
    """The main text of a page, without markup, scripts and data marked `translate="no"`."""
    main = html.split('<main id="main"', 1)[1].split("</main>", 1)[0]
    main = re.sub(r"<(code|span|td|dd)[^>]*translate=\"no\"[^>]*>.*?</\1>", " ", main, flags=re.S)
    return re.sub(r"<[^>]+>", " ", main)


def test_the_page_in_english_and_italian(site: Site) -> None:
    admin = site.headers["admin"]
    english = site.client.get("/admin/system?lang=en", headers=admin)
    assert english.status_code == 200, english.text
    assert 'href="/admin/system"' in english.text  # the admin menu links it
    assert "data-system-ok" in english.text
    assert 'data-check="migrations" data-ok="true"' in english.text
    assert 'data-format="native"' in english.text and "Everything is in order" in english.text
    italian = site.client.get("/admin/system?lang=it", headers=admin)
    assert italian.status_code == 200
    text = page_text(italian.text)
    for words in ITALIAN:
        assert words in text, words
    for words in ENGLISH:
        assert not re.search(rf"\b{words}", text), words


def test_only_admins_see_it_with_the_refusal_of_other_admin_pages(site: Site) -> None:
    for who in ("anonymous", "member", "viewer"):
        h = {**site.headers[who], "accept": "text/html"}
        page = site.client.get("/admin/system", headers=h, follow_redirects=False)
        users = site.client.get("/users", headers=h, follow_redirects=False)
        assert page.status_code == users.status_code == (303 if who == "anonymous" else 403)
        api = site.client.get("/api/system", headers=site.headers[who])
        refusal = site.client.get("/api/users", headers=site.headers[who])
        assert api.status_code == refusal.status_code == (401 if who == "anonymous" else 403)
        assert api.json()["error"]["code"] == refusal.json()["error"]["code"]
        assert "backups" not in api.text and "sqlite" not in api.text
    answer = site.client.get("/api/system", headers=site.headers["admin"])
    assert answer.status_code == 200
    body = answer.json()
    assert body["ok"] is True and body["backups"]["files"][0]["format"] == "native"
    assert body["database"]["revision"] == migrate.head()


def test_the_page_renders_when_the_database_file_is_gone(site: Site) -> None:
    """The admin's token still resolves on the pooled connection; the page says what failed."""
    admin = site.headers["admin"]
    assert site.client.get("/api/system", headers=admin).status_code == 200
    moved = site.path.with_suffix(".moved")
    site.path.rename(moved)
    try:
        page = site.client.get("/admin/system?lang=it", headers=admin)
        assert page.status_code == 200, page.text
        assert 'data-check="database" data-ok="false"' in page.text
        assert "Il file della base dati manca" in page.text
        assert 'data-warning="not_ready"' in page.text
    finally:
        moved.rename(site.path)


# --- the command ---------------------------------------------------------------------------


def test_the_command_exits_1_without_a_recent_backup(sqlite_db: Database, tmp_path: Path) -> None:
    runner = CliRunner()
    url = f"sqlite:///{tmp_path}/site/filiera.db"
    missing = runner.invoke(cli_app, ["status", "--db", url])
    assert missing.exit_code == 1, missing.output
    assert "warning: no backup in the last day" in missing.stdout
    assert "  migrations   ok    at head" in missing.stdout
    backup(sqlite_db, default_name(sqlite_db, tmp_path / "site"))
    fine = runner.invoke(cli_app, ["status", "--db", url, "--json"])
    assert fine.exit_code == 0, fine.output
    body = json.loads(fine.stdout)
    assert body["ok"] is True and len(body["backups"]["files"]) == 1
    down = runner.invoke(cli_app, ["status", "--db", UNREACHABLE_PG, "--json"])
    assert down.exit_code == 1
    assert json.loads(down.stdout)["checks"][0] == {
        "name": "database",
        "ok": False,
        "detail": "OperationalError",
    }
