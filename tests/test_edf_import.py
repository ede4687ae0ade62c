"""The EDF import on the real Funding & Tenders data, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from filiera.access.viewer import Viewer
from filiera.cli.main import app
from filiera.db import Database
from filiera.directory import queries
from filiera.errors import ImportFailed
from filiera.imports.edf import import_edf
from filiera.registry.models import Organisation, Participation, Project, ReviewItem

COMPANY_ROWS = 1548
DISTINCT_PROJECTS = 232  # projects.json has 250 rows; 18 repeat a project exactly


def counts(db: Database) -> tuple[int, int, int]:
    with db.session() as session:
        return (
            session.scalar(select(func.count(Organisation.id))),
            session.scalar(select(func.count(Project.id))),
            session.scalar(select(func.count(Participation.id))),
        )


@pytest.fixture
def db(db_url: str) -> Database:
    database = Database(db_url)
    database.ensure_ready()
    yield database
    database.dispose()


def test_imports_every_organisation_and_project_once(db: Database, edf_dir: Path) -> None:
    with db.session() as session:
        first = import_edf(session, edf_dir)
    with db.session() as session:
        reviews = session.scalar(select(func.count(ReviewItem.id)))
    orgs, projects, participations = counts(db)
    handled = sum(v for k, v in first.counts.items() if k.startswith("organisations_"))
    assert handled == COMPANY_ROWS
    assert orgs == COMPANY_ROWS - first.counts["organisations_merged"]
    assert first.counts["organisations_merged"] >= 1  # ECOLE ROYALE MILITAIRE, two spellings
    assert reviews == first.counts["organisations_review"] > 0
    assert projects == DISTINCT_PROJECTS
    assert participations == first.counts["participations_created"] > 3000

    with db.session() as session:
        second = import_edf(session, edf_dir)
    assert counts(db) == (orgs, projects, participations)
    assert second.counts["organisations_unchanged"] == COMPANY_ROWS
    assert set(second.counts) == {"organisations_unchanged", "projects_unchanged"}


def test_profile_keeps_provenance_and_evidence(db: Database, edf_dir: Path) -> None:
    with db.session() as session:
        import_edf(session, edf_dir)
    with db.session() as session:
        thales = queries.find_by_identifier(session, "pic", "999984447")
        org = queries.get_organisation(session, thales.id, viewer=Viewer.system())
        assert org.name == "THALES AVS FRANCE SAS" and org.country == "FR"
        assert org.source.credit.startswith("European Commission, Funding & Tenders portal")
        epiic = [p for p in org.participations if p.project.acronym == "EPIIC"]
        assert epiic and epiic[0].role == "coordinator"
        air = {c.code: c for c in org.capabilities}["air"]
        assert air.level == "evidenced" and "EPIIC" in air.evidence


def broken_copy(edf_dir: Path, tmp_path: Path, edit) -> Path:
    folder = tmp_path / "edf"
    folder.mkdir()
    shutil.copy(edf_dir / "projects.json", folder / "projects.json")
    companies = json.loads((edf_dir / "companies.json").read_text())
    edit(companies)
    (folder / "companies.json").write_text(json.dumps(companies))
    return folder


def spoil(companies: list[dict]) -> None:
    companies[3]["country"] = "XX"
    companies[10]["pic"] = "12345"
    companies[20]["name"] = ""


def test_bad_rows_reject_the_whole_import(db: Database, edf_dir: Path, tmp_path: Path) -> None:
    folder = broken_copy(edf_dir, tmp_path, spoil)
    with pytest.raises(ImportFailed) as caught, db.session() as session:
        import_edf(session, folder)
    fields = {(e["record"].split(" ")[0], e["field"]) for e in caught.value.errors}
    assert ("companies.json[3]", "country") in fields
    assert ("companies.json[20]", "name") in fields
    # the PIC of row 10 is no longer 9 digits: its projects now name an unknown PIC
    assert any(e["field"].startswith("participants.") for e in caught.value.errors)
    assert counts(db) == (0, 0, 0)


def test_skip_invalid_imports_good_rows_and_reports_bad(
    db: Database, edf_dir: Path, tmp_path: Path
) -> None:
    folder = broken_copy(edf_dir, tmp_path, spoil)
    with db.session() as session:
        report = import_edf(session, folder, skip_invalid=True)
    rejected = {r["record"].split(" ")[0] for r in report.rejected}
    assert {"companies.json[3]", "companies.json[20]"} <= rejected
    orgs, projects, _ = counts(db)
    assert 0 < orgs < COMPANY_ROWS and 0 < projects < DISTINCT_PROJECTS


def test_cli_import_exits_non_zero_naming_file_row_field(
    db_url: str, edf_dir: Path, tmp_path: Path
) -> None:
    folder = broken_copy(edf_dir, tmp_path, spoil)
    result = CliRunner().invoke(app, ["import", "edf", str(folder), "--db", db_url])
    assert result.exit_code == 1
    assert "companies.json[3]" in result.output and "country" in result.output
    report = tmp_path / "rejected.json"
    args = ["import", "edf", str(folder), "--db", db_url, "--skip-invalid", "--report", str(report)]
    ok = CliRunner().invoke(app, [*args, "--json"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(report.read_text())["rejected"]


def test_malformed_file_is_a_clear_error(db: Database, tmp_path: Path) -> None:
    (tmp_path / "companies.json").write_text("[{not json")
    (tmp_path / "projects.json").write_text("[]")
    with pytest.raises(ImportFailed, match="companies.json: not valid JSON"), db.session() as s:
        import_edf(s, tmp_path)
