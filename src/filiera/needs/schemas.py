"""Input and output shapes of needs, theses and interests."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

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

    @model_validator(mode="after")
    def _trl_range(self) -> NeedIn:
        if self.trl_min and self.trl_max and self.trl_min > self.trl_max:
            raise ValueError("trl_min is above trl_max")
        return self


class NeedPatch(_In):
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

    @model_validator(mode="after")
    def _tickets(self) -> ThesisIn:
        if self.ticket_min and self.ticket_max and self.ticket_min > self.ticket_max:
            raise ValueError("ticket_min is above ticket_max")
        return self


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
