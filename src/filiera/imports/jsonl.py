"""JSON lines import and export of every registry entity, so data can round-trip.

`export_jsonl` (see `jsonl_export`) writes sources, organisations, people, memberships,
projects and relations. `import_jsonl` reads the same format back, merging organisations with
the resolver, so importing a file twice changes nothing. Facts keep the source they name.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from filiera.access import audit
from filiera.errors import ImportFailed, ValidationFailed, field_error
from filiera.imports.jsonl_export import export_jsonl
from filiera.imports.links import MembershipBook, OrgLookup, PeopleBook
from filiera.imports.report import ImportReport
from filiera.registry.models import (
    Identifier,
    Organisation,
    Participation,
    Project,
    Relation,
    Source,
)
from filiera.registry.resolve import Resolver
from filiera.registry.schemas import MembershipIn, OrganisationIn, RelationKind, Visibility, parse
from filiera.registry.writer import upsert

__all__ = ["export_jsonl", "import_jsonl", "read_lines"]
TYPES = ("source", "organisation", "person", "membership", "project", "relation")
Progress = Callable[[int], None]


class _Line(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    type: str
    source: str | None = None


class SourceLine(_Line):
    ref: str
    name: str = Field(min_length=1)
    kind: str = Field(min_length=1)
    location: str | None = None
    credit: str | None = None
    imported_by: str = "cli"
    imported_at: dt.datetime | None = None
    stats: dict[str, Any] = Field(default_factory=dict)


class RoleLine(_Line):
    type: str = "role"
    organisation: str
    title: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None


class PersonLine(_Line):
    ref: str | None = None
    name: str = Field(min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=60)
    visibility: Visibility | None = None
    field_visibility: dict[Literal["email", "phone"], Visibility] = Field(default_factory=dict)
    roles: list[RoleLine] = Field(default_factory=list)


class ParticipationLine(_Line):
    type: str = "participation"
    organisation: str
    role: str = "participant"


class ProjectLine(_Line):
    programme: str = Field(min_length=1)
    external_id: str = Field(min_length=1)
    acronym: str | None = None
    title: str = Field(min_length=1)
    objective: str | None = None
    keywords: list[str] = Field(default_factory=list)
    call_identifier: str | None = None
    topic: str | None = None
    type_of_action: str | None = None
    status: str | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    eu_contribution: float | None = None
    overall_budget: float | None = None
    participations: list[ParticipationLine] = Field(default_factory=list)


class RelationLine(_Line):
    kind: RelationKind
    source_org: str
    target_org: str
    date: dt.date | None = None
    description: str | None = None
    reference: str | None = None


def read_lines(path: Path) -> list[tuple[str, dict[str, Any] | None, str | None]]:
    """(record ref, object or None, error) for each non-blank line of a JSONL file."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ImportFailed(f"{path}: file not found") from None
    except UnicodeDecodeError as error:
        raise ImportFailed(
            f"{path}: not UTF-8 text ({error})",
            errors=[field_error(path.name, "(file)", "not UTF-8 text")],
        ) from None
    lines = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        ref = f"{path.name} line {number}"
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as error:
            lines.append((ref, None, f"not valid JSON: {error.msg} (column {error.colno})"))
            continue
        if not isinstance(data, dict) or data.get("type") not in TYPES:
            lines.append((ref, None, f'expected an object whose "type" is one of {TYPES}'))
            continue
        lines.append((ref, data, None))
    return lines


def import_jsonl(
    session: Session,
    path: Path,
    *,
    skip_invalid: bool = False,
    imported_by: str = "cli",
    progress: Progress | None = None,
) -> ImportReport:
    """Import a JSON lines file in the caller's transaction (all or nothing by default)."""
    lines = read_lines(path)
    report = ImportReport(str(path))
    audit.bulk(session, "import", f"JSON lines import from {path}")
    job = JsonlJob(session, path, report, imported_by, progress)
    by_type: dict[str, list[tuple[str, dict[str, Any]]]] = {t: [] for t in TYPES}
    for ref, data, error in lines:
        if error:
            report.reject(ref, [field_error(ref, "(line)", error)])
            job.tick()
        else:
            by_type[data["type"]].append((ref, data))
    for kind in TYPES:
        handler = getattr(job, kind)
        for ref, data in by_type[kind]:
            try:
                handler(ref, data)
            except ValidationFailed as error:
                report.reject(ref, error.errors)
            except ValueError as error:
                report.reject(ref, [field_error(ref, "(record)", str(error))])
            job.tick()
    if not skip_invalid:
        report.raise_if_rejected()
    if job.fallback is not None:
        job.fallback.stats = dict(report.counts)
    report.publish()
    return report


