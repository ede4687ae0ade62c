"""Capacity analyses on tiny scenarios whose answers are worked out by hand (no database).

Each test states its arithmetic in its docstring; the solver must reach the same numbers.
"""

from __future__ import annotations

import textwrap

import pytest

from filiera.capacity import analysis, plan, scenario, steady
from filiera.errors import ValidationFailed

ITEMS = """
items:
  - {id: round, unit: round}
  - {id: body, unit: unit}
  - {id: tnt, unit: kg}
"""


def load(text: str) -> scenario.Scenario:
    return scenario.loads(textwrap.dedent(text), source="hand")


def chain(lines: str, *, months: int = 6, extra: str = "") -> scenario.Scenario:
    """A round made of one body and 10 kg of TNT, with the given lines and sections."""
    return load(
        f"horizon: {{start: 2026-01, months: {months}}}\n"
        + textwrap.dedent(ITEMS)
        + "bom:\n  round: {body: 1, tnt: 10}\n"
        + "lines:\n"
        + textwrap.dedent(lines)
        + textwrap.dedent(extra)
    )


def problems(text: str) -> list[dict[str, str]]:
    with pytest.raises(ValidationFailed) as caught:
        load(text)
    return caught.value.errors


# --- steady state: max output, bottleneck, shadow prices ----------------------------------


def test_single_chain_max_output_bottleneck_and_shadow_prices() -> None:
    """Assembly makes 1,000 rounds a month, bodies 800, TNT 12 t = 12,000 kg = 1,200 rounds
    at 10 kg a round. Output = min(1000, 800, 1200) = 800, limited by bodies. One more body a
    month gives one more round (price 1 = 1 / 1 body per round); assembly and TNT have slack
    (price 0). Bodies are fully used, assembly 80 %, TNT 8,000 / 12,000 = 2/3."""
    s = chain(
        """
        - {id: lap, item: round, capacity_per_month: 1000}
        - {id: forge, item: body, capacity_per_month: 800}
        - {id: tnt_line, item: tnt, capacity_per_month: "12 t"}
        """,
        extra="demand:\n  - {item: round, per_month: 2000}\n",
    )
    result = steady.steady_state(s)
    assert result.output["round"] == pytest.approx(800)
    assert result.bottleneck == "body"
    assert result.bottleneck_lines == ["forge"]
    assert result.shadow_prices["forge"] == pytest.approx(1.0)
    assert result.shadow_prices["lap"] == pytest.approx(0.0)
    assert result.shadow_prices["tnt_line"] == pytest.approx(0.0)
    assert result.used["forge"] == pytest.approx(1.0)
    assert result.used["lap"] == pytest.approx(0.8)
    assert result.used["tnt_line"] == pytest.approx(2 / 3)


def test_shadow_price_of_a_binding_input_is_one_over_its_bom_quantity() -> None:
    """TNT 5,000 kg a month at 10 kg a round = 500 rounds; bodies (800) and assembly (1,000)
    have slack. One more kg of TNT a month gives 1/10 round: price 0.1; the others 0."""
    s = chain(
        """
        - {id: lap, item: round, capacity_per_month: 1000}
        - {id: forge, item: body, capacity_per_month: 800}
        - {id: tnt_line, item: tnt, capacity_per_month: 5000}
        """,
        extra="demand:\n  - {item: round, per_month: 1000}\n",
    )
    result = steady.steady_state(s)
    assert result.output["round"] == pytest.approx(500)
    assert result.bottleneck == "tnt"
    assert result.shadow_prices["tnt_line"] == pytest.approx(0.1)
    assert result.shadow_prices["forge"] == pytest.approx(0.0)
    assert result.shadow_prices["lap"] == pytest.approx(0.0)


def test_two_lines_of_one_stage_share_the_same_shadow_price() -> None:
    """Bodies come from two forges, 300 + 200 = 500 a month; assembly 1,000, TNT 20 t
    (2,000 rounds). Output 500; both forges bind and each extra body is one more round, so
    both prices are 1 and both forges are bottleneck lines."""
    s = chain(
        """
        - {id: lap, item: round, capacity_per_month: 1000}
        - {id: forge_a, organisation: A, country: DE, item: body, capacity_per_month: 300}
        - {id: forge_b, organisation: B, country: FR, item: body, capacity_per_month: 200}
        - {id: tnt_line, item: tnt, capacity_per_month: "20 t"}
        """,
        extra="demand:\n  - {item: round, per_month: 1000}\n",
    )
    result = steady.steady_state(s)
    assert result.output["round"] == pytest.approx(500)
    assert result.bottleneck == "body"
    assert sorted(result.bottleneck_lines) == ["forge_a", "forge_b"]
    assert result.shadow_prices["forge_a"] == pytest.approx(1.0)
    assert result.shadow_prices["forge_b"] == pytest.approx(result.shadow_prices["forge_a"])


