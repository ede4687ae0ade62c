"""The consortium builder: an exact MILP (HiGHS) over a pruned pool of candidates.

Maximise  sum_i x_i (w_rel * relevance_i + w_new * newcomer_i + w_fix * with_fixed_i - cost)
        + w_col * sum_i c_i
subject to the rule set (as linear constraints), the required capabilities (each covered
by a partner), the size range, the fixed partners, and, for the k-th alternative, a
"no-good" cut per earlier answer so each differs from it in at least `differ` partners.
Here with_fixed_i is the strength of i's ties with the fixed partners (past partners of
the coordinator are the best predictor of a real consortium: see
benchmarks/consortium_quality.py), and c_i, partner i's proven-collaboration credit, is at
most 1 and at most the sum of its ties to the other partners; a tie's strength is
1 - 0.5^(projects in common): one shared project counts half, three almost fully.

EDF's "at least 3 entities from 3 countries, not under common control" is a bipartite
matching of control groups to countries (z_gc <= partners of group g in country c, each
group and each country used once, sum z >= 3): exact, and integral for integral x.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass, field

import highspy

from filiera import solvers
from filiera.consortia.members import Member
from filiera.consortia.rules import RuleSet

INF = highspy.kHighsInf
COUNTRY_FEW = 3  # best candidates kept per country, so countries rules can be met


@dataclass(frozen=True)
class Weights:
    """How the objective trades relevance, proven collaboration and newcomers."""

    relevance: float = 1.0
    collaboration: float = 0.35
    newcomer: float = 0.1  # a bonus for partners without any funded project yet
    member_cost: float = 0.05  # a partner must bring more than this to be added
    fixed_ties: float = 0.0  # per unit of tie strength with the fixed partners (coordinator)


@dataclass
class Candidate:
    member: Member
    relevance: float
    history: int  # funded projects known
    fixed: bool = False
    with_fixed: float = 0.0  # sum of tie strengths with the fixed partners

    @property
    def newcomer(self) -> bool:
        return self.history == 0


@dataclass
class Problem:
    candidates: list[Candidate]
    pairs: dict[tuple[int, int], int]  # (i, j) candidate indices, i < j -> shared projects
    rules: RuleSet
    capabilities: list[str]  # required; each must be covered by one partner
    covers: dict[str, list[int]]  # capability -> candidate indices that cover it
    size: tuple[int, int]
    weights: Weights = field(default_factory=Weights)


@dataclass
class Solution:
    members: list[int]  # candidate indices
    objective: float
    bound: float
    gap: float  # relative, 0 when proven optimal
    optimal: bool
    seconds: float


@dataclass
class Outcome:
    solutions: list[Solution]
    status: str  # optimal, feasible (time limit), infeasible
    pool: int
    seconds: float


def strength(shared: int) -> float:
    return 1.0 - 0.5**shared


def _coefficients(problem: Problem) -> list[float]:
    """Objective weight of each candidate on its own."""
    w = problem.weights
    return [
        w.relevance * c.relevance
        + (w.newcomer if c.newcomer else 0.0)
        + (0.0 if c.fixed else w.fixed_ties * c.with_fixed)
        - w.member_cost
        for c in problem.candidates
    ]


def _ties(problem: Problem) -> dict[int, list[tuple[int, float]]]:
    """candidate -> (other candidate, tie strength) for each one it worked with."""
    ties: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for (i, j), shared in problem.pairs.items():
        ties[i].append((j, strength(shared)))
        ties[j].append((i, strength(shared)))
    return ties


def _group_rows(x: list[int], keys: dict[int, object]) -> dict[object, list[int]]:
    """Candidates' columns by key (country, region...), leaving out those without one."""
    groups: dict[object, list[int]] = defaultdict(list)
    for i, key in keys.items():
        if key is not None:
            groups[key].append(x[i])
    return groups


def _at_least_distinct(
    m: solvers.Model, groups: dict[object, list[int]], count: int
) -> list[tuple]:
    """sum over groups of [some member of the group is in] >= count."""
    rows, flags = [], []
    for members in groups.values():
        flag = m.var(0.0)
        flags.append(flag)
        rows.append(([flag, *members], [1.0] + [-1.0] * len(members), -INF, 0.0))
    rows.append((flags, [1.0] * len(flags), float(count), INF))
    return rows


