"""Every `filiera` command through typer's CliRunner, on SQLite and PostgreSQL.

Each test checks the exit code, the output and, for commands that write, the database.
`test_every_command_has_a_test` walks the click tree: a new command without a test here
fails it. A command counts as tested when a test calls `cli("word", "word", ...)` with its
path spelled out as the first arguments.
"""

from __future__ import annotations

import ast
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import typer
import uvicorn
from sqlalchemy import func, select
from typer.testing import CliRunner, Result

from filiera.access import accounts
from filiera.cli.main import app
from filiera.cli.reference import command_paths, root_command, walk
from filiera.db import Database
from filiera.errors import Unauthorized
from filiera.migrate import head
from filiera.needs.models import Need, Thesis
from filiera.registry import taxonomy
from filiera.registry.models import Organisation, Project, ReviewItem
from filiera.settings import Settings
from support.auth import PASSWORD
from support.dataset import ORGANISATIONS, Dataset, build

RUNNER = CliRunner(env={"COLUMNS": "200"})  # rich tables: no truncated cells
NEW_PASSWORD = "a brand new passphrase"
MEMBER = "member@cli.example"


def cli(
    *args: str, db: str | None = None, code: int | None = 0, stdin: str | None = None
) -> Result:
    """Run `filiera ARGS [--db DB]` in-process and check its exit code (None: any failure)."""
    argv = [*args, "--db", db] if db else list(args)
    result = RUNNER.invoke(app, argv, input=stdin)
    if result.exit_code != code and not (code is None and result.exit_code not in (0, None)):
        raise AssertionError(
            f"filiera {' '.join(argv)} exited {result.exit_code}, expected {code}:\n"
            f"{result.output}\n{result.exception!r}"
        )
    return result


def out_json(result: Result):
    """The JSON a `--json` command printed on standard output."""
    return json.loads(result.stdout)


def flat(text: str) -> str:
    """CLI output with rich's line wrapping undone."""
    return " ".join(text.split())


@dataclass
class Registry:
    """The support dataset (6 organisations, 2 EDF projects) and its database URL."""

    db: Database
    url: str
    data: Dataset

    def count(self, model, *where) -> int:
        with self.db.session() as session:
            return session.scalar(select(func.count()).select_from(model).where(*where))

    def org(self, key: str) -> str:
        return str(self.data.orgs[key])


@pytest.fixture
def registry(db_url: str) -> Iterator[Registry]:
    db = Database(db_url)
    data = build(db)
    yield Registry(db, db_url, data)
    db.dispose()


@pytest.fixture
def empty(db_url: str) -> Iterator[Registry]:
    db = Database(db_url)
    db.ensure_ready()
    yield Registry(db, db_url, Dataset({}, {}))
    db.dispose()


def write_json(path: Path, value) -> str:
    path.write_text(json.dumps(value), encoding="utf-8")
    return str(path)


# --- help, serve and demo ------------------------------------------------------------------


@pytest.mark.parametrize("path", command_paths(), ids="-".join)
def test_help_of_every_command(path: tuple[str, ...]) -> None:
    result = cli(*path, "--help")
    assert f"Usage: filiera {' '.join(path)}" in flat(result.output)
    assert "--help" in result.output


def serving(monkeypatch) -> list[tuple[str, str, int]]:
    """Record (app type, host, port) instead of starting uvicorn."""
    calls = []
    monkeypatch.setattr(
        uvicorn, "run", lambda app, host, port, **_: calls.append((type(app).__name__, host, port))
    )
    return calls


def test_serve_parses_its_options_and_starts_the_server(monkeypatch, tmp_path: Path) -> None:
    calls = serving(monkeypatch)
    monkeypatch.chdir(tmp_path)  # the project's default database is var/filiera.db in here
    url = f"sqlite:///{tmp_path}/serve.db"
    cli("db", "upgrade", db=url)
    started = cli("serve", "--host", "127.0.0.2", "--port", "8765", db=url)
    assert "Filiera at http://127.0.0.2:8765" in flat(started.output)
    cli("db", "upgrade")
    cli("serve")
    settings = Settings()
    assert calls == [("FastAPI", "127.0.0.2", 8765), ("FastAPI", settings.host, settings.port)]
    bad = cli("serve", "--port", "eighty", code=2)
    assert "Invalid value" in flat(bad.output) and "--port" in bad.output
    assert len(calls) == 2
    help_text = flat(cli("serve", "--help").output)
    assert "Serve the web UI and REST API" in help_text and "--host" in help_text


def test_serve_with_workers_hands_the_database_to_each_worker(monkeypatch, tmp_path: Path) -> None:
    """Workers build their own app from the environment: the import string, the database URL."""
    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: calls.append((app, options)))
    monkeypatch.setenv("FILIERA_DATABASE_URL", "sqlite:///restored-after-the-test.db")
    url = f"sqlite:///{tmp_path}/workers.db"
    cli("db", "upgrade", db=url)
    started = cli("serve", "--workers", "2", "--port", "8766", db=url)
    assert "2 worker processes" in flat(started.output)
    [(target, options)] = calls
    assert target == "filiera.cli.serve_cmd:worker_app"
    assert options["factory"] is True and options["workers"] == 2 and options["port"] == 8766
    assert os.environ["FILIERA_DATABASE_URL"] == url
    assert "Invalid value" in flat(cli("serve", "--workers", "0", db=url, code=2).output)
    assert len(calls) == 1


def test_demo_loads_the_demo_data_then_serves_it(monkeypatch, tmp_path: Path) -> None:
    calls = serving(monkeypatch)
    monkeypatch.chdir(tmp_path)  # demo records its database as this folder's default
    url = f"sqlite:///{tmp_path}/demo.db"
    loaded = flat(cli("demo", "--db", url, "--synthetic", "3", "--no-serve").output)
    assert f"Demo database: {url} (loaded now)" in loaded and "synthetic: 3" in loaded
    assert calls == []
    db = Database(url)
    with db.session() as session:
        synthetic = select(func.count()).where(Organisation.synthetic.is_(True))
        assert session.scalar(synthetic) == 3
        assert session.scalar(select(func.count(Organisation.id))) > 20
        assert session.scalar(select(func.count(Need.id))) >= 1
    db.dispose()
    again = flat(cli("demo", "--db", url, "--port", "8100").output)
    assert "already loaded" in again
    assert calls == [("FastAPI", Settings().host, 8100)]
    assert "--no-serve" in cli("demo", "--help").output


# --- db, stats, taxonomy -------------------------------------------------------------------


def test_db_upgrade_step_by_step_and_current(db_url: str) -> None:
    before = cli("db", "current", db=db_url).stdout
    assert flat(before) == f"current: None head: {head()}"
    first = cli("db", "upgrade", "--revision", "0001", db=db_url)
    assert "database at revision 0001" in flat(first.output)
    assert flat(cli("db", "current", db=db_url).stdout) == f"current: 0001 head: {head()}"
    dialect = "sqlite" if db_url.startswith("sqlite") else "postgresql"
    done = cli("db", "upgrade", db=db_url)
    assert f"database at revision {head()} ({dialect})" in flat(done.output)
    assert flat(cli("db", "current", db=db_url).stdout) == f"current: {head()} head: {head()}"
    cli("db", "upgrade", db=db_url)  # idempotent
    assert flat(cli("db", "current", db=db_url).stdout) == f"current: {head()} head: {head()}"


def test_stats_figures_match_the_data(registry: Registry) -> None:
    figures = out_json(cli("stats", "--json", db=registry.url))
    kinds: dict[str, int] = {}
    for record in ORGANISATIONS.values():
        kinds[record["kind"]] = kinds.get(record["kind"], 0) + 1
    assert figures == {
        "organisations": 6,
        "projects": 2,
        "participations": 5,
        "eu_contribution": 85_500_000.0,
        "by_country": {"IT": 4, "FR": 1, "LU": 1},
        "by_kind": figures["by_kind"],
    }
    assert figures["by_kind"] == kinds
    text = flat(cli("stats", db=registry.url).output)
    assert "organisations: 6" in text and "projects: 2" in text and "participations: 5" in text
    cli("org", "add", "--name", "Nuova Avionica", "--country", "DE", db=registry.url)
    after = out_json(cli("stats", "--json", db=registry.url))
    assert after["organisations"] == 7 and after["by_country"]["DE"] == 1


def test_taxonomy_in_each_language() -> None:
    nodes = taxonomy.capabilities()
    english = out_json(cli("taxonomy", "--json"))
    italian = out_json(cli("taxonomy", "--json", "--lang", "it"))
    assert [row["code"] for row in english] == list(nodes)
    assert all(row["label"] == taxonomy.label(row["code"], "it") for row in italian)
    assert sum(a["label"] != b["label"] for a, b in zip(english, italian, strict=True)) > 30
    roots = {row["code"] for row in english if row["parent"] is None}
    assert {"air", "space"} <= roots
    text = cli("taxonomy", "--lang", "de").stdout.splitlines()
    assert len(text) == len(nodes)
    assert text[0].split()[0] == english[0]["code"]
    assert any(line.startswith("  air.") for line in text)


# --- org -----------------------------------------------------------------------------------


def test_org_list_filters_pages_and_counts(registry: Registry) -> None:
    def listed(*options: str) -> dict:
        return out_json(cli("org", "list", "--json", *options, db=registry.url))

    page = listed()
    assert page["count"] == 6 and len(page["data"]) == 6
    assert {o["name"] for o in page["data"]} == {r["name"] for r in ORGANISATIONS.values()}
    assert listed("--country", "IT")["count"] == 4
    assert {o["name"] for o in listed("--kind", "prime")["data"]} == {
        "Leonardo S.p.A.",
        "Safran SA",
    }
    assert [o["name"] for o in listed("--q", "safr")["data"]] == ["Safran SA"]
    members = listed("--cluster", registry.org("cluster"))["data"]
    assert {o["id"] for o in members} == {
        registry.data.orgs["polimi"],
        registry.data.orgs["aerosud"],
    }
    space = {o["name"] for o in listed("--capability", "space")["data"]}
    assert space == {"LuxSpace Sàrl", "Politecnico di Milano"}
    assert listed("--certification", "iso9001")["data"][0]["name"] == "LuxSpace Sàrl"
    second = listed("--per-page", "4", "--page", "2")
    assert second["count"] == 6 and len(second["data"]) == 2 and second["page"] == 2
    table = flat(cli("org", "list", "--country", "FR", db=registry.url).output)
    assert "1 found" in table and "Safran SA" in table and "999993856" in table


