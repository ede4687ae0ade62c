"""The consortium builder against brute force: on small random problems every answer keeps
every rule, the first is the true optimum, alternatives are the best that differ enough,
an impossible problem names exactly the constraints whose removal alone would help, and
pruning never changes the optimum."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from filiera.consortia import builder, rules
from filiera.consortia.builder import Candidate, Problem, Weights
from filiera.consortia.members import Member

PROPERTY = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
COUNTRIES = ["IT", "FR", "DE", "NO", "US", None]
REGIONS = ["ITC4C", "ITC11", "ITC33", "ITI43"]  # Milano, Torino, Genova, Roma (NUTS 3)
KINDS = ["sme", "startup", "prime", "midcap", "university"]
CAPABILITIES = ["cap.a", "cap.b", "cap.c"]
# the rules the model holds as rows; per-member rules only filter the pool, `size` rules
# narrow the size range (both as the service does)
MODELLED = {
    "min_independent_entities",
    "min_countries",
    "min_distinct_regions",
    "max_per_country",
    "min_share",
}
TOLERANCE = 1e-6
CUSTOM = {
    "name": "custom",
    "params": {"countries": 2, "per_country": 2},
    "rules": [
        {"rule": "min_countries", "count": "$countries"},
        {"rule": "max_per_country", "count": "$per_country"},
    ],
}


def strength(shared: int) -> float:
    """A tie's strength as the builder documents it: 1 - 0.5^(projects in common)."""
    return 1.0 - 0.5**shared


# --- random problems ----------------------------------------------------------------------


@st.composite
def members(draw, count: int) -> list[tuple[Member, float, int]]:
    out = []
    for i in range(count):
        member = Member(
            org_id=100 + i,
            name=f"Org {i}",
            country=draw(st.sampled_from(COUNTRIES)),
            kind=draw(st.sampled_from(KINDS)),
            regions=tuple(draw(st.lists(st.sampled_from(REGIONS), max_size=1))),
            control_group=draw(st.sampled_from([None, None, "Group One", "group two"])),
            controlled_from=draw(st.sampled_from([None, "IT", "FR", "US"])),
            capabilities=frozenset(draw(st.sets(st.sampled_from(CAPABILITIES), max_size=2))),
        )
        relevance = draw(st.sampled_from([0.0, 0.2, 0.5, 0.5, 1.0]) | st.floats(0, 1))
        out.append((member, relevance, draw(st.integers(0, 3))))
    return out


@st.composite
def rule_sets(draw) -> rules.RuleSet:
    name = draw(st.sampled_from(["edf", "regional", "open", "custom"]))
    if name == "regional":
        high = draw(st.integers(2, 8))
        return rules.load(
            "regional",
            {
                "min_regions": draw(st.integers(1, 3)),
                "min_sme_share": draw(st.sampled_from([0.0, 0.25, 0.5, 0.75])),
                "min_partners": draw(st.integers(1, high)),
                "max_partners": high,
            },
        )
    if name == "custom":
        overrides = {"countries": draw(st.integers(1, 3)), "per_country": draw(st.integers(1, 3))}
        return rules.parse(CUSTOM, "custom.yaml", overrides)
    return rules.load(name)


@st.composite
def problems(draw, max_candidates: int = 12) -> Problem:
    rule_set = draw(rule_sets())
    drawn = draw(members(draw(st.integers(0, max_candidates))))
    admitted = [row for row in drawn if not rules.admits(rule_set, row[0])]
    low_rules, high_rules = rule_set.size_bounds()
    low = draw(st.integers(1, 5))
    high = low + draw(st.integers(0, 4))
    low, high = max(low, low_rules), min(high, high_rules or high)
    if low > high:
        low = high = max(low_rules, min(high_rules or low_rules, low))
    fixed_count = draw(st.integers(0, min(2, high, len(admitted))))
    fixed = set(draw(st.permutations(range(len(admitted))))[:fixed_count])
    candidates = [
        Candidate(member, relevance, history, fixed=i in fixed)
        for i, (member, relevance, history) in enumerate(admitted)
    ]
    pairs = {}
    for i, j in itertools.combinations(range(len(candidates)), 2):
        if draw(st.integers(0, 3)) == 0:
            pairs[(i, j)] = draw(st.integers(1, 3))
    for i, c in enumerate(candidates):  # ties with the fixed partners, as the service sums
        c.with_fixed = sum(strength(pairs.get((min(i, f), max(i, f)), 0)) for f in fixed)
    wanted = draw(st.sets(st.sampled_from(CAPABILITIES), max_size=2))
    covers = {
        code: [i for i, c in enumerate(candidates) if code in c.member.capabilities]
        for code in sorted(wanted)
    }
    coverable = [code for code, holders in covers.items() if holders]
    weights = Weights(
        relevance=1.0,
        collaboration=draw(st.sampled_from([0.0, 0.35, 1.0])),
        newcomer=draw(st.sampled_from([0.0, 0.1, 0.5])),
        member_cost=draw(st.sampled_from([0.0, 0.05, 0.3])),
        fixed_ties=draw(st.sampled_from([0.0, 0.5])),
    )
    return Problem(candidates, pairs, rule_set, coverable, covers, (low, high), weights)