def _independent_rows(
    m: solvers.Model, x: list[int], cands: list[Candidate], entities: int, countries: int
) -> list[tuple]:
    """At least `entities` control groups present, and a matching of groups to countries
    of size min(entities, countries): together exactly "that many independent partners
    spread over that many countries" (the matched ones plus any others of other groups)."""
    cells: dict[tuple[str, str], list[int]] = defaultdict(list)
    by_group: dict[str, list[int]] = defaultdict(list)
    for i, c in enumerate(cands):
        if c.member.country:
            cells[(c.member.group, c.member.country)].append(x[i])
            by_group[c.member.group].append(x[i])
    rows = _at_least_distinct(m, by_group, entities)
    z: dict[tuple[str, str], int] = {}
    for cell, members in cells.items():
        z[cell] = m.var(0.0)
        rows.append(([z[cell], *members], [1.0] + [-1.0] * len(members), -INF, 0.0))
    per_group, per_country = defaultdict(list), defaultdict(list)
    for (g, country), var in z.items():
        per_group[g].append(var)
        per_country[country].append(var)
    for vars_ in (*per_group.values(), *per_country.values()):
        if len(vars_) > 1:
            rows.append((vars_, [1.0] * len(vars_), -INF, 1.0))
    rows.append((list(z.values()), [1.0] * len(z), float(min(entities, countries)), INF))
    return rows


def _rule_rows(problem: Problem, m: solvers.Model, x: list[int]) -> dict[str, list[tuple]]:
    """The rows of each rule (keyed by rule name, for the infeasibility diagnosis)."""
    cands = problem.candidates
    out: dict[str, list[tuple]] = {}
    for n, rule in enumerate(problem.rules.rules):
        name = f"{n}:{rule.kind}"
        if rule.kind == "min_independent_entities":
            out[name] = _independent_rows(
                m, x, cands, rule.args["entities"], rule.args["countries"]
            )
        elif rule.kind == "min_countries":
            keys = {i: c.member.country for i, c in enumerate(cands)}
            out[name] = _at_least_distinct(m, _group_rows(x, keys), rule.args["count"])
        elif rule.kind == "min_distinct_regions":
            regions = rule.args["regions"]
            keys = {i: c.member.in_region(regions) for i, c in enumerate(cands)}
            out[name] = _at_least_distinct(m, _group_rows(x, keys), rule.args["count"])
        elif rule.kind == "max_per_country":
            keys = {i: c.member.country for i, c in enumerate(cands)}
            groups = _group_rows(x, keys)
            limit = float(rule.args["count"])
            out[name] = [
                (v, [1.0] * len(v), -INF, limit) for v in groups.values() if len(v) > limit
            ]
        elif rule.kind == "min_share":
            share, kinds = rule.args["share"], rule.args["kinds"]
            coef = [(1.0 if c.member.kind in kinds else 0.0) - share for c in cands]
            out[name] = [(list(x), coef, -1e-9, INF)]
        # size: in the size row; per-member rules: the pool holds admissible candidates only
    return out


def _base_model(problem: Problem) -> tuple[solvers.Model, list[int], dict[str, list[tuple]]]:
    """Columns x (one per candidate) and c (proven-collaboration credit), and the rows of
    each constraint family. c_i <= x_i and c_i <= sum_j strength_ij x_j: a partner earns up
    to one unit for its ties to the others, so the objective prefers teams with proven
    links without rewarding a closed circle of past winners quadratically."""
    linear = _coefficients(problem)
    m = solvers.Model()
    x = [
        m.var(linear[i], lower=1.0 if c.fixed else 0.0, integer=True)
        for i, c in enumerate(problem.candidates)
    ]
    for i, ties in _ties(problem).items():
        credit = m.var(problem.weights.collaboration)
        m.row([credit, x[i]], [1.0, -1.0], -INF, 0.0)
        m.row([credit] + [x[j] for j, _ in ties], [1.0] + [-s for _, s in ties], -INF, 0.0)
    families: dict[str, list[tuple]] = {}
    low, high = problem.size
    families["size"] = [(list(x), [1.0] * len(x), float(low), float(high))]
    for code in problem.capabilities:
        holders = problem.covers.get(code, [])
        families[f"capability:{code}"] = [([x[i] for i in holders], [1.0] * len(holders), 1.0, INF)]
    families.update(_rule_rows(problem, m, x))
    return m, x, families