def test_org_show_by_id_and_pic(registry: Registry) -> None:
    leonardo = out_json(cli("org", "show", registry.org("leonardo"), "--json", db=registry.url))
    assert leonardo["id"] == registry.data.orgs["leonardo"]
    assert leonardo["name"] == "Leonardo S.p.A." and leonardo["identifiers"] == {"pic": "999880463"}
    assert {p["acronym"] for p in leonardo["projects"]} == {"EPC", "SPACE-EYE"}
    assert {c["code"] for c in leonardo["capability_details"]} == {
        "air.rotorcraft",
        "electronics.radar",
    }
    by_pic = out_json(cli("org", "show", "999880463", "--json", db=registry.url))
    assert by_pic == leonardo
    text = flat(cli("org", "show", registry.org("leonardo"), db=registry.url).output)
    assert "Leonardo S.p.A. (prime, IT)" in text
    assert "capability air.rotorcraft" in text and "AW101 programme" in text
    assert "project EPC (coordinator)" in text and "source: EDF results" in text
    missing = cli("org", "show", "424242", db=registry.url, code=1)
    assert "error:" in missing.output and "424242" in flat(missing.output)
    assert "Traceback" not in missing.output
    body = out_json(cli("org", "show", "123456789", "--json", db=registry.url, code=1))
    assert body["error"]["code"] == "not_found" and "123456789" in body["error"]["message"]


def test_org_add_then_show_returns_the_record(registry: Registry, tmp_path: Path) -> None:
    name = ("--name", "Vortani Aerostrutture S.r.l.", "--country", "IT", "--kind", "sme")
    options = ("--pic", "912345678", "--city", "Torino", "--json")
    added = out_json(cli("org", "add", *name, *options, db=registry.url))
    assert added["outcome"] == "created"
    shown = out_json(cli("org", "show", str(added["id"]), "--json", db=registry.url))
    assert shown["name"] == "Vortani Aerostrutture S.r.l." and shown["kind"] == "sme"
    assert shown["country"] == "IT" and shown["city"] == "Torino"
    assert shown["identifiers"] == {"pic": "912345678"}
    assert registry.count(Organisation) == 7
    record = {
        "name": "Brelosi Avionica S.p.A.",
        "kind": "midcap",
        "country": "IT",
        "region": "ITC4C",
        "descriptions": {"en": "Avionics for helicopters."},
        "capabilities": [{"code": "air.avionics", "level": "evidenced", "evidence": "AW169"}],
    }
    path = write_json(tmp_path / "brelosi.json", record)
    text = cli("org", "add", "--from-json", path, db=registry.url).stdout
    assert text.startswith("created: organisation ")
    brelosi = text.split()[-1]
    shown = out_json(cli("org", "show", brelosi, "--json", db=registry.url))
    assert shown["region"] == "ITC4C" and shown["capabilities"] == ["air.avionics"]
    assert shown["descriptions"] == {"en": "Avionics for helicopters."}
    again = out_json(cli("org", "add", "--from-json", path, "--json", db=registry.url))
    assert again["outcome"] in ("merged", "unchanged") and str(again["id"]) == brelosi
    options = ["--name", "Vortani", "--country", "IT", "--pic", "912345678", "--json"]
    same_pic = out_json(cli("org", "add", *options, db=registry.url))
    assert same_pic["id"] == added["id"] and same_pic["outcome"] != "created"
    assert registry.count(Organisation) == 8
    bad = out_json(
        cli("org", "add", "--name", "", "--country", "XX", "--json", db=registry.url, code=1)
    )
    assert {d["field"] for d in bad["error"]["details"]} >= {"name", "country"}
    assert registry.count(Organisation) == 8


def test_org_edit_changes_only_the_given_fields(registry: Registry) -> None:
    safran = registry.org("safran")
    before = out_json(cli("org", "show", safran, "--json", db=registry.url))
    changes = ("city=Toulouse", "website=https://www.safran-group.com", "--json")
    edited = out_json(cli("org", "edit", safran, *changes, db=registry.url))
    assert edited["city"] == "Toulouse" and edited["website"] == "https://www.safran-group.com"
    after = out_json(cli("org", "show", safran, "--json", db=registry.url))
    assert after["city"] == "Toulouse"
    unchanged = ("name", "kind", "country", "identifiers", "capabilities", "projects")
    assert {k: after[k] for k in unchanged} == {k: before[k] for k in unchanged}
    text = cli("org", "edit", "999993856", "employees=45000", db=registry.url).stdout
    assert text.strip() == f"updated organisation {safran}"
    assert out_json(cli("org", "show", safran, "--json", db=registry.url))["employees"] == 45000
    unknown = out_json(cli("org", "edit", safran, "colour=red", "--json", db=registry.url, code=1))
    assert [d["field"] for d in unknown["error"]["details"]] == ["colour"]
    no_sign = cli("org", "edit", safran, "city", db=registry.url, code=None)
    assert "'city'" in flat(no_sign.output) and "Traceback" not in no_sign.output
    cli("org", "edit", "424242", "city=Roma", db=registry.url, code=1)


def test_org_edit_refuses_an_empty_name_with_a_clean_error(registry: Registry) -> None:
    safran = registry.org("safran")
    result = cli("org", "edit", safran, "name=", db=registry.url, code=1)
    text = flat(result.output)
    assert "error:" in text and "name: cannot be null" in text
    assert "Traceback" not in result.output and "IntegrityError" not in result.output
    body = out_json(cli("org", "edit", safran, "name=", "--json", db=registry.url, code=1))
    assert body["error"]["code"] == "validation_failed"
    assert [(d["field"], d["message"]) for d in body["error"]["details"]] == [
        ("name", "cannot be null")
    ]
    shown = out_json(cli("org", "show", safran, "--json", db=registry.url))
    assert shown["name"] == "Safran SA"


def test_org_edit_refuses_a_pic_held_by_another_organisation(registry: Registry) -> None:
    safran = registry.org("safran")
    result = cli("org", "edit", safran, "pic=999880463", db=registry.url, code=1)
    text = flat(result.output)
    assert "error:" in text and "identifiers.pic" in text
    assert "Traceback" not in result.output and "IntegrityError" not in result.output
    body = out_json(cli("org", "edit", safran, "pic=999880463", "--json", db=registry.url, code=1))
    assert body["error"]["code"] == "conflict"
    assert [d["field"] for d in body["error"]["details"]] == ["identifiers.pic"]
    shown = out_json(cli("org", "show", safran, "--json", db=registry.url))
    assert shown["identifiers"] == {"pic": "999993856"}


def test_org_access_shows_and_changes_who_may_see(registry: Registry) -> None:
    polimi, leonardo = registry.org("polimi"), registry.org("leonardo")
    current = flat(cli("org", "access", polimi, db=registry.url).stdout)
    assert current.startswith(f"organisation {polimi}: public")
    options = ["--visibility", "restricted", "--grant-role", "buyer", "--field", "employees=owner"]
    options += ["--grant-org", leonardo, "--mark", "dual_use", "--json"]
    changed = out_json(cli("org", "access", polimi, *options, db=registry.url))
    assert changed["visibility"] == "restricted" and changed["markings"] == ["dual_use"]
    assert changed["field_visibility"] == {"employees": "owner"}
    grants = {(g["organisation_id"], g["role"]) for g in changed["grants"]}
    assert grants == {(None, "buyer"), (int(leonardo), None)}
    shown = out_json(cli("org", "show", polimi, "--json", db=registry.url))
    assert shown["visibility"] == "restricted" and shown["markings"] == ["dual_use"]
    text = flat(cli("org", "access", polimi, db=registry.url).output)
    assert (
        "restricted" in text
        and "granted to buyer" in text
        and f"granted to organisation {leonardo}" in text
    )
    cleared = out_json(cli("org", "access", polimi, "--clear-grants", "--json", db=registry.url))
    assert cleared["grants"] == [] and cleared["visibility"] == "restricted"
    bad = out_json(
        cli("org", "access", polimi, "--visibility", "secret", "--json", db=registry.url, code=1)
    )
    assert "visibility" in {d["field"] for d in bad["error"]["details"]}


