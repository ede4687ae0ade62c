"""CSV exports: the directory and match results, from the API, the web pages and the CLI.

Values that a spreadsheet would run as formulas (`=`, `+`, `-`, `@`, tab, CR first) are
stored and returned by the JSON API as given, but every CSV cell starting with one is
written with a `'` in front. The directory CSV holds exactly the rows the JSON listing
gives the same viewer, withheld fields empty, markings in their column; credits are in the
`X-Data-Credit` header (stderr on the CLI), never in the rows. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from typer.testing import CliRunner

from filiera.access import accounts
from filiera.access.audit import AuditQuery, search
from filiera.access.models import AccessGrant
from filiera.app import create_app
from filiera.cli.main import app as cli_app
from filiera.db import Database
from filiera.registry.models import Alias, Membership, Organisation
from filiera.registry.spreadsheet import DANGEROUS, safe_cell, write_csv
from filiera.settings import Settings
from support.auth import PASSWORD
from support.dataset import CREDIT, Dataset, build

RUNNER = CliRunner(env={"COLUMNS": "200"})
HYPERLINK = '=HYPERLINK("http://evil","x")'
# Stored through the API (its input keeps them as given).
EVIL = {
    "name": HYPERLINK,
    "legal_name": "+1+1",
    "aliases": ["@SUM(1)"],
    "city": "-2+3",
    "country": "IT",
    "kind": "sme",
    "descriptions": {"en": "@SUM(1) helicopters and radar", "it": "-2+3 elicotteri"},
    "revenue_band": ">1B",
    "employees": 40,
    "markings": ["dual_use", "itar"],
}
# Stored directly (the API input strips leading whitespace; imports or older rows may not).
RAW = {"description_fr": "\tx", "description_de": "\rx", "alias": "\tx alias", "name": "\rx"}
LEVELS = ("members", "restricted", "owner")
VIEWERS = {  # viewer -> (role, affiliation) ; None role = anonymous
    "anonymous": (None, None),
    "viewer": ("viewer", None),
    "buyer": ("buyer", None),  # granted the restricted record
    "member_in_cluster": ("member", "polimi"),  # sees members-level records of the cluster
    "admin": ("admin", None),
}
SEES_HIDDEN = {
    "anonymous": set(),
    "viewer": set(),
    "buyer": {"restricted"},
    "member_in_cluster": {"members"},
    "admin": {"members", "restricted", "owner"},
}


@dataclass
class World:
    db: Database
    data: Dataset
    evil: int  # the organisation with formula-like values
    tabbed: int  # the one whose name starts with CR (written directly)
    hidden: dict[str, int]  # level -> organisation id
    headers: dict[str, dict[str, str]]
    emails: dict[str, str]


def build_world(db: Database) -> World:
    extra = {"evil": EVIL}
    for level in LEVELS:
        extra[level] = {
            "name": f"Hidden {level} Avionics",
            "country": "IT",
            "kind": "sme",
            "visibility": level,
            "descriptions": {"en": f"helicopters and radar, {level} only"},
        }
    extra["tabbed"] = {
        "name": "Tabbed Radar Srl",
        "country": "IT",
        "kind": "sme",
        "descriptions": {"en": "Radar for helicopters."},
    }
    data = build(db, extra)
    with db.session() as session:
        evil = session.get(Organisation, data.orgs["evil"])
        evil.descriptions = {
            **evil.descriptions,
            "fr": RAW["description_fr"],
            "de": RAW["description_de"],
        }
        session.add(Alias(organisation_id=evil.id, name=RAW["alias"], name_key="x alias"))
        tabbed = session.get(Organisation, data.orgs["tabbed"])
        tabbed.name = RAW["name"]
        for level in LEVELS:
            session.add(
                Membership(organisation_id=data.orgs[level], cluster_id=data.orgs["cluster"])
            )
        session.add(
            AccessGrant(entity="organisation", entity_id=data.orgs["restricted"], role="buyer")
        )
        headers: dict[str, dict[str, str]] = {}
        emails: dict[str, str] = {}
        for name, (role, where) in VIEWERS.items():
            if role is None:
                headers[name] = {}
                continue
            email = f"{name}@csv.example"
            user = accounts.add_user(
                session,
                email,
                name,
                PASSWORD,
                role=role,
                org_ids=[data.orgs[where]] if where else [],
            )
            token = accounts.create_token(session, Settings(), user, "csv").secret
            headers[name], emails[name] = {"Authorization": f"Bearer {token}"}, email
    hidden = {level: data.orgs[level] for level in LEVELS}
    return World(db, data, data.orgs["evil"], data.orgs["tabbed"], hidden, headers, emails)


@pytest.fixture(scope="module")
def world(module_db_url: str) -> Iterator[World]:
    db = Database(module_db_url)
    yield build_world(db)
    db.dispose()


@pytest.fixture(scope="module")
def client(world: World) -> Iterator[TestClient]:
    with TestClient(create_app(world.db, Settings())) as test_client:
        yield test_client


def parse_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def assert_neutralised(rows: list[dict[str, str]], numeric: tuple[str, ...] = ()) -> None:
    """No cell starts with a formula character (numeric columns hold no negatives here)."""
    for row in rows:
        for column, cell in row.items():
            assert not cell.startswith(DANGEROUS), (column, cell)
            if column in numeric and cell:
                float(cell)


def cli(*args: str, db: str, code: int = 0):
    result = RUNNER.invoke(cli_app, [*args, "--db", db])
    assert result.exit_code == code, (result.output, result.exception)
    return result


# --- the helper ---------------------------------------------------------------------------


@given(st.text())
def test_safe_cell_never_starts_with_a_formula_character(text: str) -> None:
    cell = safe_cell(text)
    assert not cell.startswith(DANGEROUS)
    if text.startswith(DANGEROUS):
        assert cell == "'" + text
    else:
        assert cell == text  # harmless text round-trips unchanged


@given(st.lists(st.text(st.characters(blacklist_characters="\x00")), min_size=1, max_size=6))
def test_written_cells_read_back_as_the_safe_cells(cells: list[str]) -> None:
    out = io.StringIO(newline="")
    write_csv([cells], [f"c{i}" for i in range(len(cells))], out)
    header, row = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert row == [safe_cell(c) for c in cells]
    assert header == [f"c{i}" for i in range(len(cells))]


@given(st.one_of(st.integers(), st.floats(allow_nan=False, allow_infinity=False)))
def test_numbers_stay_numbers(number: int | float) -> None:
    assert safe_cell(number) == str(number)
    # read back as its own type: an integer beyond 2**53 has no exact float
    assert type(number)(safe_cell(number)) == number


def test_safe_cell_values() -> None:
    assert safe_cell(None) == ""
    assert safe_cell(True) == "true"
    assert safe_cell(-3.5) == "-3.5"  # a stored number: left as a number
    assert safe_cell(Decimal("-2")) == "-2"
    assert safe_cell("-3.5") == "'-3.5"  # text that looks like a number is text
    assert safe_cell(float("-inf")) == "'-inf"
    assert safe_cell(["@a", "b"]) == "'@a; b"
    assert safe_cell(["a", "=b"]) == "a; =b"  # only the start of a cell is a formula
    for text in (HYPERLINK, "+1+1", "-2+3", "@SUM(1)", "\tx", "\rx"):
        assert safe_cell(text) == "'" + text


# --- directory: API -----------------------------------------------------------------------


def test_values_are_stored_verbatim(client: TestClient, world: World) -> None:
    h = world.headers["admin"]
    profile = client.get(f"/api/organisations/{world.evil}", headers=h).json()
    assert profile["name"] == HYPERLINK and profile["legal_name"] == "+1+1"
    assert profile["city"] == "-2+3"
    assert profile["descriptions"] == {
        "en": EVIL["descriptions"]["en"],
        "it": "-2+3 elicotteri",
        "fr": "\tx",
        "de": "\rx",
    }
    assert {"@SUM(1)", "\tx alias"} <= set(profile["aliases"])
    tabbed = client.get(f"/api/organisations/{world.tabbed}", headers=h).json()
    assert tabbed["name"] == "\rx"


def test_directory_csv_neutralises_formulas(client: TestClient, world: World) -> None:
    response = client.get("/api/organisations.csv", headers=world.headers["admin"])
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["content-disposition"]
    assert response.headers["x-data-credit"] == CREDIT
    assert CREDIT not in response.text  # the credit is never a data row
    rows = parse_csv(response.text)
    assert_neutralised(rows, numeric=("id", "employees", "founded_year"))
    evil = next(r for r in rows if r["id"] == str(world.evil))
    assert evil["name"] == "'" + HYPERLINK
    assert evil["legal_name"] == "'+1+1"
    assert evil["city"] == "'-2+3"
    assert evil["description_en"] == "'@SUM(1) helicopters and radar"
    assert evil["description_it"] == "'-2+3 elicotteri"
    assert evil["description_fr"] == "'\tx" and evil["description_de"] == "'\rx"
    assert evil["aliases"].startswith("'")  # aliases in id order; the legal name is one
    assert set(evil["aliases"][1:].split("; ")) == {"+1+1", "@SUM(1)", "\tx alias"}
    assert evil["markings"] == "dual_use; itar"
    assert evil["revenue_band"] == ">1B" and evil["withheld"] == ""
    tabbed = next(r for r in rows if r["id"] == str(world.tabbed))
    assert tabbed["name"] == "'\rx"


@pytest.mark.parametrize("viewer", list(VIEWERS))
@pytest.mark.parametrize("params", [{}, {"q": "avionics"}, {"country": "IT", "kind": "sme"}])
def test_directory_csv_has_the_rows_of_the_listing(
    client: TestClient, world: World, viewer: str, params: dict[str, str]
) -> None:
    h = world.headers[viewer]
    listing = client.get("/api/organisations", params={**params, "per_page": 200}, headers=h)
    exported = client.get("/api/organisations.csv", params=params, headers=h)
    assert listing.status_code == exported.status_code == 200
    rows = parse_csv(exported.text)
    assert [int(r["id"]) for r in rows] == [o["id"] for o in listing.json()["data"]]
    shown = {int(r["id"]) for r in rows}
    for level, org_id in world.hidden.items():  # every filter here matches them
        assert (org_id in shown) == (level in SEES_HIDDEN[viewer]), (viewer, level)
    header = next(csv.reader(io.StringIO(exported.text, newline="")))
    assert "markings" in header and "withheld" in header


@pytest.mark.parametrize("viewer", ["anonymous", "viewer", "buyer"])
def test_withheld_fields_are_empty(client: TestClient, world: World, viewer: str) -> None:
    """The revenue band is members-only by default: outsiders get an empty cell."""
    response = client.get("/api/organisations.csv", headers=world.headers[viewer])
    evil = next(r for r in parse_csv(response.text) if r["id"] == str(world.evil))
    assert evil["revenue_band"] == "" and evil["withheld"] == "revenue_band"
    assert evil["employees"] == "40"  # public by default
    assert ">1B" not in response.text


def test_directory_export_of_restricted_rows_is_audited(client: TestClient, world: World):
    response = client.get(
        "/api/organisations.csv", params={"q": "hidden"}, headers=world.headers["buyer"]
    )
    assert {int(r["id"]) for r in parse_csv(response.text)} == {world.hidden["restricted"]}
    with world.db.session() as session:
        reads = search(session, AuditQuery(action="read", actor=world.emails["buyer"], limit=50))
        exports = [e for e in reads if e.detail.startswith("directory CSV export")]
    assert exports and exports[0].entity_id == world.hidden["restricted"]


def test_directory_csv_rejects_bad_filters(client: TestClient) -> None:
    response = client.get("/api/organisations.csv", params={"country": "ITA"})
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "query.country"


# --- directory: web and CLI ---------------------------------------------------------------


def csv_link(page: str) -> str:
    match = re.search(r'<a[^>]*data-csv-export[^>]*href="([^"]+)"', page)
    assert match, "no CSV link on the page"
    return html.unescape(match.group(1))


@pytest.mark.parametrize("viewer", ["anonymous", "member_in_cluster", "admin"])
def test_web_directory_csv_link_carries_the_filters(
    client: TestClient, world: World, viewer: str
) -> None:
    h = world.headers[viewer]
    page = client.get("/organisations?country=IT&q=a", headers={**h, "accept": "text/html"})
    link = csv_link(page.text)
    assert link.startswith("/organisations.csv?") and "country=IT" in link and "q=a" in link
    exported = client.get(link, headers=h)
    assert exported.status_code == 200 and exported.headers["x-data-credit"] == CREDIT
    listing = client.get(
        "/api/organisations", params={"country": "IT", "q": "a", "per_page": 200}, headers=h
    )
    rows = parse_csv(exported.text)
    assert [int(r["id"]) for r in rows] == [o["id"] for o in listing.json()["data"]]
    assert_neutralised(rows, numeric=("id", "employees", "founded_year"))
    assert any(r["name"] == "'" + HYPERLINK for r in rows)


def test_cli_org_list_csv(world: World) -> None:
    result = cli("org", "list", "--csv", "--as", world.emails["viewer"], db=world.db.url)
    rows = parse_csv(result.stdout)
    assert_neutralised(rows, numeric=("id", "employees", "founded_year"))
    ids = {int(r["id"]) for r in rows}
    assert world.evil in ids and not ids & set(world.hidden.values())
    evil = next(r for r in rows if int(r["id"]) == world.evil)
    assert evil["name"] == "'" + HYPERLINK and evil["revenue_band"] == ""
    assert CREDIT in result.stderr and CREDIT not in result.stdout
    everything = parse_csv(cli("org", "list", "--csv", "--q", "hidden", db=world.db.url).stdout)
    assert {int(r["id"]) for r in everything} == set(world.hidden.values())
    both = RUNNER.invoke(cli_app, ["org", "list", "--csv", "--json", "--db", world.db.url])
    assert both.exit_code == 1 and "not both" in both.stdout


# --- match results ------------------------------------------------------------------------

MATCH_NUMERIC = ("rank", "id", "score", "profile", "projects", "record")


def test_api_match_csv(client: TestClient, world: World) -> None:
    body = {"text": "helicopters radar", "top": 50}
    h = world.headers["viewer"]
    ranked = client.post("/api/match", json=body, headers=h).json()["results"]
    response = client.post("/api/match.csv", json=body, headers=h)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["x-data-credit"] == CREDIT
    rows = parse_csv(response.text)
    assert list(rows[0]) == [
        "rank",
        "id",
        "pic",
        "name",
        "country",
        "kind",
        "synthetic",
        "score",
        "profile",
        "projects",
        "record",
        "reasons",
        "markings",
    ]
    assert [int(r["id"]) for r in rows] == [hit["id"] for hit in ranked]
    assert [int(r["rank"]) for r in rows] == list(range(1, len(rows) + 1))
    assert_neutralised(rows, numeric=MATCH_NUMERIC)
    ids = {int(r["id"]) for r in rows}
    assert world.evil in ids and not ids & set(world.hidden.values())
    evil = next(r for r in rows if int(r["id"]) == world.evil)
    assert evil["name"] == "'" + HYPERLINK and evil["markings"] == "dual_use; itar"
    assert response.headers["x-export-markings"] == "dual_use; itar"  # the rows' markings
    first = ranked[0]
    assert rows[0]["reasons"].lstrip("'") == " | ".join(e["text"] for e in first["explanations"])
    tabbed = next(r for r in rows if int(r["id"]) == world.tabbed)
    assert tabbed["name"] == "'\rx"


def test_api_match_csv_rejects_bad_requests(client: TestClient) -> None:
    response = client.post("/api/match.csv", json={"text": "x", "top": 0})
    assert response.status_code == 422
    fields = {d["field"] for d in response.json()["error"]["details"]}
    assert {"body.text", "body.top"} <= fields


def test_web_match_csv_link_reruns_the_search(client: TestClient, world: World) -> None:
    h = world.headers["admin"]
    page = client.get("/match?q=helicopters+radar&country=IT", headers={**h, "accept": "text/html"})
    shown = [int(i) for i in re.findall(r'class="card match-hit" data-org="(\d+)"', page.text)]
    link = csv_link(page.text)
    assert link.startswith("/match.csv?") and "country=IT" in link
    response = client.get(link, headers=h)
    assert response.status_code == 200 and "attachment" in response.headers["content-disposition"]
    rows = parse_csv(response.text)
    assert [int(r["id"]) for r in rows] == shown
    assert_neutralised(rows, numeric=MATCH_NUMERIC)
    assert {world.evil, world.hidden["owner"]} <= {int(r["id"]) for r in rows}
    evil = next(r for r in rows if int(r["id"]) == world.evil)
    assert evil["name"] == "'" + HYPERLINK
    assert client.get("/match.csv?q=x", headers=h).status_code == 422


def test_cli_match_csv(world: World) -> None:
    result = cli(
        "match", "helicopters radar", "--csv", "--as", world.emails["buyer"], db=world.db.url
    )
    rows = parse_csv(result.stdout)
    assert_neutralised(rows, numeric=MATCH_NUMERIC)
    ids = {int(r["id"]) for r in rows}
    assert world.evil in ids and world.hidden["restricted"] in ids
    assert not ids & {world.hidden["members"], world.hidden["owner"]}
    evil = next(r for r in rows if int(r["id"]) == world.evil)
    assert evil["name"] == "'" + HYPERLINK and evil["markings"] == "dual_use; itar"
    assert CREDIT in result.stderr and CREDIT not in result.stdout


def test_markings_of_hidden_records_stay_hidden(world: World) -> None:
    """The match export reads markings through the visibility rule."""
    from filiera.access.viewer import Viewer
    from filiera.match.export import markings_by_id

    with world.db.session() as session:
        ids = [world.evil, world.hidden["owner"]]
        assert set(markings_by_id(session, Viewer.anonymous(), ids)) == {world.evil}
        assert set(markings_by_id(session, Viewer.system(), ids)) == set(ids)
        assert session.scalars(select(Organisation.id).where(Organisation.id.in_(ids))).all()
