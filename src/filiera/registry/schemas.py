"""Pydantic shapes of registry records: what imports, the API and the CLI accept and return."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from filiera.errors import ValidationFailed, field_error
from filiera.registry import checks
from filiera.registry.models import CAPABILITY_LEVELS, ORG_KINDS, RELATION_KINDS

OrgKind = Literal[ORG_KINDS]  # type: ignore[valid-type]
CapabilityLevel = Literal[CAPABILITY_LEVELS]  # type: ignore[valid-type]
RelationKind = Literal[RELATION_KINDS]  # type: ignore[valid-type]
Visibility = Literal["public", "members", "restricted", "owner"]
OrgSensitiveField = Literal["employees", "revenue_band"]
SiteSensitiveField = Literal["address", "lat", "lon"]
Text300 = Annotated[str, Field(max_length=300)]
T = TypeVar("T", bound=BaseModel)


def _has_nul(value: Any) -> bool:
    """Does any text in `value` (nested lists and dicts included) hold a NUL character?"""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(item) for item in value)
    return False


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        """NUL characters are refused (PostgreSQL cannot store them; nobody types them)."""
        if _has_nul(value):
            raise ValueError("must not contain NUL (\\x00) characters")
        return value


class CapabilityIn(_In):
    code: checks.CapabilityCode = Field(examples=["munitions.ammunition"])
    level: CapabilityLevel = "claimed"
    evidence: str | None = None


class CertificationIn(_In):
    code: checks.CertificationCode = Field(examples=["en9100"])
    scope: str | None = None
    issuer: str | None = None
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None


class SiteIn(_In):
    name: str = Field(min_length=1, max_length=200)
    kind: Literal["production", "research", "office", "test", "other"] = "production"
    address: str | None = Field(default=None, max_length=300)
    city: str | None = Field(default=None, max_length=120)
    country: checks.Country
    region: checks.OptionalNuts = None
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    visibility: Visibility = "public"
    field_visibility: dict[SiteSensitiveField, Visibility] = Field(default_factory=dict)
    markings: checks.Markings = Field(default_factory=list)

    @model_validator(mode="after")
    def _region_in_country(self) -> SiteIn:
        checks.region_matches_country(self.region, self.country)
        return self


class OrganisationIn(_In):
    """A new or updated organisation, validated field by field."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {
                    "name": "Leonardo S.p.A.",
                    "kind": "prime",
                    "country": "IT",
                    "city": "Rome",
                    "website": "https://www.leonardo.com",
                    "identifiers": {"pic": "999880463"},
                    "capabilities": [{"code": "air.rotorcraft", "level": "evidenced"}],
                }
            ]
        },
    )

    name: str = Field(min_length=1, max_length=300)
    legal_name: str | None = Field(default=None, max_length=300)
    aliases: list[Annotated[str, Field(max_length=300)]] = Field(default_factory=list)
    kind: OrgKind = "other"
    country: checks.OptionalCountry = Field(
        default=None, examples=["IT"], description="ISO 3166-1 alpha-2; omit only if unknown"
    )
    region: checks.OptionalNuts = Field(default=None, examples=["ITC41"])
    city: str | None = Field(default=None, max_length=120)
    website: checks.OptionalUrl = None
    descriptions: checks.Descriptions = Field(default_factory=dict)
    identifiers: checks.Identifiers = Field(default_factory=dict)
    employees: int | None = Field(default=None, ge=0)
    revenue_band: checks.OptionalRevenue = None
    founded_year: checks.OptionalYear = None
    nace: checks.NaceList = Field(default_factory=list)
    capabilities: list[CapabilityIn] = Field(default_factory=list)
    certifications: list[CertificationIn] = Field(default_factory=list)
    sites: list[SiteIn] = Field(default_factory=list)
    visibility: Visibility = "public"
    field_visibility: dict[OrgSensitiveField, Visibility] = Field(
        default_factory=dict, examples=[{"revenue_band": "restricted"}]
    )
    markings: checks.Markings = Field(default_factory=list, examples=[["dual_use"]])
    synthetic: bool = False

    @model_validator(mode="after")
    def _region_in_country(self) -> OrganisationIn:
        checks.region_matches_country(self.region, self.country)
        return self


class OrganisationPatch(_In):
    """Partial update: only the fields given change."""

    name: str | None = Field(default=None, min_length=1, max_length=300)
    legal_name: str | None = Field(default=None, max_length=300)
    kind: OrgKind | None = None
    country: checks.OptionalCountry = None
    region: checks.OptionalNuts = None
    city: str | None = Field(default=None, max_length=120)
    website: checks.OptionalUrl = None
    descriptions: checks.Descriptions | None = None
    identifiers: checks.Identifiers | None = None
    employees: int | None = Field(default=None, ge=0)
    revenue_band: checks.OptionalRevenue = None
    founded_year: checks.OptionalYear = None
    visibility: Visibility | None = None
    field_visibility: dict[OrgSensitiveField, Visibility] | None = None
    markings: checks.Markings | None = None
    capabilities: list[CapabilityIn] | None = Field(
        default=None, max_length=200, description="Replaces the whole list when given"
    )
    certifications: list[CertificationIn] | None = Field(
        default=None, max_length=100, description="Replaces the whole list when given"
    )
    sites: list[SiteIn] | None = Field(
        default=None, max_length=200, description="Replaces the whole list when given"
    )


class PersonIn(_In):
    name: str = Field(min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=60)
    organisation: str | None = Field(default=None, description="name or PIC of the organisation")
    title: str | None = None
    since: dt.date | None = None


class MembershipIn(_In):
    organisation: str = Field(description="name or PIC of the member")
    cluster: str = Field(description="name of the cluster or association")
    role: str = "member"
    since: dt.date | None = None
    until: dt.date | None = None


class RelationIn(_In):
    kind: RelationKind
    source: str
    target: str
    date: dt.date | None = None
    description: str | None = None
    reference: str | None = None


def validation_errors(record: str, error: ValidationError) -> list[dict[str, str]]:
    """Turn pydantic's errors into Filiera's {record, field, message} list."""
    return [
        field_error(record, ".".join(str(p) for p in e["loc"]) or "(record)", _message(e))
        for e in error.errors()
    ]


def _message(error: dict[str, Any]) -> str:
    message = str(error["msg"])
    return message.removeprefix("Value error, ")


def parse(model: type[T], data: dict[str, Any], record: str) -> T:
    """Validate `data` as `model`, raising one ValidationFailed listing every bad field."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        errors = validation_errors(record, error)
        raise ValidationFailed(f"{record}: {len(errors)} invalid field(s)", errors=errors) from None