def _fail(ref: str, name: str, message: str) -> ValidationFailed:
    return ValidationFailed(f"{ref}: {message}", errors=[field_error(ref, name, message)])


@dataclass
class JsonlJob:
    """State shared across the lines of one import: sources, refs and lookup indexes."""

    session: Session
    path: Path
    report: ImportReport
    imported_by: str
    progress: Progress | None
    sources: dict[str, Source] = field(default_factory=dict)
    fallback: Source | None = None

    def __post_init__(self) -> None:
        self.resolver = Resolver.from_session(self.session)
        self.refs: dict[str, int] = {}
        self.lookup = OrgLookup(self.resolver, self.refs, allow_ids=False)
        self._people: PeopleBook | None = None
        self._memberships: MembershipBook | None = None
        self._projects: dict[tuple[str, str], Project] | None = None
        self._relations: set[tuple[Any, ...]] | None = None

    def tick(self) -> None:
        if self.progress:
            self.progress(1)

    def count(self, name: str) -> None:
        self.report.counts[name] += 1

    def source_of(self, ref: str, data: dict[str, Any], default: Source | None = None) -> Source:
        """The Source a line names, its parent's, or one for this import."""
        name = data.get("source")
        if name:
            if name not in self.sources:
                raise _fail(ref, "source", f"unknown source {name!r}: not defined in the file")
            return self.sources[name]
        if default is not None:
            return default
        if self.fallback is None:
            self.fallback = Source(
                name=f"JSONL: {self.path.name}",
                kind="jsonl",
                location=str(self.path),
                imported_by=self.imported_by,
            )
            self.session.add(self.fallback)
        return self.fallback

    def org(self, ref: str, name: str, value: str) -> int:
        try:
            return self.lookup.find(value)
        except ValueError as error:
            raise _fail(ref, name, str(error)) from None

    # one handler per line type ---------------------------------------------------------

    def source(self, ref: str, data: dict[str, Any]) -> None:
        line = parse(SourceLine, data, ref)
        fields = line.model_dump(exclude={"type", "source", "ref"})
        query = select(Source).where(
            *(getattr(Source, k) == fields[k] for k in ("name", "kind", "imported_by")),
            *(
                getattr(Source, k).is_(None)
                if fields[k] is None
                else getattr(Source, k) == fields[k]
                for k in ("location", "credit", "imported_at")
            ),
        )
        stored = self.session.scalars(query.order_by(Source.id)).first()
        if stored is None:
            stored = Source(**{k: v for k, v in fields.items() if v is not None})
            self.session.add(stored)
            self.count("sources_created")
        else:
            self.count("sources_unchanged")
        self.sources[line.ref] = stored

    def organisation(self, ref: str, data: dict[str, Any]) -> None:
        record, credits, extra_ids, site_visibility = split_organisation(data)
        rec = parse(OrganisationIn, record, ref)
        source = self.source_of(ref, data)
        parts = {key: self.source_of(ref, {"source": name}) for key, name in credits.items()}
        outcome = upsert(self.session, rec, source=source, resolver=self.resolver)
        self.count(f"organisations_{outcome.action}")
        if data.get("ref"):
            self.refs[str(data["ref"])] = outcome.org_id
        org = self.session.get(Organisation, outcome.org_id)
        self._add_identifiers(org, extra_ids, source, parts)
        _recredit(org, source, parts, site_visibility)

    def _add_identifiers(
        self, org: Organisation, extra: list[tuple[str, str]], source: Source, parts: dict
    ) -> None:
        for scheme, value in extra:
            if (scheme, value) in self.resolver.by_identifier:
                continue
            part_source = parts.get(("identifiers", (scheme, value)), source)
            org.identifiers.append(Identifier(scheme=scheme, value=value, source=part_source))
            self.resolver.by_identifier[(scheme, value)] = org.id

    def person(self, ref: str, data: dict[str, Any]) -> None:
        line = parse(PersonLine, data, ref)
        source = self.source_of(ref, data)
        roles = [
            {
                "organisation_id": self.org(ref, f"roles.{i}.organisation", r.organisation),
                "title": r.title,
                "since": r.since,
                "until": r.until,
                "source": self.source_of(ref, {"source": r.source}, source),
            }
            for i, r in enumerate(line.roles)
        ]
        if self._people is None:
            self._people = PeopleBook(self.session)
        action = self._people.upsert(
            name=line.name,
            email=line.email,
            phone=line.phone,
            roles=roles,
            source=source,
            visibility=line.visibility,
            field_visibility=line.field_visibility,
        )
        self.count(f"people_{action}")

    def membership(self, ref: str, data: dict[str, Any]) -> None:
        fields = {k: v for k, v in data.items() if k not in ("type", "source")}
        rec = parse(MembershipIn, fields, ref)
        org_id = self.org(ref, "organisation", rec.organisation)
        cluster_id = self.org(ref, "cluster", rec.cluster)
        if self._memberships is None:
            self._memberships = MembershipBook(self.session)
        try:
            action = self._memberships.upsert(
                org_id,
                cluster_id,
                source=self.source_of(ref, data),
                role=rec.role,
                since=rec.since,
                until=rec.until,
            )
        except ValueError as error:
            raise _fail(ref, "cluster", str(error)) from None
        self.count(f"memberships_{action}")

    def project(self, ref: str, data: dict[str, Any]) -> None:
        line = parse(ProjectLine, data, ref)
        source = self.source_of(ref, data)
        members = [
            (self.org(ref, f"participations.{i}.organisation", p.organisation), p)
            for i, p in enumerate(line.participations)
        ]
        if self._projects is None:
            query = select(Project).options(selectinload(Project.participations))
            self._projects = {(p.programme, p.external_id): p for p in self.session.scalars(query)}
        key = (line.programme, line.external_id)
        project = self._projects.get(key)
        if project is None:
            fields = line.model_dump(exclude={"type", "source", "participations"})
            project = Project(**fields, source=source, participations=[])
            self.session.add(project)
            self._projects[key] = project
            self.count("projects_created")
        else:
            self.count("projects_unchanged")
        linked = {p.organisation_id for p in project.participations}
        for org_id, p in members:
            if org_id not in linked:
                part_source = self.source_of(ref, {"source": p.source}, source)
                project.participations.append(
                    Participation(organisation_id=org_id, role=p.role, source=part_source)
                )
                linked.add(org_id)
                self.count("participations_created")

    def relation(self, ref: str, data: dict[str, Any]) -> None:
        line = parse(RelationLine, data, ref)
        source_org = self.org(ref, "source_org", line.source_org)
        target_org = self.org(ref, "target_org", line.target_org)
        if self._relations is None:
            self._relations = {
                (r.source_org_id, r.target_org_id, r.kind, r.date)
                for r in self.session.scalars(select(Relation))
            }
        key = (source_org, target_org, line.kind, line.date)
        if key in self._relations:
            self.count("relations_unchanged")
            return
        self.session.add(
            Relation(
                kind=line.kind,
                source_org_id=source_org,
                target_org_id=target_org,
                date=line.date,
                description=line.description,
                reference=line.reference,
                source=self.source_of(ref, data),
            )
        )
        self._relations.add(key)
        self.count("relations_created")


