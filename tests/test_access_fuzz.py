"""Schemathesis fuzzing of every API operation, anonymously and as a `viewer` with no organisation.

The fixture registry gets canaries: organisations at `owner` and `restricted` visibility whose
name and description carry a unique string, a members-only contact (email, phone) and site
address of a public organisation, and a public organisation whose `revenue_band` is restricted.
Whatever Schemathesis sends (valid or not, GET or unsafe), the answer is never a 5xx, every
error has the one error shape, and no canary ever appears in a body.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from sqlalchemy import select

from filiera.access.models import AccessGrant, ApiToken
from filiera.app import create_app
from filiera.db import Database
from filiera.registry.models import Membership, Participation, Person, PersonRole
from filiera.settings import Settings
from support import BACKENDS
from support.auth import bearer, token_for
from support.dataset import build

CANARY = "CANARY-7f3a"
CANARY_EMAIL = "canary-7f3a@example.invalid"
CANARY_PHONE = "+39 02 0000 7f3a (CANARY-7f3a)"
CANARY_BAND = ">1B"  # no other record has a revenue band
HTML_BAND = "&gt;1B"  # the band as an HTML page shows it
NEEDLE = "canary-7f3a"  # every canary string contains it (compared case-insensitively)
PICS = {"owner": "977700001", "restricted": "977700002", "band": "977700003"}
MAX_EXAMPLES = 10
FUZZ = settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.generate],  # schema examples cannot be combined with `schema.given`
    suppress_health_check=list(HealthCheck),
)

CANARY_ORGS = {
    "hidden_owner": {
        "name": f"{CANARY} Owner Works",
        "kind": "sme",
        "country": "IT",
        "city": "Torino",
        "identifiers": {"pic": PICS["owner"]},
        "aliases": [f"{CANARY} alias"],
        "descriptions": {"en": f"Secret owner-only record {CANARY}."},
        "capabilities": [{"code": "space.satellites"}],
        "visibility": "owner",
    },
    "hidden_restricted": {
        "name": f"{CANARY} Restricted Labs",
        "kind": "startup",
        "country": "FR",
        "city": "Toulouse",
        "identifiers": {"pic": PICS["restricted"]},
        "descriptions": {"en": f"Secret restricted record {CANARY}."},
        "capabilities": [{"code": "electronics.radar"}],
        "visibility": "restricted",
    },
    "band": {
        "name": "Public Turbines SpA",
        "kind": "prime",
        "country": "IT",
        "city": "Brindisi",
        "identifiers": {"pic": PICS["band"]},
        "revenue_band": CANARY_BAND,
        "field_visibility": {"revenue_band": "restricted"},
        "sites": [
            {
                "name": "Brindisi works",
                "country": "IT",
                "city": "Brindisi",
                "address": f"Via {CANARY} 1",
                "lat": 40.63,
                "lon": 17.94,
            }
        ],
    },
}


@dataclass
class World:
    """The fuzzed app and what the tests need to know about it."""

    app: FastAPI
    viewer_token: str
    viewer_token_id: int
    orgs: dict[str, int]
    projects: dict[str, int]

    @property
    def org_ids(self) -> list[int]:
        return sorted(self.orgs.values())

    @property
    def project_ids(self) -> list[int]:
        return sorted(self.projects.values())


def add_canaries(db: Database, orgs: dict[str, int], projects: dict[str, int]) -> None:
    """Link the canaries into projects, the cluster and a members-only contact."""
    with db.session() as session:
        for key in ("hidden_owner", "hidden_restricted"):
            session.add(
                Participation(
                    project_id=projects["epc"], organisation_id=orgs[key], role="participant"
                )
            )
            session.add(Membership(organisation_id=orgs[key], cluster_id=orgs["cluster"]))
        session.add(
            AccessGrant(entity="organisation", entity_id=orgs["hidden_restricted"], role="buyer")
        )
        person = Person(name="Maria Contact", email=CANARY_EMAIL, phone=CANARY_PHONE)
        person.roles.append(PersonRole(organisation_id=orgs["band"], title="Sales"))
        session.add(person)


def build_world(path: Path) -> World:
    """A SQLite file database with the fixture dataset, the canaries and a viewer token."""
    db = Database(f"sqlite:///{path}")
    data = build(db, extra=CANARY_ORGS)
    add_canaries(db, data.orgs, data.projects)
    token = token_for(db, "viewer@fuzz.example", role="viewer")
    with db.session() as session:
        token_id = session.scalar(select(ApiToken.id))
    unlimited = Settings(api_requests_per_minute=1_000_000, sign_in_per_minute=1_000_000)
    return World(create_app(db, unlimited), token, token_id, data.orgs, data.projects)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    BACKENDS["sqlite"] = "ran"
    world = build_world(tmp_path_factory.mktemp("fuzz") / "fuzz.db")
    yield world
    world.app.state.db.dispose()


@pytest.fixture(scope="module")
def api_schema(world: World):
    loaded = schemathesis.openapi.from_asgi("/openapi.json", world.app)
    loaded.config.generation.update(modes=list(schemathesis.GenerationMode))
    return loaded


schema = schemathesis.pytest.from_fixture("api_schema")

# --- steering: point ids, PICs and searches at the canaries part of the time ---------------

ID_PARAMS = {
    "org_id",
    "organisation_id",
    "cluster_id",
    "project_id",
    "user_id",
    "item_id",
    "token_id",
}


def steer(case, world: World, pick: st.DataObject) -> None:
    """Replace generated ids and search terms, often, with ones that reach the canaries."""
    canaries = sorted(world.orgs[key] for key in CANARY_ORGS)
    for name in sorted(set(case.path_parameters or {}) & ID_PARAMS):
        if name == "project_id":
            choices = st.sampled_from([None, *world.project_ids])
        else:  # keep the fuzzed value 1/4, any known id 1/4, a canary 1/2 of the time
            choices = st.one_of(
                st.none(),
                st.sampled_from(world.org_ids),
                st.sampled_from(canaries),
                st.sampled_from(canaries),
            )
        chosen = pick.draw(choices, label=name)
        if chosen is not None:
            case.path_parameters[name] = chosen
    if "pic" in (case.path_parameters or {}):
        chosen = pick.draw(st.sampled_from([None, *sorted(PICS.values())]), label="pic")
        if chosen is not None:
            case.path_parameters["pic"] = chosen
    if case.path_parameters and case.path_parameters.get("token_id") == world.viewer_token_id:
        case.path_parameters["token_id"] = world.viewer_token_id + 1000  # keep the token alive
    if isinstance(case.query, dict) and "q" in case.query:
        chosen = pick.draw(st.sampled_from([None, "canary", "7f3a", "Owner", "Labs"]), label="q")
        if chosen is not None:
            case.query["q"] = chosen


# --- assertions ----------------------------------------------------------------------------


def content_type(response) -> str:
    """The Content-Type of a Schemathesis (header lists) or httpx response."""
    value = {k.lower(): v for k, v in response.headers.items()}.get("content-type", "")
    return value[0] if isinstance(value, list) else value


def assert_error_shape(response) -> None:
    """An error body is exactly {"error": {"code", "message", "details": [...]}}."""
    assert content_type(response).startswith("application/json"), response.text
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "details"}, body
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["details"], list)
    for detail in error["details"]:
        assert set(detail) == {"record", "field", "message"}, body


def revenue_bands(value) -> list:
    """Every non-null `revenue_band` anywhere in a JSON document."""
    found = []
    if isinstance(value, dict):
        if value.get("revenue_band") is not None:
            found.append(value["revenue_band"])
        for child in value.values():
            found += revenue_bands(child)
    elif isinstance(value, list):
        for child in value:
            found += revenue_bands(child)
    return found


def check(response, who: str) -> None:
    """No 5xx, the one error shape, no canary in the body; the viewer's token keeps working."""
    label = f"{who}: {response.request.method} {response.request.url}"
    assert response.status_code < 500, f"{label} -> {response.status_code} {response.text}"
    if who == "viewer" and urlsplit(str(response.request.url)).path != "/api/auth/token":
        assert response.status_code != 401, f"{label} -> 401 for a valid token"
    if response.status_code >= 400:
        assert_error_shape(response)
    text = response.text
    assert NEEDLE not in text.lower(), f"{label} leaked a canary: {text[:500]}"
    if text and content_type(response).startswith("application/json"):
        assert revenue_bands(json.loads(text)) == [], f"{label} leaked a revenue band"


