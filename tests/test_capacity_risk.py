"""Concentration risk and the disruption simulation, on scenarios worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from filiera.capacity import disruption, risk, scenario
from filiera.capacity.plan import evaluate
from filiera.errors import ValidationFailed

# Rounds need a shell body and 10 kg of powder; powder needs cotton (bought).
# Body: B (DE) 600 + C (IT) 400 a month = 60/40. Powder: D (PL) 6,000 + 3,000 kg at two
# sites, E (NO) 3,000 kg = 75/25. Cotton comes from the US, NO, FR and DE (a quarter each).
# Max output: rounds 1,000 (lap), bodies 1,000, powder 12,000 / 10 = 1,200 -> 1,000.
CHAIN = {
    "horizon": {"start": "2026-01", "months": 12},
    "items": [
        {"id": "round", "unit": "round"},
        {"id": "body", "unit": "unit"},
        {"id": "powder", "unit": "kg"},
        {"id": "cotton", "unit": "kg", "origin": ["US", "NO", "FR", "DE"]},
    ],
    "bom": {"round": {"body": 1, "powder": 10}, "powder": {"cotton": 1}},
    "lines": [
        {"id": "lap", "organisation": "A", "country": "FR", "item": "round",
         "capacity_per_month": 1000},
        {"id": "b1", "organisation": "B", "country": "DE", "item": "body",
         "capacity_per_month": 600},
        {"id": "b2", "organisation": "C", "country": "IT", "item": "body",
         "capacity_per_month": 400},
        {"id": "p1", "organisation": "D", "country": "PL", "site": "north", "item": "powder",
         "capacity_per_month": "6 t"},
        {"id": "p2", "organisation": "D", "country": "PL", "site": "south", "item": "powder",
         "capacity_per_month": 3000},
        {"id": "p3", "organisation": "E", "country": "NO", "item": "powder",
         "capacity_per_year": "36 t"},
    ],
    "demand": [{"item": "round", "per_month": 1000}],
}  # fmt: skip


def chain(**changes) -> scenario.Scenario:
    raw = yaml.safe_load(yaml.safe_dump(CHAIN))
    raw.update(changes)
    return scenario.parse(raw)


def stage(result: dict, item: str) -> dict:
    return next(s for s in result["stages"] if s["item"] == item)


def test_concentration_shares_by_company_and_country():
    result = risk.concentration(chain())
    body = stage(result, "body")
    assert body["largest_company"] == {"name": "B", "share": 0.6}
    assert body["largest_country"] == {"name": "DE", "share": 0.6}
    assert body["herfindahl"] == pytest.approx(0.6**2 + 0.4**2)
    assert body["non_eu_share"] == 0
    powder = stage(result, "powder")
    assert powder["largest_company"] == {"name": "D", "share": 0.75}
    assert powder["countries"] == {"NO": 0.25, "PL": 0.75}
    assert powder["herfindahl"] == pytest.approx(0.75**2 + 0.25**2)
    assert powder["non_eu_share"] == pytest.approx(0.25)  # Norway is not in the EU...
    assert powder["non_european_share"] == 0  # ...but counts as European
    assert (powder["companies"], powder["sites"], powder["lines"]) == (2, 3, 3)
    assert [s["item"] for s in result["stages"]] == ["round", "body", "powder"]


def test_raw_inputs_share_from_outside_the_eu():
    (cotton,) = risk.concentration(chain())["inputs"]
    assert cotton["item"] == "cotton"
    assert cotton["eu_share"] == pytest.approx(0.5)
    assert cotton["non_eu_share"] == pytest.approx(0.5)  # US and NO
    assert cotton["non_european_share"] == pytest.approx(0.25)  # US only
    assert cotton["single_origin"] is False


def test_single_points_of_failure_ranked_by_output_lost():
    result = risk.concentration(chain())
    assert result["max_output_per_month"] == pytest.approx(1000)
    lost = {row["line"]: row["output_lost"] for row in result["line_losses"]}
    # Without lap nothing is assembled; without b1 only 400 bodies; without p1 only
    # 6,000 kg of powder (600 rounds); without p2 or p3, 9,000 kg (900 rounds).
    assert lost == pytest.approx(
        {"lap": 1000, "b1": 600, "b2": 400, "p1": 400, "p2": 100, "p3": 100}
    )
    assert [row["line"] for row in result["line_losses"]] == ["lap", "b1", "b2", "p1", "p2", "p3"]
    spof = result["single_points_of_failure"]
    assert {"kind": "stage", "item": "round", "reason": "one company"} in spof
    # More than 10 % of the output: p2 and p3 (exactly 10 %) are not.
    assert [row["line"] for row in spof if row["kind"] == "line"] == ["lap", "b1", "b2", "p1"]
    stricter = risk.concentration(chain(), threshold=0.5)
    assert [r["line"] for r in stricter["single_points_of_failure"] if r["kind"] == "line"] == [
        "lap",
        "b1",
    ]


def test_one_site_stage_is_a_single_point_of_failure():
    raw = yaml.safe_load(yaml.safe_dump(CHAIN))
    raw["lines"][4]["site"] = "north"  # p2 moves to D's northern site, with p1
    raw["lines"].pop(5)  # and Norway's line closes: powder is one company at one site
    result = risk.concentration(scenario.parse(raw))
    assert stage(result, "powder")["single_site"] is True
    assert {"kind": "stage", "item": "powder", "reason": "one company"} in result[
        "single_points_of_failure"
    ]
    assert stage(result, "body")["single_site"] is False


def test_draw_outages_cutoffs_and_slips_follow_the_parameters():
    certain = chain(
        risk={
            "lines": {"b1": 1.0},
            "line_outage_per_year": 0.0,
            "outage_share": 0.5,
            "countries": {"US": 1.0},
            "cutoff_per_year": 0.0,
            "slip_max_months": 0,
        }
    )
    d = disruption.draw(certain, np.random.default_rng(1))
    assert d.lines == {"b1": {m: 0.5 for m in range(12)}}  # half of b1, every month
    assert d.items == {"cotton": {m: 0.25 for m in range(12)}}  # one origin of four
    assert d.slips == {}


def test_draw_slips_are_skewed_towards_none():
    raw = yaml.safe_load(yaml.safe_dump(CHAIN))
    raw["expansions"] = [
        {"id": f"x{i}", "line": "b1", "extra_per_month": 100, "lead_time_months": 1}
        for i in range(400)
    ]
    s = scenario.parse(raw)
    slips = disruption.draw(s, np.random.default_rng(7)).slips
    counts = np.bincount([slips.get(f"x{i}", 0) for i in range(400)], minlength=7)
    assert len(counts) == 7  # 0 to 6 months
    # Weights 1/2, 1/4, 1/8...: about half on time, each month late half as likely.
    assert 160 < counts[0] < 240
    assert counts[1] > counts[3] > counts[6] - 1


def test_risk_parameters_are_checked_all_at_once():
    with pytest.raises(ValidationFailed) as caught:
        disruption.parameters(chain(risk={"outage_share": 2, "lines": {"nowhere": 0.1}, "typo": 1}))
    fields = {(e["record"], e["field"]) for e in caught.value.errors}
    assert fields == {("risk", "outage_share"), ("risk", "lines.nowhere"), ("risk", "typo")}


NO_RISK = {"line_outage_per_year": 0, "cutoff_per_year": 0, "slip_max_months": 0}
SOME_RISK = {"line_outage_per_year": 0.4, "cutoff_per_year": 0.3, "cutoff_share": 1.0}


def test_no_risk_means_no_shortfall_anywhere():
    result = risk.summary(chain(risk=NO_RISK), runs=30, seed=5, workers=1)
    assert result["baseline_shortfall"] == 0
    assert result["total_shortfall"] == {"mean": 0, "p50": 0, "p90": 0, "p99": 0, "max": 0}
    assert result["probability_of_shortfall"] == 0
    assert result["sites_that_hurt_most"] == []


def test_a_line_always_out_loses_all_its_output():
    s = chain(risk={**NO_RISK, "lines": {"lap": 1.0}})
    result = risk.summary(s, runs=5, seed=1, workers=1)
    assert result["total_shortfall"]["p50"] == pytest.approx(12 * 1000)
    assert result["probability_of_shortfall"] == 1.0
    (hit,) = result["sites_that_hurt_most"]
    assert (hit["line"], hit["runs_hit"]) == ("lap", 5)


def test_the_site_whose_loss_hurts_most_comes_first():
    s = chain(risk={**NO_RISK, "line_outage_per_year": 0.3})
    result = risk.summary(s, runs=200, seed=1, workers=1)
    ranked = [row["line"] for row in result["sites_that_hurt_most"]]
    # While out: lap loses 1,000 rounds a month, b1 600, b2 and p1 400, p2 and p3 100.
    assert ranked[0] == "lap"
    assert "b1" in ranked[:3] and not {"p2", "p3"} & set(ranked[:3])
    assert 0 < result["probability_of_shortfall"] < 1
    d = result["total_shortfall"]
    assert 0 <= d["p50"] <= d["p90"] <= d["p99"] <= d["max"]


def test_cutoffs_of_all_origins_stop_the_chain():
    s = chain(risk={**NO_RISK, "countries": {"US": 1, "NO": 1, "FR": 1, "DE": 1}})
    result = risk.summary(s, runs=3, seed=1, workers=1)
    assert result["total_shortfall"]["max"] == pytest.approx(12000)
    assert result["countries_that_hurt_most"][0]["runs_hit"] == 3


def test_slips_of_the_planned_expansions_add_shortfall():
    raw = yaml.safe_load(yaml.safe_dump(CHAIN))
    raw["lines"][0]["capacity_per_month"] = 1500
    raw["demand"] = [{"item": "round", "per_month": 1200}]  # bodies: 1,000 a month
    raw["expansions"] = [{"id": "x", "line": "b2", "extra_per_month": 500, "lead_time_months": 2}]
    raw["risk"] = {**NO_RISK, "slip_max_months": 6, "slip_decay": 1.0}
    s = scenario.parse(raw)
    result = risk.summary(s, runs=40, seed=3, workers=1, starts={"x": 0})
    # On time, x adds bodies from March: January and February are 200 short each.
    assert result["baseline_shortfall"] == pytest.approx(400)
    assert result["baseline_shortfall"] == pytest.approx(
        evaluate(s, {"x": 0}).total_shortfall("round")
    )
    assert result["starts"] == {"x": "2026-01"}
    # Each month late costs 200 more; slips are 0 to 6 months, uniform here.
    d = result["total_shortfall"]
    assert d["max"] == pytest.approx(400 + 6 * 200)
    assert 400 < d["mean"] < 400 + 6 * 200
    without = risk.summary(s, runs=1, seed=3, workers=1)
    assert without["baseline_shortfall"] == pytest.approx(12 * 200)


def same(a: dict, b: dict) -> bool:
    keep = {k: v for k, v in a.items() if k != "runner"}
    return keep == {k: v for k, v in b.items() if k != "runner"}


def test_summary_is_reproducible_for_a_seed_whatever_the_workers():
    s = chain(risk=SOME_RISK)
    one = risk.summary(s, runs=60, seed=11, workers=1)
    again = risk.summary(s, runs=60, seed=11, workers=1, chunk_size=7)
    two = risk.summary(s, runs=60, seed=11, workers=2)
    other = risk.summary(s, runs=60, seed=12, workers=1)
    assert same(one, again) and same(one, two)
    assert not same(one, other)
    assert one["total_shortfall"]["max"] > 0
    assert two["runner"]["workers"] == 2


def test_progress_is_reported_up_to_every_run():
    seen: list[tuple[int, int]] = []
    risk.summary(chain(risk=SOME_RISK), runs=25, seed=1, workers=1, chunk_size=10,
                 progress=lambda done, total: seen.append((done, total)))  # fmt: skip
    assert seen == [(10, 25), (20, 25), (25, 25)]


def test_runs_must_be_a_positive_whole_number():
    with pytest.raises(ValidationFailed) as caught:
        risk.summary(chain(), runs=0)
    assert caught.value.errors[0]["field"] == "runs"


@pytest.mark.dask
def test_dask_local_cluster_gives_the_local_numbers():
    distributed = pytest.importorskip("distributed")
    s = chain(risk=SOME_RISK)
    local = risk.summary(s, runs=40, seed=4, workers=1)
    with distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
    ) as cluster:
        remote = risk.summary(s, runs=40, seed=4, dask_address=cluster.scheduler_address)
    assert same(local, remote)
    assert remote["runner"]["dask"] == cluster.scheduler_address