def test_a_purchased_input_with_a_supply_cap_is_the_bottleneck() -> None:
    """Propellant (kg) is made from cotton linters bought abroad, 0.5 kg a kg; at most 2 t of
    linters a month. Linters allow 2,000 / 0.5 = 4,000 kg of propellant (the powder line could
    make 100 t), i.e. 4,000 / 8 = 500 rounds at 8 kg a round; assembly makes 1,000. The
    bottleneck is the purchased linters, price 1 / (0.5 × 8) = 0.25 round per kg."""
    s = load(
        """
        horizon: {start: 2026-01, months: 3}
        items:
          - {id: round, unit: round}
          - {id: powder, unit: kg}
          - {id: linters, unit: kg, origin: [CN], supply_per_month: "2 t"}
        bom:
          round: {powder: 8}
          powder: {linters: 0.5}
        lines:
          - {id: lap, item: round, capacity_per_month: 1000}
          - {id: nc, item: powder, capacity_per_month: "100 t"}
        demand:
          - {item: round, per_month: 1000}
        """
    )
    result = steady.steady_state(s)
    assert result.output["round"] == pytest.approx(500)
    assert result.bottleneck == "linters"
    assert result.bottleneck_lines == ["supply:linters"]
    assert result.shadow_prices["supply:linters"] == pytest.approx(0.25)
    assert result.shadow_prices["nc"] == pytest.approx(0.0)
    assert s.items["linters"].origin == ("CN",)


# --- the horizon: stocks, expansions, budget, backorders -----------------------------------


def test_stocks_cover_the_first_months() -> None:
    """Demand 1,000 a month for 6 months; bodies 600 a month plus 1,200 bodies in stock.
    Each month needs 400 bodies from stock: months 1–3 are met in full (3 × 400 = 1,200),
    months 4–6 are 400 short each. Total 1,200; without the stock it would be 6 × 400."""
    lines = """
        - {id: lap, item: round, capacity_per_month: 2000}
        - {id: forge, item: body, capacity_per_month: 600}
        - {id: tnt_line, item: tnt, capacity_per_month: "50 t"}
        """
    demand = "demand:\n  - {item: round, per_month: 1000}\n"
    s = chain(lines, extra=demand + "stocks: {body: 1200}\n")
    result = analysis.analyse(s)
    assert [m["shortfall"] for m in result["months"]] == pytest.approx([0, 0, 0, 400, 400, 400])
    assert result["total_shortfall"] == pytest.approx(1200)
    assert result["months"][0]["month"] == "2026-01"
    assert result["months"][3]["bottleneck"] == "body"
    without = plan.evaluate(chain(lines, extra=demand))
    assert without.total_shortfall("round") == pytest.approx(2400)


