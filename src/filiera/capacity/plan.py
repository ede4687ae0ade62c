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

import bisect
import itertools
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

    def __init__(self, scenario: Scenario, disruption: Disruption, period: int = 1) -> None:
        self.s, self.d = scenario, disruption
        # Months per period: 1, or more for the aggregated model, whose flows and demand
        # are summed over each period (a relaxation: a period's output may meet any of
        # its months' demand).
        self.periods = [
            range(first, min(first + period, scenario.months))
            for first in range(0, scenario.months, period)
        ]
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

    def columns(
        self,
        choices: dict[str, int] | None,
        integer: bool,
        windows: dict[str, list[int]] | None = None,
    ) -> None:
        """`choices`: expansions fixed to a start month (None: chosen by the model, each
        among the start months `windows` allows, by default every month it may start)."""
        s, m = self.s, self.m
        made = set(self.makers)
        count = len(self.periods)
        for p, months in enumerate(self.periods):
            for group in self.groups:
                self.prod[group, p] = m.var(0.0, 0.0, INF)
            for item in s.items.values():
                if item.id not in made and item.id not in s.demand:
                    self.buy[item.id, p] = m.var(0.0, 0.0, self._supply(item, months))
                self.stock[item.id, p] = m.var(0.0, 0.0, INF)
            for item, values in s.demand.items():
                self.dlv[item, p] = m.var(0.0, 0.0, INF)
                upper = INF if s.backorders else sum(values[t] for t in months)
                # A hair more for an early month: deliver as soon as possible among equals.
                # Only when evaluating a plan: the models that choose one leave it out, so
                # that their bounds are on the plain (weighted) shortfall.
                early = 1.0 + 1e-3 * (count - p) / count if choices is not None else 1.0
                weight = self.weights[item] * early * (len(months) if s.backorders else 1)
                self.short[item, p] = m.var(weight, 0.0, upper)
        self.windows: dict[str, list[int]] = {}
        if choices is None:
            for e in s.expansions.values():
                allowed = range(e.earliest, self.last_start(e) + 1)
                if windows is not None:
                    allowed = sorted(t for t in windows.get(e.id, ()) if t in allowed)
                self.windows[e.id] = list(allowed)
                for t in allowed:
                    self.started[e.id, t] = m.var(0.0, 0.0, 1.0, integer=integer)
        self.fixed = choices or {}

    def _supply(self, item: Any, months: range) -> float:
        """What can be bought of a raw item over the months, after cut-offs."""
        if item.supply_per_month is None:
            return INF if any(_left(self.d, item.id, t, "item") > 0 for t in months) else 0.0
        return sum(item.supply_per_month * _left(self.d, item.id, t, "item") for t in months)

    def started_by(self, e: Expansion, t: int) -> int | None:
        """The column "e started by month t", or None when it cannot have started."""
        allowed = self.windows.get(e.id, [])
        at = bisect.bisect_right(allowed, t)
        return self.started[e.id, allowed[at - 1]] if at else None

    def rows(self) -> None:
        s, m = self.s, self.m
        uses: dict[str, list[tuple[str, float]]] = {}
        for output, inputs in s.bom.items():
            for child, amount in inputs.items():
                uses.setdefault(child, []).append((output, amount))
        for p, months in enumerate(self.periods):
            self._capacity(p, months)
            for item in s.items.values():
                self._balance(item.id, p, uses.get(item.id, []))
            for item, values in s.demand.items():
                self._shortfall(item, p, sum(values[t] for t in months))
        for eid, allowed in self.windows.items():  # once started, started
            for before, t in itertools.pairwise(allowed):
                m.row([self.started[eid, before], self.started[eid, t]], [1.0, -1.0], -INF, 0.0)
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

    def _capacity(self, p: int, months: range) -> None:
        s, d = self.s, self.d
        for group, (item, members) in self.groups.items():
            item_left = [_left(d, item, t, "item") for t in months]
            base = sum(
                self.lines[line_id].capacity * _left(d, line_id, t, "line") * f
                for line_id in members
                if line_id in s.lines
                for t, f in zip(months, item_left, strict=True)
            )
            index, value = [self.prod[group, p]], [1.0]
            left = [_left(d, group, t, "line") * f for t, f in zip(months, item_left, strict=True)]
            for e in self.expansions_of.get(group, ()):
                slip = d.slips.get(e.id, 0)
                if e.id in self.fixed:
                    base += e.extra * self._running(e, self.fixed[e.id], None, slip, months, left)
                    continue
                # With "started by t" columns, a start in t adds extra(t) - extra(next t).
                allowed = self.windows.get(e.id, [])
                for t, after in zip(allowed, [*allowed[1:], None][: len(allowed)], strict=True):
                    step = self._running(e, t, after, slip, months, left)
                    if step > 0:
                        index.append(self.started[e.id, t])
                        value.append(-e.extra * step)
            self.capacity_rows[group, p] = len(self.m.rows)
            self.m.row(index, value, -INF, base)

    @staticmethod
    def _running(
        e: Expansion, start: int, after: int | None, slip: int, months: range, left: list[float]
    ) -> float:
        """Months of full extra capacity over `months` from a start in `start` rather than
        in `after` (None: never), after outages."""
        return sum(
            (ramp(e, start, t, slip) - (0.0 if after is None else ramp(e, after, t, slip))) * f
            for t, f in zip(months, left, strict=True)
        )

    def _balance(self, item: str, p: int, uses: list[tuple[str, float]]) -> None:
        """stock before + made + bought = used by parents + delivered + stock after."""
        index, value = [self.stock[item, p]], [-1.0]
        for group in self.makers.get(item, ()):
            index.append(self.prod[group, p])
            value.append(1.0)
        for parent, amount in uses:
            for group in self.makers.get(parent, ()):
                index.append(self.prod[group, p])
                value.append(-amount)
        if (item, p) in self.buy:
            index.append(self.buy[item, p])
            value.append(1.0)
        if (item, p) in self.dlv:
            index.append(self.dlv[item, p])
            value.append(-1.0)
        if p > 0:
            index.append(self.stock[item, p - 1])
            value.append(1.0)
            opening = 0.0
        else:
            opening = self.s.stocks.get(item, 0.0)
        self.m.row(index, value, -opening, -opening)

    def _shortfall(self, item: str, p: int, demand: float) -> None:
        """No backorders: delivered + short = demand. With backorders: what is owed by the
        end of the period (short) = owed before + demand - delivered."""
        index = [self.dlv[item, p], self.short[item, p]]
        value = [1.0, 1.0]
        if self.s.backorders and p > 0:
            index.append(self.short[item, p - 1])
            value.append(-1.0)
        self.m.row(index, value, demand, demand)


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


