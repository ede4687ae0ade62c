"""Input and output shapes of calls, the builder, the checker and bids."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from filiera.consortia.models import BID_STATUSES, CALL_STATUSES, PARTNER_ROLES
from filiera.registry import checks
from filiera.registry.fields import CONTENT_LANGUAGES
from filiera.registry.schemas import Visibility
from filiera.registry.schemas import _In as RegistryIn

Lang = Literal[CONTENT_LANGUAGES]  # type: ignore[valid-type]
Capabilities = Annotated[list[checks.CapabilityCode], Field(max_length=30)]
OrgRef = Annotated[str, Field(min_length=1, max_length=20, description="Organisation id or PIC")]
OrgRefs = Annotated[list[OrgRef], Field(max_length=60)]


class _In(RegistryIn):
    """Strict input: unknown fields and NUL characters are refused."""


class WorkPackage(_In):
    title: str = Field(min_length=2, max_length=200)
    capabilities: Capabilities = Field(default_factory=list)


class CallIn(_In):
    """A call for proposals and the rule set it follows."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {
                    "programme": "EDF",
                    "identifier": "EDF-2026-DA-C4ISR-EW",
                    "title": "Electronic warfare for unmanned systems",
                    "text": "Develop a modular electronic warfare payload for medium UAS...",
                    "rules": "edf",
                    "rule_params": {"action": "development"},
                    "capabilities": ["electronics.ew"],
                    "deadline": "2026-11-27",
                    "budget": 25000000,
                    "owner_id": 3,
                    "size_min": 5,
                    "size_max": 12,
                }
            ]
        },
    )
    programme: str = Field(min_length=2, max_length=40)
    identifier: str | None = Field(default=None, max_length=80)
    title: str = Field(min_length=3, max_length=300)
    text: str = Field(min_length=10, max_length=20_000)
    lang: Lang | None = None
    topic: str | None = Field(default=None, max_length=120)
    deadline: dt.date | None = None
    budget: float | None = Field(default=None, ge=0)
    rules: str = Field(default="open", min_length=2, max_length=300)  # a path is refused by name
    rule_params: dict[str, Any] = Field(default_factory=dict)
    capabilities: Capabilities = Field(default_factory=list)
    work_packages: Annotated[list[WorkPackage], Field(max_length=30)] = Field(default_factory=list)
    size_min: int | None = Field(default=None, ge=1, le=60)
    size_max: int | None = Field(default=None, ge=1, le=60)
    owner_id: int = Field(ge=1, description="The organisation publishing the call here")
    status: Literal[CALL_STATUSES] = "open"  # type: ignore[valid-type]
    visibility: Visibility = "public"

    @model_validator(mode="after")
    def _sizes(self) -> CallIn:
        if self.size_min and self.size_max and self.size_min > self.size_max:
            raise ValueError("size_min is above size_max")
        return self


class CallOut(BaseModel):
    id: int
    programme: str
    identifier: str | None
    title: str
    text: str
    lang: str | None
    topic: str | None
    deadline: dt.date | None
    budget: float | None
    rules: str
    rule_params: dict[str, Any]
    capabilities: list[str]
    work_packages: list[dict[str, Any]]
    size_min: int | None
    size_max: int | None
    owner_id: int
    owner: str
    status: str
    visibility: str
    credit: str | None