# --- brute force --------------------------------------------------------------------------


def objective(problem: Problem, chosen: tuple[int, ...]) -> float:
    """sum(w.relevance * r + newcomer bonus + ties with the fixed partners - cost)
    + w.collaboration * sum_i min(1, ties), over the chosen ones (fixed ones included)."""
    w = problem.weights
    total = 0.0
    for i in chosen:
        c = problem.candidates[i]
        total += w.relevance * c.relevance + (w.newcomer if c.history == 0 else 0.0)
        total += 0.0 if c.fixed else w.fixed_ties * c.with_fixed
        total -= w.member_cost
        tie = sum(strength(problem.pairs.get((min(i, j), max(i, j)), 0)) for j in chosen if j != i)
        total += w.collaboration * min(1.0, tie)
    return total


def families(problem: Problem) -> list[str]:
    names = ["size", *(f"capability:{code}" for code in problem.capabilities)]
    names += [f"{n}:{r.kind}" for n, r in enumerate(problem.rules.rules) if r.kind in MODELLED]
    return names


def broken(problem: Problem, chosen: tuple[int, ...]) -> set[str]:
    """The constraint families `chosen` breaks, judged by the rule checker itself."""
    out = set()
    low, high = problem.size
    if not low <= len(chosen) <= high:
        out.add("size")
    for code in problem.capabilities:
        if not set(problem.covers[code]) & set(chosen):
            out.add(f"capability:{code}")
    team = [problem.candidates[i].member for i in chosen]
    for n, (rule, outcome) in enumerate(
        zip(problem.rules.rules, rules.check(problem.rules, team), strict=True)
    ):
        if outcome.ok:
            continue
        if rule.kind in MODELLED:
            out.add(f"{n}:{rule.kind}")
        elif rule.kind == "size":
            out.add("size")
        else:  # per-member rules: the pool holds admitted candidates only
            raise AssertionError(f"an admitted candidate broke {rule.kind}: {outcome.detail}")
    return out


@dataclass
class Truth:
    feasible: list[tuple[int, ...]]
    broken: dict[tuple[int, ...], set[str]]

    def best(self, problem: Problem, allowed=lambda chosen: True) -> float | None:
        values = [objective(problem, s) for s in self.feasible if allowed(s)]
        return max(values) if values else None


def brute_force(problem: Problem) -> Truth:
    fixed = {i for i, c in enumerate(problem.candidates) if c.fixed}
    free = [i for i in range(len(problem.candidates)) if i not in fixed]
    found, failures = [], {}
    for r in range(len(free) + 1):
        for extra in itertools.combinations(free, r):
            chosen = tuple(sorted(fixed | set(extra)))
            failures[chosen] = broken(problem, chosen)
            if not failures[chosen]:
                found.append(chosen)
    return Truth(found, failures)


def free_part(problem: Problem, chosen) -> set[int]:
    return {i for i in chosen if not problem.candidates[i].fixed}


def differs_enough(problem: Problem, earlier, later, differ: int) -> bool:
    dropped = free_part(problem, earlier) - set(later)
    return len(dropped) >= min(differ, len(free_part(problem, earlier)))


# --- the solver -----------------------------------------------------------------------------