def test_cluster_list_members_invite_answer_remove(registry: Registry) -> None:
    """Admins enrol; a manager only invites; the organisation's user answers (issue 9)."""
    cluster, leonardo, safran = (
        registry.org("cluster"),
        registry.org("leonardo"),
        registry.org("safran"),
    )
    url = registry.url
    with registry.db.session() as session:
        accounts.add_user(
            session, "m@cli.example", "M", PASSWORD, role="cluster_manager", org_ids=[int(cluster)]
        )
        accounts.add_user(
            session, "leo@cli.example", "L", PASSWORD, role="member", org_ids=[int(leonardo)]
        )
    listed = out_json(cli("cluster", "list", "--json", db=url))
    assert [(c["id"], c["members"]) for c in listed["data"]] == [(int(cluster), 2)]
    assert listed["count"] == 1
    assert out_json(cli("cluster", "list", "--q", "nowhere", "--json", db=url))["count"] == 0
    page_two = cli("cluster", "list", "--page", "2", db=url).stdout
    assert page_two.strip() == "page 2 of 1, 1 cluster"
    bad = cli("cluster", "list", "--country", "Italy", db=url, code=1)
    assert "filters: country" in bad.output
    assert out_json(cli("cluster", "members", cluster, "--json", db=url))["count"] == 2
    invited = out_json(
        cli("cluster", "add", cluster, leonardo, "--as", "m@cli.example", "--json", db=url)
    )
    assert invited["status"] == "invited"
    assert out_json(cli("cluster", "members", cluster, "--json", db=url))["count"] == 2
    sent = out_json(
        cli("cluster", "invitations", cluster, "--as", "m@cli.example", "--json", db=url)
    )
    assert [i["organisation_id"] for i in sent] == [int(leonardo)]
    inbox = out_json(cli("cluster", "inbox", leonardo, "--as", "leo@cli.example", "--json", db=url))
    assert [i["status"] for i in inbox] == ["pending"]
    refused = cli("cluster", "answer", leonardo, str(inbox[0]["id"]), "maybe", db=url, code=1)
    assert "decision" in refused.output
    outsider = cli(
        "cluster",
        "answer",
        leonardo,
        str(inbox[0]["id"]),
        "accept",
        "--as",
        "m@cli.example",
        db=url,
        code=1,
    )
    assert "accept" not in outsider.stdout
    accepted = out_json(
        cli(
            "cluster",
            "answer",
            leonardo,
            str(inbox[0]["id"]),
            "accept",
            "--as",
            "leo@cli.example",
            "--json",
            db=url,
        )
    )
    assert accepted[0]["status"] == "accepted"
    assert out_json(cli("cluster", "members", cluster, "--json", db=url))["count"] == 3
    text = flat(cli("cluster", "add", cluster, safran, db=url).stdout)
    assert text == f"organisation {safran} is now a member of cluster {cluster}"
    cli("cluster", "remove", cluster, safran, "--as", "m@cli.example", db=url)
    assert out_json(cli("cluster", "members", cluster, "--json", db=url))["count"] == 3


def test_org_show_and_list_as_a_user(registry: Registry) -> None:
    polimi = registry.org("polimi")
    options = ["--visibility", "restricted", "--grant-role", "buyer"]
    cli("org", "access", polimi, *options, db=registry.url)
    add_user(registry, "buyer@cli.example", "--role", "buyer")
    add_user(registry, "viewer@cli.example", "--role", "viewer")
    as_buyer = ("--as", "buyer@cli.example")
    as_viewer = ("--as", "viewer@cli.example")
    shown = out_json(cli("org", "show", polimi, "--json", *as_buyer, db=registry.url))
    assert shown["name"] == "Politecnico di Milano"
    cli("org", "show", polimi, *as_viewer, db=registry.url, code=1)
    assert out_json(cli("org", "list", "--json", *as_buyer, db=registry.url))["count"] == 6
    assert out_json(cli("org", "list", "--json", *as_viewer, db=registry.url))["count"] == 5


# --- review --------------------------------------------------------------------------------


def queue_duplicate(registry: Registry) -> tuple[int, int]:
    """Polimi again, in another city: the resolver is unsure and queues a review item."""
    options = ["--country", "IT", "--kind", "university", "--city", "Lecco", "--json"]
    added = out_json(
        cli("org", "add", "--name", "Politecnico di Milano", *options, db=registry.url)
    )
    assert added["outcome"] == "review" and added["reasons"]
    items = out_json(cli("review", "--json", db=registry.url))
    assert items["count"] == 1
    item = items["data"][0]
    assert item["new"] == {
        "id": added["id"],
        "name": "Politecnico di Milano",
        "country": "IT",
        "city": "Lecco",
    }
    assert item["existing"]["id"] == registry.data.orgs["polimi"]
    assert 0 < item["score"] <= 1 and item["reasons"]
    return item["id"], added["id"]


def test_review_lists_then_rejects_a_queued_duplicate(registry: Registry) -> None:
    item, newer = queue_duplicate(registry)
    table = flat(cli("review", db=registry.url).output)
    assert "open review items" in table and "Lecco" in table and f"#{newer}" in table
    decided = cli("review", "reject", str(item), db=registry.url)
    assert decided.stdout.strip() == f"review item {item}: rejected, both kept"
    assert out_json(cli("review", "--json", db=registry.url)) == {"data": [], "count": 0}
    assert registry.count(Organisation) == 7
    assert registry.count(ReviewItem, ReviewItem.status == "rejected") == 1
    cli("org", "show", str(newer), db=registry.url)
    again = cli("review", "reject", str(item), db=registry.url, code=1)
    assert "already rejected" in flat(again.output)


def test_review_merges_a_queued_duplicate(registry: Registry) -> None:
    item, newer = queue_duplicate(registry)
    decided = cli("review", "merge", str(item), db=registry.url)
    assert decided.stdout.strip() == f"review item {item}: merged"
    assert out_json(cli("review", "--json", db=registry.url))["count"] == 0
    assert registry.count(Organisation) == 6
    cli("org", "show", str(newer), db=registry.url, code=1)
    polimi = out_json(cli("org", "show", registry.org("polimi"), "--json", db=registry.url))
    assert polimi["name"] == "Politecnico di Milano"
    missing = cli("review", "merge", "9999", db=registry.url, code=1)
    assert "9999 does not exist" in flat(missing.output)


# --- user ----------------------------------------------------------------------------------


def add_user(registry: Registry, email: str, *options: str) -> Result:
    """`filiera user add EMAIL OPTIONS --password-stdin` with the test password."""
    stdin = PASSWORD + "\n"
    return cli("user", "add", email, *options, "--password-stdin", db=registry.url, stdin=stdin)


def users_by_email(registry: Registry) -> dict[str, dict]:
    return {u["email"]: u for u in out_json(cli("user", "list", "--json", db=registry.url))}


def test_user_add_list_disable_enable_password(registry: Registry) -> None:
    created = add_user(registry, "root@cli.example", "--admin")
    assert created.stdout.startswith("created user ") and "root@cli.example" in created.stdout
    options = ("--name", "Maria Rossi", "--role", "member", "--org", registry.org("polimi"))
    member = out_json(add_user(registry, MEMBER, *options, "--json"))
    assert member["role"] == "member" and member["organisations"] == [registry.data.orgs["polimi"]]
    users = users_by_email(registry)
    assert users["root@cli.example"]["role"] == "admin"
    assert users[MEMBER]["name"] == "Maria Rossi" and users[MEMBER]["active"]
    table = flat(cli("user", "list", db=registry.url).output)
    assert "root@cli.example" in table and "member" in table
    disabled = cli("user", "disable", MEMBER, db=registry.url)
    assert disabled.stdout.strip() == f"disabled {MEMBER}"
    assert users_by_email(registry)[MEMBER]["active"] is False
    cli("user", "enable", MEMBER, db=registry.url)
    assert users_by_email(registry)[MEMBER]["active"] is True
    new = NEW_PASSWORD + "\n"
    changed = cli("user", "password", MEMBER, "--password-stdin", db=registry.url, stdin=new)
    assert changed.stdout.strip() == f"password changed for {MEMBER}"
    settings = Settings()
    user_id = accounts.authenticate(registry.db, settings, MEMBER, NEW_PASSWORD, None)
    assert user_id == member["id"]
    with pytest.raises(Unauthorized):
        accounts.authenticate(registry.db, settings, MEMBER, PASSWORD, None)
    short = cli(
        "user", "password", MEMBER, "--password-stdin", db=registry.url, stdin="short\n", code=1
    )
    assert "password" in flat(short.output)
    options = ("--password-stdin", "--json")
    bad = out_json(cli("user", "add", "bad", *options, db=registry.url, stdin="short\n", code=1))
    assert {"email", "password"} <= {d["field"] for d in bad["error"]["details"]}
    cli("user", "disable", "nobody@cli.example", db=registry.url, code=1)
    assert len(users_by_email(registry)) == 2


def test_user_token_tokens_revoke(registry: Registry) -> None:
    add_user(registry, "buyer@cli.example", "--role", "buyer")
    options = ["--name", "ci", "--days", "7", "--json"]
    token = out_json(cli("user", "token", "buyer@cli.example", *options, db=registry.url))
    assert token["token"].startswith("fil_") and token["name"] == "ci"
    expires = datetime.fromisoformat(token["expires_at"]).replace(tzinfo=UTC)
    assert timedelta(days=6) < expires - datetime.now(UTC) <= timedelta(days=7)
    plain = cli("user", "token", "buyer@cli.example", db=registry.url)
    secret = plain.stdout.strip()
    assert secret.startswith("fil_") and "store it now" in flat(plain.stderr)
    with registry.db.session() as session:
        user, _ = accounts.user_for_token(session, Settings(), token["token"])
        assert user.email == "buyer@cli.example"
    rows = out_json(cli("user", "tokens", "buyer@cli.example", "--json", db=registry.url))
    assert sorted(r["name"] for r in rows) == ["ci", "cli"] and "token" not in rows[0]
    listing = cli("user", "tokens", "buyer@cli.example", db=registry.url).stdout
    assert token["token"] not in listing and secret not in listing
    assert f"{token['id']}\tfil_" in listing and "expires" in listing
    revoked = cli("user", "revoke", str(token["id"]), db=registry.url)
    assert revoked.stdout.strip() == f"revoked token {token['id']}"
    with registry.db.session() as session, pytest.raises(Unauthorized):
        accounts.user_for_token(session, Settings(), token["token"])
    with registry.db.session() as session:
        assert accounts.user_for_token(session, Settings(), secret)[0].email == "buyer@cli.example"
    states = {
        r["id"]: r["revoked_at"]
        for r in out_json(cli("user", "tokens", "buyer@cli.example", "--json", db=registry.url))
    }
    assert states[token["id"]] is not None and sum(v is None for v in states.values()) == 1
    cli("user", "revoke", "0", db=registry.url, code=1)


# --- import, export, audit, synth ----------------------------------------------------------

CSV_IT = (
    "Nome;Tipologia;Paese;Regione;Città;PIC;Dipendenti;Capacità\n"
    "Vortani Aerostrutture S.r.l.;PMI;Italia;ITC11;Torino;912345678;48;Aerostrutture\n"
    "Brelosi Avionica S.p.A.;Grande impresa;IT;ITC4C;Milano;;1.250;air.avionics:evidenced\n"
)