def test_an_expansion_starts_as_soon_as_allowed_and_the_cheaper_of_two_is_chosen() -> None:
    """12 months, demand 1,000 a month, bodies 600: 400 short every month (4,800 in all).
    Two equivalent expansions of the forge (+400 a month, 4 months' lead time, earliest start
    2026-03 = month 3) cost €12 M and €10 M; the budget allows both. Starting in month 3 adds
    capacity from month 3 + 4 = month 7 (2026-07): months 1–6 stay short, 6 × 400 = 2,400.
    Both give the same shortfall, so the cheaper one (€10 M) is chosen, and only one.
    With one month of ramp-up more it would only reach full capacity a month later: a third
    option with a 2-month ramp-up (first month half) does not beat them."""
    s = chain(
        """
        - {id: lap, item: round, capacity_per_month: 2000}
        - {id: forge, item: body, capacity_per_month: 600}
        - {id: tnt_line, item: tnt, capacity_per_month: "50 t"}
        """,
        months=12,
        extra="""
        expansions:
          - {id: dear, line: forge, extra_per_month: 400, capex_eur: 1.2e7,
             lead_time_months: 4, earliest: 2026-03}
          - {id: cheap, line: forge, extra_per_month: 400, capex_eur: 1.0e7,
             lead_time_months: 4, earliest: 2026-03}
          - {id: slow, line: forge, extra_per_month: 400, capex_eur: 0.9e7,
             lead_time_months: 4, ramp_up_months: 2, earliest: 2026-03}
        demand:
          - {item: round, per_month: 1000}
        budget_eur: 5.0e7
        """,
    )
    result = analysis.analyse(s)
    assert [e["id"] for e in result["expansions"]] == ["cheap"]
    chosen = result["expansions"][0]
    assert chosen["start_month"] == "2026-03"
    assert chosen["first_month"] == "2026-07"
    assert result["capex_eur"] == pytest.approx(1.0e7)
    assert result["total_shortfall_before"] == pytest.approx(4800)
    assert result["total_shortfall"] == pytest.approx(2400)
    shortfall = [m["shortfall"] for m in result["months"]]
    assert shortfall == pytest.approx([400] * 6 + [0] * 6)
    # The ramp-up arithmetic: half of the extra in the first month, all of it from the next.
    slow = s.expansions["slow"]
    assert [plan.ramp(slow, 2, m) for m in (5, 6, 7, 8)] == [0.0, 0.5, 1.0, 1.0]


def test_a_start_is_deferred_to_the_last_month_that_keeps_the_shortfall() -> None:
    """12 months, bodies 600 a month; demand 600 a month, 1,000 from 2026-09 (month 8):
    400 short in each of the last 4 months (1,600). The forge expansion (+400, 2 months'
    lead time, €5 M) may start from 2026-01, but only capacity from month 8 matters, so
    it starts in 2026-07 (month 6 + 2 = month 8) and the €5 M is spent as late as works:
    nothing short. A free expansion of the assembly line (not a bottleneck: 2,000 a
    month) adds nothing and is left out."""
    s = chain(
        """
        - {id: lap, item: round, capacity_per_month: 2000}
        - {id: forge, item: body, capacity_per_month: 600}
        - {id: tnt_line, item: tnt, capacity_per_month: "50 t"}
        """,
        months=12,
        extra="""
        expansions:
          - {id: forge_plus, line: forge, extra_per_month: 400, capex_eur: 5.0e6,
             lead_time_months: 2}
          - {id: idle, line: lap, extra_per_month: 500, capex_eur: 0, lead_time_months: 1}
        demand:
          - {item: round, per_month: 600}
          - {item: round, per_month: 400, from: 2026-09}
        budget_eur: 1.0e7
        """,
    )
    result = analysis.analyse(s)
    assert result["total_shortfall_before"] == pytest.approx(1600)
    assert [(e["id"], e["start_month"]) for e in result["expansions"]] == [
        ("forge_plus", "2026-07")
    ]
    assert result["total_shortfall"] == pytest.approx(0)
    assert result["capex_eur"] == pytest.approx(5.0e6)


def test_a_budget_too_small_gives_the_best_partial_plan_and_the_remaining_shortfall() -> None:
    """Bodies 400 a month, demand 1,000: 600 short each of 12 months (7,200). Options, all
    with no lead time: a +200 (€4 M), b +400 (€8 M), c +300 (€5 M); budget €10 M. Affordable
    sets: {a, c} = +500 for €9 M, {b} = +400, {a}, {c}. Best: a and c, 100 short a month,
    1,200 in all, never an error."""
    s = chain(
        """
        - {id: lap, item: round, capacity_per_month: 2000}
        - {id: forge, item: body, capacity_per_month: 400}
        - {id: tnt_line, item: tnt, capacity_per_month: "50 t"}
        """,
        months=12,
        extra="""
        expansions:
          - {id: a, line: forge, extra_per_month: 200, capex_eur: 4.0e6, lead_time_months: 0}
          - {id: b, line: forge, extra_per_month: 400, capex_eur: 8.0e6, lead_time_months: 0}
          - {id: c, line: forge, extra_per_month: 300, capex_eur: 5.0e6, lead_time_months: 0}
        demand:
          - {item: round, per_month: 1000}
        budget_eur: 1.0e7
        """,
    )
    result = analysis.analyse(s)
    assert sorted(e["id"] for e in result["expansions"]) == ["a", "c"]
    assert all(e["start_month"] == "2026-01" for e in result["expansions"])
    assert result["capex_eur"] == pytest.approx(9.0e6)
    assert result["total_shortfall_before"] == pytest.approx(7200)
    assert result["total_shortfall"] == pytest.approx(1200)
    assert any("stay short" in note for note in result["explanations"])


