"""Which database a command uses (issue 10, item 16), through typer's CliRunner.

`filiera demo` makes its database the project's default; a command on any other database
says so on stderr; commands that only read never create an empty database: they stop with
an error naming the path. Each test runs in its own empty folder (the project's folder:
`var/` is relative to it).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import uvicorn
from typer.testing import CliRunner, Result

from filiera.cli.main import app
from filiera.settings import Settings

RUNNER = CliRunner(env={"COLUMNS": "200"})
READ_ONLY = [
    ["stats"],
    ["org", "list"],
    ["org", "show", "1"],
    ["org", "edit", "1", "city=Roma"],
    ["org", "access", "1"],
    ["cluster", "list"],
    ["review"],
    ["audit"],
    ["user", "list"],
    ["export", "-"],
    ["match", "radar systems"],
    ["opportunities", "1"],
    ["need", "list"],
    ["serve"],
]


def run(*args: str, code: int = 0) -> Result:
    result = RUNNER.invoke(app, list(args))
    assert result.exit_code == code, (args, result.output, result.exception)
    return result


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def project(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """An empty project folder as the working directory, without FILIERA_DATABASE_URL;
    `serve` and `demo` return instead of serving."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FILIERA_DATABASE_URL", raising=False)
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: None)
    return tmp_path


def write_jsonl(path: Path) -> Path:
    record = {"type": "organisation", "name": "Velmora Systems", "kind": "sme", "country": "FR"}
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    return path


def test_demo_becomes_the_default_of_later_commands(project: Path) -> None:
    shown = run("demo", "--synthetic", "3", "--no-serve")
    assert (project / "var" / "filiera-demo.db").exists()
    record = (project / "var" / "default-database").read_text(encoding="utf-8")
    assert record.splitlines()[-1] == "sqlite:///var/filiera-demo.db"
    assert Settings().database_url == "sqlite:///var/filiera-demo.db"
    text = flat(shown.stdout)
    assert "Demo database: sqlite:///var/filiera-demo.db (loaded now)" in text
    assert "default database of `filiera` commands run in this folder" in text
    figures = run("stats", "--json")
    assert json.loads(figures.stdout)["organisations"] > 20  # the demo's, not an empty one
    assert "using database" not in figures.stderr
    assert not (project / "var" / "filiera.db").exists()
    listed = json.loads(run("org", "list", "--json").stdout)
    assert listed["count"] == json.loads(figures.stdout)["organisations"]
    again = run("demo", "--no-serve")
    assert "(already loaded)" in flat(again.stdout) and "Loaded:" not in again.stdout
    assert_accounts_table(shown.stdout)


def assert_accounts_table(text: str) -> None:
    """The demo accounts as a table (email, role, acts for, password), not a Python dict."""
    assert "{'" not in text and "':" not in text
    rows = {
        line.split("│")[1].strip(): [cell.strip() for cell in line.split("│")[2:-1]]
        for line in text.splitlines()
        if line.startswith("│") and "@" in line
    }
    roles = {email: cells[0] for email, cells in rows.items()}
    assert roles["admin@filiera.demo"] == "admin"
    assert roles["manager@luxdefence.demo"] == "cluster manager"
    assert {"investor", "buyer", "viewer", "member"} <= set(roles.values())
    assert all(cells[-1] == "filiera-demo-2026" for cells in rows.values())
    assert "Demo accounts: sign in at http://127.0.0.1:8000/sign-in" in flat(text)
    assert "Start the web UI with `filiera serve`" in text
    body = json.loads(run("demo", "--no-serve", "--json").stdout)
    assert body["database"] == "sqlite:///var/filiera-demo.db"
    assert {a["email"] for a in body["accounts"]} == set(rows)
    assert body["loaded"] == {"status": "already loaded"} and body["figures"]["organisations"]


