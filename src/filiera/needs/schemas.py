"""Input and output shapes of needs, theses and interests."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from filiera.match.results import Explanation
from filiera.needs.models import NEED_KINDS, NEED_STATUSES, STAGES
from filiera.registry import checks
from filiera.registry.fields import CONTENT_LANGUAGES
from filiera.registry.schemas import Visibility
from filiera.registry.schemas import _In as RegistryIn

Lang = Literal[CONTENT_LANGUAGES]  # type: ignore[valid-type]
NeedKind = Literal[NEED_KINDS]  # type: ignore[valid-type]
NeedStatus = Literal[NEED_STATUSES]  # type: ignore[valid-type]
Stage = Literal[STAGES]  # type: ignore[valid-type]
Countries = Annotated[list[checks.Country], Field(max_length=60)]
Capabilities = Annotated[list[checks.CapabilityCode], Field(max_length=30)]
Trl = Annotated[int, Field(ge=1, le=9)]


class _In(RegistryIn):
    """Strict input: unknown fields and NUL characters are refused."""


class NeedIn(_In):
    """An operational need or challenge, written in en/it/fr/de."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {
                    "title": "Rilevamento e neutralizzazione di droni su basi aeree",
                    "text": (
                        "Cerchiamo sistemi anti-drone con radar e disturbo RF per proteggere basi."
                    ),
                    "owner_id": 12,
                    "capabilities": ["air.uas"],
                    "trl_min": 6,
                    "trl_max": 8,
                    "countries": ["IT", "FR", "DE"],
                    "deadline": "2027-03-31",
                }
            ]
        },
    )
    kind: NeedKind = "need"
    title: str = Field(min_length=3, max_length=300)
    text: str = Field(min_length=10, max_length=20_000)
    lang: Lang | None = Field(default=None, description="Detected when omitted")
    owner_id: int = Field(ge=1, description="The publishing organisation (buyer or cluster)")
    capabilities: Capabilities = Field(default_factory=list)
    trl_min: Trl | None = None
    trl_max: Trl | None = None
    countries: Countries = Field(default_factory=list, description="Eligible countries")
    deadline: dt.date | None = None
    status: NeedStatus = "open"
    visibility: Visibility = "public"
    markings: checks.Markings = Field(default_factory=list)

    @field_validator("trl_max")
    @classmethod
    def _trl_range(cls, value: int | None, info: ValidationInfo) -> int | None:
        """The range is checked on `trl_max`, so the error names a field a form can show."""
        low = info.data.get("trl_min")
        if low and value and low > value:
            raise ValueError("is below trl_min")
        return value


class NeedPatch(_In):
    """Changes to a need: only the fields given are changed."""

    kind: NeedKind | None = None
    title: str | None = Field(default=None, min_length=3, max_length=300)
    text: str | None = Field(default=None, min_length=10, max_length=20_000)
    lang: Lang | None = None
    capabilities: Capabilities | None = None
    trl_min: Trl | None = None
    trl_max: Trl | None = None
    countries: Countries | None = None
    deadline: dt.date | None = None
    status: NeedStatus | None = None
    visibility: Visibility | None = None
    markings: checks.Markings | None = None


class NeedOut(BaseModel):
    id: int
    kind: str
    title: str
    text: str
    lang: str | None
    owner_id: int
    owner: str
    capabilities: list[str]
    trl_min: int | None
    trl_max: int | None
    countries: list[str]
    deadline: dt.date | None
    status: str
    visibility: str
    markings: list[str]
    interests: int = 0
    created_at: dt.datetime


class ThesisIn(_In):
    """An investor's thesis: what it funds, where, at which stage and ticket size."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {
                    "title": "Dual-use space and counter-drone start-ups",
                    "text": "Seed and Series A tickets for European start-ups in space situational "
                    "awareness, counter-UAS and secure communications.",
                    "owner_id": 30,
                    "sectors": ["space", "air.uas"],
                    "stages": ["seed", "series_a"],
                    "ticket_min": 500000,
                    "ticket_max": 5000000,
                    "countries": ["LU", "DE", "FR"],
                }
            ]
        },
    )
    title: str = Field(min_length=3, max_length=300)
    text: str = Field(min_length=10, max_length=20_000)
    lang: Lang | None = None
    owner_id: int = Field(ge=1, description="The investor organisation")
    sectors: Capabilities = Field(default_factory=list)
    stages: list[Stage] = Field(default_factory=list, max_length=6)
    ticket_min: float | None = Field(default=None, ge=0)
    ticket_max: float | None = Field(default=None, ge=0)
    countries: Countries = Field(default_factory=list)
    status: NeedStatus = "open"
    visibility: Visibility = "public"

    @field_validator("ticket_max")
    @classmethod
    def _tickets(cls, value: float | None, info: ValidationInfo) -> float | None:
        """The range is checked on `ticket_max`, so the error names a field a form can show."""
        low = info.data.get("ticket_min")
        if low and value and low > value:
            raise ValueError("is below ticket_min")
        return value


class ThesisPatch(_In):
    """Changes to a thesis: only the fields given are changed."""

    title: str | None = Field(default=None, min_length=3, max_length=300)
    text: str | None = Field(default=None, min_length=10, max_length=20_000)
    lang: Lang | None = None
    sectors: Capabilities | None = None
    stages: list[Stage] | None = Field(default=None, max_length=6)
    ticket_min: float | None = Field(default=None, ge=0)
    ticket_max: float | None = Field(default=None, ge=0)
    countries: Countries | None = None
    status: NeedStatus | None = None
    visibility: Visibility | None = None


class ThesisOut(BaseModel):
    id: int
    title: str
    text: str
    lang: str | None
    owner_id: int
    owner: str
    sectors: list[str]
    stages: list[str]
    ticket_min: float | None
    ticket_max: float | None
    countries: list[str]
    status: str
    visibility: str
    created_at: dt.datetime


class InterestIn(_In):
    organisation_id: int = Field(ge=1, description="The organisation that can help")
    note: str | None = Field(default=None, max_length=4000)


class InterestOut(BaseModel):
    need_id: int
    organisation_id: int
    organisation: str
    note: str | None
    created_at: dt.datetime


class Opportunity(BaseModel):
    """A need or thesis that fits an organisation, with its rank among eligible ones."""

    id: int
    title: str
    owner: str
    score: float
    rank: int = Field(description="This organisation's rank among eligible ones")
    of: int
    explanations: list[Explanation]


class OpportunitiesOut(BaseModel):
    needs: list[Opportunity]
    theses: list[Opportunity]
