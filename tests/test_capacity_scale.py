"""Synthetic large scenarios: their shape, and the plan on a small one of them."""

from __future__ import annotations

import pytest

from filiera.capacity import generate, plan, scenario
from filiera.capacity.risk import EU27
from filiera.capacity.steady import steady_state

SMALL = dict(sites=30, products=3, levels=4, months=18, expansions=12, seed=4)


def test_the_issue_size_has_the_issue_shape():
    raw = generate.scenario()
    s = scenario.parse(raw)
    assert len(s.lines) == 500 and len(s.expansions) == 200 and s.months == 60
    assert len(s.demand) == 20
    assert max(s.stage().values()) == 3  # four levels: 0 to 3
    assert {line.country for line in s.all_lines().values()} <= EU27
    leads = [e.lead_time for e in s.expansions.values()]
    assert min(leads) >= 3 and max(leads) <= 24
    capex = sum(e.capex for e in s.expansions.values())
    assert 0.2 * capex < s.budget < 0.5 * capex
    assert generate.scenario() == raw  # the same for the same seed
    assert generate.scenario(seed=2) != raw


def test_demand_ramps_beyond_todays_capacity():
    s = scenario.parse(generate.scenario(**SMALL))
    none = plan.evaluate(s, {}, with_duals=False)
    # Today's lines meet the opening demand of every product, not the end of the ramp.
    assert all(none.shortfall(item, 0) < 1e-6 for item in s.demand)
    assert sum(none.shortfall(item, s.months - 1) for item in s.demand) > 0
    assert steady_state(s).bottleneck is not None


def test_the_plan_closes_part_of_the_gap_within_the_budget():
    s = scenario.parse(generate.scenario(**SMALL))
    none = plan.evaluate(s, {}, with_duals=False)
    best, stats = plan.optimise(s, time_limit=20)
    before = sum(none.total_shortfall(i) for i in s.demand)
    after = sum(best.total_shortfall(i) for i in s.demand)
    assert before > 0
    assert after < before * 0.95
    assert 0 < best.capex() <= s.budget
    assert stats["shortfall_status"] == "optimal"
    for eid, start in best.starts.items():
        assert start + s.expansions[eid].lead_time < s.months


@pytest.mark.parametrize("levels", [2, 5])
def test_other_depths_parse(levels):
    s = scenario.parse(generate.scenario(sites=20, products=2, levels=levels, months=6,
                                         expansions=3))  # fmt: skip
    assert max(s.stage().values()) == levels - 1