# organisations: the exported shape -> OrganisationIn plus per-part credits ------------------

PART_KEYS = {
    "aliases": lambda p: p["name"].casefold(),
    "identifiers": lambda p: (p["scheme"], p["value"]),
    "capabilities": lambda p: p["code"],
    "nace": lambda p: p["code"],
    "certifications": lambda p: (p["code"], p.get("valid_until")),
    "sites": lambda p: p["name"].casefold(),
}


def _objects(items: Any, key: str, shorthand: str) -> list[Any]:
    """Accept shorthand strings ("air.uas") for one-field parts."""
    if not isinstance(items, list):
        return items
    return [{shorthand: item} if isinstance(item, str) else item for item in items]


def split_organisation(
    data: dict[str, Any],
) -> tuple[dict[str, Any], dict[tuple[str, Any], str], list[tuple[str, str]], dict[str, str]]:
    """The OrganisationIn fields, {(part, key): source ref}, extra identifiers, site visibility."""
    record = {k: v for k, v in data.items() if k not in ("type", "ref", "source")}
    credits: dict[tuple[str, Any], str] = {}
    visibility: dict[str, str] = {}
    ids = record.get("identifiers")
    if isinstance(ids, dict):
        ids = [{"scheme": s, "value": v} for s, v in ids.items()]
    record["identifiers"] = ids if ids is not None else []
    for part, shorthand in (("aliases", "name"), ("nace", "code")):
        record[part] = _objects(record.get(part, []), part, shorthand)
    for part, key_of in PART_KEYS.items():
        items = record.get(part)
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            continue
        cleaned = []
        for item in items:
            item = dict(item)
            name = item.pop("source", None)
            if part == "sites" and "visibility" in item:
                visibility[str(item.get("name", "")).casefold()] = item.pop("visibility")
            # a part missing its key field is reported by the schema, not here
            with contextlib.suppress(KeyError, AttributeError):
                if name:
                    credits[(part, _json_key(key_of(item)))] = name
            cleaned.append(item)
        record[part] = cleaned
    extra = _flatten_parts(record)
    return record, credits, extra, visibility


