"""One rule, one home: the API, the web pages and the CLI give the same bad input the same error.

Each front end only translates; the validation lives in the service's input model and the
rules in the service function. So the field named and the message must be the same (the
API adds where the value came from: `query.` or `body.`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape
from typer.testing import CliRunner

from filiera.app import create_app
from filiera.cli.main import app as cli_app
from filiera.db import Database
from filiera.settings import Settings
from support.auth import bearer, token_for
from support.dataset import Dataset, build

HTML = {"accept": "text/html"}


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    yield database
    database.dispose()


@pytest.fixture
def data(db: Database) -> Dataset:
    return build(db)


@pytest.fixture
def client(db: Database, data: Dataset) -> Iterator[TestClient]:
    headers = bearer(token_for(db, "admin@test.example"))
    with TestClient(create_app(db, Settings()), headers=headers) as test_client:
        yield test_client


def api_errors(response) -> dict[str, str]:
    """{field without its query./body. origin: message} of an API error answer."""
    assert response.status_code == 422, response.text
    details = response.json()["error"]["details"]
    return {d["field"].removeprefix("query.").removeprefix("body."): d["message"] for d in details}


def cli_errors(db: Database, *args: str) -> dict[str, str]:
    """{field: message} of the JSON error a CLI command prints, which must exit 1."""
    result = CliRunner().invoke(cli_app, [*args, "--db", db.url, "--json"])
    assert result.exit_code == 1, result.output
    body = json.loads(result.stdout)
    assert body["error"]["code"] == "validation_failed"
    return {d["field"]: d["message"] for d in body["error"]["details"]}


def shows(page_html: str, errors: dict[str, str]) -> bool:
    """Does an HTML error answer name every field and message (HTML-escaped)?"""
    return all(f in page_html and str(escape(m)) in page_html for f, m in errors.items())


def test_directory_filters(client: TestClient, db: Database) -> None:
    api = api_errors(client.get("/api/organisations", params={"kind": "bakery", "country": "ITA"}))
    assert set(api) == {"kind", "country"}
    cli = cli_errors(db, "org", "list", "--kind", "bakery", "--country", "ITA")
    assert cli == api
    web = client.get("/organisations", params={"kind": "bakery", "country": "ITA"}, headers=HTML)
    assert web.status_code == 422 and shows(web.text, api)


def test_match_request(client: TestClient, db: Database) -> None:
    body = {"text": "radar", "country": ["ITA"], "region": "ITC4567"}
    api = api_errors(client.post("/api/match", json=body))
    assert set(api) == {"country.0", "region"}
    cli = cli_errors(db, "match", "radar", "--country", "ITA", "--region", "ITC4567")
    assert cli == api
    params = {"q": "radar", "country": "ITA", "region": "ITC4567"}
    web = client.get("/match", params=params, headers=HTML)
    assert web.status_code == 422 and shows(web.text, api)
    assert "data-form-error" in web.text  # the form stays, with the errors above it


def test_patch_refuses_null_required_fields(
    client: TestClient, db: Database, data: Dataset
) -> None:
    org = data.orgs["leonardo"]
    api = api_errors(client.patch(f"/api/organisations/{org}", json={"name": None}))
    assert api == {"name": "cannot be null"}
    assert cli_errors(db, "org", "edit", str(org), "name=") == api


def test_identifier_held_by_another_organisation(
    client: TestClient, db: Database, data: Dataset
) -> None:
    other_pic = client.get(f"/api/organisations/{data.orgs['leonardo']}").json()["pic"]
    org = data.orgs["safran"] if "safran" in data.orgs else sorted(data.orgs.values())[-1]
    response = client.patch(f"/api/organisations/{org}", json={"identifiers": {"pic": other_pic}})
    assert response.status_code == 409
    api = {d["field"]: d["message"] for d in response.json()["error"]["details"]}
    result = CliRunner().invoke(
        cli_app, ["org", "edit", str(org), f"pic={other_pic}", "--db", db.url, "--json"]
    )
    assert result.exit_code == 1, result.output
    body = json.loads(result.stdout)["error"]
    assert body["code"] == "conflict"
    assert {d["field"]: d["message"] for d in body["details"]} == api


def test_audit_filters(client: TestClient, db: Database) -> None:
    api = api_errors(client.get("/api/audit", params={"limit": 0, "entity_id": 0}))
    assert set(api) == {"limit", "entity_id"}
    assert cli_errors(db, "audit", "--limit", "0", "--id", "0") == api
    web = client.get("/audit", params={"entity_id": 0}, headers=HTML)
    assert web.status_code == 422 and shows(web.text, {"entity_id": api["entity_id"]})


def test_one_provenance_for_every_front_end(client: TestClient, db: Database) -> None:
    """What a person enters by hand is "manual entry", whoever and wherever they are."""
    record = {"name": "Officine Rossi", "kind": "sme", "country": "IT"}
    via_api = client.post("/api/organisations", json=record).json()
    result = CliRunner().invoke(
        cli_app,
        ["org", "add", "--name", "Meccanica Bianchi", "--country", "IT", "--db", db.url, "--json"],
    )
    assert result.exit_code == 0, result.output
    via_cli = client.get(f"/api/organisations/{json.loads(result.stdout)['id']}").json()
    assert via_api["source"] == via_cli["source"] == "manual entry"