# --- the fuzz tests ------------------------------------------------------------------------


@schema.parametrize()
@schema.given(pick=st.data())
@FUZZ
def test_fuzz_anonymous(case, pick, world: World) -> None:
    """Anonymous callers: every operation, with valid and invalid input."""
    steer(case, world, pick)
    check(case.call(), "anonymous")


@schema.parametrize()
@schema.given(pick=st.data())
@FUZZ
def test_fuzz_viewer(case, pick, world: World) -> None:
    """A signed-in `viewer` with no organisation sees only what anonymous callers see."""
    steer(case, world, pick)
    check(case.call(headers=bearer(world.viewer_token)), "viewer")


# --- the canaries are real: an admin sees them, so the checks above can fail ---------------


def test_canaries_are_visible_to_an_admin(world: World) -> None:
    """Sanity: the canary data exists and is served to someone who may see it."""
    db = world.app.state.db
    admin = bearer(token_for(db, "admin@fuzz.example", role="admin"))
    with TestClient(world.app, headers=admin) as client:
        for key in ("hidden_owner", "hidden_restricted"):
            body = client.get(f"/api/organisations/{world.orgs[key]}").text
            assert CANARY in body
        band = client.get(f"/api/organisations/{world.orgs['band']}").json()
        assert band["revenue_band"] == CANARY_BAND
        assert [p["email"] for p in band["people"]] == [CANARY_EMAIL]
        assert band["people"][0]["phone"] == CANARY_PHONE
        assert CANARY in band["sites"][0]["address"]
        listed = client.get("/api/organisations", params={"q": "canary"}).json()
        assert listed["count"] == 2
        page = client.get(f"/organisations/{world.orgs['band']}", headers={"accept": "text/html"})
        assert HTML_BAND in page.text and CANARY_EMAIL in page.text and CANARY in page.text


