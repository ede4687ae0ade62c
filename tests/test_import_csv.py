"""`filiera import csv`: English/Italian headers, all-or-nothing errors, --skip-invalid."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from filiera.cli.main import app
from filiera.db import Base, Database
from filiera.errors import ImportFailed
from filiera.imports.csv_import import import_csv
from filiera.registry.models import (
    Membership,
    Organisation,
    Person,
    PersonRole,
    Site,
    Source,
)

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
HEADER_IT = "Nome;Tipologia;Paese;Regione;Città;PIC;Dipendenti;Capacità\n"
GOOD_IT = (
    "Vortani Aerostrutture S.r.l.;PMI;Italia;ITC11;Torino;912345678;48;Aerostrutture\n"
    "Brelosi Avionica S.p.A.;Grande impresa;IT;ITC4C;Milano;;1.250;air.avionics:evidenced\n"
)


@pytest.fixture
def db(db_url: str):
    database = Database(db_url)
    database.ensure_ready()
    yield database
    database.dispose()


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def run(db: Database, path: Path, kind: str = "organisations", **options):
    with db.session() as session:
        return import_csv(session, path, kind, **options)


def row_counts(db: Database, *, skip_sources: bool = False) -> dict[str, int]:
    with db.session() as session:
        return {
            table.name: session.scalar(select(func.count()).select_from(table))
            for table in Base.metadata.sorted_tables
            if table.name not in ("alembic_version", "audit_event")
            and not (skip_sources and table.name == "source")
        }


def org(db: Database, name: str) -> Organisation:
    with db.session() as session:
        found = session.scalars(select(Organisation).where(Organisation.name == name)).one()
        for rel in ("capabilities", "certifications", "activities", "identifiers", "sites"):
            getattr(found, rel)
        return found


def test_italian_headers_semicolons_and_cluster_memberships(db: Database) -> None:
    report = run(db, EXAMPLES / "members_it.csv")
    assert report.counts == {"organisations_created": 5, "memberships_created": 4}
    vortani = org(db, "Vortani Aerostrutture")
    assert vortani.legal_name == "Vortani Aerostrutture S.r.l."
    assert (vortani.kind, vortani.country, vortani.region) == ("sme", "IT", "ITC11")
    assert {(c.code, c.level) for c in vortani.capabilities} == {
        ("air.aerostructures", "evidenced"),
        ("materials.composites", "claimed"),
    }
    assert {c.code for c in vortani.certifications} == {"en9100", "iso9001"}
    assert [a.nace for a in vortani.activities] == ["30.32"]  # ATECO 30.32.00
    assert vortani.descriptions == {
        "it": "Pannelli e strutture in composito per velivoli (azienda fittizia)."
    }
    brelosi = org(db, "Brelosi Avionica")
    assert (brelosi.kind, brelosi.employees) == ("prime", 1250)
    assert {c.code for c in brelosi.capabilities} == {"air.avionics", "electronics.radar"}
    assert org(db, "Politecnico Strevora").kind == "university"
    with db.session() as session:
        cluster = session.scalars(select(Organisation).where(Organisation.kind == "cluster")).one()
        members = session.scalars(
            select(Membership.organisation_id).where(Membership.cluster_id == cluster.id)
        ).all()
    assert len(members) == 4


def test_english_headers_commas(db: Database) -> None:
    report = run(db, EXAMPLES / "members_en.csv")
    assert report.counts == {"organisations_created": 4, "memberships_created": 3}
    drelvani = org(db, "Drelvani Space Systems")
    assert drelvani.descriptions == {"en": "Small satellite platforms (fictional company)."}
    assert drelvani.website == "https://drelvani.example"
    assert [a.nace for a in drelvani.activities] == ["30.31"]


def test_windows_1252_and_bom_encodings(db: Database, tmp_path: Path) -> None:
    cp1252 = write(tmp_path, "soci.csv", HEADER_IT + GOOD_IT, "cp1252")
    assert run(db, cp1252).counts["organisations_created"] == 2
    bom = write(tmp_path, "bom.csv", "\ufeffName,Country,City\nKorvanta Drones,DE,München\n")
    assert run(db, bom).counts["organisations_created"] == 1
    assert org(db, "Korvanta Drones").city == "München"


def test_tab_delimited_and_decimal_comma_coordinates(db: Database, tmp_path: Path) -> None:
    text = (
        "Nome\tPaese\tCittà\tLatitudine\tLongitudine\nTrelvoni Robotica\tIT\tPisa\t43,716\t10,402\n"
    )
    run(db, write(tmp_path, "tab.csv", text))
    site = org(db, "Trelvoni Robotica").sites[0]
    assert (site.name, site.lat, site.lon, site.country) == ("Headquarters", 43.716, 10.402, "IT")


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        ("Zanderix Radar S.r.l.;PMI;XX;;Roma;;10;\n", "Paese", "unknown country code 'XX'"),
        ("Zanderix Radar S.r.l.;PMI;IT;;Roma;12345;10;\n", "PIC", "9 digits"),
        ("Zanderix Radar S.r.l.;PMI;IT;FRJ23;Roma;;10;\n", "Regione", "not in IT"),
        ("Zanderix Radar S.r.l.;PMI;IT;;Roma;;dieci;\n", "Dipendenti", "whole number"),
        (
            "Zanderix Radar S.r.l.;PMI;IT;;Roma;;10;teleportation\n",
            "Capacità",
            "unknown capability",
        ),
    ],
)
def test_one_bad_cell_rejects_the_file_and_changes_nothing(
    db: Database, tmp_path: Path, row: str, field: str, message: str
) -> None:
    run(db, EXAMPLES / "members_en.csv")
    before = row_counts(db)
    path = write(tmp_path, "soci.csv", HEADER_IT + GOOD_IT + row)
    with pytest.raises(ImportFailed) as caught:
        run(db, path)
    assert "soci.csv" in caught.value.message
    [error] = caught.value.errors
    assert (error["record"], error["field"]) == ("soci.csv row 4", field)
    assert message in error["message"]
    assert row_counts(db) == before


def test_missing_required_column_names_file_and_column(db: Database, tmp_path: Path) -> None:
    path = write(tmp_path, "members.csv", "Nome;Città\nVortani Aerostrutture;Torino\n")
    with pytest.raises(ImportFailed) as caught:
        run(db, path)
    assert "members.csv" in caught.value.message and "'country'" in caught.value.message
    assert caught.value.errors[0]["field"] == "country"
    assert "Paese" in caught.value.errors[0]["message"]
    assert row_counts(db)["organisation"] == 0


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b'Name,Country\n"Vortani,IT\n', "line"),
        (b"\x00\x01\x02binary", "binary"),
        (b"", "empty"),
    ],
)
def test_malformed_file_fails_naming_the_file(
    db: Database, tmp_path: Path, content: bytes, needle: str
) -> None:
    path = tmp_path / "broken.csv"
    path.write_bytes(content)
    with pytest.raises(ImportFailed) as caught:
        run(db, path)
    assert str(path) in caught.value.message and needle in caught.value.message
    assert row_counts(db)["organisation"] == 0


def test_skip_invalid_imports_good_rows_and_reports_every_bad_one(
    db: Database, tmp_path: Path
) -> None:
    bad = (
        "Zanderix Radar;PMI;XX;;Roma;;10;\n"
        "Plovena Spazio;PMI;IT;;Roma;12AB;10;\n"
        ";PMI;IT;;Roma;;10;\n"
    )
    path = write(tmp_path, "soci.csv", HEADER_IT + GOOD_IT + bad)
    report = run(db, path, skip_invalid=True)
    assert report.counts == {"organisations_created": 2}
    assert [r["record"] for r in report.rejected] == [
        "soci.csv row 4",
        "soci.csv row 5",
        "soci.csv row 6",
    ]
    assert [r["errors"][0]["field"] for r in report.rejected] == ["Paese", "PIC", "Nome"]
    out = tmp_path / "report.json"
    report.write(out)
    assert len(json.loads(out.read_text())["rejected"]) == 3
    assert row_counts(db)["organisation"] == 2


def test_reimport_is_idempotent(db: Database) -> None:
    run(db, EXAMPLES / "members_it.csv")
    before = row_counts(db, skip_sources=True)
    report = run(db, EXAMPLES / "members_it.csv")
    assert report.counts == {"organisations_unchanged": 5, "memberships_unchanged": 4}
    assert row_counts(db, skip_sources=True) == before


def test_unknown_cluster_is_a_row_error(db: Database, tmp_path: Path) -> None:
    path = write(tmp_path, "m.csv", "Name,Country,Cluster\nVelmora Systems,FR,Nowhere Cluster\n")
    with pytest.raises(ImportFailed) as caught:
        run(db, path)
    assert caught.value.errors[0]["field"] == "Cluster"
    assert "Nowhere Cluster" in caught.value.errors[0]["message"]


def test_people_memberships_and_sites_by_pic_and_by_name(db: Database, tmp_path: Path) -> None:
    run(db, write(tmp_path, "orgs.csv", HEADER_IT + GOOD_IT))
    run(db, write(tmp_path, "cl.csv", "Name,Kind,Country\nImaginary Cluster,cluster,IT\n"))
    people = write(
        tmp_path,
        "people.csv",
        "Nome e cognome;Email;Azienda;Ruolo;Dal\n"
        "Giulia Fittizia;giulia@vortani.example;912345678;CEO;01/02/2020\n"
        "Marco Inventato;;Brelosi Avionica;CTO;2021-03-04\n",
    )
    assert run(db, people, "people").counts == {"people_created": 2}
    assert run(db, people, "people").counts == {"people_unchanged": 2}
    members = write(
        tmp_path,
        "members.csv",
        "Azienda,Distretto,Ruolo,Dal,Al\n"
        "912345678,Imaginary Cluster,founder,15/03/2019,\n"
        "brelosi avionica spa,Imaginary Cluster,,2020-01-01,31/12/2030\n",
    )
    assert run(db, members, "memberships").counts == {"memberships_created": 2}
    sites = write(
        tmp_path,
        "sites.csv",
        "Organizzazione;Nome sito;Tipo;Città;Regione;Latitudine;Longitudine\n"
        "912345678;Stabilimento di Caselle;Stabilimento;Caselle Torinese;ITC11;45,18;7,65\n"
        "Brelosi Avionica;Laboratorio;ricerca;Milano;;;\n",
    )
    assert run(db, sites, "sites").counts == {"sites_created": 2}
    assert run(db, sites, "sites").counts == {"sites_unchanged": 2}
    with db.session() as session:
        roles = session.execute(
            select(Person.name, PersonRole.title, PersonRole.since, Organisation.name)
            .join(PersonRole.person)
            .join(PersonRole.organisation)
            .order_by(Person.name)
        ).all()
        memberships = session.execute(
            select(Membership.role, Membership.since, Membership.until).order_by(Membership.id)
        ).all()
        site = session.scalars(select(Site).where(Site.kind == "production")).one()
    assert [(r[0], r[1], r[2].isoformat(), r[3]) for r in roles] == [
        ("Giulia Fittizia", "CEO", "2020-02-01", "Vortani Aerostrutture S.r.l."),
        ("Marco Inventato", "CTO", "2021-03-04", "Brelosi Avionica S.p.A."),
    ]
    assert [(m[0], str(m[1]), str(m[2])) for m in memberships] == [
        ("founder", "2019-03-15", "None"),
        ("member", "2020-01-01", "2030-12-31"),
    ]
    assert (site.country, site.region, site.lat) == ("IT", "ITC11", 45.18)


def test_linked_rows_naming_unknown_organisations_fail(db: Database, tmp_path: Path) -> None:
    run(db, write(tmp_path, "orgs.csv", HEADER_IT + GOOD_IT))
    people = write(
        tmp_path,
        "people.csv",
        "Name,Email,Organisation\nAda Nessuno,ada@example.org,999999999\n"
        "Bo Nobody,not-an-email,Ghost Industries\n",
    )
    before = row_counts(db)
    with pytest.raises(ImportFailed) as caught:
        run(db, people, "people")
    fields = [(e["record"], e["field"]) for e in caught.value.errors]
    assert fields == [
        ("people.csv row 2", "Organisation"),
        ("people.csv row 3", "Email"),
        ("people.csv row 3", "Organisation"),
    ]
    assert row_counts(db) == before
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Source)) == 1


def test_cli_csv_bad_input_exits_non_zero_and_skip_invalid_writes_report(
    db_url: str, tmp_path: Path
) -> None:
    path = write(tmp_path, "soci.csv", HEADER_IT + GOOD_IT + "Zanderix;PMI;XX;;Roma;;1;\n")
    runner = CliRunner()
    result = runner.invoke(app, ["import", "csv", str(path), "--db", db_url])
    assert result.exit_code == 1
    assert "soci.csv row 4: Paese: unknown country code 'XX'" in flat(result.output)
    assert row_counts(Database(db_url))["organisation"] == 0
    report = tmp_path / "rejected.json"
    args = [
        "import",
        "csv",
        str(path),
        "--kind",
        "organisations",
        "--skip-invalid",
        "--report",
        str(report),
        "--db",
        db_url,
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "organisations_created: 2" in flat(result.output)
    assert json.loads(report.read_text())["rejected"][0]["record"] == "soci.csv row 4"
    result = runner.invoke(app, ["import", "csv", str(path), "--kind", "ships", "--db", db_url])
    assert result.exit_code == 1 and "unknown CSV kind" in flat(result.output)


def flat(text: str) -> str:
    """CLI output with rich's line wrapping undone."""
    return " ".join(text.split())


