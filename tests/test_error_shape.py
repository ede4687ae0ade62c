"""Every error the app answers has exactly one shape: {"error": {code, message, details}}."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from filiera.app import create_app
from filiera.db import Database
from support.auth import bearer, token_for
from support.dataset import Dataset, build


@pytest.fixture
def setup(db_url: str) -> Iterator[tuple[TestClient, Dataset]]:
    db = Database(db_url)
    data = build(db)
    app = create_app(db)

    @app.get("/api/test-boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    headers = bearer(token_for(db, "admin@test.example"))
    with TestClient(app, raise_server_exceptions=False, headers=headers) as client:
        yield client, data
    db.dispose()


def assert_one_shape(response, status: int, code: str) -> dict:
    """The body is exactly {"error": {"code", "message", "details": [{record, field, message}]}}."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "details"}
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["details"], list)
    for detail in error["details"]:
        assert set(detail) == {"record", "field", "message"}
        assert all(isinstance(value, str) and value for value in detail.values())
    return error


def test_every_error_has_the_one_shape(setup: tuple[TestClient, Dataset]) -> None:
    client, data = setup
    leonardo = data.orgs["leonardo"]
    cases = [
        (client.get("/no/such/route"), 404, "not_found"),
        (client.get("/api/no-such-endpoint"), 404, "not_found"),
        (client.get("/api/organisations/9999"), 404, "not_found"),
        (client.get("/organisations/9999"), 404, "not_found"),
        (client.get("/api/organisations/by-pic/000000000"), 404, "not_found"),
        (client.get("/api/projects/77"), 404, "not_found"),
        (client.get("/static/missing.css"), 404, "not_found"),
        (client.delete("/api/stats"), 405, "method_not_allowed"),
        (client.get("/api/organisations", params={"page": "x"}), 422, "validation_failed"),
        (client.get("/api/organisations/abc"), 422, "validation_failed"),
        (client.post("/api/organisations", json={"name": ""}), 422, "validation_failed"),
        (
            client.post(
                "/api/organisations",
                content=b"{not json",
                headers={"content-type": "application/json"},
            ),
            422,
            "validation_failed",
        ),
        (client.post("/api/review/1", json={}), 422, "validation_failed"),
        (
            client.patch(f"/api/organisations/{leonardo}", json={"region": "FR10"}),
            422,
            "validation_failed",
        ),
        (
            client.patch(
                f"/api/organisations/{data.orgs['safran']}",
                json={"identifiers": {"pic": "999880463"}},
            ),
            409,
            "conflict",
        ),
        (client.get("/api/test-boom"), 500, "internal_error"),
    ]
    for response, status, code in cases:
        assert_one_shape(response, status, code)


def test_validation_details_name_each_field(setup: tuple[TestClient, Dataset]) -> None:
    client, _ = setup
    response = client.post("/api/organisations", json={"name": "", "country": "ZZ", "x": 1})
    error = assert_one_shape(response, 422, "validation_failed")
    assert {d["field"] for d in error["details"]} == {"body.name", "body.country", "body.x"}
    assert error["message"] == "request: 3 invalid field(s)"


def test_internal_errors_hide_details(setup: tuple[TestClient, Dataset]) -> None:
    client, _ = setup
    error = assert_one_shape(client.get("/api/test-boom"), 500, "internal_error")
    assert "secret" not in error["message"]


def test_browsers_get_an_html_error_page(setup: tuple[TestClient, Dataset]) -> None:
    client, _ = setup
    response = client.get("/organisations/9999", headers={"accept": "text/html,*/*"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert 'data-error-code="not_found"' in response.text
    api = client.get("/api/organisations/9999", headers={"accept": "text/html,*/*"})
    assert_one_shape(api, 404, "not_found")
