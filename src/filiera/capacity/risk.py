"""Concentration risk and the disruption simulation of a capacity scenario.

- `concentration`: per stage, the share of capacity held by the largest company and the
  largest country, the Herfindahl index, the share outside the EU; for raw inputs, the
  share from outside the EU (EU-27) and from outside Europe (EU-27 + Norway); single
  points of failure: stages with one company or one site, and lines whose loss alone
  cuts the most deliverable monthly output by more than a threshold.
- `summary`: thousands of random disruptions (`disruption.draw`), each solved as the
  horizon LP (`plan.evaluate`), summarised as the distribution of total shortfall and the
  sites whose loss hurts most. All disruptions are drawn from the seed first, then solved
  in chunks, so the numbers are the same whatever the number of workers: in this process,
  a local process pool, or a Dask cluster.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import replace
from typing import Any

import numpy as np

from filiera.capacity import disruption as disruptions
from filiera.capacity.plan import NO_DISRUPTION, Disruption, evaluate
from filiera.capacity.scenario import Scenario
from filiera.capacity.steady import steady_state
from filiera.errors import ValidationFailed, field_error

EU27_CODES = "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK"
EU27 = frozenset(EU27_CODES.split())
EUROPEAN = EU27 | {"NO"}  # EU-27 and Norway (EDF-eligible), counted apart from the EU
SPOF_THRESHOLD = 0.10  # a line whose loss alone cuts max output by more than 10 %
MAX_RUNS = 1_000_000
Progress = Callable[[int, int], None]


def _eu(country: str | None) -> bool:
    return (country or "").upper().replace("EL", "GR") in EU27


def _european(country: str | None) -> bool:
    return _eu(country) or (country or "").upper() == "NO"


def _shares(amounts: dict[str, float]) -> dict[str, float]:
    total = sum(amounts.values())
    if total <= 0:
        return {key: 0.0 for key in amounts}
    return {key: value / total for key, value in amounts.items()}


def _largest(shares: dict[str, float]) -> dict[str, Any] | None:
    if not shares:
        return None
    name = max(sorted(shares), key=lambda key: shares[key])
    return {"name": name, "share": round(shares[name], 6)}


def _herfindahl(shares: dict[str, float]) -> float:
    """Sum of squared shares, 0 to 1 (1: one holder)."""
    return round(sum(v * v for v in shares.values()), 6)


def _stage(item: str, level: int | None, scenario: Scenario) -> dict[str, Any]:
    lines = scenario.lines_of(item)
    company: dict[str, float] = {}
    country: dict[str, float] = {}
    sites: set[str] = set()
    for line in lines:
        holder = line.organisation or line.id
        company[holder] = company.get(holder, 0.0) + line.capacity
        place = line.country or "unknown"
        country[place] = country.get(place, 0.0) + line.capacity
        sites.add(f"{holder}|{line.site}" if line.site else line.id)
    by_company, by_country = _shares(company), _shares(country)
    return {
        "item": item,
        "level": level,
        "capacity_per_month": round(sum(line.capacity for line in lines), 6),
        "lines": len(lines),
        "companies": len(company),
        "sites": len(sites),
        "largest_company": _largest(by_company),
        "largest_country": _largest(by_country),
        "countries": {k: round(v, 6) for k, v in sorted(by_country.items())},
        "herfindahl": _herfindahl(by_company),
        "herfindahl_country": _herfindahl(by_country),
        "non_eu_share": round(sum(v for k, v in by_country.items() if not _eu(k)), 6),
        "non_european_share": round(sum(v for k, v in by_country.items() if not _european(k)), 6),
        "single_company": len(company) == 1,
        "single_site": len(sites) == 1,
    }


def _input(item: str, origin: tuple[str, ...], level: int | None) -> dict[str, Any]:
    """A raw input: an equal share from each origin country."""
    share = 1.0 / len(origin)
    return {
        "item": item,
        "level": level,
        "origin": list(origin),
        "eu_share": round(sum(share for c in origin if _eu(c)), 6),
        "non_eu_share": round(sum(share for c in origin if not _eu(c)), 6),
        "non_european_share": round(sum(share for c in origin if not _european(c)), 6),
        "single_origin": len(set(origin)) == 1,
    }


def _main_output(scenario: Scenario) -> float:
    main = next(iter(scenario.demand))
    return steady_state(scenario).output.get(main, 0.0)


def line_losses(scenario: Scenario) -> list[dict[str, Any]]:
    """Each of today's lines lost once (its capacity set to 0, so its item is still made,
    not bought): how much of the most deliverable monthly output it takes away."""
    base = _main_output(scenario)
    out = []
    for line_id, line in scenario.lines.items():
        rest = {**scenario.lines, line_id: replace(line, capacity=0.0)}
        without = _main_output(replace(scenario, lines=rest))
        lost = max(0.0, base - without)
        out.append(
            {
                "line": line_id,
                "item": line.item,
                "organisation": line.organisation,
                "country": line.country,
                "output_lost": round(lost, 6),
                "share_lost": round(lost / base, 6) if base > 0 else 0.0,
            }
        )
    return sorted(out, key=lambda row: (-row["output_lost"], row["line"]))


def concentration(scenario: Scenario, *, threshold: float = SPOF_THRESHOLD) -> dict[str, Any]:
    """Who holds each stage; single points of failure (see the module's docstring)."""
    levels = scenario.stage()
    made = sorted({line.item for line in scenario.lines.values()})
    stages = [_stage(item, levels.get(item), scenario) for item in made]
    stages.sort(key=lambda s: (s["level"] if s["level"] is not None else 99, s["item"]))
    inputs = [
        _input(item, origin, levels.get(item))
        for item, origin in sorted(disruptions.raw_origins(scenario).items())
    ]
    losses = line_losses(scenario)
    spof: list[dict[str, Any]] = [
        {
            "kind": "stage",
            "item": s["item"],
            "reason": "one company" if s["companies"] == 1 else "one site",
        }
        for s in stages
        if s["single_company"] or s["single_site"]
    ]
    spof += [{"kind": "line", **row} for row in losses if row["share_lost"] > threshold]
    main = next(iter(scenario.demand))
    return {
        "item": main,
        "max_output_per_month": round(_main_output(scenario), 6),
        "european": "EU-27 + NO",
        "threshold": threshold,
        "stages": stages,
        "inputs": inputs,
        "line_losses": losses,
        "single_points_of_failure": spof,
    }


# The simulation ---------------------------------------------------------------------


def _shortfalls(
    scenario: Scenario, disruption: Disruption, starts: dict[str, int] | None
) -> list[float]:
    outcome = evaluate(scenario, starts, disruption, with_duals=False)
    return [outcome.total_shortfall(item) for item in scenario.demand]


def solve_chunk(
    scenario: Scenario, chunk: list[Disruption], starts: dict[str, int] | None
) -> list[list[float]]:
    """Total shortfall per demanded item of each disruption (runs in a worker)."""
    return [_shortfalls(scenario, d, starts) for d in chunk]


def _chunks(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _local(scenario, chunks, starts, workers, progress) -> list[list[list[float]]]:
    results: list = [None] * len(chunks)
    done = 0
    total = sum(len(c) for c in chunks)
    if workers <= 1:
        for index, chunk in enumerate(chunks):
            results[index] = solve_chunk(scenario, chunk, starts)
            done += len(chunk)
            progress(done, total)
        return results
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {
            pool.submit(solve_chunk, scenario, chunk, starts): index
            for index, chunk in enumerate(chunks)
        }
        for future in as_completed(futures):
            index = futures[future]
            results[index] = future.result()
            done += len(chunks[index])
            progress(done, total)
    return results


def _dask(scenario, chunks, starts, address, progress) -> list[list[list[float]]]:
    from distributed import Client
    from distributed import as_completed as dask_completed

    results: list = [None] * len(chunks)
    done = 0
    total = sum(len(c) for c in chunks)
    with Client(address) as client:
        shared = client.scatter(scenario, broadcast=True)
        futures = [
            client.submit(solve_chunk, shared, chunk, starts, pure=False) for chunk in chunks
        ]
        index_of = {future.key: i for i, future in enumerate(futures)}
        for future in dask_completed(futures):
            index = index_of[future.key]
            results[index] = future.result()
            done += len(chunks[index])
            progress(done, total)
    return results


def _distribution(values: np.ndarray) -> dict[str, float]:
    return {
        "mean": round(float(values.mean()), 4),
        "p50": round(float(np.percentile(values, 50)), 4),
        "p90": round(float(np.percentile(values, 90)), 4),
        "p99": round(float(np.percentile(values, 99)), 4),
        "max": round(float(values.max()), 4),
    }


def _hurts(keys: list[set[str]], totals: np.ndarray, names: list[str]) -> list[dict]:
    """Per line (or country): mean shortfall in runs it was hit minus in runs it was not."""
    rows = []
    for name in names:
        hit = np.array([name in k for k in keys])
        if not hit.any():
            continue
        spared = totals[~hit].mean() if (~hit).any() else float(totals.min())
        rows.append(
            {
                "id": name,
                "runs_hit": int(hit.sum()),
                "mean_shortfall_hit": round(float(totals[hit].mean()), 4),
                "mean_extra_shortfall": round(float(totals[hit].mean() - spared), 4),
            }
        )
    return sorted(rows, key=lambda r: (-r["mean_extra_shortfall"], r["id"]))


def summary(
    scenario: Scenario,
    runs: int = 1000,
    seed: int = 1,
    workers: int | None = None,
    dask_address: str | None = None,
    starts: dict[str, int] | None = None,
    *,
    progress: Progress | None = None,
    chunk_size: int | None = None,
) -> dict[str, Any]:
    """The shortfall distribution over `runs` random disruptions (see the docstring)."""
    if isinstance(runs, bool) or not isinstance(runs, int) or not 1 <= runs <= MAX_RUNS:
        raise ValidationFailed(
            f"runs is a whole number from 1 to {MAX_RUNS}",
            errors=[field_error("risk", "runs", f"a whole number from 1 to {MAX_RUNS}")],
        )
    params = disruptions.parameters(scenario)
    rng = np.random.default_rng(seed)
    draws = [disruptions.draw_events(scenario, rng, params) for _ in range(runs)]
    workers = max(1, workers or os.cpu_count() or 1)
    size = chunk_size or max(1, min(50, -(-runs // (workers * 4))))
    chunks = _chunks([d.disruption for d in draws], size)
    report = progress or (lambda done, total: None)
    if dask_address:
        parts = _dask(scenario, chunks, starts, dask_address, report)
    else:
        parts = _local(scenario, chunks, starts, workers, report)
    results = np.array([row for part in parts for row in part], dtype=float)
    baseline = _shortfalls(scenario, NO_DISRUPTION, starts)
    items = list(scenario.demand)
    main = items[0]
    totals = results[:, 0]
    extra = totals - baseline[0]
    line_keys = [set(d.lines_out) for d in draws]
    country_keys = [set(d.countries_cut) for d in draws]
    lines = scenario.all_lines()
    hurts = _hurts(line_keys, totals, sorted(lines))
    for row in hurts:
        line = lines[row.pop("id")]
        row.update(
            {
                "line": line.id,
                "item": line.item,
                "organisation": line.organisation,
                "country": line.country,
            }
        )
    origins = disruptions.raw_origins(scenario)
    countries = sorted({c for o in origins.values() for c in o})
    return {
        "item": main,
        "unit": scenario.items[main].unit,
        "runs": runs,
        "seed": seed,
        "starts": {e: scenario.month_label(m) for e, m in sorted((starts or {}).items())},
        "parameters": _parameters_out(params),
        "baseline_shortfall": round(baseline[0], 4),
        "total_shortfall": _distribution(totals),
        "extra_shortfall": _distribution(extra),
        "probability_of_shortfall": round(float((extra > 1e-6 * max(1.0, baseline[0])).mean()), 4),
        "by_item": {
            item: {"baseline": round(baseline[i], 4), **_distribution(results[:, i])}
            for i, item in enumerate(items)
        },
        "sites_that_hurt_most": hurts[:20],
        "countries_that_hurt_most": [
            {"country": row.pop("id"), **row} for row in _hurts(country_keys, totals, countries)
        ],
        "concentration": concentration(scenario),
        "runner": {
            "workers": 1 if dask_address else workers,
            "dask": dask_address,
            "chunk_size": size,
        },
    }


def _parameters_out(params: disruptions.RiskParameters) -> dict[str, Any]:
    out = dict(params.__dict__)
    out["outage_months"] = list(params.outage_months)
    out["cutoff_months"] = list(params.cutoff_months)
    out["lines"] = dict(params.lines or {})
    out["countries"] = dict(params.countries or {})
    return out