@PROPERTY
@given(
    problem=problems(),
    alternatives=st.integers(1, 3),
    differ=st.integers(1, 3),
)
def test_solutions_are_feasible_optimal_and_different(
    problem: Problem, alternatives: int, differ: int
) -> None:
    truth = brute_force(problem)
    outcome = builder.solve(problem, alternatives=alternatives, differ=differ)
    if not truth.feasible:
        assert outcome.status == "infeasible" and outcome.solutions == []
        return
    assert outcome.status == "optimal" and outcome.solutions
    fixed = {i for i, c in enumerate(problem.candidates) if c.fixed}
    earlier: list[tuple[int, ...]] = []
    for solution in outcome.solutions:
        chosen = tuple(sorted(solution.members))
        team = [problem.candidates[i].member for i in chosen]
        assert all(o.ok for o in rules.check(problem.rules, team)), chosen
        assert fixed <= set(chosen)
        low, high = problem.size
        assert low <= len(chosen) <= high
        for code in problem.capabilities:
            assert set(problem.covers[code]) & set(chosen), code
        assert not truth.broken[chosen]
        assert abs(solution.objective - objective(problem, chosen)) <= TOLERANCE
        assert chosen not in earlier
        assert all(differs_enough(problem, e, chosen, differ) for e in earlier)

        def allowed(s, before=tuple(earlier)):
            return all(differs_enough(problem, e, s, differ) for e in before)

        best = truth.best(problem, allowed)
        assert abs(solution.objective - best) <= TOLERANCE, (solution.objective, best)
        earlier.append(chosen)
    first = outcome.solutions[0]
    assert abs(first.objective - truth.best(problem)) <= TOLERANCE
    if len(outcome.solutions) < alternatives:  # no further answer differs enough
        last = earlier[-1]
        assert (
            not free_part(problem, last)
            or truth.best(
                problem, lambda s: all(differs_enough(problem, e, s, differ) for e in earlier)
            )
            is None
        )


@PROPERTY
@given(problem=problems(max_candidates=10))
def test_culprits_are_the_families_whose_removal_alone_helps(problem: Problem) -> None:
    truth = brute_force(problem)
    if truth.feasible:
        return
    outcome = builder.solve(problem)
    assert outcome.status == "infeasible" and not outcome.solutions
    if not problem.candidates:  # nobody to build with: nothing else to blame
        assert builder.culprits(problem) == []
        return
    helping = {name for name in families(problem) if _feasible_without(problem, name)}
    assert set(builder.culprits(problem)) == helping


def _feasible_without(problem: Problem, name: str) -> bool:
    """Brute force over every subset (any size once `size` is dropped)."""
    fixed = {i for i, c in enumerate(problem.candidates) if c.fixed}
    free = [i for i in range(len(problem.candidates)) if i not in fixed]
    for r in range(len(free) + 1):
        for extra in itertools.combinations(free, r):
            chosen = tuple(sorted(fixed | set(extra)))
            if broken(problem, chosen) <= {name}:
                return True
    return False


def test_an_impossible_size_is_blamed_on_the_size() -> None:
    edf = rules.load("edf")
    team = [
        Candidate(Member(1, "A", "IT", "sme"), 0.5, 0),
        Candidate(Member(2, "B", "FR", "sme"), 0.5, 0),
        Candidate(Member(3, "C", "DE", "prime"), 0.5, 0),
    ]
    problem = Problem(team, {}, edf, [], {}, (2, 2))
    assert builder.solve(problem).status == "infeasible"
    # two EDF rules each need three partners: dropping either alone does not help
    assert builder.culprits(problem) == ["size"]


def test_common_control_is_one_entity_for_the_solver() -> None:
    """Three countries, but the two fixed partners are under common control: a fourth,
    independent partner is needed."""
    edf = rules.load("edf")
    team = [
        Candidate(Member(1, "A", "IT", "prime", control_group="Leonardo"), 0.9, 1, fixed=True),
        Candidate(Member(2, "B", "FR", "prime", control_group="leonardo "), 0.9, 1, fixed=True),
        Candidate(Member(3, "C", "DE", "sme"), 0.9, 1),
        Candidate(Member(4, "D", "ES", "sme"), 0.1, 1),
    ]
    three = Problem(team, {}, edf, [], {}, (3, 3))
    assert builder.solve(three).status == "infeasible"
    assert builder.culprits(three) == ["size", "3:min_independent_entities"]
    four = Problem(team, {}, edf, [], {}, (3, 4))
    (solution,) = builder.solve(four).solutions
    assert sorted(solution.members) == [0, 1, 2, 3]


