"""JSON lines export/import: round-trip, idempotence, source credit, bad lines."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from filiera.cli.main import app
from filiera.db import Base, Database
from filiera.errors import ImportFailed
from filiera.imports.csv_import import import_csv
from filiera.imports.edf import CREDIT
from filiera.imports.jsonl import export_jsonl, import_jsonl
from filiera.registry.models import (
    Membership,
    Organisation,
    OrgCapability,
    Participation,
    Person,
    PersonRole,
    Project,
    Relation,
    Source,
)
from filiera.registry.resolve import Resolver
from filiera.registry.schemas import OrganisationIn
from filiera.registry.writer import upsert

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture
def db(db_url: str):
    database = Database(db_url)
    database.ensure_ready()
    yield database
    database.dispose()


@pytest.fixture
def empty_db(tmp_path: Path):
    database = Database(f"sqlite:///{tmp_path}/second.db")
    database.ensure_ready()
    yield database
    database.dispose()


def row_counts(db: Database) -> dict[str, int]:
    with db.session() as session:
        return {
            t.name: session.scalar(select(func.count()).select_from(t))
            for t in Base.metadata.sorted_tables
            if t.name != "audit_event"  # each import adds its own event
        }


def populate(db: Database) -> None:
    """Organisations from CSV and from an 'EDF' source, people, memberships, projects, relations."""
    with db.session() as session:
        import_csv(session, EXAMPLES / "members_it.csv", "organisations")
    with db.session() as session:
        edf = Source(name="EDF projects", kind="edf", location="fixture", credit=CREDIT)
        session.add(edf)
        rec = OrganisationIn(
            name="Stravoni Munizioni S.p.A.",
            kind="midcap",
            country="IT",
            city="Brindisi",
            identifiers={"pic": "987654321", "vat": "IT00743110157"},
            capabilities=[
                {
                    "code": "munitions.ammunition",
                    "level": "evidenced",
                    "evidence": "EDF projects: ABC",
                }
            ],
            sites=[
                {
                    "name": "Brindisi plant",
                    "country": "IT",
                    "region": "ITF44",
                    "lat": 40.6,
                    "lon": 17.9,
                }
            ],
        )
        resolver = Resolver.from_session(session)
        stravoni = upsert(session, rec, source=edf, resolver=resolver).org_id
        vortani = session.scalars(
            select(Organisation.id).where(Organisation.name == "Vortani Aerostrutture")
        ).one()
        manual = Source(name="Manual edits", kind="manual")
        session.add(manual)
        session.add(
            OrgCapability(
                organisation_id=stravoni,
                code="munitions.propellants",
                level="claimed",
                source=manual,
            )
        )
        project = Project(
            programme="EDF",
            external_id="101234567",
            acronym="ABC",
            title="A fictional project",
            start_date=date(2023, 1, 1),
            keywords=["ammunition"],
            eu_contribution=1.5e6,
            source=edf,
        )
        project.participations = [
            Participation(organisation_id=stravoni, role="coordinator", source=edf),
            Participation(organisation_id=vortani, role="participant", source=edf),
        ]
        session.add(project)
        person = Person(name="Giulia Fittizia", email="giulia@example.org", source=manual)
        person.roles = [PersonRole(organisation_id=stravoni, title="CEO", source=manual)]
        session.add(person)
        relation = Relation(
            kind="supplier_of",
            source_org_id=vortani,
            target_org_id=stravoni,
            date=date(2024, 5, 1),
            description="panels",
            source=manual,
        )
        session.add(relation)


def canonical(text: str) -> list[dict]:
    """Lines with `org:<id>`, `source:<id>`, `person:<id>` renumbered by first appearance."""
    seen: dict[str, str] = {}

    def renumber(match: re.Match[str]) -> str:
        kind = match.group(1)
        return seen.setdefault(match.group(0), f"{kind}:#{sum(k.startswith(kind) for k in seen)}")

    lines = []
    for raw in text.splitlines():
        line = json.loads(re.sub(r"\b(org|source|person):\d+\b", renumber, raw))
        line.get("stats", {}).clear()
        lines.append(line)
    return lines


def export_text(db: Database, path: Path) -> str:
    with db.session() as session:
        export_jsonl(session, path)
    return path.read_text(encoding="utf-8")


def test_round_trip_gives_the_same_content(db: Database, empty_db: Database, tmp_path: Path):
    populate(db)
    first = export_text(db, tmp_path / "a.jsonl")
    types = [json.loads(line)["type"] for line in first.splitlines()]
    assert types.count("organisation") == 6 and types.count("source") == 3
    assert {"person", "membership", "project", "relation"} <= set(types)
    with empty_db.session() as session:
        report = import_jsonl(session, tmp_path / "a.jsonl")
    assert report.rejected == []
    assert report.counts["organisations_created"] == 6
    second = export_text(empty_db, tmp_path / "b.jsonl")
    assert canonical(second) == canonical(first)


def test_eu_sourced_records_keep_their_credit(db: Database, empty_db: Database, tmp_path: Path):
    populate(db)
    export_text(db, tmp_path / "a.jsonl")
    with empty_db.session() as session:
        import_jsonl(session, tmp_path / "a.jsonl")
    with empty_db.session() as session:
        org = session.scalars(
            select(Organisation)
            .where(Organisation.country == "IT")
            .where(Organisation.city == "Brindisi")
        ).one()
        credits = {c.code: (c.source.kind, c.source.credit) for c in org.capabilities}
        assert org.source.credit == CREDIT
        assert credits == {
            "munitions.ammunition": ("edf", CREDIT),
            "munitions.propellants": ("manual", None),
        }
        project = session.scalars(select(Project)).one()
        assert project.source.credit == CREDIT
        assert {p.role for p in project.participations} == {"coordinator", "participant"}


def test_import_twice_changes_nothing(db: Database, empty_db: Database, tmp_path: Path):
    populate(db)
    export_text(db, tmp_path / "a.jsonl")
    with empty_db.session() as session:
        import_jsonl(session, tmp_path / "a.jsonl")
    before = row_counts(empty_db)
    with empty_db.session() as session:
        report = import_jsonl(session, tmp_path / "a.jsonl")
    assert set(report.counts) == {
        "sources_unchanged",
        "organisations_unchanged",
        "people_unchanged",
        "memberships_unchanged",
        "projects_unchanged",
        "relations_unchanged",
    }
    assert row_counts(empty_db) == before


def test_import_into_the_same_database_is_idempotent(db: Database, tmp_path: Path):
    populate(db)
    export_text(db, tmp_path / "a.jsonl")
    before = row_counts(db)
    with db.session() as session:
        report = import_jsonl(session, tmp_path / "a.jsonl")
    assert report.counts["organisations_unchanged"] == 6
    assert row_counts(db) == before


BAD_FILE = "\n".join(
    [
        '{"type": "organisation", "ref": "org:1", "name": "Velmora Systems", "country": "FR"}',
        '{"type": "organisation", "name": "Broken',
        '{"type": "organisation", "name": "Zanderix", "country": "XX"}',
        '{"type": "organisation", "name": "Plovena", "country": "IT", '
        '"identifiers": {"pic": "12"}}',
        '{"type": "membership", "organisation": "org:1", "cluster": "org:99"}',
        '{"type": "spaceship"}',
    ]
)


def test_bad_lines_fail_the_whole_file(db: Database, tmp_path: Path):
    path = tmp_path / "data.jsonl"
    path.write_text(BAD_FILE)
    before = row_counts(db)
    with pytest.raises(ImportFailed) as caught, db.session() as session:
        import_jsonl(session, path)
    assert "data.jsonl" in caught.value.message
    fields = [(e["record"], e["field"]) for e in caught.value.errors]
    assert fields == [
        ("data.jsonl line 2", "(line)"),
        ("data.jsonl line 6", "(line)"),
        ("data.jsonl line 3", "country"),
        ("data.jsonl line 4", "identifiers"),
        ("data.jsonl line 5", "cluster"),
    ]
    assert "9 digits" in caught.value.errors[3]["message"]
    assert row_counts(db) == before


def test_skip_invalid_imports_the_good_lines(db: Database, tmp_path: Path):
    path = tmp_path / "data.jsonl"
    path.write_text(BAD_FILE)
    with db.session() as session:
        report = import_jsonl(session, path, skip_invalid=True)
    assert report.counts == {"organisations_created": 1}
    assert len(report.rejected) == 5
    with db.session() as session:
        assert session.scalars(select(Organisation.name)).all() == ["Velmora Systems"]
        assert session.scalars(select(Source.kind)).all() == ["jsonl"]
        assert session.scalar(select(func.count()).select_from(Membership)) == 0


def test_cli_export_and_import(db_url: str, tmp_path: Path):
    db = Database(db_url)
    db.ensure_ready()
    populate(db)
    runner = CliRunner()
    out = tmp_path / "all.jsonl"
    result = runner.invoke(app, ["export", str(out), "--db", db_url])
    assert result.exit_code == 0, result.output
    assert len(out.read_text().splitlines()) == sum(
        n
        for t, n in row_counts(db).items()
        if t in ("source", "organisation", "person", "membership", "project", "relation")
    )
    result = runner.invoke(app, ["export", "-", "--db", db_url])
    assert result.exit_code == 0
    assert '"type": "organisation"' in result.stdout
    result = runner.invoke(app, ["import", "jsonl", str(out), "--db", db_url])
    assert result.exit_code == 0, result.output
    assert "organisations_unchanged: 6" in flat(result.output)
    bad = tmp_path / "bad.jsonl"
    bad.write_text(BAD_FILE)
    result = runner.invoke(app, ["import", "jsonl", str(bad), "--db", db_url])
    assert result.exit_code == 1
    assert "bad.jsonl line 3: country" in flat(result.output)
    db.dispose()


def flat(text: str) -> str:
    """CLI output with rich's line wrapping undone."""
    return " ".join(text.split())