def test_backorders_let_late_deliveries_cover_an_earlier_shortfall() -> None:
    """An order of 1,000 rounds in month 1 only; bodies 400 a month. Without backorders only
    month 1's 400 count: 600 short. With backorders the 600 owed are delivered in months 2
    (400) and 3 (200): nothing short over the horizon, though month 1 itself is 600 short
    and still 600 then 200 then 0 is owed at the end of months 1, 2, 3."""
    lines = """
        - {id: lap, item: round, capacity_per_month: 2000}
        - {id: forge, item: body, capacity_per_month: 400}
        - {id: tnt_line, item: tnt, capacity_per_month: "50 t"}
        """
    demand = "demand:\n  - {item: round, monthly: [1000, 0, 0, 0]}\n"
    strict = plan.evaluate(chain(lines, months=4, extra=demand))
    assert strict.total_shortfall("round") == pytest.approx(600)
    assert [strict.delivered["round", m] for m in range(4)] == pytest.approx([400, 0, 0, 0])
    late = plan.evaluate(chain(lines, months=4, extra=demand + "backorders: true\n"))
    assert late.total_shortfall("round") == pytest.approx(0)
    assert [late.delivered["round", m] for m in range(4)] == pytest.approx([400, 400, 200, 0])
    assert late.shortfall("round", 0) == pytest.approx(600)
    assert [late.short["round", m] for m in range(4)] == pytest.approx([600, 200, 0, 0])


def test_units_are_converted_tonnes_kilograms_grams_and_years() -> None:
    """TNT is counted in tonnes; a round takes "10 kg" = 0.01 t and a primer charge of "50 g"
    of a priming mix counted in kg = 0.05 kg. TNT: "120 t" a year = 10 t a month = 1,000
    rounds; the mix line makes "1200 kg" a year = 100 kg a month = 2,000 rounds; bodies
    "14 400" a year = 1,200 a month. Output 1,000, limited by TNT alone; one more
    tonne of TNT a month gives 1 / 0.01 = 100 rounds. Stock "5000 kg" of TNT = 5 t.
    Demand "12 000" rounds a year = 1,000 a month."""
    s = load(
        """
        horizon: {start: 2026-01, months: 2}
        items:
          - {id: round, unit: round}
          - {id: body, unit: unit}
          - {id: tnt, unit: t}
          - {id: mix, unit: kg}
        bom:
          round: {body: 1, tnt: 10 kg, mix: 50 g}
        lines:
          - {id: lap, item: round, capacity_per_month: 5000}
          - {id: forge, item: body, capacity_per_year: "14 400"}
          - {id: tnt_line, item: tnt, capacity_per_year: 120 t}
          - {id: mix_line, item: mix, capacity_per_year: 1200 kg}
        stocks: {tnt: 5000 kg}
        demand:
          - {item: round, per_year: 12000}
        """
    )
    assert s.bom["round"] == pytest.approx({"body": 1, "tnt": 0.01, "mix": 0.05})
    assert s.lines["tnt_line"].capacity == pytest.approx(10)
    assert s.lines["mix_line"].capacity == pytest.approx(100)
    assert s.lines["forge"].capacity == pytest.approx(1200)
    assert s.stocks["tnt"] == pytest.approx(5)
    assert s.demand["round"] == pytest.approx([1000, 1000])
    result = steady.steady_state(s)
    assert result.output["round"] == pytest.approx(1000)
    assert result.shadow_prices["forge"] == pytest.approx(0)
    assert result.bottleneck == "tnt"
    assert result.shadow_prices["tnt_line"] == pytest.approx(100)
    assert result.shadow_prices["mix_line"] == pytest.approx(0)


