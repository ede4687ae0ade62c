"""The "why not" request and answer: the shapes the API and the CLI's `--json` share."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from filiera.match.requests import MatchRequest
from filiera.match.results import Explanation
from filiera.match.whynot import WhyNot

EXAMPLE = {
    "text": "sensori ottici per droni",
    "organisation_id": 42,
    "country": ["IT"],
}


class WhyNotRequest(MatchRequest):
    """A match request (text and filters) and the organisation asked about. `top` and
    `offset` are accepted and ignored: the answer compares with the first page."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE]})
    organisation_id: int = Field(ge=1, description="The organisation you expected to see")


class Reason(BaseModel):
    model_config = ConfigDict(extra="allow")
    key: str = Field(
        description="`filter`, `synthetic_left_out`, `no_match`, `first_page`, `rank`, "
        "`part` or `lacks`; the other fields are the reason's facts",
        examples=["part"],
    )
    text: str = Field(examples=["Profile text: 0.21 vs 0.64 at rank 10"])


class NeighbourOut(BaseModel):
    id: int
    name: str
    rank: int
    score: float
    parts: dict[str, float]


class WhyNotOut(BaseModel):
    id: int = Field(description="The organisation asked about")
    name: str
    query: str
    lang: str = Field(description="Language the text was read in")
    status: str = Field(
        description="`filtered` (a filter or the synthetic rule leaves it out), `no_match` "
        "(score 0), `first_page` (ranked 1 to 10) or `below_first_page`",
        examples=["below_first_page"],
    )
    rank: int | None = Field(None, description="Its rank among the organisations you may see")
    of: int = Field(description="Organisations with a score > 0 among those you may see")
    score: float = Field(0.0, description="Its graded relevance in [0, 1]")
    parts: dict[str, float] = Field(default_factory=dict)
    reasons: list[Reason] = Field(description="Why, most telling first")
    explanations: list[Explanation] = Field(
        default_factory=list, description="What it does match (as in `POST /api/match`)"
    )
    last: NeighbourOut | None = Field(
        None, description="The last organisation of the first page, compared with"
    )
    concepts: list[str] = Field(default_factory=list)


def whynot_out(answer: WhyNot) -> WhyNotOut:
    last = answer.last
    return WhyNotOut(
        id=answer.org_id,
        name=answer.name,
        query=answer.query,
        lang=answer.lang,
        status=answer.status,
        rank=answer.rank,
        of=answer.of,
        score=answer.score,
        parts=answer.parts,
        reasons=[Reason(**r) for r in answer.reasons],
        explanations=[Explanation(**e) for e in answer.explanations],
        last=NeighbourOut(
            id=last.org_id, name=last.name, rank=last.rank, score=last.score, parts=last.parts
        )
        if last
        else None,
        concepts=answer.concepts,
    )
