"""Capacity analyses on a scenario, with HiGHS.

- `steady_state`: the most the chain can deliver per month with today's lines (LP), the
  bottleneck stage and the shadow price of every line's capacity: how many more units of
  the demanded item one more unit of that line's monthly capacity would give.
- `plan`: a time-phased MILP choosing which expansions start when, within the budget, to
  meet the demand curve: first the least cumulative shortfall, then the least capex. It
  always answers: when demand cannot be met, the best plan and the shortfall that remains.
- `evaluate`: the horizon LP with the expansions fixed and disruptions applied (line
  outages, input cut-offs, lead-time slips): what the risk simulation solves many times.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import highspy
import numpy as np

from filiera import solvers
from filiera.capacity.scenario import Expansion, Scenario

INF = highspy.kHighsInf
TOLERANCE = 1e-6


@dataclass(frozen=True)
class Disruption:
    """Capacity multipliers: line or item -> {month: share lost}; expansion -> months late."""

    lines: dict[str, dict[int, float]] = field(default_factory=dict)
    items: dict[str, dict[int, float]] = field(default_factory=dict)
    slips: dict[str, int] = field(default_factory=dict)


NO_DISRUPTION = Disruption()


def ramp(expansion: Expansion, start: int, month: int, slip: int = 0) -> float:
    """Share of the extra capacity available in `month` if the work starts in `start`."""
    first = start + expansion.lead_time + slip
    if month < first:
        return 0.0
    if expansion.ramp_up <= 0:
        return 1.0
    return min(1.0, (month - first + 1) / expansion.ramp_up)


def _left(disruption: Disruption, key: str, month: int, by: str) -> float:
    table = disruption.lines if by == "line" else disruption.items
    return 1.0 - min(1.0, table.get(key, {}).get(month, 0.0))


class _Horizon:
    """The month-by-month model: production, purchases, stocks, deliveries, shortfall.

    Lines of one item that no expansion touches are pooled (one production column per
    item and month, their capacities summed, outages applied line by line): they are
    interchangeable, and pooling keeps national-scale scenarios small. An expansion is a
    run of binaries "started by month t" (non-decreasing), so a month's capacity row holds
    one term per expansion (or one per ramp-up month), not one per possible start.
    """

    def __init__(self, scenario: Scenario, disruption: Disruption) -> None:
        self.s, self.d = scenario, disruption
        self.m = solvers.Model()
        self.lines = scenario.all_lines()
        self.prod: dict[tuple[str, int], int] = {}
        self.buy: dict[tuple[str, int], int] = {}
        self.stock: dict[tuple[str, int], int] = {}
        self.dlv: dict[tuple[str, int], int] = {}
        self.short: dict[tuple[str, int], int] = {}
        self.started: dict[tuple[str, int], int] = {}  # expansion "started by month t"
        self.capacity_rows: dict[tuple[str, int], int] = {}
        # Each demanded item weighs by its share of demand (1 for the largest), so a
        # shortfall of shells and one of charges count alike in relative terms.
        average = {i: max(1e-9, sum(v) / len(v)) for i, v in scenario.demand.items()}
        self.weights = {i: max(average.values()) / a for i, a in average.items()}
        self.expansions_of: dict[str, list[Expansion]] = {}
        for e in scenario.expansions.values():
            self.expansions_of.setdefault(e.line, []).append(e)
        self.groups = self._groups()
        self.makers: dict[str, list[str]] = {}
        for group, (item, _members) in self.groups.items():
            self.makers.setdefault(item, []).append(group)

    def _groups(self) -> dict[str, tuple[str, list[str]]]:
        """Production groups: group id -> (item, its lines)."""
        groups: dict[str, tuple[str, list[str]]] = {}
        for line_id, line in self.lines.items():
            if line_id in self.expansions_of or line_id not in self.s.lines:
                groups[line_id] = (line.item, [line_id])
            else:
                groups.setdefault(f"{line.item}@pool", (line.item, []))[1].append(line_id)
        return groups

    def last_start(self, e: Expansion) -> int:
        return self.s.months - 1 - e.lead_time

    def columns(self, choices: dict[str, int] | None, integer: bool) -> None:
        s, m = self.s, self.m
        made = set(self.makers)
        for month in range(s.months):
            for group in self.groups:
                self.prod[group, month] = m.var(0.0, 0.0, INF)
            for item in s.items.values():
                if item.id not in made and item.id not in s.demand:
                    cap = INF if item.supply_per_month is None else item.supply_per_month
                    left = _left(self.d, item.id, month, "item")
                    cap = cap * left if left > 0 else 0.0  # inf * 0 would be nan
                    self.buy[item.id, month] = m.var(0.0, 0.0, cap)
                self.stock[item.id, month] = m.var(0.0, 0.0, INF)
            for item, values in s.demand.items():
                self.dlv[item, month] = m.var(0.0, 0.0, INF)
                upper = INF if s.backorders else values[month]
                # A hair more for an early month: deliver as soon as possible among equals.
                early = 1.0 + 1e-3 * (s.months - month) / s.months
                self.short[item, month] = m.var(self.weights[item] * early, 0.0, upper)
        if choices is None:
            for e in s.expansions.values():
                for t in range(e.earliest, self.last_start(e) + 1):
                    self.started[e.id, t] = m.var(0.0, 0.0, 1.0, integer=integer)
        self.fixed = choices or {}

    def started_by(self, e: Expansion, t: int) -> int | None:
        """The column "e started by month t", or None when it cannot have started."""
        if t < e.earliest:
            return None
        return self.started.get((e.id, min(t, self.last_start(e))))

    def rows(self) -> None:
        s, m = self.s, self.m
        uses: dict[str, list[tuple[str, float]]] = {}
        for output, inputs in s.bom.items():
            for child, amount in inputs.items():
                uses.setdefault(child, []).append((output, amount))
        for month in range(s.months):
            self._capacity(month)
            for item in s.items.values():
                self._balance(item.id, month, uses.get(item.id, []))
            for item, values in s.demand.items():
                self._shortfall(item, month, values)
        for e in s.expansions.values():  # once started, started
            if (e.id, e.earliest) not in self.started:
                continue
            for t in range(e.earliest + 1, self.last_start(e) + 1):
                m.row([self.started[e.id, t - 1], self.started[e.id, t]], [1.0, -1.0], -INF, 0.0)
        if s.budget is not None and self.started:
            final = [(e, self.started_by(e, s.months)) for e in s.expansions.values()]
            final = [(e, col) for e, col in final if col is not None]
            if final:
                m.row(
                    [col for _, col in final],
                    [e.capex / 1e6 for e, _ in final],  # in millions: well scaled
                    0.0,
                    s.budget / 1e6,
                )

    def _capacity(self, month: int) -> None:
        s, d = self.s, self.d
        for group, (item, members) in self.groups.items():
            item_left = _left(d, item, month, "item")
            base = sum(
                self.lines[line_id].capacity * _left(d, line_id, month, "line") * item_left
                for line_id in members
                if line_id in s.lines
            )
            index, value = [self.prod[group, month]], [1.0]
            left = _left(d, group, month, "line") * item_left
            for e in self.expansions_of.get(group, ()):
                slip = d.slips.get(e.id, 0)
                if e.id in self.fixed:
                    base += e.extra * ramp(e, self.fixed[e.id], month, slip) * left
                    continue
                steps = max(1, e.ramp_up)
                for k in range(steps):  # extra / ramp-up for each month it has been running
                    col = self.started_by(e, month - e.lead_time - k)
                    if col is not None:
                        index.append(col)
                        value.append(-e.extra * left / steps)
            self.capacity_rows[group, month] = len(self.m.rows)
            self.m.row(index, value, -INF, base)

    def _balance(self, item: str, month: int, uses: list[tuple[str, float]]) -> None:
        """stock before + made + bought = used by parents + delivered + stock after."""
        index, value = [self.stock[item, month]], [-1.0]
        for group in self.makers.get(item, ()):
            index.append(self.prod[group, month])
            value.append(1.0)
        for parent, amount in uses:
            for group in self.makers.get(parent, ()):
                index.append(self.prod[group, month])
                value.append(-amount)
        if (item, month) in self.buy:
            index.append(self.buy[item, month])
            value.append(1.0)
        if (item, month) in self.dlv:
            index.append(self.dlv[item, month])
            value.append(-1.0)
        if month > 0:
            index.append(self.stock[item, month - 1])
            value.append(1.0)
            opening = 0.0
        else:
            opening = self.s.stocks.get(item, 0.0)
        self.m.row(index, value, -opening, -opening)

    def _shortfall(self, item: str, month: int, values: list[float]) -> None:
        """No backorders: delivered + short = demand. With backorders: what is owed by the
        end of the month (short) = owed before + demand - delivered."""
        if self.s.backorders:
            index = [self.dlv[item, month], self.short[item, month]]
            value = [1.0, 1.0]
            if month > 0:
                index.append(self.short[item, month - 1])
                value.append(-1.0)
            self.m.row(index, value, values[month], values[month])
        else:
            self.m.row(
                [self.dlv[item, month], self.short[item, month]],
                [1.0, 1.0],
                values[month],
                values[month],
            )


@dataclass
class Outcome:
    """One solved horizon: what was made, delivered and missed each month."""

    scenario: Scenario
    production: dict[tuple[str, int], float]
    delivered: dict[tuple[str, int], float]
    short: dict[tuple[str, int], float]  # per month; with backorders, what is still owed
    starts: dict[str, int]
    duals: dict[tuple[str, int], float]
    status: str
    items: dict[str, str] = field(default_factory=dict)  # production group -> item

    def shortfall(self, item: str, month: int) -> float:
        demand = self.scenario.demand[item][month]
        return max(0.0, demand - self.delivered[item, month])

    def total_shortfall(self, item: str) -> float:
        s = self.scenario
        return max(0.0, sum(s.demand[item]) - sum(self.delivered[item, m] for m in range(s.months)))

    def capex(self) -> float:
        return sum(self.scenario.expansions[e].capex for e in self.starts)


def _solve(h: _Horizon, *, time_limit: float, gap: float) -> tuple[Any, str]:
    m = h.m
    m.load(maximise=False)
    m.h.setOptionValue("time_limit", time_limit)
    m.h.setOptionValue("mip_rel_gap", gap)
    m.h.run()
    status = m.h.getModelStatus()
    return m.h, status_name(status)


def status_name(status: Any) -> str:
    names = {
        highspy.HighsModelStatus.kOptimal: "optimal",
        highspy.HighsModelStatus.kTimeLimit: "time_limit",
    }
    return names.get(status, str(status).rsplit(".", 1)[-1].removeprefix("k").lower())


def _outcome(h: _Horizon, solver: Any, status: str, with_duals: bool) -> Outcome:
    values = solver.getSolution().col_value
    duals = {}
    if with_duals:
        row_duals = solver.getSolution().row_dual
        duals = {key: abs(float(row_duals[row])) for key, row in h.capacity_rows.items()}
    starts = dict(h.fixed)
    for (eid, t), col in sorted(h.started.items(), key=lambda kv: kv[0][1]):
        if values[col] > 0.5 and eid not in starts:
            starts[eid] = t  # the first month it counts as started
    return Outcome(
        h.s,
        {k: float(values[c]) for k, c in h.prod.items()},
        {k: float(values[c]) for k, c in h.dlv.items()},
        {k: float(values[c]) for k, c in h.short.items()},
        starts,
        duals,
        status,
        {group: item for group, (item, _members) in h.groups.items()},
    )


def evaluate(
    scenario: Scenario,
    starts: dict[str, int] | None = None,
    disruption: Disruption = NO_DISRUPTION,
    *,
    with_duals: bool = True,
) -> Outcome:
    """The horizon LP with the expansions started as given (none: today's lines only)."""
    h = _Horizon(scenario, disruption)
    h.columns(dict(starts or {}), integer=False)
    h.rows()
    solver, status = _solve(h, time_limit=60.0, gap=0.0)
    return _outcome(h, solver, status, with_duals)


def optimise(
    scenario: Scenario, *, time_limit: float = 10.0, gap: float = 0.005
) -> tuple[Outcome, dict[str, Any]]:
    """Which expansions to start when: least shortfall, then least capex (two MILPs).

    The greedy plan (expand the current bottleneck) is computed first; the MILP's answer
    replaces it only if it misses less (or as much, for less). When the time limit stops
    the MILP before it has a plan, the greedy plan is the answer and the stats say so."""
    from filiera.capacity.greedy import greedy  # greedy imports the steady state only

    started = time.monotonic()
    fallback = evaluate(scenario, greedy(scenario))
    left = max(0.5, time_limit - (time.monotonic() - started))
    h = _Horizon(scenario, NO_DISRUPTION)
    h.columns(None, integer=True)
    h.rows()
    solver, status = _solve(h, time_limit=left / 2, gap=gap)
    info = solver.getInfo()
    found = info.primal_solution_status == 2
    stats: dict[str, Any] = {
        "shortfall_status": status,
        "shortfall_gap": _gap(info) if found else None,  # None: no plan, no gap to speak of
    }
    bound = info.mip_dual_bound
    stats["shortfall_bound_known"] = bool(np.isfinite(bound))
    if found and h.started:
        _cheapest_within(h, solver, left / 2)
        stats["cost_status"] = status_name(h.m.h.getModelStatus())
        stats["cost_gap"] = _gap(h.m.h.getInfo())
        solver = h.m.h
    best = evaluate(scenario, _outcome(h, solver, status, False).starts) if found else fallback
    if not found:
        stats["answer"] = "greedy (the MILP found no plan within the time limit)"
    elif _missed(fallback) < _missed(best) - 1e-6 or (
        abs(_missed(fallback) - _missed(best)) <= 1e-6 and fallback.capex() < best.capex()
    ):
        best, stats["answer"] = fallback, "greedy (the MILP found nothing better in time)"
    else:
        stats["answer"] = "milp"
    return best, stats


def _missed(outcome: Outcome) -> float:
    return sum(outcome.total_shortfall(item) for item in outcome.scenario.demand)


def _cheapest_within(h: _Horizon, solver: Any, time_limit: float) -> None:
    """Second stage: keep the total shortfall reached (a hair of tolerance), then spend the
    least, and among equal spends start as late as still works (capex deferred); the
    early-delivery preference of the first stage stays as a far smaller term."""
    values = solver.getSolution().col_value
    shorts = list(h.short.values())
    reached = sum(values[c] for c in shorts)
    h.m.h.addRow(
        -INF,
        reached * (1 + 1e-7) + 1e-6,
        len(shorts),
        np.array(shorts, dtype=np.int32),
        np.ones(len(shorts)),
    )
    cost = np.array(h.m.cost) * 1e-6
    for e in h.s.expansions.values():
        final = h.started_by(e, h.s.months)
        if final is not None:
            cost[final] += e.capex / 1e6  # in millions: keeps HiGHS well scaled
        for t in range(e.earliest, h.last_start(e) + 1):
            cost[h.started[e.id, t]] += 1e-3  # each month started early costs a hair
    h.m.h.changeColsCost(h.m.cols, np.arange(h.m.cols, dtype=np.int32), cost)
    h.m.h.setOptionValue("time_limit", time_limit)
    h.m.h.setOptionValue("mip_rel_gap", 1e-7)  # the tie-breaks are tiny next to capex
    h.m.h.run()


def _gap(info: Any) -> float:
    gap = getattr(info, "mip_gap", 0.0)
    return float(gap) if gap == gap and gap < 1e30 else 0.0
