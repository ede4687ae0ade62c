"""B2B meeting scheduler: quality against the upper bound and a greedy baseline, same run.

Protocol. Instances from `filiera.events.generate`: skewed popularity (Zipf, exponent
`skew`: a few participants are asked very often), 30 % of participants with partial
availability (arrive late, leave early or block 1-3 slots), priorities 1-3 (30/40/30 %),
tables plentiful (participants / 2 per slot) or scarce (half the requests fit at most);
24 and 40 slots span two days. Sizes (participants/requests/slots) are the issue's:
600/6,000/20, 2,000/20,000/24 and 5,000/50,000/40. The `unseen` set uses other sizes,
seeds and skews that were never used while tuning.

Filiera: `scheduler.schedule(time_limit=60)`. Baseline, same instance: weight-ordered
greedy (heaviest request first, earliest slot where both are free and a table is left),
what simple B2B tools do. Reported for both: total weight, % of the upper bound (the
b-matching bound: `stats.upper_bound`), participants with requests but no meeting, idle
slots per participant with meetings, time; and the ratios Filiera / greedy.

Run: `python benchmarks/event_schedule.py [--sets issue unseen] [--time-limit 60]`.
Writes JSON lines to stdout and benchmarks/results-event-schedule.jsonl.
"""

from __future__ import annotations

import argparse
import json
import time

from _common import ROOT, emit

from filiera.events import generate, greedy, instance, scheduler

ISSUE = [
    (600, 6000, 20, 1.0, 1),
    (2000, 20000, 24, 1.0, 1),
    (5000, 50000, 40, 1.0, 1),
]
UNSEEN = [
    (1000, 12000, 30, 0.7, 11),
    (3000, 24000, 16, 1.4, 12),
    (4000, 60000, 36, 1.8, 13),
]


def run_one(case: tuple, tables: str, time_limit: float, label: str) -> dict:
    participants, requests, slots, skew, seed = case
    raw = generate.instance(
        participants,
        requests,
        slots,
        seed=seed,
        skew=skew,
        tables=tables,
        days=2 if slots > 20 else 1,
    )
    inst = instance.parse(raw)
    started = time.perf_counter()
    base = greedy.greedy(inst)
    greedy_s = time.perf_counter() - started
    result = scheduler.schedule(inst, time_limit=time_limit, seed=seed)
    stats = result.stats
    bound = stats["upper_bound"]
    return {
        "benchmark": "event_schedule",
        "set": label,
        "participants": participants,
        "requests": requests,
        "slots": slots,
        "skew": skew,
        "seed": seed,
        "tables": tables,
        "tables_per_slot": inst.tables,
        "upper_bound": bound,
        "bound_method": stats["bound_method"],
        "filiera": {
            "weight": stats["weight"],
            "percent_of_bound": stats["percent_of_bound"],
            "without_meetings": stats["participants_without_meetings"],
            "idle_per_participant": stats["idle_gaps_per_participant"],
            "time_s": stats["time_s"],
        },
        "greedy": {
            "weight": base["weight"],
            "percent_of_bound": round(100.0 * base["weight"] / bound, 3) if bound else 100.0,
            "without_meetings": base["participants_without_meetings"],
            "idle_per_participant": base["idle_gaps_per_participant"],
            "time_s": round(greedy_s, 3),
        },
        "weight_ratio": round(stats["weight"] / base["weight"], 5) if base["weight"] else None,
        "idle_ratio": round(
            stats["idle_gaps_per_participant"] / base["idle_gaps_per_participant"], 4
        )
        if base["idle_gaps_per_participant"]
        else None,
        "target_met": stats["percent_of_bound"] >= 99.5 and stats["time_s"] <= time_limit,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", nargs="+", default=["issue", "unseen"])
    parser.add_argument("--time-limit", type=float, default=60.0)
    args = parser.parse_args()
    cases = {"issue": ISSUE, "unseen": UNSEEN}
    out = ROOT / "benchmarks" / "results-event-schedule.jsonl"
    with out.open("w", encoding="utf-8") as sink:
        for label in args.sets:
            for case in cases[label]:
                for tables in ("plentiful", "scarce"):
                    row = run_one(case, tables, args.time_limit, label)
                    emit(**row)
                    sink.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