def test_canaries_are_hidden_from_the_viewer_by_hand(world: World) -> None:
    """The direct reads the fuzzer aims at, once each, with the expected answers."""
    with TestClient(world.app, headers=bearer(world.viewer_token)) as client:
        for key in ("hidden_owner", "hidden_restricted"):
            response = client.get(f"/api/organisations/{world.orgs[key]}")
            assert response.status_code == 404
            check(response, "viewer")
        band = client.get(f"/api/organisations/{world.orgs['band']}")
        assert band.status_code == 200
        check(band, "viewer")
        assert {"revenue_band", "people.email", "people.phone", "sites.address"} <= set(
            band.json()["withheld"]
        )
        for pic in (PICS["owner"], PICS["restricted"]):
            response = client.get(f"/api/organisations/by-pic/{pic}")
            assert response.status_code == 404
            check(response, "viewer")
        listed = client.get("/api/organisations", params={"q": "canary"})
        assert listed.json()["count"] == 0


def test_web_pages_hide_the_canaries(world: World) -> None:
    """The HTML pages (outside the OpenAPI schema) keep the same secrets."""
    hidden = [world.orgs["hidden_owner"], world.orgs["hidden_restricted"]]
    pages = [
        "/",
        "/organisations",
        "/organisations?q=canary",
        "/organisations?q=7f3a",
        f"/organisations/{world.orgs['band']}",
        f"/clusters/{world.orgs['cluster']}",
        f"/projects/{world.projects['epc']}",
        "/clusters",
        "/map",
    ]
    for headers, who in (({}, "anonymous"), (bearer(world.viewer_token), "viewer")):
        with TestClient(world.app, headers={**headers, "accept": "text/html"}) as client:
            for url in pages:
                response = client.get(url)
                assert response.status_code == 200, (who, url)
                assert NEEDLE not in response.text.lower(), (who, url)
                assert HTML_BAND not in response.text, (who, url)
            for org_id in hidden:
                response = client.get(f"/organisations/{org_id}")
                assert response.status_code == 404, (who, org_id)
                assert NEEDLE not in response.text.lower(), (who, org_id)