def test_utilisation_scales_capacity() -> None:
    """A forge of 1,000 bodies a month used at 75 % gives 750 rounds a month."""
    s = chain(
        """
        - {id: lap, item: round, capacity_per_month: 2000}
        - {id: forge, item: body, capacity_per_month: 1000, utilisation: 0.75}
        - {id: tnt_line, item: tnt, capacity_per_month: "50 t"}
        """,
        extra="demand:\n  - {item: round, per_month: 2000}\n",
    )
    assert steady.steady_state(s).output["round"] == pytest.approx(750)


# --- bad input: every problem named by record and field -------------------------------------


def fields(errors: list[dict[str, str]]) -> set[tuple[str, str]]:
    return {(e["record"], e["field"]) for e in errors}


def test_a_bom_cycle_names_the_items_of_the_loop() -> None:
    errors = problems(
        """
        horizon: {start: 2026-01, months: 3}
        items: [{id: round, unit: round}, {id: a, unit: kg}, {id: b, unit: kg}]
        bom: {round: {a: 1}, a: {b: 1}, b: {a: 2}}
        lines: [{id: l, item: round, capacity_per_month: 1}]
        demand: [{item: round, per_month: 1}]
        """
    )
    cycle = [e for e in errors if e["field"] == "bom"]
    assert len(cycle) == 1
    assert cycle[0]["record"] in {"item a", "item b"}
    assert "a -> b -> a" in cycle[0]["message"] or "b -> a -> b" in cycle[0]["message"]


def test_bad_input_is_reported_all_at_once_naming_record_and_field() -> None:
    """A negative capacity, a unit that does not convert (tonnes of a counted item), an
    expansion for an unknown line and a demanded item nothing can make: four problems, one
    error, each naming its record and field."""
    errors = problems(
        """
        horizon: {start: 2026-01, months: 3}
        items:
          - {id: round, unit: round}
          - {id: body, unit: unit}
          - {id: fuze, unit: unit}
          - {id: tnt, unit: kg}
        bom: {round: {body: 1, tnt: 10}}
        lines:
          - {id: forge, item: body, capacity_per_month: -5}
          - {id: tnt_line, item: tnt, capacity_per_month: 100 rounds}
          - {id: lap, item: round, capacity_per_month: 10}
        expansions:
          - {id: more, line: nowhere, extra_per_month: 5, capex_eur: 1, lead_time_months: 1}
        demand:
          - {item: round, per_month: 10}
        """
    )
    found = fields(errors)
    assert ("line forge", "capacity_per_month") in found
    assert ("line tnt_line", "capacity_per_month") in found
    assert ("expansion more", "line") in found
    by = {(e["record"], e["field"]): e["message"] for e in errors}
    assert "negative" in by["line forge", "capacity_per_month"]
    assert "unit mismatch" in by["line tnt_line", "capacity_per_month"]
    assert "nowhere" in by["expansion more", "line"]


def test_a_demanded_item_nothing_can_make_is_named() -> None:
    errors = problems(
        """
        horizon: {start: 2026-01, months: 3}
        items: [{id: round, unit: round}, {id: fuze, unit: unit}]
        lines: [{id: fz, item: fuze, capacity_per_month: 10}]
        demand: [{item: round, per_month: 1}]
        """
    )
    assert fields(errors) == {("item round", "demand")}
    assert "nothing can produce round" in errors[0]["message"]


def test_demand_beyond_any_capacity_is_a_plan_with_its_shortfall_not_an_error() -> None:
    """Demand 10,000 a month; assembly and bodies make 1,000 and each may grow by 500: the
    plan takes both and reports 12 × 10,000 − 12 × 1,500 = 102,000 short."""
    s = chain(
        """
        - {id: lap, item: round, capacity_per_month: 1000}
        - {id: forge, item: body, capacity_per_month: 1000}
        - {id: tnt_line, item: tnt, capacity_per_month: "100 t"}
        """,
        months=12,
        extra="""
        expansions:
          - {id: lap2, line: lap, extra_per_month: 500, capex_eur: 1.0e6, lead_time_months: 0}
          - {id: forge2, line: forge, extra_per_month: 500, capex_eur: 1.0e6,
             lead_time_months: 0}
        demand:
          - {item: round, per_month: 10000}
        """,
    )
    result = analysis.analyse(s)
    assert sorted(e["id"] for e in result["expansions"]) == ["forge2", "lap2"]
    assert result["total_shortfall"] == pytest.approx(12 * 10000 - 12 * 1500)
    assert result["max_output_per_month"] == pytest.approx(1000)