def test_import_csv(empty: Registry, tmp_path: Path) -> None:
    path = tmp_path / "soci.csv"
    path.write_text(CSV_IT, encoding="utf-8")
    first = out_json(cli("import", "csv", str(path), "--json", db=empty.url))
    assert first["counts"]["organisations_created"] == 2
    shown = out_json(cli("org", "show", "912345678", "--json", db=empty.url))
    assert shown["name"] == "Vortani Aerostrutture S.r.l." and shown["employees"] == 48
    again = flat(cli("import", "csv", str(path), "--kind", "organisations", db=empty.url).output)
    assert "organisations_unchanged: 2" in again
    assert empty.count(Organisation) == 2
    bad = tmp_path / "bad.csv"
    bad.write_text(CSV_IT + "Zanderix;PMI;XX;;Roma;;1;\n", encoding="utf-8")
    refused = cli("import", "csv", str(bad), db=empty.url, code=1)
    assert "bad.csv row 4: Paese" in flat(refused.output)
    report = tmp_path / "rejected.json"
    cli("import", "csv", str(bad), "--skip-invalid", "--report", str(report), db=empty.url)
    assert json.loads(report.read_text())["rejected"][0]["record"] == "bad.csv row 4"
    assert empty.count(Organisation) == 2


def test_import_csv_reads_the_file_once(
    empty: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command reads the file to refuse a bad one early and to size its progress bar;
    the import uses that table."""
    from filiera.imports import csv_table

    reads: list[Path] = []

    def counted(path: Path) -> csv_table.Table:
        reads.append(path)
        return csv_table.read_table(path)

    monkeypatch.setattr("filiera.cli.import_cmd.read_table", counted)
    monkeypatch.setattr("filiera.imports.csv_import.read_table", counted)
    path = tmp_path / "soci.csv"
    path.write_text(CSV_IT, encoding="utf-8")
    cli("import", "csv", str(path), db=empty.url)
    assert reads == [path] and empty.count(Organisation) == 2


def test_import_csv_on_one_or_two_processes(
    empty: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from filiera.imports import split_work

    monkeypatch.setattr(split_work, "MIN_ITEMS", 2)  # the two rows are split
    path = tmp_path / "soci.csv"
    path.write_text(CSV_IT + "Zanderix;PMI;XX;;Roma;;1;\n", encoding="utf-8")
    refused = [
        cli("import", "csv", str(path), "--processes", n, db=empty.url, code=1) for n in "12"
    ]
    assert flat(refused[0].output) == flat(refused[1].output)
    assert "soci.csv row 4: Paese" in flat(refused[1].output)
    assert empty.count(Organisation) == 0
    zero = cli("import", "csv", str(path), "--processes", "0", db=empty.url, code=2)
    assert "--processes" in flat(zero.output)


JSONL = [
    {
        "type": "organisation",
        "name": "Velmora Systems",
        "kind": "sme",
        "country": "FR",
        "city": "Toulouse",
        "identifiers": {"pic": "913456789"},
        "capabilities": [{"code": "space.satellites"}],
    },
    {"type": "organisation", "name": "Krosik Defence GmbH", "kind": "midcap", "country": "DE"},
]


def test_import_jsonl(empty: Registry, tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in JSONL) + "\n", encoding="utf-8")
    text = flat(cli("import", "jsonl", str(path), db=empty.url).output)
    assert "organisations_created: 2" in text
    shown = out_json(cli("org", "show", "913456789", "--json", db=empty.url))
    assert shown["name"] == "Velmora Systems" and shown["capabilities"] == ["space.satellites"]
    again = out_json(cli("import", "jsonl", str(path), "--json", db=empty.url))
    assert again["counts"]["organisations_unchanged"] == 2
    bad = tmp_path / "bad.jsonl"
    bad.write_text(path.read_text() + '{"type": "organisation", "name": "X", "country": "XX"}\n')
    refused = cli("import", "jsonl", str(bad), db=empty.url, code=1)
    assert "bad.jsonl line 3: country" in flat(refused.output)
    assert empty.count(Organisation) == 2


def test_import_edf(empty: Registry, tmp_path: Path) -> None:
    folder = tmp_path / "edf"
    folder.mkdir()
    companies = [
        {
            "pic": "914567890",
            "name": "ORBITALE SPA",
            "legal_name": "ORBITALE SPA",
            "country": "IT",
            "city": "TORINO",
            "classification_type": "Small or medium-size enterprise",
        },
        {
            "pic": "915678901",
            "name": "NORDRADAR AB",
            "country": "SE",
            "city": "LINKOPING",
            "classification_type": "Private for profit organisation",
        },
    ]
    projects = [
        {
            "project_id": "101999001",
            "acronym": "SKYWATCH",
            "title": "Space surveillance",
            "call_identifier": "EDF-2023-DA-SPACE-SSA",
            "start_date": "2024-01-01",
            "eu_contribution": 12_000_000.0,
            "participants": [
                {"pic": "914567890", "role": "coordinator"},
                {"pic": "915678901", "role": "participant"},
            ],
        },
    ]
    write_json(folder / "companies.json", companies)
    write_json(folder / "projects.json", projects)
    result = cli("import", "edf", str(folder), "--json", db=empty.url)
    assert "Funding & Tenders" in flat(result.stderr)
    counts = out_json(result)["counts"]
    assert counts["organisations_created"] == 2 and counts["projects_created"] == 1
    assert counts["participations_created"] == 2
    figures = out_json(cli("stats", "--json", db=empty.url))
    assert figures["projects"] == 1 and figures["eu_contribution"] == 12_000_000.0
    shown = out_json(cli("org", "show", "914567890", "--json", db=empty.url))
    assert shown["kind"] == "sme" and shown["city"] == "Torino"
    assert [(p["acronym"], p["role"]) for p in shown["projects"]] == [("SKYWATCH", "coordinator")]
    again = flat(cli("import", "edf", str(folder), db=empty.url).output)
    assert "organisations_unchanged: 2" in again and "projects_unchanged: 1" in again
    assert empty.count(Project) == 1


def test_export_writes_every_record(registry: Registry, tmp_path: Path) -> None:
    out = tmp_path / "all.jsonl"
    result = cli("export", str(out), db=registry.url)
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    types = [line["type"] for line in lines]
    assert types.count("organisation") == 6 and types.count("project") == 2
    assert types.count("membership") == 2
    assert f"exported {len(lines)} lines to {out}" in flat(result.output)
    stdout = cli("export", "-", db=registry.url).stdout
    assert [json.loads(line)["type"] for line in stdout.splitlines()] == types
    cli("org", "access", registry.org("polimi"), "--visibility", "owner", db=registry.url)
    add_user(registry, "viewer@cli.example")
    seen = cli("export", "-", "--as", "viewer@cli.example", db=registry.url).stdout
    names = {json.loads(line).get("name") for line in seen.splitlines()}
    assert "Politecnico di Milano" not in names and "Safran SA" in names
    cli("export", "-", "--as", "nobody@cli.example", db=registry.url, code=1)


def test_audit_lists_events(registry: Registry) -> None:
    polimi = registry.org("polimi")
    add_user(registry, "root@cli.example", "--admin")
    cli("org", "access", polimi, "--visibility", "members", db=registry.url)
    events = out_json(cli("audit", "--json", "--limit", "500", db=registry.url))
    actions = {(e["action"], e["entity"]) for e in events}
    assert ("create", "user") in actions and ("update", "organisation") in actions
    assert all("password_hash" not in json.dumps(e) for e in events)
    options = ["--json", "--action", "update", "--entity", "organisation", "--id", polimi]
    updates = out_json(cli("audit", *options, db=registry.url))
    assert updates and all(e["entity_id"] == int(polimi) for e in updates)
    assert any((e["after"] or {}).get("visibility") == "members" for e in updates)
    assert len(out_json(cli("audit", "--json", "--limit", "1", db=registry.url))) == 1
    future = cli("audit", "--json", "--since", "2999-01-01", db=registry.url)
    assert out_json(future) == []
    table = flat(cli("audit", "--action", "update", db=registry.url).output)
    assert "audit log" in table and "update" in table and f"organisation {polimi}" in table
    assert "limit" in cli("audit", "--limit", "0", db=registry.url, code=None).output


def test_synth_loads_or_writes_fictional_organisations(empty: Registry, tmp_path: Path) -> None:
    loaded = flat(cli("synth", "--orgs", "5", "--seed", "3", db=empty.url).output)
    assert "loaded SYNTHETIC organisations (seed 3)" in loaded
    assert empty.count(Organisation, Organisation.synthetic.is_(True)) == 5
    assert empty.count(Organisation) == 5
    out = tmp_path / "synthetic.jsonl"
    written = flat(cli("synth", "--orgs", "4", "--seed", "3", "--out", str(out)).output)
    assert "wrote 4 SYNTHETIC organisations (seed 3)" in written
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    orgs = [line for line in lines if line["type"] == "organisation"]
    assert len(orgs) == 4 and all(o["synthetic"] for o in orgs)
    refused = cli("synth", "--orgs", "2", "--out", str(tmp_path / "s.txt"), code=1)
    assert "--out must end in .csv or .jsonl" in flat(refused.output)
    assert "--orgs" in cli("synth", "--orgs", "-1", code=None).output
    assert empty.count(Organisation) == 5


# --- match, need, thesis, opportunities ----------------------------------------------------


def test_match_ranks_with_reasons(registry: Registry) -> None:
    result = out_json(
        cli("match", "helicopters and rotorcraft", "--top", "3", "--json", db=registry.url)
    )
    assert result["lang"] == "en"
    first = result["results"][0]
    assert first["id"] == registry.data.orgs["leonardo"] and first["explanations"]
    assert len(result["results"]) <= 3
    french = out_json(cli("match", "helicopters", "--country", "FR", "--json", db=registry.url))
    assert all(hit["country"] == "FR" for hit in french["results"])
    table = flat(cli("match", "elicotteri", "--lang", "it", db=registry.url).output)
    assert "language: it" in table and "Leonardo" in table
    assert "top" in cli("match", "radar", "--top", "0", db=registry.url, code=None).output


def test_why_not_says_where_an_organisation_stands(registry: Registry) -> None:
    leonardo, safran = registry.org("leonardo"), registry.org("safran")
    first = out_json(cli("why-not", leonardo, "helicopters", "--json", db=registry.url))
    assert (first["status"], first["rank"]) == ("first_page", 1)
    table = flat(cli("why-not", safran, "helicopters", "--country", "IT", db=registry.url).output)
    assert "left out by the filters" in table and "(FR)" in table
    missing = cli("why-not", "9999", "helicopters", db=registry.url, code=1)
    assert "organisation 9999 does not exist" in flat(missing.stderr)


NEED = {
    "title": "Satelliti per osservazione della Terra",
    "text": "Cerchiamo piccoli satelliti e servizi di osservazione della Terra per il "
    "monitoraggio delle coste.",
    "capabilities": ["space.satellites"],
    "countries": ["LU", "IT"],
}
THESIS = {
    "title": "Additive manufacturing start-ups",
    "text": "Seed tickets for European start-ups printing metal parts with additive "
    "manufacturing for defence supply chains.",
    "sectors": ["additive.metal"],
    "stages": ["seed"],
    "countries": ["IT"],
}


def test_need_add_list_match_and_opportunities(registry: Registry, tmp_path: Path) -> None:
    cluster, luxspace = registry.data.orgs["cluster"], registry.data.orgs["luxspace"]
    path = write_json(tmp_path / "need.json", {**NEED, "owner_id": cluster})
    need = out_json(cli("need", "add", path, "--json", db=registry.url))
    assert need["lang"] == "it" and need["owner"] == "Lombardia Aerospace Cluster"
    assert need["status"] == "open" and need["capabilities"] == ["space.satellites"]
    assert registry.count(Need) == 1
    second = cli("need", "add", path, db=registry.url).stdout.strip()
    assert second.startswith("published need ") and second.endswith("(it)")
    listed = out_json(cli("need", "list", "--json", db=registry.url))
    assert [n["id"] for n in listed] == [int(second.split()[2]), need["id"]]
    assert len(out_json(cli("need", "list", "--all", "--json", db=registry.url))) == 2
    table = cli("need", "list", db=registry.url).stdout
    assert f"{need['id']}\topen\tLombardia Aerospace Cluster\t{NEED['title']}" in table
    ranked = out_json(
        cli("need", "match", str(need["id"]), "--top", "3", "--json", db=registry.url)
    )
    assert ranked["results"][0]["id"] == luxspace
    found = out_json(cli("opportunities", str(luxspace), "--json", db=registry.url))
    assert need["id"] in [n["id"] for n in found["needs"]]
    text = flat(cli("opportunities", str(luxspace), db=registry.url).output)
    assert f"need {need['id']}: {NEED['title']}" in text and "score" in text
    bad = write_json(tmp_path / "bad.json", {**NEED, "title": "x", "owner_id": cluster})
    refused = out_json(cli("need", "add", bad, "--json", db=registry.url, code=1))
    assert [d["field"] for d in refused["error"]["details"]] == ["title"]
    cli("need", "match", "9999", db=registry.url, code=1)
    assert registry.count(Need) == 2


def test_thesis_add_match_and_opportunities(registry: Registry, tmp_path: Path) -> None:
    aerosud = registry.data.orgs["aerosud"]
    path = write_json(
        tmp_path / "thesis.json", {**THESIS, "owner_id": registry.data.orgs["safran"]}
    )
    thesis = out_json(cli("thesis", "add", path, "--json", db=registry.url))
    assert thesis["owner"] == "Safran SA" and thesis["sectors"] == ["additive.metal"]
    assert cli("thesis", "add", path, db=registry.url).stdout.startswith("published thesis ")
    assert registry.count(Thesis) == 2
    ranked = out_json(cli("thesis", "match", str(thesis["id"]), "--json", db=registry.url))
    assert ranked["results"][0]["id"] == aerosud
    assert {hit["id"] for hit in ranked["results"]} <= {
        registry.data.orgs[k] for k in ("luxspace", "aerosud")
    }
    table = flat(cli("thesis", "match", str(thesis["id"]), db=registry.url).output)
    assert "Aero Sud Additive" in table
    found = out_json(cli("opportunities", str(aerosud), "--json", db=registry.url))
    assert thesis["id"] in [t["id"] for t in found["theses"]]
    bad = write_json(tmp_path / "bad.json", {**THESIS, "owner_id": 0, "stages": ["ipo"]})
    refused = out_json(cli("thesis", "add", bad, "--json", db=registry.url, code=1))
    assert {d["field"] for d in refused["error"]["details"]} >= {"owner_id"}
    cli("thesis", "match", "9999", db=registry.url, code=1)


# --- every command has a test --------------------------------------------------------------


def commands_this_file_runs(root) -> set[tuple[str, ...]]:
    """The command path of every `cli("word", ...)` call in this file."""
    tree = ast.parse(Path(__file__).read_text(encoding="utf-8"))
    paths = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "cli":
            words = []
            for arg in node.args:
                if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                    break
                words.append(arg.value)
            paths.add(resolve(root, words))
    return paths - {()}


def resolve(root, words: list[str]) -> tuple[str, ...]:
    """The command that `filiera WORDS...` runs, as a path of names."""
    path, command = [], root
    for word in words:
        sub = getattr(command, "commands", {}).get(word)
        if sub is None:
            break
        path.append(word)
        command = sub
    return tuple(path)


def untested_commands(root) -> list[str]:
    """Commands that do something (leaves, groups that run without a sub-command) untested."""
    runnable = {
        path
        for path, ctx in walk(root)
        if path and (not hasattr(ctx.command, "commands") or ctx.command.invoke_without_command)
    }
    return sorted(" ".join(path) for path in runnable - commands_this_file_runs(root))


def test_every_command_has_a_test() -> None:
    root = root_command()
    assert {("org", "add"), ("review",), ("need", "list")} <= commands_this_file_runs(root)
    untested = untested_commands(root)
    assert not untested, f"commands without a CliRunner test in {Path(__file__).name}: {untested}"
    extra = typer.Typer()
    extra.command()(lambda: None)
    root.commands["frobnicate"] = typer.main.get_command(extra)
    assert untested_commands(root) == ["frobnicate"]


# --- intro (requests for an introduction, issue 10 item 7) ----------------------------------


def test_intro_request_list_accept_decline(registry: Registry) -> None:
    """A member asks Leonardo and Safran; their users accept and decline; a viewer may not."""
    url, leonardo, safran = registry.url, registry.org("leonardo"), registry.org("safran")
    users = {
        MEMBER: ("member", "aerosud"),
        "leo@cli.example": ("viewer", "leonardo"),
        "saf@cli.example": ("member", "safran"),
        "viewer@cli.example": ("viewer", None),
    }
    with registry.db.session() as session:
        for email, (role, org) in users.items():
            org_ids = [int(registry.org(org))] if org else []
            accounts.add_user(session, email, email, PASSWORD, role=role, org_ids=org_ids)
    asked = out_json(
        cli("intro", "request", leonardo, "--as", MEMBER, "--message", "Radar?", "--json", db=url)
    )
    assert (asked["status"], asked["to_org_id"]) == ("pending", int(leonardo))
    line = cli("intro", "request", safran, "--as", MEMBER, "--message", "Engines?", db=url)
    assert "→ Safran SA  pending" in line.stdout
    again = cli("intro", "request", leonardo, "--as", MEMBER, "--message", "Again", db=url, code=1)
    assert "already asked" in again.output
    viewer = ("--as", "viewer@cli.example", "--message", "Hi")
    refused = cli("intro", "request", leonardo, *viewer, db=url, code=1)
    assert "may not request an introduction" in refused.output
    assert "--as" in cli("intro", "list", db=url, code=2).output  # a user is required

    inbox = out_json(cli("intro", "list", "--as", "leo@cli.example", "--json", db=url))
    assert [(i["id"], i["requester_email"]) for i in inbox["received"]] == [(asked["id"], None)]
    accepted = cli("intro", "accept", str(asked["id"]), "--as", "leo@cli.example", db=url)
    assert f"<{MEMBER}>" in accepted.stdout and "accepted" in accepted.stdout
    saf_id = out_json(cli("intro", "list", "--as", "saf@cli.example", "--json", db=url))[
        "received"
    ][0]["id"]
    cli("intro", "decline", str(saf_id), "--as", "leo@cli.example", db=url, code=1)  # not theirs
    declined = out_json(
        cli("intro", "decline", str(saf_id), "--as", "saf@cli.example", "--json", db=url)
    )
    assert declined["status"] == "declined"
    mine = cli("intro", "list", "--as", MEMBER, db=url).stdout
    assert "received: 0" in mine and "sent: 2" in mine
    assert "Safran SA  declined" in mine and "Leonardo S.p.A.  accepted" in mine


def test_thesis_list_shows_open_theses_and_all_with_a_flag(
    registry: Registry, tmp_path: Path
) -> None:
    path = write_json(tmp_path / "t.json", {**THESIS, "owner_id": registry.data.orgs["safran"]})
    first = out_json(cli("thesis", "add", path, "--json", db=registry.url))
    closed = out_json(
        cli(
            "thesis",
            "add",
            write_json(
                tmp_path / "c.json",
                {**THESIS, "owner_id": registry.data.orgs["safran"], "status": "closed"},
            ),
            "--json",
            db=registry.url,
        )
    )
    listed = out_json(cli("thesis", "list", "--json", db=registry.url))
    assert [t["id"] for t in listed] == [first["id"]]
    every = out_json(cli("thesis", "list", "--all", "--json", db=registry.url))
    assert [t["id"] for t in every] == [closed["id"], first["id"]]
    table = cli("thesis", "list", db=registry.url).stdout
    assert table == f"{first['id']}\topen\tSafran SA\t{THESIS['title']}\n"
    viewer = "viewer@cli.example"
    with registry.db.session() as session:
        session.add(
            Thesis(**{**THESIS, "owner_id": registry.data.orgs["safran"], "visibility": "owner"})
        )
        accounts.add_user(session, viewer, viewer, "a long enough password", role="viewer")
    assert len(out_json(cli("thesis", "list", "--json", db=registry.url))) == 2
    seen = out_json(cli("thesis", "list", "--json", "--as", viewer, db=registry.url))
    assert [t["id"] for t in seen] == [first["id"]]


# --- match paging, synthetic records, markings; shortlists ---------------------------------


def test_ranker_status_and_train_refusal(registry: Registry, tmp_path: Path) -> None:
    """`ranker status` says which ranking matching uses; `ranker train` refuses a registry
    with too little history, naming why (training itself: tests/test_match_ranker.py)."""
    state = out_json(cli("ranker", "status", "--json", db=registry.url))
    assert state["model"] in ("learned", "fixed") and "adopted" in state
    assert "model:" in flat(cli("ranker", "status", db=registry.url).output)
    out = tmp_path / "m.json"
    refused = cli("ranker", "train", "--out", str(out), db=registry.url, code=None)
    assert "call years" in flat(refused.output) and not out.exists()


def test_match_pages_flags_synthetic_records_and_notes_markings(registry: Registry) -> None:
    url, aerosud = registry.url, registry.data.orgs["aerosud"]
    text = "additive metal satellites composites"
    default = out_json(cli("match", text, "--json", db=url))
    assert aerosud not in [hit["id"] for hit in default["results"]]
    assert default["synthetic_left_out"] == 1 and default["results"]
    assert "1 synthetic organisation left out" in flat(cli("match", text, db=url).output)
    shown = out_json(cli("match", text, "--include-synthetic", "--json", db=url))
    flags = {hit["id"]: hit["synthetic"] for hit in shown["results"]}
    assert flags[aerosud] is True and sum(flags.values()) == 1
    alone = out_json(cli("match", "additive metal", "--json", db=url))
    assert [hit["id"] for hit in alone["results"]] == [aerosud]  # no real one: it stays
    assert (
        out_json(cli("match", "additive metal", "--no-synthetic", "--json", db=url))["results"]
        == []
    )
    second = out_json(
        cli("match", text, "--include-synthetic", "--top", "1", "--offset", "1", "--json", db=url)
    )
    assert [(h["rank"], h["id"]) for h in second["results"]] == [(2, shown["results"][1]["id"])]
    with registry.db.session() as session:
        session.get(Organisation, registry.data.orgs["leonardo"]).markings = ["itar"]
    csv = cli("match", "helicopters", "--include-synthetic", "--csv", db=url)
    assert csv.stdout.splitlines()[0].startswith("rank,id,pic,name,country,kind,synthetic,")
    assert "markings: export-controlled rows (itar)" in csv.stderr


def test_shortlist_create_add_show_share_remove_list(registry: Registry) -> None:
    url, orgs = registry.url, registry.data.orgs
    leo, lux = orgs["leonardo"], orgs["luxspace"]
    with registry.db.session() as session:
        for email, name in (("keeper@cli.example", "Kim Keeper"), ("mate@cli.example", "Mo Mate")):
            accounts.add_user(
                session, email, name, PASSWORD, role="member", org_ids=[orgs["polimi"]]
            )
    keeper, mate = ("--as", "keeper@cli.example"), ("--as", "mate@cli.example")
    made = out_json(cli("shortlist", "create", "Space picks", *keeper, "--json", db=url))
    sid = str(made["id"])
    cli("shortlist", "add", sid, str(lux), "--note", "small sats", *keeper, db=url)
    shown = cli("shortlist", "add", sid, str(leo), "--position", "1", *keeper, db=url).stdout
    assert shown.splitlines()[1:] == [
        f"1.\t{leo}\tLeonardo S.p.A.",
        f"2.\t{lux}\tLuxSpace Sàrl — small sats",
    ]
    cli("shortlist", "show", sid, *mate, db=url, code=1)  # private so far
    assert (
        "shared with Politecnico di Milano"
        in cli("shortlist", "share", sid, *keeper, db=url).output
    )
    read = out_json(cli("shortlist", "show", sid, *mate, "--json", db=url))
    assert read["count"] == 2 and not read["mine"] and read["owner"] == "Kim Keeper"
    refused = cli("shortlist", "add", sid, str(orgs["safran"]), *mate, db=url, code=1)
    assert "only its owner" in refused.output
    assert (
        cli("shortlist", "list", *mate, db=url).stdout
        == f"{sid}\t2\tshared by Kim Keeper\tSpace picks\n"
    )
    csv = cli("shortlist", "show", sid, "--csv", *keeper, db=url)
    lines = csv.stdout.splitlines()
    assert lines[0] == "position,id,pic,name,country,kind,synthetic,markings,note"
    assert lines[1].startswith(f"1,{leo},999880463,Leonardo S.p.A.,IT,prime,false,")
    removed = out_json(cli("shortlist", "remove", sid, str(leo), *keeper, "--json", db=url))
    assert [e["organisation_id"] for e in removed["entries"]] == [lux]
    cli("shortlist", "share", sid, "--off", *keeper, db=url)
    cli("shortlist", "show", sid, *mate, db=url, code=1)
    assert "belong to a user" in flat(cli("shortlist", "list", db=url, code=1).output)


# --- readable figures and sentences, no traceback on bad input (issue 10, item 17) ---------


def test_stats_groups_thousands_and_writes_money_as_money(empty: Registry, tmp_path: Path) -> None:
    folder = tmp_path / "edf"
    folder.mkdir()
    company = {"pic": "914567890", "name": "ORBITALE SPA", "country": "IT"}
    project = {
        "project_id": "101999001",
        "acronym": "SKYWATCH",
        "title": "Space surveillance",
        "call_identifier": "EDF-2023-DA-SPACE-SSA",
        "eu_contribution": 3968401880.1899986,
        "participants": [{"pic": "914567890", "role": "coordinator"}],
    }
    write_json(folder / "companies.json", [company])
    write_json(folder / "projects.json", [project])
    cli("import", "edf", str(folder), db=empty.url)
    text = cli("stats", db=empty.url).stdout
    assert "EU contribution: 3 968 401 880 EUR (3.97 billion)" in text
    assert "3968401880" not in text and "organisations: 1\n" in text
    assert out_json(cli("stats", "--json", db=empty.url))["eu_contribution"] == 3968401880.1899986
    from filiera.cli.info_cmd import figure_lines

    big = {"organisations": 1636, "eu_contribution": 12_345.6, "by_country": {"FR": 1220}}
    assert figure_lines(big) == [
        "organisations: 1 636",
        "EU contribution: 12 346 EUR",
        "by country: FR 1 220",
    ]


def test_opportunities_name_a_thesis_a_thesis(registry: Registry, tmp_path: Path) -> None:
    aerosud, owner = registry.data.orgs["aerosud"], {"owner_id": registry.data.orgs["safran"]}
    thesis = out_json(
        cli(
            "thesis",
            "add",
            write_json(tmp_path / "t.json", {**THESIS, **owner}),
            "--json",
            db=registry.url,
        )
    )
    text = flat(cli("opportunities", str(aerosud), db=registry.url).output)
    assert f"thesis {thesis['id']}: {THESIS['title']} — score" in text
    assert "these " not in text
    safran = registry.org("safran")  # in France: the need and the thesis want Italy
    none = flat(cli("opportunities", safran, db=registry.url).output)
    assert none.endswith(f"no open need or thesis fits organisation {safran}")


def test_counted_words_agree_with_their_number(registry: Registry) -> None:
    cluster, polimi = registry.org("cluster"), registry.org("polimi")
    assert "(2 members)" in cli("cluster", "list", db=registry.url).stdout
    cli("cluster", "remove", cluster, polimi, db=registry.url)
    assert "(1 member)" in cli("cluster", "list", db=registry.url).stdout
    assert cli("cluster", "members", cluster, db=registry.url).stdout.endswith("1 member\n")
    ranked = flat(cli("match", "helicopters rotorcraft", "--country", "IT", db=registry.url).output)
    count = out_json(
        cli("match", "helicopters rotorcraft", "--country", "IT", "--json", db=registry.url)
    )
    shown = f"{count['candidates']} candidate" + ("" if count["candidates"] == 1 else "s")
    assert shown in ranked and "1 candidates" not in ranked


@pytest.fixture(scope="module")
def bad_input_world(module_db_url: str, tmp_path_factory) -> Iterator[tuple[Registry, Path]]:
    """One registry and a folder of broken files, shared by every bad invocation."""
    db = Database(module_db_url)
    data = build(db)
    files = tmp_path_factory.mktemp("bad-files")
    (files / "broken.json").write_text("{not json", encoding="utf-8")
    (files / "binary.csv").write_bytes(b"\xff\xfe\x00\x00garbage")
    (files / "folder").mkdir()
    yield Registry(db, module_db_url, data), files
    db.dispose()


BAD_INPUT = [
    (("org", "show", "424242"), "organisation 424242"),
    (("org", "show", "abc"), "'abc'"),
    (("org", "show", "[/x]"), "'[/x]'"),
    (("org", "edit", "{leonardo}", "name="), "name: cannot be null"),
    (("org", "edit", "{leonardo}", "kind="), "kind: cannot be null"),
    (("org", "edit", "{leonardo}", "=Roma"), "'=Roma'"),
    (("org", "edit", "{leonardo}", "employees=99999999999999999999"), "employees"),
    (("org", "edit", "{leonardo}", "employees=many"), "employees"),
    (("org", "edit", "{leonardo}", "colour=red"), "colour"),
    (("org", "edit", "{leonardo}", "country=XX"), "country"),
    (("org", "edit", "424242", "city=Roma"), "424242"),
    (("org", "edit", "{leonardo}", "city=Roma", "--as", "nobody@cli.example"), "nobody@cli"),
    (("org", "add", "--from-json", "{files}/missing.json"), "missing.json"),
    (("org", "add", "--from-json", "{files}/broken.json"), "broken.json: not valid JSON"),
    (("org", "add", "--from-json", "{files}/folder"), "folder: is a folder"),
    (("org", "access", "{leonardo}", "--field", "revenue_band"), "'revenue_band'"),
    (("org", "access", "{leonardo}", "--visibility", "secret"), "visibility"),
    (("org", "list", "--per-page", "0"), "--per-page"),
    (("org", "list", "--page", "0"), "--page"),
    (("org", "list", "--kind", "bakery"), "kind"),
    (("stats", "--as", "nobody@cli.example"), "nobody@cli.example"),
    (("cluster", "members", "424242"), "424242"),
    (("cluster", "inbox", "424242"), "organisation 424242"),
    (("cluster", "answer", "{leonardo}", "1", "maybe"), "decision"),
    (("review", "merge", "424242"), "424242"),
    (("user", "disable", "nobody@cli.example"), "nobody@cli.example"),
    (("user", "revoke", "424242"), "424242"),
    (("audit", "--limit", "0"), "limit"),
    (("match", "x"), "text"),
    (("opportunities", "424242"), "424242"),
    (("need", "add", "{files}/missing.json"), "missing.json"),
    (("need", "add", "{files}/broken.json"), "broken.json: not valid JSON"),
    (("thesis", "add", "{files}/folder"), "folder: is a folder"),
    (("need", "match", "424242"), "424242"),
    (("thesis", "match", "424242"), "424242"),
    (("import", "csv", "{files}/binary.csv"), "binary.csv: not UTF-8"),
    (("import", "jsonl", "{files}/folder"), "folder: is a folder"),
    (("import", "edf", "{files}/missing"), "companies.json"),
    (("export", "{files}/missing/out.jsonl"), "missing/out.jsonl"),
    (("synth", "--orgs", "2", "--out", "{files}/missing/s.csv"), "missing/s.csv"),
    (("db", "upgrade", "--revision", "nonsense"), "nonsense"),
    (("taxonomy", "--lang", "xx"), "--lang"),
]


@pytest.mark.parametrize(
    ("args", "named"), BAD_INPUT, ids=lambda v: " ".join(v) if isinstance(v, tuple) else None
)
def test_bad_input_is_a_clear_error_never_a_traceback(
    bad_input_world: tuple[Registry, Path], args: tuple[str, ...], named: str
) -> None:
    """Invalid ids, missing records, bad fields, empty values, bad files: exit code 1 or 2,
    a message naming the record, field or file, and no exception escaping the command."""
    world, files = bad_input_world
    argv = [a.format(leonardo=world.org("leonardo"), files=files) for a in args]
    if args[0] != "taxonomy":
        argv += ["--db", world.url]
    result = RUNNER.invoke(app, argv)
    assert result.exit_code in (1, 2), (result.exit_code, result.output)
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert named in flat(result.output), result.output


# --- call, consortium, bid (issue 11: consortium building) ---------------------------------

LEONARDO_PIC = "999880463"
EARLY_WARNING = "Satellites, radar and composite structures for space-based early warning"
CALL_YAML = f"""\
programme: EDF
identifier: EDF-2026-DA-SPACE-EW
title: Space-based early warning
text: {EARLY_WARNING}.
rules: edf
capabilities: [space.satellites]
size_min: 3
size_max: 4
deadline: 2026-11-27
"""


def assert_edf_consortium(consortium: dict) -> None:
    """Every EDF rule holds, checked here from the members (three eligible countries)."""
    countries = [m["country"] for m in consortium["members"]]
    assert len(set(countries)) >= 3 and set(countries) <= {"IT", "FR", "LU"}, countries
    assert all(rule["ok"] for rule in consortium["rules"]), consortium["rules"]
    assert {"pic", "name", "country", "kind", "reasons"} <= set(consortium["members"][0])


def test_consortium_build_and_check(registry: Registry) -> None:
    url, polimi, safran = registry.url, registry.org("polimi"), registry.org("safran")
    built = cli(
        "consortium", "build", "--text", EARLY_WARNING, "--rules", "edf", "--with", LEONARDO_PIC,
        "--size", "3-4", "--alternatives", "2", "--json", db=url,
    )  # fmt: skip
    consortia = out_json(built)["consortia"]
    assert len(consortia) == 2
    assert len({frozenset(m["org_id"] for m in c["members"]) for c in consortia}) == 2
    for consortium in consortia:
        assert_edf_consortium(consortium)
        assert consortium["members"][0]["pic"] == LEONARDO_PIC
        assert consortium["members"][0]["role"] == "coordinator"
    readable = flat(
        cli("consortium", "build", "--text", EARLY_WARNING, "--rules", "edf", db=url).output
    )
    assert "Alternative 1: score" in readable and "partners in IT 2, FR 1, LU 1" in readable
    assert "ok min_independent_entities (Art. 10(4))" in readable
    assert "SME bonus (Art. 13(3)-(4))" in readable
    none_of_polimi = cli(
        "consortium", "build", "--text", EARLY_WARNING, "--rules", "edf", "--without", polimi,
        "--json", db=url,
    )  # fmt: skip
    teams = [{m["org_id"] for m in c["members"]} for c in out_json(none_of_polimi)["consortia"]]
    assert teams and all(int(polimi) not in team for team in teams)

    violated = cli(
        "consortium", "check", LEONARDO_PIC, polimi, safran, "--rules", "edf", db=url, code=1
    )
    said = flat(violated.output)
    assert "VIOLATED min_countries" in said and "1 violation:" in said
    assert "2 countries (FR, IT); at least 3 needed" in said
    fine = cli(
        "consortium",
        "check",
        LEONARDO_PIC,
        safran,
        registry.org("luxspace"),
        "--rules",
        "edf",
        "--json",
        db=url,
    )
    assert out_json(fine)["ok"] and out_json(fine)["violations"] == []
    unknown = cli("consortium", "build", "--text", EARLY_WARNING, "--rules", "edf2", db=url, code=1)
    assert "unknown rule set 'edf2'" in flat(unknown.output)


def test_call_add_list_show_and_build_for_it(registry: Registry, tmp_path: Path) -> None:
    url, cluster = registry.url, registry.org("cluster")
    path = tmp_path / "call.yaml"
    path.write_text(CALL_YAML, encoding="utf-8")
    added = cli("call", "add", str(path), "--owner", cluster, "--json", db=url)
    call = out_json(added)
    assert (call["owner_id"], call["rules"], call["size_max"]) == (int(cluster), "edf", 4)
    listed = flat(cli("call", "list", db=url).output)
    assert f"{call['id']} open 2026-11-27 edf Lombardia Aerospace Cluster Space-based" in listed
    shown = flat(cli("call", "show", str(call["id"]), db=url).output)
    assert "EDF EDF-2026-DA-SPACE-EW" in shown and "deadline: 2026-11-27" in shown
    assert taxonomy.label("space.satellites") in shown and EARLY_WARNING in shown

    for source in (["--call-id", str(call["id"])], ["--call", str(path)]):
        built = out_json(
            cli("consortium", "build", *source, "--alternatives", "1", "--json", db=url)
        )
        assert built["size"] == [3, 4]
        consortium = built["consortia"][0]
        assert_edf_consortium(consortium)
        assert consortium["missing"] == []
        assert "space.satellites" in {c for m in consortium["members"] for c in m["capabilities"]}
    from filiera.consortia.models import Call

    assert registry.count(Call) == 1  # --call FILE is read, not stored
    missing = cli("call", "show", "4242", db=url, code=1)
    assert "call 4242 does not exist" in flat(missing.output)


def test_bid_save_invite_answer_and_status(registry: Registry) -> None:
    url, cluster = registry.url, registry.org("cluster")
    leonardo, safran, lux = (
        registry.org("leonardo"),
        registry.org("safran"),
        registry.org("luxspace"),
    )
    users = {
        "manager": ("cluster_manager", cluster),
        "leo": ("member", leonardo),
        "lux": ("member", lux),
        "polimi": ("member", registry.org("polimi")),
    }
    with registry.db.session() as session:
        for name, (role, org) in users.items():
            accounts.add_user(
                session, f"{name}@bids.example", name, PASSWORD, role=role, org_ids=[int(org)]
            )
    saved = cli(
        "bid", "save", LEONARDO_PIC, safran, lux, "--title", "Early warning bid", "--owner",
        cluster, "--rules", "edf", "--as", "manager@bids.example", "--json", db=url,
    )  # fmt: skip
    bid = out_json(saved)
    number = str(bid["id"])
    assert [(p["org_id"], p["role"], p["status"]) for p in bid["partners"]] == [
        (int(leonardo), "coordinator", "proposed"),
        (int(safran), "participant", "proposed"),
        (int(lux), "participant", "proposed"),
    ]
    assert bid["check"]["ok"]
    assert "does not exist" in flat(
        cli("bid", "show", number, "--as", "leo@bids.example", db=url, code=1).output
    )
    cli("bid", "invite", number, "--as", "manager@bids.example", db=url)
    cli("bid", "answer", number, "--org", leonardo, "--accept", "--as", "leo@bids.example", db=url)
    refused = cli(
        "bid",
        "answer",
        number,
        "--org",
        lux,
        "--accept",
        "--as",
        "leo@bids.example",
        db=url,
        code=1,
    )
    assert "does not act for organisation" in flat(refused.output)
    cli("bid", "answer", number, "--org", lux, "--decline", "--as", "lux@bids.example", db=url)
    assert "does not exist" in flat(
        cli("bid", "show", number, "--as", "polimi@bids.example", db=url, code=1).output
    )
    listed = flat(cli("bid", "list", "--as", "leo@bids.example", db=url).output)
    assert (
        f"{number} draft Lombardia Aerospace Cluster 1 of 3 partners accepted Early warning bid"
        in listed
    )
    shown = flat(cli("bid", "show", number, "--as", "manager@bids.example", db=url).output)
    assert (
        "coordinator" in shown
        and "accepted" in shown
        and "declined" in shown
        and "invited" in shown
    )
    assert "every rule holds" in shown
    done = out_json(
        cli("bid", "status", number, "submitted", "--as", "manager@bids.example", "--json", db=url)
    )
    assert done["status"] == "submitted"
    bad = cli("bid", "status", number, "won", "--as", "manager@bids.example", db=url, code=1)
    assert "status" in flat(bad.output)
    late = cli("bid", "answer", number, "--org", safran, "--accept", db=url, code=1)
    assert "answers are closed" in flat(late.output)


# --- events (issue 12: B2B matchmaking events; more in test_events_cli.py) ----------------


def test_events_generate_schedule_and_every_database_command(
    registry: Registry, tmp_path: Path
) -> None:
    """The local operator generates and schedules a file, then runs an event on the
    database: create, list, show, register, request, answer, suggest, run, agenda, grid, lock."""
    url = registry.url
    made = cli("events", "generate", "--participants", "12", "--requests", "20", "--slots", "4")
    instance = write_json(tmp_path / "instance.json", json.loads(made.stdout))
    schedule = out_json(cli("events", "schedule", instance, "--time-limit", "2", "--json"))
    assert schedule["stats"]["weight"] <= schedule["stats"]["upper_bound"]
    assert len(schedule["meetings"]) + len(schedule["unscheduled"]) == 20
    plan = tmp_path / "event.yaml"
    plan.write_text(
        "name: Cluster B2B day\ndays: [2027-02-10]\nday_start: '09:00'\nday_end: '10:00'\n"
        "slot_minutes: 20\ntables: 3\n",
        encoding="utf-8",
    )
    created = cli("events", "create", str(plan), "--owner", registry.org("cluster"), db=url)
    event = created.stdout.split()[2].rstrip(":")
    assert "Cluster B2B day (3 meeting slots)" in flat(created.stdout)
    assert f"{event} open 2027-02-10" in flat(cli("events", "list", db=url).stdout)
    people = {}
    for org, name in (("leonardo", "Anna Radar"), ("safran", "Bruno Motori")):
        added = cli("events", "register", event, "--org", registry.org(org), "--name", name, db=url)
        people[org] = added.stdout.split()[2].rstrip(":")
    shown = flat(cli("events", "show", event, db=url).stdout)
    assert "Anna Radar" in shown and "Bruno Motori" in shown and "09:40" in shown
    asked = cli(
        "events",
        "request",
        event,
        "--from",
        people["leonardo"],
        "--to",
        people["safran"],
        "--priority",
        "3",
        db=url,
    )
    request = asked.stdout.split()[1].rstrip(":")
    assert "accepted" in cli("events", "answer", request, "--accept", db=url).stdout
    suggested = cli("events", "suggest", event, "--participant", people["leonardo"], db=url)
    assert "Bruno Motori" not in suggested.stdout  # already asked
    ran = flat(cli("events", "run", event, "--time-limit", "2", db=url).stdout)
    assert "weight 3 of upper bound 3" in ran and "1 added" in ran
    agenda = cli("events", "agenda", event, "--participant", people["safran"], db=url).stdout
    assert "Anna Radar (Leonardo" in agenda
    grid = out_json(cli("events", "grid", event, "--json", db=url))
    [meeting] = [c["meeting"] for row in grid["rows"] for c in row["cells"] if c["meeting"]]
    locked = out_json(cli("events", "lock", str(meeting["id"]), "--json", db=url))
    assert locked["locked"] and locked["id"] == meeting["id"]
    refused = cli("events", "request", event, "--to", people["safran"], db=url, code=1)
    assert "not registered" in flat(refused.output)


# --- capacity (issue 13; more in test_capacity_cli.py) -----------------------------------


def test_capacity_commands(registry: Registry, tmp_path: Path) -> None:
    """Plan, risk, concentration and compare a file; save, list, show and compare by id."""
    from test_capacity_store import chain

    path = tmp_path / "chain.yaml"
    path.write_text(chain(), encoding="utf-8")
    plan = out_json(cli("capacity", "plan", str(path), "--json"))
    assert (plan["max_output_per_month"], plan["bottleneck"]) == (75, "steel")
    risk = out_json(cli("capacity", "risk", str(path), "--runs", "8", "--workers", "1", "--json"))
    assert risk["runs"] == 8
    assert out_json(cli("capacity", "concentration", str(path), "--json"))
    owner = registry.org("cluster")
    saved = out_json(
        cli("capacity", "save", str(path), "--owner", owner, "--json", db=registry.url)
    )
    assert str(saved["id"]) in cli("capacity", "list", db=registry.url).stdout
    shown = cli("capacity", "show", str(saved["id"]), db=registry.url).stdout
    assert "lines: asm, mill, qmill" in shown
    both = out_json(
        cli("capacity", "compare", str(path), f"id:{saved['id']}", "--json", db=registry.url)
    )
    assert [s["total_shortfall"] for s in both["scenarios"]] == [25, 25]
    cli("capacity", "show", "999999", db=registry.url, code=1)


# --- news (issue 14; the rules in test_news_store.py) ---------------------------------------


def test_news_commands(registry: Registry, tmp_path: Path) -> None:
    """Ingest a good and an empty file (one error, one article, exit code 1), list, show,
    review, accept with an edit, reject, dry run stores nothing."""
    from test_news_store import ARTICLE

    good, empty = tmp_path / "accordo.txt", tmp_path / "empty.txt"
    good.write_text(ARTICLE, encoding="utf-8")
    empty.write_text("", encoding="utf-8")
    found = out_json(
        cli("news", "ingest", str(empty), str(good), "--json", db=registry.url, code=1)
    )
    assert [r["status"] for r in found] == ["error", "added"]
    assert "empty.txt" in found[0]["message"]
    article = found[1]
    assert article["lang"] == "it" and article["date"] == "2026-03-12"
    names = {o["name"]: o["registry_id"] for o in article["organizations"]}
    assert names["Leonardo S.p.A."] == int(registry.org("leonardo"))
    assert {
        "name": "Mario Bianchi",
        "role": "Presidente",
        "organization": "Lombardia Aerospace Cluster",
    } in article["people"]
    assert {m["amount"] for m in article["money"]} == {45_000_000}
    assert any(e["type"] == "partnership" for e in article["events"])
    listed = out_json(cli("news", "list", "--json", db=registry.url))
    assert listed["total"] == 1 and listed["items"][0]["id"] == article["article_id"]
    queue = out_json(cli("news", "review", "--kind", "money", "--json", db=registry.url))
    money_id = queue[0]["id"]
    accepted = out_json(
        cli("news", "accept", str(money_id), "--set", "amount=46000000", "--json", db=registry.url)
    )
    assert accepted["status"] == "accepted" and accepted["data"]["amount"] == 46_000_000
    cli("news", "accept", str(money_id), db=registry.url, code=1)  # decided already
    rejected = queue[1]["id"] if len(queue) > 1 else None
    if rejected:
        assert "rejected" in cli("news", "reject", str(rejected), db=registry.url).stdout
    shown = out_json(cli("news", "show", str(article["article_id"]), "--json", db=registry.url))
    assert any(f["status"] == "accepted" for f in shown["fact_list"])
    add_user(registry, "reader@example.org")
    leonardo = registry.org("leonardo")
    watch = out_json(
        cli(
            "news",
            "watch",
            "Leonardo",
            "--org",
            leonardo,
            "--as",
            "reader@example.org",
            "--json",
            db=registry.url,
        )
    )
    assert watch["organisation_id"] == int(leonardo)
    cli("news", "watch", "nothing", "--as", "reader@example.org", db=registry.url, code=1)
    feed = out_json(cli("news", "digest", "--as", "reader@example.org", "--json", db=registry.url))
    assert [i["_filiera"]["data"]["amount"] for i in feed["items"]] == [46_000_000]
    text = cli("news", "digest", "--as", "reader@example.org", db=registry.url).stdout
    assert "money: 45 milioni di euro" in text
    dry = tmp_path / "other.txt"
    dry.write_text("Thales ha aperto un nuovo stabilimento a Tolosa il 2 aprile 2026.", "utf-8")
    assert out_json(cli("news", "ingest", str(dry), "--dry-run", "--json", db=registry.url))
    assert out_json(cli("news", "list", "--json", db=registry.url))["total"] == 1


# --- backup and restore (issue 17; more in test_backup*.py) --------------------------------


def test_backup_and_restore_commands(registry: Registry, tmp_path: Path) -> None:
    out = tmp_path / "registry.jsonl.gz"
    written = out_json(cli("backup", str(out), "--json", db=registry.url))
    assert written["tables"]["organisation"] == len(ORGANISATIONS)
    assert out_json(cli("restore", str(out), "--check", "--json"))["ok"]
    target = f"sqlite:///{tmp_path}/restored.db"
    assert out_json(cli("restore", str(out), "--json", db=target))["revision"] == head()
    assert "is not empty" in cli("restore", str(out), db=registry.url, code=1).output


def test_status_exits_1_until_a_backup_is_recent(empty: Registry, tmp_path: Path) -> None:
    """For cron: exit code 1 while no backup is younger than 26 hours (more in
    test_system_status.py)."""
    folder = str(tmp_path / "backups")
    stale = cli("status", "--backup-dir", folder, db=empty.url, code=1)
    assert "  database     ok    reachable" in stale.stdout
    assert "warning: no backup in the last day" in stale.stdout
    cli("backup", str(tmp_path / "backups" / "nightly.jsonl.gz"), db=empty.url)
    fine = out_json(cli("status", "--backup-dir", folder, "--json", db=empty.url))
    assert fine["ok"] and [f["format"] for f in fine["backups"]["files"]] == ["logical"]
