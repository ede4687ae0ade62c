"""Consortium builder speed at Horizon 2020 scale: pools of 1,000 and 10,000 candidates.

Protocol. Candidates are real Horizon 2020 participants established in EDF-eligible
countries (CORDIS, CC BY 4.0): their PIC,
country and type (private company -> SME or other, research, university, public body),
and their real co-participation ties (every H2020 project). What CORDIS does not hold is
drawn, seeded: relevance to the call (skewed as real match scores are: 40 % of candidates
score 0, the rest U^3), 8 required capabilities (each candidate holds each with 3 %
probability), control groups (5 % of candidates in groups of 2 to 5). The coordinator is
the most connected candidate of a random project; the rule set is `edf`; size 3 to 15;
one answer (the first, what a user waits for) and then 3 alternatives.

Filiera: `preselect` (150 best + the best few per country, capability and kind) -> ties of
that pool -> `prune` (exact) -> `solve` with a 5 s limit. Baseline, same run: `solve` on
the whole pool (no preselection) with a 30 s limit. Reported per pool size and seed: the
time to the first answer, its gap, whether proven optimal, the baseline's time, objective
and bound, the ratio of the times, and what the preselection may have lost:
(baseline bound - Filiera's objective) / baseline bound (0 when the baseline proved the
same optimum; meaningless when the baseline ran out of time before its bound moved), and
how much better the baseline's own best answer was (`baseline_better_by`, 0 when it
found nothing better).

Run: `python benchmarks/consortium_speed.py [--seeds 5] [--sizes 1000 10000]`.
Writes JSON lines to stdout and benchmarks/results-consortium-speed.jsonl.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import random
import statistics
import time
from collections import defaultdict
from pathlib import Path

from _common import ROOT, SHARED, emit

from filiera.consortia import builder, rules
from filiera.consortia.members import Member

OUTPUT = ROOT / "benchmarks" / "results-consortium-speed.jsonl"
KINDS = {"PRC": "company", "REC": "research", "HES": "university", "PUB": "public_body"}
CAPABILITIES = [f"cap{k}" for k in range(8)]
FIRST_LIMIT = 5.0
BASELINE_LIMIT = 30.0


def read_h2020(folder: Path) -> tuple[dict[str, tuple[str, str]], dict[str, list[str]]]:
    """PIC -> (country, type) and project -> PICs, from the CORDIS participations."""
    orgs: dict[str, tuple[str, str]] = {}
    projects: dict[str, list[str]] = defaultdict(list)
    with gzip.open(folder / "h2020_participations.csv.gz", "rt", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            country = {"EL": "GR", "UK": "GB"}.get(row["country"], row["country"])
            orgs.setdefault(row["pic"], (country, row["type"]))
            projects[row["rcn"]].append(row["pic"])
    return orgs, projects


def sample_pool(orgs, projects, size: int, rng: random.Random) -> tuple[list[str], str]:
    """`size` PICs established in EDF-eligible countries around a random project (its
    partners, their partners...), and the coordinator: the most connected eligible member
    of that project."""
    eligible = set(rules.load("edf").params["eligible_countries"])
    ok = {pic for pic, (country, _) in orgs.items() if country in eligible}
    by_pic: dict[str, list[str]] = defaultdict(list)
    for rcn, pics in projects.items():
        for pic in pics:
            by_pic[pic].append(rcn)
    starts = [rcn for rcn, pics in projects.items() if len(set(pics) & ok) >= 5]
    start = rng.choice(sorted(starts))
    coordinator = max(sorted(set(projects[start]) & ok), key=lambda pic: len(by_pic[pic]))
    chosen, frontier = {coordinator}, [coordinator]
    while frontier and len(chosen) < size:
        pic = frontier.pop(0)
        for rcn in by_pic[pic]:
            for other in projects[rcn]:
                if other in ok and other not in chosen and len(chosen) < size:
                    chosen.add(other)
                    frontier.append(other)
    rest = sorted(ok - chosen)
    chosen.update(rng.sample(rest, max(0, size - len(chosen))))
    return sorted(chosen), coordinator


def problem_for(orgs, projects, pics, coordinator, rng: random.Random) -> builder.Problem:
    where = {pic: i for i, pic in enumerate(pics)}
    groups = {}
    for pic in pics:
        if rng.random() < 0.05:
            groups[pic] = f"group{rng.randrange(len(pics) // 40 + 1)}"
    candidates = []
    for pic in pics:
        country, kind = orgs[pic]
        kind = KINDS.get(kind, "other")
        if kind == "company":
            kind = "sme" if rng.random() < 0.6 else "other"
        caps = frozenset(c for c in CAPABILITIES if rng.random() < 0.03)
        member = Member(
            where[pic],
            pic,
            country or None,
            kind,
            control_group=groups.get(pic),
            pic=pic,
            capabilities=caps,
        )
        relevance = 0.0 if rng.random() < 0.4 else rng.random() ** 3
        candidates.append(builder.Candidate(member, relevance, history=1, fixed=pic == coordinator))
    rule_set = rules.load("edf")
    keep = [i for i, c in enumerate(candidates) if c.fixed or not rules.admits(rule_set, c.member)]
    candidates = [candidates[i] for i in keep]
    covers = {
        code: [i for i, c in enumerate(candidates) if code in c.member.capabilities]
        for code in CAPABILITIES
    }
    return builder.Problem(
        candidates, {}, rule_set, CAPABILITIES, covers, (3, 15), builder.Weights(fixed_ties=0.5)
    )


def ties(problem: builder.Problem, projects, by_pic) -> dict[tuple[int, int], int]:
    """Shared H2020 projects among the problem's candidates."""
    index = {c.member.pic: i for i, c in enumerate(problem.candidates)}
    shared: dict[tuple[int, int], int] = defaultdict(int)
    seen = set()
    for pic in index:
        for rcn in by_pic.get(pic, ()):
            if rcn in seen:
                continue
            seen.add(rcn)
            team = sorted(index[p] for p in projects[rcn] if p in index)
            for a_pos, a in enumerate(team):
                for b in team[a_pos + 1 :]:
                    shared[(a, b)] += 1
    return dict(shared)


