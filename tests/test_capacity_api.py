"""Capacity scenarios over the REST API (issue 13), on SQLite and PostgreSQL: a planner
saves, plans and compares; a company named in the lines reads the redacted view; an
outsider gets the 404 of a missing id; anonymous callers 401 on writes; bad YAML 422
naming item and field. The chain is the one worked by hand in test_capacity_store."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from support.api_world import World, api_world
from test_capacity_store import chain


def save(world: World, **fields: Any) -> int:
    body = {"name": "NATO target", "text": chain(), "owner_id": world.reg.org("cluster")}
    answer = world.ask("manager", "POST", "/api/capacity/scenarios", {**body, **fields})
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


@pytest.fixture(scope="module")
def world(module_db_url: str) -> Iterator[World]:
    with api_world(module_db_url) as made:
        yield made


def test_planner_saves_plans_and_a_company_reads_its_part(world: World) -> None:
    scenario_id = save(world)
    plan = world.ask("manager", "POST", f"/api/capacity/scenarios/{scenario_id}/plan").json()
    assert (plan["max_output_per_month"], plan["bottleneck"]) == (75, "steel")
    assert (plan["total_shortfall_before"], plan["total_shortfall"]) == (75, 25)
    full = world.ask("manager", "GET", f"/api/capacity/scenarios/{scenario_id}").json()
    assert full["full_view"] and full["text"] == chain().strip() and full["plan"] == plan
    leo = world.ask("leo", "GET", f"/api/capacity/scenarios/{scenario_id}").json()
    assert (leo["full_view"], leo["text"], leo["lines"]) == (False, None, ["asm"])
    assert leo["plan"]["shadow_prices"] == {"asm": 0.0} and leo["plan"]["expansions"] == []
    assert {g["country"] for g in leo["plan"]["other_companies"]} == {"FR", "IT"}
    listed = world.ask("leo", "GET", "/api/capacity/scenarios").json()
    assert scenario_id in [s["id"] for s in listed]


def test_outsider_gets_the_404_of_a_missing_id(world: World) -> None:
    scenario_id = save(world)
    for method, tail in (("GET", ""), ("POST", "/plan"), ("DELETE", "")):
        seen = world.ask("lux", method, f"/api/capacity/scenarios/{scenario_id}{tail}")
        missing = world.ask("lux", method, f"/api/capacity/scenarios/999999{tail}")
        assert seen.status_code == missing.status_code == 404
        assert seen.text.replace(str(scenario_id), "N") == missing.text.replace("999999", "N")
    listed = world.ask("lux", "GET", "/api/capacity/scenarios").json()
    assert scenario_id not in [s["id"] for s in listed]


def test_anonymous_writes_get_401_and_members_403(world: World) -> None:
    scenario_id = save(world)
    body = {"name": "x", "text": chain(), "owner_id": world.reg.org("cluster")}
    url = f"/api/capacity/scenarios/{scenario_id}"
    assert world.ask("anonymous", "POST", "/api/capacity/scenarios", body).status_code == 401
    assert world.ask("anonymous", "PUT", url, body).status_code == 401
    assert world.ask("anonymous", "DELETE", url).status_code == 401
    assert (
        world.ask("anonymous", "POST", "/api/capacity/plan", {"yaml": chain()}).status_code == 401
    )
    assert world.ask("leo", "PUT", url, body).status_code == 403
    assert world.ask("leo", "POST", "/api/capacity/plan", {"yaml": chain()}).status_code == 403
    assert world.ask("manager", "DELETE", url).status_code == 204
    assert world.ask("manager", "GET", url).status_code == 404


def test_bad_yaml_is_422_naming_item_and_field(world: World) -> None:
    text = chain().replace("{steel: 2}", "{steel: 2, widget: 1}")
    body = {"name": "loop", "text": text, "owner_id": world.reg.org("cluster")}
    answer = world.ask("manager", "POST", "/api/capacity/scenarios", body)
    assert answer.status_code == 422
    details = answer.json()["error"]["details"]
    assert [(d["record"], d["field"]) for d in details] == [("item widget", "bom")]
    raw = world.ask("manager", "POST", "/api/capacity/plan", {"horizon": {"months": 0}})
    assert raw.status_code == 422
    assert {d["field"] for d in raw.json()["error"]["details"]} >= {"months", "demand"}


def test_plan_of_a_document_compare_and_risk(world: World) -> None:
    plan = world.ask("manager", "POST", "/api/capacity/plan", {"yaml": chain()}).json()
    assert plan["shadow_prices"]["mill"] == 0.5
    first, second = save(world), save(world, name="No money", text=chain(0.0))
    found = world.ask("manager", "GET", "/api/capacity/compare", ids=[first, second]).json()
    assert [s["total_shortfall"] for s in found["scenarios"]] == [25, 75]
    hidden = world.ask("lux", "GET", "/api/capacity/compare", ids=[first])
    assert hidden.status_code == 404
    url = f"/api/capacity/scenarios/{first}/risk"
    risk = world.ask("manager", "POST", url, {"runs": 10, "seed": 2}).json()
    assert (risk["runs"], risk["seed"]) == (10, 2) and "p90" in risk["total_shortfall"]
    too_many = world.ask("manager", "POST", url, {"runs": 20_001})
    assert too_many.status_code == 422
