"""Registry tables. Every fact row points at the `Source` it came from."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from filiera.db import Base

ORG_KINDS = (
    "prime",
    "midcap",
    "sme",
    "startup",
    "research",
    "university",
    "public_body",
    "investor",
    "cluster",
    "buyer",
    "other",
)
CAPABILITY_LEVELS = ("claimed", "evidenced", "certified")
RELATION_KINDS = (
    "supplier_of",
    "subsidiary_of",
    "joint_venture",
    "mou",
    "investment",
    "alliance",
    "partner",
)
PARTICIPANT_ROLES = ("coordinator", "participant", "thirdParty", "associatedPartner")
IDENTIFIER_SCHEMES = ("pic", "vat", "lei", "ncage", "source_key")


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Source(Base):
    """Provenance: one import run, manual edit session or bundled dataset."""

    __tablename__ = "source"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))  # edf, csv, jsonl, demo, synthetic, manual
    location: Mapped[str | None] = mapped_column(String(500))
    credit: Mapped[str | None] = mapped_column(String(300))
    imported_by: Mapped[str] = mapped_column(String(120), default="cli")
    imported_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    stats: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ProvenanceMixin:
    """Columns every fact row carries: where it came from and when."""

    source_id: Mapped[int | None] = mapped_column(ForeignKey("source.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    @declared_attr
    def source(cls) -> Mapped[Source | None]:  # noqa: N805
        return relationship(Source)


def trigram_index(name: str) -> Index:
    """The `pg_trgm` GIN index of a table's `name_key`, read by a directory search for a
    name containing a text (directory/text_match.py). PostgreSQL only: on SQLite it is an
    empty partial index (`WHERE 0`), so the schema is the same everywhere and costs nothing.
    """
    return Index(
        name,
        "name_key",
        postgresql_using="gin",
        postgresql_ops={"name_key": "gin_trgm_ops"},
        sqlite_where=text("0"),
    )


class Organisation(ProvenanceMixin, Base):
    __audit__ = "organisation"
    __tablename__ = "organisation"
    __table_args__ = (
        Index("ix_organisation_country_kind", "country", "kind"),
        # name order for directory pages; visibility read from the index, not the row
        Index("ix_organisation_name_visibility", "name", "visibility"),
        # the directory's keyset orders (by name; by country, then name), with visibility
        # for the counts and pages of signed-in viewers (see docs/benchmarks.md)
        Index("ix_organisation_name_order", "name_key", "name", "id", "visibility"),
        Index("ix_organisation_country_order", "country", "name_key", "name", "id", "visibility"),
        # a region prefix's counts read from the index (visibility included); migration 0014
        Index("ix_organisation_region_order", "region", "name_key", "name", "id", "visibility"),
        trigram_index("ix_organisation_name_key_trigram"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    legal_name: Mapped[str | None] = mapped_column(String(300))
    name_key: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20), index=True, default="other")
    country: Mapped[str | None] = mapped_column(String(2))
    region: Mapped[str | None] = mapped_column(String(5))
    city: Mapped[str | None] = mapped_column(String(120))
    website: Mapped[str | None] = mapped_column(String(300))
    descriptions: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    employees: Mapped[int | None] = mapped_column(Integer)
    revenue_band: Mapped[str | None] = mapped_column(String(20))
    founded_year: Mapped[int | None] = mapped_column(Integer)
    # who controls it, for funding rules (EDF: "not controlled by a non-associated third
    # country", "not under common control"); None when not known
    control_group: Mapped[str | None] = mapped_column(String(200))
    controlled_from: Mapped[str | None] = mapped_column(String(2))
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    visibility: Mapped[str] = mapped_column(String(12), default="public")
    field_visibility: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    markings: Mapped[list[str]] = mapped_column(JSON, default=list)

    aliases: Mapped[list[Alias]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan"
    )
    identifiers: Mapped[list[Identifier]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan"
    )
    capabilities: Mapped[list[OrgCapability]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan"
    )
    activities: Mapped[list[OrgActivity]] = relationship(cascade="all, delete-orphan")
    certifications: Mapped[list[Certification]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan"
    )
    sites: Mapped[list[Site]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan"
    )
    participations: Mapped[list[Participation]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan"
    )
    roles: Mapped[list[PersonRole]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan"
    )
    memberships: Mapped[list[Membership]] = relationship(
        foreign_keys="Membership.organisation_id",
        back_populates="organisation",
        cascade="all, delete-orphan",
    )

    def identifier(self, scheme: str) -> str | None:
        return next((i.value for i in self.identifiers if i.scheme == scheme), None)


class Alias(ProvenanceMixin, Base):
    __audit__ = "alias"
    __tablename__ = "alias"
    __table_args__ = (
        UniqueConstraint("organisation_id", "name"),
        trigram_index("ix_alias_name_key_trigram"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(300))
    name_key: Mapped[str] = mapped_column(String(300), index=True)
    organisation: Mapped[Organisation] = relationship(back_populates="aliases")


class Identifier(ProvenanceMixin, Base):
    """A validated identifier (PIC, VAT, LEI, NCAGE) or a source's own key."""

    __audit__ = "identifier"
    __tablename__ = "identifier"
    __table_args__ = (UniqueConstraint("scheme", "value"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    scheme: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(300))
    organisation: Mapped[Organisation] = relationship(back_populates="identifiers")


class OrgCapability(ProvenanceMixin, Base):
    __audit__ = "capability"
    __tablename__ = "org_capability"
    __table_args__ = (
        UniqueConstraint("organisation_id", "code"),
        # the directory's capability filter (a code and the codes below it, see
        # directory/codes.py); text_pattern_ops lets PostgreSQL read `LIKE 'x.%'` from it
        Index(
            "ix_org_capability_code_organisation",
            "code",
            "organisation_id",
            postgresql_ops={"code": "text_pattern_ops"},
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(60))
    level: Mapped[str] = mapped_column(String(12), default="claimed")
    evidence: Mapped[str | None] = mapped_column(Text)
    organisation: Mapped[Organisation] = relationship(back_populates="capabilities")


class OrgActivity(ProvenanceMixin, Base):
    """A NACE Rev. 2 activity code of an organisation."""

    __audit__ = "activity"
    __tablename__ = "org_activity"
    __table_args__ = (UniqueConstraint("organisation_id", "nace"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    nace: Mapped[str] = mapped_column(String(10), index=True)
    primary: Mapped[bool] = mapped_column(Boolean, default=False)


class Certification(ProvenanceMixin, Base):
    __audit__ = "certification"
    __tablename__ = "certification"
    # the directory's certification filter: the holders of a code, read from the index
    __table_args__ = (Index("ix_certification_code_organisation", "code", "organisation_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(40))
    scope: Mapped[str | None] = mapped_column(String(300))
    issuer: Mapped[str | None] = mapped_column(String(200))
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    organisation: Mapped[Organisation] = relationship(back_populates="certifications")

    def is_valid(self, on: date) -> bool:
        starts = self.valid_from is None or self.valid_from <= on
        return starts and (self.valid_until is None or on <= self.valid_until)


class Site(ProvenanceMixin, Base):
    __audit__ = "site"
    __tablename__ = "site"
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="production")
    address: Mapped[str | None] = mapped_column(String(300))
    city: Mapped[str | None] = mapped_column(String(120))
    country: Mapped[str] = mapped_column(String(2), index=True)
    region: Mapped[str | None] = mapped_column(String(5), index=True)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    visibility: Mapped[str] = mapped_column(String(12), default="public")
    field_visibility: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    markings: Mapped[list[str]] = mapped_column(JSON, default=list)
    organisation: Mapped[Organisation] = relationship(back_populates="sites")


class Person(ProvenanceMixin, Base):
    __audit__ = "person"
    __tablename__ = "person"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(60))
    visibility: Mapped[str] = mapped_column(String(12), default="public")
    field_visibility: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    roles: Mapped[list[PersonRole]] = relationship(
        back_populates="person", cascade="all, delete-orphan"
    )


class PersonRole(ProvenanceMixin, Base):
    __audit__ = "person_role"
    __tablename__ = "person_role"
    __table_args__ = (UniqueConstraint("person_id", "organisation_id", "title"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    since: Mapped[date | None] = mapped_column(Date)
    until: Mapped[date | None] = mapped_column(Date)
    person: Mapped[Person] = relationship(back_populates="roles")
    organisation: Mapped[Organisation] = relationship(back_populates="roles")


class Membership(ProvenanceMixin, Base):
    """An organisation's membership of a cluster or association."""

    __audit__ = "membership"
    __tablename__ = "membership"
    __table_args__ = (
        UniqueConstraint("organisation_id", "cluster_id"),
        # a cluster's members (directory filter, a member's visibility), from the index
        Index("ix_membership_cluster_organisation", "cluster_id", "organisation_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    cluster_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(40), default="member")
    since: Mapped[date | None] = mapped_column(Date)
    until: Mapped[date | None] = mapped_column(Date)
    organisation: Mapped[Organisation] = relationship(
        foreign_keys=[organisation_id], back_populates="memberships"
    )
    cluster: Mapped[Organisation] = relationship(foreign_keys=[cluster_id])


INVITATION_STATES = ("pending", "accepted", "declined", "withdrawn")


class ClusterInvitation(Base):
    """A cluster asks an organisation to join; only its own users (or an admin) accept.

    Until accepted, an invitation gives the cluster nothing: no membership, no view of the
    organisation's members-only data, no right to edit it.
    """

    __audit__ = "cluster_invitation"
    __tablename__ = "cluster_invitation"
    id: Mapped[int] = mapped_column(primary_key=True)
    cluster_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(40), default="member")
    since: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    invited_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(254))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)


class Project(ProvenanceMixin, Base):
    """A funded project (EDF, ASAP, EDIRPA, Horizon...)."""

    __tablename__ = "project"
    __table_args__ = (UniqueConstraint("programme", "external_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    programme: Mapped[str] = mapped_column(String(20), index=True)
    external_id: Mapped[str] = mapped_column(String(40))
    acronym: Mapped[str | None] = mapped_column(String(80), index=True)
    title: Mapped[str] = mapped_column(String(500))
    objective: Mapped[str | None] = mapped_column(Text)
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    call_identifier: Mapped[str | None] = mapped_column(String(80), index=True)
    topic: Mapped[str | None] = mapped_column(String(120))
    type_of_action: Mapped[str | None] = mapped_column(String(120))
    status: Mapped[str | None] = mapped_column(String(40))
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    eu_contribution: Mapped[float | None] = mapped_column(Float)
    overall_budget: Mapped[float | None] = mapped_column(Float)
    markings: Mapped[list[str]] = mapped_column(JSON, default=list)
    participations: Mapped[list[Participation]] = relationship(
        back_populates="project", cascade="all, delete-orphan"
    )


class Participation(ProvenanceMixin, Base):
    __tablename__ = "participation"
    __table_args__ = (UniqueConstraint("project_id", "organisation_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(20))
    # The organisation's own EU contribution, where the source gives it (CORDIS does; the
    # EDF portal data does not, and then only the project's total is known).
    contribution: Mapped[float | None] = mapped_column(Float)
    project: Mapped[Project] = relationship(back_populates="participations")
    organisation: Mapped[Organisation] = relationship(back_populates="participations")


class Relation(ProvenanceMixin, Base):
    """A dated relationship between two organisations (supplier, JV, MoU...)."""

    __audit__ = "relation"
    __tablename__ = "relation"
    __table_args__ = (Index("ix_relation_pair", "source_org_id", "target_org_id", "kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    source_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    target_org_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    date: Mapped[date | None] = mapped_column(Date)
    description: Mapped[str | None] = mapped_column(Text)
    reference: Mapped[str | None] = mapped_column(String(300))
    source_org: Mapped[Organisation] = relationship(foreign_keys=[source_org_id])
    target_org: Mapped[Organisation] = relationship(foreign_keys=[target_org_id])


class ReviewItem(Base):
    """A possible duplicate pair the matcher was not sure about."""

    __audit__ = "review_item"
    __tablename__ = "review_item"
    __table_args__ = (UniqueConstraint("organisation_id", "candidate_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    score: Mapped[float] = mapped_column(Float)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(12), default="open", index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    organisation: Mapped[Organisation] = relationship(foreign_keys=[organisation_id])
    candidate: Mapped[Organisation] = relationship(foreign_keys=[candidate_id])