def _rule_set(rule: dict) -> rules.RuleSet:
    return rules.parse({"name": "one", "rules": [rule]}, "one.yaml", {})


BINDING = {
    # rule, (country, kind, region) of strong candidates, then of weak ones
    "max_per_country": (
        {"rule": "max_per_country", "count": 3},
        ("IT", "prime", ""),
        ("FR", "prime", ""),
    ),
    "min_countries": (
        {"rule": "min_countries", "count": 2},
        ("IT", "prime", ""),
        ("FR", "prime", ""),
    ),
    "min_share": (
        {"rule": "min_share", "kinds": ["sme"], "share": 0.5},
        ("IT", "prime", ""),
        ("IT", "sme", ""),
    ),
    "min_distinct_regions": (
        {"rule": "min_distinct_regions", "regions": ["ITC4", "ITC1"], "count": 2},
        ("IT", "prime", "ITC4C"),
        ("IT", "prime", "ITC11"),
    ),
    "min_independent_entities": (
        {"rule": "min_independent_entities", "entities": 3, "countries": 3},
        ("IT", "prime", ""),
        ("FR", "prime", ""),
    ),
}


@pytest.mark.parametrize("case", list(BINDING.values()), ids=list(BINDING))
def test_each_rule_binds_the_solver(case) -> None:
    """Four strong look-alikes and three weak others: the best four break the rule, so the
    answer must trade relevance for it, and still be the best that keeps it."""
    rule, strong, weak = case
    looks = [(strong, 1.0)] * 4 + [(weak, 0.2)] * 3
    team = []
    for k, ((country, kind, region), relevance) in enumerate(looks):
        country = "DE" if k == 6 and rule["rule"] == "min_independent_entities" else country
        regions = (region,) if region else ()
        team.append(Candidate(Member(k, f"Org {k}", country, kind, regions=regions), relevance, 1))
    problem = Problem(team, {}, _rule_set(rule), [], {}, (4, 4))
    strongest = [team[i].member for i in range(4)]
    assert not all(o.ok for o in rules.check(problem.rules, strongest))
    (solution,) = builder.solve(problem).solutions
    chosen = tuple(sorted(solution.members))
    assert all(o.ok for o in rules.check(problem.rules, [team[i].member for i in chosen]))
    assert solution.objective == pytest.approx(brute_force(problem).best(problem), abs=TOLERANCE)


# --- pruning ----------------------------------------------------------------------------------


@st.composite
def crowded(draw) -> tuple[Problem, int]:
    """Few kinds of candidates, each many times over: what pruning is for."""
    rule_set = draw(st.sampled_from(["edf", "regional", "open"]))
    rule_set = rules.load(rule_set)
    prototypes = draw(st.lists(members(1), min_size=2, max_size=4))
    candidates = []
    for ((member, _, _),) in prototypes:
        if rules.admits(rule_set, member):
            continue
        for copy in range(draw(st.integers(1, 8))):
            twin = Member(
                org_id=1000 + len(candidates),
                name=f"{member.name} #{copy}",
                country=member.country,
                kind=member.kind,
                regions=member.regions,
                control_group=member.control_group,
                controlled_from=member.controlled_from,
                capabilities=member.capabilities,
            )
            relevance = draw(st.sampled_from([0.1, 0.4, 0.4, 0.8]))
            candidates.append(Candidate(twin, relevance, draw(st.integers(0, 1))))
    if candidates and draw(st.booleans()):
        candidates[0].fixed = True
    pairs = {}
    for i, j in itertools.combinations(range(len(candidates)), 2):
        if draw(st.integers(0, 6)) == 0:
            pairs[(i, j)] = draw(st.integers(1, 3))
    wanted = draw(st.sets(st.sampled_from(CAPABILITIES), max_size=2))
    covers = {
        code: [i for i, c in enumerate(candidates) if code in c.member.capabilities]
        for code in sorted(wanted)
    }
    low_rules, high_rules = rule_set.size_bounds()
    high = max(low_rules, draw(st.integers(1, 4)))
    if high_rules is not None:
        high = min(high, high_rules)
    weights = Weights(collaboration=draw(st.sampled_from([0.0, 0.35, 1.0])))
    coverable = [code for code, holders in covers.items() if holders]
    problem = Problem(candidates, pairs, rule_set, coverable, covers, (low_rules, high), weights)
    return problem, draw(st.integers(1, 2))