class BuildIn(_In):
    """What to build a consortium for: a call, or a free text with a rule set."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        populate_by_name=True,
        json_schema_extra={
            "examples": [
                {
                    "text": "Counter-UAS: radar, RF jamming and command and control for bases",
                    "rules": "edf",
                    "with": ["999984447"],
                    "size_min": 5,
                    "size_max": 8,
                    "alternatives": 3,
                }
            ]
        },
    )
    call_id: int | None = Field(default=None, ge=1)
    text: str | None = Field(default=None, min_length=10, max_length=20_000)
    lang: Lang | None = None
    rules: str | None = Field(
        default=None,
        max_length=300,
        description="Rule set (edf, regional, open; a YAML file from the command line only); "
        "the call's by default",
    )
    rule_params: dict[str, Any] = Field(default_factory=dict)
    capabilities: Capabilities = Field(default_factory=list, description="Added to the call's")
    with_: OrgRefs = Field(
        default_factory=list, alias="with", description="Fixed partners; the first coordinates"
    )
    without: OrgRefs = Field(default_factory=list, description="Partners never to propose")
    size_min: int | None = Field(default=None, ge=1, le=60)
    size_max: int | None = Field(default=None, ge=1, le=60)
    alternatives: int = Field(default=3, ge=1, le=5)
    differ: int | None = Field(
        default=None, ge=1, le=30, description="Partners each alternative changes"
    )
    collaboration: float = Field(
        default=0.35, ge=0, le=3, description="Weight of proven collaboration"
    )
    fixed_ties: float = Field(
        default=0.25,
        ge=0,
        le=3,
        description="Weight of past projects with the fixed partners (the coordinator)",
    )
    newcomer: float = Field(
        default=0.1, ge=0, le=3, description="Bonus for partners without funded projects"
    )
    pool: int = Field(
        default=150, ge=10, le=2000, description="Candidates the exact optimiser sees"
    )
    explain_lang: Lang | None = None

    @model_validator(mode="after")
    def _what(self) -> BuildIn:
        if self.call_id is None and not self.text:
            raise ValueError("give a call (call_id) or a text")
        if self.size_min and self.size_max and self.size_min > self.size_max:
            raise ValueError("size_min is above size_max")
        return self


class CheckIn(_In):
    """A consortium typed in by the user, to check against a rule set."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [{"members": ["999984447", "998627417", "999959130"], "rules": "edf"}]
        },
    )
    members: Annotated[list[OrgRef], Field(min_length=1, max_length=60)]
    call_id: int | None = Field(default=None, ge=1)
    rules: str | None = Field(default=None, max_length=300)
    rule_params: dict[str, Any] = Field(default_factory=dict)
    capabilities: Capabilities = Field(default_factory=list)
    shares: dict[str, float] = Field(default_factory=dict, description="Member -> share of costs")


class MemberOut(BaseModel):
    org_id: int
    pic: str | None
    name: str
    country: str | None
    kind: str
    sme: bool
    role: str
    fixed: bool
    relevance: float
    capabilities: list[str]
    reasons: list[str]


class RuleOut(BaseModel):
    rule: str
    ok: bool
    detail: str
    tight: bool
    article: str | None
    warnings: list[str]


class ConsortiumOut(BaseModel):
    members: list[MemberOut]
    score: float
    parts: dict[str, float]
    rules: list[RuleOut]
    ok: bool
    missing: list[str]
    countries: dict[str, int]
    funding: dict[str, Any] | None
    optimal: bool
    gap: float
    changed: list[str] = Field(default_factory=list, description="Partners not in the first")


class BuildOut(BaseModel):
    consortia: list[ConsortiumOut]
    call: dict[str, Any] | None
    rules: dict[str, Any]
    size: list[int]
    pool: int
    notes: list[str]


class CheckOut(BaseModel):
    ok: bool
    members: list[MemberOut]
    rules: list[RuleOut]
    violations: list[str]
    warnings: list[str]
    missing: list[str]
    countries: dict[str, int]
    funding: dict[str, Any] | None


class BidPartnerIn(_In):
    organisation: OrgRef
    role: Literal[PARTNER_ROLES] = "participant"  # type: ignore[valid-type]
    reasons: Annotated[list[Annotated[str, Field(max_length=500)]], Field(max_length=20)] = Field(
        default_factory=list
    )


class BidIn(_In):
    """A consortium saved as a draft bid."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {
                    "title": "C-UAS bid, Lombardia cluster",
                    "owner_id": 3,
                    "rules": "edf",
                    "partners": [{"organisation": "999984447", "role": "coordinator"}],
                }
            ]
        },
    )
    title: str = Field(min_length=3, max_length=300)
    owner_id: int = Field(ge=1, description="The organisation the bid is saved for")
    call_id: int | None = Field(default=None, ge=1)
    text: str | None = Field(default=None, max_length=20_000)
    rules: str | None = Field(default=None, max_length=60)
    rule_params: dict[str, Any] = Field(default_factory=dict)
    partners: Annotated[list[BidPartnerIn], Field(min_length=1, max_length=60)]


class BidAnswer(_In):
    organisation_id: int = Field(ge=1, description="The invited organisation you answer for")
    accept: bool


class BidStatusIn(_In):
    status: Literal[BID_STATUSES]  # type: ignore[valid-type]


class CallStatusIn(_In):
    status: Literal[CALL_STATUSES]  # type: ignore[valid-type]


class BidPartnerOut(BaseModel):
    id: int
    org_id: int
    name: str
    country: str | None
    kind: str
    role: str
    status: str
    reasons: list[str]
    invited_at: dt.datetime | None
    decided_at: dt.datetime | None


class BidOut(BaseModel):
    id: int
    title: str
    call_id: int | None
    call: str | None
    owner_id: int
    owner: str
    rules: str
    status: str
    partners: list[BidPartnerOut]
    check: CheckOut | None
    mine: bool = Field(description="The viewer acts for the bid's owner")
    created_at: dt.datetime