def _json_key(key: Any) -> Any:
    if isinstance(key, tuple):
        return tuple(v.isoformat() if hasattr(v, "isoformat") else v for v in key)
    return key


def _flatten_parts(record: dict[str, Any]) -> list[tuple[str, str]]:
    """Turn part objects into OrganisationIn's shapes; return identifiers beyond one per scheme."""
    extra: list[tuple[str, str]] = []
    if isinstance(record.get("aliases"), list):
        record["aliases"] = [a.get("name") if isinstance(a, dict) else a for a in record["aliases"]]
    if isinstance(record.get("nace"), list):
        record["nace"] = [n.get("code") if isinstance(n, dict) else n for n in record["nace"]]
        record["nace"] = [n for n in record["nace"] if n is not None]
    identifiers: dict[str, str] = {}
    if isinstance(record.get("identifiers"), list):
        for item in record["identifiers"]:
            if not isinstance(item, dict) or "scheme" not in item or "value" not in item:
                raise ValueError("identifiers: each needs a scheme and a value")
            scheme, value = str(item["scheme"]), str(item["value"])
            if scheme in identifiers:
                extra.append((scheme, value))
            else:
                identifiers[scheme] = value
        record["identifiers"] = identifiers
    return extra


def _recredit(
    org: Organisation, source: Source, parts: dict[tuple[str, Any], Source], visibility: dict
) -> None:
    """Give parts the import just created with the organisation's source their own credit."""
    stored = {
        "aliases": [(a.name.casefold(), a) for a in org.aliases],
        "identifiers": [((i.scheme, i.value), i) for i in org.identifiers],
        "capabilities": [(c.code, c) for c in org.capabilities],
        "nace": [(a.nace, a) for a in org.activities],
        "certifications": [
            ((c.code, _json_key((c.valid_until,))[0]), c) for c in org.certifications
        ],
        "sites": [(s.name.casefold(), s) for s in org.sites],
    }
    for part, rows in stored.items():
        for key, row in rows:
            ours = row.source is source or row.source_id == source.id
            wanted = parts.get((part, key))
            if wanted is not None and ours:
                row.source, ours = wanted, True
            if part == "sites" and ours and key in visibility:
                row.visibility = visibility[key]
