"""Disruption sweep throughput: one and two local workers, and a Dask LocalCluster.

Protocol. A mid-size scenario from `filiera.capacity.generate` (60 sites, 6 products,
4-level bills of materials, 24 months, 20 expansions; the issue's 500-site scenario takes
about 0.5 s per horizon LP here, some 20 minutes for 5,000 runs on two workers), with
the default risk parameters (`disruption.py`). `risk.summary(runs, seed)`
draws every disruption from the seed first, then solves each as the horizon LP: with 1
and 2 local processes, then on a `distributed.LocalCluster(n_workers=2)`. Reported:
runs/s, the ratio to one worker, and whether every runner gave the same numbers.

Run: `python benchmarks/capacity_risk.py [--runs 5000]`.
Writes JSON lines to stdout and benchmarks/results-capacity-risk.jsonl.
"""

from __future__ import annotations

import argparse
import json
import time

from _common import ROOT, emit

from filiera.capacity import generate, risk, scenario

CASE = dict(sites=60, products=6, levels=4, months=24, expansions=20, seed=3)


def _timed(s, runs: int, **how) -> tuple[float, dict]:
    started = time.perf_counter()
    result = risk.summary(s, runs=runs, seed=1, **how)
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5000)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results-capacity-risk.jsonl"))
    args = parser.parse_args()
    from distributed import LocalCluster

    s = scenario.parse(generate.scenario(**CASE))
    rows, reference = [], None
    runners = [("local", {"workers": 1}), ("local", {"workers": 2}), ("dask", {})]
    base = None
    for kind, how in runners:
        if kind == "dask":
            with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as c:
                seconds, result = _timed(s, args.runs, dask_address=c.scheduler_address)
            workers = 2
        else:
            seconds, result = _timed(s, args.runs, **how)
            workers = how["workers"]
        result.pop("runner")
        reference = reference or result
        rate = args.runs / seconds
        base = base or rate
        row = {
            "benchmark": "capacity_risk",
            "scenario": CASE,
            "runs": args.runs,
            "runner": kind,
            "workers": workers,
            "seconds": round(seconds, 2),
            "runs_per_s": round(rate, 2),
            "ratio_vs_1_worker": round(rate / base, 3),
            "same_numbers": result == reference,
            "mean_shortfall": result["total_shortfall"]["mean"],
            "p99_shortfall": result["total_shortfall"]["p99"],
            "probability_of_shortfall": result["probability_of_shortfall"],
        }
        emit(**row)
        rows.append(row)
    with open(args.out, "w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