def solve(
    problem: Problem,
    *,
    alternatives: int = 1,
    differ: int = 1,
    time_limit: float = 10.0,
    gap: float = 1e-4,
) -> Outcome:
    """Up to `alternatives` best consortia, each differing from every earlier one in at
    least `differ` partners (beyond the fixed ones)."""
    started = time.perf_counter()
    if not problem.candidates:  # HiGHS calls a model without columns empty, not infeasible
        return Outcome([], "infeasible", 0, time.perf_counter() - started)
    m, x, families = _base_model(problem)
    for rows in families.values():
        m.rows.extend(rows)
    m.load()
    h = m.h
    h.setOptionValue("mip_rel_gap", gap)
    solutions: list[Solution] = []
    status = "optimal"
    for _ in range(max(1, alternatives)):
        remaining = time_limit - (time.perf_counter() - started)
        if remaining <= 0.05:
            break
        h.setOptionValue("time_limit", remaining)
        t0 = time.perf_counter()
        h.run()
        model_status = h.getModelStatus()
        values = h.getSolution().col_value
        info = h.getInfo()
        has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
        if not has_solution:
            if not solutions:
                status = (
                    "infeasible"
                    if model_status == highspy.HighsModelStatus.kInfeasible
                    else "no_answer"
                )
            break
        chosen = [i for i, col in enumerate(x) if values[col] > 0.5]
        optimal = model_status == highspy.HighsModelStatus.kOptimal
        objective = info.objective_function_value
        bound = info.mip_dual_bound if math.isfinite(info.mip_dual_bound) else objective
        rel_gap = 0.0 if optimal and info.mip_gap <= gap else max(0.0, info.mip_gap)
        solutions.append(
            Solution(chosen, objective, bound, rel_gap, optimal, time.perf_counter() - t0)
        )
        if not optimal:
            status = "feasible"
        free = [i for i in chosen if not problem.candidates[i].fixed]
        if not free:
            break
        need = min(differ, len(free))
        m.add_rows([([x[i] for i in free], [1.0] * len(free), -INF, float(len(free) - need))])
    return Outcome(solutions, status, len(problem.candidates), time.perf_counter() - started)


def culprits(problem: Problem, time_limit: float = 5.0) -> list[str]:
    """When no consortium fits, the constraint families whose removal alone makes one
    possible (each a name: `size`, `capability:<code>`, `<n>:<rule kind>`)."""
    names = list(_base_model(problem)[2])
    found = []
    for name in names:
        m2, x2, fam2 = _base_model(problem)
        for other, rows in fam2.items():
            if other != name:
                m2.rows.extend(rows)
        m2.load()
        m2.h.setOptionValue("time_limit", time_limit / max(1, len(names)))
        m2.h.setOptionValue("mip_rel_gap", 1.0)  # any feasible answer will do
        m2.h.run()
        if m2.h.getInfo().primal_solution_status == 2:
            found.append(name)
    return found


def _class_key(problem: Problem, c: Candidate, held: frozenset[str]) -> tuple:
    """Candidates with one key are interchangeable for every rule and capability."""
    m = c.member
    parts: list[object] = [m.country, m.group if m.control_group else "own"]
    for rule in problem.rules.rules:
        if rule.kind == "min_distinct_regions":
            parts.append(m.in_region(rule.args["regions"]))
        elif rule.kind == "min_share":
            parts.append(m.kind in rule.args["kinds"])
    parts.append(held)
    return tuple(parts)


def covered(problem: Problem) -> dict[int, frozenset[str]]:
    """Candidate index -> the required capabilities it covers, as the model counts them
    (`covers`, which holds descendants of a required code too)."""
    held: dict[int, set[str]] = defaultdict(set)
    for code in problem.capabilities:
        for i in problem.covers.get(code, ()):
            held[i].add(code)
    return {i: frozenset(codes) for i, codes in held.items()}


def _worth_at_most(problem: Problem, linear: list[float], ties: dict) -> list[float]:
    """The most each candidate can add to an answer: its own weight, its collaboration
    credit (at most 1) and what its ties add to its partners' credits (each credit moves
    by at most the tie's strength), over its `size max - 1` strongest ties."""
    w_col = problem.weights.collaboration
    room = max(0, problem.size[1] - 1)
    out = []
    for i, own in enumerate(linear):
        strongest = sorted((s for _, s in ties.get(i, ())), reverse=True)[:room]
        total = sum(strongest)
        out.append(own + w_col * (min(1.0, total) + total))
    return out


