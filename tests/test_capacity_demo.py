"""The demo scenario of the European 155 mm chain: every figure sourced, official claims and
independent estimates apart, assumptions marked; its plan checked against hand arithmetic;
and the demo database holding it for the planners only."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from filiera.capacity import analysis, scenario, steady, store
from filiera.db import Database
from filiera.demo import capacity as demo_capacity
from filiera.demo.events import acting
from support.demo_copy import DemoCopy

DATA = Path(demo_capacity.__file__).resolve().parents[1] / "capacity" / "data"
FIGURES = Path(__file__).resolve().parents[2] / "shared" / "data" / "capacity"
OUTLET = re.compile(r"\b[a-z][a-z0-9-]*\.(?:com|eu|ua|net|fr|pl|no|icu|space)\b")
PAST_THE_HORIZON = {"victoria_powder", "nitrochem_line2", "diehl_fuzes"}
SCEPTICAL = 0.55  # derived: 550k (independent) / 1M (official), early 2024


def raw(name: str) -> dict:
    return yaml.safe_load((DATA / name).read_text(encoding="utf-8"))


def records(data: dict) -> Iterator[tuple[str, dict]]:
    """Every record that carries a figure: lines, expansions, new lines, demand."""
    for line in data["lines"]:
        yield f"line {line['id']}", line
    for expansion in data["expansions"]:
        yield f"expansion {expansion['id']}", expansion
        if expansion.get("new_line"):
            yield f"new line {expansion['new_line']['id']}", expansion["new_line"]
    for index, demand in enumerate(data["demand"]):
        yield f"demand[{index}]", demand


# --- the file -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["eu_155mm.yaml", "eu_155mm_sceptical.yaml"])
def test_every_figure_names_its_source_or_says_it_is_assumed(name: str) -> None:
    unsourced = []
    for record, row in records(raw(name)):
        source = str(row.get("source") or "")
        if not (OUTLET.search(source) or "ASSUMPTION" in source or "ASAP" in source):
            unsourced.append(record)
    assert not unsourced


def test_the_outlets_cited_are_those_of_the_public_figures() -> None:
    if not FIGURES.exists():
        pytest.skip(f"{FIGURES} is absent (the shared data folder)")
    listed = set(OUTLET.findall((FIGURES / "public-figures-155mm.md").read_text()))
    text = (DATA / "eu_155mm.yaml").read_text(encoding="utf-8")
    cited = set(OUTLET.findall(text))
    assert cited - listed == set()
    assert {"uatv.ua", "defencematters.eu", "vie-economique.com", "eska.pl"} <= cited


def test_asap_projects_and_companies_are_the_commission_s() -> None:
    """Every ASAP project named exists in the Funding & Tenders data with that company."""
    projects_file = FIGURES.parent / "edf" / "projects.json"
    if not projects_file.exists():
        pytest.skip(f"{projects_file} is absent (the shared data folder)")
    asap = {
        p["acronym"]: {x["pic"] for x in p["participants"]}
        for p in json.loads(projects_file.read_text())
        if "ASAP" in (p.get("call_identifier") or "")
    }
    data = raw("eu_155mm.yaml")
    lines = {line["id"]: line for line in data["lines"]}
    checked = 0
    for expansion in data["expansions"]:
        found = re.match(r"ASAP (.+?) \(EU €", expansion["source"])
        if not found:
            continue
        line = expansion.get("new_line") or lines[expansion["line"]]
        assert line["pic"] in asap[found.group(1)], expansion["id"]
        checked += 1
    assert checked >= 15


def test_official_and_sceptical_differ_only_by_the_independent_estimate() -> None:
    official, sceptical = raw("eu_155mm.yaml"), raw("eu_155mm_sceptical.yaml")
    assert (official["variant"], sceptical["variant"]) == ("official", "sceptical")
    assert official["official"] and official["estimates"]
    for key in ("horizon", "items", "bom", "expansions", "stocks", "demand", "budget_eur"):
        assert official[key] == sceptical[key], key
    scaled = 0
    for mine, theirs in zip(official["lines"], sceptical["lines"], strict=True):
        factor = theirs.pop("utilisation", 1.0) / mine.pop("utilisation", 1.0)
        assert mine == theirs
        if mine["item"] in {"round_155", "shell_body", "propellant"}:
            assert factor == SCEPTICAL, mine["id"]
            scaled += 1
        else:
            assert factor == 1.0, mine["id"]
    assert scaled == 29


def test_the_bom_uses_the_derived_propellant_figure() -> None:
    """1,200 t of powder ≈ 95k full rounds (24newsbulletin.com): 1.2e6 kg / 95e3 ≈ 12.6 kg."""
    s = scenario.load(DATA / "eu_155mm.yaml")
    assert s.bom["round_155"]["propellant"] == pytest.approx(1.2e6 / 95e3, abs=0.05)
    assert s.bom["round_155"]["explosive_fill"] == pytest.approx(10.8)
    assert s.months == 36 and s.month_label(0) == "2026-01"
    assert s.demand["round_155"] == pytest.approx([2_000_000 / 12] * 36)


# --- the plans ----------------------------------------------------------------------------


def test_official_plan_by_hand() -> None:
    """Explosive fill: Nitro-Chem 10,000 t x 0.8 + Chemring 1,500 t + Bofors 600 t = 10,100 t
    a year = 10.1e6 / 10.8 / 12 = 77,932 rounds a month. Powder: 12,700 t / 12.6 / 12 =
    83,995; bodies and assembly about 2M a year (166,667 a month). So explosives bind; one more
    kg of fill a month is 1 / 10.8 round. Demand is 2M a year: 36 x (166,667 - 77,932) =
    3.19M rounds short with today's lines. The plan must beat that within the €300M budget
    and never pick a plant whose first month is past the horizon."""
    s = scenario.load(DATA / "eu_155mm.yaml")
    plan = analysis.analyse(s)  # its speed is measured by benchmarks/capacity_plan.py
    assert plan["max_output_per_month"] == pytest.approx(10.1e6 / 10.8 / 12, rel=1e-6)
    assert plan["bottleneck"] == "explosive_fill"
    assert set(plan["bottleneck_lines"]) == {"tnt_nitrochem", "rdx_chemring", "rdx_bofors"}
    assert plan["shadow_prices"]["tnt_nitrochem"] == pytest.approx(1 / 10.8)
    assert plan["shadow_prices"]["powder_nitrochemie"] == pytest.approx(0)
    before = 36 * (2e6 / 12 - 10.1e6 / 10.8 / 12)
    assert plan["total_shortfall_before"] == pytest.approx(before, rel=1e-6)
    assert plan["total_shortfall"] < 0.85 * before
    assert 0 < plan["capex_eur"] <= 3.0e8
    chosen = {e["id"] for e in plan["expansions"]}
    assert chosen & PAST_THE_HORIZON == set()
    assert chosen & {"asap_chemring_fast1", "asap_tntrion"}  # explosives first


def test_sceptical_plan_by_hand() -> None:
    """At 55 %, powder gives 12,700 t x 0.55 / 12.6 = 554,365 rounds a year (the independent
    estimate of ~550k), 46,197 a month, below the fill (77,932): powder binds, 1/12.6 a kg."""
    plan = analysis.analyse(scenario.load(DATA / "eu_155mm_sceptical.yaml"))
    assert plan["max_output_per_month"] * 12 == pytest.approx(12_700_000 * 0.55 / 12.6)
    assert plan["bottleneck"] == "propellant"
    assert plan["shadow_prices"]["powder_bergerac"] == pytest.approx(1 / 12.6)
    assert plan["total_shortfall"] < plan["total_shortfall_before"]


def test_chinese_linters_are_most_of_the_nitrocellulose_input() -> None:
    s = scenario.load(DATA / "eu_155mm.yaml")
    linters = s.lines_of("cotton_linters")
    china = sum(line.capacity for line in linters if line.country == "CN")
    assert china / sum(line.capacity for line in linters) == pytest.approx(0.7)
    assert steady.steady_state(s).used["linters_cn"] < 1  # not binding in the base case


# --- the demo database -------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_db(demo_copy: DemoCopy) -> Iterator[Database]:
    db = Database(demo_copy.url)
    summary = demo_copy.summary
    assert summary["capacity"] == {"scenarios": 2}
    yield db
    db.dispose()


def test_the_demo_holds_both_scenarios_for_planners_only(demo_db: Database) -> None:
    with demo_db.session() as session:
        buyer = acting(session, demo_capacity.PLANNER)
        rows = store.list_scenarios(session, buyer)
        names = sorted(row.name for row in rows)
        assert names == sorted(name for _file, name, _text in demo_capacity.SCENARIOS)
        texts = {row.text.strip() for row in rows}
        shipped = {demo_capacity.scenario_text(f).strip() for f, _n, _d in demo_capacity.SCENARIOS}
        assert texts == shipped
        assert {row.visibility for row in rows} == {"restricted"}
        viewer = acting(session, "viewer@filiera.demo")
        assert store.list_scenarios(session, viewer) == []


def test_the_demo_scenario_s_lines_link_to_the_edf_companies(demo_db: Database) -> None:
    with demo_db.session() as session:
        buyer = acting(session, demo_capacity.PLANNER)
        row = next(r for r in store.list_scenarios(session, buyer) if "official" in r.name)
        linked = {link.line_id for link in row.links}
        assert {"lap_expal", "lap_unterluss", "powder_bergerac", "rdx_chemring"} <= linked
        assert "linters_cn" not in linked
