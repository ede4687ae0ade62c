"""Response and request shapes of the API beyond the registry views."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from filiera.registry.views import OrganisationSummary


class ErrorDetail(BaseModel):
    record: str = Field(examples=["request"])
    field: str = Field(examples=["body.country"])
    message: str = Field(examples=["unknown country 'ZZ'"])


class ErrorInfo(BaseModel):
    code: str = Field(examples=["validation_failed"])
    message: str = Field(examples=["request: 2 invalid field(s)"])
    details: list[ErrorDetail] = Field(default_factory=list)


class ErrorBody(BaseModel):
    """The one error shape of every failed request."""

    error: ErrorInfo


class PartnerOut(BaseModel):
    """An organisation that shares funded projects with another one."""

    organisation: OrganisationSummary
    shared_projects: int = Field(examples=[3])


class ClusterOut(BaseModel):
    id: int = Field(examples=[7])
    name: str = Field(examples=["Lombardia Aerospace Cluster"])
    country: str | None = Field(default=None, examples=["IT"])
    region: str | None = Field(default=None, examples=["ITC4"])
    city: str | None = Field(default=None, examples=["Milano"])
    website: str | None = None
    members: int = Field(examples=[180])


class ProjectSummary(BaseModel):
    id: int = Field(examples=[12])
    programme: str = Field(examples=["EDF"])
    external_id: str = Field(examples=["101103254"])
    acronym: str | None = Field(default=None, examples=["EPC"])
    title: str = Field(examples=["European Patrol Corvette"])
    call_identifier: str | None = Field(default=None, examples=["EDF-2021-NAVAL-D-EPC"])
    status: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    eu_contribution: float | None = Field(default=None, examples=[60_000_000.0])


class ParticipantOut(BaseModel):
    organisation: OrganisationSummary
    role: str = Field(examples=["coordinator"])


class ProjectDetail(ProjectSummary):
    objective: str | None = None
    keywords: list[str] = Field(default_factory=list)
    topic: str | None = None
    type_of_action: str | None = None
    overall_budget: float | None = None
    participants: list[ParticipantOut] = Field(default_factory=list)
    source: str | None = None
    source_credit: str | None = None
    markings: list[str] = Field(default_factory=list)


class ProjectPage(BaseModel):
    """A page of projects: `{data, count, page, per_page}`."""

    data: list[ProjectSummary]
    count: int
    page: int
    per_page: int


class Stats(BaseModel):
    """Ecosystem figures."""

    organisations: int = Field(examples=[1250])
    projects: int = Field(examples=[140])
    participations: int = Field(examples=[2100])
    eu_contribution: float = Field(examples=[2_450_000_000.0])
    countries: int = Field(examples=[27])
    by_country: dict[str, int] = Field(examples=[{"IT": 310, "FR": 280}])
    by_kind: dict[str, int] = Field(examples=[{"sme": 600, "prime": 12}])


class TaxonomyNode(BaseModel):
    code: str = Field(examples=["space.satellites"])
    label: str = Field(examples=["Satellites"])
    children: list[TaxonomyNode] = Field(default_factory=list)


class ReviewOut(BaseModel):
    """A possible duplicate: the newer record and the candidate it may duplicate."""

    id: int = Field(examples=[3])
    score: float = Field(examples=[0.86])
    reasons: list[str] = Field(examples=[["similar name (0.95)", "same country IT"]])
    status: str = Field(examples=["open"])
    created_at: datetime | None = None
    organisation: OrganisationSummary
    candidate: OrganisationSummary


class ReviewDecisionIn(BaseModel):
    """`merge` folds the newer record into the candidate; `reject` keeps both."""

    decision: Literal["merge", "reject"] = Field(examples=["merge"])


class ReviewDecisionOut(BaseModel):
    id: int
    status: Literal["merged", "rejected"]
    organisation_id: int = Field(description="The organisation that remains.")
