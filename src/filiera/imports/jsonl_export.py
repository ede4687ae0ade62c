"""Export every registry entity as JSON lines, one object per line with a `"type"`.

Order: sources, organisations, people, memberships, projects, relations. Organisations are
referenced by a stable `ref` (their PIC, else `org:<id>`); every fact names its `source`
(`source:<id>`) where it differs from its parent's, so EU-sourced data keeps its credit.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import IO, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from filiera.access.disclosure import Disclosure, load_grants
from filiera.access.policy import visible_organisations, visible_people
from filiera.access.viewer import Viewer
from filiera.registry import fields
from filiera.registry.models import (
    Identifier,
    Membership,
    Organisation,
    Person,
    Project,
    Relation,
    Source,
)

BATCH = 1000
Progress = Callable[[int], None]


def source_ref(source_id: int | None) -> str | None:
    return f"source:{source_id}" if source_id is not None else None


def compact(data: dict[str, Any]) -> dict[str, Any]:
    """Drop keys whose value is None; dates become ISO strings."""
    return {
        k: (v.isoformat() if hasattr(v, "isoformat") else v)
        for k, v in data.items()
        if v is not None
    }


def org_refs(session: Session, viewer: Viewer) -> dict[int, str]:
    """Visible organisation id -> ref: its PIC if it has one, else `org:<id>`."""
    ids = session.scalars(select(Organisation.id).where(visible_organisations(viewer)))
    refs = {org_id: f"org:{org_id}" for org_id in ids}
    pics = select(Identifier.organisation_id, Identifier.value).where(Identifier.scheme == "pic")
    for org_id, pic in session.execute(pics):
        if org_id in refs:
            refs[org_id] = pic
    return refs


def _part(data: dict[str, Any], row: Any, parent_source: int | None) -> dict[str, Any]:
    if row.source_id != parent_source:
        data["source"] = source_ref(row.source_id)
    return compact(data)


# How a declared value is written, by value type (default: as stored).
EXPORTED: dict[str, Callable[[Any], Any]] = {
    "descriptions": lambda value: dict(value or {}),
    "field_visibility": lambda value: dict(value or {}) or None,
    "markings": lambda value: list(value or []) or None,
}


@cache
def _exported() -> tuple[tuple[fields.Field, ...], frozenset[str]]:
    """Exported organisation fields stored in its row, and the names of exported parts."""
    exported = [f for f in fields.of("organisation") if f.export]
    in_row = tuple(f for f in exported if f.attribute in Organisation.__table__.columns)
    return in_row, frozenset(f.name for f in exported) - {f.name for f in in_row}


def columns(org: Organisation) -> dict[str, Any]:
    """The declared, exported fields an organisation stores in its own row."""
    in_row = _exported()[0]
    return {f.name: EXPORTED.get(f.type, _same)(getattr(org, f.attribute)) for f in in_row}


def _same(value: Any) -> Any:
    return value


def organisation_line(org: Organisation, ref: str, disclosure: Disclosure) -> dict[str, Any]:
    """One organisation with its aliases, identifiers, capabilities, NACE, certificates, sites,
    as the disclosure's viewer may see it (hidden sites and fields are left out)."""
    src = org.source_id
    owner = disclosure.owner("organisation", org.id, {org.id}, _clusters(org))
    disclosure.record("organisation", org.id, org.visibility, owner)
    hidden = {
        n
        for n in fields.sensitive("organisation")
        if not disclosure.field("organisation", org.id, org, n, owner)
    }
    line = compact({"type": "organisation", "ref": ref, **columns(org), "source": source_ref(src)})
    for name in hidden:
        line.pop(name, None)
    for name, part in PARTS.items():
        if name in _exported()[1]:
            line[name] = part(org, disclosure)
    return line


def _clusters(org: Organisation) -> set[int]:
    return {m.cluster_id for m in org.memberships}


def _aliases(org: Organisation, _: Disclosure) -> list[dict[str, Any]]:
    return [_part({"name": a.name}, a, org.source_id) for a in _by_id(org.aliases)]


def _identifiers(org: Organisation, _: Disclosure) -> list[dict[str, Any]]:
    return [
        _part({"scheme": i.scheme, "value": i.value}, i, org.source_id)
        for i in _by_id(org.identifiers)
    ]


def _capabilities(org: Organisation, _: Disclosure) -> list[dict[str, Any]]:
    return [
        _part({"code": c.code, "level": c.level, "evidence": c.evidence}, c, org.source_id)
        for c in _by_id(org.capabilities)
    ]


