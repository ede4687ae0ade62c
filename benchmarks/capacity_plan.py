"""Capacity expansion plan at scale: the MILP against a greedy heuristic, same run.

Protocol. Scenarios from `filiera.capacity.generate`: `sites` lines, `products` end items
with 4-level bills of materials, `months` months, `expansions` candidate expansions (lead
times 3-24 months), demand ramping to 160 % of the opening demand, a budget affording
about a third of the candidates. The `issue` set is the issue's size (500 sites, 20
products, 60 months, 200 expansions, seed 1); `unseen` uses other seeds; `mid` a smaller
size.

Filiera: `plan.optimise(time_limit)` (least shortfall, then least capex, then latest
starts), reporting the proven gap: the plan's monthly (weighted) shortfall against the
best bound of the models that chose it (periods of a few months for long horizons, each a
relaxation of the monthly problem). Greedy, same scenario: repeat { find the
steady-state bottleneck stage with the expansions chosen so far; start the cheapest
affordable expansion of that stage as early as it may start } until the budget is gone
or no expansion of the bottleneck raises the steady-state output; then `plan.evaluate`.
Reported: total shortfall (all demanded items) with no expansion, greedy and MILP, capex,
times, and the ratios MILP / greedy.

Target (issue 13): a gap of at most 1 % in at most 10 s, at the issue's size.

Run: `python benchmarks/capacity_plan.py [--sets issue unseen mid] [--time-limits 10 30]`.
Writes JSON lines to stdout and benchmarks/results-capacity-plan.jsonl.
"""

from __future__ import annotations

import argparse
import json
import time

from _common import ROOT, emit

from filiera.capacity import generate, plan, scenario
from filiera.capacity.greedy import greedy

SETS = {
    "issue": [dict(sites=500, products=20, levels=4, months=60, expansions=200, seed=1)],
    "unseen": [
        dict(sites=500, products=20, levels=4, months=60, expansions=200, seed=seed)
        for seed in (21, 22)
    ],
    "mid": [dict(sites=80, products=6, levels=4, months=36, expansions=30, seed=5)],
}


def total(outcome: plan.Outcome) -> float:
    return sum(outcome.total_shortfall(item) for item in outcome.scenario.demand)


def run_one(case: dict, label: str, time_limit: float) -> dict:
    s = scenario.parse(generate.scenario(**case))
    none = plan.evaluate(s, {}, with_duals=False)
    started = time.perf_counter()
    chosen = greedy(s)
    greedy_s = time.perf_counter() - started
    by_greedy = plan.evaluate(s, chosen, with_duals=False)
    started = time.perf_counter()
    best, stats = plan.optimise(s, time_limit=time_limit)
    milp_s = time.perf_counter() - started
    g, m = total(by_greedy), total(best)
    return {
        "benchmark": "capacity_plan",
        "set": label,
        **case,
        "time_limit_s": time_limit,
        "shortfall_without_expansions": round(total(none), 1),
        "greedy": {
            "shortfall": round(g, 1),
            "capex_eur": by_greedy.capex(),
            "expansions": len(chosen),
            "time_s": round(greedy_s, 2),
        },
        "milp": {
            "shortfall": round(m, 1),
            "capex_eur": best.capex(),
            "expansions": len(best.starts),
            "time_s": round(milp_s, 2),
            **stats,
        },
        "budget_eur": s.budget,
        "shortfall_ratio": round(m / g, 4) if g > 0 else None,
        "cost_ratio": round(best.capex() / by_greedy.capex(), 4) if by_greedy.capex() else None,
        "target_met": stats.get("shortfall_gap") is not None
        and stats["shortfall_gap"] <= 0.01
        and milp_s <= 10.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", default=["mid", "issue", "unseen"])
    parser.add_argument("--time-limits", type=float, nargs="+", default=[10.0, 30.0])
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results-capacity-plan.jsonl"))
    args = parser.parse_args()
    with open(args.out, "w", encoding="utf-8") as out:
        for label in args.sets:
            for case in SETS[label]:
                for limit in args.time_limits:
                    result = run_one(case, label, limit)
                    emit(**result)
                    out.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
