"""The EDF import on the real Funding & Tenders data, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import shutil
import tomllib
from collections import Counter
from fnmatch import fnmatch
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

import filiera
from filiera.access.viewer import Viewer
from filiera.cli.main import app
from filiera.db import Database
from filiera.demo.load import demo_data
from filiera.directory import queries
from filiera.directory.filters import OrgFilter
from filiera.directory.service import list_page
from filiera.errors import ImportFailed
from filiera.imports.data import EDF_DIR
from filiera.imports.edf import import_edf, organisation_record
from filiera.registry.models import Organisation, Participation, Project, ReviewItem, Source
from filiera.registry.names import clean_name, normalise_name

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
        assert org.name == "Thales AVS France SAS" and org.country == "FR"
        assert org.legal_name == "THALES AVS FRANCE SAS"  # verbatim, for the profile
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
    companies[20].update(name="", legal_name="", display_name="", business_name="")  # no name


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


# --- kinds and names as the data states them (issue 10, items 8 and 9) -----------------------


def company(**fields) -> dict:
    row = {"pic": "999999999", "name": "ACME DEFENCE SRL", "legal_name": "ACME DEFENCE SRL"}
    row.update(display_name=None, business_name=None, classification_type=None, country="IT")
    return {**row, **fields}


@pytest.mark.parametrize(
    ("fields", "kind"),
    [
        ({"classification_type": "Private for profit organisation"}, "other"),  # size unknown
        ({"classification_type": "Small or medium-size enterprise"}, "sme"),
        ({"classification_type": "Private for profit organisation", "sme": True}, "sme"),
        ({"classification_type": "Higher or secondary education establishment"}, "university"),
        ({"classification_type": "Research Organisation"}, "research"),
        ({"classification_type": "Public organisation"}, "public_body"),
        ({"classification_type": "Non-governmental organization"}, "other"),
        ({}, "other"),
        ({"name": "UNIVERSIDAD DE GRANADA", "legal_name": "UNIVERSIDAD DE GRANADA"}, "university"),
        ({"name": "TURUN AMMATTIKORKEAKOULU OY", "legal_name": None}, "university"),
        ({"name": "MINISTERE DES ARMEES", "legal_name": None}, "public_body"),
        ({"name": "INSTITUTUL NATIONAL DE CERCETARE-DEZVOLTARE", "legal_name": None}, "research"),
        ({"name": "BEIA CERCETARE SRL", "legal_name": None}, "other"),  # a company's legal form
        (
            {
                "classification_type": "Non-governmental organization",
                "name": "FRAUNHOFER GESELLSCHAFT ZUR FORDERUNG DER ANGEWANDTEN FORSCHUNG EV",
                "legal_name": None,
            },
            "research",
        ),
    ],
)
def test_kind_is_what_the_data_states(fields: dict, kind: str) -> None:
    assert organisation_record(company(**fields), {})["kind"] == kind


@pytest.mark.parametrize(
    ("fields", "name"),
    [
        (
            {
                "name": '"ACADEMIA TEHNICA MILITARA ""FERDINAND I"""',
                "legal_name": 'ACADEMIA TEHNICA MILITARA "FERDINAND I"',
                "display_name": 'MILITARY TECHNICAL ACADEMY "FERDINAND I"',
            },
            'Military Technical Academy "Ferdinand I"',
        ),
        (
            {"name": "UNIVERSITA DEGLI STUDI DI PAVIA", "display_name": "UNIPV"},
            "Universita degli Studi di Pavia",  # an acronym is not a name to show
        ),
        ({"name": "MBDA FRANCE", "legal_name": None, "display_name": "MBDA"}, "MBDA France"),
        ({"name": "ACME SRL", "legal_name": None, "display_name": "998043283"}, "Acme Srl"),
        ({"name": "SAAB FINLAND OY", "display_name": "Saab Finland Oy"}, "Saab Finland Oy"),
        (
            {"name": "KAITSEMINISTEERIUM", "display_name": "MINISTRY OF DEFENCE"},
            "Ministry of Defence",
        ),
    ],
)
def test_name_is_the_readable_display_name_or_the_legal_name(fields: dict, name: str) -> None:
    row = company(**{"legal_name": fields["name"], **fields})
    record = organisation_record(row, {})
    assert record["name"] == name
    assert record["legal_name"] == clean_name(row["legal_name"] or row["name"])
    assert not record["name"].startswith('"') and '""' not in record["name"]
    assert "998043283" not in record["aliases"]


