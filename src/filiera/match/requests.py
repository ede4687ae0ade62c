"""A match request: free text plus hard filters, validated once for the API, web and CLI."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from filiera.match.engine import MatchFilters
from filiera.match.usable import require_usable
from filiera.registry.fields import CONTENT_LANGUAGES
from filiera.registry.schemas import OrgKind

EXAMPLE = {
    "text": "munizioni di artiglieria da 155 mm, aumento della capacità produttiva",
    "country": ["IT", "DE", "FR"],
    "kind": ["sme", "midcap"],
    "top": 20,
}
TOP_MAX = 200
OFFSET_MAX = 10_000


class MatchRequest(BaseModel):
    """Free text in en/it/fr/de plus optional hard filters."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE]})
    text: str = Field(min_length=2, max_length=20_000)
    lang: Literal[CONTENT_LANGUAGES] | None = Field(
        default=None, description="Language of the text; detected when omitted"
    )
    explain_lang: Literal[CONTENT_LANGUAGES] | None = Field(
        default=None, description="Language of the explanations (default: the text's)"
    )
    country: list[Annotated[str, Field(pattern="^[A-Za-z]{2}$")]] = Field(
        default_factory=list, max_length=60, description="Eligible countries (any of)"
    )
    region: str | None = Field(default=None, max_length=5, examples=["ITC4"])
    kind: list[OrgKind] = Field(default_factory=list, max_length=11)
    sme: bool = Field(default=False, description="SMEs and start-ups only")
    certification: str | None = Field(default=None, max_length=40, examples=["en9100"])
    capability: str | None = Field(default=None, max_length=60, examples=["munitions"])
    cluster: int | None = Field(default=None, ge=1)
    include_synthetic: bool | None = Field(
        default=None,
        description="Synthetic demo records: true includes them, false leaves them out; "
        "omitted: left out when a real organisation matches (`synthetic_left_out` says how "
        "many)",
    )
    top: int = Field(default=50, ge=1, le=TOP_MAX, description="How many results (page size)")
    offset: int = Field(
        default=0,
        ge=0,
        le=OFFSET_MAX,
        description="Results to skip: page N of size `top` starts at (N - 1) x `top`",
    )

    @model_validator(mode="after")
    def has_something_to_match(self) -> MatchRequest:
        """A text of only stop words, numbers or another script is refused with the reason
        (NothingToMatch, 422), never answered with an empty list."""
        require_usable(self.text, self.lang)
        return self

    def filters(self) -> MatchFilters:
        """The hard filters of the request."""
        return MatchFilters(
            countries=self.country,
            region=self.region,
            kinds=list(self.kind),
            sme_only=self.sme,
            certification=self.certification,
            capability=self.capability,
            cluster=self.cluster,
            include_synthetic=self.include_synthetic,
        )
