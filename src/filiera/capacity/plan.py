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
    """The month-by-month model: production, purchases, stocks, deliveries, shortfall."""

    def __init__(self, scenario: Scenario, disruption: Disruption) -> None:
        self.s, self.d = scenario, disruption
        self.m = solvers.Model()
        self.lines = scenario.all_lines()
        self.prod: dict[tuple[str, int], int] = {}
        self.buy: dict[tuple[str, int], int] = {}
        self.stock: dict[tuple[str, int], int] = {}
        self.dlv: dict[tuple[str, int], int] = {}
        self.short: dict[tuple[str, int], int] = {}
        self.start: dict[tuple[str, int], int] = {}  # expansion start binaries
        self.capacity_rows: dict[tuple[str, int], int] = {}
        # Each demanded item weighs by its share of demand (1 for the largest), so a
        # shortfall of shells and one of charges count alike in relative terms.
        average = {i: max(1e-9, sum(v) / len(v)) for i, v in scenario.demand.items()}
        self.weights = {i: max(average.values()) / a for i, a in average.items()}

    def columns(self, choices: dict[str, int] | None, integer: bool) -> None:
        s, m = self.s, self.m
        made = {line.item for line in self.lines.values()}
        for month in range(s.months):
            for line_id in self.lines:
                self.prod[line_id, month] = m.var(0.0, 0.0, INF)
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
                last = s.months - 1 - e.lead_time
                for start in range(e.earliest, last + 1):
                    self.start[e.id, start] = m.var(0.0, 0.0, 1.0, integer=integer)
        self.fixed = choices or {}

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
        for e in s.expansions.values():
            starts = [self.start[k] for k in self.start if k[0] == e.id]
            if starts:
                m.row(starts, [1.0] * len(starts), 0.0, 1.0)
        if s.budget is not None and self.start:
            keys = list(self.start)
            m.row(
                [self.start[k] for k in keys],
                [s.expansions[k[0]].capex for k in keys],
                0.0,
                s.budget,
            )

    def _capacity(self, month: int) -> None:
        s, d = self.s, self.d
        for line_id, line in self.lines.items():
            left = _left(d, line_id, month, "line") * _left(d, line.item, month, "item")
            index, value = [self.prod[line_id, month]], [1.0]
            base = 0.0 if line_id not in s.lines else line.capacity * left
            fixed_extra = 0.0
            for e in s.expansions.values():
                if e.line != line_id:
                    continue
                slip = d.slips.get(e.id, 0)
                if e.id in self.fixed:
                    fixed_extra += e.extra * ramp(e, self.fixed[e.id], month, slip) * left
                    continue
                for (eid, start), col in self.start.items():
                    if eid == e.id and (share := ramp(e, start, month, slip) * left) > 0:
                        index.append(col)
                        value.append(-e.extra * share)
            self.capacity_rows[line_id, month] = len(self.m.rows)
            self.m.row(index, value, -INF, base + fixed_extra)

    def _balance(self, item: str, month: int, uses: list[tuple[str, float]]) -> None:
        """stock before + made + bought = used by parents + delivered + stock after."""
        index, value = [self.stock[item, month]], [-1.0]
        for line_id, line in self.lines.items():
            if line.item == item:
                index.append(self.prod[line_id, month])
                value.append(1.0)
            for parent, amount in uses:
                if line.item == parent:
                    index.append(self.prod[line_id, month])
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
    for (eid, start), col in h.start.items():
        if values[col] > 0.5:
            starts[eid] = start
    return Outcome(
        h.s,
        {k: float(values[c]) for k, c in h.prod.items()},
        {k: float(values[c]) for k, c in h.dlv.items()},
        {k: float(values[c]) for k, c in h.short.items()},
        starts,
        duals,
        status,
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
    """Which expansions to start when: least shortfall, then least capex (two MILPs)."""
    h = _Horizon(scenario, NO_DISRUPTION)
    h.columns(None, integer=True)
    h.rows()
    solver, status = _solve(h, time_limit=time_limit / 2, gap=gap)
    info = solver.getInfo()
    stats = {"shortfall_status": status, "shortfall_gap": _gap(info)}
    if h.start:
        _cheapest_within(h, solver, time_limit / 2)
        stats["cost_status"] = status_name(h.m.h.getModelStatus())
        stats["cost_gap"] = _gap(h.m.h.getInfo())
    chosen = _outcome(h, solver, status, with_duals=False).starts
    # Duals come from the LP with the chosen expansions fixed.
    return evaluate(scenario, chosen), stats


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
    months = h.s.months
    cost = np.array(h.m.cost) * 1e-6
    for (eid, start), col in h.start.items():
        capex = h.s.expansions[eid].capex / 1e6  # in millions: keeps HiGHS well scaled
        cost[col] = capex * (1 + 1e-3 * (months - start) / months) + 1e-3 * (months - start)
    h.m.h.changeColsCost(h.m.cols, np.arange(h.m.cols, dtype=np.int32), cost)
    h.m.h.setOptionValue("time_limit", time_limit)
    h.m.h.run()


def _gap(info: Any) -> float:
    gap = getattr(info, "mip_gap", 0.0)
    return float(gap) if gap == gap and gap < 1e30 else 0.0