def test_membership_rows_repeated_in_a_file_or_stored_fill_blanks_once(
    db: Database, tmp_path: Path
) -> None:
    """Memberships are written in bulk: a row repeated in the same file and a row for a
    stored membership fill blank dates (merged) or change nothing, never duplicate, and
    every new membership tells the change log about its member and its cluster."""
    from filiera.registry import changes

    run(db, write(tmp_path, "orgs.csv", HEADER_IT + GOOD_IT))
    run(db, write(tmp_path, "cl.csv", "Name,Kind,Country\nImaginary Cluster,cluster,IT\n"))
    with db.session() as session:
        before = changes.latest(session)
    first = write(
        tmp_path,
        "first.csv",
        "Azienda,Distretto,Ruolo,Dal,Al\n"
        "912345678,Imaginary Cluster,founder,,\n"
        "912345678,Imaginary Cluster,,15/03/2019,\n"  # the same, queued: fills `since`
        "912345678,Imaginary Cluster,,01/01/2000,\n"  # `since` is no longer blank
        "Brelosi Avionica,Imaginary Cluster,,,\n",
    )
    counts = run(db, first, "memberships").counts
    assert counts == {"memberships_created": 2, "memberships_merged": 1, "memberships_unchanged": 1}
    again = write(
        tmp_path,
        "again.csv",
        "Azienda,Distretto,Ruolo,Dal,Al\n"
        "Brelosi Avionica,Imaginary Cluster,,,31/12/2030\n"  # stored: fills `until`
        "912345678,Imaginary Cluster,,,\n",
    )
    assert run(db, again, "memberships").counts == {
        "memberships_merged": 1,
        "memberships_unchanged": 1,
    }
    with db.session() as session:
        rows = session.execute(
            select(Organisation.name, Membership.role, Membership.since, Membership.until)
            .join(Membership.organisation)
            .order_by(Organisation.name)
        ).all()
        touched = {org for _, org, _, _ in changes.since(session, before + 1) if org}
        cluster_id = session.scalar(select(Organisation.id).where(Organisation.kind == "cluster"))
        member_ids = set(session.scalars(select(Membership.organisation_id)))
        source_ids = set(session.scalars(select(Membership.source_id)))
    assert [(n, r, s and s.isoformat(), u and u.isoformat()) for n, r, s, u in rows] == [
        ("Brelosi Avionica S.p.A.", "member", None, "2030-12-31"),
        ("Vortani Aerostrutture S.r.l.", "founder", "2019-03-15", None),
    ]
    assert touched >= member_ids | {cluster_id}
    assert None not in source_ids


def test_a_membership_book_finds_what_it_flushed(db: Database, tmp_path: Path) -> None:
    from datetime import date

    from filiera.imports.links import MembershipBook

    run(db, write(tmp_path, "orgs.csv", HEADER_IT + GOOD_IT))
    with db.session() as session:
        org_id, other_id = session.scalars(select(Organisation.id).order_by(Organisation.id))
        source = Source(name="book", kind="test")
        session.add(source)
        book = MembershipBook(session, bulk=True)
        assert book.upsert(org_id, other_id, source=source) == "created"
        book.flush()
        assert book.upsert(org_id, other_id, source=source, since=date(2020, 1, 2)) == "merged"
        assert book.upsert(org_id, other_id, source=source) == "unchanged"
        with pytest.raises(ValueError, match="member of itself"):
            book.upsert(org_id, org_id, source=source)
    with db.session() as session:
        stored = session.scalars(select(Membership)).one()
    assert (stored.organisation_id, stored.cluster_id, stored.since) == (
        org_id,
        other_id,
        date(2020, 1, 2),
    )
