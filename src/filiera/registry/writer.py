"""Creating and merging organisations: the one place registry records are written."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from filiera.errors import ValidationFailed, field_error
from filiera.registry import fields
from filiera.registry.models import (
    Alias,
    Certification,
    Identifier,
    OrgActivity,
    Organisation,
    OrgCapability,
    ReviewItem,
    Site,
    Source,
)
from filiera.registry.names import normalise_name
from filiera.registry.resolve import Candidate, Decision, Incoming, Resolver, city_key
from filiera.registry.schemas import OrganisationIn

LEVEL_RANK = {"claimed": 0, "evidenced": 1, "certified": 2}
SCALARS = fields.fill_blanks("organisation")  # legal_name, region, city, website...


@dataclass
class Outcome:
    """What happened to one incoming record."""

    action: str  # created, merged, unchanged, review
    org_id: int
    decision: Decision


def incoming(rec: OrganisationIn) -> Incoming:
    aliases = tuple(a for a in (rec.legal_name, *rec.aliases) if a)
    return Incoming(rec.name, rec.country, rec.city, aliases, dict(rec.identifiers))


def candidate_of(org: Organisation) -> Candidate:
    keys = frozenset({org.name_key, *(a.name_key for a in org.aliases)} - {""})
    idents = frozenset((i.scheme, i.value) for i in org.identifiers)
    return Candidate(org.id, keys, org.country, city_key(org.city), idents)


def upsert(session: Session, rec: OrganisationIn, *, source: Source, resolver: Resolver) -> Outcome:
    """Merge `rec` into the organisation it resolves to, or create it."""
    decision = resolver.decide(incoming(rec))
    check_identifier_owners(rec, resolver, decision.org_id if decision.action == "same" else None)
    if decision.action == "same":
        org = session.get(Organisation, decision.org_id)
        changed = merge_into(org, rec, source)
        action = "merged" if changed else "unchanged"
    else:
        org = create(session, rec, source)
        action = "created"
        if decision.action == "review":
            session.add(
                ReviewItem(
                    organisation_id=org.id,
                    candidate_id=decision.org_id,
                    score=decision.score,
                    reasons=decision.reasons,
                )
            )
            action = "review"
    if action != "unchanged":
        session.flush()
        resolver.add(candidate_of(org))
    return Outcome(action, org.id, decision)


def check_identifier_owners(rec: OrganisationIn, resolver: Resolver, target: int | None) -> None:
    """Refuse a record whose identifiers belong to two different stored organisations."""
    errors = [
        field_error(
            rec.name,
            f"identifiers.{scheme}",
            f"{scheme.upper()} {value} already belongs to organisation {owner}",
        )
        for scheme, value in rec.identifiers.items()
        if (owner := resolver.by_identifier.get((scheme, value))) is not None and owner != target
    ]
    if errors:
        raise ValidationFailed(f"{rec.name}: identifiers of different organisations", errors=errors)


def create(session: Session, rec: OrganisationIn, source: Source) -> Organisation:
    """Insert a new organisation with all its parts."""
    org = Organisation(
        name=rec.name,
        name_key=normalise_name(rec.name),
        kind=rec.kind,
        country=rec.country,
        descriptions=dict(rec.descriptions),
        visibility=rec.visibility,
        field_visibility=dict(rec.field_visibility),
        markings=list(rec.markings),
        synthetic=rec.synthetic,
        source=source,
        aliases=[],
        identifiers=[],
        capabilities=[],
        activities=[],
        certifications=[],
        sites=[],
    )
    for name in SCALARS:
        setattr(org, name, getattr(rec, name))
    session.add(org)
    merge_into(org, rec, source)
    session.flush()
    return org


def merge_into(org: Organisation, rec: OrganisationIn, source: Source) -> bool:
    """Add what `rec` knows and `org` does not; never overwrite a stored value."""
    changed = False
    for name in SCALARS:
        if getattr(org, name) in (None, "") and getattr(rec, name) not in (None, ""):
            setattr(org, name, getattr(rec, name))
            changed = True
    if org.kind == "other" and rec.kind != "other":
        org.kind, changed = rec.kind, True
    new_marks = [m for m in rec.markings if m not in (org.markings or [])]
    if new_marks:  # a marking, once known, is kept
        org.markings, changed = [*(org.markings or []), *new_marks], True
    for lang, text in rec.descriptions.items():
        if text and not org.descriptions.get(lang):
            org.descriptions = {**org.descriptions, lang: text}
            changed = True
    parts = (
        _merge_aliases(org, rec, source),
        _merge_identifiers(org, rec, source),
        _merge_capabilities(org, rec, source),
        _merge_activities(org, rec, source),
        _merge_certifications(org, rec, source),
        _merge_sites(org, rec, source),
    )
    return changed or any(parts)


def _merge_aliases(org: Organisation, rec: OrganisationIn, source: Source) -> bool:
    known = {org.name.casefold(), *(a.name.casefold() for a in org.aliases)}
    added = False
    for name in (rec.name, rec.legal_name, *rec.aliases):
        if name and name.casefold() not in known:
            org.aliases.append(Alias(name=name, name_key=normalise_name(name), source=source))
            known.add(name.casefold())
            added = True
    return added


def _merge_identifiers(org: Organisation, rec: OrganisationIn, source: Source) -> bool:
    known = {(i.scheme, i.value) for i in org.identifiers}
    schemes = {i.scheme for i in org.identifiers}
    added = False
    for scheme, value in rec.identifiers.items():
        repeatable = scheme == "source_key"
        if (scheme, value) in known or (scheme in schemes and not repeatable):
            continue
        org.identifiers.append(Identifier(scheme=scheme, value=value, source=source))
        added = True
    return added


def _merge_capabilities(org: Organisation, rec: OrganisationIn, source: Source) -> bool:
    by_code = {c.code: c for c in org.capabilities}
    changed = False
    for cap in rec.capabilities:
        stored = by_code.get(cap.code)
        if stored is None:
            stored = OrgCapability(code=cap.code, level=cap.level, evidence=cap.evidence)
            stored.source = source
            org.capabilities.append(stored)
            by_code[cap.code] = stored
            changed = True
        elif LEVEL_RANK[cap.level] > LEVEL_RANK[stored.level]:
            stored.level, stored.evidence, stored.source = cap.level, cap.evidence, source
            changed = True
    return changed


def _merge_activities(org: Organisation, rec: OrganisationIn, source: Source) -> bool:
    known = {a.nace for a in org.activities}
    new = [code for code in dict.fromkeys(rec.nace) if code not in known]
    for index, code in enumerate(new):
        primary = not known and index == 0
        org.activities.append(OrgActivity(nace=code, primary=primary, source=source))
    return bool(new)


def _merge_certifications(org: Organisation, rec: OrganisationIn, source: Source) -> bool:
    known = {(c.code, c.valid_until) for c in org.certifications}
    new = [c for c in rec.certifications if (c.code, c.valid_until) not in known]
    for cert in new:
        org.certifications.append(Certification(**cert.model_dump(), source=source))
    return bool(new)


def _merge_sites(org: Organisation, rec: OrganisationIn, source: Source) -> bool:
    known = {s.name.casefold() for s in org.sites}
    new = [s for s in rec.sites if s.name.casefold() not in known]
    for site in new:
        org.sites.append(Site(**site.model_dump(), source=source))
    return bool(new)
