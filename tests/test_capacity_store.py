"""Stored capacity scenarios (issue 13), through the service, on SQLite and PostgreSQL.

The Lombardia cluster's manager (a planner) saves a scenario whose lines name Leonardo (by
name), Safran (by PIC) and Quasar Optics (restricted). Worked by hand: 2 kg of steel per
widget; steel 100 + 50 kg a month -> at most 75 widgets a month, steel is the bottleneck,
each steel line's shadow price is 0.5; demand 100 a month for 3 months -> 75 short with
today's lines; Safran's expansion e1 (+50 kg from month 2) leaves 25 short.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from filiera.access import accounts
from filiera.access.viewer import Viewer, viewer_for
from filiera.capacity import store
from filiera.capacity.models import CapacityScenario
from filiera.capacity.schemas import ScenarioIn
from filiera.errors import Forbidden, NotFound, Unauthorized, ValidationFailed
from support.event_registry import Registry, make_registry

CHAIN = """\
horizon: {start: 2026-01, months: 3}
items:
  - {id: widget, unit: unit}
  - {id: steel, unit: kg}
bom:
  widget: {steel: 2}
lines:
  - {id: asm, organisation: "Leonardo S.p.A.", country: IT, item: widget, capacity_per_month: 100}
  - {id: mill, organisation: "999993856", country: FR, item: steel, capacity_per_month: 100}
  - {id: qmill, organisation: "Quasar Optics", country: IT, item: steel, capacity_per_month: 50}
expansions:
  - {id: e1, line: mill, extra_per_month: 50, capex_eur: 1.0e6, lead_time_months: 1}
demand:
  - {item: widget, per_month: 100}
