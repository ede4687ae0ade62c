"""The REST API on SQLite and PostgreSQL: directory, CRUD, create-or-merge, review."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from filiera.app import create_app
from filiera.db import Database
from filiera.directory.filters import PAGE_SIZE_MAX
from filiera.settings import Settings
from support.auth import bearer, token_for
from support.dataset import Dataset, build


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
    """A client signed in as a platform admin (permissions are tested in test_access_*)."""
    headers = bearer(token_for(db, "admin@test.example"))
    with TestClient(create_app(db, Settings()), headers=headers) as test_client:
        yield test_client


def ids(response) -> set[int]:
    assert response.status_code == 200, response.text
    return {row["id"] for row in response.json()["data"]}


def keys(data: Dataset, *names: str) -> set[int]:
    return {data.orgs[name] for name in names}


def test_directory_counts_and_pages(client: TestClient) -> None:
    first = client.get("/api/organisations", params={"per_page": 4}).json()
    assert first["count"] == 6 and first["page"] == 1 and first["per_page"] == 4
    assert len(first["data"]) == 4
    names = [row["name"] for row in first["data"]]
    assert names == sorted(names)
    second = client.get("/api/organisations", params={"per_page": 4, "page": 2}).json()
    assert second["count"] == 6 and len(second["data"]) == 2
    assert not {r["id"] for r in first["data"]} & {r["id"] for r in second["data"]}
    beyond = client.get("/api/organisations", params={"per_page": 4, "page": 3}).json()
    assert beyond["data"] == [] and beyond["count"] == 6


def test_each_filter_narrows(client: TestClient, data: Dataset) -> None:
    everyone = set(data.orgs.values())
    cases = [
        ({"country": "IT"}, keys(data, "leonardo", "cluster", "polimi", "aerosud")),
        ({"country": "fr"}, keys(data, "safran")),
        ({"region": "ITC4"}, keys(data, "cluster", "polimi")),
        ({"kind": "prime"}, keys(data, "leonardo", "safran")),
        ({"capability": "space"}, keys(data, "luxspace", "polimi")),
        ({"capability": "space.satellites"}, keys(data, "luxspace")),
        ({"certification": "en9100"}, keys(data, "leonardo")),
        ({"cluster": data.orgs["cluster"]}, keys(data, "polimi", "aerosud")),
        ({"synthetic": "true"}, keys(data, "aerosud")),
        ({"synthetic": "false"}, everyone - keys(data, "aerosud")),
        ({"q": "leonardo"}, keys(data, "leonardo")),
        ({"country": "IT", "kind": "university"}, keys(data, "polimi")),
    ]
    for params, expected in cases:
        response = client.get("/api/organisations", params=params)
        assert ids(response) == expected, params
        assert response.json()["count"] == len(expected), params


def test_sort_newest_first(client: TestClient, data: Dataset) -> None:
    rows = client.get("/api/organisations", params={"sort": "newest"}).json()["data"]
    assert [r["id"] for r in rows] == sorted(data.orgs.values(), reverse=True)


def test_profile_and_by_pic(client: TestClient, data: Dataset) -> None:
    profile = client.get(f"/api/organisations/{data.orgs['leonardo']}").json()
    assert profile["identifiers"] == {"pic": "999880463"}
    assert [c["level"] for c in profile["capability_details"]] == ["evidenced", "certified"]
    assert {p["acronym"] for p in profile["projects"]} == {"EPC", "SPACE-EYE"}
    assert profile["source_credit"].endswith("CC BY 4.0")
    by_pic = client.get("/api/organisations/by-pic/999880463")
    assert by_pic.status_code == 200 and by_pic.json()["id"] == data.orgs["leonardo"]
    missing = client.get("/api/organisations/by-pic/123456789")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"


def test_post_creates(client: TestClient) -> None:
    record = {
        "name": "Avio S.p.A.",
        "kind": "prime",
        "country": "IT",
        "city": "Colleferro",
        "identifiers": {"pic": "999600000"},
        "capabilities": [{"code": "space.launchers", "level": "evidenced"}],
    }
    response = client.post("/api/organisations", json=record)
    assert response.status_code == 201, response.text
    assert response.headers["X-Filiera-Outcome"] == "created"
    created = response.json()
    assert created["name"] == "Avio S.p.A." and created["pic"] == "999600000"
    assert created["capabilities"] == ["space.launchers"]
    assert created["source"] == "manual entry"  # one provenance for web, API and CLI
    assert client.get(f"/api/organisations/{created['id']}").status_code == 200
    listed = client.get("/api/organisations", params={"q": "avio"}).json()
    assert [r["id"] for r in listed["data"]] == [created["id"]]


def test_post_merges_by_pic(client: TestClient, data: Dataset) -> None:
    record = {
        "name": "Leonardo Helicopters Division",
        "country": "IT",
        "identifiers": {"pic": "999880463"},
        "capabilities": [{"code": "simulation.training"}],
    }
    response = client.post("/api/organisations", json=record)
    assert response.status_code == 200, response.text
    assert response.headers["X-Filiera-Outcome"] == "merged"
    merged = response.json()
    assert merged["id"] == data.orgs["leonardo"]
    assert merged["name"] == "Leonardo S.p.A."
    assert "simulation.training" in merged["capabilities"]
    assert "Leonardo Helicopters Division" in merged["aliases"]
    again = client.post("/api/organisations", json=record)
    assert again.status_code == 200
    assert again.headers["X-Filiera-Outcome"] == "unchanged"
    assert client.get("/api/organisations").json()["count"] == 6


def _post_review_case(client: TestClient) -> dict:
    """Same name as Politecnico di Milano but another city: the resolver is unsure."""
    record = {
        "name": "Politecnico di Milano",
        "kind": "university",
        "country": "IT",
        "city": "Lecco",
    }
    response = client.post("/api/organisations", json=record)
    assert response.status_code == 201, response.text
    assert response.headers["X-Filiera-Outcome"] == "review"
    return response.json()


def test_review_merge(client: TestClient, data: Dataset) -> None:
    newer = _post_review_case(client)
    items = client.get("/api/review").json()
    assert len(items) == 1
    item = items[0]
    assert item["organisation"]["id"] == newer["id"]
    assert item["candidate"]["id"] == data.orgs["polimi"]
    assert item["reasons"] and 0 < item["score"] <= 1
    decided = client.post(f"/api/review/{item['id']}", json={"decision": "merge"})
    assert decided.status_code == 200, decided.text
    assert decided.json() == {
        "id": item["id"],
        "status": "merged",
        "organisation_id": data.orgs["polimi"],
    }
    assert client.get(f"/api/organisations/{newer['id']}").status_code == 404
    assert client.get("/api/review").json() == []
    assert client.get("/api/organisations").json()["count"] == 6


def test_review_reject_then_conflict(client: TestClient, data: Dataset) -> None:
    newer = _post_review_case(client)
    item_id = client.get("/api/review").json()[0]["id"]
    decided = client.post(f"/api/review/{item_id}", json={"decision": "reject"})
    assert decided.json()["status"] == "rejected"
    assert client.get(f"/api/organisations/{newer['id']}").status_code == 200
    assert client.get("/api/review").json() == []
    again = client.post(f"/api/review/{item_id}", json={"decision": "merge"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"
    bad = client.post(f"/api/review/{item_id}", json={"decision": "maybe"})
    assert bad.status_code == 422
    assert client.post("/api/review/9999", json={"decision": "merge"}).status_code == 404


def test_patch_changes_only_given_fields(client: TestClient, data: Dataset) -> None:
    org_id = data.orgs["safran"]
    response = client.patch(
        f"/api/organisations/{org_id}",
        json={
            "name": "Safran Aircraft Engines",
            "city": "Courcouronnes",
            "identifiers": {"pic": "999111222"},
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["name"] == "Safran Aircraft Engines" and body["city"] == "Courcouronnes"
    assert body["identifiers"] == {"pic": "999111222"}
    assert body["kind"] == "prime" and body["capabilities"] == ["propulsion.aero_engines"]
    found = client.get("/api/organisations", params={"q": "aircraft engines"}).json()
    assert [r["id"] for r in found["data"]] == [org_id]
    assert client.get("/api/organisations/by-pic/999993856").status_code == 404


def test_patch_refusals(client: TestClient, data: Dataset) -> None:
    url = f"/api/organisations/{data.orgs['safran']}"
    null_name = client.patch(url, json={"name": None, "country": None})
    assert null_name.status_code == 422
    assert {d["field"] for d in null_name.json()["error"]["details"]} == {"name", "country"}
    taken = client.patch(url, json={"identifiers": {"pic": "999880463"}})
    assert taken.status_code == 409
    wrong_region = client.patch(url, json={"region": "ITC4"})
    assert wrong_region.status_code == 422
    assert client.get(url).json()["name"] == "Safran SA"
    assert client.patch("/api/organisations/9999", json={"city": "X"}).status_code == 404


def test_delete(client: TestClient, data: Dataset) -> None:
    cluster = data.orgs["cluster"]
    response = client.delete(f"/api/organisations/{cluster}")
    assert response.status_code == 204 and response.content == b""
    assert client.get(f"/api/organisations/{cluster}").status_code == 404
    assert client.get("/api/organisations").json()["count"] == 5
    assert client.get(f"/api/organisations/{data.orgs['polimi']}").json()["memberships"] == []
    assert client.delete(f"/api/organisations/{cluster}").status_code == 404


def test_partners(client: TestClient, data: Dataset) -> None:
    rows = client.get(f"/api/organisations/{data.orgs['leonardo']}/partners").json()
    assert [(r["organisation"]["id"], r["shared_projects"]) for r in rows] == [
        (data.orgs["safran"], 2),
        (data.orgs["polimi"], 1),
    ]
    assert client.get(f"/api/organisations/{data.orgs['luxspace']}/partners").json() == []


def test_clusters_and_members(client: TestClient, data: Dataset) -> None:
    clusters = client.get("/api/clusters").json()
    assert [(c["id"], c["members"]) for c in clusters["data"]] == [(data.orgs["cluster"], 2)]
    assert (clusters["count"], clusters["page"]) == (1, 1)
    url = f"/api/clusters/{data.orgs['cluster']}/members"
    page = client.get(url, params={"per_page": 1}).json()
    assert page["count"] == 2 and len(page["data"]) == 1
    assert ids(client.get(url)) == keys(data, "polimi", "aerosud")
    assert client.get(f"/api/clusters/{data.orgs['safran']}/members").status_code == 404


def test_projects(client: TestClient, data: Dataset) -> None:
    listed = client.get("/api/projects").json()
    assert listed["count"] == 2
    assert [p["acronym"] for p in listed["data"]] == ["SPACE-EYE", "EPC"]
    assert client.get("/api/projects", params={"q": "corvette"}).json()["count"] == 1
    assert client.get("/api/projects", params={"programme": "edf"}).json()["count"] == 2
    assert client.get("/api/projects", params={"programme": "H2020"}).json()["count"] == 0
    epc = client.get(f"/api/projects/{data.projects['epc']}").json()
    assert [(p["organisation"]["name"], p["role"]) for p in epc["participants"]] == [
        ("Leonardo S.p.A.", "coordinator"),
        ("Politecnico di Milano", "participant"),
        ("Safran SA", "participant"),
    ]
    assert client.get("/api/projects/999").status_code == 404


def test_stats(client: TestClient) -> None:
    stats = client.get("/api/stats").json()
    assert stats["organisations"] == 6 and stats["projects"] == 2
    assert stats["participations"] == 5 and stats["eu_contribution"] == 85_500_000.0
    assert stats["countries"] == 3
    assert stats["by_country"] == {"IT": 4, "FR": 1, "LU": 1}
    assert sum(stats["by_kind"].values()) == 6 and stats["by_kind"]["prime"] == 2


def test_taxonomy_labels(client: TestClient) -> None:
    english = client.get("/api/taxonomy/capabilities").json()
    italian = client.get("/api/taxonomy/capabilities", params={"lang": "it"}).json()
    space = next(node for node in english if node["code"] == "space")
    assert "space.satellites" in [child["code"] for child in space["children"]]
    assert [n["code"] for n in english] == [n["code"] for n in italian]
    assert [n["label"] for n in english] != [n["label"] for n in italian]
    assert client.get("/api/taxonomy/capabilities", params={"lang": "xx"}).status_code == 422


def test_422_lists_every_bad_body_field(client: TestClient) -> None:
    record = {"name": "Bad Co", "country": "ZZ", "kind": "bogus", "identifiers": {"pic": "12"}}
    response = client.post("/api/organisations", json=record)
    assert response.status_code == 422
    details = response.json()["error"]["details"]
    fields = {d["field"] for d in details}
    assert {"body.country", "body.kind", "body.identifiers"} <= fields
    assert all(d["record"] == "request" for d in details)
    assert any("PIC" in d["message"] for d in details if d["field"] == "body.identifiers")
    assert client.get("/api/organisations").json()["count"] == 6


def test_422_lists_every_bad_query_param(client: TestClient) -> None:
    bad = {"page": 0, "per_page": PAGE_SIZE_MAX + 1, "kind": "x", "sort": "?"}
    response = client.get("/api/organisations", params=bad)
    assert response.status_code == 422
    fields = {d["field"] for d in response.json()["error"]["details"]}
    assert fields == {"query.page", "query.per_page", "query.kind", "query.sort"}
    assert client.get("/api/organisations", params={"per_page": PAGE_SIZE_MAX}).status_code == 200
