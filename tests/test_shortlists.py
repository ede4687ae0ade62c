"""Personal shortlists over the API, and the match results they are saved from: paging,
synthetic organisations, the CSV's markings. SQLite and PostgreSQL.

Who is who: `owner` (role buyer) acts for Politecnico di Milano and, by its role, may see
the restricted "Granted Radar" (granted to buyers); `colleague` (role member) acts for
Polimi too but may not see it; `outsider` acts for LuxSpace; `hider` is the user of the
owner-level "Obsidian Hidden Works".
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from filiera.access.audit import AuditQuery, search
from filiera.access.models import AccessGrant
from filiera.app import create_app
from filiera.db import Database
from filiera.registry.models import Organisation
from filiera.settings import Settings
from support.auth import bearer, token_for
from support.dataset import Dataset, build

EXTRA = {
    "granted": {
        "name": "Granted Radar Works",
        "kind": "sme",
        "country": "FR",
        "visibility": "restricted",
        "descriptions": {"en": "Zirconia radomes for naval radar."},
    },
    "hidden": {
        "name": "Obsidian Hidden Works",
        "kind": "sme",
        "country": "DE",
        "visibility": "owner",
        "descriptions": {"en": "Obsidian optics and zirconia lenses."},
    },
    "real_zirconia": {
        "name": "Zirconia Ceramics Srl",
        "kind": "sme",
        "country": "IT",
        "descriptions": {"en": "Zirconia ceramics for armour and engines."},
    },
    "synthetic_zirconia": {
        "name": "Synthwave Zirconia",
        "kind": "startup",
        "country": "IT",
        "synthetic": True,
        "descriptions": {"en": "Zirconia lenses and obsidian mirrors, fictional."},
    },
}
SETTINGS = Settings(api_requests_per_minute=1_000_000)


@dataclass
class World:
    db: Database
    data: Dataset
    client: TestClient
    headers: dict[str, dict[str, str]]

    def org(self, key: str) -> int:
        return self.data.orgs[key]


@pytest.fixture(scope="module")
def world(module_db_url: str) -> Iterator[World]:
    db = Database(module_db_url)
    data = build(db, EXTRA)
    with db.session() as session:
        session.add(
            AccessGrant(entity="organisation", entity_id=data.orgs["granted"], role="buyer")
        )
        org = session.get(Organisation, data.orgs["granted"])
        org.markings = ["dual_use"]
    polimi, lux, hidden = data.orgs["polimi"], data.orgs["luxspace"], data.orgs["hidden"]
    tokens = {
        "owner": token_for(db, "owner@lists.example", "buyer", (polimi,)),
        "colleague": token_for(db, "colleague@lists.example", "member", (polimi,)),
        "outsider": token_for(db, "outsider@lists.example", "member", (lux,)),
        "hider": token_for(db, "hider@lists.example", "member", (hidden,)),
        "admin": token_for(db, "admin@lists.example", "admin"),
    }
    headers = {name: bearer(token) for name, token in tokens.items()} | {"anonymous": {}}
    with TestClient(create_app(db, SETTINGS)) as client:
        yield World(db, data, client, headers)
    db.dispose()


def call(world: World, who: str, method: str, url: str, body=None):
    return world.client.request(method, url, json=body, headers=world.headers[who])


def new_list(world: World, who: str = "owner", **body) -> dict:
    response = call(world, who, "POST", "/api/shortlists", {"name": "Radar picks", **body})
    assert response.status_code == 201, response.text
    return response.json()


def entries(listed: dict) -> list[tuple[int, int, str | None]]:
    return [(e["position"], e["organisation_id"], e["note"]) for e in listed["entries"]]


# --- shortlists -----------------------------------------------------------------------------


def test_owner_keeps_orders_and_annotates_a_list(world: World) -> None:
    made = new_list(world, query="naval radar")
    assert made["mine"] and made["count"] == 0 and made["query"] == "naval radar"
    url = f"/api/shortlists/{made['id']}"
    leo, saf, granted = world.org("leonardo"), world.org("safran"), world.org("granted")
    for org in (leo, saf, granted):
        assert (
            call(world, "owner", "POST", f"{url}/entries", {"organisation_id": org}).status_code
            == 201
        )
    moved = call(
        world,
        "owner",
        "POST",
        f"{url}/entries",
        {"organisation_id": granted, "position": 1, "note": "radomes"},
    )
    assert entries(moved.json()) == [(1, granted, "radomes"), (2, leo, None), (3, saf, None)]
    again = call(
        world, "owner", "POST", f"{url}/entries", {"organisation_id": leo, "note": "prime"}
    )
    assert entries(again.json())[1] == (2, leo, "prime")  # already there: note changed, not doubled
    patched = call(
        world, "owner", "PATCH", url, {"name": "Naval radar", "order": [saf, leo, granted]}
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["name"] == "Naval radar"
    assert [e["organisation_id"] for e in patched.json()["entries"]] == [saf, leo, granted]
    bad = call(world, "owner", "PATCH", url, {"order": [saf, leo]})
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "order"
    removed = call(world, "owner", "DELETE", f"{url}/entries/{saf}")
    assert removed.status_code == 200 and removed.json()["count"] == 2
    assert call(world, "owner", "DELETE", f"{url}/entries/{saf}").status_code == 404
    mine = call(world, "owner", "GET", "/api/shortlists").json()
    assert {"id": made["id"], "count": 2} in [{"id": s["id"], "count": s["count"]} for s in mine]
    assert call(world, "owner", "DELETE", url).status_code == 204
    assert call(world, "owner", "GET", url).status_code == 404


def test_shared_list_is_read_only_and_hides_what_a_colleague_may_not_see(world: World) -> None:
    polimi, granted = world.org("polimi"), world.org("granted")
    made = new_list(world, shared_with_id=polimi)
    url = f"/api/shortlists/{made['id']}"
    keys = ("leonardo", "granted", "luxspace")
    for key in keys:
        body = {"organisation_id": world.org(key), "note": f"about {key}"}
        assert call(world, "owner", "POST", f"{url}/entries", body).status_code == 201
    owner_view = call(world, "owner", "GET", url).json()
    assert owner_view["count"] == 3 and owner_view["shared_with"] == "Politecnico di Milano"

    colleague_view = call(world, "colleague", "GET", url).json()
    assert not colleague_view["mine"] and colleague_view["owner"] == "owner@lists.example"
    expected = [
        (1, world.org("leonardo"), "about leonardo"),
        (2, world.org("luxspace"), "about luxspace"),
    ]
    assert entries(colleague_view) == expected and colleague_view["count"] == 2
    listed = {s["id"]: s for s in call(world, "colleague", "GET", "/api/shortlists").json()}
    assert listed[made["id"]]["count"] == 2 and not listed[made["id"]]["mine"]
    rows = call(world, "colleague", "GET", f"{url}.csv").text
    assert "Granted Radar" not in rows and "about granted" not in rows and rows.count("\r\n") == 3

    for method, path, body in (
        ("PATCH", url, {"name": "mine now"}),
        ("POST", f"{url}/entries", {"organisation_id": world.org("safran")}),
        ("DELETE", f"{url}/entries/{world.org('leonardo')}", None),
        ("DELETE", url, None),
    ):
        assert call(world, "colleague", method, path, body).status_code == 403, (method, path)
        assert call(world, "outsider", method, path, body).status_code == 404, (method, path)
    assert call(world, "outsider", "GET", url).status_code == 404
    assert made["id"] not in {
        s["id"] for s in call(world, "outsider", "GET", "/api/shortlists").json()
    }
    assert call(world, "anonymous", "GET", "/api/shortlists").status_code == 401
    assert call(world, "anonymous", "GET", url).status_code == 401
    assert call(world, "admin", "GET", url).status_code == 404  # personal: not the admin's either

    unshared = call(world, "owner", "PATCH", url, {"shared_with_id": None}).json()
    assert unshared["shared_with_id"] is None
    assert call(world, "colleague", "GET", url).status_code == 404
    assert call(world, "owner", "GET", url).json()["count"] == 3
    assert granted in [
        e["organisation_id"] for e in call(world, "owner", "GET", url).json()["entries"]
    ]


def test_an_entry_hidden_later_is_gone_for_its_owner_and_keeps_its_place(world: World) -> None:
    made = new_list(world)
    url = f"/api/shortlists/{made['id']}"
    leo, granted, saf = world.org("leonardo"), world.org("granted"), world.org("safran")
    for org in (leo, granted, saf):
        call(world, "owner", "POST", f"{url}/entries", {"organisation_id": org})
    with world.db.session() as session:  # the grant to buyers is withdrawn
        grant = session.scalars(select(AccessGrant).where(AccessGrant.role == "buyer")).one()
        session.delete(grant)
    try:
        shown = call(world, "owner", "GET", url).json()
        assert entries(shown) == [(1, leo, None), (2, saf, None)] and shown["count"] == 2
        gone = call(world, "owner", "DELETE", f"{url}/entries/{granted}")
        never = call(world, "owner", "DELETE", f"{url}/entries/{world.org('polimi')}")
        assert gone.status_code == never.status_code == 404
        assert gone.json()["error"]["message"].replace(str(granted), "N") == never.json()["error"][
            "message"
        ].replace(str(world.org("polimi")), "N")
        assert (
            call(world, "owner", "POST", f"{url}/entries", {"organisation_id": granted}).status_code
            == 404
        )
        reordered = call(world, "owner", "PATCH", url, {"order": [saf, leo]}).json()
        assert [e["organisation_id"] for e in reordered["entries"]] == [saf, leo]
    finally:
        with world.db.session() as session:
            session.add(AccessGrant(entity="organisation", entity_id=granted, role="buyer"))
    back = call(world, "owner", "GET", url).json()
    assert [e["organisation_id"] for e in back["entries"]] == [saf, granted, leo]  # its own slot


def test_lists_are_validated(world: World) -> None:
    not_mine = call(
        world,
        "owner",
        "POST",
        "/api/shortlists",
        {"name": "x", "shared_with_id": world.org("safran")},
    )
    assert not_mine.status_code == 422
    assert not_mine.json()["error"]["details"][0]["field"] == "shared_with_id"
    blank = call(world, "owner", "POST", "/api/shortlists", {"name": "  "})
    assert blank.status_code == 422
    made = new_list(world)
    url = f"/api/shortlists/{made['id']}"
    assert call(world, "owner", "PATCH", url, {"name": None}).status_code == 422
    long_note = {"organisation_id": world.org("leonardo"), "note": "x" * 5000}
    assert call(world, "owner", "POST", f"{url}/entries", long_note).status_code == 422
    hidden = call(
        world, "owner", "POST", f"{url}/entries", {"organisation_id": world.org("hidden")}
    )
    missing = call(world, "owner", "POST", f"{url}/entries", {"organisation_id": 99999})
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["error"]["message"].replace(
        str(world.org("hidden")), "N"
    ) == missing.json()["error"]["message"].replace("99999", "N")


def test_reads_of_restricted_entries_and_every_change_are_audited(world: World) -> None:
    made = new_list(world)
    url = f"/api/shortlists/{made['id']}"
    call(world, "owner", "POST", f"{url}/entries", {"organisation_id": world.org("granted")})
    call(world, "owner", "GET", url)
    with world.db.session() as session:
        reads = search(session, AuditQuery(action="read", actor="owner@lists.example", limit=1000))
        changes = search(session, AuditQuery(entity="shortlist", entity_id=made["id"]))
        added = search(session, AuditQuery(entity="shortlist_entry", actor="owner@lists.example"))
    assert any(
        e.entity_id == world.org("granted") and e.detail == f"shortlist {made['id']}" for e in reads
    )
    assert changes and added


# --- match results ----------------------------------------------------------------------------


def match(world: World, who: str = "admin", **body) -> dict:
    response = call(world, who, "POST", "/api/match", {"text": "zirconia", **body})
    assert response.status_code == 200, response.text
    return response.json()


def names(result: dict) -> list[str]:
    return [hit["name"] for hit in result["results"]]


def test_synthetic_organisations_are_left_out_when_real_ones_match(world: World) -> None:
    default = match(world)
    assert "Synthwave Zirconia" not in names(default) and "Zirconia Ceramics Srl" in names(default)
    assert default["synthetic_left_out"] == 1
    assert not any(hit["synthetic"] for hit in default["results"])
    shown = match(world, include_synthetic=True)
    flagged = {hit["name"]: hit["synthetic"] for hit in shown["results"]}
    assert flagged["Synthwave Zirconia"] is True and flagged["Zirconia Ceramics Srl"] is False
    assert shown["synthetic_left_out"] == 0 and shown["candidates"] == default["candidates"] + 1
    excluded = match(world, include_synthetic=False)
    assert names(excluded) == names(default) and excluded["synthetic_left_out"] == 0
    csv = call(
        world, "admin", "POST", "/api/match.csv", {"text": "zirconia", "include_synthetic": True}
    )
    row = next(line for line in csv.text.splitlines() if "Synthwave" in line)
    assert ",startup,true," in row


def test_synthetic_ones_stay_when_no_real_one_matches(world: World) -> None:
    only = match(world, text="fictional mirrors")
    assert names(only) == ["Synthwave Zirconia"] and only["synthetic_left_out"] == 0
    assert match(world, text="fictional mirrors", include_synthetic=False)["results"] == []


def test_a_hidden_real_match_does_not_hide_synthetic_ones(world: World) -> None:
    """ "obsidian" matches the owner-level Obsidian Hidden Works and the synthetic Synthwave:
    who may not see the real one gets the synthetic one, as if the real one did not exist."""
    for who in ("anonymous", "owner", "colleague"):
        seen = match(world, who, text="obsidian")
        assert names(seen) == ["Synthwave Zirconia"] and seen["synthetic_left_out"] == 0, who
    for who in ("hider", "admin"):
        seen = match(world, who, text="obsidian")
        assert names(seen) == ["Obsidian Hidden Works"] and seen["synthetic_left_out"] == 1, who


def test_paging_continues_the_ranking(world: World) -> None:
    text = "radar helicopters zirconia space satellites engines"
    whole = match(world, text=text, top=50, include_synthetic=True)
    total = whole["candidates"]
    assert total >= 5
    pages = [
        match(world, text=text, top=2, offset=o, include_synthetic=True) for o in range(0, total, 2)
    ]
    assert [hit["id"] for page in pages for hit in page["results"]] == [
        h["id"] for h in whole["results"]
    ]
    assert [hit["rank"] for page in pages for hit in page["results"]] == list(range(1, total + 1))
    assert {page["candidates"] for page in pages} == {total}
    past = match(world, text=text, top=2, offset=total)
    assert past["results"] == [] and past["offset"] == total
    csv = call(
        world,
        "admin",
        "POST",
        "/api/match.csv",
        {"text": text, "top": 2, "offset": 2, "include_synthetic": True},
    )
    ranks = [line.split(",")[0] for line in csv.text.splitlines()[1:]]
    assert ranks == ["3", "4"]
    too_far = call(world, "admin", "POST", "/api/match", {"text": text, "offset": -1})
    assert too_far.status_code == 422


def test_paging_counts_only_what_the_viewer_may_see(world: World) -> None:
    text = "zirconia radomes ceramics lenses"
    owner = match(world, "owner", text=text, include_synthetic=True)
    colleague = match(world, "colleague", text=text, include_synthetic=True)
    assert world.org("granted") in [h["id"] for h in owner["results"]]
    assert owner["candidates"] == colleague["candidates"] + 1
    assert world.org("granted") not in [h["id"] for h in colleague["results"]]


def test_match_csv_names_the_markings_its_rows_carry(world: World) -> None:
    body = {"text": "zirconia radomes", "include_synthetic": True}
    owner = call(world, "owner", "POST", "/api/match.csv", body)
    assert owner.headers["x-export-markings"] == "dual_use"
    assert "dual_use" in next(line for line in owner.text.splitlines() if "Granted" in line)
    colleague = call(world, "colleague", "POST", "/api/match.csv", body)
    assert "x-export-markings" not in colleague.headers and "Granted" not in colleague.text