def best_objective(problem: Problem) -> float | None:
    outcome = builder.solve(problem, gap=0.0)
    return outcome.solutions[0].objective if outcome.solutions else None


@PROPERTY
@given(case=crowded())
def test_prune_keeps_the_optimum(case: tuple[Problem, int]) -> None:
    problem, alternatives = case
    smaller, kept = builder.prune(problem, alternatives)
    assert {i for i, c in enumerate(problem.candidates) if c.fixed} <= set(kept)
    assert [smaller.candidates[k] for k in range(len(kept))] == [
        problem.candidates[i] for i in kept
    ]
    full, pruned = best_objective(problem), best_objective(smaller)
    if full is None:
        assert pruned is None
    else:
        assert pruned is not None and abs(full - pruned) <= TOLERANCE
    shortlisted, _ = builder.shortlist(problem, keep=len(problem.candidates), alternatives=1)
    listed = best_objective(shortlisted)
    assert (listed is None) == (full is None)
    if full is not None:
        assert abs(full - listed) <= TOLERANCE


def _twins(count: int, relevance: float, country: str = "IT", start: int = 0) -> list[Candidate]:
    return [
        Candidate(Member(start + k, f"Twin {start + k}", country, "sme"), relevance, 1)
        for k in range(count)
    ]


def test_prune_drops_the_surplus_of_a_crowded_class() -> None:
    problem = Problem(_twins(9, 0.5), {}, rules.load("open"), [], {}, (2, 3))
    smaller, kept = builder.prune(problem)
    assert len(kept) == 3  # size max: enough to swap any one of the others for
    assert best_objective(smaller) == pytest.approx(best_objective(problem), abs=TOLERANCE)


def test_prune_keeps_enough_of_a_class_of_equal_candidates() -> None:
    """Equal worth is no reason to drop them all."""
    problem = Problem(_twins(5, 0.5), {}, rules.load("open"), [], {}, (3, 3))
    smaller, kept = builder.prune(problem)
    assert len(kept) >= 3
    assert builder.solve(smaller).status == "optimal"


def test_prune_values_what_a_partner_brings_to_its_partners_credits() -> None:
    """A weak candidate tied to three others lifts their collaboration credits too: five
    look-alikes (one partner per country) worth more on their own are no substitute."""
    hub = Candidate(Member(0, "Hub", "FR", "sme"), 0.3, 2)
    spokes = [
        Candidate(Member(k, f"Spoke {k}", c, "sme"), 0.3, 2)
        for k, c in ((1, "DE"), (2, "ES"), (3, "PL"))
    ]
    rivals = [
        Candidate(Member(10 + k, f"Rival {k}", "FR", "sme"), 0.75 + k / 100, 1) for k in range(5)
    ]
    one_per_country = rules.parse(CUSTOM, "custom.yaml", {"countries": 1, "per_country": 1})
    problem = Problem(
        [hub, *spokes, *rivals],
        {(0, 1): 3, (0, 2): 3, (0, 3): 3},
        one_per_country,
        [],
        {},
        (4, 4),
        Weights(collaboration=0.35),
    )
    full = builder.solve(problem, gap=0.0).solutions[0]
    assert sorted(full.members) == [0, 1, 2, 3]
    smaller, kept = builder.prune(problem)
    assert 0 in kept
    assert len(kept) < len(problem.candidates)  # the weakest rival still goes
    assert best_objective(smaller) == pytest.approx(full.objective, abs=TOLERANCE)


def test_prune_counts_capabilities_as_the_model_does() -> None:
    """`covers` may list a candidate for a parent code it does not hold itself (the index
    counts descendants): pruning must not mistake it for a look-alike that covers nothing."""
    twins = _twins(6, 0.6)
    twins.append(
        Candidate(
            Member(99, "Radar maker", "IT", "sme", capabilities=frozenset({"electronics.radar"})),
            0.1,
            1,
        )
    )
    problem = Problem(twins, {}, rules.load("open"), ["electronics"], {"electronics": [6]}, (1, 2))
    smaller, kept = builder.prune(problem)
    assert 6 in kept
    assert builder.solve(smaller).status == "optimal"