def _nace(org: Organisation, _: Disclosure) -> list[dict[str, Any]]:
    activities = sorted(org.activities, key=lambda a: (not a.primary, a.id))
    return [_part({"code": a.nace, "primary": a.primary}, a, org.source_id) for a in activities]


def _certifications(org: Organisation, _: Disclosure) -> list[dict[str, Any]]:
    names = ("code", "scope", "issuer", "valid_from", "valid_until")
    return [
        _part({n: getattr(c, n) for n in names}, c, org.source_id)
        for c in _by_id(org.certifications)
    ]


def _sites(org: Organisation, disclosure: Disclosure) -> list[dict[str, Any]]:
    clusters = _clusters(org)
    parts = [site_part(s, org.source_id, disclosure, clusters) for s in _by_id(org.sites)]
    return [p for p in parts if p is not None]


# The parts of an organisation, in the order they are written.
PARTS: dict[str, Callable[[Organisation, Disclosure], list[dict[str, Any]]]] = {
    "aliases": _aliases,
    "identifiers": _identifiers,
    "capabilities": _capabilities,
    "nace": _nace,
    "certifications": _certifications,
    "sites": _sites,
}


def site_part(
    s: Any, src: int | None, disclosure: Disclosure, clusters: set[int]
) -> dict[str, Any] | None:
    owner = disclosure.owner("site", s.id, {s.organisation_id}, clusters)
    if not disclosure.record("site", s.id, s.visibility, owner):
        return None
    data = {
        "name": s.name,
        "kind": s.kind,
        "address": s.address,
        "city": s.city,
        "country": s.country,
        "region": s.region,
        "lat": s.lat,
        "lon": s.lon,
        "visibility": s.visibility,
        "markings": list(s.markings or []) or None,
        "field_visibility": dict(s.field_visibility or {}) or None,
    }
    for name in fields.sensitive("site"):
        if not disclosure.field("site", s.id, s, name, owner):
            data[name] = None
    return _part(data, s, src)


def _by_id(rows: list[Any]) -> list[Any]:
    return sorted(rows, key=lambda r: r.id)


def source_lines(session: Session) -> Iterator[dict[str, Any]]:
    for s in session.scalars(select(Source).order_by(Source.id)):
        yield compact(
            {
                "type": "source",
                "ref": source_ref(s.id),
                "name": s.name,
                "kind": s.kind,
                "location": s.location,
                "credit": s.credit,
                "imported_by": s.imported_by,
                "imported_at": s.imported_at,
                "stats": s.stats or {},
            }
        )


def organisation_lines(
    session: Session, refs: dict[int, str], disclosure: Disclosure
) -> Iterator[dict[str, Any]]:
    """Visible organisations in id order, loaded a batch at a time with all their parts."""
    options = [
        selectinload(getattr(Organisation, name))
        for name in (
            "aliases",
            "identifiers",
            "capabilities",
            "activities",
            "certifications",
            "sites",
            "memberships",
        )
    ]
    last = 0
    while True:
        query = (
            select(Organisation)
            .where(Organisation.id > last, visible_organisations(disclosure.viewer))
            .order_by(Organisation.id)
            .limit(BATCH)
            .options(*options)
        )
        batch = list(session.scalars(query))
        if not batch:
            return
        disclosure.grants = load_grants(
            session,
            {
                "organisation": {o.id for o in batch},
                "site": {s.id for o in batch for s in o.sites},
            },
        )
        for org in batch:
            yield organisation_line(org, refs[org.id], disclosure)
        last = batch[-1].id
        session.expunge_all()


def person_lines(
    session: Session, refs: dict[int, str], disclosure: Disclosure
) -> Iterator[dict[str, Any]]:
    """Visible people (seen through an organisation the viewer may see: `refs`) with only
    their roles at visible organisations; contact fields only where the viewer may see them."""
    query = (
        select(Person)
        .where(visible_people(disclosure.viewer))
        .options(selectinload(Person.roles))
        .order_by(Person.id)
    )
    people = list(session.scalars(query))
    disclosure.grants = load_grants(session, {"person": {p.id for p in people}})
    clusters = _clusters_of(session, {r.organisation_id for p in people for r in p.roles})
    for p in people:
        orgs = {r.organisation_id for r in p.roles if r.organisation_id in refs}
        owner = disclosure.owner(
            "person", p.id, orgs, set().union(*(clusters.get(o, set()) for o in orgs))
        )
        if not disclosure.person(p.id, p.visibility, owner, has_roles=bool(p.roles)):
            continue  # the twins agree; should they not, the narrower wins
        roles = [
            _part(
                {
                    "organisation": refs[r.organisation_id],
                    "title": r.title,
                    "since": r.since,
                    "until": r.until,
                },
                r,
                p.source_id,
            )
            for r in _by_id(p.roles)
            if r.organisation_id in refs
        ]
        line = compact(
            {
                "type": "person",
                "ref": f"person:{p.id}",
                "name": p.name,
                "email": p.email,
                "phone": p.phone,
                "visibility": p.visibility,
                "field_visibility": dict(p.field_visibility or {}) or None,
                "source": source_ref(p.source_id),
            }
        )
        for name in fields.sensitive("person"):
            if name in line and not disclosure.field("person", p.id, p, name, owner):
                del line[name]
        yield {**line, "roles": roles}