def _subproblem(problem: Problem, keep: list[int]) -> Problem:
    """The problem restricted to the candidates `keep` (ascending original indices)."""
    where = {old: new for new, old in enumerate(keep)}
    pairs = {
        (where[i], where[j]): n for (i, j), n in problem.pairs.items() if i in where and j in where
    }
    covers = {
        code: [where[i] for i in holders if i in where] for code, holders in problem.covers.items()
    }
    return Problem(
        [problem.candidates[i] for i in keep],
        pairs,
        problem.rules,
        problem.capabilities,
        covers,
        problem.size,
        problem.weights,
    )


def prune(problem: Problem, alternatives: int = 1) -> tuple[Problem, list[int]]:
    """Drop every candidate that cannot be in an optimal answer: one with at least
    `size max x alternatives` interchangeable others (same country, control, region, kind
    class and capabilities) each worth more on their own than it could be worth at best.
    Exact: any answer using it can swap it for an unused one of them at no loss.
    Returns the smaller problem and the original index of each kept candidate."""
    linear = _coefficients(problem)
    best = _worth_at_most(problem, linear, _ties(problem))
    threshold = problem.size[1] * max(1, alternatives)
    held = covered(problem)
    classes: dict[tuple, list[int]] = defaultdict(list)
    for i, c in enumerate(problem.candidates):
        if not c.fixed:
            classes[_class_key(problem, c, held.get(i, frozenset()))].append(i)
    drop: set[int] = set()
    for members in classes.values():
        if len(members) <= threshold:
            continue
        # the `threshold` best on their own always stay, so every dropped one has that
        # many kept ones to be swapped for (ties in value broken by position)
        ranked = sorted(members, key=lambda i: (-linear[i], i))
        cutoff = linear[ranked[threshold - 1]]
        drop.update(i for i in ranked[threshold:] if best[i] <= cutoff)
    keep = [i for i in range(len(problem.candidates)) if i not in drop]
    return _subproblem(problem, keep), keep


def shortlist(
    problem: Problem, keep: int = 150, alternatives: int = 1
) -> tuple[Problem, list[int]]:
    """`preselect`, then `prune` (exact). Returns the problem and original indices."""
    pool, kept = preselect(problem, keep, alternatives)
    exact, inner = prune(pool, alternatives)
    return exact, [kept[i] for i in inner]


def preselect(
    problem: Problem, keep: int = 150, alternatives: int = 1, *, ties_unknown: bool = False
) -> tuple[Problem, list[int]]:
    """The pool the exact solver works on: the fixed partners, the `keep` best candidates
    (on their own, plus their best possible collaboration credit), and for each country,
    kind class, region and required capability its best few, so every rule can still be
    met the best way. With `ties_unknown` (pairs not computed yet, as for a large registry)
    every candidate is assumed to have ties. Returns the problem and original indices."""
    linear = _coefficients(problem)
    ties = _ties(problem)
    w_col = problem.weights.collaboration
    best = [linear[i] + (w_col if ties_unknown or i in ties else 0.0) for i in range(len(linear))]
    held = covered(problem)
    order = sorted(range(len(linear)), key=lambda i: -best[i])
    chosen = {i for i, c in enumerate(problem.candidates) if c.fixed}
    chosen.update(order[:keep])
    few = problem.size[1] + max(0, alternatives - 1)
    few_per_country = min(few, COUNTRY_FEW)
    buckets: dict[tuple, list[int]] = defaultdict(list)
    for i in order:
        c = problem.candidates[i]
        keys: list[tuple] = [("country", c.member.country, few_per_country)]
        if c.member.control_group:
            keys.append(("group", c.member.group))
        keys += [("capability", code) for code in sorted(held.get(i, ()))]
        for rule in problem.rules.rules:
            if rule.kind == "min_distinct_regions":
                keys.append(("region", c.member.in_region(rule.args["regions"])))
            elif rule.kind == "min_share":
                keys.append(("share", rule.kind, c.member.kind in rule.args["kinds"]))
        for key in keys:
            limit = key[2] if key[0] == "country" else few
            if len(buckets[key]) < limit:
                buckets[key].append(i)
                chosen.add(i)
    kept = sorted(chosen)
    return _subproblem(problem, kept), kept