def with_fixed(problem: builder.Problem, projects, by_pic) -> None:
    """Each candidate's tie strength with the fixed coordinator (known before the
    preselection, as in the product: only the coordinator's projects are read)."""
    fixed = [c.member.pic for c in problem.candidates if c.fixed]
    shared: dict[str, int] = defaultdict(int)
    for pic in fixed:
        for rcn in by_pic.get(pic, ()):
            for other in set(projects[rcn]):
                shared[other] += 1
    for c in problem.candidates:
        c.with_fixed = 0.0 if c.fixed else builder.strength(shared.get(c.member.pic, 0))


def run_one(orgs, projects, by_pic, size: int, seed: int, keep: int = 150) -> dict:
    rng = random.Random(seed)
    pics, coordinator = sample_pool(orgs, projects, size, rng)
    problem = problem_for(orgs, projects, pics, coordinator, rng)
    started = time.perf_counter()
    with_fixed(problem, projects, by_pic)
    pool, kept = builder.preselect(problem, keep, 1, ties_unknown=True)
    pool.pairs = ties(pool, projects, by_pic)
    exact, _inner = builder.prune(pool, 1)
    first = builder.solve(exact, alternatives=1, time_limit=FIRST_LIMIT)
    first_seconds = time.perf_counter() - started
    started = time.perf_counter()
    three = builder.solve(exact, alternatives=3, differ=3, time_limit=3 * FIRST_LIMIT)
    three_seconds = time.perf_counter() - started
    # the baseline: the whole pool, ties of everyone, no preselection
    started = time.perf_counter()
    problem.pairs = ties(problem, projects, by_pic)
    full = builder.solve(problem, alternatives=1, time_limit=BASELINE_LIMIT)
    full_seconds = time.perf_counter() - started
    ours = first.solutions[0] if first.solutions else None
    theirs = full.solutions[0] if full.solutions else None
    lost = None
    if ours and theirs:
        lost = (
            max(0.0, (theirs.bound - ours.objective) / abs(theirs.bound)) if theirs.bound else 0.0
        )
    return {
        "benchmark": "consortium_speed",
        "candidates": len(problem.candidates),
        "seed": seed,
        "pool": len(exact.candidates),
        "first_seconds": round(first_seconds, 3),
        "first_gap": round(ours.gap, 5) if ours else None,
        "first_optimal": bool(ours and ours.optimal),
        "three_alternatives_seconds": round(three_seconds, 3),
        "alternatives_found": len(three.solutions),
        "baseline_seconds": round(full_seconds, 3),
        "baseline_status": full.status,
        "baseline_gap": round(theirs.gap, 5) if theirs else None,
        "objective": round(ours.objective, 4) if ours else None,
        "baseline_objective": round(theirs.objective, 4) if theirs else None,
        "baseline_bound": round(theirs.bound, 4) if theirs else None,
        "time_ratio_baseline_over_filiera": round(full_seconds / first_seconds, 2),
        "preselection_loss_at_most": round(lost, 5) if lost is not None else None,
        # what the whole-pool search found better than Filiera's answer (0: nothing better)
        "baseline_better_by": round(
            max(0.0, (theirs.objective - ours.objective) / abs(theirs.objective)), 5
        )
        if ours and theirs
        else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    args = parser.parse_args()
    folder = SHARED / "h2020"
    if not (folder / "h2020_participations.csv.gz").exists():
        raise SystemExit(f"Horizon 2020 data not found at {folder}: set FILIERA_SHARED_DATA")
    orgs, projects = read_h2020(folder)
    by_pic: dict[str, list[str]] = defaultdict(list)
    for rcn, pics in projects.items():
        for pic in pics:
            by_pic[pic].append(rcn)
    records = []
    for size in args.sizes:
        rows = [run_one(orgs, projects, by_pic, size, seed) for seed in range(args.seeds)]
        for row in rows:
            emit(**row)
            records.append(row)
        summary = {
            "benchmark": "consortium_speed_summary",
            "candidates": size,
            "runs": len(rows),
            "first_seconds_p50": statistics.median(r["first_seconds"] for r in rows),
            "first_seconds_max": max(r["first_seconds"] for r in rows),
            "first_gap_max": max(r["first_gap"] or 0 for r in rows),
            "within_5s_and_1pct": sum(
                r["first_seconds"] < 5 and (r["first_gap"] or 0) < 0.01 for r in rows
            ),
            "time_ratio_p50": statistics.median(
                r["time_ratio_baseline_over_filiera"] for r in rows
            ),
            "preselection_loss_max": max(r["preselection_loss_at_most"] or 0 for r in rows),
            "baseline_better_by_max": max(r["baseline_better_by"] or 0 for r in rows),
            "baseline_proven_optimal": sum(r["baseline_status"] == "optimal" for r in rows),
            "credit": "European Commission, CORDIS, CC BY 4.0 (structure); drawn relevance",
        }
        emit(**summary)
        records.append(summary)
    with OUTPUT.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record) + "\n")


if __name__ == "__main__":
    main()
