"""Output shapes: what the API, the CLI's --json and the web pages show of a record."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from filiera.registry.models import Organisation


class CapabilityOut(BaseModel):
    code: str
    level: str
    evidence: str | None = None


class CertificationOut(BaseModel):
    code: str
    scope: str | None = None
    issuer: str | None = None
    valid_from: date | None = None
    valid_until: date | None = None


class SiteOut(BaseModel):
    id: int
    name: str
    kind: str
    address: str | None = None
    city: str | None = None
    country: str
    region: str | None = None
    lat: float | None = None
    lon: float | None = None


class MembershipOut(BaseModel):
    cluster_id: int
    cluster: str
    role: str
    since: date | None = None
    until: date | None = None


class ParticipationOut(BaseModel):
    project_id: int
    programme: str
    acronym: str | None
    title: str
    role: str
    call_identifier: str | None = None
    eu_contribution: float | None = None


class RoleOut(BaseModel):
    person_id: int
    title: str
    since: date | None = None


class OrganisationSummary(BaseModel):
    """A directory row."""

    id: int = Field(examples=[42])
    name: str = Field(examples=["Leonardo S.p.A."])
    kind: str = Field(examples=["prime"])
    country: str = Field(examples=["IT"])
    region: str | None = None
    city: str | None = None
    pic: str | None = Field(default=None, examples=["999880463"])
    capabilities: list[str] = Field(default_factory=list)
    synthetic: bool = False


class OrganisationDetail(OrganisationSummary):
    """A full profile with its provenance."""

    legal_name: str | None = None
    aliases: list[str] = Field(default_factory=list)
    website: str | None = None
    descriptions: dict[str, str] = Field(default_factory=dict)
    identifiers: dict[str, str] = Field(default_factory=dict)
    employees: int | None = None
    revenue_band: str | None = None
    founded_year: int | None = None
    nace: list[str] = Field(default_factory=list)
    capability_details: list[CapabilityOut] = Field(default_factory=list)
    certifications: list[CertificationOut] = Field(default_factory=list)
    sites: list[SiteOut] = Field(default_factory=list)
    memberships: list[MembershipOut] = Field(default_factory=list)
    projects: list[ParticipationOut] = Field(default_factory=list)
    visibility: str = "public"
    source: str | None = None
    source_credit: str | None = None
    created_at: str | None = None
    updated_at: str | None = None


class OrganisationPage(BaseModel):
    """A page of the directory: `{data, count, page, per_page}`."""

    data: list[OrganisationSummary]
    count: int
    page: int
    per_page: int


def summary(org: Organisation) -> OrganisationSummary:
    return OrganisationSummary(
        id=org.id, name=org.name, kind=org.kind, country=org.country, region=org.region,
        city=org.city, pic=org.identifier("pic"),
        capabilities=sorted(c.code for c in org.capabilities), synthetic=org.synthetic,
    )  # fmt: skip


def detail(org: Organisation) -> OrganisationDetail:
    """The full profile of an organisation loaded with `queries.get_organisation`."""
    base = summary(org).model_dump()
    return OrganisationDetail(
        **base,
        legal_name=org.legal_name,
        aliases=sorted(a.name for a in org.aliases),
        website=org.website,
        descriptions=org.descriptions or {},
        identifiers={i.scheme: i.value for i in org.identifiers},
        employees=org.employees,
        revenue_band=org.revenue_band,
        founded_year=org.founded_year,
        nace=[a.nace for a in sorted(org.activities, key=lambda a: (not a.primary, a.nace))],
        capability_details=[
            CapabilityOut(code=c.code, level=c.level, evidence=c.evidence)
            for c in sorted(org.capabilities, key=lambda c: c.code)
        ],
        certifications=[
            CertificationOut(
                code=c.code,
                scope=c.scope,
                issuer=c.issuer,
                valid_from=c.valid_from,
                valid_until=c.valid_until,
            )
            for c in org.certifications
        ],  # fmt: skip
        sites=[SiteOut.model_validate(s, from_attributes=True) for s in org.sites],
        memberships=[
            MembershipOut(
                cluster_id=m.cluster_id,
                cluster=m.cluster.name,
                role=m.role,
                since=m.since,
                until=m.until,
            )
            for m in org.memberships
        ],  # fmt: skip
        projects=[
            ParticipationOut(
                project_id=p.project.id,
                programme=p.project.programme,
                acronym=p.project.acronym,
                title=p.project.title,
                role=p.role,
                call_identifier=p.project.call_identifier,
                eu_contribution=p.project.eu_contribution,
            )
            for p in sorted(org.participations, key=lambda p: p.project.external_id)
        ],  # fmt: skip
        visibility=org.visibility,
        source=org.source.name if org.source else None,
        source_credit=org.source.credit if org.source else None,
        created_at=org.created_at.isoformat(timespec="seconds") if org.created_at else None,
        updated_at=org.updated_at.isoformat(timespec="seconds") if org.updated_at else None,
    )
