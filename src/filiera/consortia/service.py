"""Build consortia for a viewer: the one home of the builder's rules.

Everything is computed among the organisations the viewer may see: relevance comes from
the matchmaking service (`match.service.relevance`, the same counting and scaling as a
search), candidates, collaboration ties and rule checks use visible organisations only, so
a hidden organisation is never proposed, counted or hinted at.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from filiera.access.viewer import Viewer
from filiera.consortia import builder, calls, rules
from filiera.consortia.explain import say
from filiera.consortia.funding import for_rule_set
from filiera.consortia.graph import Collaboration, History, collaboration, projects_of
from filiera.consortia.inputs import (
    audit_restricted,
    covers,
    members_at,
    resolve_refs,
    rule_set_for,
)
from filiera.consortia.members import Member
from filiera.consortia.schemas import (
    BuildIn,
    BuildOut,
    ConsortiumOut,
    MemberOut,
    RuleOut,
)
from filiera.errors import NotFound, ValidationFailed, field_error
from filiera.match.engine import MatchFilters
from filiera.match.index import MatchIndex
from filiera.match.service import Relevance, current_index, relevance, viewer_mask
from filiera.registry import taxonomy

NOT_PARTNERS = ["cluster", "investor", "buyer", "public_body"]  # they gather, fund, buy or
# grant; a user who wants one in the consortium locks it (`with`)
DEFAULT_SIZE = (3, 8)
TIME_LIMIT = 10.0  # seconds for all alternatives together


class NoConsortium(ValidationFailed):
    """No consortium satisfies every rule with the partners fixed and those available.

    `culprits` names, detail by detail, what makes it impossible (`size`,
    `capability:<code>`, `rule:<kind>`, or None), so a page can say it in its language
    without reading the English message."""

    code = "no_consortium"

    def __init__(self, message: str, *, culprits: list[str | None] | None = None, **named):
        super().__init__(message, **named)
        self.culprits = list(culprits or [None] * len(self.errors))


# --- the brief: what to build for ---------------------------------------------------------


@dataclass
class Brief:
    text: str
    lang: str | None
    rule_set: rules.RuleSet
    capabilities: list[str]
    size: tuple[int, int]
    fixed: list[int]
    excluded: list[int]
    call: dict[str, Any] | None


def brief_of(session: Session, viewer: Viewer, data: BuildIn) -> Brief:
    """Validate the request against the call, the rule set and the registry."""
    call = calls.get_call(session, viewer, data.call_id) if data.call_id else None
    text = data.text or f"{call.title}. {call.text}"
    rule_name = data.rules or (call.rules if call else "open")
    params = {**(call.rule_params if call else {}), **data.rule_params}
    rule_set = rule_set_for(viewer, rule_name, params)
    capabilities = list(dict.fromkeys([*calls.required_capabilities(call), *data.capabilities]))
    low_rules, high_rules = rule_set.size_bounds()
    low = data.size_min or (call.size_min if call else None) or max(low_rules, DEFAULT_SIZE[0])
    high = (
        data.size_max
        or (call.size_max if call else None)
        or high_rules
        or max(low, DEFAULT_SIZE[1])
    )
    if high_rules is not None:
        high = min(high, high_rules)
    if high < low_rules:
        message = (
            f"the rules of {rule_set.title} need at least {low_rules} partners; "
            f"a consortium of at most {high} cannot satisfy them"
        )
        raise ValidationFailed(message, errors=[field_error("consortium", "size_max", message)])
    low = max(low, low_rules)
    if low > high:
        message = f"size {low} to {high}: the smallest size is above the largest"
        raise ValidationFailed(message, errors=[field_error("consortium", "size_min", message)])
    fixed = resolve_refs(session, viewer, data.with_, "with")
    excluded = resolve_refs(session, viewer, data.without, "without")
    both = set(fixed) & set(excluded)
    if both:
        message = f"organisation {sorted(both)[0]} is both fixed (with) and excluded (without)"
        raise ValidationFailed(message, errors=[field_error("consortium", "without", message)])
    if len(fixed) > high:
        message = f"{len(fixed)} fixed partners, but at most {high} partners are allowed"
        raise ValidationFailed(message, errors=[field_error("consortium", "with", message)])
    call_info = calls.summary(call) if call else None
    return Brief(text, data.lang, rule_set, capabilities, (low, high), fixed, excluded, call_info)


# --- building -----------------------------------------------------------------------------


def _candidate_positions(rel: Relevance, brief: Brief, index: MatchIndex) -> list[int]:
    """Visible organisations worth considering: relevant ones, those covering a required
    capability, the fixed ones, and a few per country (for the countries rules)."""
    usable = rel.eligible.copy()
    for org_id in brief.excluded:
        if (p := index.position(org_id)) is not None:
            usable[p] = False
    wanted = usable & (rel.final > 0)
    for code in brief.capabilities:
        holders = index.capability_masks.get(code)
        if holders is not None:
            wanted |= usable & holders
    positions = set(np.flatnonzero(wanted).tolist())
    per_country: Counter[str] = Counter()
    for p in np.argsort(-index.experience, kind="stable").tolist():
        country = str(index.country[p])
        if usable[p] and p not in positions and per_country[country] < brief.size[1]:
            per_country[country] += 1
            positions.add(p)
    return sorted(positions)


RELATED_POWER = 4  # only projects very close to the call count as a related tie


def related_to_fixed(rel: Relevance, fixed_positions: list[int]) -> np.ndarray:
    """Per organisation, how close to the call its best registry project shared with a
    fixed partner is: (project score / best project score)^4, 0 without one. A predecessor
    project with the coordinator is the strongest sign of a partner (consortium_quality)."""
    index = rel.index
    out = np.zeros(index.size)
    scores = rel.parts["project_scores"]
    best = float(scores.max()) if scores.size else 0.0
    if not fixed_positions or best <= 0:
        return out
    theirs = np.isin(index.part_org, fixed_positions)
    projects = np.unique(index.part_project[theirs])
    shared = np.isin(index.part_project, projects) & ~np.isin(index.part_org, fixed_positions)
    closeness = (scores / best) ** RELATED_POWER
    np.maximum.at(out, index.part_org[shared], closeness[index.part_project[shared]])
    return out


CLOSE_PROJECT = 0.25  # closeness from which a shared project is named in the reasons


def close_projects(rel: Relevance, team: list[int], fixed: list[int]) -> dict[int, tuple]:
    """For each non-fixed member of `team` (index positions), its registry project shared
    with a fixed partner that is closest to the call, when close enough to say so:
    position -> (project, the fixed partner's position)."""
    index = rel.index
    scores = rel.parts["project_scores"]
    best = float(scores.max()) if scores.size else 0.0
    if not fixed or best <= 0:
        return {}
    projects_of: dict[int, set[int]] = {}
    for org, project in zip(index.part_org.tolist(), index.part_project.tolist(), strict=True):
        if org in team:
            projects_of.setdefault(org, set()).add(project)
    out = {}
    for p in team:
        if p in fixed:
            continue
        shared = [
            (q, f) for f in fixed for q in projects_of.get(p, set()) & projects_of.get(f, set())
        ]
        if shared:
            q, f = max(shared, key=lambda pair: scores[pair[0]])
            if (scores[q] / best) ** RELATED_POWER >= CLOSE_PROJECT:
                out[p] = (index.projects[q], f)
    return out


def _problem(
    session: Session,
    brief: Brief,
    rel: Relevance,
    fixed_positions: list[int],
    data: BuildIn,
    history: History | None = None,
) -> tuple[builder.Problem, list[int], list[str]]:
    index = rel.index
    positions = sorted(set(_candidate_positions(rel, brief, index)) | set(fixed_positions))
    members = members_at(session, index, positions)
    fixed = set(fixed_positions)
    for p, member in zip(positions, members, strict=True):
        if p in fixed and (why := rules.admits(brief.rule_set, member)):
            message = f"{member.name} cannot take part under {brief.rule_set.title}: {why[0]}"
            raise ValidationFailed(message, errors=[field_error("consortium", "with", message)])
    kept = [
        (p, m)
        for p, m in zip(positions, members, strict=True)
        if p in fixed or not rules.admits(brief.rule_set, m)
    ]
    positions = [p for p, _ in kept]
    past = projects_of(index, positions, history)
    fixed_projects = [past.get(p, set()) for p in fixed_positions]
    related = related_to_fixed(rel, fixed_positions)
    candidates = [
        builder.Candidate(
            m,
            float(rel.final[p]),
            len(past.get(p, ())),
            fixed=p in fixed,
            with_fixed=float(related[p])
            + sum(builder.strength(len(past.get(p, set()) & f)) for f in fixed_projects),
        )
        for p, m in kept
    ]
    covers: dict[str, list[int]] = {}
    missing = []
    for code in brief.capabilities:
        holders = index.capability_masks.get(code)
        covers[code] = [i for i, p in enumerate(positions) if holders is not None and holders[p]]
        if not covers[code]:
            missing.append(code)
    weights = builder.Weights(
        collaboration=data.collaboration, newcomer=data.newcomer, fixed_ties=data.fixed_ties
    )
    coverable = [code for code in brief.capabilities if code not in missing]
    size, rule_set = brief.size, brief.rule_set
    problem = builder.Problem(candidates, {}, rule_set, coverable, covers, size, weights)
    return problem, positions, missing


def _pool(
    problem: builder.Problem, positions: list[int], index: MatchIndex, data: BuildIn, history
) -> tuple[builder.Problem, list[int], Collaboration]:
    """The candidates the optimiser sees: a preselection (collaboration not known yet, so
    assumed possible for all), their ties, then the exact pruning."""
    pool, kept = builder.preselect(problem, data.pool, data.alternatives, ties_unknown=True)
    links = collaboration(index, [positions[i] for i in kept], history)
    where = {positions[i]: k for k, i in enumerate(kept)}
    pool.pairs = {(where[a], where[b]): n for (a, b), n in links.shared.items()}
    exact, inner = builder.prune(pool, data.alternatives)
    return exact, [kept[i] for i in inner], links


def build(
    session: Session, viewer: Viewer, data: BuildIn, *, history: History | None = None
) -> BuildOut:
    """Propose up to `data.alternatives` different consortia, best first, explained.

    `history` replaces the shipped EU project history (benchmarks replay the past with it).
    """
    brief = brief_of(session, viewer, data)
    index = current_index(session)
    flt = MatchFilters(exclude_kinds=NOT_PARTNERS, include_synthetic=None)
    rel = relevance(session, viewer, brief.text, lang=brief.lang, filters=flt)
    visible = viewer_mask(session, index, viewer)
    fixed_positions = []
    for org_id in brief.fixed:
        p = index.position(org_id)
        if p is None or not visible[p]:
            raise NotFound(f"no organisation {org_id!r}")
        fixed_positions.append(p)
    problem, positions, missing = _problem(session, brief, rel, fixed_positions, data, history)
    pool, kept, links = _pool(problem, positions, index, data, history)
    differ = data.differ or max(1, math.ceil((brief.size[1] - len(brief.fixed)) / 4))
    outcome = builder.solve(
        pool, alternatives=data.alternatives, differ=differ, time_limit=TIME_LIMIT
    )
    if not outcome.solutions:
        raise _unsatisfiable(pool, brief, outcome.status)
    lang = data.explain_lang or rel.terms.lang
    first = None
    consortia = []
    for solution in outcome.solutions:
        chosen = [kept[i] for i in solution.members]
        out = _consortium(problem, chosen, solution, positions, links, rel, brief, missing, lang)
        first = first or {m.org_id for m in out.members}
        out.changed = [m.name for m in out.members if m.org_id not in first]
        consortia.append(out)
    shown = sorted({m.org_id for c in consortia for m in c.members})
    audit_restricted(session, shown, "consortium proposal")
    notes = [say(lang, "no_visible", label=taxonomy.label(code, lang)) for code in missing]
    return BuildOut(
        consortia=consortia,
        call=brief.call,
        rules={
            "name": brief.rule_set.name,
            "title": brief.rule_set.title,
            "reference": brief.rule_set.reference,
        },
        size=list(brief.size),
        pool=len(pool.candidates),
        notes=notes,
    )


def _unsatisfiable(pool: builder.Problem, brief: Brief, status: str) -> NoConsortium:
    if status == "no_answer":
        message = "no consortium found within the time limit; fix more partners or narrow the size"
        return NoConsortium(
            message, errors=[field_error("consortium", "size_max", message)], culprits=["size"]
        )
    names = builder.culprits(pool)
    errors = [field_error("consortium", *_culprit_words(name, brief)) for name in names]
    if not errors:
        errors = [
            field_error(
                "consortium",
                "rules",
                "the rules, the capabilities and the size "
                "cannot all be met by the organisations available together",
            )
        ]
    message = "no consortium satisfies every rule: " + "; ".join(e["message"] for e in errors)
    kinds = [f"rule:{n.split(':', 1)[1]}" if n[0].isdigit() else n for n in names]
    return NoConsortium(message, errors=errors, culprits=kinds or [None])


def _culprit_words(name: str, brief: Brief) -> tuple[str, str]:
    low, high = brief.size
    if name == "size":
        return "size_max", f"the size {low} to {high} is what makes it impossible"
    if name.startswith("capability:"):
        code = name.split(":", 1)[1]
        return "capabilities", (
            f"covering {taxonomy.label(code)} is what makes it impossible with the other rules"
        )
    number, kind = name.split(":", 1)
    rule = brief.rule_set.rules[int(number)]
    article = f" ({rule.article})" if rule.article else ""
    return "rules", (
        f"rule {kind}{article} cannot be met by the partners you fixed and the "
        "organisations available to you"
    )


def _member_out(
    member: Member,
    p: int,
    rel: Relevance,
    links: Collaboration,
    team: list[int],
    names: dict[int, str],
    brief: Brief,
    lang: str,
    role: str,
    match_reasons: dict[int, list[str]],
) -> MemberOut:
    score = float(rel.final[p])
    reasons = []
    if member.org_id in brief.fixed:
        reasons.append(say(lang, "locked"))
    rank = int((rel.final > score).sum()) + 1
    of = int((rel.final > 0).sum())
    if score > 0:
        reasons.append(say(lang, "fit", score=score, rank=rank, of=of))
        reasons.extend(match_reasons.get(p, [])[:2])
    else:
        reasons.append(say(lang, "weak_fit", score=score))
    covered = sorted(code for code in brief.capabilities if covers(member, code))
    if covered:
        reasons.append(
            say(lang, "covers", labels=", ".join(taxonomy.label(c, lang) for c in covered))
        )
    partners = links.partners_of(p, team)
    if partners:
        shared = sum(n for _, n in partners)
        reasons.append(
            say(
                lang, "worked_with", names=", ".join(names[o] for o, _ in partners), projects=shared
            )
        )
    history = links.history(p)
    reasons.append(say(lang, "newcomer") if history == 0 else say(lang, "history", n=history))
    if member.sme:
        reasons.append(say(lang, "sme"))
    elif member.kind == "midcap":
        reasons.append(say(lang, "midcap"))
    return MemberOut(
        org_id=member.org_id,
        pic=member.pic,
        name=member.name,
        country=member.country,
        kind=member.kind,
        sme=member.sme,
        role=role,
        fixed=member.org_id in brief.fixed,
        relevance=round(score, 4),
        capabilities=covered,
        reasons=reasons,
    )


def _consortium(
    problem: builder.Problem,
    chosen: list[int],
    solution: builder.Solution,
    positions: list[int],
    links: Collaboration,
    rel: Relevance,
    brief: Brief,
    missing: list[str],
    lang: str,
) -> ConsortiumOut:
    index = rel.index
    cands = [problem.candidates[i] for i in chosen]
    team = [positions[i] for i in chosen]
    # the coordinator: the first fixed partner, else the most relevant
    order = sorted(
        range(len(team)),
        key=lambda k: (0 if cands[k].member.org_id in brief.fixed[:1] else 1, -cands[k].relevance),
    )
    cands = [cands[k] for k in order]
    team = [team[k] for k in order]
    names = {p: index.names[p] for p in team}
    hits = rel.explain([p for p in team if rel.final[p] > 0], lang)
    match_reasons = {index.position(h.org_id): [e["text"] for e in h.explanations] for h in hits}
    fixed = [p for org_id in brief.fixed if (p := index.position(org_id)) is not None]
    for p, (project, partner) in close_projects(rel, team, fixed).items():
        named = project.acronym or project.title
        said = say(lang, "close_project", partner=index.names[partner], project=named)
        match_reasons[p] = [said, *match_reasons.get(p, [])]
    members = [
        _member_out(
            c.member,
            p,
            rel,
            links,
            team,
            names,
            brief,
            lang,
            "coordinator" if k == 0 else "participant",
            match_reasons,
        )
        for k, (c, p) in enumerate(zip(cands, team, strict=True))
    ]
    outcomes = rules.check(brief.rule_set, [c.member for c in cands])
    w = problem.weights
    credit = sum(
        min(1.0, sum(builder.strength(n) for _, n in links.partners_of(p, team))) for p in team
    )
    parts = {
        "relevance": round(sum(c.relevance for c in cands) * w.relevance, 4),
        "collaboration": round(credit * w.collaboration, 4),
        "newcomers": round(sum(w.newcomer for c in cands if c.newcomer), 4),
    }
    return ConsortiumOut(
        members=members,
        score=round(solution.objective, 4),
        parts=parts,
        rules=[RuleOut(**o.as_dict()) for o in outcomes],
        ok=all(o.ok for o in outcomes) and not missing,
        missing=list(missing),
        countries=dict(Counter(c.member.country or "?" for c in cands).most_common()),
        funding=for_rule_set(brief.rule_set, [c.member for c in cands]),
        optimal=solution.optimal,
        gap=round(solution.gap, 6),
    )
