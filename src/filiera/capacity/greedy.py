"""The plan a simple tool would make: expand the current bottleneck, cheapest first.

It is the benchmark's baseline and the MILP's first incumbent, so `plan.optimise` never
returns a plan worse than it, even when the time limit stops the MILP before its root LP.
"""

from __future__ import annotations

from dataclasses import replace

from filiera.capacity.scenario import Scenario
from filiera.capacity.steady import steady_state


def expanded(s: Scenario, chosen: dict[str, int]) -> Scenario:
    """Today's lines with the chosen expansions' extra capacity (steady state)."""
    lines = dict(s.lines)
    for eid in chosen:
        e = s.expansions[eid]
        base = lines.get(e.line) or e.new_line
        lines[e.line] = replace(base, capacity=base.capacity + e.extra)
    return replace(s, lines=lines)


def _score(s: Scenario, chosen: dict[str, int]) -> float:
    """Steady-state output, each demanded item relative to its opening demand."""
    output = steady_state(expanded(s, chosen)).output
    return sum(output.get(i, 0.0) / max(1e-9, v[0] or max(v)) for i, v in s.demand.items())


def greedy(s: Scenario) -> dict[str, int]:
    """Expand the current bottleneck, cheapest first, as early as possible."""
    chosen: dict[str, int] = {}
    spent, budget = 0.0, s.budget if s.budget is not None else float("inf")
    lines = s.all_lines()
    useless: set[str] = set()
    score = _score(s, chosen)
    while True:
        stage = steady_state(expanded(s, chosen)).bottleneck
        options = sorted(
            (
                e
                for e in s.expansions.values()
                if e.id not in chosen
                and e.id not in useless
                and lines[e.line].item == stage
                and spent + e.capex <= budget
                and e.earliest + e.lead_time < s.months
            ),
            key=lambda e: (e.capex, e.id),
        )
        for e in options:
            trial = {**chosen, e.id: e.earliest}
            if (better := _score(s, trial)) > score * (1 + 1e-9):
                chosen, spent, score = trial, spent + e.capex, better
                break
            useless.add(e.id)
        else:
            return chosen
