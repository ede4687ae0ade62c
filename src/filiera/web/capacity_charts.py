"""Plotly figure specs (plain dicts) of the capacity dashboard and the comparison.

- `stage_series` and `stage_chart`: per stage, today's capacity and the capacity after the
  plan against what the demand requires of that stage (demand × BOM quantity per unit);
- `shortfall_chart`: the monthly shortfall before and after the plan (one pair of curves
  per scenario on the comparison page);
- `country_chart`: each stage's capacity by country, in units of the demanded item, so the
  shortest bar is the bottleneck and the demand is a line across.

Stage and country charts need the scenario itself: only planners (the full view) get them.
Labels come from `t`, the page's translator; item ids and countries are data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from filiera.capacity.plan import ramp
from filiera.capacity.scenario import Scenario
from filiera.web.charts import FONT, PALETTE

BEFORE, AFTER, NEED, SHORT = "#8a99ab", "#1d4e89", "#d1495b", "#e9a23b"
Translate = Callable[..., str]
DOT, STEP = {"dash": "dot"}, {"shape": "hv"}


def _layout(**extra: Any) -> dict[str, Any]:
    return {
        "margin": {"l": 56, "r": 12, "t": 8, "b": 40},
        "font": FONT,
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "height": 300,
        "legend": {"orientation": "h", "y": -0.18},
        "xaxis": {"fixedrange": True, "type": "category"},
        "yaxis": {"fixedrange": True, "gridcolor": "#e3e8ef", "rangemode": "tozero"},
        **extra,
    }


def per_unit(scenario: Scenario) -> dict[str, dict[str, float]]:
    """For each demanded item, how much of every item one unit of it takes (BOM levels
    multiplied through; the item itself counts 1)."""
    out: dict[str, dict[str, float]] = {}
    for top in scenario.demand:
        need: dict[str, float] = {}
        stack = [(top, 1.0)]
        while stack:
            item, qty = stack.pop()
            need[item] = need.get(item, 0.0) + qty
            stack.extend((child, qty * q) for child, q in scenario.bom.get(item, {}).items())
        out[top] = need
    return out


@dataclass(frozen=True)
class StageSeries:
    item: str
    unit: str
    level: int
    requirement: list[float]
    before: list[float]
    after: list[float]


def _start_index(scenario: Scenario, label: str) -> int:
    year, month = (int(part) for part in label.split("-"))
    return (year - scenario.start.year) * 12 + month - scenario.start.month


def stage_series(scenario: Scenario, result: dict[str, Any]) -> list[StageSeries]:
    """Every stage that has lines (or gets one): requirement, capacity before and after."""
    months = range(scenario.months)
    needs = per_unit(scenario)
    levels = scenario.stage()
    lines = scenario.all_lines()
    chosen = {e["id"]: _start_index(scenario, e["start_month"]) for e in result["expansions"]}
    made = sorted({line.item for line in lines.values()}, key=lambda i: (levels.get(i, 99), i))
    series = []
    for item in made:
        today = sum(line.capacity for line in scenario.lines_of(item))
        added = [0.0 for _ in months]
        for eid, start in chosen.items():
            expansion = scenario.expansions.get(eid)
            if expansion is None or lines[expansion.line].item != item:
                continue
            for m in months:
                added[m] += expansion.extra * ramp(expansion, start, m)
        requirement = [
            sum(scenario.demand[top][m] * needs[top].get(item, 0.0) for top in scenario.demand)
            for m in months
        ]
        series.append(
            StageSeries(
                item,
                scenario.items[item].unit,
                levels.get(item, 99),
                requirement,
                [today for _ in months],
                [today + a for a in added],
            )
        )
    return series


def _line(name: str, x: list[str], y: list[float], color: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "scatter",
        "mode": "lines",
        "name": name,
        "x": x,
        "y": [round(v, 4) for v in y],
        "line": {"color": color, "width": 2, **extra.pop("line", {})},
        "hovertemplate": "%{x}: %{y:,.0f}<extra>" + name + "</extra>",
        **extra,
    }


def stage_chart(stage: StageSeries, months: list[str], t: Translate) -> dict[str, Any]:
    """One stage: capacity today (dotted), after the plan (a step up), and the requirement."""
    return {
        "data": [
            _line(t("capacity.chart.capacity_before"), months, stage.before, BEFORE, line=DOT),
            _line(t("capacity.chart.capacity_after"), months, stage.after, AFTER, line=STEP),
            _line(t("capacity.chart.requirement"), months, stage.requirement, NEED),
        ],
        "layout": _layout(height=240, margin={"l": 56, "r": 8, "t": 4, "b": 36}),
    }


def shortfall_chart(curves: list[tuple[str, list[dict[str, Any]]]], t: Translate) -> dict[str, Any]:
    """Monthly shortfall before (dotted) and after the plan (filled) of each scenario."""
    data = []
    for index, (name, months) in enumerate(curves):
        x = [row["month"] for row in months]
        color = PALETTE[index % len(PALETTE)] if len(curves) > 1 else SHORT
        label = f"{name} · " if len(curves) > 1 else ""
        data.append(
            _line(
                label + t("capacity.chart.shortfall_before"),
                x,
                [row["shortfall_before"] for row in months],
                BEFORE if len(curves) == 1 else color,
                line={"dash": "dot"},
            )
        )
        data.append(
            _line(
                label + t("capacity.chart.shortfall_after"),
                x,
                [row["shortfall"] for row in months],
                color,
                fill="tozeroy" if len(curves) == 1 else "none",
            )
        )
    return {"data": data, "layout": _layout()}


def country_chart(scenario: Scenario, result: dict[str, Any], t: Translate) -> dict[str, Any]:
    """Stacked bars: each stage's capacity by country after the plan, as units of the
    demanded item a month (capacity / quantity per unit), with today's demand as a line."""
    main = next(iter(scenario.demand))
    per = per_unit(scenario)[main]
    lines = scenario.all_lines()
    chosen = {e["id"] for e in result["expansions"]}
    capacity: dict[tuple[str, str], float] = {}
    for line in scenario.lines.values():
        key = (line.item, line.country or "?")
        capacity[key] = capacity.get(key, 0.0) + line.capacity
    for eid in chosen & set(scenario.expansions):
        expansion = scenario.expansions[eid]
        line = lines[expansion.line]
        key = (line.item, line.country or "?")
        capacity[key] = capacity.get(key, 0.0) + expansion.extra
    levels = scenario.stage()
    made = {item for item, _ in capacity if per.get(item)}
    stages = sorted(made, key=lambda i: (levels.get(i, 99), i))
    countries = sorted({country for _, country in capacity})
    data = [
        {
            "type": "bar",
            "name": country,
            "x": stages,
            "y": [round(capacity.get((s, country), 0.0) / per[s], 2) for s in stages],
            "marker": {"color": PALETTE[index % len(PALETTE)]},
            "hovertemplate": "%{x} · " + country + ": %{y:,.0f}<extra></extra>",
        }
        for index, country in enumerate(countries)
    ]
    peak = max(scenario.demand[main]) if scenario.demand[main] else 0.0
    data.append(
        {
            "type": "scatter",
            "mode": "lines",
            "name": t("capacity.chart.demand_peak"),
            "x": stages,
            "y": [round(peak, 2) for _ in stages],
            "line": {"color": NEED, "width": 2, "dash": "dash"},
            "hovertemplate": "%{y:,.0f}<extra></extra>",
        }
    )
    return {"data": data, "layout": _layout(barmode="stack")}