@pytest.mark.parametrize("args", READ_ONLY, ids=" ".join)
def test_read_only_commands_refuse_a_missing_database(project: Path, args: list[str]) -> None:
    result = run(*args, code=1)
    default = project / "var" / "filiera.db"
    text = flat(result.output)
    assert f"no database at {default}" in text
    assert "`filiera demo`" in text and "`filiera db upgrade`" in text
    assert not default.exists() and not (project / "var").exists()
    elsewhere = project / "elsewhere.db"
    named = run(*args, "--db", f"sqlite:///{elsewhere}", code=1)
    assert f"no database at {elsewhere}" in flat(named.output)
    assert not elsewhere.exists()


def test_a_missing_database_in_json_mode_is_the_one_error_shape(project: Path) -> None:
    body = json.loads(run("stats", "--json", code=1).stdout)
    assert body["error"]["code"] == "not_found"
    assert body["error"]["details"] == [
        {
            "record": "database",
            "field": "--db",
            "message": f"no database at {project}/var/filiera.db",
        }
    ]


def test_commands_that_load_data_create_the_default_database(project: Path) -> None:
    run("import", "jsonl", str(write_jsonl(project / "orgs.jsonl")))
    assert (project / "var" / "filiera.db").exists()
    figures = run("stats", "--json")
    assert json.loads(figures.stdout)["organisations"] == 1
    assert "using database" not in figures.stderr
    run("db", "upgrade", "--db", f"sqlite:///{project}/empty.db")
    assert (
        json.loads(run("stats", "--json", "--db", f"sqlite:///{project}/empty.db").stdout)[
            "organisations"
        ]
        == 0
    )


def test_db_current_looks_without_creating(project: Path) -> None:
    result = run("db", "current")
    assert flat(result.stdout).startswith("current: None head:")
    assert "no database at" in result.stderr
    assert not (project / "var").exists()


def test_another_database_is_announced_on_stderr(project: Path) -> None:
    other = f"sqlite:///{project}/other.db"
    run("db", "upgrade", "--db", other)
    result = run("stats", "--json", "--db", other)
    assert f"using database {other}" in flat(result.stderr)
    assert json.loads(result.stdout)["organisations"] == 0  # stdout stays clean JSON
    run("db", "upgrade")
    assert "using database" not in run("stats").stderr  # the default: nothing to say
    absolute = f"sqlite:///{project}/var/filiera.db"  # the same file, spelled otherwise
    assert "using database" not in run("stats", "--db", absolute).stderr


def test_the_environment_variable_chooses_the_database(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = f"sqlite:///{project}/from-env.db"
    run("db", "upgrade", "--db", other)
    monkeypatch.setenv("FILIERA_DATABASE_URL", other)
    assert Settings().database_url == other
    result = run("org", "add", "--name", "Nuova Avionica", "--country", "IT")
    assert f"using database {other}" in flat(result.stderr)
    monkeypatch.delenv("FILIERA_DATABASE_URL")
    counted = json.loads(run("stats", "--json", "--db", other).stdout)["organisations"]
    assert counted == 1 and not (project / "var").exists()


def test_an_unreachable_server_is_a_message_without_its_password(project: Path) -> None:
    url = "postgresql://filiera:hunter2secret@127.0.0.1:1/nowhere"
    result = run("stats", "--db", url, code=1)
    text = flat(result.output)
    assert "cannot open database postgresql+psycopg://filiera:***@127.0.0.1:1/nowhere" in text
    assert "hunter2secret" not in result.output
    assert isinstance(result.exception, SystemExit)
    assert "not a database URL" in flat(run("stats", "--db", "nonsense", code=1).output)


def test_a_database_without_tables_is_refused_then_upgraded(db_url: str, project: Path) -> None:
    """On PostgreSQL the database exists but is empty; on SQLite the file does not exist."""
    refused = flat(run("stats", "--db", db_url, code=1).output)
    assert "has no Filiera tables" in refused or "no database at" in refused
    assert "`filiera db upgrade`" in refused
    run("db", "upgrade", "--db", db_url)
    assert json.loads(run("stats", "--json", "--db", db_url).stdout)["organisations"] == 0