budget_eur: BUDGET
"""


def chain(budget: float = 2e6) -> str:
    return CHAIN.replace("BUDGET", repr(budget))


@pytest.fixture(scope="module")
def reg(module_db_url: str) -> Iterator[Registry]:
    reg = make_registry(module_db_url)
    with reg.db.session() as session:
        buyer = accounts.add_user(
            session, "buyer@events.example", "Bea Buyer", "a long enough password", role="buyer"
        )
        reg.users["buyer"] = viewer_for(session, buyer)
    yield reg
    reg.db.dispose()


def save(reg: Registry, who: str = "manager", **fields) -> int:
    data = {"name": "NATO target", "text": chain(), "owner_id": reg.org("cluster"), **fields}
    with reg.db.session() as session:
        return store.save_scenario(session, reg.viewer(who), ScenarioIn(**data)).id


def as_viewer(reg: Registry, who: str, call, *args, **kwargs):
    with reg.db.session() as session:
        return call(session, reg.viewer(who), *args, **kwargs)


def test_planner_saves_and_lines_link_to_the_registry(reg: Registry) -> None:
    scenario_id = save(reg)
    with reg.db.session() as session:
        row = session.get(CapacityScenario, scenario_id)
        links = {link.line_id: link.organisation_id for link in row.links}
        assert row.visibility == "restricted" and row.result is None
    assert links == {
        "asm": reg.org("leonardo"),
        "mill": reg.org("safran"),
        "qmill": reg.org("quasar"),
    }


def test_plan_is_worked_by_hand_and_cached(reg: Registry) -> None:
    scenario_id = save(reg)
    plan = as_viewer(reg, "manager", store.plan_scenario, scenario_id)
    assert plan["redacted"] is False
    assert plan["max_output_per_month"] == 75 and plan["bottleneck"] == "steel"
    assert plan["shadow_prices"] == {"asm": 0.0, "mill": 0.5, "qmill": 0.5}
    assert (plan["total_shortfall_before"], plan["total_shortfall"]) == (75, 25)
    assert [(e["id"], e["start_month"]) for e in plan["expansions"]] == [("e1", "2026-01")]
    with reg.db.session() as session:
        first = session.get(CapacityScenario, scenario_id).result_at
    assert first is not None
    again = as_viewer(reg, "manager", store.plan_scenario, scenario_id)
    with reg.db.session() as session:
        assert session.get(CapacityScenario, scenario_id).result_at == first  # cached
    assert again == plan


def test_a_company_in_the_chain_sees_its_own_lines_and_others_grouped(reg: Registry) -> None:
    scenario_id = save(reg)
    assert scenario_id in [r.id for r in as_viewer(reg, "leo", store.list_scenarios)]
    plan = as_viewer(reg, "leo", store.plan_scenario, scenario_id)
    assert plan["redacted"] is True
    assert plan["max_output_per_month"] == 75 and plan["bottleneck"] == "steel"
    assert plan["shadow_prices"] == {"asm": 0.0} and plan["expansions"] == []
    assert plan["bottleneck_lines"] == [] and set(plan["utilisation"]) == {"asm"}
    groups = {g["country"]: g for g in plan["other_companies"]}
    assert groups["FR"] == {
        "name": "other companies",
        "country": "FR",
        "lines": 1,
        "top_shadow_price": 0.5,
        "expansions": 1,
        "capex_eur": 1e6,
    }
    assert (groups["IT"]["lines"], groups["IT"]["expansions"]) == (1, 0)
    assert all(set(m["output"]) == {"widget"} for m in plan["months"])
    words = " ".join(plan["explanations"])
    assert "mill" not in words and "e1" not in words and "steel" in words
    with reg.db.session() as session:
        viewer = reg.viewer("leo")
        out = store.scenario_out(viewer, store.get_scenario(session, viewer, scenario_id))
    assert (out.full_view, out.text, out.lines) == (False, None, ["asm"])
    assert [link.line for link in out.links] == ["asm"]

    safran = as_viewer(reg, "saf", store.plan_scenario, scenario_id)
    assert safran["shadow_prices"] == {"mill": 0.5}
    assert [e["id"] for e in safran["expansions"]] == ["e1"]
    assert "Your line mill is at the bottleneck." in safran["explanations"]


def test_an_outsider_gets_the_answer_of_a_missing_id(reg: Registry) -> None:
    scenario_id = save(reg)
    for who in ("lux", "poli", "buyer"):
        with pytest.raises(NotFound) as seen:
            as_viewer(reg, who, store.get_scenario, scenario_id)
        with pytest.raises(NotFound) as missing:
            as_viewer(reg, who, store.get_scenario, 999_999)
        masked = seen.value.to_body()
        assert str(masked).replace(str(scenario_id), "N") == str(missing.value.to_body()).replace(
            "999999", "N"
        )
        assert scenario_id not in [r.id for r in as_viewer(reg, who, store.list_scenarios)]
    with pytest.raises(Unauthorized):
        as_viewer(reg, "anonymous", store.plan_scenario, scenario_id)


def test_public_scenario_is_whole_for_buyers_and_aggregates_for_others(reg: Registry) -> None:
    scenario_id = save(reg, visibility="public")
    assert as_viewer(reg, "buyer", store.plan_scenario, scenario_id)["redacted"] is False
    plan = as_viewer(reg, "poli", store.plan_scenario, scenario_id)
    assert plan["redacted"] is True and plan["shadow_prices"] == {}
    assert sum(g["lines"] for g in plan["other_companies"]) == 3


def test_owner_only_scenario_is_not_shown_to_named_companies(reg: Registry) -> None:
    scenario_id = save(reg, visibility="owner")
    with pytest.raises(NotFound):
        as_viewer(reg, "leo", store.get_scenario, scenario_id)


def test_writes_need_a_planner_of_the_owner(reg: Registry) -> None:
    scenario_id = save(reg)
    data = ScenarioIn(name="x", text=chain(), owner_id=reg.org("leonardo"))
    with pytest.raises(Unauthorized):
        as_viewer(reg, "anonymous", store.save_scenario, data)
    with pytest.raises(Forbidden):
        as_viewer(reg, "leo", store.save_scenario, data)  # a member is not a planner
    with pytest.raises(Forbidden):
        as_viewer(reg, "manager", store.save_scenario, data)  # not acting for Leonardo
    with pytest.raises(Forbidden):
        as_viewer(reg, "leo", store.delete_scenario, scenario_id)
    with pytest.raises(NotFound):
        as_viewer(reg, "lux", store.delete_scenario, scenario_id)


def test_bad_yaml_names_item_and_field(reg: Registry) -> None:
    text = (
        chain()
        .replace("capacity_per_month: 50}", "capacity_per_month: -5}")
        .replace("line: mill", "line: nowhere")
    )
    data = ScenarioIn(name="broken", text=text, owner_id=reg.org("cluster"))
    with pytest.raises(ValidationFailed) as failed:
        as_viewer(reg, "manager", store.save_scenario, data)
    found = {(e["record"], e["field"]) for e in failed.value.errors}
    assert found == {("line qmill", "capacity_per_month"), ("expansion e1", "line")}


def test_update_drops_the_cache_and_compare_puts_plans_side_by_side(reg: Registry) -> None:
    first, second = save(reg), save(reg, name="No money")
    as_viewer(reg, "manager", store.plan_scenario, second)
    data = ScenarioIn(name="No money", text=chain(0.0), owner_id=reg.org("cluster"))
    row = as_viewer(reg, "manager", store.update_scenario, second, data)
    assert row.result is None and row.name == "No money"
    found = as_viewer(reg, "manager", store.compare_scenarios, [first, second])
    figures = [
        (s["name"], s["total_shortfall_before"], s["total_shortfall"], s["capex_eur"])
        for s in found["scenarios"]
    ]
    assert figures == [("NATO target", 75, 25, 1e6), ("No money", 75, 75, 0)]
    assert found["months"] == ["2026-01", "2026-02", "2026-03"]
    assert [m["shortfall"] for m in found["scenarios"][0]["curve"]] == [25, 0, 0]
    with pytest.raises(NotFound):
        as_viewer(reg, "lux", store.compare_scenarios, [first, second])
    leo = as_viewer(reg, "leo", store.compare_scenarios, [first])
    assert leo["scenarios"][0]["expansions"] == [] and leo["scenarios"][0]["redacted"]


def test_risk_is_cached_and_redacted(reg: Registry) -> None:
    scenario_id = save(reg)
    full = as_viewer(reg, "manager", store.risk_scenario, scenario_id, runs=20, seed=3)
    assert full["runs"] == 20 and "concentration" in full
    leo = as_viewer(reg, "leo", store.risk_scenario, scenario_id, runs=20, seed=3)
    assert leo["redacted"] and "concentration" not in leo
    assert leo["total_shortfall"] == full["total_shortfall"]
    assert all(site["line"] == "asm" for site in leo["sites_that_hurt_most"])
    with pytest.raises(ValidationFailed):
        as_viewer(reg, "manager", store.risk_scenario, scenario_id, runs=20_001)


def test_plan_document_is_for_planners() -> None:
    body = {"yaml": chain()}
    assert store.plan_document(Viewer.system(), body)["max_output_per_month"] == 75
    with pytest.raises(Unauthorized):
        store.plan_document(Viewer.anonymous(), body)
    member = Viewer(7, "m@x", "member", frozenset({1}))
    with pytest.raises(Forbidden):
        store.plan_document(member, body)