def _clusters_of(session: Session, org_ids: set[int]) -> dict[int, set[int]]:
    out: dict[int, set[int]] = {}
    if not org_ids:
        return out
    stmt = select(Membership.organisation_id, Membership.cluster_id).where(
        Membership.organisation_id.in_(sorted(org_ids))
    )
    for org_id, cluster_id in session.execute(stmt):
        out.setdefault(org_id, set()).add(cluster_id)
    return out


def membership_lines(session: Session, refs: dict[int, str]) -> Iterator[dict[str, Any]]:
    for m in session.scalars(select(Membership).order_by(Membership.id)):
        if m.organisation_id not in refs or m.cluster_id not in refs:
            continue
        yield compact(
            {
                "type": "membership",
                "organisation": refs[m.organisation_id],
                "cluster": refs[m.cluster_id],
                "role": m.role,
                "since": m.since,
                "until": m.until,
                "source": source_ref(m.source_id),
            }
        )


def project_lines(session: Session, refs: dict[int, str]) -> Iterator[dict[str, Any]]:
    query = select(Project).options(selectinload(Project.participations)).order_by(Project.id)
    for p in session.scalars(query):
        participations = [
            _part({"organisation": refs[x.organisation_id], "role": x.role}, x, p.source_id)
            for x in _by_id(p.participations)
            if x.organisation_id in refs
        ]
        yield {
            **compact(
                {
                    "type": "project",
                    "programme": p.programme,
                    "external_id": p.external_id,
                    "acronym": p.acronym,
                    "title": p.title,
                    "objective": p.objective,
                    "keywords": list(p.keywords or []),
                    "call_identifier": p.call_identifier,
                    "topic": p.topic,
                    "type_of_action": p.type_of_action,
                    "status": p.status,
                    "start_date": p.start_date,
                    "end_date": p.end_date,
                    "eu_contribution": p.eu_contribution,
                    "overall_budget": p.overall_budget,
                    "markings": list(p.markings or []) or None,
                    "source": source_ref(p.source_id),
                }
            ),
            "participations": participations,
        }


def relation_lines(session: Session, refs: dict[int, str]) -> Iterator[dict[str, Any]]:
    for r in session.scalars(select(Relation).order_by(Relation.id)):
        if r.source_org_id not in refs or r.target_org_id not in refs:
            continue
        yield compact(
            {
                "type": "relation",
                "kind": r.kind,
                "source_org": refs[r.source_org_id],
                "target_org": refs[r.target_org_id],
                "date": r.date,
                "description": r.description,
                "reference": r.reference,
                "source": source_ref(r.source_id),
            }
        )


def count_entities(session: Session) -> int:
    """How many lines an export will write (for progress bars)."""
    models = (Source, Organisation, Person, Membership, Project, Relation)
    return sum(session.scalar(select(func.count()).select_from(m)) or 0 for m in models)


@contextmanager
def _opened(out: Path | str | IO[str]) -> Iterator[IO[str]]:
    if isinstance(out, str | Path):
        with open(out, "w", encoding="utf-8", newline="\n") as stream:
            yield stream
    else:
        yield out


def export_jsonl(
    session: Session,
    out: Path | str | IO[str],
    *,
    viewer: Viewer | None = None,
    progress: Progress | None = None,
) -> Counter[str]:
    """Write what `viewer` (default: the local operator, who sees all) may see to `out`
    (a path or a text stream); returns lines per type. Restricted reads are audited."""
    disclosure = Disclosure(viewer or Viewer.system())
    refs = org_refs(session, disclosure.viewer)
    counts: Counter[str] = Counter()
    generators = (
        source_lines(session),
        organisation_lines(session, refs, disclosure),
        person_lines(session, refs, disclosure),
        membership_lines(session, refs),
        project_lines(session, refs),
        relation_lines(session, refs),
    )
    with _opened(out) as stream:
        for lines in generators:
            for line in lines:
                stream.write(json.dumps(line, ensure_ascii=False, sort_keys=False) + "\n")
                counts[line["type"]] += 1
                if progress:
                    progress(1)
    disclosure.log(session, "JSON lines export")
    return counts