def test_import_states_kinds_and_names_as_the_data_does(db: Database, edf_dir: Path) -> None:
    rows = json.loads((edf_dir / "companies.json").read_text())
    classified = Counter(r["classification_type"] for r in rows)
    with db.session() as session:
        import_edf(session, edf_dir)
    with db.session() as session:
        kinds = dict(
            session.execute(select(Organisation.kind, func.count()).group_by("kind")).all()
        )
        names = session.scalars(select(Organisation.name)).all()
        academy = queries.find_by_identifier(session, "pic", "949114834")
        first = client_order(session)
    assert "prime" not in kinds  # the EDF data never says "prime contractor"
    assert kinds["sme"] == classified["Small or medium-size enterprise"]
    # unclassified universities are recognised by name; one university row is a duplicate
    assert kinds["university"] > classified["Higher or secondary education establishment"]
    assert not [n for n in names if n.startswith('"') or '""' in n]
    assert academy.name == 'Military Technical Academy "Ferdinand I"'
    assert academy.legal_name == 'ACADEMIA TEHNICA MILITARA "FERDINAND I"'
    assert first == sorted(first, key=normalise_name)
    assert first[0][0].isdigit() or first[0][0].upper() == "A"


def client_order(session) -> list[str]:
    """The first page of the directory by name, as everyone sees it."""
    page = list_page(session, Viewer.anonymous(), OrgFilter(), per_page=40)
    return [row.name for row in page.data]


# --- the EU data ships with the package (issue 10, item 18) ---------------------------------


def test_demo_loads_the_packaged_eu_data_without_shared(monkeypatch, tmp_path: Path) -> None:
    """A clone without ../shared: `filiera demo` still loads the real EDF and Horizon data."""
    elsewhere = tmp_path / "clone"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # ../shared/data relative to here does not exist
    monkeypatch.setenv("FILIERA_SHARED_DATA_DIR", str(tmp_path / "no-shared"))
    url = f"sqlite:///{tmp_path}/demo.db"
    result = CliRunner().invoke(app, ["demo", "--db", url, "--synthetic", "0", "--no-serve"])
    assert result.exit_code == 0, result.output
    assert "skipped" not in result.output
    db = Database(url)
    with db.session() as session:
        sources = {s.kind: s for s in session.scalars(select(Source))}
        programmes = dict(
            session.execute(select(Project.programme, func.count()).group_by("programme")).all()
        )
        primes = set(session.scalars(select(Organisation.name).where(Organisation.kind == "prime")))
        shares = session.scalar(
            select(func.count(Participation.id)).where(Participation.contribution.is_not(None))
        )
    db.dispose()
    package = Path(filiera.__file__).parent
    assert Path(sources["edf"].location).is_relative_to(package)
    assert Path(sources["h2020"].location).is_relative_to(package)
    assert (
        sources["edf"].credit == "European Commission, Funding & Tenders portal / CORDIS, CC BY 4.0"
    )
    assert sources["h2020"].credit == "European Commission, CORDIS, CC BY 4.0"
    assert programmes["EDF"] + programmes["ASAP"] + programmes["EDIRPA"] == DISTINCT_PROJECTS
    assert programmes["H2020"] > 100 and shares > 500
    curated = {o["name"] for o in demo_data()["organisations"] if o.get("kind") == "prime"}
    assert primes == curated  # primes come from the curated demo data only
    assert "Leonardo S.p.A." in primes  # the curated name wins over the imported one


def test_the_eu_data_is_package_data() -> None:
    """Every shipped data file is matched by pyproject's package-data, with its credit."""
    root = Path(__file__).resolve().parents[1]
    config = tomllib.loads((root / "pyproject.toml").read_text())
    globs = config["tool"]["setuptools"]["package-data"]["filiera"]
    package = Path(filiera.__file__).parent
    files = [p for p in (package / "imports" / "data").rglob("*") if p.is_file()]
    shipped = {
        f.relative_to(package).as_posix()
        for f in files
        if f.suffix != ".py" and "__pycache__" not in f.parts
    }
    assert {"imports/data/edf/companies.json", "imports/data/edf/projects.json"} <= shipped
    assert "imports/data/h2020/h2020_participations.csv.gz" in shipped
    assert "imports/data/CREDIT.md" in shipped
    for name in shipped:
        assert any(fnmatch(name, glob) for glob in globs), f"{name} is not package data"
    credit = (package / "imports" / "data" / "CREDIT.md").read_text()
    assert "CC BY 4.0" in credit and "CORDIS" in credit and "Funding & Tenders" in credit


def test_the_shipped_edf_data_is_the_development_copy(edf_dir: Path) -> None:
    for name in ("companies.json", "projects.json", "eu_programmes.json"):
        assert (EDF_DIR / name).read_bytes() == (edf_dir / name).read_bytes(), name
