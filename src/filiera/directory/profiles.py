"""Output shapes: what the API, the CLI's --json and the web pages show of a record."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from pydantic import BaseModel, Field, create_model

from filiera.access.disclosure import Disclosure, Employer
from filiera.access.policy import Owner
from filiera.registry import fields
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
    visibility: str = "public"
    markings: list[str] = Field(default_factory=list)


class PersonOut(BaseModel):
    """Someone holding a role in the organisation; contacts only where the viewer may."""

    person_id: int
    name: str
    title: str
    email: str | None = None
    phone: str | None = None
    since: date | None = None


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
    contribution: float | None = Field(
        default=None,
        description="The organisation's own EU contribution, where the source gives it "
        "(CORDIS does; the EDF portal data does not)",
    )
    eu_contribution: float | None = Field(
        default=None, description="The whole project's EU contribution, all partners together"
    )


class RoleOut(BaseModel):
    person_id: int
    title: str
    since: date | None = None


class OrganisationSummary(BaseModel):
    """A directory row."""

    id: int = Field(examples=[42])
    name: str = Field(examples=["Leonardo S.p.A."])
    kind: str = Field(examples=["prime"])
    country: str | None = Field(examples=["IT"])
    region: str | None = None
    city: str | None = None
    pic: str | None = Field(default=None, examples=["999880463"])
    capabilities: list[str] = Field(default_factory=list)
    synthetic: bool = False


# Output annotation of a declared single-valued field, by value type (default: text).
OUT_TYPES: dict[str, Any] = {
    "count": int | None,
    "year": int | None,
    "flag": bool,
    "visibility": str,
    "latitude": float | None,
    "longitude": float | None,
}
OUT_PARTS: dict[str, tuple[Any, type]] = {
    "names": (list[str], list),
    "descriptions": (dict[str, str], dict),
    "identifiers": (dict[str, str], dict),
    "nace": (list[str], list),
    "certifications": (list[CertificationOut], list),
    "sites": (list[SiteOut], list),
    "markings": (list[str], list),
}
OUT_DOCS = {"markings": "Export-control and classification markings"}


def _out(f: fields.Field) -> tuple[Any, Any]:
    """Annotation and pydantic Field of a declared field in the profile."""
    if f.single:
        return OUT_TYPES.get(f.type, str | None), Field(default=f.default)
    annotation, empty = OUT_PARTS[f.type]
    docs = {"description": OUT_DOCS[f.type]} if f.type in OUT_DOCS else {}
    return annotation, Field(default_factory=empty, **docs)


def _declared_out() -> dict[str, Any]:
    """The declared output fields of an organisation that a directory row does not carry."""
    return {
        f.name: _out(f)
        for f in fields.of("organisation")
        if f.output and f.name not in OrganisationSummary.model_fields
    }


OrganisationDetail = create_model(
    "OrganisationDetail",
    __base__=OrganisationSummary,
    __doc__="A full profile with its provenance.",
    **_declared_out(),
    capability_details=(list[CapabilityOut], Field(default_factory=list)),
    memberships=(list[MembershipOut], Field(default_factory=list)),
    projects=(list[ParticipationOut], Field(default_factory=list)),
    people=(list[PersonOut], Field(default_factory=list)),
    withheld=(
        list[str],
        Field(
            default_factory=list,
            description=(
                "Sensitive fields this viewer may not see, named by their level whether or"
                " not a value is stored (hidden records are simply absent)"
            ),
        ),
    ),
    source=(str | None, None),
    source_credit=(str | None, None),
    created_at=(str | None, None),
    updated_at=(str | None, None),
)


class OrganisationPage(BaseModel):
    """A page of the directory: `{data, count, page, per_page}`."""

    data: list[OrganisationSummary]
    count: int
    page: int
    per_page: int


def summary(org: Organisation) -> OrganisationSummary:
    return summary_of(org, org.identifier("pic"), [c.code for c in org.capabilities])


def summary_of(org: Any, pic: str | None, capabilities: Iterable[str]) -> OrganisationSummary:
    """The summary of an organisation or a row of its columns, given its PIC and codes."""
    return OrganisationSummary(
        id=org.id,
        name=org.name,
        kind=org.kind,
        country=org.country,
        region=org.region,
        city=org.city,
        pic=pic,
        capabilities=sorted(capabilities),
        synthetic=org.synthetic,
    )


def _owner(org: Organisation, disclosure: Disclosure) -> Owner:
    clusters = {m.cluster_id for m in org.memberships}
    return disclosure.owner("organisation", org.id, {org.id}, clusters)


def _sites(org: Organisation, disclosure: Disclosure, withheld: set[str]) -> list[SiteOut]:
    clusters = {m.cluster_id for m in org.memberships}
    shown = []
    for site in sorted(org.sites, key=lambda s: s.id):
        owner = disclosure.owner("site", site.id, {org.id}, clusters)
        if not disclosure.record("site", site.id, site.visibility, owner):
            continue  # a hidden record is not there at all, not even as "withheld"
        out = SiteOut.model_validate(site, from_attributes=True)
        for name in fields.sensitive("site"):
            if not disclosure.field("site", site.id, site, name, owner):
                setattr(out, name, None)
                withheld.add(f"sites.{name}")
        shown.append(out)
    return shown


def _people(org: Organisation, disclosure: Disclosure, withheld: set[str]) -> list[PersonOut]:
    """The people holding a role here; each only with its role here (never their roles
    elsewhere) and only if the viewer may see them through an organisation it may see."""
    shown = []
    for role in sorted(org.roles, key=lambda r: (r.person.name, r.id)):
        person = role.person
        owner = _person_owner(person, disclosure)
        if not disclosure.person(person.id, person.visibility, owner, has_roles=True):
            continue  # a hidden person is not there at all, not even as "withheld"
        out = PersonOut(person_id=person.id, name=person.name, title=role.title, since=role.since)
        for name in fields.sensitive("person"):
            if not disclosure.field("person", person.id, person, name, owner):
                withheld.add(f"people.{name}")  # by level, whether or not a value is stored
            else:
                setattr(out, name, getattr(person, name))
        shown.append(out)
    return shown


def _person_owner(person, disclosure: Disclosure) -> Owner:
    """The person as owned by the organisations of their roles that the viewer may see."""
    employers = [
        Employer(r.organisation.visibility, _owner(r.organisation, disclosure))
        for r in person.roles
    ]
    return disclosure.person_owner(person.id, employers)


def _declared(
    org: Organisation, disclosure: Disclosure, owner: Owner, withheld: set[str]
) -> dict[str, Any]:
    """The declared single values of the profile; a sensitive one only where the viewer may."""
    shown = {}
    for f in fields.of("organisation"):
        if not (f.single and f.output) or f.name in OrganisationSummary.model_fields:
            continue
        value = getattr(org, f.name)
        if f.sensitive and not disclosure.field("organisation", org.id, org, f.name, owner):
            withheld.add(f.name)  # by its level, whether or not a value is stored
            continue
        shown[f.name] = value
    return shown


def detail(org: Organisation, disclosure: Disclosure) -> OrganisationDetail:
    """The profile of an organisation (loaded by `queries.get_organisation`) as the viewer of
    `disclosure` may see it: hidden sites, people and sensitive fields are left out and named
    in `withheld`."""
    base = summary(org).model_dump()
    withheld: set[str] = set()
    owner = _owner(org, disclosure)
    disclosure.record("organisation", org.id, org.visibility, owner)
    return OrganisationDetail(
        **base,
        **_declared(org, disclosure, owner, withheld),
        aliases=sorted(a.name for a in org.aliases),
        descriptions=org.descriptions or {},
        identifiers={i.scheme: i.value for i in org.identifiers},
        nace=[a.nace for a in sorted(org.activities, key=lambda a: (not a.primary, a.nace))],
        capability_details=[
            CapabilityOut.model_validate(c, from_attributes=True)
            for c in sorted(org.capabilities, key=lambda c: c.code)
        ],
        certifications=[
            CertificationOut.model_validate(c, from_attributes=True) for c in org.certifications
        ],
        sites=_sites(org, disclosure, withheld),
        memberships=_memberships(org, disclosure, withheld),
        projects=[
            ParticipationOut(
                project_id=p.project.id,
                programme=p.project.programme,
                acronym=p.project.acronym,
                title=p.project.title,
                role=p.role,
                call_identifier=p.project.call_identifier,
                contribution=p.contribution,
                eu_contribution=p.project.eu_contribution,
            )
            for p in sorted(org.participations, key=lambda p: p.project.external_id)
        ],
        people=_people(org, disclosure, withheld),
        markings=list(org.markings or []),
        withheld=sorted(withheld),
        source=org.source.name if org.source else None,
        source_credit=org.source.credit if org.source else None,
        created_at=org.created_at.isoformat(timespec="seconds") if org.created_at else None,
        updated_at=org.updated_at.isoformat(timespec="seconds") if org.updated_at else None,
    )


def _memberships(
    org: Organisation, disclosure: Disclosure, withheld: set[str]
) -> list[MembershipOut]:
    shown = []
    for m in org.memberships:
        cluster = m.cluster
        owner = disclosure.owner("organisation", cluster.id, {cluster.id})
        if not disclosure.record("organisation", cluster.id, cluster.visibility, owner):
            continue
        shown.append(
            MembershipOut(
                cluster_id=m.cluster_id,
                cluster=cluster.name,
                role=m.role,
                since=m.since,
                until=m.until,
            )
        )
    return shown
