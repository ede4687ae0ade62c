"""The most the chain can deliver per month with today's lines, and what limits it."""

from __future__ import annotations

from dataclasses import dataclass

import highspy

from filiera import solvers
from filiera.capacity.scenario import Scenario

INF = highspy.kHighsInf


@dataclass
class SteadyState:
    output: dict[str, float]  # demanded item -> most deliverable per month
    shadow_prices: dict[str, float]  # line id (or "supply:item") -> value
    bottleneck: str | None  # the stage (item) whose capacity binds most
    bottleneck_lines: list[str]
    used: dict[str, float]  # line id -> share of its capacity used


def steady_state(scenario: Scenario) -> SteadyState:
    """LP: maximise the monthly output of the demanded items (each weighted by its share of
    demand, so several items grow together) under today's capacities and supply caps."""
    m = solvers.Model()
    lines = scenario.lines
    prod = {line_id: m.var(0.0, 0.0, INF) for line_id in lines}
    made = {line.item for line in lines.values()}
    buy = {
        item.id: m.var(0.0, 0.0, INF)
        for item in scenario.items.values()
        if item.id not in made and item.id not in scenario.demand
    }
    first = {item: values[0] or max(values) or 1.0 for item, values in scenario.demand.items()}
    scale = max(first.values())
    out = {item: m.var(scale / first[item], 0.0, INF) for item in scenario.demand}
    rows: dict[str, int] = {}
    for line_id, line in lines.items():
        rows[line_id] = len(m.rows)
        m.row([prod[line_id]], [1.0], -INF, line.capacity)
    for item_id, column in buy.items():
        supply = scenario.items[item_id].supply_per_month
        if supply is not None:
            rows[f"supply:{item_id}"] = len(m.rows)
            m.row([column], [1.0], -INF, supply)
    for item in scenario.items:
        index, value = [], []
        for line_id, line in lines.items():
            if line.item == item:
                index.append(prod[line_id])
                value.append(1.0)
            amount = scenario.bom.get(line.item, {}).get(item)
            if amount:
                index.append(prod[line_id])
                value.append(-amount)
        if item in buy:
            index.append(buy[item])
            value.append(1.0)
        if item in out:
            index.append(out[item])
            value.append(-1.0)
        if index:
            # Made + bought = used + delivered: no surplus, so `used` is what is needed.
            m.row(index, value, 0.0, 0.0)
    m.load(maximise=True)
    m.h.run()
    solution = m.h.getSolution()
    duals = {key: abs(float(solution.row_dual[row])) for key, row in rows.items()}
    # Express prices in units of the (first) demanded item, not of the weighted objective.
    main = next(iter(scenario.demand))
    factor = first[main] / scale
    prices = {key: round(value * factor, 9) for key, value in duals.items()}
    output = {item: float(solution.col_value[col]) for item, col in out.items()}
    used = {
        line_id: (
            float(solution.col_value[prod[line_id]]) / line.capacity if line.capacity else 0.0
        )
        for line_id, line in lines.items()
    }
    return SteadyState(output, prices, *_bottleneck(scenario, prices), used)


def _bottleneck(scenario: Scenario, prices: dict[str, float]) -> tuple[str | None, list[str]]:
    """The stage whose capacity is worth most at the margin, and its binding lines."""
    best = max(prices.values(), default=0.0)
    if best <= 1e-12:
        return None, []
    binding = [key for key, value in prices.items() if value >= best * (1 - 1e-6)]
    stage = (
        binding[0].split(":", 1)[1]
        if binding[0].startswith("supply:")
        else (scenario.lines[binding[0]].item)
    )
    return stage, binding
