"""What a match answers: the shapes the API and the CLI's `--json` share."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from filiera.match.service import MatchResult


class Explanation(BaseModel):
    model_config = ConfigDict(extra="allow")
    kind: str = Field(examples=["project"])
    text: str = Field(examples=["Coordinator in ProMa (2024): Projectiles manufacturing"])


class MatchHitOut(BaseModel):
    id: int
    pic: str | None = None
    name: str
    country: str | None = None
    kind: str
    score: float = Field(description="Graded relevance in [0, 1]")
    parts: dict[str, float] = Field(
        description="The scaled parts of the score: profile, projects, record"
    )
    explanations: list[Explanation]


class MatchOut(BaseModel):
    query: str
    lang: str
    concepts: list[str] = Field(description="Capabilities and glossary terms understood")
    candidates: int = Field(description="Organisations passing the filters with a score > 0")
    results: list[MatchHitOut]


def match_out(result: MatchResult) -> MatchOut:
    hits = [
        MatchHitOut(
            id=h.org_id,
            pic=h.pic,
            name=h.name,
            country=h.country,
            kind=h.kind,
            score=h.score,
            parts=h.parts,
            explanations=[Explanation(**e) for e in h.explanations],
        )
        for h in result.results
    ]
    return MatchOut(
        query=result.query,
        lang=result.lang,
        concepts=result.concepts,
        candidates=result.candidates,
        results=hits,
    )
