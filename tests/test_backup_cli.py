"""`filiera backup`, `filiera restore` (and `--check`), and the backup `db upgrade` takes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from click.testing import Result
from typer.testing import CliRunner

from filiera import migrate
from filiera.cli.main import app
from filiera.db import Database
from filiera.ops.revisions import newest
from support.dataset import ORGANISATIONS, build
from test_backup import all_rows

RUNNER = CliRunner(env={"COLUMNS": "200", "FILIERA_DATABASE_URL": None, "FILIERA_BACKUP_DIR": None})


def cli(*args: str, code: int = 0) -> Result:
    result = RUNNER.invoke(app, list(args))
    assert result.exit_code == code, f"filiera {' '.join(args)}:\n{result.output}"
    return result


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A small registry on SQLite (the commands only translate: the backends are tested
    in test_backup.py and test_backup_refusals.py)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('cli')}/small.db"
    db = Database(url)
    build(db)
    db.dispose()
    yield url


def test_backup_check_restore_as_json(small: str, tmp_path: Path) -> None:
    out, target = tmp_path / "small.jsonl.gz", f"sqlite:///{tmp_path}/restored.db"
    written = json.loads(cli("backup", str(out), "--db", small, "--json").stdout)
    assert (written["format"], written["backend"]) == ("logical", "sqlite")
    assert written["tables"]["organisation"] == len(ORGANISATIONS) and written["rows"] == sum(
        written["tables"].values()
    )
    checked = json.loads(cli("restore", str(out), "--check", "--json").stdout)
    assert checked["ok"] and checked["tables"] == written["tables"]
    restored = json.loads(cli("restore", str(out), "--db", target, "--json").stdout)
    assert restored["revision"] == newest()
    assert restored["backup"]["rows"] == written["rows"]
    assert all_rows(target) == all_rows(small)


def test_backup_and_restore_in_words(small: str, tmp_path: Path) -> None:
    out, target = tmp_path / "small.db", f"sqlite:///{tmp_path}/restored.db"
    wrote = cli("backup", str(out), "--db", small).stdout
    assert f"wrote {out}: native backup of a sqlite database at revision {newest()}" in wrote
    assert f"{out}: sound native backup" in cli("restore", str(out), "--check").stdout
    restored = cli("restore", str(out), "--db", target).stdout
    assert f"the database is now at revision {newest()}" in restored
    assert all_rows(target) == all_rows(small)


def test_restore_refusals_exit_1_with_the_error_body(small: str, tmp_path: Path) -> None:
    out = tmp_path / "small.jsonl.gz"
    cli("backup", str(out), "--db", small)
    refused = json.loads(cli("restore", str(out), "--db", small, "--json", code=1).stdout)
    assert refused["error"]["code"] == "conflict"
    assert "is not empty (table " in refused["error"]["message"]
    assert "--db" in cli("restore", str(out), code=1).output  # no target named
    out.write_bytes(out.read_bytes()[:100])
    damaged = cli("restore", str(out), "--check", code=1).output
    assert "truncated" in damaged and str(out.name) in damaged


@pytest.fixture
def at_0012(tmp_path: Path) -> Iterator[str]:
    """A small registry on SQLite migrated back to revision 0012 (a release ago): the
    command only decides and names the backup: native backups of revision 0012 are
    restored and migrated on both backends in test_backup.py."""
    url = f"sqlite:///{tmp_path}/at-0012.db"
    db = Database(url)
    build(db)
    command.downgrade(migrate.alembic_config(db.engine), "0012")
    db.dispose()
    yield url


def test_db_upgrade_takes_no_backup_when_told_not_to(small: str, tmp_path: Path) -> None:
    db = Database(small)
    command.downgrade(migrate.alembic_config(db.engine), "0012")
    folder = tmp_path / "backups"
    said = cli("db", "upgrade", "--db", small, "--backup-dir", str(folder), "--no-backup")
    assert "backup before" not in said.output and not folder.exists()
    assert migrate.current(db.engine) == newest()
    db.dispose()


def test_db_upgrade_backs_up_first(at_0012: str, tmp_path: Path) -> None:
    """The backup is taken at 0012, once (not again at head), and restores what was there."""
    before = all_rows(at_0012)
    folder = tmp_path / "backups"
    said = cli("db", "upgrade", "--db", at_0012, "--backup-dir", str(folder)).output
    [taken] = list(folder.iterdir())
    assert f"backup before upgrading: {taken}" in said
    assert "-0012-" in taken.name
    again = cli("db", "upgrade", "--db", at_0012, "--backup-dir", str(folder)).output
    assert "backup before" not in again and len(list(folder.iterdir())) == 1  # at head already
    target = f"sqlite:///{tmp_path}/upgraded-restore.db"
    cli("restore", str(taken), "--db", target)
    assert all_rows(target) == before