def _solve(h: _Horizon, *, time_limit: float, gap: float, loaded: bool = False) -> tuple[Any, str]:
    m = h.m
    if not loaded:
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


MAX_START_COLUMNS = 3000  # start months tried per plan, at most: monthly, or in steps
MAX_PERIODS = (12, 24)  # long horizons choose on periods: coarse first, then finer


def periods_for(scenario: Scenario) -> list[int]:
    """Months per period of the models that choose the expansions, coarsest first."""
    return sorted({max(1, -(-scenario.months // n)) for n in MAX_PERIODS}, reverse=True)


@dataclass
class _Choice:
    """The best set of expansions found so far, its monthly plan and the best bound."""

    scenario: Scenario
    plan: Outcome | None = None
    model: _Horizon | None = None
    bound: float = -INF
    stages: list[dict[str, Any]] = field(default_factory=list)

    def weighted(self, outcome: Outcome, h: _Horizon) -> float:
        return sum(h.weights[i] * outcome.total_shortfall(i) for i in self.scenario.demand)


def optimise(
    scenario: Scenario, *, time_limit: float = 10.0, gap: float = 0.005
) -> tuple[Outcome, dict[str, Any]]:
    """Which expansions to start when: least shortfall, then least capex, then as late as
    still works.

    Starting earlier never adds shortfall (capacity only grows, capex is the same), so the
    expansions are chosen with each at its earliest start: one binary per expansion. Long
    horizons choose on periods of a few months (flows and demand summed per period), a
    relaxation of the monthly problem: each set is evaluated month by month, and the gap
    reported is between the best monthly plan and the best bound, so it is proven. Coarse
    periods first, then finer ones starting from the best set. Then the least capex for
    that shortfall, and a last MILP defers the chosen starts as far as the shortfall
    allows (capex spent later), month by month when small enough, else in steps.

    The greedy plan (expand the current bottleneck) is computed first; the MILP's answer
    replaces it only if it misses less (or as much, for less). When the time limit stops
    the MILP before it has a plan, the greedy plan is the answer and the stats say so."""
    from filiera.capacity.greedy import greedy  # greedy imports the steady state only

    deadline = time.monotonic() + time_limit
    chosen_by_greedy = greedy(scenario)
    clock = time.monotonic()
    fallback = evaluate(scenario, chosen_by_greedy)
    # Keep the time for the monthly evaluations that follow the last MILP.
    deadline -= 2 * (time.monotonic() - clock)
    best = _Choice(scenario)
    periods = periods_for(scenario)
    for n, period in enumerate(periods):
        _choose(best, period, deadline, 0.7 if n == 0 else 0.6, gap / 2)
    stats: dict[str, Any] = {"stages": best.stages}
    if best.plan is None or best.model is None:
        stats["answer"] = "greedy (the MILP found no plan within the time limit)"
        stats["shortfall_gap"] = None  # no plan, no gap to speak of
        stats["shortfall_status"] = "time_limit"
        return fallback, stats
    chosen = best.plan
    h = best.model
    if h.started:
        _cheapest_within(h, h.m.h, _share(deadline, 0.5))
        stats["cost_status"] = status_name(h.m.h.getModelStatus())
        stats["cost_gap"] = _gap(h.m.h.getInfo())
        if h.m.h.getInfo().primal_solution_status == 2:  # else the first stage's set stays
            cheaper = evaluate(scenario, _outcome(h, h.m.h, "", False).starts)
            chosen = _better(best.plan, cheaper)
    plan, stats["start_step_months"] = _latest_starts(scenario, chosen, deadline)
    stats.update(_certificate(best, plan))
    proven = stats["shortfall_gap"] is not None and stats["shortfall_gap"] <= gap + 1e-9
    stats["shortfall_status"] = "optimal" if proven else "time_limit"  # within `gap`
    if _better(plan, fallback) is fallback and plan is not fallback:
        plan, stats["answer"] = fallback, "greedy (the MILP found nothing better in time)"
    else:
        stats["answer"] = "milp"
    return plan, stats


def _choose(best: _Choice, period: int, deadline: float, share: float, gap: float) -> None:
    """One MILP choosing the expansions on periods of `period` months, from the best set
    so far; keeps its set if its monthly plan is better, and its bound if higher."""
    s = best.scenario
    h = _Horizon(s, NO_DISRUPTION, period)
    h.columns(None, integer=True, windows={e.id: [e.earliest] for e in s.expansions.values()})
    h.rows()
    h.m.load(maximise=False)
    if best.plan is not None:
        cols = np.array(list(h.started.values()), dtype=np.int32)
        values = np.array([float(e in best.plan.starts) for e, _t in h.started], dtype=float)
        h.m.h.setSolution(len(cols), cols, values)
    solver, status = _solve(h, time_limit=_share(deadline, share), gap=gap, loaded=True)
    info = solver.getInfo()
    found = info.primal_solution_status == 2
    best.stages.append(
        {"period_months": period, "status": status, "mip_gap": _gap(info) if found else None}
    )
    if np.isfinite(info.mip_dual_bound):
        best.bound = max(best.bound, float(info.mip_dual_bound))
    if not found:
        return
    plan = evaluate(s, _outcome(h, solver, status, False).starts)
    if best.plan is None or _better(best.plan, plan) is plan:
        best.plan, best.model = plan, h


def _certificate(best: _Choice, plan: Outcome) -> dict[str, Any]:
    """The gap between the plan and the best bound of the choosing models: each is a
    relaxation of the monthly problem, so the gap is proven. With backorders the period
    models are not relaxations of the monthly one: no gap is claimed but the monthly's."""
    s, h = best.scenario, best.model
    assert h is not None
    if s.backorders:
        monthly = [st for st in best.stages if st["period_months"] == 1]
        gap = monthly[-1]["mip_gap"] if monthly else None
        return {"shortfall_gap": gap, "shortfall_bound_known": gap is not None}
    weighted = best.weighted(plan, h)
    bound = max(0.0, best.bound)
    gap = 0.0 if weighted <= 1e-6 else max(0.0, (weighted - bound) / weighted)
    return {
        "shortfall_gap": round(gap, 6),
        "shortfall_bound": round(bound, 3),  # weighted: each item by its share of demand
        "shortfall_bound_known": bool(np.isfinite(best.bound)),
    }


def _share(deadline: float, share: float) -> float:
    """A share of the time left before the deadline, at least half a second."""
    return max(0.5, (deadline - time.monotonic()) * share)


def _better(a: Outcome, b: Outcome) -> Outcome:
    """The plan that misses less; among equals, the cheaper one (`a` on a tie)."""
    if _missed(b) < _missed(a) - 1e-6 or (
        abs(_missed(a) - _missed(b)) <= 1e-6 and b.capex() < a.capex()
    ):
        return b
    return a


def _latest_starts(
    scenario: Scenario, at_earliest: Outcome, deadline: float
) -> tuple[Outcome, int | None]:
    """The chosen expansions, each started as late as the plan's shortfall allows (in
    steps of `step` months) and left out if it does not need them; at their earliest
    when the solver finds nothing in time. Returns the plan and the step (None: the
    earliest starts were kept)."""
    chosen = at_earliest.starts
    if not chosen or time.monotonic() >= deadline:  # no time left: keep the earliest
        return at_earliest, None
    span = sum(scenario.months - scenario.expansions[e].lead_time - t for e, t in chosen.items())
    step = max(1, -(-span // MAX_START_COLUMNS))
    windows = {
        e: list(range(t, scenario.months - scenario.expansions[e].lead_time, step))
        for e, t in chosen.items()
    }
    h = _Horizon(scenario, NO_DISRUPTION)
    h.columns(None, integer=True, windows=windows)
    h.rows()
    m = h.m  # a chosen expansion the shortfall does not need is left out here
    reached = sum(at_earliest.short.values())
    shorts = list(h.short.values())
    m.row(shorts, [1.0] * len(shorts), -INF, reached * (1 + 1e-7) + 1e-6)
    m.cost = [c * 1e-6 for c in m.cost]  # early delivery: far below a month's deferral
    for col in h.started.values():
        m.cost[col] += 1e-3  # each period started early costs a hair
    solver, _status = _solve(h, time_limit=_share(deadline, 1.0), gap=1e-7)
    if solver.getInfo().primal_solution_status != 2:
        return at_earliest, None
    later = evaluate(scenario, _outcome(h, solver, "optimal", False).starts)
    return _better(later, at_earliest), step  # later on a tie: capex spent later


def _missed(outcome: Outcome) -> float:
    return sum(outcome.total_shortfall(item) for item in outcome.scenario.demand)


def _cheapest_within(h: _Horizon, solver: Any, time_limit: float) -> None:
    """Second stage: keep the total shortfall reached (a hair of tolerance), then spend the
    least; the early-delivery preference of the first stage stays as a far smaller term."""
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
            # In millions (keeps HiGHS well scaled), and a hair for each expansion, so that
            # a free one that adds nothing is left out.
            cost[final] += e.capex / 1e6 + 1e-3
    h.m.h.changeColsCost(h.m.cols, np.arange(h.m.cols, dtype=np.int32), cost)
    h.m.h.setOptionValue("time_limit", time_limit)
    h.m.h.setOptionValue("mip_rel_gap", 1e-7)  # the tie-breaks are tiny next to capex
    h.m.h.run()


def _gap(info: Any) -> float:
    gap = getattr(info, "mip_gap", 0.0)
    return float(gap) if gap == gap and gap < 1e30 else 0.0
