"""`plan`: the answer `filiera capacity plan` prints, with its explanations.

Today's most deliverable output and its bottleneck (steady state), the shortfall curve
with today's lines, the expansion plan and the shortfall curve after it, month by month.
"""

from __future__ import annotations

import time
from typing import Any

from filiera.capacity import plan as horizon
from filiera.capacity.scenario import Scenario
from filiera.capacity.steady import SteadyState, steady_state


def _round(value: float) -> float:
    return round(value, 6) if abs(value) < 1 else round(value, 2)


def _month_bottleneck(outcome: horizon.Outcome, month: int) -> str | None:
    """The stage whose capacity in `month` is worth most (None when nothing binds)."""
    best, stage = 1e-9, None
    for (group, m), value in outcome.duals.items():
        if m == month and value > best:
            best, stage = value, outcome.items[group]
    return stage


def _months(s: Scenario, best: horizon.Outcome, before: horizon.Outcome) -> list[dict]:
    main = next(iter(s.demand))
    rows = []
    for month in range(s.months):
        output: dict[str, float] = {}
        for (group, m), value in best.production.items():
            if m == month and value > 1e-9:
                item = best.items[group]
                output[item] = _round(output.get(item, 0.0) + value)
        rows.append(
            {
                "month": s.month_label(month),
                "output": output,
                "demand": _round(s.demand[main][month]),
                "delivered": _round(best.delivered[main, month]),
                "shortfall": _round(best.shortfall(main, month)),
                "shortfall_before": _round(before.shortfall(main, month)),
                "bottleneck": _month_bottleneck(best, month),
                "by_item": {
                    item: {
                        "delivered": _round(best.delivered[item, month]),
                        "shortfall": _round(best.shortfall(item, month)),
                    }
                    for item in s.demand
                },
            }
        )
    return rows


def _expansions(s: Scenario, best: horizon.Outcome) -> list[dict[str, Any]]:
    out = []
    for eid, start in sorted(best.starts.items(), key=lambda kv: (kv[1], kv[0])):
        e = s.expansions[eid]
        line = s.all_lines()[e.line]
        out.append(
            {
                "id": eid,
                "line": e.line,
                "item": line.item,
                "organisation": line.organisation,
                "country": line.country,
                "new_line": e.new_line is not None,
                "start_month": s.month_label(start),
                "first_month": s.month_label(start + e.lead_time),
                "extra_per_month": _round(e.extra),
                "capex_eur": e.capex,
            }
        )
    return out


def _explain(
    s: Scenario, steady: SteadyState, best: horizon.Outcome, before: horizon.Outcome
) -> list[str]:
    main = next(iter(s.demand))
    unit = s.items[main].unit
    notes = []
    top = steady.output.get(main, 0.0)
    if steady.bottleneck:
        lines = ", ".join(steady.bottleneck_lines)
        price = steady.shadow_prices[steady.bottleneck_lines[0]]
        notes.append(
            f"Today's lines deliver at most {top:,.0f} {main} ({unit}) a month; the "
            f"bottleneck is {steady.bottleneck} ({lines}): one more unit of its monthly "
            f"capacity gives {price:.4g} {unit} more."
        )
    peak = max(s.demand[main])
    if peak > top * (1 + 1e-9):
        notes.append(
            f"Demand for {main} reaches {peak:,.0f} {unit} a month, above today's {top:,.0f}."
        )
    for e in _expansions(s, best):
        notes.append(
            f"Expansion {e['id']} ({e['line']}, +{e['extra_per_month']:,.0f} a month of "
            f"{e['item']}, €{e['capex_eur'] / 1e6:,.1f} M) starts {e['start_month']} and adds "
            f"capacity from {e['first_month']}."
        )
    after, was = best.total_shortfall(main), before.total_shortfall(main)
    if was > 0:
        notes.append(
            f"Over {s.months} months the shortfall of {main} falls from {was:,.0f} to "
            f"{after:,.0f} {unit}" + (f" for €{best.capex() / 1e6:,.1f} M." if best.starts else ".")
        )
    if after > 1e-6:
        notes.append(
            f"{after:,.0f} {unit} of {main} stay short: this is the best plan within the "
            "budget and the expansions on offer."
        )
    if s.budget is not None and best.starts:
        notes.append(f"Budget used: €{best.capex() / 1e6:,.1f} M of €{s.budget / 1e6:,.1f} M.")
    return notes


def analyse(scenario: Scenario, *, time_limit: float = 10.0) -> dict[str, Any]:
    """The plan's JSON: months, max output, bottleneck, shadow prices, expansions, totals."""
    started = time.monotonic()
    steady = steady_state(scenario)
    before = horizon.evaluate(scenario, {})
    if scenario.expansions:
        best, stats = horizon.optimise(scenario, time_limit=time_limit)
    else:
        best, stats = before, {"shortfall_status": before.status}
    main = next(iter(scenario.demand))
    return {
        "scenario": scenario.name,
        "item": main,
        "unit": scenario.items[main].unit,
        "months": _months(scenario, best, before),
        "max_output_per_month": _round(steady.output.get(main, 0.0)),
        "bottleneck": steady.bottleneck,
        "bottleneck_lines": steady.bottleneck_lines,
        "shadow_prices": steady.shadow_prices,
        "utilisation": {k: round(v, 4) for k, v in steady.used.items()},
        "expansions": _expansions(scenario, best),
        "capex_eur": best.capex(),
        "budget_eur": scenario.budget,
        "total_shortfall": _round(best.total_shortfall(main)),
        "total_shortfall_before": _round(before.total_shortfall(main)),
        "shortfall_by_item": {i: _round(best.total_shortfall(i)) for i in scenario.demand},
        "backorders": scenario.backorders,
        "explanations": _explain(scenario, steady, best, before),
        "solver": {**stats, "time_s": round(time.monotonic() - started, 3)},
    }
