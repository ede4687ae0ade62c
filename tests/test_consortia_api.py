"""Consortium building over the API: calls, build, check and bids. SQLite and PostgreSQL.

The world is the support dataset plus eight defence companies: five eligible for the EDF
(FR, DE, ES, SE, and a German group's Italian branch under common control), one in the
United Kingdom and one controlled from China (neither eligible), and "Stealth Jammer", the
best fit for every counter-drone text, whose profile only its own users may see.

Who is who: `manager` runs the Lombardia cluster, `leo` acts for Leonardo, `indra` for
Indra, `outsider` for LuxSpace, `stealthy` for Stealth Jammer; `viewer` has no organisation.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from filiera.app import create_app
from filiera.consortia import rules
from filiera.db import Database
from filiera.settings import Settings
from support.auth import PASSWORD, bearer, token_for
from support.dataset import Dataset, build

TOPIC = "Counter-drone defence: radar detection, RF jamming and command and control for bases"
EXTRA = {
    "thales": {
        "name": "Thales Radar SAS",
        "kind": "prime",
        "country": "FR",
        "descriptions": {"en": "Radar and electronic warfare for counter-drone defence."},
        "identifiers": {"pic": "999000301"},
    },
    "hensoldt": {
        "name": "Hensoldt Sensors GmbH",
        "kind": "midcap",
        "country": "DE",
        "control_group": "Hensoldt",
        "controlled_from": "DE",
        "descriptions": {"en": "Radar sensors and RF jamming for counter-drone systems."},
        "identifiers": {"pic": "999000302"},
    },
    "hensoldt_it": {
        "name": "Hensoldt Italia Srl",
        "kind": "sme",
        "country": "IT",
        "control_group": "Hensoldt",
        "controlled_from": "DE",
        "descriptions": {"en": "Counter-drone radar detection and jamming, made in Italy."},
        "identifiers": {"pic": "999000308"},
    },
    "indra": {
        "name": "Indra Sistemas SA",
        "kind": "prime",
        "country": "ES",
        "descriptions": {"en": "Command and control, radar and counter-drone defence."},
        "identifiers": {"pic": "999000303"},
    },
    "saab": {
        "name": "Saab AB",
        "kind": "prime",
        "country": "SE",
        "descriptions": {"en": "Radar, electronic warfare, command and control for bases."},
        "identifiers": {"pic": "999000304"},
    },
    "british": {
        "name": "British Counter Drone Ltd",
        "kind": "sme",
        "country": "GB",
        "descriptions": {"en": "Counter-drone radar detection, RF jamming, command and control."},
        "identifiers": {"pic": "999000305"},
    },
    "foreign_owned": {
        "name": "Dragon Jamming Srl",
        "kind": "sme",
        "country": "IT",
        "controlled_from": "CN",
        "descriptions": {"en": "RF jamming and radar detection of drones for air bases."},
        "identifiers": {"pic": "999000307"},
    },
    "stealth": {
        "name": "Stealth Jammer GmbH",
        "kind": "sme",
        "country": "DE",
        "visibility": "owner",
        "descriptions": {
            "en": "Counter-drone defence for bases: radar detection, RF jamming, drone "
            "command and control. Counter-drone radar jamming."
        },
        "identifiers": {"pic": "999000306"},
    },
}
HIDDEN_PIC, MISSING_PIC = "999000306", "999999998"
LEONARDO_PIC, THALES_PIC = "999880463", "999000301"
EDF_COUNTRIES = set(rules.load("edf").params["eligible_countries"])
SETTINGS = Settings(api_requests_per_minute=1_000_000)
USERS = {  # name -> (role, organisation key or None)
    "manager": ("cluster_manager", "cluster"),
    "leo": ("member", "leonardo"),
    "indra": ("member", "indra"),
    "outsider": ("member", "luxspace"),
    "stealthy": ("member", "stealth"),
    "viewer": ("viewer", None),
    "admin": ("admin", None),
}


@dataclass
class World:
    db: Database
    data: Dataset
    client: TestClient
    headers: dict[str, dict[str, str]]

    def org(self, key: str) -> int:
        return self.data.orgs[key]

    def ask(self, who: str, method: str, url: str, body=None, **params):
        return self.client.request(
            method, url, json=body, params=params or None, headers=self.headers[who]
        )


def build_world(db: Database) -> tuple[Dataset, dict[str, str]]:
    """The registry above and a token per user (the CLI tests reuse it)."""
    data = build(db, EXTRA)
    tokens = {
        name: token_for(db, f"{name}@consortia.example", role, (data.orgs[org],) if org else ())
        for name, (role, org) in USERS.items()
    }
    return data, tokens


@pytest.fixture(scope="module")
def world(module_db_url: str) -> Iterator[World]:
    db = Database(module_db_url)
    data, tokens = build_world(db)
    headers = {name: bearer(token) for name, token in tokens.items()} | {"anonymous": {}}
    with TestClient(create_app(db, SETTINGS)) as client:
        yield World(db, data, client, headers)
    db.dispose()


def groups(world: World) -> dict[int, str]:
    """Organisation id -> its control group (itself when independent), as the test sees it."""
    shared = {world.org("hensoldt"), world.org("hensoldt_it")}
    return {
        org_id: "Hensoldt" if org_id in shared else str(org_id)
        for org_id in world.data.orgs.values()
    }


def meets_article_10_4(world: World, members: list[dict]) -> bool:
    """EDF Art. 10(4), checked here independently of Filiera: partners from at least 3
    countries, and 3 of them, not under common control, from at least 2 countries."""
    group_of = groups(world)
    if len({m["country"] for m in members}) < 3:
        return False
    return any(
        len({group_of[m["org_id"]] for m in trio}) == 3 and len({m["country"] for m in trio}) >= 2
        for trio in itertools.combinations(members, 3)
    )


def build_body(**extra) -> dict:
    return {"text": TOPIC, "rules": "edf", "size_min": 3, "size_max": 5, **extra}


def error_fields(response) -> list[str]:
    return [d["field"] for d in response.json()["error"]["details"]]


# --- build ----------------------------------------------------------------------------------


def test_build_proposes_different_consortia_that_satisfy_every_edf_rule(world: World) -> None:
    body = build_body(**{"with": [LEONARDO_PIC], "without": [THALES_PIC], "alternatives": 3})
    response = world.ask("manager", "POST", "/api/consortia/build", body)
    assert response.status_code == 200, response.text
    out = response.json()
    assert out["rules"]["name"] == "edf" and out["size"] == [3, 5]
    consortia = out["consortia"]
    assert len(consortia) == 3
    teams = [frozenset(m["org_id"] for m in c["members"]) for c in consortia]
    assert len(set(teams)) == 3, "the alternatives must differ"
    assert consortia[0]["score"] >= consortia[1]["score"] >= consortia[2]["score"]
    not_eligible = {world.org(k) for k in ("british", "foreign_owned", "thales", "stealth")}
    for c in consortia:
        members = c["members"]
        assert 3 <= len(members) <= 5
        assert c["ok"] and all(rule["ok"] for rule in c["rules"]), c["rules"]
        assert {r["rule"] for r in c["rules"]} == {
            "established_in",
            "not_controlled_from_outside",
            "min_countries",
            "min_independent_entities",
        }
        assert {m["country"] for m in members} <= EDF_COUNTRIES
        assert meets_article_10_4(world, members)
        assert members[0]["org_id"] == world.org("leonardo")
        assert members[0]["role"] == "coordinator" and members[0]["fixed"]
        assert all(m["role"] == "participant" for m in members[1:])
        assert not {m["org_id"] for m in members} & not_eligible
        assert all(m["reasons"] for m in members)
        assert c["funding"]["article"] == "Art. 13(3)-(4)" and "points" in c["funding"]
        assert set(c["countries"]) == {m["country"] for m in members}
    assert consortia[1]["changed"] and not consortia[0]["changed"]


def test_a_hidden_organisation_is_never_proposed_nor_fixable(world: World) -> None:
    body = build_body(alternatives=3)
    admin = world.ask("admin", "POST", "/api/consortia/build", body).json()
    assert world.org("stealth") in {m["org_id"] for m in admin["consortia"][0]["members"]}
    for who in ("manager", "leo", "anonymous"):
        out = world.ask(who, "POST", "/api/consortia/build", body)
        assert out.status_code == 200, (who, out.text)
        assert "Stealth" not in out.text and HIDDEN_PIC not in out.text, who
    mine = world.ask("stealthy", "POST", "/api/consortia/build", body).json()
    assert world.org("stealth") in {m["org_id"] for c in mine["consortia"] for m in c["members"]}

    for field, route, extra in (
        ("with", "build", lambda ref: build_body(**{"with": [ref]})),
        ("without", "build", lambda ref: build_body(without=[ref])),
        ("members", "check", lambda ref: {"members": [LEONARDO_PIC, ref], "rules": "edf"}),
    ):
        hidden = world.ask("manager", "POST", f"/api/consortia/{route}", extra(HIDDEN_PIC))
        missing = world.ask("manager", "POST", f"/api/consortia/{route}", extra(MISSING_PIC))
        assert hidden.status_code == missing.status_code == 404, hidden.text
        assert error_fields(hidden) == [field]
        assert hidden.text.replace(HIDDEN_PIC, "?") == missing.text.replace(MISSING_PIC, "?")
        by_id = str(world.org("stealth"))
        assert world.ask("leo", "POST", f"/api/consortia/{route}", extra(by_id)).status_code == 404


def test_impossible_requests_are_explained_naming_the_field(world: World) -> None:
    url = "/api/consortia/build"
    unknown = world.ask("manager", "POST", url, build_body(rules="edf2"))
    assert unknown.status_code == 422 and error_fields(unknown) == ["rules"]
    assert "unknown rule set 'edf2'" in unknown.json()["error"]["message"]
    a_file = str(rules.RULES_DIR / "edf.yaml")  # a path would make the server read files
    refused = world.ask("admin", "POST", url, build_body(rules=a_file))
    assert refused.status_code == 422 and error_fields(refused) == ["rules"]
    bad_param = world.ask("manager", "POST", url, build_body(rule_params={"colour": "red"}))
    assert bad_param.status_code == 422 and "colour" in bad_param.text
    for params in ({"action": ["research"]}, {"action": "banana"}, {"pesco": {"yes": 1}}):
        for route, body in (("build", build_body()), ("check", {"members": [LEONARDO_PIC]})):
            odd = world.ask(
                "leo",
                "POST",
                f"/api/consortia/{route}",
                {**body, "rule_params": params, "rules": "edf"},
            )
            assert odd.status_code == 422 and error_fields(odd) == ["rules"], odd.text
            assert f"params.{next(iter(params))}" in odd.json()["error"]["message"]
    small = world.ask("manager", "POST", url, build_body(size_min=2, size_max=2))
    assert small.status_code == 422 and error_fields(small) == ["size_max"]
    assert "at least 3 partners" in small.json()["error"]["message"]
    british = world.ask("manager", "POST", url, build_body(**{"with": ["999000305"]}))
    assert british.status_code == 422 and error_fields(british) == ["with"]
    assert "established outside the eligible countries" in british.text
    both = world.ask(
        "manager", "POST", url, build_body(**{"with": [LEONARDO_PIC]}, without=[LEONARDO_PIC])
    )
    assert both.status_code == 422 and error_fields(both) == ["without"]
    nothing = world.ask("manager", "POST", url, {"rules": "edf"})
    assert nothing.status_code == 422 and "give a call" in nothing.text

    italians = [LEONARDO_PIC, str(world.org("polimi")), "999000308"]  # all in Italy
    stuck = world.ask("manager", "POST", url, build_body(**{"with": italians}, size_max=3))
    assert stuck.status_code == 422, stuck.text
    error = stuck.json()["error"]
    assert error["code"] == "no_consortium"
    assert error["details"], "every culprit is listed"
    assert {d["field"] for d in error["details"]} <= {"rules", "size_max", "capabilities"}
    assert all(d["message"] in error["message"] for d in error["details"])


# --- check ----------------------------------------------------------------------------------


def test_check_explains_every_violated_rule_in_plain_words(world: World) -> None:
    two_countries = [LEONARDO_PIC, str(world.org("polimi")), str(world.org("safran"))]
    response = world.ask(
        "leo", "POST", "/api/consortia/check", {"members": two_countries, "rules": "edf"}
    )
    assert response.status_code == 200, response.text
    out = response.json()
    assert not out["ok"] and len(out["violations"]) == 1
    assert out["violations"][0] == "2 countries (FR, IT); at least 3 needed"
    broken = [r for r in out["rules"] if not r["ok"]]
    assert [r["rule"] for r in broken] == ["min_countries"]
    assert [m["role"] for m in out["members"]] == ["coordinator", "participant", "participant"]

    one_group = ["999000302", "999000308", str(world.org("safran"))]  # DE, IT, FR; 2 groups
    grouped = world.ask(
        "leo", "POST", "/api/consortia/check", {"members": one_group, "rules": "edf"}
    ).json()
    assert not grouped["ok"]
    assert "only 2 entities not under common control" in grouped["violations"][0]
    assert any("under common control" in w for w in grouped["warnings"])

    outside = [LEONARDO_PIC, "999000305", "999000307", str(world.org("safran"))]
    found = world.ask(
        "leo", "POST", "/api/consortia/check", {"members": outside, "rules": "edf"}
    ).json()
    words = " ".join(found["violations"])
    assert "British Counter Drone Ltd (GB)" in words and "Dragon Jamming Srl (CN)" in words

    good = [LEONARDO_PIC, str(world.org("safran")), "999000303"]
    fine = world.ask(
        "leo",
        "POST",
        "/api/consortia/check",
        {"members": good, "rules": "edf", "shares": {LEONARDO_PIC: 2}},
    )
    assert fine.json()["ok"] and fine.json()["violations"] == []
    assert not fine.json()["funding"]["assumed_equal_shares"]
    unknown = world.ask("leo", "POST", "/api/consortia/check", {"members": good, "rules": "nope"})
    assert unknown.status_code == 422 and error_fields(unknown) == ["rules"]


# --- calls ----------------------------------------------------------------------------------


def call_body(world: World, **extra) -> dict:
    return {
        "programme": "EDF",
        "identifier": "EDF-2026-DA-CUAS",
        "title": "Counter-drone protection of air bases",
        "text": TOPIC,
        "rules": "edf",
        "capabilities": ["electronics.radar"],
        "deadline": "2026-11-27",
        "owner_id": world.org("cluster"),
        **extra,
    }


def test_calls_are_published_read_and_closed_by_their_publisher(world: World) -> None:
    body = call_body(world)
    assert world.ask("anonymous", "POST", "/api/calls", body).status_code == 401
    assert world.ask("viewer", "POST", "/api/calls", body).status_code == 403
    assert world.ask("leo", "POST", "/api/calls", body).status_code == 403  # role member
    assert (
        world.ask(
            "manager", "POST", "/api/calls", call_body(world, owner_id=world.org("safran"))
        ).status_code
        == 403
    )
    bad = world.ask("manager", "POST", "/api/calls", call_body(world, rules="edf2"))
    assert bad.status_code == 422 and error_fields(bad) == ["rules"]
    a_file = world.ask(
        "manager", "POST", "/api/calls", call_body(world, rules=str(rules.RULES_DIR / "edf.yaml"))
    )
    assert a_file.status_code == 422 and error_fields(a_file) == ["rules"]
    deep = "/" + "deep/" * 30 + "edf.yaml"  # a path as long as a fresh clone's: same answer
    a_long = world.ask("manager", "POST", "/api/calls", call_body(world, rules=deep))
    assert a_long.status_code == 422 and error_fields(a_long) == ["rules"]
    made = world.ask("manager", "POST", "/api/calls", body)
    assert made.status_code == 201, made.text
    call = made.json()
    assert (call["owner"], call["status"], call["rules"]) == (
        "Lombardia Aerospace Cluster",
        "open",
        "edf",
    )
    url = f"/api/calls/{call['id']}"
    for who in ("anonymous", "viewer", "leo"):
        assert world.ask(who, "GET", url).json()["title"] == body["title"]
        assert call["id"] in [c["id"] for c in world.ask(who, "GET", "/api/calls").json()]
    assert world.ask("leo", "PATCH", url, {"status": "closed"}).status_code == 403
    assert world.ask("anonymous", "PATCH", url, {"status": "closed"}).status_code == 401
    assert world.ask("manager", "PATCH", url, {"status": "done"}).status_code == 422
    assert world.ask("manager", "PATCH", url, {"status": "closed", "title": "x"}).status_code == 422
    closed = world.ask("manager", "PATCH", url, {"status": "closed"})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert call["id"] not in [c["id"] for c in world.ask("leo", "GET", "/api/calls").json()]
    closed_ones = world.ask("leo", "GET", "/api/calls", status="closed").json()
    assert call["id"] in [c["id"] for c in closed_ones]
    assert all(c["status"] == "closed" for c in closed_ones)
    assert call["id"] in [
        c["id"] for c in world.ask("leo", "GET", "/api/calls", status="all").json()
    ]
    assert world.ask("leo", "GET", "/api/calls", status="maybe").status_code == 422
    assert world.ask("leo", "GET", "/api/calls/999999").status_code == 404


def test_a_call_hidden_from_a_viewer_is_as_if_it_did_not_exist(world: World) -> None:
    secret = world.ask(
        "stealthy",
        "POST",
        "/api/calls",
        call_body(world, owner_id=world.org("stealth"), title="Stealth's own call"),
    )
    assert secret.status_code == 403  # a member may not publish calls
    made = world.ask(
        "admin",
        "POST",
        "/api/calls",
        call_body(world, owner_id=world.org("stealth"), title="Stealth's own call"),
    )
    assert made.status_code == 201, made.text
    url = f"/api/calls/{made.json()['id']}"
    assert world.ask("stealthy", "GET", url).status_code == 200
    hidden, missing = world.ask("leo", "GET", url), world.ask("leo", "GET", "/api/calls/999999")
    assert hidden.status_code == missing.status_code == 404
    call_id = str(made.json()["id"])
    said = hidden.json()["error"]["message"].replace(call_id, "N")
    assert said == missing.json()["error"]["message"].replace("999999", "N")
    assert "Stealth" not in world.ask("leo", "GET", "/api/calls", status="all").text
    body = {"call_id": made.json()["id"]}
    assert world.ask("leo", "POST", "/api/consortia/build", body).status_code == 404


def test_build_for_a_stored_call_uses_its_rules_and_capabilities(world: World) -> None:
    made = world.ask("manager", "POST", "/api/calls", call_body(world, size_min=3, size_max=4))
    call_id = made.json()["id"]
    out = world.ask("leo", "POST", "/api/consortia/build", {"call_id": call_id, "alternatives": 1})
    assert out.status_code == 200, out.text
    built = out.json()
    assert built["call"]["id"] == call_id and built["rules"]["name"] == "edf"
    assert built["size"] == [3, 4]
    team = built["consortia"][0]
    assert team["ok"] and team["missing"] == []
    assert any("electronics.radar" in m["capabilities"] for m in team["members"])


# --- bids -----------------------------------------------------------------------------------


def partner_states(bid: dict) -> dict[int, str]:
    return {p["org_id"]: p["status"] for p in bid["partners"]}


def test_a_bid_is_saved_invited_answered_and_closed(world: World) -> None:
    leo, indra, safran = world.org("leonardo"), world.org("indra"), world.org("safran")
    body = {
        "title": "C-UAS bid",
        "owner_id": world.org("cluster"),
        "rules": "edf",
        "partners": [
            {"organisation": LEONARDO_PIC, "role": "coordinator"},
            {"organisation": str(indra)},
            {"organisation": str(safran)},
        ],
    }
    assert world.ask("anonymous", "POST", "/api/bids", body).status_code == 401
    assert world.ask("viewer", "POST", "/api/bids", body).status_code == 403
    assert world.ask("leo", "POST", "/api/bids", body).status_code == 403  # not the cluster's
    made = world.ask("manager", "POST", "/api/bids", body)
    assert made.status_code == 201, made.text
    bid = made.json()
    assert bid["mine"] and bid["status"] == "draft" and bid["rules"] == "edf"
    assert partner_states(bid) == {leo: "proposed", indra: "proposed", safran: "proposed"}
    assert bid["check"]["ok"], bid["check"]
    url = f"/api/bids/{bid['id']}"
    for who in ("leo", "indra", "outsider", "anonymous"):  # nobody invited yet
        assert world.ask(who, "GET", url).status_code == 404, who
        assert bid["id"] not in [b["id"] for b in world.ask(who, "GET", "/api/bids").json()]

    invited = world.ask("manager", "POST", f"{url}/invitations")
    assert invited.status_code == 200, invited.text
    assert set(partner_states(invited.json()).values()) == {"invited"}
    seen = world.ask("leo", "GET", url)
    assert seen.status_code == 200 and not seen.json()["mine"]
    assert bid["id"] in [b["id"] for b in world.ask("indra", "GET", "/api/bids").json()]
    for who in ("outsider", "anonymous"):
        assert world.ask(who, "GET", url).status_code == 404, who
        answered = world.ask(who, "POST", f"{url}/answer", {"organisation_id": leo, "accept": True})
        assert answered.status_code == 404, who

    accepted = world.ask("leo", "POST", f"{url}/answer", {"organisation_id": leo, "accept": True})
    assert accepted.status_code == 200, accepted.text
    for who, org in (("leo", indra), ("manager", leo), ("indra", world.org("stealth"))):
        refused = world.ask(who, "POST", f"{url}/answer", {"organisation_id": org, "accept": True})
        assert refused.status_code == 403, (who, refused.text)
    declined = world.ask(
        "indra", "POST", f"{url}/answer", {"organisation_id": indra, "accept": False}
    )
    assert declined.status_code == 200
    status = partner_states(world.ask("manager", "GET", url).json())
    assert status == {leo: "accepted", indra: "declined", safran: "invited"}

    assert world.ask("leo", "PATCH", url, {"status": "submitted"}).status_code == 403
    assert world.ask("manager", "PATCH", url, {"status": "won"}).status_code == 422
    removed = world.ask("manager", "DELETE", f"{url}/partners/{indra}")
    assert removed.status_code == 200 and indra not in partner_states(removed.json())
    assert world.ask("manager", "DELETE", f"{url}/partners/{indra}").status_code == 404
    assert world.ask("leo", "DELETE", f"{url}/partners/{safran}").status_code == 403
    submitted = world.ask("manager", "PATCH", url, {"status": "submitted"})
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    late = world.ask("leo", "POST", f"{url}/answer", {"organisation_id": leo, "accept": False})
    assert late.status_code == 409 and late.json()["error"]["code"] == "bid_closed"
    assert world.ask("manager", "POST", f"{url}/invitations").status_code == 409
    assert world.ask("indra", "GET", url).status_code == 404  # no longer a partner


def test_a_bid_shows_a_partner_only_to_who_may_see_it(world: World) -> None:
    body = {
        "title": "Bid with a discreet partner",
        "owner_id": world.org("cluster"),
        "rules": "edf",
        "partners": [{"organisation": LEONARDO_PIC}, {"organisation": "999000303"}],
    }
    assert (
        world.ask(
            "manager",
            "POST",
            "/api/bids",
            {**body, "partners": [*body["partners"], {"organisation": HIDDEN_PIC}]},
        ).status_code
        == 404
    )
    made = world.ask(
        "admin",
        "POST",
        "/api/bids",
        {**body, "partners": [*body["partners"], {"organisation": HIDDEN_PIC}]},
    )
    assert made.status_code == 201, made.text
    url = f"/api/bids/{made.json()['id']}"
    assert world.ask("admin", "POST", f"{url}/invitations").status_code == 200
    as_leo = world.ask("leo", "GET", url)
    assert as_leo.status_code == 200 and "Stealth" not in as_leo.text
    assert len(as_leo.json()["partners"]) == 2
    assert len(world.ask("stealthy", "GET", url).json()["partners"]) == 3
    for org in (world.org("stealth"), world.org("safran")):  # invited, hidden / not a partner
        refused = world.ask(
            "leo", "POST", f"{url}/answer", {"organisation_id": org, "accept": True}
        )
        assert refused.status_code == 403
        assert refused.json()["error"]["message"].endswith(f"organisation {org}")


def test_cookie_writes_need_the_csrf_header(world: World) -> None:
    """Signed in with the web form, a write (or a build) without the session's header fails."""
    browser = {"Accept": "text/html,application/xhtml+xml"}
    with TestClient(create_app(world.db, SETTINGS), headers=browser) as client:
        form_token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/sign-in").text)
        form = {
            "email": "manager@consortia.example",
            "password": PASSWORD,
            "csrf_token": form_token.group(1),
            "next": "/",
        }
        assert client.post("/sign-in", data=form, follow_redirects=False).status_code == 303
        token = re.search(
            r'<meta name="csrf-token" content="([^"]+)">', client.get("/account").text
        )
        body = call_body(world, title="Call published from a browser")
        assert client.post("/api/calls", json=body).status_code == 403
        assert (
            client.post("/api/consortia/check", json={"members": [LEONARDO_PIC]}).status_code == 403
        )
        done = client.post("/api/calls", json=body, headers={"X-CSRF-Token": token.group(1)})
        assert done.status_code == 201, done.text
