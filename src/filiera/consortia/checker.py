"""The checker: a consortium the user typed in, every rule explained in plain words."""

from __future__ import annotations

from collections import Counter

from sqlalchemy.orm import Session

from filiera.access.viewer import Viewer
from filiera.consortia import calls, rules
from filiera.consortia.explain import say
from filiera.consortia.funding import for_rule_set
from filiera.consortia.graph import collaboration
from filiera.consortia.inputs import (
    audit_restricted,
    covers,
    members_at,
    resolve_refs,
    rule_set_for,
)
from filiera.consortia.schemas import CheckIn, CheckOut, MemberOut, RuleOut
from filiera.errors import Conflict, ValidationFailed, field_error
from filiera.match.service import current_index
from filiera.registry import taxonomy


def check(session: Session, viewer: Viewer, data: CheckIn) -> CheckOut:
    """Check the consortium the user typed in: every rule, explained in plain words."""
    call = calls.get_call(session, viewer, data.call_id) if data.call_id else None
    rule_name = data.rules or (call.rules if call else "open")
    rule_set = rule_set_for(
        viewer, rule_name, {**(call.rule_params if call else {}), **data.rule_params}
    )
    ids = resolve_refs(session, viewer, data.members, "members")
    index = current_index(session)
    positions = [index.position(org_id) for org_id in ids]
    if any(p is None for p in positions):
        raise Conflict("the registry changed meanwhile; try again")
    members = members_at(session, index, positions)
    shares = _shares(session, viewer, data.shares)
    capabilities = list(dict.fromkeys([*calls.required_capabilities(call), *data.capabilities]))
    missing = [code for code in capabilities if not any(covers(m, code) for m in members)]
    outcomes = rules.check(rule_set, members)
    links = collaboration(index, positions)
    team = list(positions)
    names = {p: index.names[p] for p in team}
    outs = []
    for k, (m, p) in enumerate(zip(members, positions, strict=True)):
        reasons = []
        partners = links.partners_of(p, team)
        if partners:
            reasons.append(
                say(
                    "en",
                    "worked_with",
                    names=", ".join(names[o] for o, _ in partners),
                    projects=sum(n for _, n in partners),
                )
            )
        outs.append(
            MemberOut(
                org_id=m.org_id,
                pic=m.pic,
                name=m.name,
                country=m.country,
                kind=m.kind,
                sme=m.sme,
                role="coordinator" if k == 0 else "participant",
                fixed=True,
                relevance=0.0,
                capabilities=sorted(code for code in capabilities if covers(m, code)),
                reasons=reasons,
            )
        )
    audit_restricted(session, ids, "consortium check")
    violations = [o.detail for o in outcomes if not o.ok]
    violations += [f"nobody covers {taxonomy.label(code)}" for code in missing]
    return CheckOut(
        ok=not violations,
        members=outs,
        rules=[RuleOut(**o.as_dict()) for o in outcomes],
        violations=violations,
        warnings=[w for o in outcomes for w in o.warnings],
        missing=missing,
        countries=dict(Counter(m.country or "?" for m in members).most_common()),
        funding=for_rule_set(rule_set, members, shares),
    )


def _shares(session: Session, viewer: Viewer, raw: dict[str, float]) -> dict[int, float] | None:
    if not raw:
        return None
    out = {}
    for ref, value in raw.items():
        if value < 0:
            message = f"share of {ref!r} is negative"
            raise ValidationFailed(message, errors=[field_error("consortium", "shares", message)])
        out[resolve_refs(session, viewer, [ref], "shares")[0]] = value
    return out
